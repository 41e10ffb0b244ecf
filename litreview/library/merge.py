"""Merge two papers into one, and split a merge back (issue #14).

`merge_papers` keeps one paper and gives it, field by field, the better value of the two (a field the user edited
wins; else a value beats an empty one; for title and abstract the higher extraction confidence, else the longer one
that is not cut short; for authors the longer list), and every file, reading-list membership (positions and notes,
never twice in a list), map position, import-log link and every other row pointing at the other paper (notes,
references, screening decisions, Zotero links... found generically as the trash finds them). The other paper then
goes away. Everything both papers were is kept in a `merges` record (JSON rows, vectors in `merge_vectors`), so
`split_merge` puts both back exactly, the other under its own id. The kept paper's text hash changes when its title
or abstract does, so the next embed pass re-embeds it.

Every function runs in one transaction on the thread that owns the library.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from litreview.core.text import normalize_title
from litreview.library.db import Library
from litreview.library.dependents import (
    dependent_rows,
    fetch_dicts,
    list_items,
    map_positions,
    paper_references,
    put_back,
    quote,
    renumber_list,
)

__all__ = ["MergeError", "MergeRecord", "merge_papers", "merges", "split_merge"]

_TRUNCATED = ("...", "…", "[truncated]")
# Columns merged by their own rule (or not at all) rather than "a value beats an empty one".
_SPECIAL = {"id", "title", "abstract", "abstract_source", "authors", "title_key", "user_fields", "confidence",
            "original_fields", "warnings", "external_ids", "added_at", "updated_at"}


class MergeError(ValueError):
    """A merge or split that cannot be done (unknown paper, same paper twice, a later merge in the way)."""


@dataclass(frozen=True)
class MergeRecord:
    merge_id: int
    keep_id: int
    other_id: int
    merged_at: str
    title: str
    other_title: str
    changed_fields: tuple[str, ...]


def _json(value: Any, default: Any) -> Any:
    try:
        parsed = json.loads(value) if isinstance(value, str) and value else default
    except ValueError:
        return default
    return parsed if isinstance(parsed, type(default)) else default


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value in ("[]", "{}")


def _truncated(text: str) -> bool:
    return text.rstrip().endswith(_TRUNCATED)


def _better_text(field: str, keep: dict, other: dict) -> bool:
    """True when the other paper's title/abstract is the better one (both non-empty, neither user-edited)."""
    mine, theirs = str(keep[field]), str(other[field])
    c_keep = _json(keep.get("confidence"), {}).get(field)
    c_other = _json(other.get("confidence"), {}).get(field)
    if isinstance(c_keep, int | float) and isinstance(c_other, int | float) and c_keep != c_other:
        return c_other > c_keep
    if _truncated(mine) != _truncated(theirs):
        return _truncated(mine)
    return len(theirs.strip()) > len(mine.strip())


def merged_fields(keep: dict, other: dict) -> dict[str, Any]:
    """The kept paper's columns that change: {column: new value}."""
    kept_edits = set(_json(keep.get("user_fields"), []))
    other_edits = set(_json(other.get("user_fields"), []))
    confidence = _json(keep.get("confidence"), {})
    changes: dict[str, Any] = {}

    def take(field: str) -> None:
        changes[field] = other[field]
        if field in _json(other.get("confidence"), {}):
            confidence[field] = _json(other.get("confidence"), {})[field]

    for field in keep:
        if field not in other or _empty(other[field]) or field in kept_edits:
            continue
        if field in _SPECIAL and field not in ("title", "abstract", "authors"):
            continue
        if field in other_edits or _empty(keep[field]):
            take(field)
        elif field == "authors":
            if len(_json(other[field], [])) > len(_json(keep[field], [])):
                take(field)
        elif field in ("title", "abstract") and _better_text(field, keep, other):
            take(field)
    if "abstract" in changes and "abstract_source" in other:
        changes["abstract_source"] = other["abstract_source"]
    if "title" in changes:
        changes["title_key"] = normalize_title(changes["title"])
    if confidence != _json(keep.get("confidence"), {}):
        changes["confidence"] = json.dumps(confidence)
    for field, kind in (("external_ids", {}), ("original_fields", {})):
        if field in keep:
            union = {**_json(other.get(field), kind), **_json(keep.get(field), kind)}
            if union != _json(keep.get(field), kind):
                changes[field] = json.dumps(union, ensure_ascii=False)
    for field in ("user_fields", "warnings"):
        if field in keep:
            mine = _json(keep.get(field), [])
            union = mine + [x for x in _json(other.get(field), []) if x not in mine]
            if union != mine:
                changes[field] = json.dumps(union, ensure_ascii=False)
    if other.get("added_at") and keep.get("added_at") and other["added_at"] < keep["added_at"]:
        changes["added_at"] = other["added_at"]
    return {k: v for k, v in changes.items() if v != keep.get(k)}


def _paper(conn: sqlite3.Connection, pid: int) -> dict:
    rows = fetch_dicts(conn, "SELECT * FROM papers WHERE id = ?", (pid,))
    if not rows:
        raise MergeError(f"no paper with id {pid}")
    return rows[0]


