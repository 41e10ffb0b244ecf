"""`litreview related`, `search --mode keyword` and `reindex` against a library with stored vectors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from litreview.cli import main
from litreview.index.vectors import VectorStore

MODEL = "test/model"


@pytest.fixture
def filled(library, library_path):
    rng = np.random.default_rng(3)
    titles = ["Graph neural networks", "Graph kernels", "Protein folding", "Untitled scan"]
    with library.transaction() as conn:
        ids = [int(conn.execute("INSERT INTO papers(title) VALUES (?)", (t,)).lastrowid) for t in titles]
    matrix = rng.standard_normal((3, 8)).astype(np.float32)
    matrix[1] = matrix[0] + 0.01
    VectorStore(library).put(MODEL, 8, ids[:3], matrix, ["a", "b", "c"])  # the scan has no vector
    return library_path, ids


def run_json(capsys, *argv: str):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else captured.err)


def test_related_prints_the_contract_rows(filled, capsys) -> None:
    path, ids = filled
    code, rows = run_json(capsys, "--library", str(path), "related", str(ids[0]), "-k", "5", "--json")
    assert code == 0
    assert [row["id"] for row in rows] == [ids[1], ids[2]]  # clamped to what exists, itself excluded
    assert rows[0]["title"] == "Graph kernels" and rows[0]["score"] > rows[1]["score"]
    assert set(rows[0]) == {"id", "title", "score", "why"}  # the contract keys, and the shared terms


def test_related_failures_are_one_line(filled, capsys) -> None:
    path, ids = filled
    code, err = run_json(capsys, "--library", str(path), "related", "999")
    assert code == 1 and "no paper with id 999" in err
    code, err = run_json(capsys, "--library", str(path), "related", str(ids[3]))
    assert code == 1 and "has no embedding" in err and err.count("\n") == 1


def test_keyword_search_and_reindex(filled, capsys) -> None:
    path, ids = filled
    code, rows = run_json(capsys, "--library", str(path), "search", "graph", "--mode", "keyword", "--json")
    assert code == 0 and {row["id"] for row in rows} == {ids[0], ids[1]}
    code, report = run_json(capsys, "--library", str(path), "reindex", "--json")
    assert code == 0 and report["rebuilt"][0]["vectors"] == 3 and report["rebuilt"][0]["model"] == MODEL


def test_related_without_embeddings_says_so(library, library_path, capsys) -> None:
    with library.transaction() as conn:
        conn.execute("INSERT INTO papers(id, title) VALUES (1, 'x')")
    code, err = run_json(capsys, "--library", str(library_path), "related", "1")
    assert code == 1 and "no embeddings" in err and "run 'litreview import --resume'" in err  # what to do next


def test_related_and_search_read_a_library_another_process_owns(filled) -> None:
    """The window owns the library (here: this process holds it open); `related` and `search` in another process
    only read, so they answer through a read-only connection, building the index in memory, and write nothing."""
    import subprocess
    import sys

    path, ids = filled

    def cli(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "litreview", "--library", str(path), *argv],
                              capture_output=True, text=True, timeout=120)

    related = cli("related", str(ids[0]), "--json")
    assert related.returncode == 0, related.stderr
    assert [row["id"] for row in json.loads(related.stdout)] == [ids[1], ids[2]]
    found = cli("search", "graph", "--mode", "keyword", "--json")
    assert found.returncode == 0 and {row["id"] for row in json.loads(found.stdout)} == {ids[0], ids[1]}
    refused = cli("reindex")  # a command that writes is still refused
    assert refused.returncode == 1 and "open in litreview" in refused.stderr
    import sqlite3

    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM index_snapshots").fetchone()[0] == 0  # nothing written
