"""Zotero reader: a Zotero data directory (or its zotero.sqlite) in, ParsedPaper records out. Pure: no DB writes.

Zotero keeps `zotero.sqlite` open with an exclusive lock while it runs, so the database is never opened the usual
way: it is copied into memory through SQLite's backup API from a `file:...?mode=ro&immutable=1` URI, which takes
no lock and writes nothing (no -journal, -wal or -shm file) beside it (a database over SNAPSHOT_MAX_BYTES is read
from that URI in place). A database Zotero is committing to at that moment (a live rollback journal beside it) is
refused as locked, a read during which the file changed is taken again, and a Zotero 10 style WAL file is read from
a private copy. What the records carry:

- regular items of every user and group library, trashed ones left out (and listed in `trashed`);
- fields, ordered creators (primary creator type as authors), item type → BibTeX entry type, DOI, PMID and
  arXiv id also from `extra`, tags as keywords, the Zotero key as `external_ids["zotero"]` ("libraryID/KEY");
- child notes as plain text (`notes`), collections as paths ("Voice/Voice Conversion", groups prefixed by the
  group's name), stored and linked PDFs that exist as `file_paths`, every missing file in `missing_files`;
- a change stamp per item (`stamps`) from version/dateModified/clientDateModified of the item and its children,
  so a re-import applies only what changed.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from litreview.core.identifiers import find_arxiv, find_doi, normalize_arxiv, normalize_doi
from litreview.core.paper import IngestError, ParsedPaper

__all__ = [
    "MAX_COMPATIBILITY", "MAX_USERDATA", "ZoteroCollection", "ZoteroDamaged", "ZoteroError", "ZoteroLocked",
    "ZoteroNotFound", "ZoteroReadResult", "ZoteroSchemaError", "default_data_dir", "default_data_dirs",
    "find_zotero_database", "zotero_profiles_dir",
    "is_zotero_source", "note_to_text", "read", "read_zotero",
]  # fmt: skip

DB_NAME = "zotero.sqlite"
# Zotero refuses a database whose `compatibility` is above the number it knows (schema.js `_maxCompatibility`);
# the same rule here. Zotero 5 wrote 6; Zotero 6 to 9 write 7. `userdata` is the last migration step applied:
# 110 (5.0.9x), 121 (6.0.27), up to 125 in Zotero 7–9. A step above MAX_USERDATA with a compatibility we know is
# still read (Zotero's own rule: such steps keep older clients working), only a higher compatibility is refused.
MAX_COMPATIBILITY = 7
MAX_USERDATA = 125
MIN_USERDATA = 80  # Zotero 4 and earlier (a different layout: creatorData, sourceItemID) are not read
RETRY_PAUSE_S = 0.2  # between reads of a database Zotero is writing
READ_ATTEMPTS = 3
SNAPSHOT_MAX_BYTES = 512 * 2**20  # a larger database is read in place (still immutable) instead of copied to memory
_JOURNAL_MAGIC = bytes([0xD9, 0xD5, 0x05, 0xF9, 0x20, 0xA1, 0x63, 0xD7])
_NON_REGULAR = ("attachment", "note", "annotation")

# Zotero item type -> BibTeX entry type (Zotero's own BibTeX export uses the same ones where it has one).
ENTRY_TYPES = {
    "journalArticle": "article", "magazineArticle": "article", "newspaperArticle": "article",
    "conferencePaper": "inproceedings", "book": "book", "bookSection": "incollection",
    "encyclopediaArticle": "incollection", "dictionaryEntry": "incollection", "thesis": "phdthesis",
    "report": "techreport", "manuscript": "unpublished", "preprint": "misc", "webpage": "online",
    "blogPost": "online", "forumPost": "online", "patent": "patent", "dataset": "dataset",
    "computerProgram": "software", "standard": "misc", "presentation": "misc", "document": "misc",
}  # fmt: skip
# Fields that name where an item appeared, in the order they are tried (type-specific names of publicationTitle).
_VENUE_FIELDS = ("publicationTitle", "proceedingsTitle", "bookTitle", "encyclopediaTitle", "dictionaryTitle",
                 "websiteTitle", "blogTitle", "forumTitle", "programTitle", "conferenceName", "university",
                 "institution", "repository", "publisher")  # fmt: skip
# Zotero fields kept for export under their BibTeX names (the columns hold title, venue, volume, ...).
_BIBTEX_FIELDS = {"publisher": "publisher", "place": "address", "ISBN": "isbn", "ISSN": "issn", "edition": "edition",
                  "series": "series", "institution": "institution", "university": "school",
                  "reportNumber": "number", "thesisType": "type", "reportType": "type"}  # fmt: skip
_LATEX_SPECIALS = re.compile(r"[\\&%$#_{}~^]")
_EXTRA_LINE = re.compile(r"^\s*([A-Za-z][\w -]*?)\s*:\s*(.+?)\s*$", re.MULTILINE)


class ZoteroError(Exception):
    """A Zotero library that cannot be read; the message says why and what to do. Nothing was imported."""


class ZoteroNotFound(ZoteroError):
    """No zotero.sqlite at the given place."""


class ZoteroLocked(ZoteroError):
    """Zotero is in the middle of writing the database."""


class ZoteroDamaged(ZoteroError):
    """The file is not a readable SQLite database, or fails SQLite's check."""


