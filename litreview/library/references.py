"""Stored reference lists: each library paper's references, the external works they point to, and the
resumable reference-extraction step's queue.

Writes run inside the caller's transaction (`library.transaction()`), on the one writer thread.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from litreview.core.reference import Reference
from litreview.core.text import family_name, normalize_title
from litreview.library.citations import link_id_of, papers_named_by

FUZZY_SAME_WORK = 92  # rapidfuzz ratio of title keys that, with the same first surname, makes one work
MIN_PREFIX = 15  # a title key this long that starts the other's is the same title cut short (same author and year)

_COLUMNS = (
    "raw", "authors", "title", "venue", "year", "volume", "issue", "pages", "doi", "arxiv_id", "pmid", "url",
    "confidence",
)


def work_key(reference: Reference) -> str | None:
    """The key that names a work: DOI, arXiv id, PMID, else normalised title + first surname + year; None when
    the reference has too little to say which work it is."""
    if reference.doi:
        return f"doi:{reference.doi.lower()}"
    if reference.arxiv_id:
        return f"arxiv:{reference.arxiv_id.lower()}"
    if reference.pmid:
        return f"pmid:{reference.pmid}"
    title = _title_key(reference.title)
    if len(title) < 12:
        return None
    return f"t:{title}|{_surname(reference)}|{reference.year or ''}"


def _title_key(title: str | None) -> str:
    return normalize_title(title).replace(" ", "")


def _surname(reference: Reference) -> str:
    return family_name(reference.authors[0]) if reference.authors else ""


def _find_work(conn: sqlite3.Connection, reference: Reference) -> int | None:
    """The stored work this reference cites: the same DOI, arXiv id or PMID, else the same title with the same
    first surname or a year at most one apart (one paper prints the DOI, another does not: still one work)."""
    for column, value in (("doi", reference.doi), ("arxiv_id", reference.arxiv_id), ("pmid", reference.pmid)):
        if value:
            row = conn.execute(f"SELECT id FROM external_works WHERE {column} = ?", (value.lower(),)).fetchone()
            if row:
                return int(row[0])
    title = _title_key(reference.title)
    if len(title) < 12:
        return None
    surname = _surname(reference)
    if surname:
        # The same first author and year with a title read a little differently ("dsing" for "using"), or cut
        # short at a full stop inside it ("Ocimum sanctum Linn" for "Ocimum sanctum Linn. A reservoir plant").
        from rapidfuzz import fuzz

        for work_id, their_title, their_year in conn.execute(
            "SELECT id, title_key, year FROM external_works WHERE surname = ?", (surname,)
        ):
            near_year = not (reference.year and their_year) or abs(reference.year - their_year) <= 1
            shorter, longer = sorted((title, their_title), key=len)
            dated = bool(reference.year and their_year)
            cut_short = dated and len(shorter) >= MIN_PREFIX and longer.startswith(shorter)
            if near_year and (cut_short or fuzz.ratio(title, their_title) >= FUZZY_SAME_WORK):
                return int(work_id)
    for work_id, their_surname, their_year, doi in conn.execute(
        "SELECT id, surname, year, doi FROM external_works WHERE title_key = ?", (title,)
    ):
        if doi and reference.doi and doi != reference.doi.lower():
            continue
        same_author = bool(surname) and surname == their_surname
        near_year = bool(reference.year and their_year) and abs(reference.year - their_year) <= 1
        if same_author or near_year or not (surname and their_surname) and not (reference.year and their_year):
            return int(work_id)
    return None


def _work_id(conn: sqlite3.Connection, reference: Reference) -> int | None:
    key = work_key(reference)
    if key is None:
        return None
    found = _find_work(conn, reference)
    row = (found,) if found is not None else conn.execute(
        "SELECT id FROM external_works WHERE work_key = ?", (key,)
    ).fetchone()
    if row:
        title_key = _title_key(reference.title)
        stored = conn.execute("SELECT title_key FROM external_works WHERE id = ?", (row[0],)).fetchone()[0]
        if stored and len(title_key) > len(stored) and title_key.startswith(stored):  # the title cut short before
            conn.execute("UPDATE external_works SET title = ?, title_key = ? WHERE id = ?",
                         (reference.title, title_key, row[0]))
        # Fill what the first citation of the work lacked (a later one may carry the DOI or the venue).
        conn.execute(
            "UPDATE external_works SET title = coalesce(title, ?), venue = coalesce(venue, ?),"
            " year = coalesce(year, ?), doi = coalesce(doi, ?), arxiv_id = coalesce(arxiv_id, ?),"
            " pmid = coalesce(pmid, ?), title_key = CASE WHEN title_key = '' THEN ? ELSE title_key END,"
            " surname = CASE WHEN surname = '' THEN ? ELSE surname END,"
            " authors = CASE WHEN authors = '[]' THEN ? ELSE authors END WHERE id = ?",
            (reference.title, reference.venue, reference.year, _lower(reference.doi), _lower(reference.arxiv_id),
             reference.pmid, _title_key(reference.title), _surname(reference),
             json.dumps(list(reference.authors), ensure_ascii=False), row[0]),
        )
        return int(row[0])
    cursor = conn.execute(
        "INSERT INTO external_works (work_key, title_key, surname, title, authors, year, venue, doi, arxiv_id, pmid)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (key, _title_key(reference.title), _surname(reference), reference.title,
         json.dumps(list(reference.authors), ensure_ascii=False), reference.year, reference.venue,
         _lower(reference.doi), _lower(reference.arxiv_id), reference.pmid),
    )
    return int(cursor.lastrowid)


def _lower(value: str | None) -> str | None:
    return value.lower() if value else None


def store_references(conn: sqlite3.Connection, paper_id: int, references: Sequence[Reference]) -> int:
    """Replace `paper_id`'s reference list with `references` (re-running never duplicates) and mark its
    extraction done. Resolution to library papers is left to analysis.citations.resolve_references."""
    conn.execute("DELETE FROM paper_references WHERE paper_id = ?", (paper_id,))
    rows = []
    for position, reference in enumerate(references):
        values: list[Any] = [getattr(reference, column) for column in _COLUMNS]
        values[1] = json.dumps(list(reference.authors), ensure_ascii=False)
        rows.append((paper_id, position, *values, _work_id(conn, reference)))
    conn.executemany(
        f"INSERT INTO paper_references (paper_id, position, {', '.join(_COLUMNS)}, work_id)"
        f" VALUES (?, ?, {', '.join('?' for _ in _COLUMNS)}, ?)",
        rows,
    )
    conn.execute(
        "INSERT OR REPLACE INTO reference_jobs (paper_id, state, reason) VALUES (?, 'done', NULL)", (paper_id,)
    )
    return len(rows)


def mark_failed(conn: sqlite3.Connection, paper_id: int, reason: str) -> None:
    """Record that the paper's PDF could not be read for references (it is not retried until queued again)."""
    conn.execute(
        "INSERT OR REPLACE INTO reference_jobs (paper_id, state, reason) VALUES (?, 'failed', ?)", (paper_id, reason)
    )


