"""Readable cluster labels: each cluster's most distinctive terms by class-based TF-IDF (as in BERTopic).

All the documents of one cluster are treated as one long document; a term scores high when it is frequent in
that cluster and rare in the others. Runs on the worker thread; scikit-learn is imported inside the function.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

LABEL_SEPARATOR = " · "
FALLBACK_LABEL = "papers without text"

# Words every abstract uses; English stop words do not cover them and they make no topic.
ACADEMIC_STOP_WORDS = frozenset(
    """
    abstract address addressed addresses al approach approaches article based case cases consider considered
    demonstrate demonstrates describe described different effect effects et establish find finally give given
    introduce introduced investigate investigated method methods new novel obtain obtained paper present
    presented problem problems prove proposed propose proposes provide provides recent recently result results
    show showed shown shows study studied studies use used uses using work works
    """.split()
)
# TeX in abstracts: inline math and control words ("$\\mathcal{O}(n)$", "\\emph") are not topic words.
_TEX = re.compile(r"\$[^$]*\$|\\[A-Za-z]+")
PHRASE_SHARE = 0.6
"""A bigram replaces its chosen word when it accounts for at least this share of the word's uses in the cluster."""
# Words of at least three letters (no digits, no underscores), hyphenated compounds kept whole.
TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W\d_]+(?:-[^\W\d_]+)*[^\W\d_]\b"


def class_tfidf_terms(
    documents: Sequence[str], assignments: Sequence[int] | np.ndarray, *, n_terms: int = 3
) -> dict[int, list[str]]:
    """The `n_terms` most distinctive terms (unigrams or bigrams) of each cluster in `assignments`.

    `documents[i]` is the text of the paper assigned to cluster `assignments[i]`. A term that overlaps a chosen
    one is skipped, except that a bigram replaces a chosen word that mostly occurs in it, so a label never says
    "protein · protein folding". Clusters whose papers have no usable words get an empty list.
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    assignments = np.asarray(assignments)
    if len(documents) != len(assignments):
        raise ValueError("documents and assignments differ in length")
    cluster_ids = sorted({int(c) for c in assignments})
    terms: dict[int, list[str]] = {c: [] for c in cluster_ids}
    if not cluster_ids:
        return terms
    stop_words = sorted(ENGLISH_STOP_WORDS | ACADEMIC_STOP_WORDS)
    vectorizer = CountVectorizer(
        stop_words=stop_words,
        token_pattern=TOKEN_PATTERN,
        ngram_range=(1, 2),
        min_df=2 if len(documents) >= 20 else 1,
        dtype=np.float32,
    )
    try:
        counts = vectorizer.fit_transform([_TEX.sub(" ", document) for document in documents])
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
    class_counts = np.asarray((membership @ counts).todense())
    words_per_class = class_counts.sum(axis=1, keepdims=True)
    term_frequency = np.divide(
        class_counts, words_per_class, out=np.zeros_like(class_counts), where=words_per_class > 0
    )
    average_words = float(words_per_class.mean())
    term_totals = class_counts.sum(axis=0)
    inverse_frequency = np.log1p(average_words / np.maximum(term_totals, 1.0))
    scores = term_frequency * inverse_frequency

    for cluster, row in row_of.items():
        terms[cluster] = _pick_terms(scores[row], class_counts[row], vocabulary, column_of, n_terms)
    return terms


def _pick_terms(
    scores: np.ndarray, counts: np.ndarray, vocabulary: np.ndarray, column_of: dict[str, int], n_terms: int
) -> list[str]:
    """The best-scoring terms, skipping one that shares a word (singular or plural) with a chosen term, except
    that a bigram replaces chosen single words that mostly occur in it ("protein" -> "protein folding")."""
    chosen: list[str] = []
    for index in np.argsort(-scores, kind="stable"):
        if len(chosen) == n_terms or scores[index] <= 0:
            break
        term = str(vocabulary[index])
        stems = {_singular(word) for word in term.split()}
        overlapping = [other for other in chosen if stems & {_singular(word) for word in other.split()}]
        if not overlapping:
            chosen.append(term)
            continue
        absorbs = len(stems) > 1 and all(" " not in other and other in column_of for other in overlapping)
        if absorbs and all(counts[index] >= PHRASE_SHARE * counts[column_of[other]] for other in overlapping):
            first = min(chosen.index(other) for other in overlapping)
            chosen = [other for other in chosen if other not in overlapping]
            chosen.insert(first, term)
    return chosen


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
