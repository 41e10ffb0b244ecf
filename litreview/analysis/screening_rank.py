"""Ranking a screening project's undecided candidates: the one function the CLI (`screen next`) and the window's
screening view (on the worker) both call."""

from __future__ import annotations

__all__ = ["export_decisions", "rank_project", "rank_project_with_terms"]


_CACHE: dict[str, tuple] = {}  # "ranker" -> (its key, the Ranker, paper id -> row): one project's features, kept


def _ranker(library, ids: list[int], model_id: str | None, dim: int | None, isolated: bool = True):
    """The Ranker over these candidates' features, reused while the candidates and the vectors stay the same.

    Building the features (TF-IDF, vectors, citations) costs seconds for thousands of candidates, the scores a
    fraction of that: the screening view re-ranks after every decision over the same candidates. The key holds
    the library file, the candidates, the model and how many of its vectors and citation links there are, and the
    latest paper edit, so new vectors, links or edited abstracts rebuild it."""
    from litreview.analysis.screening import Ranker
    from litreview.analysis.screening_eval import load_screening_data

    conn = library.conn
    stamp = conn.execute("SELECT count(*), max(rowid) FROM vectors WHERE model_id = ? AND dim = ?",
                         (model_id or "", dim or 0)).fetchone()
    edited = conn.execute("SELECT max(updated_at) FROM papers").fetchone()[0]
    links = (conn.execute("SELECT count(*) FROM cited_works").fetchone()[0],
             *conn.execute("SELECT count(*), count(cited_paper_id), max(id) FROM paper_references").fetchone())
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    key = (path, tuple(ids), model_id, dim, tuple(stamp), edited, links)
    cached = _CACHE.get("ranker")
    if cached is not None and cached[0] == key:
        return cached[1], cached[2]
    # in a child process: fitting the vectorizer holds the GIL for a second on thousands of abstracts. The SVM's
    # modules are imported here, while the project opens, not at the first exclusion mid-screening: importing
    # scikit-learn's compiled modules holds the GIL in pieces of up to ~0.1 s (measured with a heartbeat thread)
    import sklearn.svm  # noqa: F401

    ranker = Ranker(load_screening_data(library, ids, model_id=model_id, dim=dim, isolated=isolated))
    row_of = {p: i for i, p in enumerate(ids)}
    _CACHE["ranker"] = (key, ranker, row_of)
    return ranker, row_of


def rank_project(library, project: int, *, use_vectors: bool = True, isolated: bool = True) -> list[tuple[int, float]]:
    """The project's undecided candidates, best first, with their scores (the ranker in analysis.screening).
    `isolated`: build the features in a child process (a GUI shares this one; the CLI need not)."""
    return rank_project_with_terms(library, project, use_vectors=use_vectors, top=0, isolated=isolated)[0]


def rank_project_with_terms(library, project: int, *, use_vectors: bool = True, top: int = 20, k: int = 8,
                            isolated: bool = True) -> tuple[list[tuple[int, float]], dict[int, list[str]]]:
    """`rank_project`'s ranking, and for its first `top` papers the `k` terms that drove each one's score."""
    import numpy as np

    from litreview.library.screening import candidates, current_decisions

    ids = candidates(library, project)
    model_id = library.get_setting("model_id") if use_vectors else None
    dim = int(library.get_setting("dim") or 0) or None
    ranker, row_of = _ranker(library, ids, model_id, dim, isolated)
    decisions = current_decisions(library, project)
    trained = [(row_of[p], int(d.decision == "include")) for p, d in decisions.items() if d.decision != "maybe"]
    scores = ranker.scores([r for r, _ in trained], [y for _, y in trained])
    # in numpy, not Python loops over the candidates: this runs after every decision on the worker thread, and
    # every millisecond of bytecode there is one the GUI thread may wait for the GIL
    undecided = np.ones(len(ids), dtype=bool)
    undecided[[row_of[p] for p in decisions]] = False
    rows = np.flatnonzero(undecided)
    rows = rows[np.argsort(-scores[rows], kind="stable")]  # ties: the candidates' order
    ranking = list(zip(np.asarray(ids, dtype=np.int64)[rows].tolist(), scores[rows].tolist(), strict=True))
    by_row = ranker.driving_terms(rows[:top].tolist(), k) if top else {}
    return ranking, {ranking[i][0]: by_row[int(r)] for i, r in enumerate(rows[:top])}


def export_decisions(library, project: int, fmt: str) -> bytes:
    """`csv`: every candidate with its decision (UTF-8 with BOM, for spreadsheets); `ris`/`bibtex`: the included."""
    from litreview.library import screening

    if fmt == "csv":
        return ("\ufeff" + screening.decisions_csv(library, project)).encode("utf-8")
    from litreview.export import export_papers
    from litreview.library.lists import load_papers

    ids = screening.decided_ids(library, project, "include")
    return export_papers(load_papers(library, ids=ids), fmt) if ids else b""
