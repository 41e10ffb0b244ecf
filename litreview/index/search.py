"""Search over a library: keyword (FTS5 BM25), semantic (the query embedded with the model's query prompt)
and hybrid (a fusion of both). Every function returns [(paper_id, score)], best first, higher is better;
`k=None` returns every match, and `count_matches` says how many there are (nothing is capped silently).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from litreview.core.ops import Services
from litreview.library.db import Library
from litreview.library.translations import translation_matches

if TYPE_CHECKING:
    import numpy as np

# How many candidates each side contributes to a hybrid fusion.
FUSION_DEPTH = 100
# Reciprocal-rank fusion constant (Cormack et al. 2009).
RRF_K = 60
# Weight of the semantic side in weighted score fusion.
SEMANTIC_WEIGHT = 0.5
# like_with_like: the group statistics come from this many nearest papers (all of a smaller library); groups
# smaller than MIN_GROUP give no scale. On SciFact with 20 % of abstracts removed (benchmarks/title_only.py),
# pools of 500 to 2,000 gave nDCG@10 0.637-0.640 against 0.636 unchanged; 100-200 over-corrected (0.626-0.631).
LIKE_WITH_LIKE_POOL = 1000
MIN_GROUP = 10

_WORD = re.compile(r"\w+", re.UNICODE)


class QueryEmbedder(Protocol):
    model_id: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


class VectorSearcher(Protocol):
    def search(self, model_id: str, dim: int, vector: np.ndarray, k: int = 10) -> list[tuple[int, float]]: ...


def fts_query(text: str) -> str:
    """User text as a safe FTS5 query: every word quoted (so no FTS5 syntax leaks through), OR-ed like a
    BM25 engine's match query. Empty when the text has no words."""
    terms = dict.fromkeys(word.lower() for word in _WORD.findall(text))
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)


def keyword_search(library: Library, query: str, k: int | None = 10) -> list[tuple[int, float]]:
    """FTS5 BM25 over titles, authors, abstracts, keywords and first pages, and over the titles, abstracts and
    keywords in other languages; score = -bm25() (higher is better). `k=None`: every paper that matches."""
    match = fts_query(query)
    if not match or (k is not None and k <= 0):
        return []
    rows = library.conn.execute(
        "SELECT rowid, -bm25(papers_fts) AS score FROM papers_fts WHERE papers_fts MATCH ? "
        "ORDER BY bm25(papers_fts), rowid LIMIT ?",
        (match, -1 if k is None else int(k)),
    ).fetchall()
    found = {int(pid): float(score) for pid, score in rows}
    # Titles, abstracts and keywords in the paper's other languages (issue #22): a paper's best match counts.
    for pid, score in translation_matches(library.conn, match, k):
        found[pid] = max(score, found.get(pid, score))
    return sorted(found.items(), key=lambda item: (-item[1], item[0]))[:k]


def keyword_match_count(library: Library, query: str) -> int:
    """How many papers the keyword query matches."""
    match = fts_query(query)
    if not match:
        return 0
    return int(library.conn.execute("SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ?", (match,)).fetchone()[0])


def embedded_count(library: Library, model_id: str, dim: int) -> int:
    """How many papers have a vector of this model: semantic search ranks every one of them."""
    row = library.conn.execute("SELECT count(*) FROM vectors WHERE model_id = ? AND dim = ?", (model_id, dim))
    return int(row.fetchone()[0])


def title_only_ids(library: Library) -> set[int]:
    """Papers embedded from a title alone (no abstract)."""
    rows = library.conn.execute("SELECT id FROM papers WHERE abstract IS NULL OR trim(abstract) = ''")
    return {int(row[0]) for row in rows}


