"""The hnswlib approximate-nearest-neighbour index and exact search: the only module that imports hnswlib.

Inner-product space on L2-normalised vectors, so `1 - distance` is the cosine similarity. Serialised in
hnswlib's own file format (never pickle: loading a library must not run code) through a temporary file, since
the Python binding has no bytes API other than pickling.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Chosen with benchmarks/index.py at 100k x 1024 clustered vectors, M=16, ef_construction=200, related() on one
# thread, on the 2-core dev machine under load from other jobs: ef=64 recall@10 0.980, p50 1.0 ms, p95 1.7 ms;
# ef=96 recall@10 0.982, p95 5.6 ms wall (1.7 ms CPU: the rest is preemption); ef=128 0.984. ef=64 meets
# recall >= 0.95 with the most latency headroom. A bigger ef_construction buys little recall for a slower build.
DEFAULT_M = 16
DEFAULT_EF_CONSTRUCTION = 200
DEFAULT_EF_SEARCH = 64

# hnswlib's file header (hnswalg.h saveIndex): offsetLevel0, max_elements, cur_element_count,
# size_data_per_element, label_offset, offsetData, maxlevel, enterpoint_node, maxM, maxM0, M, mult,
# ef_construction.
_HEADER = struct.Struct("<QQQQQQiIQQQdQ")


class CorruptIndex(Exception):
    """Snapshot bytes that are not a usable hnswlib index for the expected parameters."""


@dataclass(frozen=True)
class SnapshotHeader:
    max_elements: int
    element_count: int
    size_data_per_element: int
    m: int
    ef_construction: int


def read_header(data: bytes) -> SnapshotHeader:
    """The fields of an hnswlib snapshot header, or CorruptIndex when the bytes are too short for one."""
    if len(data) < _HEADER.size:
        raise CorruptIndex(f"snapshot too short ({len(data)} bytes)")
    fields = _HEADER.unpack_from(data)
    return SnapshotHeader(
        max_elements=fields[1],
        element_count=fields[2],
        size_data_per_element=fields[3],
        m=fields[10],
        ef_construction=fields[12],
    )


def data_digest(data: bytes) -> str:
    """sha256 of snapshot bytes: checked before the bytes reach hnswlib's C++ loader."""
    return hashlib.sha256(data).hexdigest()


