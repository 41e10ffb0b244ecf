"""Why two papers look related: the distinctive terms their texts share. Pure and cheap (no sklearn)."""

from __future__ import annotations

import functools
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
    introduction abstract model models increase increased high higher low lower large small number time case
    discussed discuss discusses discussion furthermore moreover therefore conducted conduct performed perform obtained
    observed observe reported report reports suggest suggests suggested demonstrate demonstrated demonstrates
    investigated investigate evaluated evaluate evaluation whereas respectively various several total overall
    important potential possible current recent recently previous previously identified identify determine determined
    included revealed reveal examined examine assessed assess showed indicate indicates indicated involved known less
    greater better good common commonly specific specifically main major role type types factor factors day days week
    weeks month months year years period during total mean range level levels further addition additional useful
    respect terms overall able following followed given via versus according due well need needs important
    furthermore herein thereby therein aim aims aimed purpose investigation evidence""".split()
)
# A term used by more than this share of the library's papers explains no particular match; applied from
# MIN_LIBRARY papers on (below that the document frequencies say too little).
MAX_DOC_SHARE = 0.05
MIN_LIBRARY = 40


def terms(text: str) -> list[str]:
    """Lower-cased content words of at least three letters, without stop words; hyphenated words kept whole."""
    return [
        word
        for word in (match.group(0).lower() for match in _WORD.finditer(text or ""))
        if len(word) >= 3 and word not in STOP_WORDS
    ]


def phrases(text: str) -> list[str]:
    """Two-word phrases of adjacent content words ("dark matter"); a stop word or punctuation breaks a phrase."""
    text = text or ""
    found: list[str] = []
    previous: str | None = None
    end = 0
    for match in _WORD.finditer(text):
        word = match.group(0).lower()
        content = len(word) >= 3 and word not in STOP_WORDS
        if content and previous is not None and not text[end : match.start()].strip():
            found.append(f"{previous} {word}")
        previous = word if content else None
        end = match.end()
    return found


@functools.lru_cache(maxsize=256)
def _counts(text: str) -> Counter[str]:
    """How often `text` uses each term and phrase; remembered (a related query over k hits counted its own text
    2k times and each hit's twice, and the selection comes back to the same papers). Read it, never change it."""
    return Counter(terms(text)) + Counter(phrases(text))


def common_terms(text_a: str, text_b: str) -> set[str]:
    """Words and two-word phrases both texts use (what shared_terms chooses from)."""
    return set(_counts(text_a)) & set(_counts(text_b))


def shared_terms(
    text_a: str,
    text_b: str,
    *,
    corpus: Sequence[str] = (),
    doc_freq: Mapping[str, int] | None = None,
    n_docs: int = 0,
    limit: int = 4,
) -> list[str]:
    """The terms (words and two-word phrases) both texts use, most distinctive first.

    A term scores by how often both texts use it, times its inverse document frequency: from `doc_freq` over
    `n_docs` documents when given (e.g. counts from the library's full-text index), else over `corpus` (e.g. the
    other candidate papers). Stop words (including the filler of scientific prose: "conducted", "furthermore")
    never count, and in a library of MIN_LIBRARY papers or more a term used by more than MAX_DOC_SHARE of them
    is left out: fewer terms rather than generic ones. A shared phrase stands for its words ("dark matter", not
    also "dark" and "matter"). Ties go to longer terms, then alphabetical order (deterministic).
    """
    counts_a, counts_b = _counts(text_a), _counts(text_b)
    common = counts_a.keys() & counts_b.keys()
    if not common:
        return []
    if doc_freq is None:
        counted: Counter[str] = Counter()
        for document in corpus:
            counted.update(set(_counts(document)) & common)
        doc_freq, n_docs = counted, len(corpus)
    if n_docs >= MIN_LIBRARY:
        common = {term for term in common if doc_freq.get(term, 0) <= MAX_DOC_SHARE * n_docs}

    def score(term: str) -> tuple[float, int, str]:
        idf = math.log((1 + n_docs) / (1 + doc_freq.get(term, 0))) + 1.0
        return (-(math.sqrt(counts_a[term] * counts_b[term]) * idf), -len(term), term)

    chosen: list[str] = []
    covered: set[str] = set()
    for term in sorted(common, key=score):
        words = term.split()
        if len(words) == 1 and term in covered:
            continue
        if len(words) == 2 and all(word in covered for word in words):
            continue
        chosen.append(term)
        covered.update(words)
        if len(chosen) == limit:
            break
    # A phrase chosen after one of its words makes that word redundant.
    in_phrases = {word for term in chosen if " " in term for word in term.split()}
    return [term for term in chosen if " " in term or term not in in_phrases]
