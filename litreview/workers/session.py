"""The state the worker thread owns (write connection, embedder, index service) and the jobs it runs.

Qt-free on purpose: the threaded worker and the synchronous test client drive the same `LibrarySession`.
Every long job is a generator of `Progress` that checks a `CancelToken` between batches and returns a summary,
so the worker can advance it one step per event-loop turn and answer interactive requests in between.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litreview.core.progress import Cancelled, CancelToken, Progress
from litreview.core.text import count_of
from litreview.workers.messages import ModelChoice, RelatedResult, SearchAnswer

JobGenerator = Generator[Progress, None, Any]

SETTING_MODEL = "model"  # the preset name or folder; written by pipeline.open_embedder, read by the CLI too
SETTING_MODEL_ID = "model_id"
SETTING_DIM = "dim"
SETTING_DEVICE = "embedding.device"
SETTING_DTYPE = "embedding.dtype"
SEARCH_MODES = ("keyword", "semantic", "hybrid")
LIST_OPS = ("create", "rename", "delete", "add", "remove", "reorder", "set_note")


def read_model_choice(library: Any) -> ModelChoice:
    """The model chosen in a library's settings (anything with get_setting; None name = the offline default)."""
    dim = library.get_setting(SETTING_DIM)
    return ModelChoice(
        name=library.get_setting(SETTING_MODEL) or None,
        device=library.get_setting(SETTING_DEVICE) or None,
        dim=int(dim) if dim else None,
        dtype=library.get_setting(SETTING_DTYPE) or None,
    )


class Backend:
    """The services a session calls, imported lazily so that torch and hnswlib load only when first needed.

    Tests replace this with small fakes; the real one forwards to litreview.pipeline, .embedding, .index, .analysis.
    """

    def __init__(self, *, model_in_child_process: bool = True) -> None:
        self.model_in_child_process = model_in_child_process

    def load_embedder(self, library: Any, choice: ModelChoice) -> Any:
        """The chosen model (None = the library's model, else the offline default); records it in settings
        (model, model_id, dim) as pipeline.open_embedder does, so the CLI and the index agree with the GUI.

        By default the model runs in a child process (see litreview.workers.embedding_process for why).
        A remote endpoint the user did not choose in this app instance (one read from the library's settings)
        raises embedding.loader.RemoteNotAllowed before anything is started or sent.
        """
        if not self.model_in_child_process:
            from litreview.pipeline import open_embedder

            return open_embedder(library, choice.name, device=choice.device, dim=choice.dim, dtype=choice.dtype)
        from litreview.embedding.loader import check_remote_allowed, is_remote
        from litreview.pipeline import resolve_model_choice
        from litreview.workers.embedding_process import EmbeddingProcess

        name, dim = resolve_model_choice(library, choice.name, choice.dim)
        check_remote_allowed(name)
        return EmbeddingProcess(
            name, device=choice.device, dim=dim, dtype=choice.dtype, allow_remote=is_remote(name)
        )

    def model_ready(self, library: Any, embedder: Any) -> None:
        """Record a loaded child-process model in the settings (in-process loading did it already); a remote
        URL is stored without its api_key."""
        from litreview.pipeline import record_model

        name = getattr(embedder, "name", None)
        if name is None or not hasattr(embedder, "poll_ready"):
            return
        record_model(library, name, embedder)

    def run_import(
        self, library: Any, paths: Sequence[str], embedder: Any, index: Any, cancel: CancelToken
    ) -> JobGenerator:
        from litreview.pipeline import run_import

        return run_import(library, list(paths), embedder=embedder, index=index, cancel=cancel)

    def embed_pending(self, library: Any, embedder: Any, index: Any, cancel: CancelToken) -> JobGenerator:
        from litreview.pipeline import embed_pending

        return embed_pending(library, embedder, index=index, cancel=cancel)

    def unfinished_import(self, library: Any) -> list[str]:
        """Files an interrupted import had queued but not finished."""
        from litreview.pipeline import queued_paths

        return queued_paths(library)

    def has_pending_embeddings(self, library: Any, model_id: str, dim: int) -> bool:
        from litreview.pipeline import pending_embeddings

        return bool(pending_embeddings(library, model_id, dim))

    def make_index(self, library: Any) -> Any:
        from litreview.index.service import IndexService

        return IndexService(library)

    def vector_models(self, library: Any) -> list[dict]:
        from litreview.index.vectors import VectorStore

        return VectorStore(library).models()

    def search(self, library: Any, index: Any, embedder: Any, query: str, mode: str, k: int) -> list[tuple[int, float]]:
        from litreview.index.search import search

        return search(library, index, embedder, query, k, mode)

    def cluster(self, library: Any, model_id: str, dim: int, cancel: CancelToken, progress: Any = None) -> Any:
        from litreview.analysis.clusters import cluster_library

        return cluster_library(library, model_id, dim, progress=progress, cancel=cancel)

    def load_map(self, library: Any, model_id: str, dim: int) -> Any:
        from litreview.analysis.clusters import load_map

        return load_map(library, model_id, dim)


