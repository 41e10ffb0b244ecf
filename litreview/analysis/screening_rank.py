"""Ranking a screening project's undecided candidates: the one function the CLI (`screen next`) and the window's
screening view (on the worker) both call."""

from __future__ import annotations

__all__ = ["export_decisions", "rank_project"]


def rank_project(library, project: int, *, use_vectors: bool = True) -> list[tuple[int, float]]:
    """The project's undecided candidates, best first, with their scores (the ranker in analysis.screening)."""
    from litreview.analysis.screening import Ranker
    from litreview.analysis.screening_eval import load_screening_data
    from litreview.library.screening import candidates, current_decisions, labelled

    ids = candidates(library, project)
    model_id = library.get_setting("model_id") if use_vectors else None
    dim = int(library.get_setting("dim") or 0) or None
    data = load_screening_data(library, ids, model_id=model_id, dim=dim)
    row_of = {p: i for i, p in enumerate(ids)}
    decided_ids, labels = labelled(library, project)
    ranker = Ranker(data)
    scores = ranker.scores([row_of[p] for p in decided_ids], labels)
    decided = set(current_decisions(library, project))
    return sorted(((p, float(scores[row_of[p]])) for p in ids if p not in decided), key=lambda item: -item[1])


def export_decisions(library, project: int, fmt: str) -> bytes:
    """`csv`: every candidate with its decision (UTF-8 with BOM, for spreadsheets); `ris`/`bibtex`: the included."""
    from litreview.library import screening

    if fmt == "csv":
        return ("\ufeff" + screening.decisions_csv(library, project)).encode("utf-8")
    from litreview.export import export_papers
    from litreview.library.lists import load_papers

    ids = screening.decided_ids(library, project, "include")
    return export_papers(load_papers(library, ids=ids), fmt) if ids else b""
