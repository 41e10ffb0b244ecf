"""The import → extract → embed → index job, without Qt.

Written as generators of Progress that check a CancelToken between steps, so the CLI (with a progress bar)
and the GUI worker (one step per event-loop turn) drive the same code. Every step commits its own
transaction: a killed process loses at most the step in flight, and running the same import again
resumes (files already stored are recognised by their hash and skipped).
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from litreview.core.paper import IngestError, ParsedPaper
from litreview.core.progress import CancelToken, Progress
from litreview.library.db import Library
from litreview.library.papers import PaperRepository

if TYPE_CHECKING:
    from litreview.embedding import Embedder
    from litreview.index.service import IndexService

PDF_SUFFIXES = {".pdf"}
BIB_SUFFIXES = {".bib", ".bibtex"}
BIB_CHUNK = 500  # BibTeX records stored per transaction
EMBED_BATCH = 64  # papers embedded per step (one step per event-loop turn in the GUI)
SNAPSHOT_EVERY_S = 60.0  # how often a long embedding run saves the ANN index


def embedding_text(title: str | None, abstract: str | None) -> str:
    """The text embedded for a paper: title and abstract, as BEIR/MTEB join them."""
    return " ".join(part.strip() for part in (title, abstract) if part and part.strip())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def exit_with_parent(parent_pid: int, poll_s: float = 1.0) -> None:
    """In a child process: exit as soon as `parent_pid` is gone (killed, crashed), instead of lingering."""
    import threading

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            if os.getppid() != parent_pid:
                os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class PdfReader:
    """Reads PDFs with `read_pdf`, in a child process when asked, a few files ahead of the caller.

    In the child, PyMuPDF never holds the caller's GIL (the GUI stays smooth) and a crash inside MuPDF on a
    hostile file costs that file, not the app. Files are only read when `read()` asks for them, so a re-import
    of known files (skipped by hash) reads nothing.
    """

    LOOKAHEAD = 2
    TIMEOUT_S = 120.0  # per file: the first pages of any sane PDF take well under a second

    def __init__(self, order: Sequence[Path], *, in_child: bool) -> None:
        self.order = list(order)
        self.position = {path: i for i, path in enumerate(self.order)}
        self.in_child = in_child
        self._pool = None
        self._pending: dict[Path, object] = {}

    def read(self, path: Path) -> ParsedPaper | IngestError:
        from litreview.ingest.pdf import read_pdf

        if not self.in_child:
            return read_pdf(path)
        start = self.position.get(path, len(self.order))
        for ahead in [path, *self.order[start + 1:start + 1 + self.LOOKAHEAD]]:
            if ahead not in self._pending:
                self._pending[ahead] = self._executor().submit(read_pdf, ahead)
        future = self._pending.pop(path)
        try:
            return future.result(timeout=self.TIMEOUT_S)
        except TimeoutError:  # MuPDF hangs on this file: stop that child, go on with a new one
            self.close(kill=True)
            return IngestError(str(path), f"reading the PDF took longer than {self.TIMEOUT_S:g} s; skipped")
        except Exception as exc:  # the child died (MuPDF crashed on this file): report it, start a new child
            self.close(kill=True)
            return IngestError(str(path), f"the PDF reader crashed on this file ({type(exc).__name__})")

    def _executor(self):
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=exit_with_parent,
                initargs=(os.getpid(),),
            )
        return self._pool

    def close(self, *, kill: bool = False) -> None:
        """Stop the child; `kill` when it is stuck or broken (its pending reads are dropped)."""
        if self._pool is not None:
            if kill:
                for process in list(getattr(self._pool, "_processes", {}).values()):
                    process.kill()
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._pending.clear()


@dataclass
class ImportSummary:
    """What one import did; `failed` lists every file or entry that could not be imported, with the reason."""

    imported: int = 0
    updated: int = 0
    duplicates: int = 0
    failed: list[IngestError] = field(default_factory=list)
    paper_ids: list[int] = field(default_factory=list)
    embedded: int = 0

    def to_json(self) -> dict:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "duplicates": self.duplicates,
            "failed": [{"path": e.path, "entry": e.entry, "line": e.line, "reason": e.reason} for e in self.failed],
            "embedded": self.embedded,
        }


def collect_paths(
    paths: Iterable[str | Path], record_files: list[Path] | None = None
) -> tuple[list[Path], list[Path], list[IngestError]]:
    """Split what the user dropped into PDFs and BibTeX files; folders are searched recursively. With
    `record_files`, exports a record reader claims (RIS, MEDLINE, OpenAlex, CSV/TSV) are appended to it."""
    from litreview.ingest.formats import reader_for

    pdfs: list[Path] = []
    bibs: list[Path] = []
    errors: list[IngestError] = []
    seen: set[Path] = set()

    def take(path: Path, explicit: bool) -> None:
        resolved = path.resolve()
        if resolved in seen:
            return
        seen.add(resolved)
        suffix = path.suffix.lower()
        if suffix in PDF_SUFFIXES:
            pdfs.append(resolved)
        elif suffix in BIB_SUFFIXES:
            bibs.append(resolved)
        elif record_files is not None and reader_for(resolved) is not None:
            record_files.append(resolved)
        elif explicit:
            errors.append(IngestError(str(path), "not a file litreview reads (expected .pdf, .bib, .ris, .nbib, "
                                                 "OpenAlex .json/.zip, .csv or .tsv)"))

    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file():
                    take(child, explicit=False)
        elif path.is_file():
            take(path, explicit=True)
        else:
            errors.append(IngestError(str(path), "no such file or folder"))
    return pdfs, bibs, errors


class _Importer:
    """Stores records one transaction at a time and keeps the import log and summary."""

    def __init__(self, library: Library, batch: str) -> None:
        self.library = library
        self.repo = PaperRepository(library)
        self.batch = batch
        self.summary = ImportSummary()
        self.claimed: set[int] = set()  # papers a BibTeX entry of this import was matched to by its key

    def log(self, path: str, outcome: str, *, paper_id: int | None = None, reason: str | None = None,
            entry: str | None = None, line: int | None = None) -> None:
        self.library.conn.execute(
            "INSERT INTO import_log (batch, path, entry, line, outcome, paper_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (self.batch, path, entry, line, outcome, paper_id, reason),
        )

    def fail(self, error: IngestError) -> None:
        self.summary.failed.append(error)
        self.log(error.path, "failed", reason=error.reason, entry=error.entry, line=error.line)

    def store(self, record: ParsedPaper, *, path: str, sha256: str | None = None) -> int:
        """Insert, merge or update one record; log the decision. Returns the paper id."""
        repo = self.repo
        entry = record.citation_key
        if record.source == "bibtex" and record.citation_key and record.origin:
            existing = repo.find_by_citation_key(
                record.citation_key, record.origin.rsplit(":", 1)[0], exclude=self.claimed
            )
            if existing is not None:
                self.claimed.add(existing)
                if repo.replace_metadata(existing, record):
                    self.summary.updated += 1
                    self.log(path, "updated", paper_id=existing, entry=entry, reason="entry changed since last import")
                else:
                    self.summary.duplicates += 1
                    self.log(path, "duplicate", paper_id=existing, entry=entry, reason="unchanged since last import")
                return existing
        duplicate = repo.find_duplicate(record, sha256=sha256)
        if duplicate is not None:
            current_source = repo.get_row(duplicate.paper_id)["source"]
            if record.source == "bibtex" and current_source != "bibtex":
                repo.replace_metadata(duplicate.paper_id, record)  # the entry's fields win for metadata
                repo.fill_missing(duplicate.paper_id, replace(record, abstract=None))
            else:
                repo.fill_missing(duplicate.paper_id, record)
            self.summary.duplicates += 1
            self.log(path, "duplicate", paper_id=duplicate.paper_id, entry=entry, reason=f"merged: {duplicate.reason}")
            return duplicate.paper_id
        paper_id = repo.insert(record)
        if record.source == "bibtex":
            self.claimed.add(paper_id)
        self.summary.imported += 1
        self.summary.paper_ids.append(paper_id)
        self.log(path, "imported", paper_id=paper_id, entry=entry, reason="; ".join(record.warnings) or None)
        return paper_id


def _with_fallback_title(record: ParsedPaper, path: Path) -> ParsedPaper:
    """A PDF with no readable title (a scan) is still imported, findable by its file name."""
    if record.title:
        return record
    confidence = {**record.confidence, "title": 0.0}
    warnings = (*record.warnings, "title taken from the file name")
    return replace(record, title=path.stem.replace("_", " "), confidence=confidence, warnings=warnings)


def add_records(library: Library, records: Iterable[ParsedPaper], *, batch: str | None = None) -> ImportSummary:
    """Store already-parsed records (BEIR corpora, tests) with duplicate detection, without embedding."""
    importer = _Importer(library, batch or uuid.uuid4().hex)
    chunk: list[ParsedPaper] = []

    def flush() -> None:
        with library.transaction():
            for record in chunk:
                importer.store(record, path=record.origin or record.source)
        chunk.clear()

    for record in records:
        chunk.append(record)
        if len(chunk) >= BIB_CHUNK:
            flush()
    if chunk:
        flush()
    return importer.summary


def run_import(
    library: Library,
    paths: Sequence[str | Path],
    *,
    embedder: Embedder | None = None,
    index: IndexService | None = None,
    cancel: CancelToken | None = None,
    extract_in_child: bool | None = None,
) -> Generator[Progress, None, ImportSummary]:
    """Import PDFs, folders and .bib files (given together, so @string and crossref resolve across them),
    then embed and index what is new when an embedder is given. Yields Progress; returns the summary.

    PDFs are read in a child process when `extract_in_child` is true, or by default when there are several."""
    cancel = cancel or CancelToken()
    importer = _Importer(library, uuid.uuid4().hex)
    record_files: list[Path] = []
    pdfs, bibs, errors = collect_paths(paths, record_files)
    with library.transaction():
        for error in errors:
            importer.fail(error)
        _queue_jobs(library, pdfs, importer.batch)

    linked_pdfs: list[tuple[int, Path]] = []
    if bibs:
        yield from _import_bibtex(importer, bibs, linked_pdfs, cancel)
    if record_files:
        yield from _import_record_files(importer, record_files, cancel)

    # A PDF that an entry of this import links to belongs to that entry, even when it was dropped too
    # (a Zotero export folder): imported on its own it could become a second paper if its title reads differently.
    linked = {path.resolve() for _, path in linked_pdfs}
    pdfs = [path for path in pdfs if path not in linked]
    total = len(pdfs) + len(linked_pdfs)
    if extract_in_child is None:
        extract_in_child = total >= 4
    reader = PdfReader([*pdfs, *(path.resolve() for _, path in linked_pdfs)], in_child=extract_in_child)
    try:
        for done, path in enumerate(pdfs, start=1):
            cancel.raise_if_cancelled()
            _import_pdf(importer, path, reader)
            yield Progress("extract", done, total, current=path.name)
        for done, (paper_id, path) in enumerate(linked_pdfs, start=len(pdfs) + 1):
            cancel.raise_if_cancelled()
            _attach_linked_pdf(importer, paper_id, path, reader)
            yield Progress("extract", done, total, current=path.name)
    finally:
        reader.close()

    if embedder is not None:
        importer.summary.embedded = yield from embed_pending(library, embedder, index=index, cancel=cancel)
    return importer.summary


def _queue_jobs(library: Library, pdfs: list[Path], batch: str) -> None:
    queued = {row[0] for row in library.conn.execute("SELECT path FROM jobs WHERE state = 'queued'")}
    library.conn.executemany(
        "INSERT INTO jobs (path, state, batch) VALUES (?, 'queued', ?)",
        [(str(p), batch) for p in pdfs if str(p) not in queued],
    )


def _finish_job(library: Library, path: str, state: str, paper_id: int | None, reason: str | None) -> None:
    library.conn.execute(
        "UPDATE jobs SET state = ?, paper_id = ?, reason = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
        "WHERE path = ? AND state = 'queued'",
        (state, paper_id, reason, path),
    )


def _import_pdf(importer: _Importer, path: Path, reader: PdfReader) -> None:
    """Hash, skip if known, else extract and store one PDF, all in one transaction with its job."""
    library = importer.library
    try:
        sha256, size = file_sha256(path), path.stat().st_size
    except OSError as exc:
        with library.transaction():
            importer.fail(IngestError(str(path), f"cannot read file: {exc.strerror or exc}"))
            _finish_job(library, str(path), "failed", None, str(exc))
        return
    known = library.conn.execute(
        "SELECT paper_id FROM files WHERE sha256 = ? AND paper_id IS NOT NULL LIMIT 1", (sha256,)
    ).fetchone()
    if known:
        with library.transaction():
            importer.repo.add_file(known[0], str(path), sha256, size, None)
            importer.summary.duplicates += 1
            importer.log(str(path), "duplicate", paper_id=known[0], reason=f"same file content as paper {known[0]}")
            _finish_job(library, str(path), "extracted", known[0], None)
        return
    parsed = reader.read(path)  # outside the transaction: the slow part, and it never raises for bad input
    with library.transaction():
        if isinstance(parsed, IngestError):
            importer.fail(parsed)
            _finish_job(library, str(path), "failed", None, parsed.reason)
            return
        record = _with_fallback_title(parsed, path)
        paper_id = importer.store(record, path=str(path), sha256=sha256)
        importer.repo.add_file(paper_id, str(path), sha256, size, parsed.pages)
        _finish_job(library, str(path), "extracted", paper_id, None)


def _attach_linked_pdf(importer: _Importer, paper_id: int, path: Path, reader: PdfReader) -> None:
    """A PDF named in a BibTeX file field: the entry keeps its metadata, the PDF fills what it lacks."""
    library = importer.library
    path = path.resolve()  # as collect_paths stores dropped files, so the two are recognised as one
    if not path.is_file():
        with library.transaction():
            importer.log(str(path), "warning", paper_id=paper_id, reason="file named in the BibTeX entry not found")
        return
    try:
        sha256, size = file_sha256(path), path.stat().st_size
    except OSError as exc:
        with library.transaction():
            importer.log(str(path), "warning", paper_id=paper_id,
                         reason=f"linked file unreadable: {exc.strerror or exc}")
            _finish_job(library, str(path), "failed", paper_id, str(exc))
        return
    attached = library.conn.execute(
        "SELECT 1 FROM files WHERE paper_id = ? AND sha256 = ? AND path = ?", (paper_id, sha256, str(path))
    ).fetchone()
    if attached:  # a re-import: this very file is already read into this paper
        with library.transaction():
            _finish_job(library, str(path), "extracted", paper_id, None)
        return
    parsed = reader.read(path)
    with library.transaction():
        if isinstance(parsed, IngestError):
            importer.log(str(path), "warning", paper_id=paper_id, reason=f"linked PDF unreadable: {parsed.reason}")
            _finish_job(library, str(path), "failed", paper_id, parsed.reason)
            return
        importer.repo.fill_missing(paper_id, parsed)
        importer.repo.add_file(paper_id, str(path), sha256, size, parsed.pages)
        _finish_job(library, str(path), "extracted", paper_id, None)


def _linked_pdf_sha256(record: ParsedPaper) -> str | None:
    """The hash of the first readable PDF an entry links to: a PDF imported earlier on its own is then
    recognised as this entry's paper even when its extracted title or year reads differently."""
    for name in record.file_paths:
        try:
            return file_sha256(Path(name))
        except OSError:  # missing or unreadable: _attach_linked_pdf reports it
            continue
    return None


