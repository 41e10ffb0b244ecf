"""Citation links stored with papers (the works a paper cites, as "scheme:id": OpenAlex's referenced_works), for
screening's citation signal, the citation graph and a record's reference list."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from litreview.library.db import Library


def add_cited(conn: sqlite3.Connection, paper_id: int, cited_ids: Iterable[str]) -> int:
    """Record that `paper_id` cites each of `cited_ids` (duplicates ignored). Call inside a transaction."""
    rows = [(paper_id, cited) for cited in dict.fromkeys(cited_ids) if cited]
    conn.executemany("INSERT OR IGNORE INTO cited_works (paper_id, cited_id) VALUES (?, ?)", rows)
    return len(rows)


def cited_by_paper(library: Library, paper_ids: Iterable[int] | None = None) -> dict[int, list[str]]:
    """paper id -> the ids of the works it cites (all papers with links when `paper_ids` is None)."""
    wanted = None if paper_ids is None else set(paper_ids)
    links: dict[int, list[str]] = {}
    for paper_id, cited in library.conn.execute("SELECT paper_id, cited_id FROM cited_works ORDER BY paper_id"):
        if wanted is None or paper_id in wanted:
            links.setdefault(int(paper_id), []).append(cited)
    return links


# The OpenAlex id in a paper's external_ids (NULL where they are not JSON): its citation links' id, less "openalex:"
_OPENALEX_ID = "CASE WHEN json_valid(external_ids) THEN json_extract(external_ids, '$.openalex') END"


def papers_by_link_id(conn: sqlite3.Connection) -> dict[str, int]:
    """Library papers by the id citation links name them with ("openalex:W2741809807" -> paper id)."""
    return _papers_named(conn, "")


def papers_named_by(conn: sqlite3.Connection, link_ids: Iterable[str]) -> dict[str, int]:
    """The library papers some of `link_ids` name ("openalex:W2741809807" -> paper id), found in one pass over
    the papers in SQLite: cheap enough for the GUI thread."""
    wanted = sorted({link_id.split(":", 1)[1] for link_id in link_ids if link_id.startswith("openalex:")})
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):  # SQLite's limit on parameters is far above; a long list, in parts
        chunk = wanted[start:start + 500]
        found.update(_papers_named(conn, f" AND key IN ({','.join('?' * len(chunk))})", chunk))
    return found


def _papers_named(conn: sqlite3.Connection, condition: str, params: Sequence[str] = ()) -> dict[str, int]:
    found: dict[str, int] = {}
    for paper_id, key in conn.execute(
        f"SELECT id, {_OPENALEX_ID} AS key FROM papers WHERE external_ids LIKE '%openalex%' AND key <> ''"
        f"{condition} ORDER BY id", params,
    ):
        found.setdefault(f"openalex:{key}", int(paper_id))
    return found


def link_id_of(conn: sqlite3.Connection, paper_id: int) -> str | None:
    """The id citation links name `paper_id` with, if it has one."""
    row = conn.execute(f"SELECT {_OPENALEX_ID} FROM papers WHERE id = ?", (paper_id,)).fetchone()
    return f"openalex:{row[0]}" if row and row[0] else None
