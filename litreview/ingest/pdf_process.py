"""The PDF reader process: reads files one at a time with a per-file reader (PDF by default), in a spawned child
process when asked, a few files ahead of the caller.

In the child, PyMuPDF never holds the caller's GIL (the GUI stays smooth) and a crash inside MuPDF on a hostile
file costs that file, not the app. Files are only read when `read()` asks for them, so a re-import of known
files (skipped by hash) reads nothing.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from litreview.core.paper import IngestError, ParsedPaper
from litreview.ingest.registry import FileRead


def exit_with_parent(parent_pid: int, poll_s: float = 1.0) -> None:
    """In a child process: exit as soon as `parent_pid` is gone (killed, crashed), instead of lingering."""
    import threading

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            if os.getppid() != parent_pid:
                os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def background_child(parent_pid: int) -> None:
    """Initializer of a child that works for the app in the background: it yields the cores to the app's GUI
    thread when they are busy (nice 10, as the embedding child) and exits with its parent. It ignores Ctrl-C,
    which a terminal sends to the whole process group: the app decides what a Ctrl-C stops, and stops it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(os, "nice"):
        os.nice(10)
    exit_with_parent(parent_pid)


def background_pool() -> Any:
    """A pool of one spawned child that works for the app in the background (`background_child`)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=background_child, initargs=(os.getpid(),))


def _read_pdf(path: Path) -> ParsedPaper | IngestError:
    from litreview.ingest.readers.pdf import read_file

    return read_file(path)


class PdfReader:
    """Reads the files of `order` with `read` (a module-level function: it is sent to the child by name); `kind`
    names the format in messages."""

    LOOKAHEAD = 2
    TIMEOUT_S = 120.0  # per file: the first pages of any sane PDF take well under a second

    def __init__(self, order: Sequence[Path], *, in_child: bool, read: FileRead = _read_pdf, kind: str = "PDF",
                 ) -> None:
        self.order = list(order)
        self.position = {path: i for i, path in enumerate(self.order)}
        self.in_child = in_child
        self._read = read
        self._kind = kind  # for messages: "reading the PDF took longer…"
        self._pool = None
        self._pending: dict[Path, object] = {}

    def read(self, path: Path) -> ParsedPaper | IngestError:
        if not self.in_child:
            return self._read(path)
        start = self.position.get(path, len(self.order))
        for ahead in [path, *self.order[start + 1:start + 1 + self.LOOKAHEAD]]:
            if ahead not in self._pending:
                self._pending[ahead] = self._executor().submit(self._read, ahead)
        future = self._pending.pop(path)
        try:
            return future.result(timeout=self.TIMEOUT_S)
        except TimeoutError:  # MuPDF hangs on this file: stop that child, go on with a new one
            self.close(kill=True)
            return IngestError(str(path), f"reading the {self._kind} took longer than {self.TIMEOUT_S:g} s; skipped")
        except Exception as exc:  # the child died (MuPDF crashed on this file): report it, start a new child
            self.close(kill=True)
            return IngestError(str(path), f"the {self._kind} reader crashed on this file ({type(exc).__name__})")

    def _executor(self):
        if self._pool is None:
            self._pool = background_pool()
        return self._pool

    def close(self, *, kill: bool = False) -> None:
        """Stop the child; `kill` when it is stuck or broken (its pending reads are dropped)."""
        if self._pool is not None:
            if kill:
                for process in list(getattr(self._pool, "_processes", {}).values()):
                    process.kill()
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._pending.clear()