def queue_missing(conn: sqlite3.Connection) -> int:
    """Queue every paper that has a PDF and no reference-extraction record yet; returns how many."""
    cursor = conn.execute(
        "INSERT OR IGNORE INTO reference_jobs (paper_id, state) SELECT DISTINCT paper_id, 'queued' FROM files"
        " WHERE paper_id IS NOT NULL AND lower(path) LIKE '%.pdf'"
    )
    return cursor.rowcount


def queued(conn: sqlite3.Connection) -> list[tuple[int, list[str]]]:
    """(paper id, its PDF paths) for every queued paper, oldest first."""
    found: dict[int, list[str]] = {}
    for paper_id, path in conn.execute(
        "SELECT j.paper_id, f.path FROM reference_jobs j JOIN files f ON f.paper_id = j.paper_id"
        " WHERE j.state = 'queued' AND lower(f.path) LIKE '%.pdf' ORDER BY j.paper_id, f.id"
    ):
        found.setdefault(paper_id, []).append(path)
    return list(found.items())


def _reference_dict(row: sqlite3.Row | tuple, names: Sequence[str]) -> dict[str, Any]:
    item = dict(zip(names, row, strict=True))
    item["authors"] = json.loads(item["authors"] or "[]")
    return item


_REFERENCE_FIELDS = ("position", "raw", "authors", "title", "venue", "year", "volume", "issue", "pages", "doi",
                     "arxiv_id", "pmid", "url", "confidence", "paper_id", "match_confidence", "work_id")


def references_of(conn: sqlite3.Connection, paper_id: int) -> list[dict[str, Any]]:
    """The paper's references in list order, each with the library paper it resolves to (`paper_id`, or None):
    its PDF's reference list, or where it has none its record's citation links (OpenAlex's referenced_works), a
    linked work in the library with that paper's title, authors and year."""
    cursor = conn.execute(
        "SELECT position, raw, authors, title, venue, year, volume, issue, pages, doi, arxiv_id, pmid, url,"
        " confidence, cited_paper_id AS paper_id, match_confidence, work_id FROM paper_references"
        " WHERE paper_id = ? ORDER BY position",
        (paper_id,),
    )
    return [_reference_dict(row, _REFERENCE_FIELDS) for row in cursor] or _linked_works(conn, paper_id)


def _linked_works(conn: sqlite3.Connection, paper_id: int) -> list[dict[str, Any]]:
    cited = [row[0] for row in conn.execute(
        "SELECT cited_id FROM cited_works WHERE paper_id = ? ORDER BY cited_id", (paper_id,))]
    in_library = papers_named_by(conn, cited) if cited else {}
    works = []
    for position, cited_id in enumerate(cited):
        work: dict[str, Any] = dict.fromkeys(_REFERENCE_FIELDS)
        work.update(position=position, raw=cited_id, authors=[], confidence=1.0)
        found = in_library.get(cited_id)
        row = found is not None and conn.execute(
            "SELECT title, authors, year, venue, doi FROM papers WHERE id = ?", (found,)).fetchone()
        if row:  # a paper of the library: shown by its title, authors and year
            title, authors, year, venue, doi = row
            work.update(raw=f"{title} ({cited_id})" if title else cited_id, title=title,
                        authors=json.loads(authors or "[]"), year=year, venue=venue, doi=doi, paper_id=found,
                        match_confidence=1.0)
        works.append(work)
    return works


def citing_papers(conn: sqlite3.Connection, paper_id: int) -> list[int]:
    """Library papers whose reference lists, or citation links, point to `paper_id`."""
    citing = {row[0] for row in conn.execute(
        "SELECT DISTINCT paper_id FROM paper_references WHERE cited_paper_id = ?", (paper_id,))}
    link_id = link_id_of(conn, paper_id)
    if link_id:
        citing.update(row[0] for row in conn.execute("SELECT paper_id FROM cited_works WHERE cited_id = ?",
                                                     (link_id,)))
    citing.discard(paper_id)
    return sorted(citing)
