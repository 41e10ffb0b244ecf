"""One owner per library: a lock file beside the library that a process holds while it has the library open for
writing.

Why a lock of our own: SQLite's locks on the library file are POSIX advisory locks, which the kernel drops for the
whole process as soon as *any* descriptor of that file is closed in it (a file dialog sniffing the file type is
enough). Another process then believes it is the last user of the database and checkpoints and deletes the WAL
under the owner, which loses what the owner writes afterwards. The ownership lock is an `flock` on a separate file
(`lib.sqlite.lock`): flock locks belong to the open file description, so closing some other descriptor of the lock
file, or of the database, never drops it, and the kernel releases it when the owner dies (a stale lock heals itself).

Within one process ownership is counted: the window, its worker and a helper thread may each open the library,
and the lock is released when the last of them closes. The lock file records the owner's pid, host, program and
start time, so that a refused process can say who has the library. The file is never deleted (deleting a lock
file lets two processes lock two different files).

Read-only connections (`mode=ro`) need no ownership: they never checkpoint, so closing one can never delete the
owner's WAL (tests/test_ownership.py reproduces the loss with a writable connection and shows the read-only one
harmless).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import socket
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from litreview.library.errors import LibraryError, LibraryInUse

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
try:  # pragma: no cover - Windows
    import msvcrt
except ImportError:
    msvcrt = None  # type: ignore[assignment]

WINDOW = "the window"
_WINDOWS_LOCK_OFFSET = 1 << 30  # msvcrt locks a byte range that readers of the owner record never touch

_program: str | None = None
_guard = threading.Lock()
_held: dict[str, _Held] = {}


@dataclass
class _Held:
    fd: int
    count: int = 0
    info: dict = field(default_factory=dict)


def lock_path(library_path: Path | str) -> Path:
    """The ownership lock file of a library: the library's name plus `.lock`, beside it."""
    path = Path(library_path)
    return path.with_name(path.name + ".lock")


def set_program(name: str) -> None:
    """Name this process in the lock file ("the window", "litreview import", ...); set once at start."""
    global _program
    _program = name


def program() -> str:
    if _program:
        return _program
    argv0 = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return f"a Python script ({argv0})" if argv0 and argv0 != "-c" else "a Python process"


def _key(library_path: Path | str) -> str:
    return os.path.realpath(os.fspath(library_path))


class Ownership:
    """This process's share of a library's ownership; `release()` once (idempotent)."""

    def __init__(self, key: str) -> None:
        self._key = key
        self._released = False

    @property
    def held(self) -> bool:
        return not self._released

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        with _guard:
            held = _held.get(self._key)
            if held is None:  # forgotten after a fork
                return
            held.count -= 1
            if held.count <= 0:
                del _held[self._key]
                _unlock(held.fd)

    def __enter__(self) -> Ownership:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire(library_path: Path | str, *, program_name: str | None = None) -> Ownership:
    """Own `library_path` for this process (counted), or raise LibraryInUse naming the process that owns it."""
    key = _key(library_path)
    with _guard:
        held = _held.get(key)
        if held is None:
            held = _lock(key, program_name or program())
            _held[key] = held
        held.count += 1
    return Ownership(key)


def owned_here(library_path: Path | str) -> bool:
    """True when this process owns the library."""
    with _guard:
        return _key(library_path) in _held


def owner_of(library_path: Path | str) -> dict | None:
    """The record of the process owning the library ({pid, host, program, started}), or None when no live
    process owns it. Opens only the lock file, never the library."""
    key = _key(library_path)
    with _guard:
        if key in _held:
            return dict(_held[key].info)
    try:
        held = _lock(key, program())
    except LibraryInUse as exc:
        return exc.owner
    except LibraryError:
        return None
    _unlock(held.fd)
    return None


def _lock(key: str, program_name: str) -> _Held:
    path = lock_path(key)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError as exc:
        raise LibraryError(f"cannot create the lock file {path}: {exc.strerror}") from exc
    try:
        locked = _try_lock(fd)
    except OSError as exc:
        os.close(fd)
        raise LibraryError(f"cannot lock {path}: {exc.strerror}") from exc
    if not locked:
        os.close(fd)
        owner = _read_owner(path)
        raise LibraryInUse(in_use_message(key, owner), owner)
    info = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "program": program_name,
        "started": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    data = (json.dumps(info) + "\n").encode()
    try:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, data)
    except OSError:  # the record is for messages only; the lock itself is what counts
        pass
    return _Held(fd=fd, info=info)


def _try_lock(fd: int) -> bool:
    """Take the exclusive lock without waiting; False when another process holds it."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    if msvcrt is not None:  # pragma: no cover - Windows
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        finally:
            os.lseek(fd, 0, os.SEEK_SET)
        return True
    return True  # pragma: no cover - no locking primitive: behave as before (no ownership check)


def _unlock(fd: int) -> None:
    try:
        os.ftruncate(fd, 0)  # no stale record for the next reader
    except OSError:
        pass
    if fcntl is None and msvcrt is not None:  # pragma: no cover - Windows
        try:
            os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
    os.close(fd)  # closing the only descriptor of the open file description releases the flock


def _read_owner(path: Path) -> dict:
    for _ in range(3):  # the owner may have locked the file but not yet written its record
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError:
            text = ""
        if text:
            try:
                value = json.loads(text)
            except ValueError:
                value = None
            if isinstance(value, dict):
                return value
        threading.Event().wait(0.05)
    return {}


def in_use_message(library_path: Path | str, owner: dict) -> str:
    """The one line a refused process prints."""
    pid, host, program_name = owner.get("pid"), owner.get("host"), owner.get("program")
    who = ", ".join(
        part for part in (f"pid {pid}" + (f" on {host}" if host else "") if pid else "", program_name or "") if part
    )
    where = f"litreview ({who})" if who else "another litreview process"
    if program_name == WINDOW:
        advice = "close it there, or do this in that window"
    else:
        advice = "wait for it to finish, or stop it"
    return f"library {library_path} is open in {where}; {advice}"


def _forget_after_fork() -> None:
    """A forked child must not keep its parent's lock alive: drop the inherited descriptors (the parent's
    open file description, and so its lock, stays)."""
    global _guard
    _guard = threading.Lock()
    for held in _held.values():
        try:
            os.close(held.fd)
        except OSError:
            pass
    _held.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
