"""Citation links stored with papers (the works a paper cites, as "scheme:id"), for screening's citation signal."""

from __future__ import annotations

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
