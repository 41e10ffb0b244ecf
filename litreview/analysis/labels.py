"""Readable cluster labels: each cluster's most distinctive terms by class-based TF-IDF (as in BERTopic),
weighted by how specific each term is to its cluster.

All the documents of one cluster are treated as one long document; a term scores high when it is frequent in
that cluster and rare in the others (c-TF-IDF), times the share of the term's uses that fall in this cluster, so
that a word many clusters use ("cells" in a biomedical library) leads none of them. Stop words of the main
languages of the literature are never terms (scikit-learn's English list, the stop-words package's German,
French, Spanish, Portuguese, Italian and Dutch lists, and words every abstract uses); a frequent phrase replaces
its words; and no two labels start with the same term. Runs on the worker thread; scikit-learn and the
stop-word lists are imported inside the functions.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

LABEL_SEPARATOR = " · "
FALLBACK_LABEL = "papers without text"

STOP_WORD_LANGUAGES = ("de", "fr", "es", "pt", "it", "nl")
"""Besides English: the languages whose stop words are never label terms (the stop-words package's lists)."""
ENGLISH_HOMOGRAPHS = frozenset(
    """anterior car chi dice era fine force men met mir novo pendant point primer quasi sea ser sin soy sub tal usa
    van war""".split()
)
"""Stop words of those languages that are English topic words too (miR, CAR T cells, de novo, van der Waals)."""
ACADEMIC_STOP_WORDS = frozenset(
    """
    abstract address addressed addresses al approach approaches article based case cases consider considered
    demonstrate demonstrates denote denoted denotes describe described different effect effects et establish
    extensive find finally give given introduce introduced investigate investigated let method methods new novel
    obtain obtained paper present presented problem problems prove proposed propose proposes provide provides
    recent recently result results show showed shown shows study studied studies use used uses using work works
    """.split()
)
# TeX in abstracts (inline math, control words: "$\\mathcal{O}(n)$", "\\emph") and web addresses make no topic words.
_TEX = re.compile(r"\$[^$]*\$|\\[A-Za-z]+|\b(?:https?://|www\.)\S+")
PHRASE_SHARE = 0.6
"""A bigram replaces its chosen word when it accounts for at least this share of the word's uses in the cluster."""
# Words of at least three letters (no digits, no underscores), hyphenated compounds kept whole.
TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W\d_]+(?:-[^\W\d_]+)*[^\W\d_]\b"


