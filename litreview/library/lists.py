"""Reading lists (ordered papers with a note per item) and reading papers back as `Paper`s for display and export.

Positions are 0-based and dense (0..n-1) after every change. All writes happen inside `library.transaction()`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from litreview.core.paper import Paper
from litreview.library.db import Library
from litreview.library.papers import paper_from_row
from litreview.library.translations import translations_of

__all__ = [
    "DuplicateListName", "PaperNotInList", "ReadingListError", "ReadingLists", "UnknownList", "UnknownPaper",
    "load_papers",
]  # fmt: skip

_CHUNK = 500  # ids per IN (...) query, well under SQLite's variable limit


class ReadingListError(ValueError):
    """A reading-list operation was asked something impossible; the message says what."""


class UnknownList(ReadingListError):
    """No reading list with that name or id."""


class DuplicateListName(ReadingListError):
    """Another reading list already has that name."""


class UnknownPaper(ReadingListError):
    """A paper id that is not in the library."""


class PaperNotInList(ReadingListError):
    """The paper is in the library but not in that list."""


ListRef = int | str


class ReadingLists:
    """Create, rename, delete, fill, order and annotate reading lists. Runs on the thread owning `library`."""

    def __init__(self, library: Library) -> None:
        self.library = library

    # ------------------------------------------------------------------------------------------- lists

    def resolve(self, name_or_id: ListRef) -> int:
        """The id of a list given by name (exact, else case-insensitive) or by id."""
        conn = self.library.conn
        if isinstance(name_or_id, int):
            row = conn.execute("SELECT id FROM reading_lists WHERE id = ?", (name_or_id,)).fetchone()
        else:
            row = conn.execute("SELECT id FROM reading_lists WHERE name = ?", (name_or_id,)).fetchone()
            if row is None:
                rows = conn.execute(
                    "SELECT id FROM reading_lists WHERE name = ? COLLATE NOCASE", (name_or_id,)
                ).fetchall()
                row = rows[0] if len(rows) == 1 else None
            if row is None and name_or_id.strip().isdigit():
                row = conn.execute("SELECT id FROM reading_lists WHERE id = ?", (int(name_or_id),)).fetchone()
        if row is None:
            raise UnknownList(f"no reading list {name_or_id!r}")
        return int(row[0])

    def name(self, name_or_id: ListRef) -> str:
        list_id = self.resolve(name_or_id)
        return self.library.conn.execute("SELECT name FROM reading_lists WHERE id = ?", (list_id,)).fetchone()[0]

    def create(self, name: str) -> int:
        """A new empty list; its id."""
        name = _clean_name(name)
        try:
            with self.library.transaction() as conn:
                cursor = conn.execute("INSERT INTO reading_lists(name) VALUES (?)", (name,))
        except sqlite3.IntegrityError as exc:
            raise DuplicateListName(f"a reading list named {name!r} already exists") from exc
        return int(cursor.lastrowid)

    def rename(self, name_or_id: ListRef, new_name: str) -> None:
        new_name = _clean_name(new_name)
        list_id = self.resolve(name_or_id)
        try:
            with self.library.transaction() as conn:
                conn.execute("UPDATE reading_lists SET name = ? WHERE id = ?", (new_name, list_id))
        except sqlite3.IntegrityError as exc:
            raise DuplicateListName(f"a reading list named {new_name!r} already exists") from exc

    def delete(self, name_or_id: ListRef) -> None:
        """Delete the list and its items (the papers stay in the library)."""
        list_id = self.resolve(name_or_id)
        with self.library.transaction() as conn:
            conn.execute("DELETE FROM reading_list_items WHERE list_id = ?", (list_id,))
            conn.execute("DELETE FROM reading_lists WHERE id = ?", (list_id,))

    def lists(self) -> list[dict]:
        """[{"id", "name", "count"}] ordered by name."""
        return self.library.query(
            "SELECT l.id AS id, l.name AS name, COUNT(i.paper_id) AS count FROM reading_lists l "
            "LEFT JOIN reading_list_items i ON i.list_id = l.id GROUP BY l.id ORDER BY l.name COLLATE NOCASE, l.id"
        )

    # ------------------------------------------------------------------------------------------- items

    def items(self, name_or_id: ListRef) -> list[tuple[int, int, str]]:
        """(paper_id, position, note) in list order."""
        list_id = self.resolve(name_or_id)
        rows = self.library.conn.execute(
            "SELECT paper_id, position, note FROM reading_list_items WHERE list_id = ? ORDER BY position, rowid",
            (list_id,),
        ).fetchall()
        return [(int(paper_id), int(position), note) for paper_id, position, note in rows]

    def add(self, name_or_id: ListRef, paper_ids: Iterable[int], note: str = "") -> int:
        """Append papers at the end (papers already in the list stay where they are; a non-empty note replaces
        theirs). Returns how many were new to the list."""
        list_id = self.resolve(name_or_id)
        wanted = list(dict.fromkeys(int(paper_id) for paper_id in paper_ids))
        _require_papers(self.library, wanted)
        added = 0
        with self.library.transaction() as conn:
            present = {row[0] for row in conn.execute("SELECT paper_id FROM reading_list_items WHERE list_id = ?",
                                                      (list_id,))}  # fmt: skip
            next_position = conn.execute(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM reading_list_items WHERE list_id = ?", (list_id,)
            ).fetchone()[0]
            for paper_id in wanted:
                if paper_id in present:
                    if note:
                        conn.execute("UPDATE reading_list_items SET note = ? WHERE list_id = ? AND paper_id = ?",
                                     (note, list_id, paper_id))  # fmt: skip
                    continue
                conn.execute(
                    "INSERT INTO reading_list_items(list_id, paper_id, position, note) VALUES (?, ?, ?, ?)",
                    (list_id, paper_id, next_position, note),
                )
                next_position += 1
                added += 1
        return added

    def remove(self, name_or_id: ListRef, paper_ids: Iterable[int]) -> int:
        """Take papers out of the list; returns how many were in it."""
        list_id = self.resolve(name_or_id)
        removed = 0
        with self.library.transaction() as conn:
            for paper_id in dict.fromkeys(int(paper_id) for paper_id in paper_ids):
                cursor = conn.execute("DELETE FROM reading_list_items WHERE list_id = ? AND paper_id = ?",
                                      (list_id, paper_id))  # fmt: skip
                removed += cursor.rowcount
            self._renumber(conn, list_id, [paper_id for paper_id, _, _ in self.items(list_id)])
        return removed

    def reorder(self, name_or_id: ListRef, paper_ids_in_order: Sequence[int]) -> None:
        """Put the given papers first, in that order; the others follow in their current order."""
        list_id = self.resolve(name_or_id)
        current = [paper_id for paper_id, _, _ in self.items(list_id)]
        wanted = list(dict.fromkeys(int(paper_id) for paper_id in paper_ids_in_order))
        missing = [paper_id for paper_id in wanted if paper_id not in set(current)]
        if missing:
            raise PaperNotInList(f"not in list {self.name(list_id)!r}: {', '.join(map(str, missing))}")
        chosen = set(wanted)
        with self.library.transaction() as conn:
            self._renumber(conn, list_id, wanted + [paper_id for paper_id in current if paper_id not in chosen])

    def move(self, name_or_id: ListRef, paper_id: int, new_position: int) -> None:
        """Move one paper to `new_position` (0-based; clamped to the list's length)."""
        list_id = self.resolve(name_or_id)
        order = [item for item, _, _ in self.items(list_id)]
        if paper_id not in order:
            raise PaperNotInList(f"paper {paper_id} is not in list {self.name(list_id)!r}")
        order.remove(paper_id)
        order.insert(max(0, min(new_position, len(order))), paper_id)
        with self.library.transaction() as conn:
            self._renumber(conn, list_id, order)

    def set_note(self, name_or_id: ListRef, paper_id: int, note: str) -> None:
        list_id = self.resolve(name_or_id)
        with self.library.transaction() as conn:
            cursor = conn.execute("UPDATE reading_list_items SET note = ? WHERE list_id = ? AND paper_id = ?",
                                  (note, list_id, paper_id))  # fmt: skip
            if cursor.rowcount == 0:
                raise PaperNotInList(f"paper {paper_id} is not in list {self.name(list_id)!r}")

    @staticmethod
    def _renumber(conn: sqlite3.Connection, list_id: int, order: Sequence[int]) -> None:
        conn.executemany("UPDATE reading_list_items SET position = ? WHERE list_id = ? AND paper_id = ?",
                         [(position, list_id, paper_id) for position, paper_id in enumerate(order)])  # fmt: skip


def _clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ReadingListError("a reading list needs a name")
    return cleaned


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _require_papers(library: Library, paper_ids: Sequence[int]) -> None:
    found: set[int] = set()
    for chunk in _chunks(paper_ids):
        marks = ",".join("?" * len(chunk))
        found.update(row[0] for row in library.conn.execute(f"SELECT id FROM papers WHERE id IN ({marks})", chunk))
    missing = [paper_id for paper_id in paper_ids if paper_id not in found]
    if missing:
        raise UnknownPaper(f"no paper with id {', '.join(map(str, missing))}")


_PAPER_COLUMNS = ("id", "title", "authors", "year", "venue", "doi", "arxiv_id", "abstract", "keywords", "entry_type",
                  "citation_key", "original_fields", "language", "warnings", "volume", "issue", "page_range", "pmid",
                  "url", "external_ids")  # fmt: skip


def load_papers(library: Library, ids: Sequence[int] | None = None, list_name: ListRef | None = None) -> list[Paper]:
    """Papers for display and export, in order.

    - `list_name`: the list's papers in list order, each with its note (restricted to `ids` when given);
    - else `ids`: those papers in that order (UnknownPaper if one is missing);
    - else the whole library by id.
    """
    notes: dict[int, str] = {}
    if list_name is not None:
        items = ReadingLists(library).items(list_name)
        notes = {paper_id: note for paper_id, _, note in items}
        order = [paper_id for paper_id, _, _ in items]
        if ids is not None:
            allowed = {int(paper_id) for paper_id in ids}
            order = [paper_id for paper_id in order if paper_id in allowed]
    elif ids is not None:
        order = list(dict.fromkeys(int(paper_id) for paper_id in ids))
        _require_papers(library, order)
    else:
        order = None

    columns = ", ".join(_PAPER_COLUMNS)
    rows: dict[int, tuple] = {}
    if order is None:
        for row in library.conn.execute(f"SELECT {columns} FROM papers ORDER BY id"):
            rows[int(row[0])] = row
        order = list(rows)
    else:
        for chunk in _chunks(order):
            marks = ",".join("?" * len(chunk))
            for row in library.conn.execute(f"SELECT {columns} FROM papers WHERE id IN ({marks})", chunk):
                rows[int(row[0])] = row

    files: dict[int, list[str]] = {}
    if order:
        query = "SELECT paper_id, path FROM files WHERE paper_id IS NOT NULL ORDER BY id"
        if len(order) <= _CHUNK:
            marks = ",".join("?" * len(order))
            query = f"SELECT paper_id, path FROM files WHERE paper_id IN ({marks}) ORDER BY id"
            cursor = library.conn.execute(query, order)
        else:
            cursor = library.conn.execute(query)
        for paper_id, path in cursor:
            files.setdefault(int(paper_id), []).append(path)
    translated = translations_of(library.conn, [paper_id for paper_id in order if paper_id in rows])
    return [
        paper_from_row(dict(zip(_PAPER_COLUMNS, rows[paper_id], strict=True)), tuple(files.get(paper_id, ())),
                       notes.get(paper_id, ""), translated.get(paper_id, ()))
        for paper_id in order
        if paper_id in rows
    ]
