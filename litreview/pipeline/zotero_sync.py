"""Importing a Zotero library into the litreview library, and keeping it in step on every later import.

The first import stores every regular item outside Zotero's trash as one paper (two Zotero items are never merged
with each other, even when they look alike; an item that matches a paper litreview already had from a PDF or a
.bib file takes that paper over), its child notes, its collections as reading lists and its PDFs. Each item is
linked to its paper in `zotero_items` with a change stamp and the field values taken from Zotero, so a re-import:

- skips items whose stamp (version, dateModified, clientDateModified of the item and of its notes and
  attachments) is unchanged: a re-import with nothing changed writes nothing but the import log;
- applies, field by field, what changed in Zotero, except fields the user edited in litreview
  (`papers.user_fields`): those are kept and the import log says what Zotero has now (docs/zotero.md);
- moves papers between the collection lists as the items moved in Zotero, renames and drops lists with their
  collections, and leaves papers the user added to those lists alone;
- removes the papers of items trashed or deleted in Zotero, unless the user worked on them in litreview (edited a
  field, wrote a note, put them in a list of their own): those are kept, unlinked, and the log says so.

Pure of Qt; runs on the writer thread inside run_import (pipeline.py) like the other readers.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litreview.core.paper import IngestError, ParsedPaper
from litreview.core.progress import CancelToken, Progress
from litreview.library.lists import ReadingLists
from litreview.library.notes import PaperNotes
from litreview.library.papers import PaperRepository

if TYPE_CHECKING:
    from litreview.library.db import Library
    from litreview.pipeline.importer import _Importer

# The paper columns a Zotero item owns; the rest (full text, page count, ...) come from its PDF.
SYNCED_FIELDS = ("title", "authors", "year", "venue", "doi", "arxiv_id", "abstract", "language", "keywords",
                 "entry_type", "citation_key", "volume", "issue", "page_range", "pmid", "url",
                 "original_fields")  # fmt: skip
_EMPTY = (None, "", "[]", "{}")


def synced_values(record: ParsedPaper) -> dict[str, Any]:
    """The values a record gives the columns a Zotero item owns, as stored (JSON text for lists and dicts)."""
    values = PaperRepository._row_values(record)
    return {name: values[name] for name in SYNCED_FIELDS}


def import_zotero(
    importer: _Importer, source: str | Path, linked_pdfs: list[tuple[int, Path]], cancel: CancelToken | None = None
) -> Generator[Progress, None, None]:
    """Import or re-import one Zotero data directory or zotero.sqlite; the PDFs to read are appended to
    `linked_pdfs` (read afterwards by the pipeline, outside the transaction). A database that cannot be read is
    one failure and changes nothing."""
    from litreview.ingest.zotero import ZoteroError, read_zotero

    library = importer.library
    cancel = cancel or CancelToken()
    try:
        result = read_zotero(source)
    except ZoteroError as exc:
        with library.transaction():
            importer.fail(IngestError(str(source), str(exc)))
        return
    cancel.raise_if_cancelled()
    with library.transaction():
        sync = _Sync(importer, result.library_uid or result.database, result.database)
        for error in result.errors:
            importer.fail(error)
            if error.entry in sync.links:  # an item that could not be read this time is not gone: its paper stays
                sync.paper_of[error.entry] = sync.links[error.entry][0]
        total = len(result.records)
        for done, record in enumerate(result.records, start=1):
            sync.store(record, result.stamps.get(record.external_ids["zotero"], ""),
                       result.notes.get(record.external_ids["zotero"], []), linked_pdfs)  # fmt: skip
            if done % 500 == 0:
                cancel.raise_if_cancelled()
        sync.remove_gone()
        sync.sync_lists(result.collections)
        for zid, title in result.trashed:
            sync.warn(zid, "left out: in Zotero's trash" + (f" ({title[:80]})" if title else ""))
    yield Progress("zotero", total, total, current=Path(result.database).parent.name)


class _Sync:
    """One import of one Zotero library, inside the caller's transaction."""

    def __init__(self, importer: _Importer, uid: str, database: str) -> None:
        self.importer = importer
        self.library: Library = importer.library
        self.repo = importer.repo
        self.uid = uid
        self.database = database
        self.note_origin = f"zotero:{uid}"
        self.notes = PaperNotes(self.library)
        conn = self.library.conn
        self.links: dict[str, tuple[int, str, str]] = {
            zid: (paper_id, stamp, imported)
            for zid, paper_id, stamp, imported in conn.execute(
                "SELECT zotero_id, paper_id, stamp, imported FROM zotero_items WHERE library_uid = ?", (uid,)
            )
        }
        self.managed: set[int] = {paper_id for paper_id, _, _ in self.links.values()}
        self.paper_of: dict[str, int] = {}
        self.attached: set[tuple[int, str]] = {
            (paper_id, path) for paper_id, path in conn.execute("SELECT paper_id, path FROM files")
        }

    # -------------------------------------------------------------------------------------------- items

    def log(self, outcome: str, zid: str, *, paper_id: int | None = None, reason: str | None = None) -> None:
        self.importer.log(self.database, outcome, paper_id=paper_id, entry=zid, reason=reason)

    def warn(self, zid: str, reason: str, paper_id: int | None = None) -> None:
        self.importer.summary.warnings.append(IngestError(self.database, reason, entry=zid))
        self.log("warning", zid, paper_id=paper_id, reason=reason)

    def store(self, record: ParsedPaper, stamp: str, notes: list[str], linked_pdfs: list[tuple[int, Path]]) -> None:
        zid = record.external_ids["zotero"]
        summary = self.importer.summary
        values = synced_values(record)
        link = self.links.get(zid)
        if link is not None:
            paper_id, old_stamp, imported = link
            self.paper_of[zid] = paper_id
            if old_stamp == stamp:
                summary.duplicates += 1
                self.log("duplicate", zid, paper_id=paper_id, reason="unchanged in Zotero since the last import")
            else:
                changed = self._apply(zid, paper_id, values, _json_dict(imported))
                changed = self.notes.replace(paper_id, self.note_origin, notes) or changed
                self._link(zid, paper_id, stamp, values)
                if changed:
                    summary.updated += 1
                    self.log("updated", zid, paper_id=paper_id, reason="changed in Zotero since the last import")
                else:
                    summary.duplicates += 1
                    self.log("duplicate", zid, paper_id=paper_id, reason="unchanged in Zotero since the last import")
                self._report_missing(record, zid, paper_id)
        else:
            paper_id = self._add(record, zid)
            self.paper_of[zid] = paper_id
            self.managed.add(paper_id)
            self.notes.replace(paper_id, self.note_origin, notes)
            self._link(zid, paper_id, stamp, values)
            self._report_missing(record, zid, paper_id)
        for path in record.file_paths:
            if (paper_id, path) not in self.attached:
                linked_pdfs.append((paper_id, Path(path)))

    def _add(self, record: ParsedPaper, zid: str) -> int:
        """A paper for an item seen for the first time: an existing paper it duplicates (not one of this Zotero
        library's own) is taken over, else a new one."""
        summary = self.importer.summary
        duplicate = self.repo.find_duplicate(record)
        if duplicate is not None and duplicate.paper_id not in self.managed:
            paper_id = duplicate.paper_id
            if self.repo.get_row(paper_id)["source"] == "pdf":
                self.repo.replace_metadata(paper_id, record)  # Zotero's metadata wins over a PDF's guesses
            else:
                self.repo.fill_missing(paper_id, record)
            summary.duplicates += 1
            self.log("duplicate", zid, paper_id=paper_id, reason=f"merged: {duplicate.reason}")
            return paper_id
        paper_id = self.repo.insert(record)
        summary.imported += 1
        summary.paper_ids.append(paper_id)
        self.log("imported", zid, paper_id=paper_id)
        return paper_id

    def _apply(self, zid: str, paper_id: int, values: dict[str, Any], imported: dict[str, Any]) -> bool:
        """Take each field Zotero changed since the last import, unless the user edited it in litreview."""
        current = self.repo.get_row(paper_id)
        edited = set(_json_list(current.get("user_fields")))
        updates: dict[str, Any] = {}
        for name, value in values.items():
            if name in imported and value == imported[name]:
                continue  # unchanged in Zotero: whatever litreview holds stays
            if value == current.get(name):
                continue
            if name in edited:
                self.warn(zid, f"kept your litreview edit of {name}; Zotero now has: {_short(value)}", paper_id)
                continue
            updates[name] = value
        if not updates:
            return False
        if "authors" in updates:
            updates["authors"] = _json_list(updates["authors"])
        return self.repo.update_fields(paper_id, **updates)

    def _link(self, zid: str, paper_id: int, stamp: str, values: dict[str, Any]) -> None:
        self.library.conn.execute(
            "INSERT OR REPLACE INTO zotero_items (library_uid, zotero_id, paper_id, stamp, imported) "
            "VALUES (?, ?, ?, ?, ?)",
            (self.uid, zid, paper_id, stamp, json.dumps(values, ensure_ascii=False)),
        )

    def _report_missing(self, record: ParsedPaper, zid: str, paper_id: int) -> None:
        for reason in record.warnings:
            self.warn(zid, reason, paper_id)

    def remove_gone(self) -> None:
        """Items linked before that Zotero no longer has outside its trash."""
        gone = [zid for zid in self.links if zid not in self.paper_of]
        for zid in gone:
            paper_id = self.links[zid][0]
            self.library.conn.execute(
                "DELETE FROM zotero_items WHERE library_uid = ? AND zotero_id = ?", (self.uid, zid)
            )
            if self.repo.conn.execute("SELECT 1 FROM papers WHERE id = ?", (paper_id,)).fetchone() is None:
                continue
            if paper_id in self.paper_of.values():  # another item of this library still uses the paper
                continue
            held = "SELECT 1 FROM zotero_items WHERE paper_id = ? LIMIT 1"
            if self.library.conn.execute(held, (paper_id,)).fetchone():
                continue  # an item of another Zotero library holds it too
            why = self._users_work(paper_id)
            if why:
                self.warn(zid, f"trashed or deleted in Zotero; kept in litreview because {why}", paper_id)
                self.library.conn.execute(
                    "DELETE FROM paper_notes WHERE paper_id = ? AND origin = ?", (paper_id, self.note_origin)
                )
                continue
            from litreview.library.trash import move_to_trash

            move_to_trash(self.library, [paper_id])  # restorable with `litreview trash restore`
            self.importer.summary.removed += 1
            self.log("updated", zid, reason="moved to the trash: trashed or deleted in Zotero")

    def _users_work(self, paper_id: int) -> str:
        """Why a paper holds the user's own work (a reason to keep it), or ''."""
        if _json_list(self.repo.get_row(paper_id).get("user_fields")):
            return "you edited it"
        if self.notes.has_user_notes(paper_id):
            return "you wrote notes on it"
        own_list = self.library.conn.execute(
            "SELECT 1 FROM reading_list_items i WHERE i.paper_id = ? AND i.list_id NOT IN "
            "(SELECT list_id FROM zotero_collections) LIMIT 1",
            (paper_id,),
        ).fetchone()
        return "it is in one of your reading lists" if own_list else ""

    # -------------------------------------------------------------------------------------------- lists

    def sync_lists(self, collections: list) -> None:
        """Each collection ↔ one reading list named by its path; membership follows Zotero for Zotero's papers."""
        conn = self.library.conn
        lists = ReadingLists(self.library)
        mapping = dict(conn.execute(
            "SELECT collection_key, list_id FROM zotero_collections WHERE library_uid = ?", (self.uid,)
        ).fetchall())  # fmt: skip
        seen = set()
        for collection in collections:
            seen.add(collection.key)
            list_id = mapping.get(collection.key)
            if list_id is not None and conn.execute("SELECT 1 FROM reading_lists WHERE id = ?", (list_id,)).fetchone():
                if lists.name(list_id) != collection.path and not _name_taken(conn, collection.path):
                    lists.rename(list_id, collection.path)
            else:
                list_id = lists.create(_free_name(conn, collection.path))
                conn.execute("INSERT OR REPLACE INTO zotero_collections (library_uid, collection_key, list_id) "
                             "VALUES (?, ?, ?)", (self.uid, collection.key, list_id))  # fmt: skip
            wanted = list(dict.fromkeys(self.paper_of[z] for z in collection.items if z in self.paper_of))
            current = [paper_id for paper_id, _, _ in lists.items(list_id)]
            wanted_set = set(wanted)
            stale = [p for p in current if p in self.managed and p not in wanted_set]
            if stale:
                lists.remove(list_id, stale)
            present = set(current)
            new = [p for p in wanted if p not in present]
            if new:
                lists.add(list_id, new)
        for key, list_id in mapping.items():
            if key in seen:
                continue
            conn.execute("DELETE FROM zotero_collections WHERE library_uid = ? AND collection_key = ?", (self.uid, key))
            if not conn.execute("SELECT 1 FROM reading_lists WHERE id = ?", (list_id,)).fetchone():
                continue
            lists.remove(list_id, [p for p, _, _ in lists.items(list_id) if p in self.managed])
            if not lists.items(list_id):
                lists.delete(list_id)


def _name_taken(conn, name: str) -> bool:  # noqa: ANN001 - sqlite3.Connection
    return conn.execute("SELECT 1 FROM reading_lists WHERE name = ?", (name,)).fetchone() is not None


def _free_name(conn, name: str) -> str:  # noqa: ANN001 - sqlite3.Connection
    """`name`, or "name (Zotero)", "name (Zotero 2)"... when a list of the user's already has it."""
    candidate, n = name, 1
    while _name_taken(conn, candidate):
        candidate = f"{name} (Zotero)" if n == 1 else f"{name} (Zotero {n})"
        n += 1
    return candidate


def _json_dict(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _json_list(text: Any) -> list:
    if isinstance(text, list):
        return text
    try:
        value = json.loads(text or "[]")
    except (TypeError, ValueError):
        return []
    return value if isinstance(value, list) else []


def _short(value: Any) -> str:
    text = "(empty)" if value in _EMPTY else str(value)
    return text if len(text) <= 120 else text[:117] + "..."