def _import_bibtex(
    importer: _Importer, bibs: list[Path], linked_pdfs: list[tuple[int, Path]], cancel: CancelToken
) -> Generator[Progress, None, None]:
    from litreview.ingest.bibtex import parse_bibtex_files

    result = parse_bibtex_files(bibs)
    with importer.library.transaction():
        for error in result.errors:
            importer.fail(error)
    records = result.records
    for start in range(0, len(records), BIB_CHUNK):
        cancel.raise_if_cancelled()
        with importer.library.transaction():
            for record in records[start:start + BIB_CHUNK]:
                path = (record.origin or "").rsplit(":", 1)[0] or str(bibs[0])
                paper_id = importer.store(record, path=path, sha256=_linked_pdf_sha256(record))
                linked_pdfs.extend((paper_id, Path(p)) for p in record.file_paths)
        done = min(start + BIB_CHUNK, len(records))
        yield Progress("bibtex", done, len(records), current=Path(path).name)


def _import_record_files(
    importer: _Importer, paths: list[Path], cancel: CancelToken
) -> Generator[Progress, None, None]:
    """RIS, MEDLINE, OpenAlex and CSV/TSV exports: each file read by its reader, its records stored like
    BibTeX entries (duplicates merged), citation links kept; every record imported, merged or failed."""
    from litreview.ingest.formats import reader_for
    from litreview.library.citations import add_cited

    for done, path in enumerate(paths, start=1):
        reader = reader_for(path)
        result = reader.read([path]) if reader is not None else None
        with importer.library.transaction() as conn:
            if result is None:
                importer.fail(IngestError(str(path), "no reader recognises this file's content"))
                continue
            for error in result.errors:
                importer.fail(error)
        for start in range(0, len(result.records), BIB_CHUNK):
            cancel.raise_if_cancelled()
            with importer.library.transaction() as conn:
                for record in result.records[start:start + BIB_CHUNK]:
                    paper_id = importer.store(record, path=record.origin or str(path))  # the log names the record
                    if record.cited_ids:
                        add_cited(conn, paper_id, record.cited_ids)
        yield Progress("records", done, len(paths), current=path.name)


