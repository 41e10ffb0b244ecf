"""Issue #14 with the real main window: a file dialog browsing the library's folder, a stray descriptor close, the
CLI and a second window on the same library; nothing written in the window is lost."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog
from qt_helpers import is_reply

from litreview.app import own_library
from litreview.gui.main_window import MainWindow

pytestmark = [
    pytest.mark.gui,
    pytest.mark.skipif(sys.platform != "linux", reason="reads this process's POSIX locks from /proc/locks"),
]


def sqlite_locks_held(path: Path) -> int:
    """How many POSIX locks this process holds on `path` (SQLite keeps one while a WAL connection is open)."""
    inode = os.stat(path).st_ino
    count = 0
    with open("/proc/locks") as locks:
        for line in locks:
            fields = line.split()
            if len(fields) > 1 and fields[1] == "->":
                fields = [fields[0], *fields[2:]]
            if fields[4] == str(os.getpid()) and int(fields[5].rsplit(":", 1)[-1]) == inode:
                count += 1
    return count


def list_folder_in(dialog: QFileDialog, folder: Path) -> None:
    """Show `dialog` on `folder` in detail view until the listing (names, types, icons) is done, then close it."""
    loaded = []
    dialog.directoryEntered.connect(loaded.append)
    dialog.setViewMode(QFileDialog.ViewMode.Detail)
    dialog.setDirectory(str(folder))
    dialog.show()
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.02)
    dialog.reject()


@pytest.fixture
def wal_library(tmp_path) -> tuple[Path, sqlite3.Connection]:
    path = tmp_path / "lib.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t(x)")
    yield path, conn
    conn.close()


def test_qt_default_file_dialog_drops_sqlites_locks(qapp, wal_library):
    """The hazard on this platform: Qt's own dialog sniffs the library file's type while listing the folder."""
    path, _ = wal_library
    assert sqlite_locks_held(path) >= 1
    dialog = QFileDialog(None, "Import", str(path.parent), "Papers (*.pdf *.bib *.bibtex)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    list_folder_in(dialog, path.parent)
    if sqlite_locks_held(path) >= 1:
        pytest.skip("this Qt does not read files while listing them: nothing to reproduce here")
    assert sqlite_locks_held(path) == 0


def test_the_apps_file_dialogs_list_the_library_without_opening_it(qapp, wal_library):
    from litreview.gui.file_dialogs import make_dialog

    path, _ = wal_library
    for name_filter in ("Papers (*.pdf *.bib *.bibtex)", ""):
        list_folder_in(make_dialog(None, "Import", str(path.parent), name_filter), path.parent)
        assert sqlite_locks_held(path) >= 1, name_filter


def _cli(library: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "litreview", "--library", str(library), *argv],
                          capture_output=True, text=True, timeout=120)


def _create_list(qtbot, window: MainWindow, name: str) -> int:
    with qtbot.waitSignal(window.client.sig_replied, timeout=30_000, check_params_cb=is_reply("lists")) as done:
        window.create_list(name)
    reply = done.args[0]
    assert reply.error == "", reply.error
    return int(reply.value)


def test_reproduction_with_the_real_window_and_a_second_process(qtbot, tmp_path, monkeypatch, make_window):
    path = tmp_path / "lib.sqlite"
    ownership = own_library(path)  # what litreview.app.run does before anything opens the library
    window = make_window(path=path)
    try:
        first = _create_list(qtbot, window, "made in the window")

        # File → Import files…, browsed into the library's folder, then Cancel.
        monkeypatch.chdir(tmp_path)
        QTimer.singleShot(0, lambda: list_folder_in(QApplication.activeModalWidget(), tmp_path))
        window.choose_import_files()
        assert sqlite_locks_held(path) >= 1  # the window's own dialog left SQLite's locks alone
        # Something else in the process (a thumbnailer, a plain copy) opens and closes the file anyway.
        os.close(os.open(path, os.O_RDONLY))

        refused = _cli(path, "lists", "create", "from the CLI")
        assert refused.returncode != 0
        assert f"pid {os.getpid()}" in refused.stderr and "the window" in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
        listed = _cli(path, "info", "--json")  # reading commands read read-only, which cannot touch the WAL
        assert listed.returncode == 0 and '"reading_lists": 1' in listed.stdout, listed.stderr
        second_window = subprocess.run([sys.executable, "-m", "litreview", "--library", str(path)],
                                       capture_output=True, text=True, timeout=120,
                                       env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
        assert second_window.returncode != 0 and "is open in litreview" in second_window.stderr
        assert (tmp_path / "lib.sqlite-wal").exists()

        second = _create_list(qtbot, window, "made after the second process")
        window.reader.conn.execute("SELECT count(*) FROM reading_lists").fetchone()  # the window still reads
    finally:
        make_window.close(window)
        ownership.release()
    fresh = sqlite3.connect(path)
    try:
        assert {row[0] for row in fresh.execute("SELECT id FROM reading_lists")} == {first, second}
        assert fresh.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        fresh.close()


def test_dropping_the_library_file_is_refused_without_opening_it(qtbot, tmp_path, make_window):
    from test_gui_main_window import drop_on

    path = tmp_path / "lib.sqlite"
    window = make_window(path=path, show=False)
    held = sqlite_locks_held(path)
    assert held >= 1  # the window's read-only WAL connection
    with qtbot.assertNotEmitted(window.client.sig_busy_changed, wait=100):
        drop_on(window, [path])
        event, _mime = _drag_enter(path)  # the event does not own its data: keep both alive
        window.dragEnterEvent(event)
        assert not event.isAccepted()
    assert "Nothing to import" in window.statusBar().currentMessage()
    assert sqlite_locks_held(path) == held


def _drag_enter(path: Path):
    from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    return event, mime
