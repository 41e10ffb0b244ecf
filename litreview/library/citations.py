"""Citation links stored with papers (the works a paper cites, as "scheme:id": OpenAlex's referenced_works), for
screening's citation signal, the citation graph and a record's reference list."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

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


def papers_by_link_id(conn: sqlite3.Connection) -> dict[str, int]:
    """Library papers by the id citation links name them with ("openalex:W2741809807" -> paper id)."""
    found: dict[str, int] = {}
    for paper_id, external in conn.execute("SELECT id, external_ids FROM papers WHERE external_ids LIKE '%openalex%'"):
        key = _link_id(external)
        if key:
            found.setdefault(key, int(paper_id))
    return found


def papers_named_by(conn: sqlite3.Connection, link_ids: Iterable[str]) -> dict[str, int]:
    """The library papers some of `link_ids` name ("openalex:W2741809807" -> paper id): one pass over the papers
    in SQLite, cheap enough for the GUI thread where papers_by_link_id's JSON parsing of every paper is not."""
    wanted = sorted({link_id.split(":", 1)[1] for link_id in link_ids if link_id.startswith("openalex:")})
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):  # SQLite's limit on parameters is far above; a long list, in parts
        chunk = wanted[start:start + 500]
        for paper_id, key in conn.execute(
            "SELECT id, CASE WHEN json_valid(external_ids) THEN json_extract(external_ids, '$.openalex') END AS key"
            f" FROM papers WHERE external_ids LIKE '%openalex%' AND key IN ({','.join('?' * len(chunk))}) ORDER BY id",
            chunk,
        ):
            found.setdefault(f"openalex:{key}", int(paper_id))
    return found


def link_id_of(conn: sqlite3.Connection, paper_id: int) -> str | None:
    """The id citation links name `paper_id` with, if it has one."""
    row = conn.execute("SELECT external_ids FROM papers WHERE id = ?", (paper_id,)).fetchone()
    return _link_id(row[0]) if row else None


def _link_id(external_ids: str | None) -> str | None:
    try:
        key = json.loads(external_ids or "{}").get("openalex")
    except (ValueError, AttributeError):  # not a JSON object: no ids to match
        return None
    return f"openalex:{key}" if key else None
