"""The import job: files and folders → the readers of litreview.ingest.registry → papers, files and the import
log, then (given an embedder) the embed step.

A generator of Progress that checks a CancelToken between steps, so the CLI (with a progress bar) and the GUI
worker (one step per event-loop turn) drive the same code. Every step commits its own transaction: a killed
process loses at most the step in flight, and running the same import again resumes (files already stored are
recognised by their hash and skipped).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from litreview.core.paper import IngestError, ParsedPaper
from litreview.core.progress import CancelToken, Progress
from litreview.ingest.pdf_process import PdfReader
from litreview.ingest.registry import Reader, Registry, default_registry
from litreview.library import jobs
from litreview.library.citations import add_cited
from litreview.library.db import Library
from litreview.library.papers import PaperRepository
from litreview.library.references import mark_failed, store_references

if TYPE_CHECKING:
    import sqlite3

    from litreview.embedding import Embedder
    from litreview.index.service import IndexService

_Read = Callable[[], ParsedPaper | IngestError]  # a file's read, deferred until the import gets to it
RECORD_CHUNK = 500  # records of a record reader (BibTeX) stored per transaction
IN_CHILD_FROM = 4  # files read per file (PDFs) go to a child process from this many on


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class ImportSummary:
    """What one import did; `failed` lists every file or entry that could not be imported, with the reason."""

    imported: int = 0
    updated: int = 0
    duplicates: int = 0
    failed: list[IngestError] = field(default_factory=list)
    paper_ids: list[int] = field(default_factory=list)
    embedded: int = 0
    removed: int = 0  # papers whose Zotero item was trashed or deleted since the last import
    warnings: list[IngestError] = field(default_factory=list)  # imported, with something to tell (a missing file)
    notices: list[IngestError] = field(default_factory=list)  # per file: how it was read (a non-UTF-8 encoding)
    fulltext: dict | None = None  # fulltext.FulltextSummary.to_json() when passages were indexed

    def to_json(self) -> dict:
        result = {
            "imported": self.imported,
            "updated": self.updated,
            "duplicates": self.duplicates,
            "failed": [{"path": e.path, "entry": e.entry, "line": e.line, "reason": e.reason} for e in self.failed],
            "embedded": self.embedded,
            "removed": self.removed,
            "warnings": [{"path": e.path, "entry": e.entry, "reason": e.reason} for e in self.warnings],
            "notices": [{"path": e.path, "reason": e.reason} for e in self.notices],
        }
        if self.fulltext is not None:
            result["passages"] = self.fulltext
        return result


@dataclass
class Collected:
    """What the user dropped, sorted by reader (in the order found), and what no reader takes."""

    files: dict[str, list[Path]] = field(default_factory=dict)  # reader name -> files
    errors: list[IngestError] = field(default_factory=list)


def collect_paths(paths: Iterable[str | Path], readers: Registry | None = None) -> Collected:
    """Sort what the user dropped by reader; folders are searched recursively (files no reader takes are skipped
    there, but named on their own they are an error)."""
    readers = readers or default_registry()
    found = Collected()
    seen: set[Path] = set()

    def take(path: Path, explicit: bool) -> None:
        resolved = path.resolve()
        if resolved in seen:
            return
        seen.add(resolved)
        reader = readers.reader_for(path) if readers.accepts_name(path) else None
        if reader is not None:
            found.files.setdefault(reader.name, []).append(resolved)
        elif explicit and readers.accepts_name(path):
            found.errors.append(IngestError(str(path), f"not a file litreview can import: its content is none of the "
                                                       f"formats named {path.suffix} ({readers.describe()})"))
        elif explicit:
            found.errors.append(IngestError(str(path), f"not a file litreview can import (it reads "
                                                       f"{readers.describe()})"))

    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file():
                    take(child, explicit=False)
        elif path.is_file():
            take(path, explicit=True)
        else:
            found.errors.append(IngestError(str(path), "no such file or folder"))
    return found


class _Importer:
    """Stores records one transaction at a time and keeps the import log and summary."""

    def __init__(self, library: Library, batch: str, *, reread: str | None = None) -> None:
        self.library = library
        self.repo = PaperRepository(library)
        self.batch = batch
        self.summary = ImportSummary()
        self.claimed: set[int] = set()  # papers a keyed entry of this import was matched to by its key
        self.stored: set[int] = set()  # papers this import inserted or matched as the same record of a file
        self._from_file: dict[str, dict[tuple, list[int]]] = {}  # records_from_file, read once per file
        self.reread = reread  # the encoding a file is read again with: its records replace what it gave before

    def log(self, path: str, outcome: str, **details: object) -> None:
        jobs.log_import(self.library, self.batch, path, outcome, **details)  # type: ignore[arg-type]

    def fail(self, error: IngestError) -> None:
        self.summary.failed.append(error)
        self.log(error.path, "failed", reason=error.reason, entry=error.entry, line=error.line)

    def store(self, record: ParsedPaper, *, path: str, sha256: str | None = None) -> int:
        """Insert, merge or update one record; log the decision. Returns the paper id."""
        repo = self.repo
        entry = record.citation_key
        if self.reread and record.origin:  # the same file and line: the same record, decoded differently
            existing = repo.find_by_origin(record.origin, exclude=self.claimed)
            if existing is not None:
                self.claimed.add(existing)
                if repo.replace_metadata(existing, record):
                    self.summary.updated += 1
                    self.log(path, "updated", paper_id=existing, entry=entry, reason=f"read again as {self.reread}")
                else:
                    self.summary.duplicates += 1
                    self.log(path, "duplicate", paper_id=existing, entry=entry,
                             reason=f"read again as {self.reread}: unchanged")
                return existing
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
        if record.source != "pdf" and record.origin:
            same = self._same_record(record)
            if same is not None:  # imported again from the same file: one paper, even without a title to match
                self.stored.add(same)
                self.summary.duplicates += 1
                self.log(path, "duplicate", paper_id=same, entry=entry, reason="unchanged since last import")
                return same
        paper_id = repo.insert(record)
        self.stored.add(paper_id)
        if record.source == "bibtex":
            self.claimed.add(paper_id)
        self.summary.imported += 1
        self.summary.paper_ids.append(paper_id)
        self.log(path, "imported", paper_id=paper_id, entry=entry, reason="; ".join(record.warnings) or None)
        return paper_id

    def _same_record(self, record: ParsedPaper) -> int | None:
        """The paper an earlier import of `record`'s file made of this very record (every field the same), not
        one this import already stored or claimed."""
        origin_file = (record.origin or "").rsplit(":", 1)[0]
        if origin_file not in self._from_file:
            self._from_file[origin_file] = self.repo.records_from_file(origin_file)
        known = self._from_file[origin_file].get(self.repo.record_fields(record), ())
        return next((paper_id for paper_id in known if paper_id not in self.stored and paper_id not in self.claimed),
                    None)


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
        if len(chunk) >= RECORD_CHUNK:
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
    readers: Registry | None = None,
    encoding: str | None = None,
    fulltext: bool = False,
    reread: bool = False,
) -> Generator[Progress, None, ImportSummary]:
    """Import files and folders in every registered format (given together, so BibTeX @string and crossref
    resolve across them), then embed and index what is new when an embedder is given. Yields Progress; returns
    the summary.

    Files read one per paper (PDFs) go to a child process when `extract_in_child` is true, or by default when
    there are several and their reader asks for it. `encoding` reads text formats (BibTeX, RIS...) with that
    encoding instead of detecting it. With `reread` (and an `encoding`), the files were imported before and are
    read again with another encoding: each record replaces the paper first imported from the same file and line
    (a re-decoded title would not be recognised as a duplicate). With `fulltext` (and an embedder), the PDFs'
    passages are split, embedded and indexed after the abstracts."""
    from litreview.ingest.zotero import is_zotero_source
    from litreview.pipeline.embed import embed_pending

    cancel = cancel or CancelToken()
    readers = readers or default_registry()
    if reread and not encoding:
        raise ValueError("reading files again needs the encoding to read them with")
    importer = _Importer(library, uuid.uuid4().hex, reread=encoding if reread else None)
    zotero_sources = [path for path in paths if is_zotero_source(path)]  # a data directory is not a PDF folder
    found = collect_paths([path for path in paths if path not in zotero_sources], readers)
    by_name = {reader.name: reader for reader in readers.readers}
    per_file = [(by_name[name], path) for name, files in found.files.items() if by_name[name].per_file
                for path in files]
    with library.transaction():
        for error in found.errors:
            importer.fail(error)
        jobs.queue_files(library, [path for _, path in per_file], importer.batch)

    linked: list[tuple[int, Path]] = []  # (paper, a file an entry links to)
    for source in zotero_sources:  # notes, collections and sync need more than a reader's records
        from litreview.pipeline.zotero_sync import import_zotero

        yield from import_zotero(importer, source, linked, cancel)
    for name, files in found.files.items():
        if not by_name[name].per_file:
            yield from _import_records(importer, by_name[name], files, linked, cancel, encoding)

    # A PDF that an entry of this import links to belongs to that entry, even when it was dropped too
    # (a Zotero export folder): imported on its own it could become a second paper if its title reads differently.
    linked_paths = {path.resolve() for _, path in linked}
    per_file = [(reader, path) for reader, path in per_file if path not in linked_paths]
    linked_files = [(paper_id, path.resolve(), readers.reader_for(path)) for paper_id, path in linked]
    total = len(per_file) + len(linked_files)
    if extract_in_child is None:
        extract_in_child = total >= IN_CHILD_FROM
    processes = _Processes([*per_file, *((r, p) for _, p, r in linked_files if r is not None)], extract_in_child)
    try:
        for done, (reader, path) in enumerate(per_file, start=1):
            cancel.raise_if_cancelled()
            _import_file(importer, path, processes.read(reader, path))
            yield Progress("extract", done, total, current=path.name)
        for done, (paper_id, path, reader) in enumerate(linked_files, start=len(per_file) + 1):
            cancel.raise_if_cancelled()
            _attach_linked_file(importer, paper_id, path, reader, processes)
            yield Progress("extract", done, total, current=path.name)
    finally:
        processes.close(kill=cancel.cancelled)  # cancelled: the reads it has begun are not waited for

    from litreview.analysis.citations import reference_step

    yield from reference_step(library, cancel=cancel)  # papers queued earlier; then resolve every reference
    if embedder is not None:
        importer.summary.embedded = yield from embed_pending(library, embedder, index=index, cancel=cancel)
        if fulltext:
            from litreview.pipeline.fulltext import index_passages

            passages = yield from index_passages(library, embedder, cancel=cancel, batch=importer.batch,
                                                 in_child=extract_in_child)
            importer.summary.fulltext = passages.to_json()
    return importer.summary


class _Processes:
    """One reader process per file reader, each knowing the order its files come in (to read ahead)."""

    def __init__(self, files: list[tuple[Reader, Path]], in_child: bool) -> None:
        self._order: dict[str, list[Path]] = {}
        self._readers: dict[str, Reader] = {}
        for reader, path in files:
            if reader.per_file:
                self._order.setdefault(reader.name, []).append(path)
                self._readers[reader.name] = reader
        self._in_child = in_child
        self._running: dict[str, PdfReader] = {}

    def read(self, reader: Reader, path: Path) -> _Read:
        """A deferred read: the file is read only when the import gets to it (a known file never is)."""
        return lambda: self._process(reader).read(path)

    def _process(self, reader: Reader) -> PdfReader:
        if reader.name not in self._running:
            assert reader.read_file is not None
            self._running[reader.name] = PdfReader(self._order.get(reader.name, []), read=reader.read_file,
                                                   in_child=self._in_child and reader.in_child, kind=reader.name)
        return self._running[reader.name]

    def close(self, *, kill: bool = False) -> None:
        for process in self._running.values():
            process.close(kill=kill)


def _import_file(importer: _Importer, path: Path, read: _Read) -> None:
    """Hash, skip if known, else read and store one file (one paper), all in one transaction with its job."""
    library = importer.library
    try:
        sha256, size = file_sha256(path), path.stat().st_size
    except OSError as exc:
        with library.transaction():
            importer.fail(IngestError(str(path), f"cannot read file: {exc.strerror or exc}"))
            jobs.finish_file(library, str(path), "failed", None, str(exc))
        return
    known = library.conn.execute(
        "SELECT paper_id FROM files WHERE sha256 = ? AND paper_id IS NOT NULL LIMIT 1", (sha256,)
    ).fetchone()
    if known:
        with library.transaction():
            importer.repo.add_file(known[0], str(path), sha256, size, None)
            importer.summary.duplicates += 1
            importer.log(str(path), "duplicate", paper_id=known[0], reason=f"same file content as paper {known[0]}")
            jobs.finish_file(library, str(path), "extracted", known[0], None)
        return
    parsed = read()  # outside the transaction: the slow part, and it never raises for bad input
    with library.transaction():
        if isinstance(parsed, IngestError):
            importer.fail(parsed)
            jobs.finish_file(library, str(path), "failed", None, parsed.reason)
            return
        record = _with_fallback_title(parsed, path)
        paper_id = importer.store(record, path=str(path), sha256=sha256)
        importer.repo.add_file(paper_id, str(path), sha256, size, parsed.pages)
        _store_references(library.conn, paper_id, parsed)
        jobs.finish_file(library, str(path), "extracted", paper_id, None)


def _store_references(conn: sqlite3.Connection, paper_id: int, parsed: ParsedPaper) -> None:
    """The paper's reference list, or the reason it could not be read (the reference step shows it, and reads
    the PDF again when it is queued again)."""
    if parsed.references_error:
        mark_failed(conn, paper_id, parsed.references_error)
    else:
        store_references(conn, paper_id, parsed.references)


def _attach_linked_file(importer: _Importer, paper_id: int, path: Path, reader: Reader | None,
                        processes: _Processes) -> None:
    """A file named in an entry (a BibTeX file field): the entry keeps its metadata, the file fills what it lacks."""
    library = importer.library
    if not path.is_file():
        with library.transaction():
            importer.log(str(path), "warning", paper_id=paper_id, reason="file named in the BibTeX entry not found")
        return
    if reader is None or not reader.per_file:
        with library.transaction():
            importer.log(str(path), "warning", paper_id=paper_id, reason="linked file is in no format litreview reads")
        return
    try:
        sha256, size = file_sha256(path), path.stat().st_size
    except OSError as exc:
        with library.transaction():
            importer.log(str(path), "warning", paper_id=paper_id,
                         reason=f"linked file unreadable: {exc.strerror or exc}")
            jobs.finish_file(library, str(path), "failed", paper_id, str(exc))
        return
    attached = library.conn.execute(
        "SELECT 1 FROM files WHERE paper_id = ? AND sha256 = ? AND path = ?", (paper_id, sha256, str(path))
    ).fetchone()
    if attached:  # a re-import: this very file is already read into this paper
        with library.transaction():
            jobs.finish_file(library, str(path), "extracted", paper_id, None)
        return
    parsed = processes.read(reader, path)()
    with library.transaction():
        if isinstance(parsed, IngestError):
            importer.log(str(path), "warning", paper_id=paper_id,
                         reason=f"linked {reader.name} unreadable: {parsed.reason}")
            jobs.finish_file(library, str(path), "failed", paper_id, parsed.reason)
            return
        importer.repo.fill_missing(paper_id, parsed)
        importer.repo.add_file(paper_id, str(path), sha256, size, parsed.pages)
        _store_references(library.conn, paper_id, parsed)
        jobs.finish_file(library, str(path), "extracted", paper_id, None)


def _linked_file_sha256(record: ParsedPaper) -> str | None:
    """The hash of the first readable file an entry links to: a PDF imported earlier on its own is then
    recognised as this entry's paper even when its extracted title or year reads differently."""
    for name in record.file_paths:
        try:
            return file_sha256(Path(name))
        except OSError:  # missing or unreadable: _attach_linked_file reports it
            continue
    return None


