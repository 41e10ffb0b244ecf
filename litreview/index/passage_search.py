"""Passage search (issue 19): keyword (FTS5 BM25 over passages_fts), semantic (the passage ANN index) and
hybrid (the same weighted score fusion as paper search). Results carry paper, page (from 1) and the text.

The reference list is left out by default (a query would otherwise find the titles a paper cites); captions
are searched with the body.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from litreview.index.search import (
    FUSION_DEPTH,
    SEMANTIC_WEIGHT,
    QueryEmbedder,
    VectorSearcher,
    fts_query,
    weighted_score_fusion,
)
from litreview.library.db import Library
from litreview.library.passages import PassageRepository, StoredPassage

DEFAULT_KINDS = ("body", "caption")
COMMON_TERM_SHARE = 0.1  # a query term in more than this share of the passages is left out of keyword search
MIN_TERMS = 3
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
    """(passage id, -bm25) best first. Terms found in more than COMMON_TERM_SHARE of the passages are left
    out (BM25 gives them almost no weight, but each makes FTS5 score nearly every passage); the rarest
    MIN_TERMS stay whatever their frequency."""
    match = fts_query(_without_common_terms(library, query))
    if not match or k <= 0:
        return []
    marks = ",".join("?" * len(kinds))
    rows = library.conn.execute(
        "SELECT f.rowid, -bm25(passages_fts) AS score FROM passages_fts f JOIN passages p ON p.id = f.rowid "
        f"WHERE passages_fts MATCH ? AND p.kind IN ({marks}) ORDER BY bm25(passages_fts), f.rowid LIMIT ?",
        (match, *kinds, int(k)),
    ).fetchall()
    return [(int(pid), float(score)) for pid, score in rows]


def _without_common_terms(library: Library, query: str) -> str:
    terms = list(dict.fromkeys(word.lower() for word in _WORD.findall(query)))
    if len(terms) <= MIN_TERMS:
        return query
    total = int(library.conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0])
    marks = ",".join("?" * len(terms))
    try:
        frequency = dict(library.conn.execute(
            f"SELECT term, doc FROM passages_fts_vocab WHERE term IN ({marks})", terms
        ).fetchall())
    except sqlite3.OperationalError:  # a library from before the vocabulary table: search with every term
        return query
    by_rarity = sorted(terms, key=lambda term: frequency.get(term, 0))
    kept = [t for t in by_rarity if frequency.get(t, 0) <= COMMON_TERM_SHARE * total] or by_rarity[:MIN_TERMS]
    if len(kept) < MIN_TERMS:
        kept = by_rarity[:MIN_TERMS]
    return " ".join(kept)


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
    want = k if set(kinds) >= {"body", "caption", "references"} else 2 * k + 10
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
