"""Backups through SQLite's online backup API (never plain file copies: those open the library file outside
SQLite, see litreview.library.ownership), rolling automatic ones, the check on open and restore.

Backups live in a `backups/` folder beside the library, named `<library name>.<UTC time>.<reason>.sqlite`. Automatic
ones (reason `auto`, `migration`, `before-restore`) are rolled: only the newest KEEP are kept. Manual ones (`manual`)
are never deleted by the app. A backup is written to a temporary name and renamed when complete, so a file with a
backup's name is a whole backup.
"""

from __future__ import annotations

import datetime as _dt
import os
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from litreview.library.errors import LibraryError

KEEP = 5
DAILY = _dt.timedelta(days=1)
AUTOMATIC = ("auto", "migration", "before-restore")
_STAMP = "%Y%m%dT%H%M%S%fZ"
_PAGES_PER_STEP = 2048  # 8 MiB of 4 KiB pages between steps: the GIL and the library's lock are let go between


class BackupCancelled(Exception):
    """A backup was stopped before it finished (the app quit); nothing was kept."""


@dataclass(frozen=True)
class BackupFile:
    path: Path
    taken_at: _dt.datetime
    reason: str

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def backup_folder(library_path: Path | str) -> Path:
    return Path(library_path).parent / "backups"


def backups_of(library_path: Path | str) -> list[BackupFile]:
    """The library's backups in its backups folder, newest first."""
    name = Path(library_path).name
    folder = backup_folder(library_path)
    found = []
    if folder.is_dir():
        for path in folder.glob(f"{name}.*.sqlite"):
            parts = path.name[len(name) + 1 : -len(".sqlite")].split(".")
            if len(parts) != 2:
                continue
            try:
                taken = _dt.datetime.strptime(parts[0], _STAMP).replace(tzinfo=_dt.UTC)
            except ValueError:
                continue
            found.append(BackupFile(path, taken, parts[1]))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def copy_database(
    source: sqlite3.Connection, destination: Path, *, cancel: threading.Event | None = None,
    pages_per_step: int = _PAGES_PER_STEP,
) -> Path:
    """Copy the database behind `source` to `destination` with the online backup API (the copy is a
    self-contained rollback-journal file). Written under a temporary name, renamed when whole."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)

    def progress(_status: int, _remaining: int, _total: int) -> None:
        if cancel is not None and cancel.is_set():
            raise BackupCancelled("backup cancelled")

    target = sqlite3.connect(partial)
    try:
        source.backup(target, pages=pages_per_step, progress=progress)
        target.execute("PRAGMA journal_mode = DELETE")  # a copy must not need -wal/-shm files beside it
        target.commit()
    except BaseException:
        target.close()
        partial.unlink(missing_ok=True)
        raise
    target.close()
    os.replace(partial, destination)
    return destination


def take_backup(
    source: sqlite3.Connection, library_path: Path | str, reason: str = "manual", *,
    cancel: threading.Event | None = None, now: _dt.datetime | None = None, keep: int = KEEP,
) -> Path:
    """A backup of the library into its backups folder, then the automatic ones beyond `keep` are deleted."""
    when = (now or _dt.datetime.now(_dt.UTC)).astimezone(_dt.UTC)
    name = f"{Path(library_path).name}.{when.strftime(_STAMP)}.{reason}.sqlite"
    path = copy_database(source, backup_folder(library_path) / name, cancel=cancel)
    prune(library_path, keep=keep)
    return path


def prune(library_path: Path | str, *, keep: int = KEEP) -> list[Path]:
    """Delete the automatic backups beyond the newest `keep`; manual ones stay."""
    automatic = [b for b in backups_of(library_path) if b.reason in AUTOMATIC]
    removed = []
    for old in automatic[keep:]:
        old.path.unlink(missing_ok=True)
        removed.append(old.path)
    return removed


def backup_due(library_path: Path | str, *, now: _dt.datetime | None = None, every: _dt.timedelta = DAILY) -> bool:
    """True when the library has no backup younger than `every`."""
    newest = backups_of(library_path)
    now = now or _dt.datetime.now(_dt.UTC)
    return not newest or now - newest[0].taken_at >= every


def check(conn: sqlite3.Connection) -> str:
    """'ok', or what `PRAGMA quick_check` (or reading the file at all) found wrong, on one line."""
    try:
        rows = [row[0] for row in conn.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return "ok" if rows == ["ok"] else "; ".join(rows[:5])


def check_file(path: Path) -> str:
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        return check(conn)
    finally:
        conn.close()


def newest_good_backup(library_path: Path | str) -> BackupFile | None:
    for candidate in backups_of(library_path):
        if check_file(candidate.path) == "ok":
            return candidate
    return None


def damage_message(library_path: Path | str, problem: str, *, opened: bool = True) -> str:
    """What a user is told when the library is damaged: what is wrong, and how to restore the newest good backup."""
    good = newest_good_backup(library_path)
    if opened:
        head = f"library {library_path} is damaged ({problem}); it is open read-only."
    else:
        head = f"cannot open library {library_path}: {problem}."
    if good is None:
        return head + " No good backup was found; run 'litreview doctor' and keep a copy of the file."
    return (
        f"{head} The newest good backup is {good.path} ({good.taken_at:%Y-%m-%d %H:%M} UTC); restore it with: "
        f"litreview --library {library_path} restore {good.path}"
    )


def is_corruption(exc: sqlite3.DatabaseError) -> bool:
    """True for SQLite's 'malformed' and 'not a database' errors (not for a busy or missing file)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or "malformed" in str(exc)


