""""More like this reading list": the library ranked by the screening Ranker with a reading list's papers as the
inclusions and the suggestions the user dismissed for that list as the exclusions (issue 18, item 4).

Dismissals are kept per list in the library's settings table (`list_dismissed:<list id>`, a JSON array of paper
ids): small, written in one transaction, and gone with nothing else when a list is deleted."""

from __future__ import annotations

import json
from collections.abc import Iterable

__all__ = ["ListAnswer", "dismiss", "dismissed", "more_like_list"]

from dataclasses import dataclass

from litreview.analysis.related import RelatedResult


@dataclass(frozen=True)
class ListAnswer:
    """The library's papers most like reading list `list_id`, best first; `why`: the terms that drove each score."""

    list_id: int
    results: tuple[RelatedResult, ...] = ()


def _key(list_id: int) -> str:
    return f"list_dismissed:{int(list_id)}"


def dismissed(library, list_id: int) -> list[int]:
    """The paper ids dismissed as suggestions for this list (oldest first)."""
    try:
        value = json.loads(library.get_setting(_key(list_id)) or "[]")
    except ValueError:  # a damaged value: no dismissals rather than no suggestions
        return []
    return [int(p) for p in value if isinstance(p, int)]


def dismiss(library, list_id: int, paper_ids: Iterable[int]) -> list[int]:
    """Dismiss these suggestions for the list (they rank as exclusions from now on); returns all dismissed."""
    ids = list(dict.fromkeys([*dismissed(library, list_id), *(int(p) for p in paper_ids)]))
    library.set_setting(_key(list_id), json.dumps(ids))
    return ids


def more_like_list(library, list_ref, *, k: int = 20, use_vectors: bool = True, isolated: bool = True) -> ListAnswer:
    """Rank the library (less the list's papers and its dismissed suggestions) with the list as positives."""
    from litreview.analysis.screening import EXCLUDE, INCLUDE, Ranker
    from litreview.analysis.screening_eval import load_screening_data
    from litreview.library.lists import ReadingLists

    lists = ReadingLists(library)
    list_id = lists.resolve(list_ref)
    members = [int(p) for p, *_ in lists.items(list_id)]
    ids = [int(r[0]) for r in library.conn.execute("SELECT id FROM papers ORDER BY id")]
    row_of = {p: i for i, p in enumerate(ids)}
    positives = [row_of[p] for p in members if p in row_of]
    if not positives:
        return ListAnswer(list_id)
    negatives = [row_of[p] for p in dismissed(library, list_id) if p in row_of and p not in members]
    model_id = library.get_setting("model_id") if use_vectors else None
    dim = int(library.get_setting("dim") or 0) or None
    ranker = Ranker(load_screening_data(library, ids, model_id=model_id, dim=dim, isolated=isolated))
    scores = ranker.scores(positives + negatives, [INCLUDE] * len(positives) + [EXCLUDE] * len(negatives))
    taken = set(positives) | set(negatives)
    best = sorted((r for r in range(len(ids)) if r not in taken), key=lambda r: -scores[r])[:k]
    terms = ranker.driving_terms(best, 5)
    titles = {int(r[0]): (r[1] or "", r[2]) for r in library.conn.execute(
        f"SELECT id, title, year FROM papers WHERE id IN ({','.join('?' * len(best))})", [ids[r] for r in best])}
    return ListAnswer(list_id, tuple(
        RelatedResult(ids[r], float(scores[r]), titles[ids[r]][0], titles[ids[r]][1], tuple(terms[r])) for r in best))