class ZoteroSchemaError(ZoteroError):
    """A database from an unknown (newer or much older) Zotero."""


@dataclass(frozen=True)
class ZoteroCollection:
    """One collection (or a group library as a whole) and the ids ("libraryID/KEY") of its regular items."""

    path: str  # "Voice/Voice Conversion"; a group's collections start with the group's name
    key: str  # "libraryID/KEY" of the collection, "libraryID/" for a whole group library
    items: tuple[str, ...]


@dataclass
class ZoteroReadResult:
    """What one read of a Zotero database found; the shape of the other readers' results plus Zotero's extras.

    `records`: one per regular item outside the trash; `errors`: items or the database that could not be read;
    `entries_seen`: regular items (trash included)."""

    records: list[ParsedPaper] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)
    entries_seen: int = 0
    database: str = ""
    library_uid: str = ""  # Zotero's localUserKey: the same library under another path is recognised
    schema: dict[str, object] = field(default_factory=dict)  # userdata, compatibility, client version
    notes: dict[str, list[str]] = field(default_factory=dict)  # zotero id -> child notes as plain text
    collections: list[ZoteroCollection] = field(default_factory=list)
    stamps: dict[str, str] = field(default_factory=dict)  # zotero id -> change stamp of the item and its children
    trashed: list[tuple[str, str]] = field(default_factory=list)  # (zotero id, title) of items in the trash
    missing_files: list[IngestError] = field(default_factory=list)  # per item, the attachments not on disk
    standalone_notes: int = 0


# ------------------------------------------------------------------------------------------ finding the database


def zotero_profiles_dir() -> Path:
    """The folder holding Zotero's application profiles (where prefs.js records a custom data directory)."""
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming") / "Zotero" / "Zotero" / "Profiles"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "Zotero" / "Profiles"
    return home / ".zotero" / "zotero"


_PREF = re.compile(r'user_pref\("extensions\.zotero\.(dataDir|useDataDir)",\s*(.+?)\);')


def _custom_data_dirs(profiles: Path) -> list[Path]:
    """Data directories set in Zotero's preferences (Settings → Advanced → Files and Folders → Custom)."""
    found = []
    try:
        prefs_files = sorted(profiles.glob("*/prefs.js"))
    except OSError:
        return []
    for prefs in prefs_files:
        try:
            values = dict(_PREF.findall(prefs.read_text(encoding="utf-8", errors="replace")))
        except OSError:
            continue
        if values.get("useDataDir", "").strip() == "true" and values.get("dataDir"):
            try:
                found.append(Path(json.loads(values["dataDir"])))  # a JavaScript string literal
            except ValueError:
                continue
    return found


def default_data_dirs() -> list[Path]:
    """Where Zotero keeps its data directory on this platform, most likely first (existing or not): a custom
    directory set in Zotero's preferences, then ~/Zotero (Zotero 5 and later everywhere), then Zotero 4's place
    inside the profile."""
    profiles = zotero_profiles_dir()
    candidates = [*_custom_data_dirs(profiles), Path.home() / "Zotero"]
    try:
        candidates += sorted(path / "zotero" for path in profiles.iterdir() if path.is_dir())
    except OSError:
        pass
    return list(dict.fromkeys(candidates))


