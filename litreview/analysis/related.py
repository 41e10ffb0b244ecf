"""Related work: the papers nearest to one paper in the serving model's vectors, each with the distinctive terms
the two share (the "why"). One implementation for the GUI (a worker query) and the CLI's `related`."""

from __future__ import annotations

from dataclasses import dataclass, field

from litreview.core.ops import Services
from litreview.library import settings
from litreview.library.db import Library


@dataclass(frozen=True)
class RelatedResult:
    """One paper similar to the query paper, with the distinctive terms both share."""

    paper_id: int
    score: float
    title: str
    year: int | None = None
    why: tuple[str, ...] = ()


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
            ) -> tuple[RelatedResult, ...]:
    """The hits of `paper_id` as results with titles, years and the distinctive terms each shares with it."""
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
    return tuple(
        RelatedResult(
            paper_id=pid,
            score=score,
            title=rows[pid].get("title") or "(untitled)",
            year=rows[pid].get("year"),
            why=tuple(shared_terms(query_text, texts[pid], doc_freq=doc_freq, n_docs=n_docs)),
        )
        for pid, score in hits
        if pid in rows
    )


def find_related(services: Services, paper_id: int, k: int = 10) -> RelatedAnswer:
    """Top-k papers similar to `paper_id` with the terms they share (a worker query; the CLI calls it too).

    LookupError when nothing is embedded yet; KeyError when this paper has no vector for the serving model.
    """
    model = settings.serving_model(services.library)
    if model is None:
        raise LookupError("no embeddings yet: import or embed papers first")
    from litreview.index.search import related_papers  # title-only papers compared like with like

    found = related_papers(services.library, services.index(), paper_id, model[0], model[1], k=k)
    hits = [(int(pid), float(score)) for pid, score in found]
    counts = services.cached("related.term_counts", lambda: TermCounts(services.library))
    return RelatedAnswer(paper_id, explain(services.library, paper_id, hits, counts), model=model[0])
