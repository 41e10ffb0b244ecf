"""Clusters and the library map (issue #9): quality on real arXiv records, and the 10,000-paper timing.

    .venv/bin/python benchmarks/clusters.py                 # all 6,397 records, auto k and k=30, then 10k timing
    .venv/bin/python benchmarks/clusters.py --limit 2000 --scale 0
    .venv/bin/python benchmarks/clusters.py --corpus scifact --scale 0   # labels of the 5,183 SciFact abstracts
    .venv/bin/python benchmarks/clusters.py --corpus scifact --scale 0 --tfidf   # the same, without a model

Quality: the arXiv records in arxiv/ of the real test data (docs/test-data.md) are embedded with the offline
default model (litreview.embedding.load_embedder(None)), stored in a temporary library and clustered by
litreview.analysis.clusters.cluster_library; NMI and ARI against each paper's primary arXiv category are printed
next to a TF-IDF + k-means baseline with the same number of clusters, fitted in the same run, and every
cluster's label is printed with its size and its most common categories. Label quality (issue #15) is counted
for every clustering: labels whose leading term leads another label too, and label words that are stop words of
English, German, French, Spanish, Portuguese, Italian or Dutch (scikit-learn's English list and the stop-words
package's lists). `--corpus scifact` clusters the SciFact abstracts instead (no categories: labels only).

Timing: `--scale` papers (default 10,000): the arXiv embeddings plus perturbed copies of them (Gaussian noise,
re-normalised; the copies keep their original's title and abstract) go through the whole cluster_library
(choose k, k-means, labels, layout, storing), timed per stage.

Embedding 6,397 abstracts takes minutes on 2 CPU cores, so the vectors are cached in /tmp between runs (a
benchmark convenience; the app never reads it). `--embeddings FILE.npy` uses a matrix made elsewhere, in the
records' order, and says so.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from litreview.pipeline import embedding_text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.data_location import data_dir, missing_reason  # noqa: E402

ARXIV = data_dir() / "arxiv"
# file, title column, abstract column, categories column (a Python list literal or space-separated)
FILES = (
    ("arxiv_2025-05_math_cs_3397.csv", "title", "abstract", "tags"),
    ("arxiv_cs_keras_subset_1000.csv", "titles", "summaries", "terms"),
    ("arxiv_kaggle_snapshot_first2000.csv", "title", "abstract", "categories"),
)


def load_scifact(folder: Path) -> list[tuple[str, str, str]]:
    """(title, abstract, "") of every SciFact document (the corpus has no categories)."""
    import json

    with open(folder / "corpus.jsonl", encoding="utf-8") as handle:
        return [(" ".join(d["title"].split()), " ".join(d["text"].split()), "") for d in map(json.loads, handle)]


def label_report(labels: list[str]) -> None:
    """Count what makes labels weak: a leading term shared by several labels, and stop words in any language."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    from stop_words import get_stop_words

    from litreview.analysis.labels import LABEL_SEPARATOR

    stop = set(ENGLISH_STOP_WORDS)
    for language in ("de", "fr", "es", "pt", "it", "nl"):
        stop.update(get_stop_words(language))
    leads = Counter(label.split(LABEL_SEPARATOR)[0] for label in labels)
    shared = {lead: n for lead, n in leads.items() if n > 1}
    stopped = sorted({w for label in labels for term in label.split(LABEL_SEPARATOR) for w in term.split()} & stop)
    first_words = Counter(label.split(LABEL_SEPARATOR)[0].split()[0] for label in labels)
    print(f"label quality: {sum(shared.values())}/{len(labels)} labels share their leading term"
          + (f" ({', '.join(f'{t!r} x{n}' for t, n in shared.items())})" if shared else "")
          + f"; {sum(n for n in first_words.values() if n > 1)} share their first word"
          + f"; stop words in labels: {len(stopped)}" + (f" {stopped}" if stopped else ""))