def default_data_dir() -> Path | None:
    """The first default data directory that holds a zotero.sqlite, or None."""
    return next((path for path in default_data_dirs() if (path / DB_NAME).is_file()), None)


def is_zotero_source(path: str | Path) -> bool:
    """Whether `path` is a zotero.sqlite or a folder holding one (what `litreview import` hands to this reader)."""
    path = Path(path).expanduser()
    if path.is_dir():
        return (path / DB_NAME).is_file()
    return path.name.lower() == DB_NAME or (path.suffix.lower() == ".sqlite" and _looks_like_zotero(path))


def _looks_like_zotero(path: Path) -> bool:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return {"items", "itemData", "collectionItems", "version"} <= names


def find_zotero_database(path: str | Path) -> Path:
    """The zotero.sqlite of a data directory, or the file itself. Raises ZoteroNotFound with what to give."""
    path = Path(path).expanduser()
    if path.is_dir():
        candidate = path / DB_NAME
        if candidate.is_file():
            return candidate.resolve()
        raise ZoteroNotFound(
            f"no {DB_NAME} in {path}: give Zotero's data directory (Zotero → Settings → Advanced → Files and "
            "Folders → Data Directory Location) or the zotero.sqlite file itself"
        )
    if path.is_file():
        return path.resolve()
    raise ZoteroNotFound(f"no such file or folder: {path}")


# ------------------------------------------------------------------------------------------ opening it read-only


def _hot_journal(db_path: Path) -> bool:
    """A rollback journal with a live header: Zotero is committing, the main file is half-written."""
    journal = db_path.with_name(db_path.name + "-journal")
    try:
        with open(journal, "rb") as handle:
            return handle.read(8) == _JOURNAL_MAGIC
    except OSError:
        return False


def _fingerprint(db_path: Path) -> tuple[int, ...]:
    """Size and modification time of the database and of its WAL file: any commit changes one of them."""
    values: list[int] = []
    for path in (db_path, db_path.with_name(db_path.name + "-wal")):
        try:
            stat = path.stat()
            values += [stat.st_size, stat.st_mtime_ns]
        except OSError:
            values += [-1, -1]
    return tuple(values)


def _connect(db_path: Path) -> sqlite3.Connection:
    """A read-only view of the database that takes no lock and writes nothing beside it: an in-memory copy made
    with SQLite's backup API from the immutable file, or, above SNAPSHOT_MAX_BYTES, the immutable file itself."""
    wal = db_path.with_name(db_path.name + "-wal")
    try:
        if wal.is_file() and wal.stat().st_size > 0:
            memory = sqlite3.connect(":memory:")
            _copy_with_wal(db_path, wal, memory)
            return memory
        source = sqlite3.connect(f"{db_path.as_uri()}?mode=ro&immutable=1", uri=True)
        if db_path.stat().st_size > SNAPSHOT_MAX_BYTES:
            return source
        memory = sqlite3.connect(":memory:")
        try:
            source.backup(memory)
        finally:
            source.close()
        return memory
    except sqlite3.DatabaseError as exc:
        raise ZoteroDamaged(f"{db_path} is not a readable Zotero database ({exc}); nothing was imported") from exc


def _copy_with_wal(db_path: Path, wal: Path, memory: sqlite3.Connection) -> None:
    """A database in WAL mode (Zotero 10): its recent commits live in the -wal file, which only a connection that
    may write its -shm index can replay. So both files are copied to a private folder and read there."""
    with tempfile.TemporaryDirectory(prefix="litreview-zotero-") as folder:
        copy = Path(folder) / DB_NAME
        shutil.copyfile(db_path, copy)
        shutil.copyfile(wal, copy.with_name(DB_NAME + "-wal"))
        source = sqlite3.connect(str(copy))
        try:
            source.backup(memory)
        finally:
            source.close()


def _check_integrity(conn: sqlite3.Connection, db_path: Path) -> None:
    try:
        result = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        result = str(exc)
    if result != "ok":
        raise ZoteroDamaged(
            f"{db_path} is damaged (SQLite: {result}); repair it in Zotero (Settings → Advanced → Files and Folders "
            "→ Check Database Integrity) and import again. Nothing was imported."
        )


