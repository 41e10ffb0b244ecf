"""A paper's title, abstract and keywords in other languages than its own (issue #22).

The papers row keeps the paper in its own language; each translation printed with it (a SciELO article's English
title and abstract under the Portuguese ones) is one paper_translations row, searched by its own full-text
index and compared by title when duplicates are looked for.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from litreview.core.text import normalize_title

Translation = tuple[str, str, str]  # (field: "title" | "abstract" | "keywords", ISO 639-1 language, text)
FIELDS = ("title", "abstract", "keywords")


def store_translations(
    conn: sqlite3.Connection, paper_id: int, translations: Iterable[Translation], *, replace: bool = False
) -> bool:
    """Add `translations` to the paper; with `replace` a field and language it already has is overwritten, else
    kept. Returns whether anything changed."""
    changed = False
    for field, language, text in translations:
        text = (text or "").strip()
        if field not in FIELDS or not language or not text:
            continue
        key = normalize_title(text) if field == "title" else None
        row = conn.execute(
            "SELECT id, text FROM paper_translations WHERE paper_id = ? AND field = ? AND language = ?",
            (paper_id, field, language),
        ).fetchone()
        if row is None:
            conn.execute(
                "INSERT INTO paper_translations (paper_id, field, language, text, title_key) VALUES (?, ?, ?, ?, ?)",
                (paper_id, field, language, text, key),
            )
            changed = True
        elif replace and row[1] != text:
            conn.execute("UPDATE paper_translations SET text = ?, title_key = ? WHERE id = ?", (text, key, row[0]))
            changed = True
    return changed


def translations_of(conn: sqlite3.Connection, paper_ids: Sequence[int]) -> dict[int, tuple[Translation, ...]]:
    """Each paper's translations, in field then language order; papers without any are left out."""
    found: dict[int, list[Translation]] = {}
    ids = list(paper_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for paper_id, field, language, text in conn.execute(
            f"SELECT paper_id, field, language, text FROM paper_translations WHERE paper_id IN ({marks}) "
            "ORDER BY paper_id, CASE field WHEN 'title' THEN 0 WHEN 'abstract' THEN 1 ELSE 2 END, language",
            chunk,
        ):
            found.setdefault(int(paper_id), []).append((field, language, text))
    return {paper_id: tuple(items) for paper_id, items in found.items()}


def fields_in_language(conn: sqlite3.Connection, language: str) -> dict[int, tuple[str | None, str | None]]:
    """(title, abstract) in `language` for every paper that has one of them as a translation."""
    found: dict[int, list[str | None]] = {}
    for paper_id, field, text in conn.execute(
        "SELECT paper_id, field, text FROM paper_translations WHERE language = ? AND field IN ('title', 'abstract')",
        (language,),
    ):
        found.setdefault(int(paper_id), [None, None])[0 if field == "title" else 1] = text
    return {paper_id: (title, abstract) for paper_id, (title, abstract) in found.items()}


def papers_with_title_key(conn: sqlite3.Connection, prefix: str) -> list[tuple[int, str]]:
    """(paper id, normalised translated title) for translated titles starting with `prefix`."""
    return [
        (int(paper_id), key)
        for paper_id, key in conn.execute(
            "SELECT paper_id, title_key FROM paper_translations WHERE field = 'title' AND title_key >= ? "
            "AND title_key < ?",
            (prefix, prefix + "\uffff"),
        )
    ]


def translation_matches(conn: sqlite3.Connection, fts_match: str, k: int | None) -> list[tuple[int, float]]:
    """Papers whose translations match an FTS5 query: (paper id, -bm25 of its best translation)."""
    hits = conn.execute(
        "SELECT rowid, -bm25(paper_translations_fts) FROM paper_translations_fts WHERE paper_translations_fts MATCH ? "
        "ORDER BY bm25(paper_translations_fts), rowid LIMIT ?",
        (fts_match, -1 if k is None else 3 * int(k)),  # a paper may match by its title, abstract and keywords
    ).fetchall()
    best: dict[int, float] = {}
    for start in range(0, len(hits), 500):
        chunk = hits[start : start + 500]
        scores = dict(chunk)
        marks = ",".join("?" * len(chunk))
        for row_id, paper_id in conn.execute(
            f"SELECT id, paper_id FROM paper_translations WHERE id IN ({marks})", [row_id for row_id, _ in chunk]
        ):
            best[int(paper_id)] = max(float(scores[row_id]), best.get(int(paper_id), float("-inf")))
    return sorted(best.items(), key=lambda item: (-item[1], item[0]))[: None if k is None else int(k)]
