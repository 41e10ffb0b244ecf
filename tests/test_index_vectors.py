"""The vector store: float32 blobs per (paper, model, dim) with text hashes, the source of truth."""

from __future__ import annotations

import numpy as np
import pytest

from litreview.index.vectors import VectorStore, text_hash, vector_set_checksum


def _papers(library, n: int) -> list[int]:
    with library.transaction() as conn:
        return [int(conn.execute("INSERT INTO papers(title) VALUES (?)", (f"paper {i}",)).lastrowid) for i in range(n)]


def test_put_and_load_round_trip_normalises_and_orders_by_id(library) -> None:
    ids = _papers(library, 3)
    store = VectorStore(library)
    vectors = np.array([[3.0, 4.0], [0.0, 2.0], [1.0, 0.0]], dtype=np.float32)
    store.put("m", 2, ids[::-1], vectors, ["h2", "h1", "h0"])
    loaded_ids, matrix = store.load("m", 2)
    assert loaded_ids.tolist() == ids
    assert loaded_ids.dtype == np.int64 and matrix.dtype == np.float32
    np.testing.assert_allclose(matrix, [[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], atol=1e-6)
    assert store.text_hashes("m", 2) == {ids[0]: "h0", ids[1]: "h1", ids[2]: "h2"}
    got_ids, got = store.get("m", 2, [ids[2], 999])
    assert got_ids.tolist() == [ids[2]]
    np.testing.assert_allclose(got, [[0.6, 0.8]], atol=1e-6)


def test_models_are_independent_and_replacing_keeps_one_row(library) -> None:
    ids = _papers(library, 2)
    store = VectorStore(library)
    store.put("a", 2, ids, np.eye(2, dtype=np.float32), ["x", "y"])
    store.put("b", 3, ids[:1], np.ones((1, 3), dtype=np.float32), ["x"])
    store.put("a", 2, ids[:1], np.array([[0.0, 1.0]], dtype=np.float32), ["x2"])
    assert store.models() == [{"model": "a", "dim": 2, "vectors": 2}, {"model": "b", "dim": 3, "vectors": 1}]
    assert store.text_hashes("a", 2)[ids[0]] == "x2"
    assert store.delete("a", 2) == 2
    assert store.count("a", 2) == 0 and store.count("b", 3) == 1


def test_vectors_follow_their_paper_when_it_is_deleted(library) -> None:
    ids = _papers(library, 2)
    store = VectorStore(library)
    store.put("m", 2, ids, np.eye(2, dtype=np.float32), ["x", "y"])
    with library.transaction() as conn:
        conn.execute("DELETE FROM papers WHERE id = ?", (ids[0],))
    assert list(store.text_hashes("m", 2)) == [ids[1]]


def test_put_rejects_wrong_shapes(library) -> None:
    ids = _papers(library, 2)
    store = VectorStore(library)
    with pytest.raises(ValueError, match="shape"):
        store.put("m", 3, ids, np.eye(2, dtype=np.float32), ["x", "y"])
    with pytest.raises(ValueError, match="same length"):
        store.put("m", 2, ids, np.eye(2, dtype=np.float32), ["x"])


def test_checksum_covers_ids_and_text_hashes(library) -> None:
    ids = _papers(library, 2)
    store = VectorStore(library)
    store.put("m", 2, ids, np.eye(2, dtype=np.float32), ["x", "y"])
    before = store.checksum("m", 2)
    assert before == vector_set_checksum([(ids[1], "y"), (ids[0], "x")])
    store.put("m", 2, ids[:1], np.eye(2, dtype=np.float32)[:1], ["x-changed"])
    assert store.checksum("m", 2) != before
    assert text_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
