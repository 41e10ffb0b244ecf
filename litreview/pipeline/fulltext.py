"""Full-text passages (issue 19): split each paper's PDF, embed the passages, keep their own ANN index.

Runs after the abstracts are embedded, as a generator of Progress like the import pipeline (the CLI and the
GUI worker drive the same code). Resumable: every paper's passages are stored in one transaction with their
`passage_sources` row, and each batch of vectors in its own; running again splits only papers not yet split
(for this file and splitter) and embeds only passages without a vector for the model.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from litreview.core.progress import EMBED_PASSAGES_STAGE, SPLIT_PASSAGES_STAGE, CancelToken, Progress
from litreview.library.db import Library

if TYPE_CHECKING:
    from litreview.embedding import Embedder
    from litreview.index.service import IndexService

PASSAGE_BATCH = 64  # passages embedded per step


@dataclass
class FulltextSummary:
    """What one passage run did: papers split, passages stored and embedded, and what was cut or skipped."""

    papers: int = 0
    passages: int = 0
    embedded: int = 0
    truncated: list[int] = field(default_factory=list)  # paper ids whose PDF was cut by the bound
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "papers": self.papers,
            "passages": self.passages,
            "embedded": self.embedded,
            "truncated": list(self.truncated),
            "warnings": list(self.warnings),
        }


def pending_splits(library: Library, splitter: str) -> list[tuple[int, Path, str]]:
    """(paper id, PDF path, sha256) of papers whose PDF has no passages for this file and splitter yet."""
    from litreview.library.passages import PassageRepository

    done = PassageRepository(library).sources()
    todo: list[tuple[int, Path, str]] = []
    seen: set[int] = set()
    rows = library.conn.execute(
        "SELECT paper_id, path, sha256 FROM files WHERE paper_id IS NOT NULL ORDER BY id"
    ).fetchall()
    for paper_id, path, sha256 in rows:
        if paper_id in seen or not str(path).lower().endswith(".pdf") or not Path(path).is_file():
            continue
        seen.add(paper_id)
        if done.get(paper_id) != (sha256, splitter):
            todo.append((int(paper_id), Path(path), str(sha256)))
    return todo


def split_pending(
    library: Library,
    embedder: Embedder,
    *,
    cancel: CancelToken | None = None,
    batch: str | None = None,
    summary: FulltextSummary | None = None,
    in_child: bool | None = None,
) -> Generator[Progress, None, FulltextSummary]:
    """Split the PDFs of papers not yet split for this embedder's tokenizer and window; log what was cut.

    The PDFs are read in the PDF reader's child process (ingest.pdf_process) unless `in_child` is false or the
    token counter cannot travel there (a slow tokenizer): MuPDF holds the GIL while it lays a page out, so read
    on the worker thread it would stall the window; a crash or hang in MuPDF costs that file, not the app."""
    from litreview.embedding.tokens import PieceCounter, TokenizerCounter, document_token_counter
    from litreview.ingest.pdf.passages import read_passages
    from litreview.ingest.pdf_process import PdfReader
    from litreview.library.passages import PassageRepository, max_passages

    cancel = cancel or CancelToken()
    summary = summary or FulltextSummary()
    batch = batch or uuid.uuid4().hex
    count, window, splitter = document_token_counter(embedder)
    bound = max_passages(library)
    repo = PassageRepository(library)
    todo = pending_splits(library, splitter)
    travels = isinstance(count, (PieceCounter, TokenizerCounter))
    reader = PdfReader([path for _, path, _ in todo], in_child=travels and in_child is not False,
                       read=functools.partial(read_passages, count_tokens=count, max_tokens=window,
                                              max_passages=bound), kind="PDF's full text")
    try:
        yield from _split(library, repo, reader, todo, splitter, bound, cancel, batch, summary)
    finally:
        reader.close(kill=cancel.cancelled)  # cancelled: the reads it has begun are not waited for
    return summary


def _split(library: Library, repo, reader, todo: list[tuple[int, Path, str]], splitter: str, bound: int,
           cancel: CancelToken, batch: str, summary: FulltextSummary) -> Generator[Progress, None, None]:
    for done, (paper_id, path, sha256) in enumerate(todo, start=1):
        cancel.raise_if_cancelled()
        result = reader.read(path)
        notes: list[str] = []
        with library.transaction() as conn:
            if hasattr(result, "reason"):  # IngestError: the file cannot be opened any more
                notes.append(f"full text not read: {result.reason}")
                repo.replace(paper_id, sha256, splitter, [], pages=0, truncated=False, skipped=[])
            else:
                stored = repo.replace(
                    paper_id, sha256, splitter, result.passages, pages=result.page_count,
                    truncated=result.truncated, skipped=result.skipped,
                )
                summary.passages += stored
                if result.truncated:
                    summary.truncated.append(paper_id)
                    notes.append(
                        f"full text cut at {stored} passages (pages 1-{result.last_page} of {result.page_count}); "
                        f"the setting fulltext_max_passages is {bound}"
                        if stored >= bound else "; ".join(result.warnings) or "full text cut"
                    )
                notes += [reason for _, reason in result.skipped]
                if not result.passages and not result.skipped:
                    notes.append("full text: no passages (the PDF has no text layer)")
            for note in notes:
                conn.execute(
                    "INSERT INTO import_log (batch, path, outcome, paper_id, reason) VALUES (?, ?, 'warning', ?, ?)",
                    (batch, str(path), paper_id, note),
                )
        summary.papers += 1
        summary.warnings += [f"{path.name}: {note}" for note in notes]
        yield Progress(SPLIT_PASSAGES_STAGE, done, len(todo), current=path.name)


def embed_pending_passages(
    library: Library,
    embedder: Embedder,
    *,
    index: IndexService | None = None,
    cancel: CancelToken | None = None,
    batch_size: int = PASSAGE_BATCH,
) -> Generator[Progress, None, int]:
    """Embed every passage without a vector for the embedder's (model, dim); index and snapshot them."""
    from litreview.index.service import passage_index
    from litreview.library.passages import PassageRepository
    from litreview.pipeline.embed import embed_batches, without_vectors

    index = index or passage_index(library)
    model_id, dim = embedder.model_id, embedder.dim
    todo = without_vectors(index.store, model_id, dim, PassageRepository(library).texts())
    return (yield from embed_batches(
        library, embedder, todo, index.store, index, cancel=cancel or CancelToken(), batch_size=batch_size,
        stage=EMBED_PASSAGES_STAGE, unit="passages", save=lambda: index.save(model_id, dim),
        # also when re-split passages took vectors away
        save_anyway=_snapshot_count(library, model_id, dim) != index.store.count(model_id, dim),
    ))


def _snapshot_count(library: Library, model_id: str, dim: int) -> int:
    row = library.conn.execute(
        "SELECT element_count FROM passage_index_snapshots WHERE model_id = ? AND dim = ?", (model_id, dim)
    ).fetchone()
    return int(row[0]) if row else 0


def index_passages(
    library: Library,
    embedder: Embedder,
    *,
    index: IndexService | None = None,
    cancel: CancelToken | None = None,
    batch: str | None = None,
    in_child: bool | None = None,
) -> Generator[Progress, None, FulltextSummary]:
    """Split what is not split yet (in a child process unless `in_child` is false), then embed and index what
    is not embedded yet."""
    summary = yield from split_pending(library, embedder, cancel=cancel, batch=batch, in_child=in_child)
    summary.embedded = yield from embed_pending_passages(library, embedder, index=index, cancel=cancel)
    return summary
