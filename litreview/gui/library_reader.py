"""Read-only queries the GUI thread makes on its own connection: paging the table, the FTS filter, details.

No Qt and no writes (the connection is opened read-only); every write goes through the worker.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from litreview.core.paper import Paper

SORT_COLUMNS = {
    "title": "p.title COLLATE NOCASE",
    "authors": "p.authors COLLATE NOCASE",
    "year": "p.year",
    "venue": "p.venue COLLATE NOCASE",
    "added": "p.id",  # ids grow with added_at, and the rowid order needs no sort (fast at 100k papers)
    "status": "has_vector",
}
_WORD = re.compile(r"\w+", re.UNICODE)


class ReadOnlyLibrary:
    """The GUI thread's read-only connection, with the part of `litreview.library.db.Library` the GUI uses.

    Plain sqlite3 on purpose: the window must appear before sqlite-utils (and what it imports) has loaded.
    `mode=ro` makes every write fail, so the worker stays the only writer.
    """

    read_only = True

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"no library at {self.path}")
        self.conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        self.conn.execute("PRAGMA busy_timeout = 10000")

    def query(self, sql: str, params: Sequence[object] | dict = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [column[0] for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def close(self) -> None:
        self.conn.close()


def fts_prefix_query(text: str) -> str:
    """What the user typed as an FTS5 query where every word must match as a prefix ("prot fold" finds
    "protein folding"). Words are quoted, so FTS5 syntax in the box can never break the query."""
    words = _WORD.findall(text)
    return " AND ".join('"' + word.replace('"', '""') + '"*' for word in words)


@dataclass(frozen=True)
class PaperRow:
    """One table row, ready to display."""

    paper_id: int
    title: str
    authors: str
    year: int | None
    venue: str
    added: str
    embedded: bool
    warnings: int

    @property
    def status(self) -> str:
        parts = ["embedded" if self.embedded else "not embedded"]
        if self.warnings:
            parts.append(f"{self.warnings} warning{'s' if self.warnings > 1 else ''}")
        return ", ".join(parts)


def format_authors(authors_json: str | None, limit: int = 3) -> str:
    try:
        names = json.loads(authors_json or "[]")
    except ValueError:
        return authors_json or ""
    if not isinstance(names, list):
        return str(names)
    shown = ", ".join(str(name) for name in names[:limit])
    return shown + (" et al." if len(names) > limit else "")


class LibraryReader:
    """Runs on the GUI thread over a ReadOnlyLibrary (or any object with .conn, .query, .get_setting, .path)."""

    def __init__(self, library: Any) -> None:
        self.library = library
        self.conn = library.conn

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM papers").fetchone()[0])

    def vector_count(self, model_id: str, dim: int) -> int:
        """Papers with a vector of this model: those a map of it can draw."""
        sql = "SELECT count(DISTINCT paper_id) FROM vectors WHERE model_id = ? AND dim = ?"
        return int(self.conn.execute(sql, (model_id, dim)).fetchone()[0])

    def paper_ids(self, *, sort: str = "added", descending: bool = True, text_filter: str = "") -> list[int]:
        """Every paper id in display order, narrowed by the FTS prefix filter when one is given."""
        order = SORT_COLUMNS.get(sort, SORT_COLUMNS["added"])
        direction = "DESC" if descending else "ASC"
        select = "SELECT p.id"
        if sort == "status":
            select += ", EXISTS(SELECT 1 FROM vectors v WHERE v.paper_id = p.id) AS has_vector"
        match = fts_prefix_query(text_filter)
        if match:
            sql = f"{select} FROM papers p JOIN papers_fts f ON f.rowid = p.id WHERE papers_fts MATCH ?"
            params: tuple = (match,)
        else:
            sql, params = f"{select} FROM papers p", ()
        sql += f" ORDER BY {order} {direction}, p.id {direction}"
        return [row[0] for row in self.conn.execute(sql, params)]

    def rows(self, ids: Sequence[int]) -> dict[int, PaperRow]:
        """Display rows for a page of ids."""
        if not ids:
            return {}
        placeholders = ",".join("?" * len(ids))
        result = {}
        for pid, title, authors, year, venue, added, embedded, warnings in self.conn.execute(
            "SELECT p.id, p.title, p.authors, p.year, p.venue, p.added_at,"
            " EXISTS(SELECT 1 FROM vectors v WHERE v.paper_id = p.id),"
            " json_array_length(p.warnings)"
            f" FROM papers p WHERE p.id IN ({placeholders})",
            list(ids),
        ):
            result[pid] = PaperRow(
                pid, title or "(untitled)", format_authors(authors), year, venue or "", (added or "")[:10],
                bool(embedded), int(warnings or 0),
            )
        return result

    def paper(self, paper_id: int) -> dict[str, Any] | None:
        """Every stored field of one paper plus its files, for the details pane."""
        rows = self.library.query("SELECT * FROM papers WHERE id = ?", (paper_id,))
        if not rows:
            return None
        row = rows[0]
        row["files"] = [r["path"] for r in self.library.query("SELECT path FROM files WHERE paper_id = ?", (paper_id,))]
        for key in ("authors", "warnings"):
            try:
                row[key] = json.loads(row.get(key) or "[]")
            except ValueError:
                row[key] = []
        row.update(self.citations(paper_id))  # references, cited by, translations (#16, #22)
        return row

    def citations(self, paper_id: int) -> dict[str, Any]:
        """The paper's reference list, the library papers citing it (id, title) and its translations, from indexed
        queries; empty where the library predates those tables."""
        from litreview.library.references import citing_papers, references_of
        from litreview.library.translations import translations_of

        try:
            references = references_of(self.conn, paper_id)
            citing = citing_papers(self.conn, paper_id)
            translations = list(translations_of(self.conn, [paper_id]).get(paper_id, ()))
        except sqlite3.OperationalError:  # no such table: an older library opened read-only
            return {"references": [], "cited_by": [], "translations": []}
        titles = self.titles(citing)
        return {
            "references": references,
            "cited_by": [(pid, titles.get(pid, "(untitled)")) for pid in citing],
            "translations": translations,
        }

    def titles(self, ids: Sequence[int]) -> dict[int, str]:
        return {pid: row.title for pid, row in self.rows(ids).items()}

    def import_log(self, *, failures_only: bool = True, limit: int = 2000) -> list[dict[str, Any]]:
        where = "WHERE outcome IN ('failed', 'warning')" if failures_only else ""
        return self.library.query(
            f"SELECT id, at, batch, path, entry, line, outcome, reason FROM import_log {where}"
            " ORDER BY id DESC LIMIT ?",
            (limit,),
        )

    def reading_lists(self) -> list[dict[str, Any]]:
        return self.library.query(
            "SELECT l.id, l.name, count(i.paper_id) AS size FROM reading_lists l"
            " LEFT JOIN reading_list_items i ON i.list_id = l.id GROUP BY l.id ORDER BY l.name COLLATE NOCASE"
        )

    def list_items(self, list_id: int) -> list[dict[str, Any]]:
        return self.library.query(
            "SELECT i.paper_id, i.position, i.note, p.title, p.year FROM reading_list_items i"
            " JOIN papers p ON p.id = i.paper_id WHERE i.list_id = ? ORDER BY i.position, i.paper_id",
            (list_id,),
        )

    def papers(self, ids: Sequence[int], notes: dict[int, str] | None = None) -> list[Paper]:
        """Papers for export, in the order given (with reading-list notes when given)."""
        from litreview.library.papers import paper_from_row

        result = []
        for pid in ids:
            rows = self.library.query("SELECT * FROM papers WHERE id = ?", (pid,))
            if rows:
                files = self.library.query("SELECT path FROM files WHERE paper_id = ?", (pid,))
                note = (notes or {}).get(pid, "")
                result.append(paper_from_row(rows[0], tuple(r["path"] for r in files), note=note))
        return result

    def list_papers(self, list_id: int) -> list[Paper]:
        items = self.list_items(list_id)
        return self.papers([item["paper_id"] for item in items], {i["paper_id"]: i["note"] or "" for i in items})
