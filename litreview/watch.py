"""A watched folder: new or changed PDFs and .bib files are imported once they are completely written.

Polling, not OS notifications: it works the same on every platform and on network drives, and "completely
written" needs a look at the file anyway. A file is ready when its size and modification time are the same in two
polls in a row (and, for a PDF, its last KiB holds the `%%EOF` end marker, so a writer that pauses longer than one
poll is not read half-way; a PDF that never gets the marker is taken after MAX_WAIT_POLLS stable polls, and the PDF
reader reports it if it is broken). Imports go through run_import, with its import log and duplicate rules.
Pure of Qt: the CLI drives it (`litreview import --watch DIR`); the GUI can poll it from a worker.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litreview.core.progress import CancelToken
    from litreview.library.db import Library
    from litreview.pipeline import ImportSummary

WATCHED_SUFFIXES = frozenset({".pdf", ".bib", ".bibtex"})
POLL_INTERVAL_S = 2.0
MAX_WAIT_POLLS = 5  # stable polls after which a PDF without its end marker is imported anyway
_TAIL = 1024

Signature = tuple[int, int]  # size, mtime in ns


def _signature(path: Path) -> Signature | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def _pdf_complete(path: Path, size: int) -> bool:
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, size - _TAIL))
            return b"%%EOF" in handle.read(_TAIL)
    except OSError:
        return False


@dataclass
class FolderWatcher:
    """Finds the files of a folder (recursively) that are ready to import and not imported in this state yet."""

    folder: Path
    suffixes: frozenset[str] = WATCHED_SUFFIXES
    pending: dict[Path, tuple[Signature, int]] = field(default_factory=dict)  # path -> (signature, stable polls)
    done: dict[Path, Signature] = field(default_factory=dict)
    ready_as: dict[Path, Signature] = field(default_factory=dict)  # the state in which poll() found each ready file

    def _scan(self) -> dict[Path, Signature]:
        found: dict[Path, Signature] = {}
        for root, dirs, files in os.walk(self.folder):
            dirs[:] = [name for name in dirs if not name.startswith(".")]
            for name in files:
                if name.startswith(".") or Path(name).suffix.lower() not in self.suffixes:
                    continue  # hidden files: editors' and browsers' partial downloads
                path = Path(root) / name
                signature = _signature(path)
                if signature is not None:
                    found[path] = signature
        return found

    def poll(self) -> list[Path]:
        """The files that became ready since the last poll, in name order."""
        current = self._scan()
        ready = []
        for path, signature in sorted(current.items()):
            if self.done.get(path) == signature:
                continue
            previous, stable = self.pending.get(path, (None, 0))
            if previous != signature or signature[0] == 0:
                self.pending[path] = (signature, 0)
                continue
            stable += 1
            if path.suffix.lower() == ".pdf" and not _pdf_complete(path, signature[0]) and stable < MAX_WAIT_POLLS:
                self.pending[path] = (signature, stable)
                continue
            ready.append(path)
            self.ready_as[path] = signature
        for path in [path for path in self.pending if path not in current or path in ready]:
            del self.pending[path]
        return ready

    def mark_done(self, paths: Iterable[Path]) -> None:
        """Remember the files as imported in the state poll() saw: a change made during the import is seen next."""
        for path in paths:
            signature = self.ready_as.pop(path, None)
            if signature is not None:
                self.done[path] = signature


def watch_folder(
    library: Library,
    folder: str | Path,
    cancel: CancelToken,
    *,
    interval_s: float = POLL_INTERVAL_S,
    on_batch: Callable[[list[Path], ImportSummary], None] | None = None,
    embedder=None,  # noqa: ANN001 - an Embedder, optional
) -> int:
    """Poll `folder` every `interval_s` and import what became ready, until `cancel` is set (an import it stops
    raises Cancelled). Returns how many files were handed to the importer."""
    from litreview.pipeline import drive, run_import

    watcher = FolderWatcher(Path(folder).expanduser().resolve())
    handed = 0
    while not cancel.cancelled:
        ready = watcher.poll()
        if ready:
            summary = drive(run_import(library, [str(path) for path in ready], embedder=embedder, cancel=cancel))
            watcher.mark_done(ready)
            handed += len(ready)
            if on_batch is not None:
                on_batch(ready, summary)
        next_poll = time.monotonic() + interval_s
        # short sleeps, not a wait on the token's Event: the Ctrl-C handler sets it on this very thread, and would
        # block forever if it came while the wait held the Event's lock
        while not cancel.cancelled and time.monotonic() < next_poll:
            time.sleep(0.05)
    return handed