def _schema(conn: sqlite3.Connection, db_path: Path) -> dict[str, object]:
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    if "version" not in tables or "items" not in tables:
        raise ZoteroSchemaError(f"{db_path} is an SQLite file but not a Zotero database (no items/version tables)")
    versions = dict(conn.execute("SELECT schema, version FROM version").fetchall())
    settings = {}
    if "settings" in tables:
        settings = {f"{s}.{k}": v for s, k, v in conn.execute("SELECT setting, key, value FROM settings")
                    if s in ("client", "account")}  # fmt: skip
    userdata = int(versions.get("userdata") or 0)
    compatibility = int(versions.get("compatibility") or 0)
    client = settings.get("client.lastVersion")
    if compatibility > MAX_COMPATIBILITY:
        raise ZoteroSchemaError(
            f"{db_path} was written by a newer Zotero ({client or 'unknown version'}, database compatibility "
            f"{compatibility}, schema {userdata}) than litreview can read (compatibility up to {MAX_COMPATIBILITY}, "
            f"Zotero 5–9); update litreview. Nothing was imported."
        )
    if userdata < MIN_USERDATA:
        raise ZoteroSchemaError(
            f"{db_path} is from Zotero 4 or older (schema {userdata}); open it once in Zotero 5 or later to upgrade "
            "it, then import again. Nothing was imported."
        )
    needed = {"items", "itemTypes", "itemData", "itemDataValues", "fields", "creators", "itemCreators",
              "creatorTypes", "deletedItems", "itemNotes", "itemAttachments", "collections", "collectionItems",
              "tags", "itemTags", "libraries"}  # fmt: skip
    missing = sorted(needed - tables)
    if missing:
        raise ZoteroSchemaError(f"{db_path} lacks Zotero tables {', '.join(missing)}: not a Zotero 5+ database")
    note_columns = {row[1] for row in conn.execute("PRAGMA table_info(itemNotes)")}
    creator_columns = {row[1] for row in conn.execute("PRAGMA table_info(creators)")}
    if "parentItemID" not in note_columns or "lastName" not in creator_columns:
        raise ZoteroSchemaError(
            f"{db_path} has Zotero 4's layout (schema {userdata}); open it once in Zotero 5 or later to upgrade it, "
            "then import again. Nothing was imported."
        )
    return {"userdata": userdata, "compatibility": compatibility, "client": client, "tables": tables,
            "local_user_key": settings.get("account.localUserKey")}  # fmt: skip


# ------------------------------------------------------------------------------------------ notes