def _import_records(
    importer: _Importer, reader: Reader, files: list[Path], linked: list[tuple[int, Path]], cancel: CancelToken,
    encoding: str | None = None,
) -> Generator[Progress, None, None]:
    """Read the files of a record reader together, then store their records a chunk per transaction."""
    result = reader.read_all(files, encoding)
    with importer.library.transaction():
        for notice in result.notices:  # the encoding each non-UTF-8 file was read with
            importer.log(notice.path, "warning", reason=notice.reason)
            importer.summary.notices.append(notice)
        for error in result.errors:
            importer.fail(error)
    records = result.records
    stage = reader.name.lower()
    for start in range(0, len(records), RECORD_CHUNK):
        cancel.raise_if_cancelled()
        with importer.library.transaction():
            for record in records[start:start + RECORD_CHUNK]:
                path = (record.origin or "").rsplit(":", 1)[0] or str(files[0])
                paper_id = importer.store(record, path=path, sha256=_linked_file_sha256(record))
                linked.extend((paper_id, Path(p)) for p in record.file_paths)
                if record.cited_ids:  # OpenAlex referenced_works: citation links (litreview.library.citations)
                    add_cited(importer.library.conn, paper_id, record.cited_ids)
        done = min(start + RECORD_CHUNK, len(records))
        yield Progress(stage, done, len(records), current=Path(path).name)