def merge_papers(library: Library, keep_id: int, other_id: int) -> MergeRecord:
    """Merge paper `other_id` into `keep_id` (which stays); returns the record `split_merge` undoes it with."""
    keep_id, other_id = int(keep_id), int(other_id)
    if keep_id == other_id:
        raise MergeError("cannot merge a paper with itself")
    with library.transaction() as conn:
        keep, other = _paper(conn, keep_id), _paper(conn, other_id)
        record = {
            "keep": keep, "other": other,
            "keep_items": list_items(conn, keep_id),
            "other_items": list_items(conn, other_id),
            "keep_members": map_positions(conn, keep_id),
            "other_members": map_positions(conn, other_id),
            "files": [r[0] for r in conn.execute("SELECT id FROM files WHERE paper_id = ?", (other_id,))],
            "import_log": [r[0] for r in conn.execute("SELECT id FROM import_log WHERE paper_id = ?", (other_id,))],
            "keep_dependents": dependent_rows(conn, keep_id),
            "other_dependents": dependent_rows(conn, other_id),
        }
        changes = merged_fields(keep, other)
        cursor = conn.execute("INSERT INTO merges(keep_id, other_id, record) VALUES (?, ?, ?)",
                              (keep_id, other_id, json.dumps(record, ensure_ascii=False)))
        merge_id = int(cursor.lastrowid)
        conn.execute("INSERT INTO merge_vectors(merge_id, paper_id, model_id, dim, text_hash, vector)"
                     " SELECT ?, paper_id, model_id, dim, text_hash, vector FROM vectors WHERE paper_id IN (?, ?)",
                     (merge_id, keep_id, other_id))
        conn.execute("UPDATE files SET paper_id = ? WHERE paper_id = ?", (keep_id, other_id))
        conn.execute("UPDATE import_log SET paper_id = ? WHERE paper_id = ?", (keep_id, other_id))
        conn.execute("UPDATE OR IGNORE cluster_members SET paper_id = ? WHERE paper_id = ?", (keep_id, other_id))
        keep_lists = {item["list_id"]: item for item in record["keep_items"]}
        for item in record["other_items"]:
            mine = keep_lists.get(item["list_id"])
            if mine is None:
                conn.execute("UPDATE reading_list_items SET paper_id = ? WHERE list_id = ? AND paper_id = ?",
                             (keep_id, item["list_id"], other_id))
            elif _empty(mine["note"]) and not _empty(item["note"]):
                conn.execute("UPDATE reading_list_items SET note = ? WHERE list_id = ? AND paper_id = ?",
                             (item["note"], item["list_id"], keep_id))
        for table, columns in paper_references(conn).items():
            for column in columns:
                conn.execute(f"UPDATE OR IGNORE {quote(table)} SET {quote(column)} = ? WHERE {quote(column)} = ?",
                             (keep_id, other_id))
        if changes:
            names = list(changes)
            conn.execute(f"UPDATE papers SET {', '.join(f'{quote(n)} = ?' for n in names)},"
                         " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
                         [changes[n] for n in names] + [keep_id])
        conn.execute("DELETE FROM papers WHERE id = ?", (other_id,))  # what could not move (duplicates) goes
        for item in record["other_items"]:
            renumber_list(conn, item["list_id"])
        merged_at = conn.execute("SELECT merged_at FROM merges WHERE id = ?", (merge_id,)).fetchone()[0]
        title = conn.execute("SELECT title FROM papers WHERE id = ?", (keep_id,)).fetchone()[0]
    return MergeRecord(merge_id, keep_id, other_id, merged_at, title or "", other.get("title") or "",
                       tuple(sorted(changes)))


def merges(library: Library) -> list[MergeRecord]:
    """The merges that can be split, newest first."""
    found = []
    for merge_id, keep_id, other_id, merged_at, record in library.conn.execute(
        "SELECT id, keep_id, other_id, merged_at, record FROM merges ORDER BY id DESC"
    ):
        data = json.loads(record)
        title = library.conn.execute("SELECT title FROM papers WHERE id = ?", (keep_id,)).fetchone()
        changed = merged_fields(data["keep"], data["other"])
        found.append(MergeRecord(merge_id, keep_id, other_id, merged_at, (title[0] if title else "") or "",
                                 data["other"].get("title") or "", tuple(sorted(changed))))
    return found


def split_merge(library: Library, merge_id: int) -> tuple[int, int]:
    """Undo merge `merge_id`: both papers back as they were before it. Returns (kept id, the other's id now:
    its own unless a paper added since took it)."""
    with library.transaction() as conn:
        row = conn.execute("SELECT keep_id, record FROM merges WHERE id = ?", (int(merge_id),)).fetchone()
        if row is None:
            raise MergeError(f"no merge with id {merge_id}")
        keep_id, data = int(row[0]), json.loads(row[1])
        later = conn.execute("SELECT id FROM merges WHERE id > ? AND (keep_id = ? OR other_id = ?) ORDER BY id",
                             (int(merge_id), keep_id, keep_id)).fetchone()
        if later is not None:
            raise MergeError(f"paper {keep_id} was merged again later: split merge {later[0]} first")
        if conn.execute("SELECT 1 FROM papers WHERE id = ?", (keep_id,)).fetchone() is None:
            raise MergeError(f"paper {keep_id} is not in the library (restore it from the trash first)")
        other_id = _split(conn, int(merge_id), keep_id, data)
        conn.execute("DELETE FROM merges WHERE id = ?", (int(merge_id),))
    return keep_id, other_id


