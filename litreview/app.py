"""Starting the desktop app: a QApplication, the library, the worker thread and the main window.

The window is shown before anything heavy is imported: the embedder (torch) is built lazily on the worker thread
the first time a job or a semantic query needs it.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

from litreview.library.migrations import LATEST_VERSION


def _is_current(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    except sqlite3.DatabaseError:
        return False
    return version == LATEST_VERSION and journal == "wal"


def library_path_of(path: Path | str | None) -> Path:
    """The library the app opens: `path`, else $LITREVIEW_LIBRARY, else the default one."""
    if path is None and not os.environ.get("LITREVIEW_LIBRARY"):
        from litreview.library.db import default_library_path

        path = default_library_path()
    return Path(path if path is not None else os.environ["LITREVIEW_LIBRARY"]).expanduser()


def ensure_library(path: Path | str | None) -> Path:
    """The library's path, created or upgraded first when needed (a short write connection), so that the GUI
    can open it read-only. A library that is already current is not opened for writing at all."""
    resolved = library_path_of(path)
    if _is_current(resolved):
        return resolved
    from litreview.library.db import open_library

    library = open_library(resolved)
    library.close()
    return resolved


GIL_SWITCH_S = 0.001


def create_window(library_path: Path, *, backend=None, settings=None):
    """The main window over `library_path` and its started WorkerClient. Needs a QApplication.

    The worker thread shares the GIL with the GUI thread, and every Python call Qt makes while painting (a model's
    data(), a slot) waits for it; while the worker runs Python each of those waits up to the switch interval. 1 ms
    instead of 5 ms keeps the window's frames short during an import (benchmarks/ui_stall.py). For the same reason
    what start-up made (modules, the window's widgets) is frozen out of the garbage collector's full passes
    (`core.heap`)."""
    sys.setswitchinterval(GIL_SWITCH_S)
    from litreview.core.heap import freeze_heap
    from litreview.gui.library_reader import LibraryReader, ReadOnlyLibrary
    from litreview.gui.main_window import MainWindow
    from litreview.workers.client import WorkerClient

    reader = LibraryReader(ReadOnlyLibrary(library_path))
    client = WorkerClient(library_path, backend=backend)
    window = MainWindow(reader, client, settings=settings, resume_on_start=True)
    freeze_heap()
    return window, client


def run(library_path: Path | str | None = None, argv: list[str] | None = None, *, settings=None) -> int:
    """Open the main window and run the event loop; on quit, cancel jobs and join the worker thread."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    ownership = own_library(library_path_of(library_path))  # before SQLite opens anything: one window per library
    try:
        return _run(app, ensure_library(library_path), settings)
    finally:
        ownership.release()


def own_library(path: Path):
    """This process's ownership of the library for the window's lifetime; a second window is told who has the
    library (stderr, and a message box on a real screen) and LibraryInUse is raised."""
    from litreview.library import ownership
    from litreview.library.errors import LibraryInUse

    ownership.set_program(ownership.WINDOW)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return ownership.acquire(path)
    except LibraryInUse as exc:
        from PySide6.QtGui import QGuiApplication
        from PySide6.QtWidgets import QMessageBox

        if QGuiApplication.platformName() not in ("offscreen", "minimal"):
            QMessageBox.critical(None, "litreview", str(exc))
        raise


def _run(app, path: Path, settings) -> int:
    app.setApplicationName("litreview")
    app.setOrganizationName("litreview")
    app.setStyle("Fusion")
    from litreview.gui.theme import follow_system_scheme

    follow_system_scheme(app)
    window, client = create_window(path, settings=settings)
    window.show()
    daily, hourly = start_daily_backups(window, path)
    try:
        return int(app.exec())
    finally:
        hourly.stop()
        daily.stop(timeout=30)  # a backup still running is cancelled; nothing partial is kept
        client.shutdown()
        window.reader.library.close()


def start_daily_backups(window, path: Path):  # noqa: ANN201 - (DailyBackups, the hourly QTimer)
    """The rolling backup (litreview.library.backup.DailyBackups) now and every hour when a day has passed, on a
    thread of its own; a damaged library or a failed backup is said in the status bar and on stderr."""
    from PySide6.QtCore import QObject, QTimer, Signal

    from litreview.library.backup import DailyBackups

    class Relay(QObject):
        said = Signal(str)

    relay = Relay(window)
    relay.said.connect(lambda text: (window.statusBar().showMessage(text, 60_000), print(text, file=sys.stderr)))
    daily = DailyBackups(path, on_done=lambda _path, error: relay.said.emit(error) if error else None)
    timer = QTimer(window)
    timer.timeout.connect(daily.maybe_start)
    timer.start(3_600_000)
    daily.maybe_start()
    return daily, timer
