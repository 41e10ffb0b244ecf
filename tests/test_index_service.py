"""IndexService: related papers, the hnswlib snapshot in SQLite, staleness, corruption and consistency."""

from __future__ import annotations

import numpy as np
import pytest

from litreview.index.ann import HnswIndex, exact_top_k, read_header
from litreview.index.service import IndexService, index_problems
from litreview.index.vectors import VectorStore
from litreview.library.settings import serving_model

MODEL = "test/model"
DIM = 16


def _add_papers(library, vectors: np.ndarray, hashes: list[str] | None = None) -> list[int]:
    with library.transaction() as conn:
        ids = [
            int(conn.execute("INSERT INTO papers(title) VALUES (?)", (f"paper {i}",)).lastrowid)
            for i in range(len(vectors))
        ]
    hashes = hashes or [f"hash-{pid}" for pid in ids]
    VectorStore(library).put(MODEL, DIM, ids, vectors, hashes)
    return ids


def _vectors(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    matrix = rng.standard_normal((n, DIM)).astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def _exact_related(ids: list[int], matrix: np.ndarray, row: int, k: int) -> list[int]:
    scores = matrix @ matrix[row]
    order = [i for i in np.argsort(-scores) if i != row]
    return [ids[i] for i in order[:k]]


@pytest.mark.parametrize("exact_search_max", [0, 10_000], ids=["hnsw", "exact"])
def test_related_matches_exact_search_and_excludes_the_paper(library, exact_search_max: int) -> None:
    matrix = _vectors(300)
    ids = _add_papers(library, matrix)
    service = IndexService(library, exact_search_max=exact_search_max)
    hits = service.related(ids[7], MODEL, DIM, k=10)
    assert [pid for pid, _ in hits] == _exact_related(ids, matrix, 7, 10)
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True)
    np.testing.assert_allclose(scores[0], float(matrix[ids.index(hits[0][0])] @ matrix[7]), atol=1e-5)
    assert ids[7] not in [pid for pid, _ in hits]


def test_related_excludes_duplicates_and_clamps_k(library) -> None:
    matrix = _vectors(4)
    matrix[1] = matrix[0]
    ids = _add_papers(library, matrix, ["same", "same", "b", "c"])
    hits = IndexService(library).related(ids[0], MODEL, DIM, k=10)
    assert sorted(pid for pid, _ in hits) == [ids[2], ids[3]]
    assert IndexService(library).related(ids[0], MODEL, DIM, k=1) == hits[:1]


def test_related_of_a_paper_without_vector_is_a_key_error(library) -> None:
    _add_papers(library, _vectors(3))
    with pytest.raises(KeyError, match="no vector"):
        IndexService(library).related(12345, MODEL, DIM)


def test_snapshot_is_stamped_and_reloaded_without_rebuild(library) -> None:
    matrix = _vectors(50)
    ids = _add_papers(library, matrix)
    first = IndexService(library, exact_search_max=0)
    expected = first.related(ids[3], MODEL, DIM, k=5)
    row = library.query("SELECT * FROM index_snapshots")[0]
    assert (row["model_id"], row["dim"], row["element_count"]) == (MODEL, DIM, 50)
    assert (row["m"], row["ef_construction"]) == (first.m, first.ef_construction)
    header = read_header(row["data"])  # hnswlib's own format, not a pickle
    assert (header.element_count, header.m, header.ef_construction) == (50, first.m, first.ef_construction)
    assert row["checksum"].startswith("vectors:" + VectorStore(library).checksum(MODEL, DIM))

    second = IndexService(library, exact_search_max=0)
    assert second.related(ids[3], MODEL, DIM, k=5) == expected
    assert second.problems(MODEL, DIM) == []
    assert library.query("SELECT created_at FROM index_snapshots")[0]["created_at"] == row["created_at"]