def like_with_like(hits: Sequence[tuple[int, float]], title_only: set[int]) -> list[tuple[int, float]]:
    """Scores of title-only papers put on the scale of papers with an abstract, then re-sorted.

    A title alone is a short text, and short texts sit closer to a short query than a title with its abstract
    does: their cosines are not comparable, and a bare "Physics" outranks real matches. Each group's scores are
    standardised within the group (mean and spread over the hits given: the nearest LIKE_WITH_LIKE_POOL) and a
    title-only score is mapped onto the other group's mean and spread when that lowers it: title-only papers
    are down-weighted, never raised (next to a paper with an abstract, in `related`, their cosines are lower
    already). Scores of papers with an abstract are unchanged. With fewer than MIN_GROUP hits in either group
    there is no scale to compare, and the hits come back as they are.
    """
    import numpy as np

    full = np.array([score for pid, score in hits if pid not in title_only], dtype=np.float64)
    bare = np.array([score for pid, score in hits if pid in title_only], dtype=np.float64)
    if len(full) < MIN_GROUP or len(bare) < MIN_GROUP:
        return list(hits)
    spread = bare.std() or 1.0
    scale = full.std() / spread
    rescored = [(pid, min(score, float(full.mean() + (score - bare.mean()) * scale)) if pid in title_only else score)
                for pid, score in hits]  # fmt: skip
    return sorted(rescored, key=lambda item: (-item[1], item[0]))


def _pool_size(total: int, k: int | None) -> int:
    """How many nearest papers like_with_like takes its statistics from (at least k; all when k is None)."""
    if k is None:
        return total
    return min(total, max(k, LIKE_WITH_LIKE_POOL))


def semantic_search(
    library: Library, index_service: VectorSearcher, embedder: QueryEmbedder, query: str, k: int | None = 10
) -> list[tuple[int, float]]:
    """Nearest papers to the query embedded with the model's query prompt; score = cosine (title-only papers
    rescaled by like_with_like). `k=None`: all."""
    if not query.strip() or (k is not None and k <= 0):
        return []
    import numpy as np

    total = embedded_count(library, embedder.model_id, embedder.dim)
    vector = np.asarray(embedder.embed_queries([query]), dtype=np.float32)[0]
    title_only = title_only_ids(library)
    if not title_only:
        return index_service.search(embedder.model_id, embedder.dim, vector, total if k is None else k)
    hits = index_service.search(embedder.model_id, embedder.dim, vector, _pool_size(total, k))
    return like_with_like(hits, title_only)[:k]


