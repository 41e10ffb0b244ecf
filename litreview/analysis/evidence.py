"""Evidence for a related pair (issue 19): the passages of two papers that match best, with their pages.

"Related" compares abstracts; this says where in the full texts the two papers meet: the closest passage pairs
by cosine of their stored vectors, each passage used once, body text and captions only (two papers citing the
same work would otherwise match on their reference lists).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from litreview.index.vectors import VectorStore
from litreview.library.db import Library
from litreview.library.passages import PassageRepository, StoredPassage

EVIDENCE_KINDS = ("body", "caption")


@dataclass(frozen=True)
class EvidencePair:
    """A passage of the selected paper, the passage of the related paper closest to it, and their cosine."""

    left: StoredPassage
    right: StoredPassage
    score: float

    def to_json(self) -> dict:
        return {
            "score": round(self.score, 6),
            "left": {"paper_id": self.left.paper_id, "page": self.left.page, "text": self.left.text},
            "right": {"paper_id": self.right.paper_id, "page": self.right.page, "text": self.right.text},
        }


def _passage_vectors(
    library: Library, paper_id: int, model_id: str, dim: int
) -> tuple[list[StoredPassage], np.ndarray]:
    passages = [p for p in PassageRepository(library).of_paper(paper_id) if p.kind in EVIDENCE_KINDS]
    store = VectorStore(library, table="passage_vectors", id_column="passage_id")
    ids, matrix = store.get(model_id, dim, [p.id for p in passages])
    by_id = {p.id: p for p in passages}
    return [by_id[int(i)] for i in ids.tolist()], matrix


def related_evidence(
    library: Library, paper_id: int, other_id: int, model_id: str, dim: int, pairs: int = 3
) -> list[EvidencePair]:
    """Up to `pairs` closest passage pairs between the two papers, best first; empty when either paper has no
    embedded passages for (model_id, dim)."""
    left, left_matrix = _passage_vectors(library, paper_id, model_id, dim)
    right, right_matrix = _passage_vectors(library, other_id, model_id, dim)
    if not left or not right or pairs <= 0:
        return []
    scores = left_matrix @ right_matrix.T
    chosen: list[EvidencePair] = []
    used_left: set[int] = set()
    used_right: set[int] = set()
    for flat in np.argsort(-scores, axis=None, kind="stable"):
        i, j = divmod(int(flat), scores.shape[1])
        if i in used_left or j in used_right:
            continue
        chosen.append(EvidencePair(left[i], right[j], float(scores[i, j])))
        used_left.add(i)
        used_right.add(j)
        if len(chosen) == pairs:
            break
    return chosen
