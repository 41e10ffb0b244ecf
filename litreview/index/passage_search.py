"""Passage search (issue 19): keyword (FTS5 BM25 over passages_fts), semantic (the passage ANN index) and
hybrid (the same weighted score fusion as paper search). Results carry paper, page (from 1) and the text.

The reference list is left out by default (a query would otherwise find the titles a paper cites); captions
are searched with the body.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from litreview.index.search import (
    FUSION_DEPTH,
    SEMANTIC_WEIGHT,
    QueryEmbedder,
    VectorSearcher,
    weighted_score_fusion,
)
from litreview.ingest.pdf.passages import KINDS
from litreview.library.db import Library
from litreview.library.passages import PassageRepository, StoredPassage

DEFAULT_KINDS = ("body", "caption")
COMMON_TERM_SHARE = 0.1  # a query term in more than this share of the passages is left out of keyword search
MIN_TERMS = 3
# Keyword search ranks at most about this many passages (BM25 is computed for every match before the LIMIT:
# about 2-4 us each on 2 cores, so this bounds the keyword half of a query at some 5-10 ms at any size).
POSTINGS_BUDGET = 2500
AND_BUDGET = 8 * POSTINGS_BUDGET  # postings read to weigh the words of a query of common words only
FREQUENCY_CACHE_TERMS = 50_000
_FREQUENCIES: weakref.WeakKeyDictionary[Library, tuple[tuple[int, int], dict[str, int]]] = (
    weakref.WeakKeyDictionary()
)
_WORD = re.compile(r"\w+", re.UNICODE)
PASSAGE_MODES = ("keyword", "semantic", "hybrid")


@dataclass(frozen=True)
class PassageHit:
    passage: StoredPassage
    score: float

    def to_json(self) -> dict:
        """The `litreview search --passages --json` object."""
        return {
            "paper_id": self.passage.paper_id,
            "page": self.passage.page,
            "text": self.passage.text,
            "score": round(self.score, 6),
        }


def passage_keyword_search(
    library: Library, query: str, k: int = 10, kinds: Sequence[str] = DEFAULT_KINDS
) -> list[tuple[int, float]]:
    """(passage id, -bm25) best first, from FTS5 over at most about POSTINGS_BUDGET matching passages
    (see keyword_plan for which words that keeps). The kind filter is applied to the ranked ids, fetching more
    when it removes too many, so no match is joined to its passage row before the LIMIT."""
    plan = keyword_plan(library, query)
    if plan is None or k <= 0:
        return []
    if set(kinds) >= set(KINDS):
        return _ranked(library.conn, plan, k)
    fetch = k + k // 2 + 10
    while True:
        ranked = _ranked(library.conn, plan, fetch)
        allowed = _kinds_of(library, [pid for pid, _ in ranked])
        kept = [(pid, score) for pid, score in ranked if allowed.get(pid) in kinds]
        if len(kept) >= k or len(ranked) < fetch:
            return kept[:k]
        fetch *= 4


@dataclass(frozen=True)
class KeywordPlan:
    """The FTS5 query passage search runs: `match`, and `recent` when only the newest that many of its
    matches are ranked (a query of nothing but very common words)."""

    match: str
    recent: int | None = None


def keyword_plan(library: Library, query: str) -> KeywordPlan | None:
    """Which of the query's words passage keyword search ranks by, so that BM25 touches a bounded number of
    passages whatever the library's size: FTS5 computes bm25() for every match before ORDER BY ... LIMIT, and
    reads the whole posting list of every word in the query to weigh it.

    Each word's document frequency is counted up to AND_BUDGET + 1 (an FTS5 count that stops there). Kept,
    rarest first and OR-ed: the words in at most COMMON_TERM_SHARE of the passages (BM25 gives the others
    almost no weight), topped up to MIN_TERMS with the next rarest, as long as the kept words' passages add
    up to at most POSTINGS_BUDGET. When even the rarest word is in more passages than that (a query of common
    words only), the passages holding all of its rarest words (as many as add up to AND_BUDGET postings, at
    least one) are ranked, the newest POSTINGS_BUDGET of them when there are more. None when the query has
    no words."""
    terms = list(dict.fromkeys(word.lower() for word in _WORD.findall(query)))
    if not terms:
        return None
    conn = library.conn
    frequency = _frequencies(library, terms)
    by_rarity = sorted(terms, key=lambda term: (frequency[term], terms.index(term)))
    total = int(conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0])
    kept: list[str] = []
    postings = 0
    for term in by_rarity:
        common = frequency[term] > COMMON_TERM_SHARE * total and len(kept) >= MIN_TERMS
        if common or postings + frequency[term] > POSTINGS_BUDGET:
            break
        kept.append(term)
        postings += frequency[term]
    if kept:
        return KeywordPlan(_or_query(kept))
    together = [by_rarity[0]]
    postings = frequency[by_rarity[0]]
    for term in by_rarity[1:]:
        if postings + frequency[term] > AND_BUDGET:
            break
        together.append(term)
        postings += frequency[term]
    while True:
        match = " AND ".join(_quoted(term) for term in together)
        found = _capped_frequency(conn, match, POSTINGS_BUDGET + 1)
        if found or len(together) == 1:
            return KeywordPlan(match, POSTINGS_BUDGET if found > POSTINGS_BUDGET else None)
        together.pop()  # no passage holds them all: one word fewer


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _or_query(terms: Sequence[str]) -> str:
    return " OR ".join(_quoted(term) for term in terms)


def _frequencies(library: Library, terms: Sequence[str]) -> dict[str, int]:
    """Each term's passage count up to AND_BUDGET + 1, remembered until the library changes (the common words
    of a library come back in query after query and are the costly ones to count)."""
    conn = library.conn
    generation = (conn.total_changes, int(conn.execute("PRAGMA data_version").fetchone()[0]))
    known_generation, known = _FREQUENCIES.get(library, (None, {}))
    if known_generation != generation or len(known) > FREQUENCY_CACHE_TERMS:
        known = {}
        _FREQUENCIES[library] = (generation, known)
    for term in terms:
        if term not in known:
            known[term] = _capped_frequency(conn, _quoted(term), AND_BUDGET + 1)
    return {term: known[term] for term in terms}


def _capped_frequency(conn: sqlite3.Connection, match: str, cap: int) -> int:
    """How many passages the FTS5 query `match` finds, counted up to `cap`."""
    return int(conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM passages_fts WHERE passages_fts MATCH ? LIMIT ?)", (match, cap)
    ).fetchone()[0])


def _ranked(conn: sqlite3.Connection, plan: KeywordPlan, k: int) -> list[tuple[int, float]]:
    """The plan's k best passages by BM25 as (id, -bm25), ties by id; no join, so FTS5 only scores."""
    if plan.recent is None:
        sql = ("SELECT rowid, bm25(passages_fts) AS rank_ FROM passages_fts WHERE passages_fts MATCH ? "
               "ORDER BY rank_, rowid LIMIT ?")
        rows = conn.execute(sql, (plan.match, int(k))).fetchall()
    else:
        sql = ("SELECT id, rank_ FROM (SELECT rowid AS id, bm25(passages_fts) AS rank_ FROM passages_fts "
               "WHERE passages_fts MATCH ? ORDER BY rowid DESC LIMIT ?) ORDER BY rank_, id LIMIT ?")
        rows = conn.execute(sql, (plan.match, plan.recent, int(k))).fetchall()
    return [(int(pid), -float(rank)) for pid, rank in rows]