def load_records(folder: Path) -> list[tuple[str, str, str]]:
    """(title, abstract, primary category) of every record, whitespace collapsed, in file order."""
    records = []
    for name, title, abstract, categories in FILES:
        with open(folder / name, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                value = row[categories]
                tags = ast.literal_eval(value) if value.startswith("[") else value.split()
                records.append((" ".join(row[title].split()), " ".join(row[abstract].split()), tags[0]))
    return records


def embeddings(texts: list[str], args: argparse.Namespace) -> tuple[str, np.ndarray]:
    """(model id, unit vectors) of `texts`: from --embeddings, the /tmp cache, or the default model."""
    if args.embeddings:
        matrix = np.load(args.embeddings)[: len(texts)]
        print(f"embeddings: {args.embeddings} (made outside this script), shape {matrix.shape}")
        return f"external:{Path(args.embeddings).name}", matrix.astype(np.float32)
    if args.tfidf:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        tfidf = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2).fit_transform(texts)
        matrix = TruncatedSVD(128, random_state=0).fit_transform(tfidf).astype(np.float32)
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        print(f"embeddings: TF-IDF + SVD (128 dims) standing in for a model, shape {matrix.shape}")
        return "tfidf-svd-128", matrix
    from litreview.embedding import describe_model, load_embedder

    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:12]
    name = str(describe_model(None)["model_id"])
    cache = Path(tempfile.gettempdir()) / f"litreview_bench_clusters_{_slug(name)}_{len(texts)}_{digest}.npy"
    if cache.exists():
        print(f"embeddings: {name}, cached in {cache}")
        return name, np.load(cache)
    embedder = load_embedder(None)
    started = time.perf_counter()
    matrix = embedder.embed_documents(texts)
    seconds = time.perf_counter() - started
    print(
        f"embeddings: {embedder.model_id} ({embedder.dim}) for {len(texts)} texts in {seconds:.1f} s, cached in {cache}"
    )
    np.save(cache, matrix)
    return embedder.model_id, matrix


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)[:60]


def build_library(path: Path, records: list[tuple[str, str, str]], model_id: str, vectors: np.ndarray):
    """A fresh library at `path` holding `records` as papers and `vectors` as their embeddings."""
    from litreview.index.vectors import VectorStore
    from litreview.library import open_library

    library = open_library(path)
    with library.transaction() as conn:
        insert = "INSERT INTO papers(title, abstract, source) VALUES (?, ?, 'bench')"
        ids = [int(conn.execute(insert, (title, abstract)).lastrowid) for title, abstract, _ in records]
    VectorStore(library).put(model_id, vectors.shape[1], ids, vectors, [f"bench{i}" for i in ids])
    return library, ids


def timed_clustering(library, model_id: str, dim: int, k: int | None) -> tuple[list, float, dict[str, float]]:
    """cluster_library's result, its wall time and the seconds each stage took."""
    from litreview.analysis.clusters import cluster_library

    marks: list[tuple[str, float]] = []
    started = time.perf_counter()
    clusters = cluster_library(
        library, model_id, dim, k=k, progress=lambda p: marks.append((p.message, time.perf_counter()))
    )
    total = time.perf_counter() - started
    stages = {name: marks[i + 1][1] - at for i, (name, at) in enumerate(marks[:-1])}
    return clusters, total, stages


def assignments_of(clusters, ids: list[int]) -> np.ndarray:
    cluster_of = {paper: c.cluster_id for c in clusters for paper in c.paper_ids}
    return np.array([cluster_of[i] for i in ids])