class LibrarySession:
    """Runs on the worker thread: the one writer of a library, its embedder and its ANN index.

    The embedder is built on first need (never at start, so torch is not imported before the window shows).
    `serving_model` is the (model_id, dim) whose vectors answer "related" and semantic search; after a model
    change it switches only when the new model's embedding job has finished, so old results stay usable.
    """

    def __init__(self, library_path: Path | str, *, backend: Backend | None = None) -> None:
        self.library_path = Path(library_path)
        self.backend = backend or Backend()
        self._library: Any = None
        self._embedder: Any = None
        self._index: Any = None
        self._serving: tuple[str, int] | None = None
        self._model: ModelChoice | None = None
        self._df_cache: dict[str, int] = {}  # word -> papers using it, for the "why" of related results
        self._n_docs: int | None = None

    def papers_changed(self) -> None:
        """A job or an edit changed papers: forget counts derived from them."""
        self._df_cache.clear()
        self._n_docs = None

    # -- owned resources --------------------------------------------------------------------------------------
    @property
    def library(self) -> Any:
        if self._library is None:
            from litreview.library.db import open_library

            self._library = open_library(self.library_path)
        return self._library

    @property
    def model_choice(self) -> ModelChoice:
        """The model chosen in the library's settings (None name = the offline default)."""
        if self._model is None:
            self._model = read_model_choice(self.library)
        return self._model

    def embedder(self) -> Any:
        """The embedder, loaded on first call and waited for (blocks while the model loads)."""
        if self._embedder is None:
            embedder = self.backend.load_embedder(self.library, self.model_choice)
            try:
                if hasattr(embedder, "wait_ready"):
                    embedder.wait_ready()
                self.backend.model_ready(self.library, embedder)
            except BaseException:
                _close(embedder)
                raise
            self._embedder = embedder
        return self._embedder

    def embedder_steps(self, cancel: CancelToken, *, poll_s: float = 0.05) -> JobGenerator:
        """The embedder, loaded while yielding progress every `poll_s` so that requests are answered meanwhile
        (a model in a child process takes seconds to load). Returns the embedder."""
        if self._embedder is not None:
            return self._embedder
        loading = Progress("loading model", 0, 0, message="Loading the embedding model…")
        yield loading
        embedder = self.backend.load_embedder(self.library, self.model_choice)
        try:
            while hasattr(embedder, "poll_ready") and not embedder.poll_ready(poll_s):
                cancel.raise_if_cancelled()
                yield loading
            self.backend.model_ready(self.library, embedder)
        except BaseException:
            _close(embedder)
            raise
        self._embedder = embedder
        return embedder

    @property
    def embedder_loaded(self) -> bool:
        return self._embedder is not None

    def index(self) -> Any:
        if self._index is None:
            self._index = self.backend.make_index(self.library)
        return self._index

    def serving_model(self) -> tuple[str, int] | None:
        """The (model_id, dim) used for related/semantic answers: the last fully embedded model, else the
        model with most vectors in the library, else None when nothing is embedded yet."""
        if self._serving is None:
            models = self.backend.vector_models(self.library)
            chosen = (self.library.get_setting(SETTING_MODEL_ID), self.library.get_setting(SETTING_DIM))
            for entry in models:
                if (str(entry["model"]), str(entry["dim"])) == chosen:
                    self._serving = (str(entry["model"]), int(entry["dim"]))
                    return self._serving
            if models:
                best = max(models, key=lambda m: int(m.get("vectors", 0)))
                self._serving = (str(best["model"]), int(best["dim"]))
        return self._serving

    def _vectors_changed(self) -> None:
        """An embedding job ended: its model now serves related/semantic answers (the pipeline added the new
        vectors to our index service and saved its snapshot)."""
        if self._embedder is not None:
            self._serving = (self._embedder.model_id, int(self._embedder.dim))

    def set_model(self, choice: ModelChoice) -> None:
        """Remember a new model; the next job loads it (and records it in the settings). The serving model
        stays until the new one's embedding job has finished. Choosing a remote endpoint here is the user's
        consent to send abstracts there (for this app instance)."""
        from litreview.embedding.loader import allow_remote_endpoint

        allow_remote_endpoint(choice.name)
        with self.library.transaction() as conn:
            for key, value in ((SETTING_DEVICE, choice.device), (SETTING_DTYPE, choice.dtype)):
                if value:
                    conn.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", (key, value))
                else:
                    conn.execute("DELETE FROM settings WHERE key = ?", (key,))
        self._model = choice
        old, self._embedder = self._embedder, None
        _close(old)

    # -- long jobs (generators) --------------------------------------------------------------------------------
    def import_job(self, paths: Sequence[str], cancel: CancelToken, *, embed: bool = True) -> JobGenerator:
        """Import files and folders, then embed and index what is new.

        When the model cannot be loaded (not downloaded, broken folder) the files are still imported, and the
        outcome says why they were not embedded: nothing the user dropped is lost to a model problem.
        """
        embedder, model_problem = None, ""
        if embed:
            try:
                embedder = yield from self.embedder_steps(cancel)
            except Cancelled:
                raise
            except Exception as exc:
                model_problem = error_text(exc)
        try:
            summary = yield from self.backend.run_import(self.library, paths, embedder, self.index(), cancel)
        finally:
            if embedder is not None:
                self._vectors_changed()
        return WithWarning(summary, f"not embedded: {model_problem}") if model_problem else summary

    def resume_job(self, cancel: CancelToken) -> JobGenerator:
        """At start: finish an import that was interrupted, else embed what the library's model is missing.

        A library whose settings name a remote endpoint the user has not chosen in this app instance is not
        embedded (nothing is sent): the outcome carries the reason, and search falls back to keywords."""
        from litreview.embedding.loader import RemoteNotAllowed, check_remote_allowed

        paths = self.backend.unfinished_import(self.library)
        if paths:
            summary = yield from self.import_job(paths, cancel)
            return summary
        model_id, dim = self.library.get_setting(SETTING_MODEL_ID), self.library.get_setting(SETTING_DIM)
        if model_id and dim and self.backend.has_pending_embeddings(self.library, model_id, int(dim)):
            try:
                check_remote_allowed(self.model_choice.name)
            except RemoteNotAllowed as exc:
                return WithWarning(None, f"not embedded: {exc}")
            count = yield from self.embed_job(cancel)
            return count
        return None

    def embed_job(self, cancel: CancelToken) -> JobGenerator:
        """Embed every paper with no current vector for the chosen model (after a model change or an edit)."""
        embedder = yield from self.embedder_steps(cancel)
        try:
            count = yield from self.backend.embed_pending(self.library, embedder, self.index(), cancel)
        finally:
            self._vectors_changed()
        return count

    def edit_job(self, paper_id: int, fields: dict[str, str], cancel: CancelToken) -> JobGenerator:
        """Fix a paper's title or abstract, then re-embed it (its text hash changed, so it is pending)."""
        from litreview.library.papers import PaperRepository

        allowed = {key: value for key, value in fields.items() if key in ("title", "abstract")}
        if allowed:
            with self.library.transaction():
                PaperRepository(self.library).update_fields(paper_id, by_user=True, **allowed)
        yield Progress("saved", 1, 1, current=f"paper {paper_id}")
        count = yield from self.embed_job(cancel)
        return count

    def cluster_job(self, cancel: CancelToken, *, poll_s: float = 0.05) -> JobGenerator:
        """Cluster the library with the serving model's vectors.

        The clustering call has no batches to step through, so it runs on a helper thread with its own
        connection while this generator yields its progress every `poll_s`: the worker keeps answering
        "related" and "search" meanwhile. Cancel is checked by the clustering between its stages.
        """
        from litreview.library.db import open_library

        model = self.serving_model()
        if model is None:
            raise LookupError("nothing is embedded yet: import papers first")
        updates: queue.SimpleQueue[Progress] = queue.SimpleQueue()
        result: dict[str, Any] = {}

        def run() -> None:
            try:
                with open_library(self.library_path) as own:
                    result["clusters"] = self.backend.cluster(own, model[0], model[1], cancel, updates.put)
            except BaseException as exc:  # handed to the generator, which re-raises it on the worker thread
                result["error"] = exc

        helper = threading.Thread(target=run, name="litreview-cluster")
        helper.start()
        latest = Progress("clustering", 0, 0, message=f"clustering with {model[0]}")
        try:
            while helper.is_alive():
                helper.join(poll_s)
                while not updates.empty():
                    latest = updates.get()
                yield latest
        finally:
            if helper.is_alive():  # the job was closed early (shutdown): stop at the next stage
                cancel.cancel()
            helper.join()
        if "error" in result:
            raise result["error"]
        clusters = result.get("clusters")
        return len(clusters) if clusters is not None else 0

    def map_data(self) -> Any:
        """The stored map of the serving model (plain data for the GUI); None when nothing is embedded."""
        model = self.serving_model()
        if model is None:
            return None
        return self.backend.load_map(self.library, model[0], model[1])

    # -- interactive requests ----------------------------------------------------------------------------------
    def related(self, paper_id: int, k: int = 10) -> tuple[str, tuple[RelatedResult, ...]]:
        """Top-k papers similar to `paper_id` with the terms they share. Returns (model_id, results)."""
        from litreview.analysis.why import common_terms, shared_terms

        model = self.serving_model()
        if model is None:
            raise LookupError("no embeddings yet: import or embed papers first")
        from litreview.index.search import related_papers

        hits = [(int(pid), float(score))
                for pid, score in related_papers(self.library, self.index(), paper_id, model[0], model[1], k=k)]
        ids = [paper_id] + [pid for pid, _ in hits]
        placeholders = ",".join("?" * len(ids))
        rows = {
            row["id"]: row
            for row in self.library.query(
                f"SELECT id, title, year, abstract FROM papers WHERE id IN ({placeholders})", ids
            )
        }
        query_row = rows.get(paper_id, {})
        query_text = f"{query_row.get('title') or ''} {query_row.get('abstract') or ''}"
        texts = {pid: f"{row.get('title') or ''} {row.get('abstract') or ''}" for pid, row in rows.items()}
        wanted: set[str] = set()
        for pid, _ in hits:
            wanted |= common_terms(query_text, texts.get(pid, ""))
        doc_freq = self._doc_freq(wanted)
        n_docs = self._paper_count()
        results = []
        for pid, score in hits:
            row = rows.get(pid)
            if row is None:
                continue
            text = texts[pid]
            results.append(
                RelatedResult(
                    paper_id=pid,
                    score=score,
                    title=row.get("title") or "(untitled)",
                    year=row.get("year"),
                    why=tuple(shared_terms(query_text, text, doc_freq=doc_freq, n_docs=n_docs)),
                )
            )
        return model[0], tuple(results)

    def _paper_count(self) -> int:
        if self._n_docs is None:
            self._n_docs = int(self.library.conn.execute("SELECT count(*) FROM papers").fetchone()[0])
        return self._n_docs

    def _doc_freq(self, words: set[str]) -> dict[str, int]:
        """How many papers use each word, from the full-text index (cached until the library changes)."""
        missing = [word for word in words if word not in self._df_cache]
        for word in missing:
            phrase = '"' + word.replace('"', '""') + '"'
            row = self.library.conn.execute("SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ?", (phrase,))
            self._df_cache[word] = int(row.fetchone()[0])
        return {word: self._df_cache[word] for word in words}

    def search(self, request_id: int, query: str, mode: str, k: int = 50) -> SearchAnswer:
        if mode not in SEARCH_MODES:
            raise ValueError(f"unknown search mode {mode!r}")
        from litreview.embedding.loader import RemoteNotAllowed

        embedder = index = None
        if mode != "keyword":
            try:
                embedder = self.embedder()
                index = self.index()
            except RemoteNotAllowed:
                if mode == "semantic":  # only hybrid has a keyword half to answer with
                    raise
                mode = "keyword"  # the answer says which mode answered
        hits = self.backend.search(self.library, index, embedder, query, mode, k)
        return SearchAnswer(request_id, query, mode, tuple((int(pid), float(score)) for pid, score in hits))

    def reading_list_op(self, op: str, args: dict[str, Any]) -> Any:
        """One reading-list write through litreview.library.lists.ReadingLists (create, rename, delete, add,
        remove, reorder, set_note); `args` name the method's parameters (list_id, name, paper_ids, ...)."""
        from litreview.library.lists import ReadingLists

        if op not in LIST_OPS:
            raise ValueError(f"unknown reading-list operation {op!r}")
        lists = ReadingLists(self.library)
        args = dict(args)
        if op == "create":
            return lists.create(args["name"])
        list_id = int(args.pop("list_id"))
        if op == "rename":
            return lists.rename(list_id, args["name"])
        if op == "delete":
            return lists.delete(list_id)
        if op == "add":
            return lists.add(list_id, args["paper_ids"])
        if op == "remove":
            return lists.remove(list_id, args["paper_ids"])
        if op == "reorder":
            return lists.reorder(list_id, args["paper_ids"])
        return lists.set_note(list_id, int(args["paper_id"]), str(args["note"]))

    def close(self) -> None:
        """Close the write connection (the pipeline saves index snapshots at the end of each job)."""
        embedder, self._embedder = self._embedder, None
        _close(embedder)  # ends the model's child process
        if self._library is not None:
            self._library.close()
            self._library = None
        self._index = None


