"""Shared fixtures: real data ($LITREVIEW_TEST_DATA, see data_location.py), temporary libraries, strict threading
checks."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from data_location import data_dir, missing_reason

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real test data (docs/test-data.md); tests that need it skip, saying how to get it, when it is absent."""
    folder = data_dir()
    if not folder.is_dir():
        pytest.skip(missing_reason(folder))
    return folder


@pytest.fixture
def library_path(tmp_path: Path) -> Path:
    return tmp_path / "library.sqlite"


@pytest.fixture
def library(library_path: Path):
    from litreview.library import open_library

    lib = open_library(library_path)
    yield lib
    lib.close()


@pytest.fixture(autouse=True)
def no_leaked_threads():
    """A test that leaves a Python thread running fails (Qt threads are checked by the GUI fixtures)."""
    before = set(threading.enumerate())
    yield
    leaked = [t for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon]
    for thread in leaked:
        thread.join(timeout=5)
    still = [t.name for t in leaked if t.is_alive()]
    assert not still, f"test leaked running threads: {still}"
