"""Related work: the papers nearest to one paper in the serving model's vectors, fused with the library's citation
graph (bibliographic coupling and co-citation), each with the "why": the references both cite when they share
some, then the distinctive terms both use. One implementation for the GUI (a worker query) and the CLI's `related`.

Fusion rule (chosen by benchmarks/related.py on the SYNERGY reviews, see its docstring): score = cosine +
CITATION_WEIGHT * citation strength, where the strength (analysis.citations.CitationLink) is in [0, 1]. A paper
with no citation ties keeps its cosine, so a library without references ranks as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from litreview.core.ops import Services
from litreview.core.text import count_of
from litreview.library import settings
from litreview.library.db import Library

if TYPE_CHECKING:
    from litreview.analysis.citations import CitationGraph, CitationLink

CITATION_WEIGHT = 0.5  # benchmarks/related.py
CITATION_POOL = 5  # text neighbours fetched per wanted result before fusing, so citations can reorder them
SHARED_NAMED = 3  # shared references the "why" names


@dataclass(frozen=True)
class RelatedResult:
    """One paper similar to the query paper, with the distinctive terms both share."""

    paper_id: int
    score: float
    title: str
    year: int | None = None
    why: tuple[str, ...] = ()
    shared_references: tuple[str, ...] = ()  # titles of works both papers cite, the rarest first
    cocited_by: int = 0  # library papers citing both


@dataclass(frozen=True)
class RelatedAnswer:
    """The papers related to `paper_id`, best first, by the vectors of `model`."""

    paper_id: int
    results: tuple[RelatedResult, ...] = ()
    model: str = ""


@dataclass
class TermCounts:
    """How many papers use each word (from the full-text index), cached until the papers change."""

    library: Library
    doc_freq: dict[str, int] = field(default_factory=dict)
    papers: int | None = None

    def paper_count(self) -> int:
        if self.papers is None:
            self.papers = int(self.library.conn.execute("SELECT count(*) FROM papers").fetchone()[0])
        return self.papers

    def frequencies(self, words: set[str]) -> dict[str, int]:
        for word in words - self.doc_freq.keys():
            phrase = '"' + word.replace('"', '""') + '"'
            row = self.library.conn.execute("SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ?", (phrase,))
            self.doc_freq[word] = int(row.fetchone()[0])
        return {word: self.doc_freq[word] for word in words}


def explain(library: Library, paper_id: int, hits: list[tuple[int, float]], counts: TermCounts | None = None,
            links: Mapping[int, CitationLink] | None = None, graph: CitationGraph | None = None,
            ) -> tuple[RelatedResult, ...]:
    """The hits of `paper_id` as results with titles, years and the why: a citation between the two (from
    `graph`), the works both cite (from `links`), who cites both, then the distinctive terms both use; when none of
    these, that the texts are close in meaning."""
    from litreview.analysis.citations import work_titles
    from litreview.analysis.why import common_terms, shared_terms

    counts = counts or TermCounts(library)
    ids = [paper_id] + [pid for pid, _ in hits]
    placeholders = ",".join("?" * len(ids))
    rows = {
        row["id"]: row
        for row in library.query(f"SELECT id, title, year, abstract FROM papers WHERE id IN ({placeholders})", ids)
    }
    texts = {pid: f"{row.get('title') or ''} {row.get('abstract') or ''}" for pid, row in rows.items()}
    query_text = texts.get(paper_id, " ")
    wanted: set[str] = set()
    for pid, _ in hits:
        wanted |= common_terms(query_text, texts.get(pid, ""))
    doc_freq = counts.frequencies(wanted)
    n_docs = counts.paper_count()
    links = links or {}
    cites = graph.cited_papers(paper_id) if graph is not None else set()
    citing = graph.citing_papers(paper_id) if graph is not None else set()
    results = []
    for pid, score in hits:
        if pid not in rows:
            continue
        link = links.get(pid)
        shared = tuple(work_titles(library.conn, link.shared, SHARED_NAMED)) if link else ()
        cited_by = link.cocited_by if link else 0
        why = ["cited by this paper"] if pid in cites else []
        if pid in citing:
            why.append("cites this paper")
        why += [f"both cite: {title}" for title in shared]
        unnamed = len(link.shared) - len(shared) if link else 0  # works known by an identifier only, or beyond
        if unnamed:
            why.append(count_of(unnamed, 'more shared reference' if shared else 'shared reference'))
        if cited_by:
            why.append(f"cited together by {count_of(cited_by, 'library paper')}")
        why += shared_terms(query_text, texts[pid], doc_freq=doc_freq, n_docs=n_docs)
        if not why:
            why.append("similar in meaning; no distinctive terms in common")
        results.append(RelatedResult(paper_id=pid, score=score, title=rows[pid].get("title") or "(untitled)",
                                     year=rows[pid].get("year"), why=tuple(why), shared_references=shared,
                                     cocited_by=cited_by))
    return tuple(results)


def fuse(text: Mapping[int, float], links: Mapping[int, CitationLink], k: int,
         weight: float = CITATION_WEIGHT) -> list[tuple[int, float]]:
    """Top-k of cosine + weight * citation strength over the papers in `text` (a paper tied only by citations
    must be in `text` with its cosine, or 0.0 when it has no vector)."""
    fused = {pid: score + weight * (links[pid].strength if pid in links else 0.0) for pid, score in text.items()}
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]


def related_results(library: Library, index_service: object, paper_id: int, model_id: str, dim: int, k: int = 10,
                    *, graph: CitationGraph | None = None, counts: TermCounts | None = None,
                    ) -> tuple[RelatedResult, ...]:
    """Top-k papers related to `paper_id` by text and citations, explained (KeyError: no vector for the paper)."""
    from litreview.analysis.citations import CitationGraph
    from litreview.index.search import related_papers  # title-only papers compared like with like

    graph = graph if graph is not None else CitationGraph.load(library.conn)
    links = graph.links(paper_id)
    found = related_papers(library, index_service, paper_id, model_id, dim, k=k * CITATION_POOL if links else k)
    text = {int(pid): float(score) for pid, score in found}
    text.update(_cosines(library, paper_id, model_id, dim, [pid for pid in links if pid not in text]))
    hits = fuse(text, links, k) if links else list(text.items())[:k]
    return explain(library, paper_id, hits, counts, links, graph)


def _cosines(library: Library, paper_id: int, model_id: str, dim: int, others: list[int]) -> dict[int, float]:
    """Cosine of `paper_id`'s vector with each of `others` (0.0 for a paper without a vector)."""
    if not others:
        return {}
    import numpy as np

    from litreview.index.vectors import VectorStore

    store = VectorStore(library)
    _, mine = store.get(model_id, dim, [paper_id])
    ids, matrix = store.get(model_id, dim, others)
    scores = dict.fromkeys(others, 0.0)
    if len(mine) and len(ids):
        query = mine[0] / (np.linalg.norm(mine[0]) or 1.0)
        norms = np.linalg.norm(matrix, axis=1)
        norms[norms == 0] = 1.0
        scores.update(zip((int(p) for p in ids), (matrix @ query / norms).tolist(), strict=True))
    return scores


def find_related(services: Services, paper_id: int, k: int = 10) -> RelatedAnswer:
    """Top-k papers similar to `paper_id` with the terms they share (a worker query; the CLI calls it too).

    LookupError when nothing is embedded yet; KeyError when this paper has no vector for the serving model.
    """
    model = settings.serving_model(services.library)
    if model is None:
        raise LookupError("no embeddings yet: choose Library → Embed missing papers")
    from litreview.analysis.citations import CitationGraph

    counts = services.cached("related.term_counts", lambda: TermCounts(services.library))
    graph = services.cached("related.citation_graph", lambda: CitationGraph.load(services.library.conn))
    results = related_results(services.library, services.index(), paper_id, model[0], model[1], k=k, graph=graph,
                              counts=counts)
    return RelatedAnswer(paper_id, results, model=model[0])
