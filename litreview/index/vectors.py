"""The vector store: embeddings per (paper, model, dim) in SQLite, the source of truth for every ANN index.

Vectors are little-endian float32 blobs, L2-normalised, stored with the sha256 of the text that was embedded, so a
re-import can skip what is already embedded and switching models never touches another model's vectors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from litreview.library.db import Library

_CHUNK = 500  # ids per "IN (...)" query, below SQLite's variable limit
_TABLES = {("vectors", "paper_id"), ("passage_vectors", "passage_id")}


def text_hash(text: str) -> str:
    """sha256 of the embedded text (UTF-8): what `vectors.text_hash` holds."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalize_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as contiguous float32."""
    matrix = np.ascontiguousarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(matrix / norms, dtype=np.float32)


def vector_set_checksum(pairs: Sequence[tuple[int, str]]) -> str:
    """sha256 over the sorted (paper id, text hash) pairs: equal sets of embedded texts give equal checksums."""
    digest = hashlib.sha256()
    for paper_id, hash_ in sorted(pairs):
        digest.update(f"{paper_id}:{hash_}\n".encode())
    return digest.hexdigest()


class VectorStore:
    """Reads and writes the `vectors` table of one library (or a table shaped like it: `passage_vectors`, whose
    rows belong to passages). Runs on the thread that owns the library."""

    def __init__(self, library: Library, *, table: str = "vectors", id_column: str = "paper_id") -> None:
        if (table, id_column) not in _TABLES:
            raise ValueError(f"not a vector table: {table}.{id_column}")
        self.library = library
        self.table = table
        self.id_column = id_column

    def put(
        self,
        model_id: str,
        dim: int,
        paper_ids: Sequence[int],
        vectors: np.ndarray,
        text_hashes: Sequence[str],
    ) -> int:
        """Insert or replace the vectors of `paper_ids` for (model_id, dim). Returns the number written."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != dim:
            raise ValueError(f"vectors must have shape (n, {dim}), got {vectors.shape}")
        if not (len(paper_ids) == len(text_hashes) == vectors.shape[0]):
            raise ValueError("paper_ids, vectors and text_hashes must have the same length")
        vectors = normalize_rows(vectors).astype("<f4", copy=False)
        rows = [
            (int(pid), model_id, int(dim), str(hash_), vectors[i].tobytes())
            for i, (pid, hash_) in enumerate(zip(paper_ids, text_hashes, strict=True))
        ]
        with self.library.transaction() as conn:
            conn.executemany(
                f"INSERT OR REPLACE INTO {self.table}({self.id_column}, model_id, dim, text_hash, vector) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    def load(self, model_id: str, dim: int) -> tuple[np.ndarray, np.ndarray]:
        """All vectors of (model_id, dim) ordered by paper id: (ids int64 (n,), matrix float32 (n, dim))."""
        rows = self.library.conn.execute(
            f"SELECT {self.id_column}, vector FROM {self.table} WHERE model_id = ? AND dim = ? "
            f"ORDER BY {self.id_column}",
            (model_id, dim),
        ).fetchall()
        return self._to_arrays(rows, dim)

    def get(self, model_id: str, dim: int, paper_ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """The stored vectors of those papers that have one, in paper-id order: (ids, matrix)."""
        rows: list[tuple[int, bytes]] = []
        unique = sorted({int(p) for p in paper_ids})
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows += self.library.conn.execute(
                f"SELECT {self.id_column}, vector FROM {self.table} WHERE model_id = ? AND dim = ? "
                f"AND {self.id_column} IN ({marks})",
                (model_id, dim, *chunk),
            ).fetchall()
        rows.sort()
        return self._to_arrays(rows, dim)

    @staticmethod
    def _to_arrays(rows: list[tuple[int, bytes]], dim: int) -> tuple[np.ndarray, np.ndarray]:
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        if not rows:
            return ids, np.zeros((0, dim), dtype=np.float32)
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").astype(np.float32, copy=False)
        return ids, matrix.reshape(len(rows), dim)

    def text_hashes(self, model_id: str, dim: int) -> dict[int, str]:
        """paper id -> hash of the text embedded, for every vector of (model_id, dim)."""
        rows = self.library.conn.execute(
            f"SELECT {self.id_column}, text_hash FROM {self.table} WHERE model_id = ? AND dim = ?", (model_id, dim)
        ).fetchall()
        return {int(pid): str(hash_) for pid, hash_ in rows}

    def count(self, model_id: str, dim: int) -> int:
        row = self.library.conn.execute(
            f"SELECT COUNT(*) FROM {self.table} WHERE model_id = ? AND dim = ?", (model_id, dim)
        ).fetchone()
        return int(row[0])

    def models(self) -> list[dict]:
        """[{"model", "dim", "vectors"}] for every (model, dim) with stored vectors, most vectors first."""
        rows = self.library.conn.execute(
            f"SELECT model_id, dim, COUNT(*) FROM {self.table} GROUP BY model_id, dim "
            "ORDER BY COUNT(*) DESC, model_id, dim"
        ).fetchall()
        return [{"model": m, "dim": int(d), "vectors": int(n)} for m, d, n in rows]

    def checksum(self, model_id: str, dim: int) -> str:
        """Checksum of the vector set of (model_id, dim): its paper ids and text hashes."""
        return vector_set_checksum(list(self.text_hashes(model_id, dim).items()))

    def delete(self, model_id: str, dim: int, paper_ids: Sequence[int] | None = None) -> int:
        """Remove vectors of (model_id, dim): those of `paper_ids`, or all. Returns the number removed."""
        with self.library.transaction() as conn:
            if paper_ids is None:
                sql = f"DELETE FROM {self.table} WHERE model_id = ? AND dim = ?"
                return conn.execute(sql, (model_id, dim)).rowcount
            return conn.executemany(
                f"DELETE FROM {self.table} WHERE model_id = ? AND dim = ? AND {self.id_column} = ?",
                [(model_id, dim, int(p)) for p in paper_ids],
            ).rowcount
