"""One owner per library (issue #14): the WAL-loss hazard reproduced, the ownership lock that prevents it, and the
read-only route shown harmless."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from litreview.library import open_library, ownership
from litreview.library.errors import LibraryInUse

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="POSIX lock semantics are checked on Linux")


def _cli(library: Path, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "litreview", "--library", str(library), *argv],
        capture_output=True, text=True, timeout=timeout,
    )


def _python(code: str, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *argv], capture_output=True, text=True,
                          timeout=60, check=True)


def _stray_close(path: Path) -> None:
    """What a file dialog's type sniffing does: open and close a plain descriptor of the file."""
    fd = os.open(path, os.O_RDONLY)
    os.close(fd)


def _raw_owner(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t(x)")
    conn.execute("INSERT INTO t VALUES (1)")
    return conn


def test_the_hazard_a_writable_connection_in_another_process_deletes_the_owners_wal(tmp_path):
    """Plain SQLite, no litreview: why the ownership lock exists (SQLite's 'How To Corrupt', section 2.2)."""
    path = tmp_path / "lib.sqlite"
    owner = _raw_owner(path)
    _stray_close(path)
    _python("import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM t').fetchall()",
            str(path))
    assert not (tmp_path / "lib.sqlite-wal").exists()  # deleted under the owner
    with pytest.raises(sqlite3.OperationalError):
        owner.execute("INSERT INTO t VALUES (2)")
        sqlite3.connect(path).execute("SELECT count(*) FROM t").fetchall()
    owner.close()


def test_a_read_only_connection_in_another_process_leaves_the_wal_alone(tmp_path):
    """The same sequence with `mode=ro` (what open_library(read_only=True) uses): the reader cannot checkpoint,
    so its close deletes nothing, and it needs no ownership."""
    path = tmp_path / "lib.sqlite"
    owner = _raw_owner(path)
    for _ in range(200):
        owner.execute("INSERT INTO t VALUES (randomblob(2000))")
    _stray_close(path)
    for _ in range(3):
        seen = _python(
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], uri=True);"
            " print(c.execute('SELECT count(*) FROM t').fetchone()[0]); c.close()",
            path.resolve().as_uri() + "?mode=ro",
        )
        assert int(seen.stdout) >= 201
        assert (tmp_path / "lib.sqlite-wal").exists()
        owner.execute("INSERT INTO t VALUES (2)")
    fresh = sqlite3.connect(path)
    assert fresh.execute("SELECT count(*) FROM t").fetchone()[0] == 204
    assert fresh.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    fresh.close()
    owner.close()


def test_reproduction_a_second_process_is_refused_and_nothing_is_lost(tmp_path):
    """The issue's reproduction without Qt: owner in WAL mode, a stray descriptor close in the owner, the CLI run
    on the same library, then the owner writes and a new connection reads."""
    from litreview.library.lists import ReadingLists

    path = tmp_path / "lib.sqlite"
    library = open_library(path)
    lists = ReadingLists(library)
    first = lists.create("before")
    _stray_close(path)

    refused = _cli(path, "lists", "create", "from the CLI")
    assert refused.returncode != 0
    line = refused.stderr.strip()
    assert "\n" not in line and f"pid {os.getpid()}" in line and socket.gethostname() in line, line
    info = _cli(path, "info", "--json")  # a command that only reads reads read-only: allowed, harmless
    assert info.returncode == 0 and json.loads(info.stdout)["reading_lists"] == 1, info.stderr
    read_only = _python(
        "import sys; from litreview.library import open_library;"
        " lib = open_library(sys.argv[1], read_only=True);"
        " print(lib.conn.execute('SELECT count(*) FROM reading_lists').fetchone()[0]); lib.close()",
        str(path),
    )
    assert read_only.stdout.strip() == "1"
    assert (tmp_path / "lib.sqlite-wal").exists()

    second = lists.create("after")
    library.close()
    fresh = sqlite3.connect(path)
    assert {r[0] for r in fresh.execute("SELECT id FROM reading_lists")} == {first, second}
    assert fresh.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    fresh.close()
    assert _cli(path, "lists", "create", "from the CLI").returncode == 0  # owner gone: the CLI writes again


def test_ownership_is_counted_within_a_process_and_released_by_the_last_close(tmp_path):
    path = tmp_path / "lib.sqlite"
    one = open_library(path)
    two = open_library(path)  # the worker and a helper thread in one process
    one.close()
    assert ownership.owned_here(path)
    assert _cli(path, "lists", "create", "x").returncode != 0
    two.close()
    assert not ownership.owned_here(path)
    assert ownership.owner_of(path) is None
    assert _cli(path, "lists", "create", "x").returncode == 0


def test_closing_another_descriptor_of_the_lock_file_keeps_the_lock(tmp_path):
    path = tmp_path / "lib.sqlite"
    with open_library(path):
        _stray_close(ownership.lock_path(path))
        _stray_close(path)
        result = _cli(path, "lists", "create", "x")
        assert result.returncode != 0 and "is open in litreview" in result.stderr


OWNER = """
import sys, time
from litreview.library import open_library, ownership
ownership.set_program("the window")
library = open_library(sys.argv[1])
print("ready", flush=True)
time.sleep(120)
"""


def test_a_killed_owner_leaves_no_stale_lock(tmp_path):
    path = tmp_path / "lib.sqlite"
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout.readline().strip() == "ready"
        with pytest.raises(LibraryInUse) as refused:
            open_library(path)
        assert refused.value.owner["pid"] == owner.pid
        assert "close it there, or do this in that window" in str(refused.value)
        assert ownership.owner_of(path)["program"] == "the window"
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=30)
        owner.stdout.close()
    assert ownership.owner_of(path) is None  # the kernel released the flock with the process
    with open_library(path) as library:
        assert library.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    record = ownership.lock_path(path).read_text()
    assert record == ""  # released cleanly: no stale record either


def test_a_forked_child_does_not_keep_the_parents_lock(tmp_path):
    path = tmp_path / "lib.sqlite"
    library = open_library(path)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os._exit(0 if not ownership.owned_here(path) else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert ownership.owned_here(path)
    library.close()
    assert ownership.owner_of(path) is None


def test_the_lock_record_names_the_owner(tmp_path):
    path = tmp_path / "lib.sqlite"
    with open_library(path):
        record = json.loads(ownership.lock_path(path).read_text())
    assert record["pid"] == os.getpid() and record["host"] == socket.gethostname()
    assert record["program"] and record["started"].endswith("Z")