def pending_embeddings(library: Library, model_id: str, dim: int) -> list[tuple[int, str, str]]:
    """(paper id, text, text hash) for papers whose current text has no vector for this model and dim."""
    from litreview.index.vectors import VectorStore, text_hash

    known = VectorStore(library).text_hashes(model_id, dim)
    todo = []
    for paper_id, title, abstract in library.conn.execute("SELECT id, title, abstract FROM papers ORDER BY id"):
        text = embedding_text(title, abstract)
        if not text:
            continue
        digest = text_hash(text)
        if known.get(paper_id) != digest:
            todo.append((paper_id, text, digest))
    return todo


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

    cancel = cancel or CancelToken()
    store = VectorStore(library)
    index = index or IndexService(library)
    model_id, dim = embedder.model_id, embedder.dim
    todo = pending_embeddings(library, model_id, dim)
    done = 0
    last_save = time.monotonic()
    try:
        for start in range(0, len(todo), batch_size):
            cancel.raise_if_cancelled()
            chunk = todo[start:start + batch_size]
            ids = [paper_id for paper_id, _, _ in chunk]
            vectors = embedder.embed_documents([text for _, text, _ in chunk])
            with library.transaction() as conn:
                store.put(model_id, dim, ids, vectors, [digest for _, _, digest in chunk])
                conn.executemany(
                    "UPDATE jobs SET state = 'embedded' WHERE paper_id = ? AND state = 'extracted'", [(i,) for i in ids]
                )
            index.add(model_id, dim, ids, vectors)
            done += len(chunk)
            yield Progress("embed", done, len(todo), current=f"{done} of {len(todo)} abstracts")
            if time.monotonic() - last_save > SNAPSHOT_EVERY_S:
                _save_index(library, index, model_id, dim)
                last_save = time.monotonic()
    finally:
        if done:
            _save_index(library, index, model_id, dim)
    return done