def restore(backup: Path | str, library_path: Path | str, *, now: _dt.datetime | None = None) -> dict:
    """Replace the library by `backup`. Refused (LibraryInUse) while another process owns the library.

    The current library is first backed up (`before-restore`) when it can be read, else moved aside as
    `<name>.damaged-<time>` with its -wal and -shm files. Returns what was done.
    """
    from litreview.library import ownership
    from litreview.library.migrations import LATEST_VERSION

    backup, library_path = Path(backup), Path(library_path)
    problem = check_file(backup) if backup.is_file() else "no such file"
    if problem != "ok":
        raise LibraryError(f"cannot restore from {backup}: {problem}")
    with sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True) as probe:
        version = int(probe.execute("PRAGMA user_version").fetchone()[0])
        tables = {row[0] for row in probe.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    probe.close()
    if "papers" not in tables or version < 1:
        raise LibraryError(f"{backup} is not a litreview library")
    if version > LATEST_VERSION:
        raise LibraryError(f"{backup} is from a newer litreview (schema {version}); update litreview first")
    when = (now or _dt.datetime.now(_dt.UTC)).astimezone(_dt.UTC)
    result: dict = {"library": str(library_path), "restored_from": str(backup)}
    with ownership.acquire(library_path):
        current_ok = library_path.exists() and check_file(library_path) == "ok"
        if current_ok:
            with sqlite3.connect(library_path) as current:
                result["previous_saved_as"] = str(take_backup(current, library_path, "before-restore", now=when))
                current.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            current.close()
        elif library_path.exists():
            aside = library_path.with_name(f"{library_path.name}.damaged-{when.strftime(_STAMP)}")
            for suffix in ("", "-wal", "-shm"):
                part = Path(str(library_path) + suffix)
                if part.exists():
                    os.replace(part, Path(str(aside) + suffix))
            result["damaged_moved_to"] = str(aside)
        source = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
        target = sqlite3.connect(library_path)
        try:
            target.execute("PRAGMA journal_mode = DELETE")  # the next open turns WAL back on
            source.backup(target, pages=_PAGES_PER_STEP)
        finally:
            target.close()
            source.close()
    return result


class DailyBackups:
    """The app's daily upkeep, at most once a `every`, on a thread of its own with its own connection (the
    backup API lets the GIL and the library go between steps, so the window and the worker keep running): a
    rolling backup, then the trash emptied of what is older than the `trash_days` setting."""

    def __init__(self, library_path: Path | str, *, every: _dt.timedelta = DAILY,
                 on_done: Callable[[Path | None, str], None] | None = None) -> None:
        self.library_path = Path(library_path)
        self.every = every
        self.on_done = on_done
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

    def maybe_start(self) -> bool:
        """Start a backup when one is due and none is running; True when one started."""
        if self._thread is not None and self._thread.is_alive():
            return False
        if not backup_due(self.library_path, every=self.every):
            return False
        self._thread = threading.Thread(target=self._run, name="litreview-backup", daemon=True)
        self._thread.start()
        return True

    def _run(self) -> None:
        from litreview.library.db import open_library

        path, error = None, ""
        try:
            with open_library(self.library_path, create=False) as library:
                if library.damage:  # a damaged library is not backed up over the good backups
                    error = library.damage
                elif not library.read_only:
                    path = take_backup(library.conn, self.library_path, "auto", cancel=self._cancel)
                    from litreview.library.trash import empty_expired

                    empty_expired(library)  # after the backup, which still holds what leaves the trash
        except BackupCancelled:
            error = "cancelled"
        except Exception as exc:  # reported, never raised on a thread nobody joins
            error = str(exc)
        if self.on_done is not None:
            self.on_done(path, error)

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a running backup to finish."""
        if self._thread is not None:
            self._thread.join(timeout)

    def stop(self, timeout: float | None = None) -> None:
        """Cancel a running backup (nothing partial is kept) and wait for its thread."""
        self._cancel.set()
        if self._thread is not None:
            self._thread.join(timeout)
