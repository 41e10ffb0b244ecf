"""The screening ranker's TF-IDF and citation blocks, built here or in a child process.

Fitting a TfidfVectorizer sorts the whole vocabulary in one call that holds the GIL (1.1 s for 5,000 abstracts
with bigrams): run in the worker thread of the window it froze the GUI. `in_child` runs the same functions in a
fresh interpreter (`python -m litreview.analysis.screening_features`), JSON in on stdin, an .npz out (loaded
without pickle), so the results are the very same matrices."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

__all__ = ["citation_features", "in_child", "text_features"]


def text_features(texts: Sequence[str]):
    """TF-IDF of 1-2 grams (rows L2-normalised, float32 csr) and the column names."""
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_df=0.95, min_df=1, dtype=np.float32)
    try:
        matrix = vectorizer.fit_transform([t or "" for t in texts]).tocsr()
    except ValueError:  # every text empty, or only stop-words
        return sparse.csr_matrix((len(texts), 1), dtype=np.float32), [""]
    return matrix, vectorizer.get_feature_names_out().tolist()


def citation_features(ids: Sequence[int], cited: Mapping[int, Sequence[str]], own_ids: Mapping[int, str]):
    """Bag of (cited works + own id) per paper, idf-weighted, L2-normalised; None when no paper has links.
    Ids that only one candidate carries are dropped: they cannot link two candidates."""
    if not any(cited.get(int(p)) for p in ids):
        return None
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = []
    for paper_id in ids:
        tokens = list(cited.get(int(paper_id), ()))
        own = own_ids.get(int(paper_id))
        if own:
            tokens.append(own)
        docs.append(tokens)
    vectorizer = TfidfVectorizer(analyzer=lambda tokens: tokens, min_df=2, sublinear_tf=True, dtype=np.float32)
    try:
        return vectorizer.fit_transform(docs).tocsr()
    except ValueError:  # no id shared by two candidates
        return None


def _save(path: Path, tfidf, terms: list[str], citations) -> None:
    arrays = {"t_data": tfidf.data, "t_indices": tfidf.indices, "t_indptr": tfidf.indptr,
              "t_shape": np.asarray(tfidf.shape), "terms": np.frombuffer("\n".join(terms).encode("utf-8"), np.uint8)}
    if citations is not None:
        arrays.update(c_data=citations.data, c_indices=citations.indices, c_indptr=citations.indptr,
                      c_shape=np.asarray(citations.shape))
    np.savez(path, **arrays)


def _load(path: Path):
    from scipy import sparse

    with np.load(path, allow_pickle=False) as npz:
        tfidf = sparse.csr_matrix((npz["t_data"], npz["t_indices"], npz["t_indptr"]), shape=tuple(npz["t_shape"]))
        terms = npz["terms"].tobytes().decode("utf-8").split("\n")
        citations = None
        if "c_data" in npz:
            citations = sparse.csr_matrix((npz["c_data"], npz["c_indices"], npz["c_indptr"]),
                                          shape=tuple(npz["c_shape"]))
    return tfidf, terms, citations


def in_child(ids: Sequence[int], texts: Sequence[str], cited: Mapping[int, Sequence[str]],
             own_ids: Mapping[int, str]):
    """(tfidf, terms, citations) as `text_features` and `citation_features` give them, computed in a child."""
    payload = json.dumps({"ids": [int(p) for p in ids], "texts": list(texts),
                          "cited": {str(k): list(v) for k, v in cited.items()},
                          "own": {str(k): v for k, v in own_ids.items()}})
    with tempfile.TemporaryDirectory(prefix="litreview-features-") as tmp:
        out = Path(tmp) / "features.npz"
        done = subprocess.run([sys.executable, "-m", "litreview.analysis.screening_features", str(out)],
                              input=payload.encode("utf-8"), capture_output=True, check=False)
        if done.returncode != 0:
            raise RuntimeError("building the screening features failed: "
                               + done.stderr.decode("utf-8", "replace").strip()[-2000:])
        return _load(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Child entry: JSON on stdin, the features written to the .npz path given."""
    out = Path((argv or sys.argv[1:])[0])
    payload = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    ids = payload["ids"]
    tfidf, terms = text_features(payload["texts"])
    citations = citation_features(ids, {int(k): v for k, v in payload["cited"].items()},
                                  {int(k): v for k, v in payload["own"].items()})
    _save(out, tfidf, terms, citations)
    return 0


if __name__ == "__main__":
    sys.exit(main())
