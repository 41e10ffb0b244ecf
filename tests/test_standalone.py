"""The repository stands alone: its documents point at its own docs/, the CLI contract lists every command, and
the tests and scripts that need the external real data say how to get it."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import data_location

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("README.md", "Makefile", "litreview", "tests", "benchmarks", "scripts", "docs", "packaging")


def _text_files():
    for name in SOURCES:
        path = ROOT / name
        for file in [path] if path.is_file() else sorted(path.rglob("*")):
            if file.is_file() and file.suffix in {".py", ".md", ".sh", ".spec", ""} and "__pycache__" not in file.parts:
                yield file


def test_nothing_points_at_documents_outside_the_repository():
    outside = re.compile(r"shared/(DESIGN|CLI)\.md|\.\./shared/data/")
    offenders = [
        f"{file.relative_to(ROOT)}:{number}"
        for file in _text_files()
        if file.name != "test_standalone.py"
        for number, line in enumerate(file.read_text(encoding="utf-8", errors="replace").splitlines(), start=1)
        if outside.search(line)
    ]
    assert offenders == []


def test_docs_cli_describes_every_command():
    from litreview.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = [name for name in commands if f"`litreview {name}" not in text]
    assert missing == []
    assert "docs/cli.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_missing_data_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setenv(data_location.DATA_ENV, str(tmp_path / "elsewhere"))
    assert data_location.data_dir() == tmp_path / "elsewhere"
    reason = data_location.missing_reason()
    assert str(tmp_path / "elsewhere") in reason and "LITREVIEW_TEST_DATA" in reason and "docs/test-data.md" in reason
    assert (ROOT / "docs" / "test-data.md").is_file()


def test_screenshots_script_takes_a_data_folder(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "screenshots.py"), "--out", str(tmp_path / "out"), "--data",
         str(tmp_path / "no-data")],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert str(tmp_path / "no-data") in result.stderr and "LITREVIEW_TEST_DATA" in result.stderr
