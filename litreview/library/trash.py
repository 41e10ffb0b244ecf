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
from collections.abc import Iterable
from dataclasses import dataclass

from litreview.library.db import Library
from litreview.library.dependents import dependent_rows, fetch_dicts, list_items, map_positions, put_back, renumber_list

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
            [paper] = fetch_dicts(conn, "SELECT * FROM papers WHERE id = ?", (pid,))
            files = fetch_dicts(conn, "SELECT * FROM files WHERE paper_id = ?", (pid,))
            items = list_items(conn, pid)
            for item in items:  # the position as if the papers were taken out one by one: restoring in reverse
                taken = removed_at.setdefault(item["list_id"], [])  # order then puts each back where it was
                original = item["position"]
                item["position"] = original - bisect.bisect_left(taken, original)
                bisect.insort(taken, original)
            members = map_positions(conn, pid)
            log_ids = [r[0] for r in conn.execute("SELECT id FROM import_log WHERE paper_id = ?", (pid,))]
            dependents = dependent_rows(conn, pid)
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
            renumber_list(conn, list_id)
    return ids


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
        renumber_list(conn, item["list_id"])
    for member in json.loads(members_json):
        if conn.execute("SELECT 1 FROM clusters WHERE id = ?", (member["cluster_id"],)).fetchone():
            conn.execute("INSERT OR IGNORE INTO cluster_members(cluster_id, paper_id, x, y) VALUES (?, ?, ?, ?)",
                         (member["cluster_id"], pid, member["x"], member["y"]))
    log_ids = json.loads(log_json)
    for start in range(0, len(log_ids), 500):
        chunk = log_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        conn.execute(f"UPDATE import_log SET paper_id = ? WHERE paper_id IS NULL AND id IN ({marks})", [pid, *chunk])
    put_back(conn, json.loads(dependents_json or "{}"), old_id, pid)
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
