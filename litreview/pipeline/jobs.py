"""The library's long jobs as the worker runs them: import, embed, edit, resume and a model change.

Cheap to import (the GUI thread builds these jobs): the pipeline's modules are imported when a job runs.

Each function returns a litreview.core.ops.Job; its generator gets the worker's Services (the one write
connection, the embedder loaded on first need, the index) and a cancel token, and checks it between batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litreview.core.errors import error_message
from litreview.core.heap import freeze_heap
from litreview.core.ops import Job, JobGenerator, JobKind, Services, WithWarning
from litreview.core.progress import Cancelled, CancelToken, Progress
from litreview.core.text import count_of
from litreview.library import settings
from litreview.library.settings import ModelChoice


def import_job(paths: Sequence[Any], *, embed: bool = True, fulltext: bool = True) -> Job:
    """Import files and folders, then embed and index what is new: abstracts first (the library is usable then),
    then the PDFs' passages (at most the library's fulltext_max_passages per PDF) unless `fulltext` is false.

    When the model cannot be loaded (not downloaded, broken folder) the files are still imported, and the
    outcome says why they were not embedded: nothing the user dropped is lost to a model problem.
    """
    items = tuple(str(path) for path in paths)
    return Job(JobKind.IMPORT, lambda services, cancel: _import(services, items, cancel, embed=embed,
                                                                        fulltext=fulltext))


def reimport_job(path: str, encoding: str) -> Job:
    """Read a text-format file (BibTeX, RIS, MEDLINE, CSV) imported before again with `encoding` (the user's
    choice after a wrong guess), then embed what changed: the papers it gave are updated in place, not added
    again (litreview.pipeline.importer.run_import's `reread`). An unknown encoding fails before anything runs."""
    import codecs

    codecs.lookup(encoding)  # LookupError now, on the GUI thread, rather than a failed job
    item = str(path)
    return Job(JobKind.IMPORT, lambda services, cancel: _import(services, (item,), cancel, embed=True,
                                                                        fulltext=False, encoding=encoding))


def _import(services: Services, paths: Sequence[str], cancel: CancelToken, *, embed: bool,
            fulltext: bool = True, encoding: str | None = None) -> JobGenerator:
    from litreview.pipeline.importer import run_import

    embedder, model_problem = None, ""
    if embed:
        try:
            embedder = yield from services.embedder_steps(cancel)
        except Cancelled:
            raise
        except Exception as exc:
            model_problem = error_message(exc)
    # PDFs are read in the child process however few there are: MuPDF holds the GIL while it lays a page out, so
    # on the worker thread one big PDF froze the window (168.8 ms in benchmarks/passages.py --stall-only --limit 3)
    summary = yield from run_import(services.library, paths, embedder=embedder, index=services.index(),
                                    cancel=cancel, extract_in_child=True, readers=services.readers(),
                                    fulltext=fulltext, encoding=encoding, reread=encoding is not None)
    return WithWarning(summary, f"not embedded: {model_problem}") if model_problem else summary


def prepare_import(services: Services) -> None:
    """A query the window sends once it is up: load what an import runs on (the importer and the readers of
    every format, the full-text step and the PDF reading it hands to its child, the embedding step, the index and
    its search, sqlite-utils with its plugins for the library's row reads). Modules are shared by the threads, so
    the first drop then neither loads the readers on the GUI thread (35 ms) nor has the worker importing modules
    while the window wants the GIL (30-160 ms at a time in benchmarks/ui_stall.py). They live as long as the app:
    later full garbage collections skip them (`core.heap`)."""
    from litreview.index import search, service  # noqa: F401 - the index an import adds to, related queries
    from litreview.ingest import zotero  # noqa: F401 - the importer asks whether a path is a Zotero library
    from litreview.ingest.pdf import passages  # noqa: F401 - what the full-text step sends to its child
    from litreview.ingest.registry import default_registry
    from litreview.pipeline import embed, fulltext, importer  # noqa: F401

    default_registry()
    services.library.db  # noqa: B018 - sqlite-utils, which reads its plugins' entry points from disk on first use
    freeze_heap()


def embed_job() -> Job:
    """Embed every paper with no current vector for the chosen model (after a model change or an edit)."""
    return Job(JobKind.EMBED, _embed)


def _embed(services: Services, cancel: CancelToken) -> JobGenerator:
    from litreview.pipeline.embed import embed_pending

    embedder = yield from services.embedder_steps(cancel)
    count = yield from embed_pending(services.library, embedder, index=services.index(), cancel=cancel)
    return count


def change_model_job(choice: ModelChoice) -> Job:
    """Store a new model choice, then re-embed the library with it.
    Choosing a remote endpoint is the user's consent to send abstracts there (for this app instance)."""

    def run(services: Services, cancel: CancelToken) -> JobGenerator:
        services.set_model(choice)
        count = yield from _embed(services, cancel)
        yield from _passages(services, cancel)  # re-split for the new tokenizer, then embed
        return count

    return Job(JobKind.EMBED, run)


def edit_job(paper_id: int, *, title: str | None = None, abstract: str | None = None) -> Job:
    """Fix a paper's title or abstract, then re-embed it (its text hash changed, so it is pending)."""
    fields = {key: value for key, value in (("title", title), ("abstract", abstract)) if value is not None}
    return edit_fields_job(paper_id, fields)


def edit_fields_job(paper_id: int, fields: dict[str, Any], *, by_user: bool = True) -> Job:
    """Change any of a paper's fields (title, authors as a list, year, venue, doi...). A user's edit (`by_user`)
    is remembered, so re-imports keep it; an undo passes the old `user_fields` itself with by_user=False. A
    changed title or abstract re-embeds the paper (its text hash changed, so it is pending)."""
    values = dict(fields)

    def run(services: Services, cancel: CancelToken) -> JobGenerator:
        from litreview.library.papers import PaperRepository

        with services.library.transaction():
            PaperRepository(services.library).update_fields(paper_id, by_user=by_user, **values)
        yield Progress("saved", 1, 1, current=f"paper {paper_id}")
        if not {"title", "abstract"} & set(values):
            return 0
        count = yield from _embed(services, cancel)
        return count

    return Job(JobKind.EDIT, run)


def resume_job() -> Job:
    """At start: finish an import that was interrupted, else embed what the library's model is missing.

    A library whose settings name a remote endpoint the user has not chosen in this app instance is not
    embedded (nothing is sent): the outcome carries the reason, and search falls back to keywords."""
    return Job(JobKind.RESUME, _resume)


def _resume(services: Services, cancel: CancelToken) -> JobGenerator:
    from litreview.embedding.loader import RemoteNotAllowed, check_remote_allowed
    from litreview.library.jobs import queued_paths
    from litreview.pipeline.embed import pending_embeddings
    library = services.library
    paths = queued_paths(library)
    if paths:
        summary = yield from _import(services, paths, cancel, embed=True)
        return summary
    model = settings.recorded_model(library)
    abstracts = model is not None and bool(pending_embeddings(library, *model))
    passages = model is not None and passages_pending(library, *model)
    if abstracts or passages:
        try:
            check_remote_allowed(settings.model_choice(library).name)
        except RemoteNotAllowed as exc:
            return WithWarning(None, f"not embedded: {exc}")
        count = yield from _embed(services, cancel)  # abstracts first: the library is usable before passages
        if not passages:
            return count
        summary = yield from _passages(services, cancel)
        return resumed(count, summary.embedded)
    return None


def resumed(papers: int, passages: int) -> str:
    """What a resume that also indexed passages did ("Indexed 120 passages", "Embedded 2 papers and indexed 40
    passages"), so that passages alone do not read as "Embedded 0 papers"."""
    done = [f"embedded {count_of(papers, 'paper')}"] if papers else []
    done.append(f"indexed {count_of(passages, 'passage')}")
    text = " and ".join(done)
    return text[0].upper() + text[1:]


def _passages(services: Services, cancel: CancelToken) -> JobGenerator:
    from litreview.pipeline.fulltext import index_passages

    embedder = yield from services.embedder_steps(cancel)
    summary = yield from index_passages(services.library, embedder, cancel=cancel)
    return summary


def passages_pending(library: Any, model_id: str, dim: int) -> bool:
    """Whether a PDF on disk has never been split into passages (an import stopped before its passages, or one
    from before full text) or a passage has no vector for (model_id, dim): cheap, for the start-up resume."""
    from pathlib import Path

    unsplit = library.conn.execute(
        "SELECT f.path FROM files f LEFT JOIN passage_sources s ON s.paper_id = f.paper_id "
        "WHERE f.paper_id IS NOT NULL AND s.paper_id IS NULL AND lower(f.path) LIKE '%.pdf'"
    ).fetchall()
    if any(Path(path).is_file() for (path,) in unsplit):
        return True
    return library.conn.execute(
        "SELECT 1 FROM passages p LEFT JOIN passage_vectors v ON v.passage_id = p.id AND v.model_id = ? AND v.dim = ? "
        "WHERE v.passage_id IS NULL LIMIT 1", (model_id, int(dim)),
    ).fetchone() is not None
