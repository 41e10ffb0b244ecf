"""Kill `litreview import` at random moments; every restart must finish with a consistent library (issue #7)."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest


# Passages (full text) have their own resumable-indexing tests; these imports are about papers and vectors.
def _cli(library: Path, *argv: str) -> list[str]:
    return [sys.executable, "-m", "litreview", "--library", str(library), *argv]


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}


def _pdf_folder(shared_data: Path, tmp_path: Path, count: int) -> Path:
    """A folder of symlinks to real PDFs (the test data is read-only and must not be copied into the project)."""
    folder = tmp_path / "pdfs"
    folder.mkdir()
    sources = sorted((shared_data / "pdfs" / "ground-truth").glob("*.pdf"))[:count]
    for source in sources:
        (folder / source.name).symlink_to(source)
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.4\n this is not really a pdf")
    return folder


@pytest.mark.timeout(900)
def test_import_survives_sigkill(shared_data, tmp_path):
    folder = _pdf_folder(shared_data, tmp_path, count=30)
    library = tmp_path / "library.sqlite"
    rng = random.Random(7)
    kills = 0
    for _ in range(4):
        process = subprocess.Popen(
            _cli(library, "import", str(folder), "--no-fulltext", "--json"),
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(1.0, 8.0))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait(timeout=60)
    assert kills >= 2, "the import finished too fast to be interrupted: nothing was tested"

    final = subprocess.run(
        _cli(library, "import", str(folder), "--no-fulltext", "--json"), env=_env(), capture_output=True, text=True,
        timeout=600,
    )
    assert final.returncode == 0, final.stderr
    _assert_consistent(library, folder)

    doctor = subprocess.run(_cli(library, "doctor", "--json"), env=_env(), capture_output=True, text=True, timeout=300)
    report = json.loads(doctor.stdout)
    assert report["integrity"] == "ok"
    assert report["index_consistent"] is True, report["problems"]
    assert report["vectors"] > 0


def _assert_consistent(library: Path, folder: Path) -> None:
    conn = sqlite3.connect(library)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        paths = {str(p.resolve()) for p in folder.glob("*.pdf")}
        # Every PDF is imported (a file row) or failed with a reason in the log.
        filed = {row[0] for row in conn.execute("SELECT path FROM files")}
        failed = {
            row[0]: row[1] for row in conn.execute("SELECT path, reason FROM import_log WHERE outcome = 'failed'")
        }
        assert paths <= filed | set(failed), sorted(paths - filed - set(failed))
        assert all(failed[p] for p in paths & set(failed))
        # No file recorded twice, no paper stored twice for one file.
        assert conn.execute("SELECT count(*) - count(DISTINCT path) FROM files").fetchone()[0] == 0
        assert (
            conn.execute(
                "SELECT count(*) FROM (SELECT sha256 FROM files GROUP BY sha256 HAVING count(DISTINCT paper_id) > 1)"
            ).fetchone()[0]
            == 0
        )
        assert conn.execute("SELECT count(*) FROM jobs WHERE state = 'queued'").fetchone()[0] == 0
    finally:
        conn.close()


def _import_json(library: Path, folder: Path) -> subprocess.CompletedProcess:
    """`litreview import FOLDER --no-embed --no-fulltext --json` in a child process."""
    return subprocess.run(_cli(library, "import", str(folder), "--no-embed", "--no-fulltext", "--json"),
                          env=_env(), capture_output=True, text=True, timeout=300)


def test_import_twice_adds_nothing(shared_data, tmp_path):
    folder = _pdf_folder(shared_data, tmp_path, count=6)
    library = tmp_path / "library.sqlite"
    first = _import_json(library, folder)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["imported"] + summary["duplicates"] == 6
    assert [f["path"].endswith("corrupt.pdf") for f in summary["failed"]] == [True]
    second = _import_json(library, folder)
    again = json.loads(second.stdout)
    assert again["imported"] == 0 and again["duplicates"] == 6 and len(again["failed"]) == 1
    _assert_consistent(library, folder)


@pytest.mark.timeout(600)
def test_ctrl_c_cancels_cleanly_and_says_how_to_resume(shared_data, tmp_path):
    folder = _pdf_folder(shared_data, tmp_path, count=30)
    library = tmp_path / "library.sqlite"
    process = subprocess.Popen(_cli(library, "import", str(folder), "--no-fulltext", "--json"), env=_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3.0)
    if process.poll() is not None:
        pytest.fail("the import finished before it could be interrupted: nothing was tested")
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    assert "Run the same command again" in err and "Traceback" not in err
    resumed = subprocess.run(_cli(library, "import", str(folder), "--no-fulltext", "--json"), env=_env(),
                             capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    final = subprocess.run(_cli(library, "import", str(folder), "--no-fulltext", "--json"), env=_env(),
                           capture_output=True, text=True, timeout=600)
    assert json.loads(final.stdout)["imported"] == 0
    _assert_consistent(library, folder)