def passage_semantic_search(
    library: Library,
    index: VectorSearcher,
    embedder: QueryEmbedder,
    query: str,
    k: int = 10,
    kinds: Sequence[str] = DEFAULT_KINDS,
    *,
    vector: np.ndarray | None = None,
) -> list[tuple[int, float]]:
    """(passage id, cosine) best first; `vector` is the query already embedded."""
    if (not query.strip() and vector is None) or k <= 0:
        return []
    if vector is None:
        vector = np.asarray(embedder.embed_queries([query]), dtype=np.float32)[0]
    want = k if set(kinds) >= set(KINDS) else 2 * k + 10
    hits = index.search(embedder.model_id, embedder.dim, vector, want)
    allowed = _kinds_of(library, [pid for pid, _ in hits])
    return [(pid, score) for pid, score in hits if allowed.get(pid) in kinds][:k]


def _kinds_of(library: Library, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    return {int(i): str(kind) for i, kind in library.conn.execute(
        f"SELECT id, kind FROM passages WHERE id IN ({marks})", ids
    )}


def search_passages(
    library: Library,
    index: VectorSearcher | None,
    embedder: QueryEmbedder | None,
    query: str,
    k: int = 10,
    mode: str = "hybrid",
    kinds: Sequence[str] = DEFAULT_KINDS,
    *,
    vector: np.ndarray | None = None,
) -> list[PassageHit]:
    """The k best passages for `query` in `mode` (keyword, semantic or hybrid), the best one per page;
    `vector` is the query
    already embedded (the embedder is then not called). Text copied from a PDF is NFKC-normalised first,
    as the passages are (ligatures such as "ﬁ" become "fi")."""
    if mode not in PASSAGE_MODES:
        raise ValueError(f"unknown search mode {mode!r}")
    query = unicodedata.normalize("NFKC", query)
    want = 3 * k + 10  # passages of one page (overlapping neighbours) collapse into one hit
    if mode == "keyword":
        ranking = passage_keyword_search(library, query, want, kinds)
    elif index is None or embedder is None:
        raise ValueError(f"{mode} passage search needs an embedding model")
    elif mode == "semantic":
        ranking = passage_semantic_search(library, index, embedder, query, want, kinds, vector=vector)
    else:
        depth = max(want, FUSION_DEPTH)
        keyword = passage_keyword_search(library, query, depth, kinds)
        semantic = passage_semantic_search(library, index, embedder, query, depth, kinds, vector=vector)
        ranking = weighted_score_fusion(keyword, semantic, want, SEMANTIC_WEIGHT)
    stored = PassageRepository(library).get([pid for pid, _ in ranking])
    hits: list[PassageHit] = []
    pages: set[tuple[int, int]] = set()
    for pid, score in ranking:
        passage = stored.get(pid)
        if passage is None or (passage.paper_id, passage.page) in pages:
            continue
        pages.add((passage.paper_id, passage.page))
        hits.append(PassageHit(passage, score))
        if len(hits) == k:
            break
    return hits
