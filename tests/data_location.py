"""Where the real test data lives: tests that need it skip, and benchmarks stop, with a reason saying how to get it.

The data (public PDFs with ground truth, messy BibTeX, the BEIR SciFact split, arXiv metadata, SYNERGY reviews) is
not part of the repository; docs/test-data.md describes its layout. It is found at $LITREVIEW_TEST_DATA, else at
../shared/data next to the project folder.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_ENV = "LITREVIEW_TEST_DATA"


def data_dir() -> Path:
    """$LITREVIEW_TEST_DATA, else ../shared/data next to the project folder (it may not exist)."""
    configured = os.environ.get(DATA_ENV)
    return Path(configured).expanduser() if configured else ROOT.parent / "shared" / "data"


def missing_reason(path: Path | None = None) -> str:
    """Why the real data is not there and how to get it (a skip reason or an error message)."""
    where = path or data_dir()
    return (
        f"real test data not found at {where}: set {DATA_ENV}=/path/to/data (or place it at ../shared/data next to "
        "the project); docs/test-data.md lists what it holds (public PDFs with ground truth, BibTeX files, BEIR "
        "SciFact, arXiv and SYNERGY records) and where each part comes from"
    )


def data_part(root: Path, relative: str, what: str, must_hold: str | None = None) -> Path:
    """`root/relative` (holding `must_hold` when given), or a pytest skip saying what is missing and how to get it."""
    import pytest

    folder = root / relative
    if not (folder / must_hold if must_hold else folder).exists():
        pytest.skip(f"{what} not found at {folder}: it is part of the test data (docs/test-data.md)")
    return folder