class _NoteText(HTMLParser):
    """Zotero note HTML to plain text: block elements become line breaks, list items get a dash."""

    _BLOCKS = frozenset({"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "blockquote", "pre",
                         "ul", "ol", "table", "hr"})  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in self._BLOCKS:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append("\n" if tag in ("br", "hr") else "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "br":
            return
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def note_to_text(note_html: str | None) -> str:
    """A Zotero note (HTML, or plain text in very old notes) as plain text with paragraphs kept."""
    if not note_html:
        return ""
    if "<" not in note_html:
        return html.unescape(note_html).strip()
    parser = _NoteText()
    parser.feed(note_html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).replace("\xa0", " ").splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip()


# ------------------------------------------------------------------------------------------ reading


def read(paths: Sequence[str | Path]) -> ZoteroReadResult:
    """Registry entry point: read each Zotero source in `paths` (data directories or zotero.sqlite files); a source
    that cannot be read becomes one error. Several sources are merged into one result (one `library_uid`: sync
    each library on its own with read_zotero, as litreview.pipeline.zotero_sync does)."""
    merged = ZoteroReadResult()
    for path in paths:
        try:
            result = read_zotero(path)
        except ZoteroError as exc:
            merged.errors.append(IngestError(str(path), str(exc)))
            continue
        for name in ("records", "errors", "collections", "trashed", "missing_files"):
            getattr(merged, name).extend(getattr(result, name))
        merged.notes.update(result.notes)
        merged.stamps.update(result.stamps)
        merged.entries_seen += result.entries_seen
        merged.standalone_notes += result.standalone_notes
        merged.database = merged.database or result.database
        merged.library_uid = merged.library_uid or result.library_uid
        merged.schema = merged.schema or result.schema
    return merged


def read_zotero(path: str | Path) -> ZoteroReadResult:
    """Read a Zotero data directory or zotero.sqlite. Raises ZoteroError (not found, locked, damaged, unknown
    schema) with a message for the user; otherwise never raises for bad items (they go to `errors`).

    The read is taken again (up to READ_ATTEMPTS times) when Zotero committed while it ran, so the result is always
    one consistent state of the library."""
    db_path = find_zotero_database(path)
    error: ZoteroError = ZoteroLocked(f"{db_path} could not be read")
    for attempt in range(READ_ATTEMPTS):
        if attempt:
            time.sleep(RETRY_PAUSE_S)
        if _hot_journal(db_path):
            error = ZoteroLocked(
                f"Zotero is writing to {db_path} right now (its journal is live); try again in a moment, or close "
                "Zotero first. Nothing was imported."
            )
            continue
        before = _fingerprint(db_path)
        result = _read_once(db_path)
        if _fingerprint(db_path) == before and not _hot_journal(db_path):
            return result
        error = ZoteroLocked(
            f"Zotero kept writing to {db_path} while it was read; try again, or close Zotero. Nothing was imported."
        )
    raise error


def _read_once(db_path: Path) -> ZoteroReadResult:
    conn = _connect(db_path)
    try:
        _check_integrity(conn, db_path)
        schema = _schema(conn, db_path)
        return _Reader(conn, db_path, schema).read()
    except sqlite3.DatabaseError as exc:
        raise ZoteroDamaged(f"{db_path} could not be read ({exc}); nothing was imported") from exc
    finally:
        conn.close()


def _ts(value: object) -> str:
    return "" if value is None else str(value)


class _Reader:
    """Reads one in-memory snapshot. Everything is fetched with a handful of set-wide queries (fast at 100k items)."""

    def __init__(self, conn: sqlite3.Connection, db_path: Path, schema: dict[str, object]) -> None:
        self.conn = conn
        self.db_path = db_path
        self.data_dir = db_path.parent
        self.schema = schema
        self.tables: set[str] = schema["tables"]  # type: ignore[assignment]

    def _table(self, combined: str, plain: str) -> str:
        return combined if combined in self.tables else plain

    def read(self) -> ZoteroReadResult:
        conn = self.conn
        result = ZoteroReadResult(
            database=str(self.db_path),
            library_uid=str(self.schema.get("local_user_key") or ""),
            schema={k: v for k, v in self.schema.items() if k != "tables"},
        )
        libraries = self._libraries()
        item_types = self._table("itemTypesCombined", "itemTypes")
        fields_table = self._table("fieldsCombined", "fields")
        deleted = {row[0] for row in conn.execute("SELECT itemID FROM deletedItems")}
        items: dict[int, dict] = {}
        type_of: dict[int, str] = {}
        for item_id, type_name, library_id, key, version, modified, client_modified in conn.execute(
            f"SELECT i.itemID, t.typeName, i.libraryID, i.key, {self._col('items', 'version', '0')}, i.dateModified, "
            f"i.clientDateModified FROM items i JOIN {item_types} t ON t.itemTypeID = i.itemTypeID"
        ):
            type_of[item_id] = type_name
            if library_id not in libraries:  # feeds and other non-library stores
                continue
            items[item_id] = {"type": type_name, "library": library_id, "key": key,
                              "stamp": f"{version}|{_ts(modified)}|{_ts(client_modified)}"}  # fmt: skip
        regular = {item_id for item_id, item in items.items() if item["type"] not in _NON_REGULAR}
        result.entries_seen = len(regular)

        values: dict[int, dict[str, str]] = {item_id: {} for item_id in regular}
        for item_id, name, value in conn.execute(
            f"SELECT d.itemID, f.fieldName, v.value FROM itemData d JOIN {fields_table} f ON f.fieldID = d.fieldID "
            "JOIN itemDataValues v ON v.valueID = d.valueID"
        ):
            if item_id in values and value is not None:
                values[item_id][name] = str(value)

        primary = self._primary_creator_types(item_types)
        creators: dict[int, list[tuple[str, str, str, str]]] = {}
        for item_id, first, last, mode, creator_type in conn.execute(
            "SELECT ic.itemID, c.firstName, c.lastName, c.fieldMode, ct.creatorType FROM itemCreators ic "
            "JOIN creators c ON c.creatorID = ic.creatorID JOIN creatorTypes ct ON ct.creatorTypeID = ic.creatorTypeID "
            "ORDER BY ic.itemID, ic.orderIndex"
        ):
            if item_id in regular:
                creators.setdefault(item_id, []).append((first or "", last or "", str(mode or 0), creator_type))

        tags: dict[int, list[str]] = {}
        for item_id, name in conn.execute(
            "SELECT it.itemID, t.name FROM itemTags it JOIN tags t ON t.tagID = it.tagID ORDER BY it.itemID, t.name"
        ):
            if item_id in regular:
                tags.setdefault(item_id, []).append(name)

        child_stamps: dict[int, list[str]] = {}
        notes: dict[int, list[str]] = {}
        note_rows = conn.execute("SELECT itemID, parentItemID, note FROM itemNotes ORDER BY itemID")
        for note_id, parent_id, note in note_rows:
            if note_id in deleted or note_id not in items or items[note_id]["type"] != "note":
                continue
            if parent_id is None:
                result.standalone_notes += 1
                continue
            if parent_id in regular:
                child_stamps.setdefault(parent_id, []).append(items[note_id]["stamp"])
                text = note_to_text(note)
                if text:
                    notes.setdefault(parent_id, []).append(text)

        files, missing = self._attachments(items, regular, deleted, child_stamps)

        for item_id in sorted(regular, key=lambda i: (items[i]["library"], items[i]["key"])):
            item = items[item_id]
            zid = f"{item['library']}/{item['key']}"
            if item_id in deleted:
                result.trashed.append((zid, values[item_id].get("title", "")))
                continue
            try:
                record = self._record(item, zid, values[item_id], creators.get(item_id, []), primary,
                                      tags.get(item_id, []), files.get(item_id, []), missing.get(item_id, []))
            except Exception as exc:  # one odd item never stops the library: reported, the rest imported
                result.errors.append(IngestError(str(self.db_path), f"item could not be read: {exc}", entry=zid))
                continue
            result.records.append(record)
            result.stamps[zid] = "+".join([item["stamp"], *sorted(child_stamps.get(item_id, []))])
            if item_id in notes:
                result.notes[zid] = notes[item_id]
            result.missing_files.extend(
                IngestError(str(self.db_path), reason, entry=zid) for reason in missing.get(item_id, [])
            )
        result.collections = self._collections(items, regular, deleted, libraries)
        return result

    def _col(self, table: str, column: str, default: str) -> str:
        names = {row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")}
        return f"i.{column}" if column in names else default

    def _libraries(self) -> dict[int, str | None]:
        """libraryID -> group name (None for the user's own library); feeds are left out."""
        names = {row[1] for row in self.conn.execute("PRAGMA table_info(libraries)")}
        type_column = "type" if "type" in names else "libraryType"
        groups = {}
        if "groups" in self.tables:
            groups = dict(self.conn.execute("SELECT libraryID, name FROM groups").fetchall())
        libraries: dict[int, str | None] = {}
        for library_id, kind in self.conn.execute(f"SELECT libraryID, {type_column} FROM libraries"):
            if kind == "user":
                libraries[library_id] = None
            elif kind == "group":
                libraries[library_id] = groups.get(library_id) or f"Group {library_id}"
        return libraries

    def _primary_creator_types(self, item_types: str) -> dict[str, str]:
        table = self._table("itemTypeCreatorTypesCombined", "itemTypeCreatorTypes")
        if table not in self.tables:
            return {}
        return dict(self.conn.execute(
            f"SELECT t.typeName, ct.creatorType FROM {table} x JOIN {item_types} t ON t.itemTypeID = x.itemTypeID "
            "JOIN creatorTypes ct ON ct.creatorTypeID = x.creatorTypeID WHERE x.primaryField = 1"
        ).fetchall())  # fmt: skip

    def _attachments(
        self, items: dict[int, dict], regular: set[int], deleted: set[int], child_stamps: dict[int, list[str]]
    ) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
        """PDFs on disk per parent item, and a reason per attachment whose file is missing."""
        names = {row[1] for row in self.conn.execute("PRAGMA table_info(itemAttachments)")}
        mime = "contentType" if "contentType" in names else "mimeType"
        files: dict[int, list[str]] = {}
        missing: dict[int, list[str]] = {}
        for attachment_id, parent_id, link_mode, content_type, stored in self.conn.execute(
            f"SELECT itemID, parentItemID, linkMode, {mime}, path FROM itemAttachments ORDER BY itemID"
        ):
            if parent_id not in regular or attachment_id in deleted or attachment_id not in items:
                continue
            child_stamps.setdefault(parent_id, []).append(items[attachment_id]["stamp"])
            if link_mode not in (0, 1, 2) or not stored:  # 3: a linked URL, 4: an embedded image
                continue
            key = items[attachment_id]["key"]
            path, why = self._attachment_path(key, int(link_mode), str(stored))
            if path is None or not path.is_file():
                where = str(path) if path is not None else str(stored)
                missing.setdefault(parent_id, []).append(f"attachment {key} not found: {where}{why}")
                continue
            is_pdf = (content_type or "").lower() == "application/pdf" or path.suffix.lower() == ".pdf"
            if is_pdf:
                files.setdefault(parent_id, []).append(str(path))
        return files, missing

    def _attachment_path(self, key: str, link_mode: int, stored: str) -> tuple[Path | None, str]:
        if stored.startswith("storage:"):
            return self.data_dir / "storage" / key / stored[len("storage:"):], ""
        if stored.startswith("attachments:"):  # relative to the base folder set in Zotero's preferences
            return None, " (relative to Zotero's linked-attachment base directory, which is not in the database)"
        if link_mode == 2:
            return Path(stored).expanduser(), ""
        return self.data_dir / "storage" / key / stored, ""

    def _record(
        self, item: dict, zid: str, values: dict[str, str], creators: list[tuple[str, str, str, str]],
        primary: dict[str, str], tags: list[str], files: list[str], missing: list[str],
    ) -> ParsedPaper:  # fmt: skip
        item_type = item["type"]
        extra = _parse_extra(values.get("extra", ""))
        wanted_type = primary.get(item_type, "author")
        main = [c for c in creators if c[3] == wanted_type] or creators
        authors = tuple(_display_name(first, last, mode) for first, last, mode, _ in main)
        original: dict[str, str] = {}
        if main:
            role = "editor" if main[0][3] == "editor" else "author"
            original[role] = " and ".join(_bibtex_name(first, last, mode) for first, last, mode, _ in main)
        editors = [c for c in creators if c[3] == "editor" and c not in main]
        if editors:
            original["editor"] = " and ".join(_bibtex_name(first, last, mode) for first, last, mode, _ in editors)
        for zotero_name, bibtex_name in _BIBTEX_FIELDS.items():
            if values.get(zotero_name) and bibtex_name not in original:
                original[bibtex_name] = _escape(values[zotero_name])
        doi = normalize_doi(values.get("DOI")) or normalize_doi(extra.get("doi")) or find_doi(values.get("extra", ""))
        arxiv = (normalize_arxiv(extra.get("arxiv")) or find_arxiv(values.get("archiveID", ""))
                 or find_arxiv(values.get("url", "")) or find_arxiv(values.get("extra", "")))  # fmt: skip
        if not arxiv and doi and doi.startswith("10.48550/arxiv."):
            arxiv = normalize_arxiv(doi.split("arxiv.", 1)[1])
        entry_type = ENTRY_TYPES.get(item_type, "misc")
        if item_type == "thesis" and re.search(r"master|msc|m\.sc|diplom", values.get("thesisType", ""), re.I):
            entry_type = "mastersthesis"
        venue = next((values[name] for name in _VENUE_FIELDS if values.get(name)), None)
        external = {"zotero": zid}
        return ParsedPaper(
            source="zotero",
            title=values.get("title") or values.get("caseName") or values.get("nameOfAct") or values.get("subject"),
            authors=authors,
            abstract=values.get("abstractNote") or None,
            abstract_source="zotero" if values.get("abstractNote") else None,
            year=_year(values.get("date")),
            venue=venue,
            doi=doi,
            arxiv_id=arxiv,
            language=values.get("language") or None,
            keywords="; ".join(tags) or None,
            entry_type=entry_type,
            citation_key=values.get("citationKey") or extra.get("citation key") or None,
            original_fields=original,
            file_paths=tuple(files),
            volume=values.get("volume") or None,
            issue=values.get("issue") or values.get("number") or None,
            page_range=values.get("pages") or None,
            pmid=extra.get("pmid") or None,
            url=values.get("url") or None,
            external_ids=external,
            warnings=tuple(missing),
            origin=f"{self.db_path}:{zid}",
        )

    def _collections(
        self, items: dict[int, dict], regular: set[int], deleted: set[int], libraries: dict[int, str | None]
    ) -> list[ZoteroCollection]:
        trashed_collections: set[int] = set()
        if "deletedCollections" in self.tables:
            trashed_collections = {row[0] for row in self.conn.execute("SELECT collectionID FROM deletedCollections")}
        rows = self.conn.execute(
            "SELECT collectionID, collectionName, parentCollectionID, libraryID, key FROM collections"
        ).fetchall()
        by_id = {row[0]: row for row in rows}
        members: dict[int, list[str]] = {}
        for collection_id, item_id in self.conn.execute(
            "SELECT collectionID, itemID FROM collectionItems ORDER BY collectionID, orderIndex, itemID"
        ):
            if item_id in regular and item_id not in deleted:
                item = items[item_id]
                members.setdefault(collection_id, []).append(f"{item['library']}/{item['key']}")

        def path_of(collection_id: int) -> tuple[str, bool]:
            names, trashed, seen = [], False, set()
            current = collection_id
            while current is not None and current in by_id and current not in seen:
                seen.add(current)
                trashed = trashed or current in trashed_collections
                names.append(by_id[current][1].replace("/", "∕"))  # a "/" in a name must not read as nesting
                current = by_id[current][2]
            return "/".join(reversed(names)), trashed

        collections = []
        for collection_id, _name, _parent, library_id, key in sorted(rows, key=lambda row: row[0]):
            if library_id not in libraries:
                continue
            path, trashed = path_of(collection_id)
            if trashed:
                continue
            group = libraries[library_id]
            if group:
                path = f"{group}/{path}"
            collections.append(ZoteroCollection(path, f"{library_id}/{key}", tuple(members.get(collection_id, ()))))
        for library_id, group in libraries.items():
            if group:
                ids = tuple(f"{items[i]['library']}/{items[i]['key']}" for i in sorted(regular)
                            if items[i]["library"] == library_id and i not in deleted)  # fmt: skip
                collections.append(ZoteroCollection(group, f"{library_id}/", ids))
        return collections


def _year(date: str | None) -> int | None:
    """Zotero stores dates as "YYYY-MM-DD original text"; 0000 means unknown."""
    if not date:
        return None
    match = re.match(r"(\d{4})-\d{2}-\d{2}", date) or re.search(r"(?<!\d)(\d{4})(?!\d)", date)
    if not match or match.group(1) == "0000":
        return None
    return int(match.group(1))


def _parse_extra(extra: str) -> dict[str, str]:
    """`Key: value` lines of Zotero's extra field, keys lower-cased ("doi", "pmid", "arxiv", "citation key")."""
    found: dict[str, str] = {}
    for key, value in _EXTRA_LINE.findall(extra or ""):
        found.setdefault(key.strip().lower(), value.strip())
    return found


def _display_name(first: str, last: str, mode: str) -> str:
    if mode == "1" or not first:
        return last.strip()
    return f"{first.strip()} {last.strip()}".strip()


def _escape(text: str) -> str:
    specials = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
    return _LATEX_SPECIALS.sub(lambda m: specials.get(m.group(0), "\\" + m.group(0)), " ".join(text.split()))


def _bibtex_name(first: str, last: str, mode: str) -> str:
    """A creator as BibTeX writes it: "Family, Given", or "{Whole Name}" for one-field names (organisations)."""
    if mode == "1" or not first:
        return "{" + _escape(last) + "}"
    return f"{_escape(last)}, {_escape(first)}"