def _split(conn: sqlite3.Connection, merge_id: int, keep_id: int, data: dict) -> int:
    columns = {r[1] for r in conn.execute("PRAGMA table_info(papers)")}
    keep = {k: v for k, v in data["keep"].items() if k in columns and k != "id"}
    conn.execute(f"UPDATE papers SET {', '.join(f'{quote(n)} = ?' for n in keep)} WHERE id = ?",
                 [*keep.values(), keep_id])
    other = {k: v for k, v in data["other"].items() if k in columns}
    old_other = int(other["id"])
    if conn.execute("SELECT 1 FROM papers WHERE id = ?", (old_other,)).fetchone():
        del other["id"]
    cursor = conn.execute(f"INSERT INTO papers({', '.join(map(quote, other))}) VALUES ({', '.join('?' * len(other))})",
                          list(other.values()))
    other_id = int(cursor.lastrowid)
    for table, ids in (("files", data["files"]), ("import_log", data["import_log"])):
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            conn.execute(f"UPDATE {table} SET paper_id = ? WHERE paper_id = ? AND id IN ({','.join('?' * len(chunk))})",
                         [other_id, keep_id, *chunk])
    conn.execute("DELETE FROM vectors WHERE paper_id = ?", (keep_id,))
    for was, now in ((keep_id, keep_id), (old_other, other_id)):
        conn.execute("INSERT OR REPLACE INTO vectors(paper_id, model_id, dim, text_hash, vector) SELECT ?, model_id,"
                     " dim, text_hash, vector FROM merge_vectors WHERE merge_id = ? AND paper_id = ?",
                     (now, merge_id, was))
    _split_members(conn, keep_id, other_id, data)
    _split_items(conn, keep_id, other_id, data)
    _split_dependents(conn, keep_id, old_other, other_id, data)
    return other_id


def _split_members(conn: sqlite3.Connection, keep_id: int, other_id: int, data: dict) -> None:
    conn.execute("DELETE FROM cluster_members WHERE paper_id = ?", (keep_id,))
    for pid, members in ((keep_id, data["keep_members"]), (other_id, data["other_members"])):
        for m in members:
            conn.execute("INSERT OR IGNORE INTO cluster_members(cluster_id, paper_id, x, y)"
                         " SELECT id, ?, ?, ? FROM clusters WHERE id = ?", (pid, m["x"], m["y"], m["cluster_id"]))


def _split_items(conn: sqlite3.Connection, keep_id: int, other_id: int, data: dict) -> None:
    keep_lists = {item["list_id"]: item for item in data["keep_items"]}
    for item in data["other_items"]:
        list_id = item["list_id"]
        if conn.execute("SELECT 1 FROM reading_lists WHERE id = ?", (list_id,)).fetchone() is None:
            continue  # the list was deleted meanwhile
        mine = keep_lists.get(list_id)
        if mine is None:  # the item moved to the kept paper: it moves back, where it is now
            conn.execute("UPDATE reading_list_items SET paper_id = ? WHERE list_id = ? AND paper_id = ?",
                         (other_id, list_id, keep_id))
            continue
        conn.execute("UPDATE reading_list_items SET note = ? WHERE list_id = ? AND paper_id = ?",
                     (mine["note"], list_id, keep_id))
        conn.execute("UPDATE reading_list_items SET position = position + 1 WHERE list_id = ? AND position >= ?",
                     (list_id, item["position"]))
        conn.execute("INSERT OR IGNORE INTO reading_list_items(list_id, paper_id, position, note) VALUES (?, ?, ?, ?)",
                     (list_id, other_id, item["position"], item["note"]))
        renumber_list(conn, list_id)


def _split_dependents(conn: sqlite3.Connection, keep_id: int, old_other: int, other_id: int, data: dict) -> None:
    """Rows that moved to the kept paper go back to the other; rows dropped as duplicates come back."""
    keep_before = data["keep_dependents"]

    def drop_moved_copy(table: str, values: dict, links: list[str]) -> None:
        """WITHOUT ROWID: the moved copy (not the kept paper's own) goes."""
        present = set(values)
        moved = {**values, **{c: keep_id for c in links}}
        if not any({k: v for k, v in r.items() if k in present} == moved for r in keep_before.get(table, [])):
            where = " AND ".join(f"{quote(k)} IS ?" for k in moved)
            conn.execute(f"DELETE FROM {quote(table)} WHERE {where}", list(moved.values()))

    put_back(conn, data["other_dependents"], old_other, other_id, linked_now=keep_id, before_insert=drop_moved_copy)
