"""The rows that point at a paper, found generically: what the trash keeps of a deleted paper and a merge moves to
the kept one, besides the tables they handle by name (files, vectors, reading-list items, map positions...).

Any table with a foreign key to papers(id) (notes, references, screening decisions, Zotero links, passages, and
tables later versions add) is found through SQLite's own schema, so neither module needs to know it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

# Tables the trash and merges save and restore by name; every other table with a foreign key to papers is found by
# paper_references.
HANDLED = {"papers", "files", "vectors", "reading_list_items", "cluster_members", "import_log", "jobs", "trash",
           "trash_vectors"}


def quote(name: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def fetch_dicts(conn: sqlite3.Connection, sql: str, params: Sequence[object]) -> list[dict]:
    """The rows of a query as {column: value} dicts."""
    cursor = conn.execute(sql, params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def list_items(conn: sqlite3.Connection, pid: int) -> list[dict]:
    """The paper's reading-list items (list_id, position, note)."""
    return fetch_dicts(conn, "SELECT list_id, position, note FROM reading_list_items WHERE paper_id = ?", (pid,))


def map_positions(conn: sqlite3.Connection, pid: int) -> list[dict]:
    """The paper's places on the map (cluster_id, x, y)."""
    return fetch_dicts(conn, "SELECT cluster_id, x, y FROM cluster_members WHERE paper_id = ?", (pid,))


def paper_references(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """{table: [columns that reference papers(id)]} for the tables not HANDLED by name."""
    found: dict[str, list[str]] = {}
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE '%VIRTUAL%'"):
        if table in HANDLED or table.startswith("sqlite_"):
            continue
        for fk in conn.execute(f"PRAGMA foreign_key_list({quote(table)})"):
            if fk[2] == "papers" and fk[4] in (None, "id"):
                found.setdefault(table, []).append(fk[3])
    return found


def dependent_rows(conn: sqlite3.Connection, pid: int) -> dict[str, list[dict]]:
    """The rows of other tables that point at paper `pid`, with their rowids (`_rowid_`, where the table has them)."""
    saved: dict[str, list[dict]] = {}
    for table, columns in paper_references(conn).items():
        where = " OR ".join(f"{quote(c)} = ?" for c in columns)
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0] or ""
        rowid = "" if "WITHOUT ROWID" in sql.upper() else "rowid AS _rowid_, "
        rows = fetch_dicts(conn, f"SELECT {rowid}* FROM {quote(table)} WHERE {where}", [pid] * len(columns))
        if rows:
            saved[table] = rows
    return saved


def put_back(
    conn: sqlite3.Connection, saved: dict[str, list[dict]], old: int, new: int, *, linked_now: int | None = None,
    before_insert: Callable[[str, dict[str, Any], list[str]], None] | None = None,
) -> None:
    """Put back the rows `dependent_rows` saved when they pointed at paper `old`, pointing at paper `new` now.

    A row still there gets its links back where they are `linked_now` (None: set to NULL when the paper went; else
    the paper they were moved to). A row gone is inserted again (`before_insert(table, values, links)` is called
    first for a row of a WITHOUT ROWID table, with its saved values); a row whose other references are gone
    meanwhile stays out, and so does a row of a table a later version dropped."""
    references = paper_references(conn)
    for table, rows in saved.items():
        columns = references.get(table)
        if not columns:
            continue  # the table went in a later version
        present = {r[1] for r in conn.execute(f"PRAGMA table_info({quote(table)})")}
        for row in rows:
            rowid = row.pop("_rowid_", None)
            links = [c for c in columns if row.get(c) == old]
            if rowid is not None and conn.execute(
                f"SELECT 1 FROM {quote(table)} WHERE rowid = ?", (rowid,)
            ).fetchone():
                for column in links:
                    conn.execute(f"UPDATE {quote(table)} SET {quote(column)} = ? WHERE rowid = ? AND "
                                 f"{quote(column)} IS ?", (new, rowid, linked_now))
                continue
            values = {k: v for k, v in row.items() if k in present}
            if rowid is None and before_insert is not None:
                before_insert(table, values, links)
            for column in links:
                values[column] = new
            names = list(values)
            try:
                conn.execute(f"INSERT OR IGNORE INTO {quote(table)}({', '.join(map(quote, names))}) "
                             f"VALUES ({', '.join('?' * len(names))})", [values[n] for n in names])
            except sqlite3.IntegrityError:
                continue  # it pointed at something deleted meanwhile


def renumber_list(conn: sqlite3.Connection, list_id: int) -> None:
    """A reading list's positions back to 0..n-1 in their current order (the lists module's invariant)."""
    order = [r[0] for r in conn.execute(
        "SELECT paper_id FROM reading_list_items WHERE list_id = ? ORDER BY position, rowid", (list_id,))]
    conn.executemany("UPDATE reading_list_items SET position = ? WHERE list_id = ? AND paper_id = ?",
                     [(i, list_id, pid) for i, pid in enumerate(order)])
