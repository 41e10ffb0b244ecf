"""The trash: deleted papers leave the live tables whole, and come back whole.

Moving a paper to the trash copies its row and everything that points at it (files, vectors, reading-list
items with their positions and notes, map positions, import-log links) into the `trash` and `trash_vectors`
tables, then deletes the paper: the foreign keys and the FTS triggers remove the rest. So every query over
`papers`, `vectors`, `papers_fts` and the lists sees only live papers without a filter of its own, and `litreview
doctor` has nothing new to reconcile. Restoring inserts it all back (under the same id when it is still free, else
a new one) and the FTS trigger re-indexes the text. The ANN index follows the vectors table on its own
(litreview.index.upkeep keeps its snapshot in step for the CLI).

Every function runs in one transaction on the thread that owns the library.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from litreview.library.db import Library

__all__ = ["TrashEntry", "empty", "empty_expired", "entries", "in_trash", "move_to_trash", "restore"]

KEEP_DAYS = 30.0  # default age after which the daily upkeep empties trashed papers (setting "trash_days")


class NotInTrash(KeyError):
    """A paper id that is not in the trash."""


class UnknownPaper(KeyError):
    """A paper id that is not in the library."""


@dataclass(frozen=True)
class TrashEntry:
    trash_id: int
    paper_id: int
    deleted_at: str
    title: str
    year: int | None
    files: int
    vectors: int
    lists: int


def _rows(conn: sqlite3.Connection, sql: str, params: Sequence[object]) -> list[dict]:
    cursor = conn.execute(sql, params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def move_to_trash(library: Library, paper_ids: Iterable[int], *, now: str | None = None) -> list[int]:
    """Move papers to the trash; returns the ids moved. UnknownPaper (nothing moved) for an id not in the library."""
    ids = list(dict.fromkeys(int(i) for i in paper_ids))
    when = now or _now()
    with library.transaction() as conn:
        missing = [pid for pid in ids if conn.execute("SELECT 1 FROM papers WHERE id = ?", (pid,)).fetchone() is None]
        if missing:
            raise UnknownPaper(f"no paper with id {', '.join(map(str, missing))}")
        removed_at: dict[int, list[int]] = {}  # list id -> positions already taken out by this call, sorted
        for pid in ids:
            [paper] = _rows(conn, "SELECT * FROM papers WHERE id = ?", (pid,))
            files = _rows(conn, "SELECT * FROM files WHERE paper_id = ?", (pid,))
            items = _rows(conn, "SELECT list_id, position, note FROM reading_list_items WHERE paper_id = ?", (pid,))
            for item in items:  # the position as if the papers were taken out one by one: restoring in reverse
                taken = removed_at.setdefault(item["list_id"], [])  # order then puts each back where it was
                original = item["position"]
                item["position"] = original - bisect.bisect_left(taken, original)
                bisect.insort(taken, original)
            members = _rows(conn, "SELECT cluster_id, x, y FROM cluster_members WHERE paper_id = ?", (pid,))
            log_ids = [r[0] for r in conn.execute("SELECT id FROM import_log WHERE paper_id = ?", (pid,))]
            dependents = _dependent_rows(conn, pid)
            cursor = conn.execute(
                "INSERT INTO trash(paper_id, deleted_at, paper, files, list_items, cluster_members, import_log,"
                " dependents) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (pid, when, json.dumps(paper, ensure_ascii=False), json.dumps(files, ensure_ascii=False),
                 json.dumps(items, ensure_ascii=False), json.dumps(members), json.dumps(log_ids),
                 json.dumps(dependents, ensure_ascii=False)),
            )
            conn.execute(
                "INSERT INTO trash_vectors(trash_id, model_id, dim, text_hash, vector)"
                " SELECT ?, model_id, dim, text_hash, vector FROM vectors WHERE paper_id = ?",
                (cursor.lastrowid, pid),
            )
            conn.execute("DELETE FROM papers WHERE id = ?", (pid,))  # cascades; the FTS trigger follows
        for list_id in removed_at:
            _renumber(conn, list_id)
    return ids


# Tables this module saves and restores by name; every other table with a foreign key to papers (notes, references,
# screening decisions, Zotero links, passages...) is saved and restored generically by _dependent_rows.
_HANDLED = {"papers", "files", "vectors", "reading_list_items", "cluster_members", "import_log", "jobs", "trash",
            "trash_vectors"}


def _paper_references(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """{table: [columns that reference papers(id)]} for the tables not handled by name."""
    found: dict[str, list[str]] = {}
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE '%VIRTUAL%'"):
        if table in _HANDLED or table.startswith("sqlite_"):
            continue
        for fk in conn.execute(f"PRAGMA foreign_key_list({_quote(table)})"):
            if fk[2] == "papers" and fk[4] in (None, "id"):
                found.setdefault(table, []).append(fk[3])
    return found


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _dependent_rows(conn: sqlite3.Connection, pid: int) -> dict[str, list[dict]]:
    """The rows of other tables that point at paper `pid`, with their rowids, as the trash keeps them."""
    saved: dict[str, list[dict]] = {}
    for table, columns in _paper_references(conn).items():
        where = " OR ".join(f"{_quote(c)} = ?" for c in columns)
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0] or ""
        rowid = "" if "WITHOUT ROWID" in sql.upper() else "rowid AS _rowid_, "
        rows = _rows(conn, f"SELECT {rowid}* FROM {_quote(table)} WHERE {where}", [pid] * len(columns))
        if rows:
            saved[table] = rows
    return saved


def _restore_dependents(conn: sqlite3.Connection, saved: dict[str, list[dict]], old: int, new: int) -> None:
    """Put back the rows `_dependent_rows` saved, pointing at the paper's id now. A row still there (its link was
    set to NULL) gets the link back; a row whose other references are gone meanwhile stays out."""
    references = _paper_references(conn)
    for table, rows in saved.items():
        columns = references.get(table)
        if not columns:
            continue  # the table went in a later version
        present = {r[1] for r in conn.execute(f"PRAGMA table_info({_quote(table)})")}
        for row in rows:
            rowid = row.pop("_rowid_", None)
            links = [c for c in columns if row.get(c) == old]
            for column in links:
                row[column] = new
            if rowid is not None and conn.execute(
                f"SELECT 1 FROM {_quote(table)} WHERE rowid = ?", (rowid,)
            ).fetchone():
                for column in links:
                    conn.execute(f"UPDATE {_quote(table)} SET {_quote(column)} = ? WHERE rowid = ? AND "
                                 f"{_quote(column)} IS NULL", (new, rowid))
                continue
            values = {k: v for k, v in row.items() if k in present}
            names = list(values)
            try:
                conn.execute(f"INSERT OR IGNORE INTO {_quote(table)}({', '.join(map(_quote, names))}) "
                             f"VALUES ({', '.join('?' * len(names))})", [values[n] for n in names])
            except sqlite3.IntegrityError:
                continue  # it pointed at something deleted meanwhile


def entries(library: Library) -> list[TrashEntry]:
    """What is in the trash, most recently deleted first."""
    result = []
    for trash_id, pid, deleted_at, paper, files, items, vectors in library.conn.execute(
        "SELECT t.id, t.paper_id, t.deleted_at, t.paper, t.files, t.list_items,"
        " (SELECT count(*) FROM trash_vectors v WHERE v.trash_id = t.id) FROM trash t ORDER BY t.id DESC"
    ):
        row = json.loads(paper)
        result.append(TrashEntry(trash_id, pid, deleted_at, row.get("title") or "", row.get("year"),
                                 len(json.loads(files)), int(vectors), len(json.loads(items))))
    return result


def restore(library: Library, paper_ids: Iterable[int]) -> dict[int, int]:
    """Bring papers back from the trash (the newest trash entry of each id), the last deleted first, so that
    each goes back to its place in its reading lists. Returns {old id: id now}: the same id unless another
    paper took it meanwhile. NotInTrash (nothing restored) for an id not in the trash."""
    ids = list(dict.fromkeys(int(i) for i in paper_ids))
    restored: dict[int, int] = {}
    with library.transaction() as conn:
        found = {}
        for pid in ids:
            row = conn.execute("SELECT id FROM trash WHERE paper_id = ? ORDER BY id DESC LIMIT 1", (pid,)).fetchone()
            if row is None:
                raise NotInTrash(f"paper {pid} is not in the trash")
            found[pid] = row[0]
        columns = {r[1] for r in conn.execute("PRAGMA table_info(papers)")}
        for pid, trash_id in sorted(found.items(), key=lambda item: -item[1]):
            restored[pid] = _restore_one(conn, trash_id, columns)
    return restored


def _restore_one(conn: sqlite3.Connection, trash_id: int, columns: set[str]) -> int:
    paper_json, files_json, items_json, members_json, log_json, dependents_json = conn.execute(
        "SELECT paper, files, list_items, cluster_members, import_log, dependents FROM trash WHERE id = ?",
        (trash_id,),
    ).fetchone()
    paper = {k: v for k, v in json.loads(paper_json).items() if k in columns}
    old_id = int(paper["id"])
    if conn.execute("SELECT 1 FROM papers WHERE id = ?", (paper["id"],)).fetchone():
        del paper["id"]  # the id was taken by a paper added since: a new one
    names = list(paper)
    cursor = conn.execute(
        f"INSERT INTO papers({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", [paper[n] for n in names]
    )
    pid = int(cursor.lastrowid)
    file_columns = {r[1] for r in conn.execute("PRAGMA table_info(files)")}
    for file in json.loads(files_json):
        file = {k: v for k, v in file.items() if k in file_columns}
        file["paper_id"] = pid
        if conn.execute("SELECT 1 FROM files WHERE id = ?", (file["id"],)).fetchone():
            del file["id"]
        keys = list(file)
        conn.execute(f"INSERT INTO files({', '.join(keys)}) VALUES ({', '.join('?' * len(keys))})",
                     [file[k] for k in keys])
    conn.execute(
        "INSERT INTO vectors(paper_id, model_id, dim, text_hash, vector)"
        " SELECT ?, model_id, dim, text_hash, vector FROM trash_vectors WHERE trash_id = ?",
        (pid, trash_id),
    )
    for item in json.loads(items_json):
        if conn.execute("SELECT 1 FROM reading_lists WHERE id = ?", (item["list_id"],)).fetchone() is None:
            continue  # the list was deleted meanwhile
        conn.execute("UPDATE reading_list_items SET position = position + 1 WHERE list_id = ? AND position >= ?",
                     (item["list_id"], item["position"]))
        conn.execute("INSERT INTO reading_list_items(list_id, paper_id, position, note) VALUES (?, ?, ?, ?)",
                     (item["list_id"], pid, item["position"], item["note"]))
        _renumber(conn, item["list_id"])
    for member in json.loads(members_json):
        if conn.execute("SELECT 1 FROM clusters WHERE id = ?", (member["cluster_id"],)).fetchone():
            conn.execute("INSERT OR IGNORE INTO cluster_members(cluster_id, paper_id, x, y) VALUES (?, ?, ?, ?)",
                         (member["cluster_id"], pid, member["x"], member["y"]))
    log_ids = json.loads(log_json)
    for start in range(0, len(log_ids), 500):
        chunk = log_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        conn.execute(f"UPDATE import_log SET paper_id = ? WHERE paper_id IS NULL AND id IN ({marks})", [pid, *chunk])
    _restore_dependents(conn, json.loads(dependents_json or "{}"), old_id, pid)
    conn.execute("DELETE FROM trash WHERE id = ?", (trash_id,))  # and its trash_vectors
    return pid


def empty(library: Library, *, older_than_days: float | None = None, paper_ids: Iterable[int] | None = None,
          now: _dt.datetime | None = None) -> int:
    """Delete for good what is in the trash (all of it, or what was deleted more than `older_than_days` ago, or
    the given papers). Returns how many papers were removed."""
    where, params = [], []
    if older_than_days is not None:
        cutoff = (now or _dt.datetime.now(_dt.UTC)) - _dt.timedelta(days=older_than_days)
        where.append("deleted_at < ?")
        params.append(cutoff.strftime("%Y-%m-%dT%H:%M:%SZ"))
    if paper_ids is not None:
        ids = [int(i) for i in paper_ids]
        where.append(f"paper_id IN ({','.join('?' * len(ids))})" if ids else "0")
        params.extend(ids)
    sql = "DELETE FROM trash" + (" WHERE " + " AND ".join(where) if where else "")
    with library.transaction() as conn:
        return conn.execute(sql, params).rowcount


def empty_expired(library: Library, *, now: _dt.datetime | None = None) -> int:
    """Empty what has been in the trash longer than the library's `trash_days` setting (default KEEP_DAYS)."""
    try:
        days = float(library.get_setting("trash_days", str(KEEP_DAYS)) or KEEP_DAYS)
    except ValueError:
        days = KEEP_DAYS
    return empty(library, older_than_days=days, now=now)


def in_trash(library: Library, paper_id: int) -> bool:
    return library.conn.execute("SELECT 1 FROM trash WHERE paper_id = ?", (paper_id,)).fetchone() is not None


def _renumber(conn: sqlite3.Connection, list_id: int) -> None:
    """Positions back to 0..n-1 in their current order (the lists module's invariant)."""
    order = [r[0] for r in conn.execute(
        "SELECT paper_id FROM reading_list_items WHERE list_id = ? ORDER BY position, rowid", (list_id,))]
    conn.executemany("UPDATE reading_list_items SET position = ? WHERE list_id = ? AND paper_id = ?",
                     [(i, list_id, pid) for i, pid in enumerate(order)])
