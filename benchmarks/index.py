"""Scale benchmark for the vector index: prints build, save/load through SQLite, related-query latency,
recall@10 against exact search and memory, for random-but-clustered unit vectors.

    .venv/bin/python benchmarks/index.py                       # 10k and 100k at 384 and 1024 dims
    .venv/bin/python benchmarks/index.py --sizes 10000 --dims 384 --ef 32 64 96 128

The data imitates text embeddings: 256 cluster centres, each paper = centre + variation in a 48-dimensional
random subspace + a little isotropic noise, L2-normalised (real embeddings have a low intrinsic dimension;
isotropic noise in 1024 dims would make every neighbour equally far). Queries are `related(paper)` through
IndexService (SQLite vector fetch + exclusion of the paper itself + HNSW search, one thread); exact answers
come from a numpy matrix product. The floor: p95 < 5 ms with recall@10 >= 0.95 at 100k x 1024.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from litreview.index.ann import DEFAULT_EF_CONSTRUCTION, DEFAULT_EF_SEARCH, DEFAULT_M  # noqa: E402
from litreview.index.service import IndexService  # noqa: E402
from litreview.index.vectors import VectorStore  # noqa: E402
from litreview.library.db import open_library  # noqa: E402

MODEL = "bench/clustered"


def clustered_vectors(n: int, dim: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((256, dim)).astype(np.float32)
    basis = rng.standard_normal((48, dim)).astype(np.float32) / np.sqrt(48)
    labels = rng.integers(0, len(centres), n)
    coords = rng.standard_normal((n, 48)).astype(np.float32) * 1.2
    matrix = centres[labels] + coords @ basis * np.sqrt(dim / 48) * 0.35
    matrix += rng.standard_normal((n, dim)).astype(np.float32) * 0.15
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(n: int, dim: int, efs: list[int], queries: int, m: int, ef_construction: int) -> None:
    matrix = clustered_vectors(n, dim)
    with tempfile.TemporaryDirectory() as tmp:
        library = open_library(Path(tmp) / "bench.sqlite")
        with library.transaction() as conn:
            conn.executemany("INSERT INTO papers(id, title) VALUES (?, ?)", [(i + 1, f"p{i}") for i in range(n)])
        ids = np.arange(1, n + 1)
        VectorStore(library).put(MODEL, dim, ids.tolist(), matrix, [f"h{i}" for i in ids.tolist()])
        rss_before = rss_mb()
        service = IndexService(library, m=m, ef_construction=ef_construction, exact_search_max=0)
        start = time.perf_counter()
        service.store.load(MODEL, dim)
        load_vectors_s = time.perf_counter() - start
        start = time.perf_counter()
        service.rebuild(MODEL, dim)  # vectors from SQLite + hnswlib build (all cores) + snapshot
        rebuild_s = time.perf_counter() - start
        rss_index = rss_mb() - rss_before
        start = time.perf_counter()
        service.save(MODEL, dim)
        save_s = time.perf_counter() - start
        snapshot_mb = library.conn.execute("SELECT length(data) FROM index_snapshots").fetchone()[0] / 2**20

        fresh = IndexService(library, m=m, ef_construction=ef_construction, exact_search_max=0)
        rng = np.random.default_rng(1)
        sample = rng.choice(n, size=min(queries, n), replace=False)
        start = time.perf_counter()
        fresh.related(int(ids[sample[0]]), MODEL, dim, k=10)  # lazy load: checks + hnswlib load
        load_s = time.perf_counter() - start
        assert not fresh.problems(MODEL, dim), fresh.problems(MODEL, dim)

        scores = matrix[sample] @ matrix.T
        scores[np.arange(len(sample)), sample] = -np.inf
        truth = [set((ids[np.argpartition(-row, 10)[:10]]).tolist()) for row in scores]
        print(
            f"n={n} dim={dim} M={m} ef_construction={ef_construction}: build {rebuild_s - load_vectors_s:.1f} s "
            f"(+ {load_vectors_s:.2f} s reading the vectors from SQLite), save {save_s:.2f} s, load {load_s:.2f} s, "
            f"snapshot {snapshot_mb:.0f} MiB, index RSS +{rss_index:.0f} MiB, process RSS {rss_mb():.0f} MiB",
            flush=True,
        )
        state = fresh._loaded[(MODEL, dim)]
        for ef in efs:
            state.ann.ef_search = ef
            latencies, cpu_times, hits = [], [], 0
            for row, pos in enumerate(sample):
                start, cpu_start = time.perf_counter(), time.thread_time()
                found = fresh.related(int(ids[pos]), MODEL, dim, k=10)
                latencies.append(time.perf_counter() - start)
                cpu_times.append(time.thread_time() - cpu_start)
                hits += len(truth[row].intersection(pid for pid, _ in found))
            p50, p95 = np.percentile(np.array(latencies) * 1000, [50, 95])
            cpu50, cpu95 = np.percentile(np.array(cpu_times) * 1000, [50, 95])
            print(
                f"  ef={ef}: related p50 {p50:.2f} ms, p95 {p95:.2f} ms "
                f"(CPU time p50 {cpu50:.2f}, p95 {cpu95:.2f} ms), "
                f"recall@10 {hits / (10 * len(sample)):.4f}",
                flush=True,
            )
        exact = IndexService(library, exact_search_max=n)
        exact.related(int(ids[sample[0]]), MODEL, dim, k=10)
        latencies = []
        for pos in sample[:50]:
            start = time.perf_counter()
            exact.related(int(ids[pos]), MODEL, dim, k=10)
            latencies.append(time.perf_counter() - start)
        p50, p95 = np.percentile(np.array(latencies) * 1000, [50, 95])
        print(f"  exact numpy search: related p50 {p50:.2f} ms, p95 {p95:.2f} ms", flush=True)
        library.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--dims", type=int, nargs="+", default=[384, 1024])
    parser.add_argument("--ef", type=int, nargs="+", default=[DEFAULT_EF_SEARCH])
    parser.add_argument("--m", type=int, default=DEFAULT_M)
    parser.add_argument("--ef-construction", type=int, default=DEFAULT_EF_CONSTRUCTION)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    for n in args.sizes:
        for dim in args.dims:
            bench(n, dim, args.ef, args.queries, args.m, args.ef_construction)


if __name__ == "__main__":
    main()
