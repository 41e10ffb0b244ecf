"""Opening a library file: pragmas, migrations, and the sqlite-utils handle."""

from __future__ import annotations

import datetime
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from litreview.library.errors import LibraryError, LibraryInUse
from litreview.library.migrations import LATEST_VERSION, MIGRATIONS

ENV_LIBRARY = "LITREVIEW_LIBRARY"
CHECK_EVERY = datetime.timedelta(days=1)  # how often a writable open runs PRAGMA quick_check

__all__ = ["Library", "LibraryError", "LibraryInUse", "default_library_path", "migrate", "open_library"]


def default_library_path() -> Path:
    """$LITREVIEW_LIBRARY, else library.sqlite in the platform's user data folder."""
    env = os.environ.get(ENV_LIBRARY)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("litreview", appauthor=False)) / "library.sqlite"


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int = LATEST_VERSION) -> int:
    """Apply the missing migrations up to `target`, each in its own transaction. Returns the new version."""
    current = schema_version(conn)
    if current > LATEST_VERSION:
        raise LibraryError(
            f"library schema version {current} is newer than this app understands ({LATEST_VERSION}); update litreview"
        )
    for version in range(current + 1, target + 1):
        script = MIGRATIONS[version - 1]
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split_statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return schema_version(conn)


def _split_statements(script: str) -> list[str]:
    """Split a migration script into complete statements (triggers contain inner semicolons)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


class Library:
    """One open library file. The write connection lives on one thread (the worker or the CLI)."""

    def __init__(self, path: Path, conn: sqlite3.Connection, read_only: bool, ownership=None, *,
                 damage: str | None = None) -> None:
        self.path = path
        self.conn = conn
        self.read_only = read_only
        self.damage = damage  # set when the library was found damaged and opened read-only: what to tell the user
        self._ownership = ownership  # litreview.library.ownership.Ownership of a writable open

    @cached_property
    def db(self):  # noqa: ANN201 - sqlite_utils.Database, imported lazily to keep the window's start fast
        """The sqlite-utils handle, for reads (rows as dicts) and introspection."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    @property
    def schema_version(self) -> int:
        return schema_version(self.conn)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """`with library.transaction() as conn:` groups writes atomically; rolls back on error; nests.

        Write with `conn.execute(...)` inside it: sqlite-utils' table writers commit on their own
        (`with conn:`), so they would end the surrounding transaction early.
        """
        if self.conn.in_transaction:
            yield self.conn
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
            self.conn.execute("COMMIT")  # may fail too (disk full): then nothing of the step is kept
        except BaseException:
            if self.conn.in_transaction:  # SQLite may already have rolled back on its own
                self.conn.execute("ROLLBACK")
            raise

    def query(self, sql: str, params: Sequence[object] | dict = ()) -> list[dict]:
        """Rows as dicts."""
        return list(self.db.query(sql, params))

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", (key, value))

    def close(self) -> None:
        try:
            self.conn.close()
        finally:  # released after the close, so the last checkpoint still happens under ownership
            if self._ownership is not None:
                self._ownership.release()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_library(path: Path | str | None = None, *, read_only: bool = False, create: bool = True) -> Library:
    """Open (and create or upgrade) a library. Read-only handles never migrate or write.

    A writable open makes this process the library's owner (litreview.library.ownership) before SQLite touches
    the file; LibraryInUse when another live process owns it.
    """
    path = Path(path) if path is not None else default_library_path()
    if read_only or not create:
        if not path.exists():
            raise LibraryError(f"no library at {path} (create one with 'litreview init')")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    ownership = None
    if not read_only:
        from litreview.library import ownership as _ownership

        ownership = _ownership.acquire(path)
    try:
        return _connect(path, read_only, ownership)
    except BaseException:
        if ownership is not None:
            ownership.release()
        raise


def _connect(path: Path, read_only: bool, ownership) -> Library:
    from litreview.library import backup

    conn = None
    damage = None
    try:
        if read_only:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        else:
            conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA foreign_keys = ON")
        if not read_only:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            if 0 < schema_version(conn) < LATEST_VERSION:
                try:
                    backup.take_backup(conn, path, "migration")
                except OSError as exc:  # no upgrade without a way back
                    raise LibraryError(f"cannot back up {path} before upgrading it: {exc}") from exc
            migrate(conn)
            damage = _daily_check(conn)
        elif schema_version(conn) != LATEST_VERSION:
            raise LibraryError(f"library {path} needs an upgrade; open it once for writing")
    except BaseException as exc:
        if conn is not None:
            conn.close()
        if isinstance(exc, sqlite3.DatabaseError):
            if not backup.is_corruption(exc):
                raise LibraryError(f"cannot open library {path}: {exc}") from exc
            if read_only:
                raise LibraryError(backup.damage_message(path, str(exc), opened=False)) from exc
            damage = str(exc)
        else:
            raise
    if damage is not None:  # never written to again until restored: open read-only and say how to restore
        if conn is not None:
            conn.close()
        if ownership is not None:
            ownership.release()
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # is it readable at all?
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise LibraryError(backup.damage_message(path, damage, opened=False)) from exc
        return Library(path, conn, True, None, damage=backup.damage_message(path, damage))
    return Library(path, conn, read_only, ownership)


_check_lock = threading.Lock()  # one quick_check at a time in a process: a second opener then finds it done


def _daily_check(conn: sqlite3.Connection) -> str | None:
    """`PRAGMA quick_check` when the last one is a day old or more (it reads the whole file: 6 s at 100k
    papers, benchmarks/backup.py); None when the library is fine, else what is wrong."""
    with _check_lock:
        return _check_if_due(conn)


def _check_if_due(conn: sqlite3.Connection) -> str | None:
    from litreview.library import backup

    row = conn.execute("SELECT value FROM settings WHERE key = 'last_quick_check'").fetchone()
    now = datetime.datetime.now(datetime.UTC)
    try:
        last = datetime.datetime.fromisoformat(row[0]) if row else None
    except ValueError:
        last = None
    if last is not None and last.tzinfo is not None and now - last < CHECK_EVERY:
        return None
    verdict = backup.check(conn)
    if verdict != "ok":
        return verdict
    conn.execute("INSERT OR REPLACE INTO settings(key, value) VALUES ('last_quick_check', ?)", (now.isoformat(),))
    return None