def test_stale_snapshot_is_rebuilt(library) -> None:
    ids = _add_papers(library, _vectors(20))
    IndexService(library).related(ids[0], MODEL, DIM)
    new_ids = _add_papers(library, _vectors(5, seed=1))  # written behind the saved index's back
    service = IndexService(library, exact_search_max=0)
    related = [pid for pid, _ in service.related(ids[0], MODEL, DIM, k=30)]
    assert set(new_ids) <= set(related)
    assert any("20 elements but there are 25 vectors" in p for p in service.problems(MODEL, DIM))
    assert index_problems(library) == {"vectors": 25, "index_consistent": True, "problems": []}


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_snapshot_is_reported_then_rebuilt(library, damage: str) -> None:
    from litreview.index.ann import data_digest

    ids = _add_papers(library, _vectors(30))
    IndexService(library).related(ids[0], MODEL, DIM)
    data, checksum = library.conn.execute("SELECT data, checksum FROM index_snapshots").fetchone()
    if damage == "garbage":
        bad = bytes(len(data))
    else:  # a consistent digest, so the bytes reach hnswlib's loader, which must refuse them
        bad = data[: len(data) // 2]
        checksum = checksum.split(" data:")[0] + " data:" + data_digest(bad)
    with library.transaction() as conn:
        conn.execute("UPDATE index_snapshots SET data = ?, checksum = ?", (bad, checksum))
    report = index_problems(library)
    assert report["index_consistent"] is False and report["vectors"] == 30
    assert "reindex" in report["problems"][0]
    service = IndexService(library, exact_search_max=0)
    assert len(service.related(ids[0], MODEL, DIM, k=100)) == 29
    assert service.problems(MODEL, DIM)
    assert index_problems(library)["index_consistent"] is True


def test_deleted_and_reembedded_papers_are_followed(library) -> None:
    matrix = _vectors(40)
    ids = _add_papers(library, matrix)
    service = IndexService(library, exact_search_max=0)
    nearest = service.related(ids[0], MODEL, DIM, k=1)[0][0]
    with library.transaction() as conn:
        conn.execute("DELETE FROM papers WHERE id = ?", (nearest,))
    after = [pid for pid, _ in service.related(ids[0], MODEL, DIM, k=100)]
    assert nearest not in after and len(after) == 38
    # Re-embedding paper 5 as a copy of paper 0's vector makes it the nearest neighbour.
    VectorStore(library).put(MODEL, DIM, [ids[5]], matrix[:1], ["new text"])
    top, score = service.related(ids[0], MODEL, DIM, k=1)[0]
    assert top == ids[5] and score == pytest.approx(1.0, abs=1e-5)
    service.save(MODEL, DIM)
    reloaded = IndexService(library, exact_search_max=0)
    expected = [ids[5], *(pid for pid in after if pid != ids[5])]
    assert [pid for pid, _ in reloaded.related(ids[0], MODEL, DIM, k=100)] == expected
    assert reloaded.problems(MODEL, DIM) == []


def test_incremental_add_grows_the_index(library) -> None:
    ids = _add_papers(library, _vectors(10))
    service = IndexService(library, exact_search_max=0)
    service.related(ids[0], MODEL, DIM)
    more = _vectors(200, seed=2)
    new_ids = _add_papers(library, more)
    service.add(MODEL, DIM, new_ids, more)
    service.save(MODEL, DIM)
    assert library.query("SELECT element_count FROM index_snapshots")[0]["element_count"] == 210
    assert len(service.related(new_ids[0], MODEL, DIM, k=500)) == 209
    assert service.consistency(MODEL, DIM)["consistent"] is True


def test_rebuild_all_and_orphan_snapshots(library) -> None:
    _add_papers(library, _vectors(5))
    service = IndexService(library)
    assert service.consistency(MODEL, DIM)["problems"][0].startswith(f"index for {MODEL} (16 dims) is missing")
    [result] = service.rebuild_all()
    assert (result["model"], result["dim"], result["vectors"]) == (MODEL, DIM, 5)
    VectorStore(library).delete(MODEL, DIM)
    assert "has no vectors left" in index_problems(library)["problems"][0]
    assert service.rebuild_all() == []
    assert library.query("SELECT COUNT(*) AS n FROM index_snapshots")[0]["n"] == 0


def test_search_by_vector_and_exact_top_k(library) -> None:
    matrix = _vectors(25)
    ids = _add_papers(library, matrix)
    hits = IndexService(library).search(MODEL, DIM, matrix[4], k=3)
    assert hits[0][0] == ids[4] and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    top_ids, top_scores = exact_top_k(np.eye(3, dtype=np.float32), np.array([7, 8, 9]), np.array([0, 1, 0]), 5)
    assert top_ids.tolist()[0] == 8 and top_scores.tolist()[0] == 1.0 and len(top_ids) == 3


def test_hnsw_index_round_trips_through_bytes_with_deletions() -> None:
    matrix = _vectors(100)
    index = HnswIndex.build(np.arange(100), matrix)
    index.mark_deleted([3])
    loaded = HnswIndex.from_bytes(index.to_bytes(), DIM, deleted=[3])
    labels, scores = loaded.query(matrix[3], 5)
    assert 3 not in labels.tolist() and loaded.live_count == 99
    labels, _ = loaded.query(matrix[10], 1)
    assert labels.tolist() == [10]


def test_serving_model_prefers_settings_then_most_vectors(library) -> None:
    assert serving_model(library) is None
    _add_papers(library, _vectors(3))
    assert serving_model(library) == (MODEL, DIM)
    library.set_setting("model_id", "other/model")
    library.set_setting("dim", "384")
    assert serving_model(library) == ("other/model", 384)


def test_deletes_and_merges_keep_the_passage_index_in_step(library) -> None:
    """#15: after a delete or a merge `doctor` found the passage snapshot stale until the worker's next embedding
    run wrote it; index_in_step keeps the passage index in step as it does the papers' index."""
    from litreview.index.service import passage_index
    from litreview.index.upkeep import index_in_step
    from litreview.library.merge import merge_papers
    from litreview.library.trash import move_to_trash, restore

    papers = _add_papers(library, _vectors(3))
    with library.transaction() as conn:
        for pid in papers:
            for seq in range(4):
                conn.execute("INSERT INTO passages(paper_id, seq, page, kind, text) VALUES (?, ?, 1, 'body', ?)",
                             (pid, seq, f"passage {seq} of paper {pid}"))
    passage_ids = [row[0] for row in library.conn.execute("SELECT id FROM passages ORDER BY id")]
    passages = passage_index(library)
    passages.store.put(MODEL, DIM, passage_ids, _vectors(len(passage_ids), seed=1),
                       [f"p{pid}" for pid in passage_ids])
    IndexService(library).rebuild(MODEL, DIM)
    passages.rebuild(MODEL, DIM)
    assert index_problems(library)["problems"] == []

    with index_in_step(library):
        move_to_trash(library, [papers[1]])
    assert passages.store.count(MODEL, DIM) == 8
    assert index_problems(library)["problems"] == []
    with index_in_step(library):
        restore(library, [papers[1]])
    assert index_problems(library)["problems"] == []
    with index_in_step(library):
        merge_papers(library, papers[0], papers[2])
    assert index_problems(library)["problems"] == []
