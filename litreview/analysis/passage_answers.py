"""Passage search as the window asks for it (issue 19): worker queries returning what the results panel and the
reader need (paper title, PDF path, page, text, boxes), so the GUI thread never reads passages itself."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litreview.core.ops import Services
from litreview.library.db import Library

Box = tuple[float, float, float, float]
_PASSAGE_INDEXES: weakref.WeakKeyDictionary[Library, Any] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class PassageResult:
    paper_id: int
    title: str
    pdf: str | None  # the paper's PDF, None when it has none on disk
    page: int  # from 1
    text: str
    boxes: tuple[Box, ...]
    score: float


@dataclass(frozen=True)
class PassageAnswer:
    query: str
    mode: str
    results: tuple[PassageResult, ...]


def paper_pdf(library: Library, paper_id: int) -> str | None:
    """The first PDF of the paper that exists on disk, or None."""
    rows = library.conn.execute("SELECT path FROM files WHERE paper_id = ? ORDER BY id", (paper_id,)).fetchall()
    for (path,) in rows:
        if str(path).lower().endswith(".pdf") and Path(path).is_file():
            return str(path)
    return None


def _passage_index(library: Library) -> Any:
    """One passage IndexService per worker library, so a query does not reload the hnswlib snapshot (it keeps
    itself in step with the stored vectors, so passages indexed since are found)."""
    from litreview.index.service import passage_index

    index = _PASSAGE_INDEXES.get(library)
    if index is None:
        index = _PASSAGE_INDEXES[library] = passage_index(library)
    return index


def answer_passage_search(services: Services, query: str, k: int = 50, mode: str = "hybrid") -> PassageAnswer:
    """The k best passages for `query` (a worker query). Without a usable model (not downloaded, a remote
    endpoint the user has not chosen here, no passage vectors yet) hybrid falls back to keywords."""
    from litreview.index.passage_search import search_passages

    library = services.library
    embedder = index = None
    if mode != "keyword":
        try:
            embedder = services.embedder()
            index = _passage_index(library)
        except Exception:  # noqa: BLE001 - hybrid still answers with its keyword half
            if mode == "semantic":
                raise
            mode = "keyword"
    hits = search_passages(library, index, embedder, query, k=k, mode=mode)
    titles = {int(pid): str(title or "") for pid, title in library.conn.execute(
        f"SELECT id, title FROM papers WHERE id IN ({','.join('?' * len(hits))})",
        [hit.passage.paper_id for hit in hits],
    )} if hits else {}
    pdfs: dict[int, str | None] = {}
    results = []
    for hit in hits:
        p = hit.passage
        if p.paper_id not in pdfs:
            pdfs[p.paper_id] = paper_pdf(library, p.paper_id)
        results.append(PassageResult(p.paper_id, titles.get(p.paper_id, ""), pdfs[p.paper_id], p.page, p.text,
                                     tuple(tuple(box) for box in p.boxes), hit.score))
    return PassageAnswer(query, mode, tuple(results))


def paper_first_page(services: Services, paper_id: int) -> tuple[str | None, int]:
    """(PDF path, 1) for "Open in reader" on a paper (a worker query)."""
    return paper_pdf(services.library, paper_id), 1


@dataclass(frozen=True)
class EvidenceAnswer:
    paper_id: int
    other_id: int
    pairs: tuple[tuple[PassageResult, PassageResult, float], ...]  # (selected paper's, related paper's, cosine)


def _evidence_model(library: Library) -> tuple[str, int] | None:
    """The (model, dim) of the passage vectors: the serving model's when it has passages, else the most used."""
    from litreview.library.settings import serving_model

    counts = {(str(m), int(d)): int(n) for m, d, n in library.conn.execute(
        "SELECT model_id, dim, count(*) FROM passage_vectors GROUP BY model_id, dim"
    )}
    serving = serving_model(library)
    if serving is not None and counts.get((serving[0], int(serving[1]))):
        return serving[0], int(serving[1])
    return max(counts, key=counts.__getitem__) if counts else None


def answer_evidence(services: Services, paper_id: int, other_id: int, pairs: int = 3) -> EvidenceAnswer:
    """The closest passage pairs of two papers with their pages (a worker query); empty when either paper has no
    embedded passages."""
    from litreview.analysis.evidence import related_evidence

    library = services.library
    model = _evidence_model(library)
    found = related_evidence(library, paper_id, other_id, model[0], model[1], pairs=pairs) if model else []
    titles = {int(pid): str(title or "") for pid, title in library.conn.execute(
        "SELECT id, title FROM papers WHERE id IN (?, ?)", (paper_id, other_id))}
    pdfs = {pid: paper_pdf(library, pid) for pid in (paper_id, other_id)}

    def result(p, score: float) -> PassageResult:
        return PassageResult(p.paper_id, titles.get(p.paper_id, ""), pdfs.get(p.paper_id), p.page, p.text,
                             tuple(tuple(box) for box in p.boxes), score)

    return EvidenceAnswer(paper_id, other_id,
                          tuple((result(e.left, e.score), result(e.right, e.score), e.score) for e in found))
