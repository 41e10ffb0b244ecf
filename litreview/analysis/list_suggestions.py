""""More like this reading list": the library, and the works its papers cite that it lacks, ranked by the screening
Ranker with a reading list's papers as the inclusions and the suggestions the user dismissed for that list as the
exclusions (issue 18, item 4).

Candidates: every library paper, and every "missing" work (`citations.missing_works`: an external work the
library's papers cite that resolves to no library paper). A missing work has no abstract and no vector: it enters
by its title (TF-IDF) and its citation links (the papers citing it), so it is ranked in the same joint space as
the library's papers, and shown apart from them ("not in library").

The features are built once per library state (`library_state`: the papers, their edits, the references, the
external works, the links and the vectors), not per request: building them fits a TF-IDF over the whole library
(seconds for thousands of abstracts) while ranking from them is a fraction of that.

Dismissals are kept per list in the library's settings table (`list_dismissed:<list id>`, a JSON array of ids:
a paper id, or minus the external work id for a missing work): small, written in one transaction, and gone with
nothing else when a list is deleted."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from litreview.analysis.related import RelatedResult

__all__ = ["ListAnswer", "ListFeatures", "MissingSuggestion", "build_features", "dismiss", "dismissed",
           "library_state", "more_like_list"]

MAX_MISSING_WORKS = 20_000  # the most cited missing works that become candidates (bounds the features' size)


@dataclass(frozen=True)
class MissingSuggestion:
    """An external work the library lacks, suggested for a list; `work` is its `missing_works` item (what
    "Add as placeholder" needs)."""

    work_id: int
    score: float
    title: str
    year: int | None = None
    authors: tuple[str, ...] = ()
    cited_by: int = 0  # library papers citing it
    why: tuple[str, ...] = ()
    work: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def dismiss_id(self) -> int:
        """The id a dismissal of this suggestion is stored under."""
        return -self.work_id


@dataclass(frozen=True)
class ListAnswer:
    """The library's papers most like reading list `list_id`, best first (`why`: the terms that drove each score),
    and apart from them the missing works most like it."""

    list_id: int
    results: tuple[RelatedResult, ...] = ()
    missing: tuple[MissingSuggestion, ...] = ()


@dataclass
class ListFeatures:
    """The candidates of one library state: rows are library papers (id > 0) then missing works (-work id)."""

    ranker: Any  # analysis.screening.Ranker over the rows
    ids: list[int]
    works: dict[int, dict[str, Any]]  # work id -> its missing_works item

    def __post_init__(self) -> None:
        self.row_of = {p: i for i, p in enumerate(self.ids)}


def _key(list_id: int) -> str:
    return f"list_dismissed:{int(list_id)}"


def dismissed(library, list_id: int) -> list[int]:
    """The ids dismissed as suggestions for this list (oldest first): paper ids, and minus the external work id
    for a dismissed missing work."""
    try:
        value = json.loads(library.get_setting(_key(list_id)) or "[]")
    except ValueError:  # a damaged value: no dismissals rather than no suggestions
        return []
    return [int(p) for p in value if isinstance(p, int)]


def dismiss(library, list_id: int, ids: Iterable[int]) -> list[int]:
    """Dismiss these suggestions for the list (paper ids, or -work id); they rank as exclusions from now on.
    Returns all dismissed."""
    ids = list(dict.fromkeys([*dismissed(library, list_id), *(int(p) for p in ids)]))
    library.set_setting(_key(list_id), json.dumps(ids))
    return ids


def library_state(library, model_id: str | None, dim: int | None) -> tuple:
    """What the features depend on: equal states give equal features. Counts and maxima of the papers (and the
    latest edit and the texts' total length), the parsed references (and how many resolve), the external works,
    the OpenAlex links and the vectors of (model_id, dim)."""
    conn = library.conn
    return (
        conn.execute("PRAGMA database_list").fetchone()[2], model_id, dim,
        *conn.execute("SELECT count(*), max(id), max(updated_at), total(length(title)) + total(length(abstract))"
                      " FROM papers").fetchone(),
        *conn.execute("SELECT count(*), count(cited_paper_id), max(id) FROM paper_references").fetchone(),
        *conn.execute("SELECT count(*), max(id) FROM external_works").fetchone(),
        *conn.execute("SELECT count(*), total(length(cited_id)) FROM cited_works").fetchone(),
        *conn.execute("SELECT count(*), max(rowid) FROM vectors WHERE model_id = ? AND dim = ?",
                      (model_id or "", dim or 0)).fetchone(),
    )


def build_features(library, model_id: str | None, dim: int | None, *, isolated: bool = True) -> ListFeatures:
    """The Ranker over every library paper and the missing works (most cited first, at most MAX_MISSING_WORKS)."""
    from litreview.analysis.citations import missing_works
    from litreview.analysis.screening import Ranker
    from litreview.analysis.screening_eval import load_screening_data

    ids = [int(r[0]) for r in library.conn.execute("SELECT id FROM papers ORDER BY id")]
    works = missing_works(library.conn, min_citing=1, k=MAX_MISSING_WORKS)
    data = load_screening_data(library, ids, model_id=model_id, dim=dim, isolated=isolated, works=works)
    return ListFeatures(Ranker(data), [int(p) for p in data.paper_ids], {int(w["work_id"]): w for w in works})


_CACHE: dict[str, tuple[tuple, ListFeatures]] = {}  # "features" -> (library_state, the features): the latest kept


def _features(library, model_id: str | None, dim: int | None, isolated: bool) -> ListFeatures:
    state = library_state(library, model_id, dim)
    cached = _CACHE.get("features")
    if cached is not None and cached[0] == state:
        return cached[1]
    features = build_features(library, model_id, dim, isolated=isolated)
    _CACHE["features"] = (state, features)
    return features


def more_like_list(library, list_ref, *, k: int = 20, k_missing: int = 10, use_vectors: bool = True,
                   isolated: bool = True) -> ListAnswer:
    """Rank the library (less the list's papers and its dismissed suggestions) and the missing works with the
    list as positives: the best `k` papers and, apart, the best `k_missing` missing works."""
    from litreview.analysis.screening import EXCLUDE, INCLUDE
    from litreview.library.lists import ReadingLists

    lists = ReadingLists(library)
    list_id = lists.resolve(list_ref)
    members = [int(p) for p, *_ in lists.items(list_id)]
    model_id = library.get_setting("model_id") if use_vectors else None
    dim = int(library.get_setting("dim") or 0) or None
    features = _features(library, model_id, dim, isolated)
    row_of, ids = features.row_of, features.ids
    positives = [row_of[p] for p in members if p in row_of]
    if not positives:
        return ListAnswer(list_id)
    negatives = [row_of[p] for p in dismissed(library, list_id) if p in row_of and p not in members]
    ranker = features.ranker
    scores = ranker.scores(positives + negatives, [INCLUDE] * len(positives) + [EXCLUDE] * len(negatives))
    taken = set(positives) | set(negatives)
    open_rows = sorted((r for r in range(len(ids)) if r not in taken), key=lambda r: -scores[r])
    best = [r for r in open_rows if ids[r] > 0][:k]
    best_missing = [r for r in open_rows if ids[r] < 0][:k_missing]
    terms = ranker.driving_terms(best + best_missing, 5)
    titles = {int(r[0]): (r[1] or "", r[2]) for r in library.conn.execute(
        f"SELECT id, title, year FROM papers WHERE id IN ({','.join('?' * len(best))})", [ids[r] for r in best])}
    results = tuple(RelatedResult(ids[r], float(scores[r]), titles[ids[r]][0], titles[ids[r]][1], tuple(terms[r]))
                    for r in best)
    missing = []
    for r in best_missing:
        work = features.works[-ids[r]]
        missing.append(MissingSuggestion(
            int(work["work_id"]), float(scores[r]), work.get("title") or "(untitled)", work.get("year"),
            tuple(str(a) for a in work.get("authors") or ()), len(work.get("cited_by") or ()), tuple(terms[r]),
            work))
    return ListAnswer(list_id, results, tuple(missing))
