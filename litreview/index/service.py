"""IndexService: one ANN index per (model, dim), kept in step with the vector store and snapshotted into SQLite.

The vectors table is the source of truth; the hnswlib index is a cache derived from it. An index is loaded
lazily from its snapshot, checked against the vector set (count, checksum of ids + text hashes, and a digest
of the bytes before they reach hnswlib's C++ loader) and rebuilt from the vectors when it is missing, stale or
corrupt. While loaded it follows the store incrementally: new or re-embedded papers are added, removed ones
marked deleted. Runs on the thread that owns the library (the worker or the CLI).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from litreview.index.ann import (
    DEFAULT_EF_CONSTRUCTION,
    DEFAULT_EF_SEARCH,
    DEFAULT_M,
    CorruptIndex,
    HnswIndex,
    data_digest,
    exact_top_k,
    read_header,
)
from litreview.index.vectors import VectorStore, vector_set_checksum
from litreview.library.db import Library

log = logging.getLogger(__name__)

# Up to this many vectors, queries use exact numpy search over the stored matrix: it is exact and, at this size,
# about as fast as HNSW (benchmarks/index.py prints both). The hnswlib index is still kept and snapshotted.
EXACT_SEARCH_MAX = 5000
_SNAPSHOT_TABLES = ("index_snapshots", "passage_index_snapshots")
# save() compacts (rebuilds) an index when more than this share of its slots belongs to deleted elements.
COMPACT_DELETED_SHARE = 0.25


@dataclass
class _LoadedIndex:
    ann: HnswIndex
    hashes: dict[int, str]  # label -> text hash of what the index holds (live elements only)
    generation: tuple[int, int]  # (connection total_changes, PRAGMA data_version) when last in step
    exact: tuple[np.ndarray, np.ndarray] | None = None  # (ids, matrix) cache for exact search
    by_hash: dict[str, list[int]] | None = None  # text hash -> paper ids, for excluding duplicates
    problems: list[str] = field(default_factory=list)  # why it was rebuilt when loaded


def _snapshot_checksum(vectors_checksum: str, data: bytes) -> str:
    """The `checksum` column: the vector-set checksum, plus a digest of the bytes to catch corruption."""
    return f"vectors:{vectors_checksum} data:{data_digest(data)}"


def _parse_snapshot_checksum(value: str) -> tuple[str, str]:
    parts = dict(part.split(":", 1) for part in value.split() if ":" in part)
    return parts.get("vectors", ""), parts.get("data", "")


class IndexService:
    """Related papers and vector search over every (model, dim) of one library."""

    def __init__(
        self,
        library: Library,
        *,
        m: int = DEFAULT_M,
        ef_construction: int = DEFAULT_EF_CONSTRUCTION,
        ef_search: int = DEFAULT_EF_SEARCH,
        exact_search_max: int = EXACT_SEARCH_MAX,
        store: VectorStore | None = None,
        snapshots: str = "index_snapshots",
    ) -> None:
        """`store` and `snapshots` name another vector table and its snapshot table (see passage_index)."""
        if snapshots not in _SNAPSHOT_TABLES:
            raise ValueError(f"not a snapshot table: {snapshots}")
        self.library = library
        self.store = store or VectorStore(library)
        self.snapshots = snapshots
        self.m = m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self.exact_search_max = exact_search_max
        self._loaded: dict[tuple[str, int], _LoadedIndex] = {}

    # --- public API ---------------------------------------------------------------------------------
    def add(self, model_id: str, dim: int, ids: Sequence[int] | np.ndarray, vectors: np.ndarray) -> None:
        """Add (or replace) vectors that were just put into the vector store, growing the index as needed."""
        key = (model_id, int(dim))
        state = self._loaded.get(key)
        if state is None:
            self._get(model_id, dim)  # a fresh load or rebuild already reflects the store
            return
        ids = np.asarray(ids, dtype=np.int64)
        state.ann.add(ids, np.asarray(vectors, dtype=np.float32))
        stored = self._hashes_of(model_id, dim, ids.tolist())
        for pid in ids.tolist():
            # A vector missing from the store gets an empty hash, so the next sync removes it again.
            state.hashes[pid] = stored.get(pid, "")
        state.exact = None
        state.by_hash = None
        self._sync(key, state)

    def load(self, model_id: str, dim: int) -> None:
        """Load (or rebuild) the index of (model_id, dim) now, so that later changes of the vector store are
        followed incrementally instead of by a rebuild."""
        self._get(model_id, dim)

    def save(self, model_id: str, dim: int) -> None:
        """Write the index snapshot (compacting away deleted elements first when they pile up)."""
        key = (model_id, int(dim))
        state = self._get(model_id, dim)
        ann = state.ann
        if ann.element_count and len(ann.deleted) > COMPACT_DELETED_SHARE * ann.element_count:
            self._build(model_id, dim)  # writes its own snapshot
            return
        self._write_snapshot(key, state)

    def related(self, paper_id: int, model_id: str, dim: int, k: int = 10) -> list[tuple[int, float]]:
        """The k papers most similar to `paper_id` as (id, cosine), best first; the paper itself and its
        duplicates (papers whose embedded text is identical) excluded, k clamped to what exists.

        KeyError when the paper has no vector for (model_id, dim).
        """
        state = self._get(model_id, dim)
        own_hash = state.hashes.get(int(paper_id))
        if own_hash is None:
            raise KeyError(f"paper {paper_id} has no vector for model {model_id} ({dim} dims)")
        if state.by_hash is None:
            by_hash: dict[str, list[int]] = {}
            for pid, hash_ in state.hashes.items():
                by_hash.setdefault(hash_, []).append(pid)
            state.by_hash = by_hash
        excluded = set(state.by_hash.get(own_hash, [])) | {int(paper_id)}
        want = min(k, len(state.hashes) - len(excluded))
        if want <= 0:
            return []
        _, vector = self.store.get(model_id, dim, [int(paper_id)])
        hits = self._top_k(state, vector[0], want + len(excluded))
        return [(pid, score) for pid, score in hits if pid not in excluded][:want]

    def search(self, model_id: str, dim: int, vector: np.ndarray, k: int = 10) -> list[tuple[int, float]]:
        """The k papers nearest to a (unit) query vector as (id, cosine), best first."""
        state = self._get(model_id, dim)
        if k <= 0 or not state.hashes:
            return []
        return self._top_k(state, np.asarray(vector, dtype=np.float32).reshape(-1), k)

    def rebuild(self, model_id: str, dim: int) -> dict:
        """Rebuild the index of (model_id, dim) from the stored vectors and snapshot it."""
        start = time.perf_counter()
        state = self._build(model_id, dim)
        return {
            "model": model_id,
            "dim": int(dim),
            "vectors": len(state.hashes),
            "m": state.ann.m,
            "ef_construction": state.ann.ef_construction,
            "seconds": round(time.perf_counter() - start, 3),
        }

    def rebuild_all(self) -> list[dict]:
        """Rebuild every (model, dim) that has vectors and drop snapshots that have none."""
        results = [self.rebuild(entry["model"], entry["dim"]) for entry in self.store.models()]
        self.drop_orphan_snapshots()
        return results

    def drop_orphan_snapshots(self) -> None:
        """Delete the snapshots of every (model, dim) that has no vector left."""
        with self.library.transaction() as conn:
            conn.execute(
                f"DELETE FROM {self.snapshots} WHERE NOT EXISTS (SELECT 1 FROM {self.store.table} v "
                f"WHERE v.model_id = {self.snapshots}.model_id AND v.dim = {self.snapshots}.dim)"
            )

    def consistency(self, model_id: str, dim: int) -> dict:
        """Does the stored snapshot of (model_id, dim) match the vectors? Reads only; rebuilds nothing."""
        hashes = self.store.text_hashes(model_id, dim)
        problems: list[str] = []
        row = self.library.conn.execute(
            f"SELECT data, element_count, m, ef_construction, checksum FROM {self.snapshots} "
            "WHERE model_id = ? AND dim = ?",
            (model_id, dim),
        ).fetchone()
        name = f"{model_id} ({dim} dims)"
        if row is None:
            if hashes:
                problems.append(f"index for {name} is missing ({len(hashes)} vectors); run 'litreview reindex'")
        else:
            try:
                self._check_snapshot(row, hashes, dim)
            except (CorruptIndex, _StaleIndex) as exc:
                problems.append(f"index for {name}: {exc}; run 'litreview reindex'")
        return {
            "model": model_id,
            "dim": int(dim),
            "vectors": len(hashes),
            "snapshot_elements": None if row is None else int(row[1]),
            "consistent": not problems,
            "problems": problems,
        }

    def problems(self, model_id: str, dim: int) -> list[str]:
        """Why the loaded index of (model_id, dim) had to be rebuilt, if it was."""
        state = self._loaded.get((model_id, int(dim)))
        return list(state.problems) if state else []

    # --- loading and keeping in step ----------------------------------------------------------------
    def _generation(self) -> tuple[int, int]:
        conn = self.library.conn
        return conn.total_changes, int(conn.execute("PRAGMA data_version").fetchone()[0])

    def _get(self, model_id: str, dim: int) -> _LoadedIndex:
        key = (model_id, int(dim))
        state = self._loaded.get(key)
        if state is not None:
            self._sync(key, state)
            return state
        problems: list[str] = []
        state = self._load_snapshot(key, problems)
        if state is None:
            state = self._build(model_id, dim)
            for problem in problems:
                # A missing index is normal for a new library; a stale or corrupt one is worth a warning.
                log.log(logging.INFO if problem.endswith("was missing") else logging.WARNING, "%s; rebuilt", problem)
            state.problems = problems
        return state

    def _load_snapshot(self, key: tuple[str, int], problems: list[str]) -> _LoadedIndex | None:
        model_id, dim = key
        row = self.library.conn.execute(
            f"SELECT data, element_count, m, ef_construction, checksum FROM {self.snapshots} "
            "WHERE model_id = ? AND dim = ?",
            key,
        ).fetchone()
        hashes = self.store.text_hashes(model_id, dim)
        if row is None:
            if hashes:
                problems.append(f"index for {model_id} ({dim} dims) was missing")
            return None
        try:
            ann = self._check_snapshot(row, hashes, dim)
        except (CorruptIndex, _StaleIndex) as exc:
            problems.append(f"index for {model_id} ({dim} dims): {exc}")
            return None
        state = _LoadedIndex(ann=ann, hashes=hashes, generation=self._generation())
        self._loaded[key] = state
        return state

    def _check_snapshot(self, row: tuple, hashes: dict[int, str], dim: int) -> HnswIndex:
        """The loaded snapshot, or _StaleIndex / CorruptIndex saying what is wrong with it."""
        data, element_count, m, ef_construction, checksum = row
        vectors_checksum, digest = _parse_snapshot_checksum(checksum)
        if int(element_count) != len(hashes):
            raise _StaleIndex(f"holds {element_count} elements but there are {len(hashes)} vectors")
        if vectors_checksum != vector_set_checksum(list(hashes.items())):
            raise _StaleIndex("was built from a different set of vectors")
        if digest != data_digest(data):
            raise CorruptIndex("snapshot bytes are corrupt (digest mismatch)")
        header = read_header(data)
        if header.m != m or header.ef_construction != ef_construction:
            raise CorruptIndex("snapshot header does not match its parameters")
        ann = HnswIndex.from_bytes(bytes(data), dim, ef_search=self.ef_search)
        labels = {int(i) for i in ann._index.get_ids_list()}
        if not set(hashes) <= labels:
            raise _StaleIndex("lacks some of the stored vectors")
        for label in labels - set(hashes):  # deleted before the snapshot was taken
            try:
                ann._index.mark_deleted(label)
            except RuntimeError:
                pass  # already marked deleted in the file
            ann.deleted.add(label)
        return ann

    def _build(self, model_id: str, dim: int) -> _LoadedIndex:
        key = (model_id, int(dim))
        ids, matrix = self.store.load(model_id, dim)
        ann = HnswIndex.build(
            ids, matrix, m=self.m, ef_construction=self.ef_construction, ef_search=self.ef_search
        )
        state = _LoadedIndex(ann=ann, hashes=self.store.text_hashes(model_id, dim), generation=(0, 0))
        if len(state.hashes) != len(ids):  # written between the two reads: follow the store
            state.hashes = {int(pid): state.hashes.get(int(pid), "") for pid in ids.tolist()}
        self._loaded[key] = state
        self._write_snapshot(key, state)
        return state

    def _write_snapshot(self, key: tuple[str, int], state: _LoadedIndex) -> None:
        self._sync(key, state)
        if self.library.read_only:
            return  # a reader of a library another process owns keeps what it built in memory
        model_id, dim = key
        if not state.hashes:
            with self.library.transaction() as conn:
                conn.execute(f"DELETE FROM {self.snapshots} WHERE model_id = ? AND dim = ?", key)
            state.generation = self._generation()
            return
        data = state.ann.to_bytes()
        checksum = _snapshot_checksum(vector_set_checksum(list(state.hashes.items())), data)
        with self.library.transaction() as conn:
            conn.execute(
                f"INSERT OR REPLACE INTO {self.snapshots}"
                "(model_id, dim, data, element_count, m, ef_construction, checksum) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (model_id, dim, data, len(state.hashes), state.ann.m, state.ann.ef_construction, checksum),
            )
        state.generation = self._generation()

    def _sync(self, key: tuple[str, int], state: _LoadedIndex) -> None:
        """Bring a loaded index in step with the vector store (cheap when nothing was written since)."""
        generation = self._generation()
        if generation == state.generation:
            return
        model_id, dim = key
        hashes = self.store.text_hashes(model_id, dim)
        if hashes != state.hashes:
            removed = set(state.hashes) - set(hashes)
            changed = [pid for pid, hash_ in hashes.items() if state.hashes.get(pid) != hash_]
            state.ann.mark_deleted(sorted(removed))
            ids, matrix = self.store.get(model_id, dim, changed)
            state.ann.add(ids, matrix)
            state.hashes = hashes
            state.exact = None
            state.by_hash = None
        state.generation = self._generation()

    def _hashes_of(self, model_id: str, dim: int, ids: list[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        table, column = self.store.table, self.store.id_column
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.library.conn.execute(
                f"SELECT {column}, text_hash FROM {table} WHERE model_id = ? AND dim = ? AND {column} IN ({marks})",
                (model_id, dim, *chunk),
            ).fetchall()
            found.update({int(pid): str(hash_) for pid, hash_ in rows})
        return found

    def _top_k(self, state: _LoadedIndex, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        if len(state.hashes) <= self.exact_search_max:
            if state.exact is None:
                ids = np.fromiter(sorted(state.hashes), dtype=np.int64, count=len(state.hashes))
                state.exact = (ids, state.ann._index.get_items(ids, return_type="numpy").astype(np.float32))
            ids, scores = exact_top_k(state.exact[1], state.exact[0], vector, k)
        else:
            try:
                ids, scores = state.ann.query(vector, k)
            except RuntimeError:
                # Too few reachable live elements for this ef (many deletions): widen the search once.
                state.ann.ef_search = max(state.ann.ef_search * 4, k * 4)
                ids, scores = state.ann.query(vector, k)
        return [(int(i), float(s)) for i, s in zip(ids.tolist(), scores.tolist(), strict=True)]


def passage_index(library: Library, **options: int) -> IndexService:
    """The IndexService over passage vectors: labels are passage ids, snapshots in passage_index_snapshots."""
    store = VectorStore(library, table="passage_vectors", id_column="passage_id")
    return IndexService(library, store=store, snapshots="passage_index_snapshots", **options)


class _StaleIndex(Exception):
    """A snapshot built from another set of vectors."""


def index_problems(library: Library) -> dict:
    """For `litreview doctor`: {"vectors": n, "index_consistent": bool, "problems": [str]} over every (model, dim)."""
    service = IndexService(library)
    total, problems = 0, []
    for entry in service.store.models():
        report = service.consistency(entry["model"], entry["dim"])
        total += report["vectors"]
        problems += report["problems"]
    orphans = library.conn.execute(
        "SELECT model_id, dim FROM index_snapshots s WHERE NOT EXISTS "
        "(SELECT 1 FROM vectors v WHERE v.model_id = s.model_id AND v.dim = s.dim)"
    ).fetchall()
    problems += [f"index for {m} ({d} dims) has no vectors left; run 'litreview reindex'" for m, d in orphans]
    passages = passage_index(library)
    for entry in passages.store.models():
        report = passages.consistency(entry["model"], entry["dim"])
        problems += [f"passage {problem}" for problem in report["problems"]]
    return {"vectors": total, "index_consistent": not problems, "problems": problems}
