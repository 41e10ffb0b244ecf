"""Shared fixtures: real data ($LITREVIEW_TEST_DATA, see data_location.py), temporary libraries, strict threading
checks."""

from __future__ import annotations

import os
import threading
import time
import traceback
import weakref
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from data_location import data_dir, missing_reason

from litreview.ingest.mupdf import load_pymupdf

load_pymupdf()  # PyMuPDF as the app's processes have it, before any test module imports it

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


# ---------------------------------------------------------------------------------------------------------------
# Qt leak checks (after napari's conftest): every test that uses qtbot or qapp fails when it leaves a QThread
# running, a QTimer active or a singleShot pending, and the message says where each was started.


def started_at() -> str:
    """Where the caller was started from: the innermost frames of this project (not of this file), innermost
    first, as "path:line in function"."""
    places = []
    for frame in reversed(traceback.extract_stack()[:-2]):
        path = Path(frame.filename)
        if path == Path(__file__) or ROOT not in path.parents:
            continue
        places.append(f"{path.relative_to(ROOT)}:{frame.lineno} in {frame.name}")
        if len(places) == 3:
            break
    return " <- ".join(places) or "outside the project"


class StartedThreads(list):
    """The QThreads a test started, with where each was started."""

    def __init__(self) -> None:
        super().__init__()
        self.places: dict[int, str] = {}

    def describe(self, threads) -> list[str]:
        return [f"  {thread.objectName() or repr(thread)} started at {self.places[id(thread)]}" for thread in threads]


@pytest.fixture
def no_leaked_qthreads(monkeypatch):
    """Fails a test that leaves a QThread running: every QThread started during the test is recorded (by
    wrapping QThread.start) and must have stopped by teardown, after a short grace period. Yields the threads."""
    from PySide6.QtCore import QThread

    started = StartedThreads()
    original_start = QThread.start

    def recording_start(self, *args):
        started.append(self)
        started.places[id(self)] = started_at()
        return original_start(self, *args)

    monkeypatch.setattr(QThread, "start", recording_start)
    yield started
    deadline = time.monotonic() + 5.0  # a short grace period for threads that are stopping
    while any(thread.isRunning() for thread in started) and time.monotonic() < deadline:
        time.sleep(0.05)
    running = [thread for thread in started if thread.isRunning()]
    if running:
        for thread in running:
            thread.quit()
            thread.wait(2000)
        pytest.fail("test left QThreads running:\n" + "\n".join(started.describe(running)))


@pytest.fixture
def no_leaked_qtimers(monkeypatch):
    """Fails a test that leaves a QTimer active (started with start()) or a singleShot of the GUI thread not yet
    due; says where each was started. Active timers are stopped so they cannot fire into the next test."""
    from PySide6.QtCore import QCoreApplication, QThread, QTimer

    timers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
    # (when it is due at the earliest, where it was started) on the GUI thread: Qt's default coarse timers may fire
    # up to 5 % of their interval early, so one that already fired can look a little "not yet due"
    single_shots: list[tuple[float, str]] = []
    original_start, original_single_shot = QTimer.start, QTimer.singleShot

    def recording_start(self, *args):
        timers[self] = started_at()
        # start() or start(msec); connected to a signal (textChanged) it also gets the signal's arguments
        return original_start(self, *[arg for arg in args if isinstance(arg, int)][:1])

    def recording_single_shot(*args, **kwargs):
        app = QCoreApplication.instance()
        if app is not None and QThread.currentThread() is app.thread():
            msec = args[0] if args else kwargs.get("msec", 0)
            single_shots.append((time.monotonic() + 0.95 * int(msec) / 1000 - 0.002, started_at()))
        return original_single_shot(*args, **kwargs)

    def leaks(*, stop: bool = False) -> list[str]:
        """The timers still active and the singleShots not yet due, with where they started."""
        found = []
        for timer, place in list(timers.items()):
            try:
                active = timer.isActive()
            except RuntimeError:  # its C++ object is gone: not active
                continue
            if active:
                found.append(f"  QTimer (every {timer.interval()} ms) started at {place}")
                if stop:
                    timer.stop()
        now = time.monotonic()
        return found + [f"  singleShot due in {due - now:.2f} s started at {place}"
                        for due, place in single_shots if due > now]

    monkeypatch.setattr(QTimer, "start", recording_start)
    monkeypatch.setattr(QTimer, "singleShot", staticmethod(recording_single_shot))
    yield leaks
    leaked = leaks(stop=True)
    if leaked:
        pytest.fail("test left Qt timers running:\n" + "\n".join(leaked))


@pytest.fixture(autouse=True)
def qt_leak_checks(request):
    """Turns both Qt leak checks on for every test that uses qtbot or qapp."""
    if {"qtbot", "qapp"} & set(request.fixturenames):
        request.getfixturevalue("no_leaked_qthreads")
        request.getfixturevalue("no_leaked_qtimers")
    yield


@pytest.fixture
def make_window(qtbot, tmp_path, library_path):
    """`make_window(backend=None, ...)`: a real MainWindow with a threaded WorkerClient (qt_helpers.WindowMaker);
    the windows still open are closed at teardown."""
    from qt_helpers import WindowMaker

    maker = WindowMaker(qtbot, tmp_path, library_path)
    yield maker
    maker.close_all()


@pytest.fixture
def window(qtbot, tmp_path, make_window):
    """A real MainWindow with the threaded worker and the fake backend, the sample papers imported (the window
    stories of trash, undo, editing and merging)."""
    from qt_helpers import SAMPLE_PAPERS, write_text_papers

    win = make_window()
    with qtbot.waitSignal(win.client.sig_job_done, timeout=30_000):
        win.import_paths(write_text_papers(tmp_path / "papers", SAMPLE_PAPERS))
    qtbot.waitUntil(lambda: win.table_model.total == len(SAMPLE_PAPERS), timeout=10_000)
    return win