def _close(embedder: Any) -> None:
    close = getattr(embedder, "close", None)
    if close is not None:
        close()


@dataclass(frozen=True)
class WithWarning:
    """A job's result plus something the user must know (e.g. imported but not embedded, and why)."""

    summary: Any
    warning: str


def error_text(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def summary_counts(summary: Any) -> dict[str, Any]:
    """The counts of an ImportSummary (or an int from embed_pending) as plain values for a JobOutcome."""
    if isinstance(summary, WithWarning):
        summary = summary.summary
    if summary is None or isinstance(summary, int):
        return {}
    failed: Iterable[Any] = getattr(summary, "failed", ()) or ()
    return {
        "imported": int(getattr(summary, "imported", 0)),
        "updated": int(getattr(summary, "updated", 0)),
        "duplicates": int(getattr(summary, "duplicates", 0)),
        "failed": tuple((_failure_label(error), str(getattr(error, "reason", error))) for error in failed),
        "paper_ids": tuple(int(pid) for pid in getattr(summary, "paper_ids", ()) or ()),
    }


def _failure_label(error: Any) -> str:
    path, entry = str(getattr(error, "path", "") or ""), getattr(error, "entry", None)
    return f"{path} [{entry}]" if entry else path


def describe_outcome(kind: str, summary: Any) -> str:
    """A short sentence for the status bar."""
    if isinstance(summary, WithWarning):
        done = describe_outcome(kind, summary.summary)
        return f"{done}; {summary.warning}" if done else summary.warning[:1].upper() + summary.warning[1:]
    if kind == "resume":
        if summary is None:
            return ""
        kind = "embed" if isinstance(summary, int) else "import"
    if kind == "import" and summary is not None and not isinstance(summary, int):
        counts = summary_counts(summary)
        parts = [f"{counts['imported']} imported"]
        if counts["updated"]:
            parts.append(f"{counts['updated']} updated")
        if counts["duplicates"]:
            parts.append(count_of(counts['duplicates'], 'duplicate'))
        if counts["failed"]:
            parts.append(f"{len(counts['failed'])} failed (see the import log)")
        return "Import done: " + ", ".join(parts)
    if kind in ("embed", "edit"):
        return f"Embedded {count_of(summary or 0, 'paper')}"
    if kind == "cluster":
        return f"Clustered the library into {count_of(summary or 0, 'group')}"
    if kind == "download":
        return f"Downloaded the model to {summary}" if summary else "Model downloaded"
    return f"{kind} done"