def _save_index(library: Library, index: IndexService, model_id: str, dim: int) -> None:
    index.save(model_id, dim)
    with library.transaction() as conn:
        conn.execute("UPDATE jobs SET state = 'indexed' WHERE state = 'embedded'")


def queued_paths(library: Library) -> list[str]:
    """PDFs an interrupted import had queued but not finished: what resuming should import."""
    return [row[0] for row in library.conn.execute("SELECT DISTINCT path FROM jobs WHERE state = 'queued' ORDER BY id")]


def drive(steps: Generator[Progress, None, object], on_progress=None) -> object:
    """Run a pipeline generator to the end (CLI, tests); returns its return value."""
    while True:
        try:
            progress = next(steps)
        except StopIteration as stop:
            return stop.value
        if on_progress is not None:
            on_progress(progress)


def resolve_model_choice(library: Library, name: str | None, dim: int | None) -> tuple[str, int | None]:
    """The model to load for this library: `name`, else the library's model, else the offline default; with
    the library's dimension when it is the library's model and no dimension was asked for."""
    from litreview.embedding import DEFAULT_MODEL
    from litreview.embedding.loader import storable_model_name

    stored = library.get_setting("model")
    name = name or stored or DEFAULT_MODEL
    if dim is None and storable_model_name(name) == stored and library.get_setting("dim"):
        dim = int(library.get_setting("dim") or 0) or None
    return name, dim


def record_model(library: Library, name: str, embedder: Embedder) -> None:
    """Record the library's model (model, model_id, dim) so related/search use it; never an api_key."""
    from litreview.embedding.loader import storable_model_name

    with library.transaction() as conn:
        for key, value in (("model", storable_model_name(name)), ("model_id", embedder.model_id),
                           ("dim", str(embedder.dim))):
            conn.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", (key, value))


def open_embedder(library: Library, name: str | None = None, *, device: str | None = None,
                  dim: int | None = None, dtype: str | None = None) -> Embedder:
    """The embedder for this library (see resolve_model_choice), recorded in its settings.

    A remote endpoint loads only when the user chose it in this app instance (embedding.loader.remote_allowed):
    a URL stored in a library file raises RemoteNotAllowed (a ModelNotAvailable) and sends nothing."""
    from litreview.embedding import load_embedder

    name, dim = resolve_model_choice(library, name, dim)
    embedder = load_embedder(name, device=device, dim=dim, dtype=dtype)
    if not library.read_only:
        record_model(library, name, embedder)
    return embedder
