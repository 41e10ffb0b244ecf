"""The embed step: vectors for every paper whose current text has none for the embedder's (model, dim), added to
the ANN index and snapshotted; and opening the library's model for the CLI."""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import TYPE_CHECKING

from litreview.core.progress import CancelToken, Progress
from litreview.library import jobs, settings
from litreview.library.db import Library

if TYPE_CHECKING:
    import sqlite3

    from litreview.embedding import Embedder
    from litreview.index.service import IndexService
    from litreview.index.vectors import VectorStore

EMBED_BATCH = 64  # papers embedded per step (one step per event-loop turn in the GUI)
SNAPSHOT_EVERY_S = 60.0  # how often a long embedding run saves the ANN index


def embedding_text(title: str | None, abstract: str | None) -> str:
    """The text embedded for a paper: title and abstract, as BEIR/MTEB join them."""
    return " ".join(part.strip() for part in (title, abstract) if part and part.strip())


def english_versions(library: Library, model_id: str) -> dict[int, tuple[str | None, str | None]]:
    """For a model that reads only English: (English title, English abstract) of the papers printed in another
    language with an English translation, embedded instead of the original (issue #22). Empty for a multilingual
    model, which embeds every paper in its own language."""
    from litreview.embedding.presets import reads_only_english
    from litreview.library.translations import fields_in_language

    return fields_in_language(library.conn, "en") if reads_only_english(model_id) else {}


def pending_embeddings(library: Library, model_id: str, dim: int) -> list[tuple[int, str, str]]:
    """(paper id, text, text hash) for papers whose current text has no vector for this model and dim."""
    from litreview.index.vectors import VectorStore

    english = english_versions(library, model_id)

    def texts() -> Iterable[tuple[int, str]]:
        for paper_id, title, abstract in library.conn.execute("SELECT id, title, abstract FROM papers ORDER BY id"):
            if paper_id in english:
                title, abstract = english[paper_id][0] or title, english[paper_id][1] or abstract
            text = embedding_text(title, abstract)
            if text:
                yield paper_id, text

    return without_vectors(VectorStore(library), model_id, dim, texts())


def without_vectors(
    store: VectorStore, model_id: str, dim: int, texts: Iterable[tuple[int, str]]
) -> list[tuple[int, str, str]]:
    """(id, text, text hash) of the (id, text) pairs the store has no vector of this text for (model, dim)."""
    from litreview.index.vectors import text_hash

    known = store.text_hashes(model_id, dim)
    todo = []
    for item_id, text in texts:
        digest = text_hash(text)
        if known.get(item_id) != digest:
            todo.append((item_id, text, digest))
    return todo


def embed_batches(
    library: Library, embedder: Embedder, todo: Sequence[tuple[int, str, str]], store: VectorStore,
    index: IndexService, *,
    cancel: CancelToken, batch_size: int, stage: str, unit: str, save: Callable[[], None],
    stored: Callable[[sqlite3.Connection, list[int]], None] | None = None, save_anyway: bool = False,
) -> Generator[Progress, None, int]:
    """Embed `todo` ((id, text, text hash)) batch by batch as documents: each batch's vectors put in `store` in one
    transaction (with `stored(conn, ids)`), added to the index, one Progress (`stage`, counting
    `unit`s) each; `save()` every SNAPSHOT_EVERY_S and at the end (also when cancelled) if anything was done or
    `save_anyway`. Returns how many were embedded."""
    model_id, dim = embedder.model_id, embedder.dim
    if todo:
        index.load(model_id, dim)  # from its snapshot before the vectors change: then followed, not rebuilt
    done = 0
    last_save = time.monotonic()
    try:
        for start in range(0, len(todo), batch_size):
            cancel.raise_if_cancelled()
            chunk = todo[start:start + batch_size]
            ids = [item_id for item_id, _, _ in chunk]
            vectors = embedder.embed_documents([text for _, text, _ in chunk], cancel=cancel)  # between its batches
            with library.transaction() as conn:
                store.put(model_id, dim, ids, vectors, [digest for _, _, digest in chunk])
                if stored is not None:
                    stored(conn, ids)
            index.add(model_id, dim, ids, vectors)
            done += len(chunk)
            yield Progress(stage, done, len(todo), current=f"{done} of {len(todo)} {unit}")
            if time.monotonic() - last_save > SNAPSHOT_EVERY_S:
                save()
                last_save = time.monotonic()
    finally:
        if done or save_anyway:
            save()
    return done


def embed_pending(
    library: Library,
    embedder: Embedder,
    *,
    index: IndexService | None = None,
    cancel: CancelToken | None = None,
    batch_size: int = EMBED_BATCH,
) -> Generator[Progress, None, int]:
    """Embed every paper whose text has no vector yet for the embedder's (model, dim); store the vectors,
    add them to the ANN index and save its snapshot periodically and at the end. Returns the count."""
    from litreview.index.service import IndexService
    from litreview.index.vectors import VectorStore

    index = index or IndexService(library)
    model_id, dim = embedder.model_id, embedder.dim
    todo = pending_embeddings(library, model_id, dim)
    jobs.close_jobs_without_work(library, {paper_id for paper_id, _, _ in todo})
    done = yield from embed_batches(
        library, embedder, todo, VectorStore(library), index, cancel=cancel or CancelToken(), batch_size=batch_size,
        stage="embed", unit="abstracts", save=lambda: _save_index(library, index, model_id, dim),
        stored=jobs.mark_embedded,
    )
    settings.embedding_completed(library, model_id, dim)
    return done


def _save_index(library: Library, index: IndexService, model_id: str, dim: int) -> None:
    index.save(model_id, dim)
    with library.transaction() as conn:
        jobs.mark_indexed(conn)


def open_embedder(library: Library, name: str | None = None, *, device: str | None = None,
                  dim: int | None = None, dtype: str | None = None) -> Embedder:
    """The embedder for this library (litreview.library.settings.model_to_load), recorded as its model.

    A remote endpoint loads only when the user chose it in this app instance (embedding.loader.remote_allowed):
    a URL stored in a library file raises RemoteNotAllowed (a ModelNotAvailable) and sends nothing."""
    from litreview.embedding import DEFAULT_MODEL, load_embedder
    from litreview.embedding.loader import storable_model_name

    name, dim = settings.model_to_load(library, name, dim, default=DEFAULT_MODEL, storable=storable_model_name)
    embedder = load_embedder(name, device=device, dim=dim, dtype=dtype)
    if not library.read_only:
        settings.record_loaded(library, storable_model_name(name), embedder.model_id, embedder.dim)
    return embedder