def tfidf_baseline(texts: list[str], k: int) -> np.ndarray:
    """TF-IDF (English stop words, sublinear tf, min_df 2) + k-means with the same k."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2).fit_transform(texts)
    return KMeans(n_clusters=k, n_init=3, random_state=0).fit_predict(matrix)


def quality(records, model_id: str, vectors: np.ndarray, ks: list[int | None]) -> None:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from litreview.analysis.labels import FALLBACK_LABEL, LABEL_SEPARATOR

    truth = [category for _, _, category in records]
    categorised = any(truth)
    texts = [embedding_text(title, abstract) for title, abstract, _ in records]
    print(f"\n== quality: {len(records)} records, {len(set(truth)) if categorised else 'no'} primary categories ==")
    with tempfile.TemporaryDirectory() as folder:
        library, ids = build_library(Path(folder) / "bench.sqlite", records, model_id, vectors)
        for requested in ks:
            clusters, seconds, _ = timed_clustering(library, model_id, vectors.shape[1], requested)
            found = assignments_of(clusters, ids)
            k = len(clusters)
            how = "auto" if requested is None else "given"
            print(f"\nk={k} ({how}), clustered in {seconds:.1f} s (load average {os.getloadavg()[0]:.2f})")
            if categorised:
                baseline = tfidf_baseline(texts, k)
                print(f"{'method':<34}{'NMI':>8}{'ARI':>8}")
                print(
                    f"{'embeddings + cluster_library':<34}{normalized_mutual_info_score(truth, found):>8.3f}"
                    f"{adjusted_rand_score(truth, found):>8.3f}"
                )
                print(
                    f"{'TF-IDF + k-means baseline':<34}{normalized_mutual_info_score(truth, baseline):>8.3f}"
                    f"{adjusted_rand_score(truth, baseline):>8.3f}"
                )
            unreadable = [
                c.label for c in clusters if c.label == FALLBACK_LABEL or len(c.label.split(LABEL_SEPARATOR)) < 2
            ]
            print(f"labels: {k - len(unreadable)}/{k} have 2-3 terms" + (f"; not: {unreadable}" if unreadable else ""))
            label_report([c.label for c in clusters])
            row_of = {paper: row for row, paper in enumerate(ids)}
            for cluster in clusters:
                categories = Counter(truth[row_of[p]] for p in cluster.paper_ids).most_common(2)
                tags = ", ".join(f"{name} {count}" for name, count in categories) if categorised else ""
                print(f"  {cluster.cluster_id:>4} {cluster.size:>5}  {cluster.label:<60} [{tags}]")
        library.close()


def scale(records, model_id: str, vectors: np.ndarray, count: int, noise: float) -> None:
    rng = np.random.default_rng(0)
    picks = np.concatenate([np.arange(len(records)), rng.integers(0, len(records), max(0, count - len(records)))])[
        :count
    ]
    scaled = vectors[picks] + rng.normal(scale=noise, size=(count, vectors.shape[1])).astype(np.float32)
    scaled[: len(records)] = vectors[: min(count, len(records))]
    scaled /= np.linalg.norm(scaled, axis=1, keepdims=True)
    copies = scaled[len(records) :]
    similarity = float(np.mean(np.sum(copies * vectors[picks[len(records) :]], axis=1))) if len(copies) else 1.0
    print(
        f"\n== timing: {count} papers ({min(count, len(records))} arXiv embeddings + {max(0, count - len(records))} "
        f"perturbed copies, noise {noise}, mean cosine to original {similarity:.3f}) =="
    )
    print(f"cpu cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        library, _ = build_library(Path(folder) / "scale.sqlite", [records[i] for i in picks], model_id, scaled)
        clusters, seconds, stages = timed_clustering(library, model_id, scaled.shape[1], None)
        again, seconds_again, _ = timed_clustering(library, model_id, scaled.shape[1], None)
        kept = len({c.cluster_id for c in clusters} & {c.cluster_id for c in again})
        library.close()
    print(f"cluster + label + layout + store: {seconds:.1f} s, k={len(clusters)} (auto)")
    print("stages: " + ", ".join(f"{name} {value:.1f} s" for name, value in stages.items()))
    print(f"re-cluster (warm-started layout, id matching): {seconds_again:.1f} s, {kept}/{len(again)} cluster ids kept")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=("arxiv", "scifact"), default="arxiv")
    parser.add_argument("--data", type=Path, help="folder with the arXiv CSV files or SciFact's corpus.jsonl "
                        "(default: arxiv/ or beir/scifact/ of the test data)")
    parser.add_argument("--limit", type=int, help="use the first N records (spread over the files)")
    parser.add_argument("--k", type=int, action="append", help="also cluster with this k (repeatable; default 30)")
    parser.add_argument("--scale", type=int, default=10_000, help="papers for the timing run (0: skip)")
    parser.add_argument("--noise", type=float, default=0.02, help="per-coordinate noise of the perturbed copies")
    parser.add_argument("--timing-only", action="store_true", help="skip the quality part")
    parser.add_argument("--embeddings", help="a .npy matrix of the records' embeddings, made elsewhere")
    parser.add_argument("--tfidf", action="store_true", help="cluster TF-IDF + SVD vectors instead of embedding "
                        "(seconds instead of minutes: for comparing labels, not clusterings)")
    args = parser.parse_args()
    data = args.data or (ARXIV if args.corpus == "arxiv" else data_dir() / "beir" / "scifact")
    if not data.is_dir():
        print(f"no {args.corpus} data at {data}: {missing_reason(data)}", file=sys.stderr)
        return 1
    records = load_records(data) if args.corpus == "arxiv" else load_scifact(data)
    if args.limit:
        step = max(1, len(records) // args.limit)
        records = records[::step][: args.limit]
    texts = [embedding_text(title, abstract) for title, abstract, _ in records]
    model_id, vectors = embeddings(texts, args)
    if not args.timing_only:
        quality(records, model_id, vectors, [None, *(args.k or [30])])
    if args.scale:
        scale(records, model_id, vectors, args.scale, args.noise)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