@lru_cache(maxsize=1)
def label_stop_words() -> frozenset[str]:
    """Lower-case words that never make a label term: English, academic filler and STOP_WORD_LANGUAGES."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    from stop_words import get_stop_words

    words = set(ENGLISH_STOP_WORDS) | ACADEMIC_STOP_WORDS
    for language in STOP_WORD_LANGUAGES:
        words.update(word.lower() for word in get_stop_words(language) if word.lower() not in ENGLISH_HOMOGRAPHS)
    return frozenset(words)


class _TermReader:
    """A document's terms: its content words, and the phrases of two content words that stand next to each other
    with nothing but a space between (a stop word or punctuation breaks a phrase: "risk of breast cancer" gives
    "breast cancer", never "risk breast"). TeX and web addresses are left out."""

    def __init__(self, stop_words: frozenset[str]) -> None:
        self.stop_words = stop_words
        self.word = re.compile(TOKEN_PATTERN)

    def __call__(self, document: str) -> list[str]:
        text = _TEX.sub(" . ", document).lower()
        found: list[str] = []
        previous: str | None = None
        end = 0
        for match in self.word.finditer(text):
            word = match.group(0)
            if word in self.stop_words:
                previous = None
                continue
            found.append(word)
            if previous is not None and text[end : match.start()].isspace():
                found.append(f"{previous} {word}")
            previous, end = word, match.end()
        return found


def class_tfidf_terms(
    documents: Sequence[str], assignments: Sequence[int] | np.ndarray, *, n_terms: int = 3
) -> dict[int, list[str]]:
    """The `n_terms` most distinctive terms (unigrams or bigrams) of each cluster in `assignments`.

    `documents[i]` is the text of the paper assigned to cluster `assignments[i]`. A term that overlaps a chosen
    one is skipped, except that a bigram replaces a chosen word that mostly occurs in it, so a label never says
    "protein · protein folding". A term leads (comes first in) one cluster's terms at most: the cluster where it
    scores highest. Clusters whose papers have no usable words get an empty list.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    assignments = np.asarray(assignments)
    if len(documents) != len(assignments):
        raise ValueError("documents and assignments differ in length")
    cluster_ids = sorted({int(c) for c in assignments})
    terms: dict[int, list[str]] = {c: [] for c in cluster_ids}
    if not cluster_ids:
        return terms
    vectorizer = CountVectorizer(
        analyzer=_TermReader(label_stop_words()),
        min_df=2 if len(documents) >= 20 else 1,
        dtype=np.float32,
    )
    try:
        counts = vectorizer.fit_transform(documents)
    except ValueError:  # empty vocabulary: no document has a usable word
        return terms
    vocabulary = vectorizer.get_feature_names_out()
    column_of = vectorizer.vocabulary_

    # One row of term counts per cluster.
    row_of = {c: i for i, c in enumerate(cluster_ids)}
    rows = np.fromiter((row_of[int(c)] for c in assignments), dtype=np.int64, count=len(assignments))
    from scipy.sparse import csr_matrix

    membership = csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, np.arange(len(rows)))), shape=(len(cluster_ids), len(rows))
    )
    uses = np.asarray((membership @ counts).todense())  # how often each cluster's papers use each term
    counts.data[:] = 1  # a term counts once per paper: a label names what many papers of a topic say
    class_counts = np.asarray((membership @ counts).todense())
    words_per_class = class_counts.sum(axis=1, keepdims=True)
    term_frequency = np.divide(
        class_counts, words_per_class, out=np.zeros_like(class_counts), where=words_per_class > 0
    )
    average_words = float(words_per_class.mean())
    term_totals = class_counts.sum(axis=0)
    inverse_frequency = np.log1p(average_words / np.maximum(term_totals, 1.0))
    specificity = class_counts / np.maximum(term_totals, 1.0)  # the share of a term's uses in each cluster
    scores = term_frequency * inverse_frequency * specificity

    words = _Vocabulary.of(vocabulary, column_of)
    banned: dict[int, set[str]] = {c: set() for c in cluster_ids}
    todo = set(cluster_ids)
    for _ in range(4 * len(cluster_ids)):  # each round bans a lead from a cluster; far fewer rounds are needed
        for cluster in todo:
            row = row_of[cluster]
            terms[cluster] = _pick_terms(scores[row], uses[row], words, n_terms, banned[cluster])
        todo = _lead_conflicts(terms, scores, row_of, column_of, banned)
        if not todo:
            break
    return terms


def _lead_conflicts(terms: dict[int, list[str]], scores: np.ndarray, row_of: dict[int, int],
                    column_of: dict[str, int], banned: dict[int, set[str]]) -> set[int]:
    """Clusters whose lead term also leads another cluster's terms and scores lower there: the term is banned
    from leading them (added to `banned`), and they are returned to be labelled again."""
    by_lead: dict[str, list[int]] = {}
    for cluster, chosen in terms.items():
        if chosen:
            by_lead.setdefault(_term_key(chosen[0]), []).append(cluster)
    again: set[int] = set()
    for key, clusters in by_lead.items():
        if len(clusters) < 2:
            continue
        keeper = max(clusters, key=lambda c: (scores[row_of[c], column_of[terms[c][0]]], -c))
        for cluster in clusters:
            if cluster != keeper:
                banned[cluster].add(key)
                again.add(cluster)
    return again


@dataclass(frozen=True)
class _Vocabulary:
    """The vectorizer's terms, the column of each, and the columns of the phrases each word is part of."""

    terms: np.ndarray
    column_of: dict[str, int]
    phrases_of: dict[str, list[int]]

    @classmethod
    def of(cls, terms: np.ndarray, column_of: dict[str, int]) -> _Vocabulary:
        phrases_of: dict[str, list[int]] = {}
        for index, term in enumerate(terms.tolist()):
            if " " in term:
                for word in term.split():
                    phrases_of.setdefault(word, []).append(index)
        return cls(terms, column_of, phrases_of)


