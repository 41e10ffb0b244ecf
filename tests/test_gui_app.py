"""Starting the app for real: `litreview gui` opens the window, resumes, and closes cleanly."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from litreview.app import ensure_library, run
from litreview.cli import build_parser

pytestmark = [
    pytest.mark.gui,
]


def test_gui_is_the_default_command():
    parser = build_parser()
    args = parser.parse_args(["--library", "x.sqlite", "gui"])
    assert args.command == "gui" and callable(args.handler)


def test_ensure_library_creates_once_and_then_leaves_the_file_alone(tmp_path):
    path = ensure_library(tmp_path / "lib.sqlite")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    before = path.stat().st_mtime_ns
    assert ensure_library(path) == path
    assert path.stat().st_mtime_ns == before


def test_run_shows_the_window_and_shuts_the_worker_down(qapp, tmp_path):
    shown = []

    def close_all() -> None:
        shown.extend(w for w in QApplication.topLevelWidgets() if w.isVisible() and w.windowTitle())
        for widget in shown:
            widget.close()

    QTimer.singleShot(1000, close_all)
    settings = QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)
    assert run(tmp_path / "library.sqlite", settings=settings) == 0
    assert [w.windowTitle() for w in shown] == ["litreview — library.sqlite"]
    assert not settings.value("main/state").isEmpty()