class HnswIndex:
    """An hnswlib index over labelled unit vectors, with incremental add, deletion and exact fallback."""

    def __init__(self, index, dim: int, ef_search: int = DEFAULT_EF_SEARCH) -> None:
        self._index = index
        self.dim = dim
        self.ef_search = ef_search
        self.deleted: set[int] = set()

    # --- construction -------------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        dim: int,
        capacity: int,
        *,
        m: int = DEFAULT_M,
        ef_construction: int = DEFAULT_EF_CONSTRUCTION,
        ef_search: int = DEFAULT_EF_SEARCH,
    ) -> HnswIndex:
        import hnswlib

        index = hnswlib.Index(space="ip", dim=dim)
        index.init_index(max_elements=max(capacity, 16), M=m, ef_construction=ef_construction, random_seed=100)
        return cls(index, dim, ef_search)

    @classmethod
    def build(cls, ids: np.ndarray, matrix: np.ndarray, **params: int) -> HnswIndex:
        """A new index holding `matrix` rows labelled by `ids`."""
        index = cls.create(matrix.shape[1], len(ids), **params)
        index.add(ids, matrix)
        return index

    @classmethod
    def from_bytes(
        cls, data: bytes, dim: int, *, deleted: Sequence[int] = (), ef_search: int = DEFAULT_EF_SEARCH
    ) -> HnswIndex:
        """Load a snapshot; CorruptIndex when hnswlib rejects it or its header does not fit `dim`."""
        import hnswlib

        header = read_header(data)
        if header.element_count > header.max_elements or header.size_data_per_element < dim * 4:
            raise CorruptIndex("snapshot header does not describe an index of this dimension")
        index = hnswlib.Index(space="ip", dim=dim)
        fd, path = tempfile.mkstemp(prefix="litreview-hnsw-", suffix=".bin")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            index.load_index(path, max_elements=header.max_elements)
        except RuntimeError as exc:
            raise CorruptIndex(str(exc)) from exc
        finally:
            os.unlink(path)
        loaded = cls(index, dim, ef_search)
        loaded.deleted = {int(i) for i in deleted}
        return loaded

    def to_bytes(self) -> bytes:
        """The index in hnswlib's own file format."""
        fd, path = tempfile.mkstemp(prefix="litreview-hnsw-", suffix=".bin")
        os.close(fd)
        try:
            self._index.save_index(path)
            with open(path, "rb") as handle:
                return handle.read()
        finally:
            os.unlink(path)

    # --- properties ---------------------------------------------------------------------------------
    @property
    def m(self) -> int:
        return int(self._index.M)

    @property
    def ef_construction(self) -> int:
        return int(self._index.ef_construction)

    @property
    def element_count(self) -> int:
        """Elements held, deleted ones included."""
        return int(self._index.element_count)

    @property
    def live_count(self) -> int:
        return self.element_count - len(self.deleted)

    def labels(self) -> set[int]:
        """Labels of the live (not deleted) elements."""
        return {int(i) for i in self._index.get_ids_list()} - self.deleted

    # --- changes ------------------------------------------------------------------------------------
    def add(self, ids: Sequence[int] | np.ndarray, vectors: np.ndarray) -> None:
        """Add or replace elements, growing the index as needed (a deleted label comes back to life)."""
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        existing = {int(i) for i in self._index.get_ids_list()}
        new = sum(1 for i in ids.tolist() if i not in existing)
        needed = self.element_count + new
        capacity = int(self._index.get_max_elements())
        if needed > capacity:
            self._index.resize_index(max(needed, int(capacity * 1.5)))
        self._index.add_items(vectors, ids)
        self.deleted.difference_update(ids.tolist())

    def mark_deleted(self, ids: Sequence[int]) -> None:
        """Hide elements from queries (hnswlib keeps their slots until a rebuild)."""
        live = self.labels()
        for label in ids:
            label = int(label)
            if label in live:
                self._index.mark_deleted(label)
                self.deleted.add(label)

    # --- queries ------------------------------------------------------------------------------------
    def query(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Up to k (labels int64, cosine scores float32), best first, from one thread."""
        k = min(k, self.live_count)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        self._index.set_ef(max(self.ef_search, k))
        labels, distances = self._index.knn_query(
            np.asarray(vector, dtype=np.float32).reshape(1, self.dim), k=k, num_threads=1
        )
        return labels[0].astype(np.int64), (1.0 - distances[0]).astype(np.float32)


_blas_controller = None


def _one_blas_thread():
    """A context that runs BLAS on one thread: a matrix-vector product is memory-bound, and OpenBLAS threads
    spinning on a busy 2-core machine made it 20x slower (11.7 ms vs 0.5 ms at 10k x 384)."""
    global _blas_controller
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return contextlib.nullcontext()
    if _blas_controller is None:
        _blas_controller = ThreadpoolController()
    return _blas_controller.limit(limits=1, user_api="blas")


def exact_top_k(matrix: np.ndarray, ids: np.ndarray, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact inner-product top k by brute force: (ids, scores), best first (ties by id order)."""
    k = min(k, len(ids))
    if k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    with _one_blas_thread():
        scores = matrix @ np.asarray(vector, dtype=np.float32)
    if k < len(scores):
        top = np.argpartition(-scores, k - 1)[:k]
    else:
        top = np.arange(len(scores))
    top = top[np.lexsort((ids[top], -scores[top]))]
    return ids[top], scores[top].astype(np.float32)
