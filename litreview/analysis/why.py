"""Why two papers look related: the distinctive terms their texts share. Pure and cheap (no sklearn)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence

_WORD = re.compile(r"[^\W\d_][\w-]*[^\W_]|[^\W\d_]", re.UNICODE)

STOP_WORDS = frozenset(
    """a about above after again against all also although am among an and any are as at be because been before being
    below between both but by can could did do does doing down during each either et al few for from further had has
    have having he her here hers him his how however i if in into is it its itself just may me might more most much
    must my no nor not now of off on once only or other our ours out over own per rather same she should since so some
    such than that the their theirs them then there these they this those through thus to too under until up upon us
    very via was we were what when where whether which while who whom why will with within without would yet you your
    using used use based new show shows shown study studies paper results result approach method methods propose
    proposed present presents work two one three first second however here well also can data many different
    significant significantly compared including include includes provide provides among across found find findings
    analysis analyses associated related effect effects background conclusion conclusions objective objectives
    introduction abstract model models increase increased high higher low lower large small number time case""".split()
)


def terms(text: str) -> list[str]:
    """Lower-cased content words of at least three letters, without stop words; hyphenated words kept whole."""
    return [
        word
        for word in (match.group(0).lower() for match in _WORD.finditer(text or ""))
        if len(word) >= 3 and word not in STOP_WORDS
    ]


def common_terms(text_a: str, text_b: str) -> set[str]:
    return set(terms(text_a)) & set(terms(text_b))


def shared_terms(
    text_a: str,
    text_b: str,
    *,
    corpus: Sequence[str] = (),
    doc_freq: Mapping[str, int] | None = None,
    n_docs: int = 0,
    limit: int = 4,
) -> list[str]:
    """The terms both texts use, most distinctive first.

    A term scores by how often both texts use it, times its inverse document frequency: from `doc_freq` over
    `n_docs` documents when given (e.g. counts from the library's full-text index), else over `corpus` (e.g. the
    other candidate papers). So words every paper uses ("patients", "cells") rank below the ones that single
    this pair out. Ties go to longer words, then alphabetical order (deterministic).
    """
    counts_a, counts_b = Counter(terms(text_a)), Counter(terms(text_b))
    common = counts_a.keys() & counts_b.keys()
    if not common:
        return []
    if doc_freq is None:
        counted: Counter[str] = Counter()
        for document in corpus:
            counted.update(set(terms(document)) & common)
        doc_freq, n_docs = counted, len(corpus)

    def score(term: str) -> tuple[float, int, str]:
        idf = math.log((1 + n_docs) / (1 + doc_freq.get(term, 0))) + 1.0
        return (-(math.sqrt(counts_a[term] * counts_b[term]) * idf), -len(term), term)

    return sorted(common, key=score)[:limit]