def _pick_terms(
    scores: np.ndarray, uses: np.ndarray, vocabulary: _Vocabulary, n_terms: int,
    banned_leads: set[str] | frozenset[str] = frozenset(),
) -> list[str]:
    """The best-scoring terms (the most used first among equals), skipping one that shares a word (_same_word)
    with a chosen term, except that a bigram replaces chosen single words that mostly occur in it ("protein" ->
    "protein folding"), wherever it ranks (_as_phrase). A term whose key (_term_key) is in `banned_leads` is never
    the first."""
    column_of = vocabulary.column_of
    chosen: list[str] = []
    for index in np.lexsort((-uses, -scores)):  # by score, then by uses
        if len(chosen) == n_terms or scores[index] <= 0:
            break
        term = str(vocabulary.terms[index])
        words = _words(term)
        overlapping = [other for other in chosen if any(_same_word(a, b) for a in words for b in _words(other))]
        if not overlapping:
            if chosen or _term_key(term) not in banned_leads:
                chosen.append(term)
            continue
        absorbs = len(words) > 1 and all(" " not in other and other in column_of for other in overlapping)
        if absorbs and all(uses[index] >= PHRASE_SHARE * uses[column_of[other]] for other in overlapping):
            first = min(chosen.index(other) for other in overlapping)
            if first == 0 and _term_key(term) in banned_leads:
                continue
            chosen = [other for other in chosen if other not in overlapping]
            chosen.insert(first, term)
    for term in list(chosen):
        if term in chosen:  # not yet absorbed by a phrase
            chosen = _as_phrase(term, chosen, scores, uses, vocabulary, banned_leads)
    return chosen


def _as_phrase(term: str, chosen: list[str], scores: np.ndarray, uses: np.ndarray, vocabulary: _Vocabulary,
               banned_leads: set[str] | frozenset[str]) -> list[str]:
    """`chosen` with the word `term` replaced by its most used phrase in the cluster ("stem" -> "stem cells",
    counting "stem cell" too) when the phrase accounts for PHRASE_SHARE of the word's uses; the phrase takes the
    place of the chosen single words it contains ("stem · cell" -> "stem cells"), never of a chosen phrase."""
    if " " in term or term not in vocabulary.column_of:
        return chosen
    others = [other for other in chosen if other != term]
    forms: dict[str, list[int]] = {}  # a phrase's singular key -> the columns of its spellings
    absorbs: dict[str, list[str]] = {}  # ... -> the other chosen words it says
    for index in vocabulary.phrases_of.get(term, ()):
        phrase = str(vocabulary.terms[index])
        said = [other for other in others if any(_same_word(a, b) for a in _words(phrase) for b in _words(other))]
        if scores[index] > 0 and not any(" " in other for other in said):
            forms.setdefault(_term_key(phrase), []).append(index)
            absorbs[_term_key(phrase)] = said
    first = {key: min(chosen.index(t) for t in [term, *absorbs[key]]) for key in forms}
    totals = {key: float(uses[columns].sum()) for key, columns in forms.items()
              if not (first[key] == 0 and key in banned_leads)}
    if not totals:
        return chosen
    key = max(totals, key=totals.__getitem__)
    if totals[key] < PHRASE_SHARE * uses[vocabulary.column_of[term]]:
        return chosen
    phrase = str(vocabulary.terms[max(forms[key], key=uses.__getitem__)])
    kept = [other for other in chosen if other != term and other not in absorbs[key]]
    kept.insert(first[key], phrase)
    return kept


def _words(term: str) -> list[str]:
    """The words of a term, hyphenated compounds split ("time-series" says "time series")."""
    return term.replace("-", " ").split()


def _same_word(a: str, b: str) -> bool:
    """Whether two words say the same for a label: one singular ("graphs", "graph") or one long stem ("neurons",
    "neuronal"; "genome", "genome-wide")."""
    a, b = _singular(a), _singular(b)
    shared = len(os.path.commonprefix([a, b]))
    return a == b or (shared >= 5 and shared >= 0.75 * min(len(a), len(b)))


def _term_key(term: str) -> str:
    """What makes two terms the same lead: "cell" and "cells" are one."""
    return " ".join(_singular(word) for word in term.split())


def _singular(word: str) -> str:
    """A rough English singular, only to tell that "graphs" and "graph" or "galaxies" and "galaxy" say the same."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def cluster_labels(
    documents: Sequence[str], assignments: Sequence[int] | np.ndarray, *, n_terms: int = 3
) -> dict[int, str]:
    """A label per cluster such as "protein folding · structure · molecular" (a fixed fallback when no words)."""
    return {
        cluster: LABEL_SEPARATOR.join(terms) if terms else FALLBACK_LABEL
        for cluster, terms in class_tfidf_terms(documents, assignments, n_terms=n_terms).items()
    }