def related_papers(
    library: Library, index_service: object, paper_id: int, model_id: str, dim: int, k: int = 10
) -> list[tuple[int, float]]:
    """IndexService.related with title-only papers compared like with like (see like_with_like)."""
    title_only = title_only_ids(library)
    if not title_only:
        return index_service.related(paper_id, model_id, dim, k=k)  # type: ignore[attr-defined]
    pool = _pool_size(embedded_count(library, model_id, dim), k)
    hits = index_service.related(paper_id, model_id, dim, k=pool)  # type: ignore[attr-defined]
    return like_with_like(hits, title_only)[:k]


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[tuple[int, float]]], k: int | None
) -> list[tuple[int, float]]:
    """Sum of 1 / (RRF_K + rank) over the rankings (rank from 1): uses only positions, never raw scores."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, (pid, _) in enumerate(ranking, start=1):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]  # [:None] keeps all


def weighted_score_fusion(
    keyword: Sequence[tuple[int, float]], semantic: Sequence[tuple[int, float]], k: int | None, weight: float
) -> list[tuple[int, float]]:
    """`weight` * min-max-normalised semantic score + (1 - weight) * normalised keyword score (0 when absent)."""

    def normalised(ranking: Sequence[tuple[int, float]]) -> dict[int, float]:
        if not ranking:
            return {}
        scores = [s for _, s in ranking]
        low, high = min(scores), max(scores)
        span = high - low
        return {pid: (s - low) / span if span > 0 else 1.0 for pid, s in ranking}

    kw, sem = normalised(keyword), normalised(semantic)
    fused = {pid: weight * sem.get(pid, 0.0) + (1 - weight) * kw.get(pid, 0.0) for pid in kw.keys() | sem.keys()}
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]  # [:None] keeps all


def hybrid_search(
    library: Library,
    index_service: VectorSearcher,
    embedder: QueryEmbedder,
    query: str,
    k: int | None = 10,
    *,
    fusion: str = "weighted",
) -> list[tuple[int, float]]:
    """Keyword and semantic candidates (at least 100 from each; every match when `k` is None) fused into one
    ranking.

    Weighted score fusion is the default because it won on SciFact (300 test queries, all-MiniLM-L6-v2 as
    embedded by sentence-transformers, FTS5 BM25): nDCG@10 keyword 0.669, semantic 0.645, RRF 0.688,
    weighted 0.715 at weight 0.5 (0.713 at 0.4, 0.711 at 0.6, 0.698 at 0.7, 0.710 at 0.3). RRF throws away how
    far apart the scores are; when one side is confident (a rare term matched by BM25, a near-paraphrase for
    the model) the normalised scores keep that, and the flat optimum around 0.5 means it is not over-tuned.
    `fusion="rrf"` stays available for comparison.
    """
    depth = None if k is None else max(k, FUSION_DEPTH)
    keyword = keyword_search(library, query, depth)
    semantic = semantic_search(library, index_service, embedder, query, depth)
    if fusion == "rrf":
        return reciprocal_rank_fusion([keyword, semantic], k)
    if fusion == "weighted":
        return weighted_score_fusion(keyword, semantic, k, SEMANTIC_WEIGHT)
    raise ValueError(f"unknown fusion {fusion!r} (weighted or rrf)")


SEARCH_MODES = ("keyword", "semantic", "hybrid")


def search(
    library: Library,
    index_service: VectorSearcher | None,
    embedder: QueryEmbedder | None,
    query: str,
    k: int | None = 10,
    mode: str = "hybrid",
) -> list[tuple[int, float]]:
    """Dispatch on `mode` (keyword, semantic or hybrid); semantic modes need an index service and an embedder.
    `k=None` returns every match."""
    if mode == "keyword":
        return keyword_search(library, query, k)
    if index_service is None or embedder is None:
        raise ValueError(f"{mode} search needs an embedding model")
    if mode == "semantic":
        return semantic_search(library, index_service, embedder, query, k)
    if mode == "hybrid":
        return hybrid_search(library, index_service, embedder, query, k)
    raise ValueError(f"unknown search mode {mode!r}")


@dataclass(frozen=True)
class SearchAnswer:
    """(paper_id, score) pairs, best first, the mode that answered (hybrid falls back to keyword) and how many
    papers match in all (`total`, at least len(hits): the GUI pages through them)."""

    query: str
    mode: str
    hits: tuple[tuple[int, float], ...] = ()
    total: int = 0


def answer_search(services: Services, query: str, mode: str, k: int = 50) -> SearchAnswer:
    """Search the library as the GUI asks (a worker query). A library whose remote model the user has not chosen
    in this app instance answers hybrid with keywords only (the answer says so) and refuses semantic."""
    if mode not in SEARCH_MODES:
        raise ValueError(f"unknown search mode {mode!r}")
    from litreview.embedding.loader import RemoteNotAllowed

    embedder = index = None
    if mode != "keyword":
        try:
            embedder = services.embedder()
            index = services.index()
        except RemoteNotAllowed:
            if mode == "semantic":  # only hybrid has a keyword half to answer with
                raise
            mode = "keyword"
    result = search_with_count(services.library, index, embedder, query, k, mode)
    hits = tuple((int(pid), float(score)) for pid, score in result.hits)
    return SearchAnswer(query, mode, hits, max(result.total, len(hits)))


@dataclass(frozen=True)
class SearchResult:
    """A page of hits and how many papers match in all (keyword: papers whose text matches; semantic and
    hybrid rank every embedded paper, plus keyword matches without a vector for hybrid)."""

    hits: list[tuple[int, float]]
    total: int


def count_matches(library: Library, embedder: QueryEmbedder | None, query: str, mode: str) -> int:
    """How many papers a search in `mode` ranks (see SearchResult)."""
    if not query.strip():
        return 0
    if mode == "keyword" or embedder is None:
        return keyword_match_count(library, query)
    embedded = embedded_count(library, embedder.model_id, embedder.dim)
    if mode == "semantic":
        return embedded
    match = fts_query(query)
    unembedded_matches = library.conn.execute(
        "SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ? AND rowid NOT IN "
        "(SELECT paper_id FROM vectors WHERE model_id = ? AND dim = ?)",
        (match, embedder.model_id, embedder.dim),
    ).fetchone()[0] if match else 0  # fmt: skip
    return embedded + int(unembedded_matches)


def search_with_count(
    library: Library,
    index_service: VectorSearcher | None,
    embedder: QueryEmbedder | None,
    query: str,
    k: int | None = 10,
    mode: str = "hybrid",
) -> SearchResult:
    """`search` and `count_matches` together: the best `k` hits (all when None) and the number of matches."""
    hits = search(library, index_service, embedder, query, k, mode)
    total = len(hits) if k is None else max(len(hits), count_matches(library, embedder, query, mode))
    return SearchResult(hits, total)
