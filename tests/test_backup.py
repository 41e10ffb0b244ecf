"""Backups through SQLite's backup API, the check on open, restore (issue #14)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from litreview.cli import main
from litreview.library import backup, open_library
from litreview.library.db import migrate
from litreview.library.errors import LibraryInUse
from litreview.library.lists import ReadingLists
from litreview.library.migrations import LATEST_VERSION

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _filled(path: Path, papers: int = 300) -> None:
    with open_library(path) as library, library.transaction() as conn:
        conn.executemany(
            "INSERT INTO papers(title, abstract) VALUES (?, ?)",
            [(f"paper {i}", " ".join(f"word{i * 7 + k}" for k in range(150))) for i in range(papers)],
        )


def test_backup_list_and_restore_round_trip(tmp_path, capsys):
    path = tmp_path / "lib.sqlite"
    _filled(path, 20)
    with open_library(path) as library:
        ReadingLists(library).create("kept")
    assert main(["--library", str(path), "backup", "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert Path(made["backup"]).parent == tmp_path / "backups" and made["bytes"] > 0
    assert backup.check_file(Path(made["backup"])) == "ok"
    assert not Path(made["backup"] + "-wal").exists()  # a self-contained file

    with open_library(path) as library:
        ReadingLists(library).create("made after the backup")
    assert main(["--library", str(path), "backups", "--json"]) == 0
    assert [b["reason"] for b in json.loads(capsys.readouterr().out)] == ["manual"]

    assert main(["--library", str(path), "restore", made["backup"], "--json"]) == 0
    restored = json.loads(capsys.readouterr().out)
    with open_library(path) as library:
        assert [r["name"] for r in library.query("SELECT name FROM reading_lists")] == ["kept"]
        assert library.conn.execute("SELECT count(*) FROM papers").fetchone()[0] == 20
        assert library.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with sqlite3.connect(restored["previous_saved_as"]) as previous:  # the replaced state is kept, too
        assert previous.execute("SELECT count(*) FROM reading_lists").fetchone()[0] == 2
    previous.close()


def test_backup_to_a_path_refuses_to_overwrite(tmp_path, capsys):
    path = tmp_path / "lib.sqlite"
    _filled(path, 3)
    target = tmp_path / "copy.sqlite"
    assert main(["--library", str(path), "backup", str(target)]) == 0
    assert main(["--library", str(path), "backup", str(target)]) == 1
    assert "exists" in capsys.readouterr().err
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM papers").fetchone()[0] == 3
    copy.close()


def test_automatic_backups_roll_and_manual_ones_stay(tmp_path):
    path = tmp_path / "lib.sqlite"
    _filled(path, 3)
    with open_library(path) as library:
        backup.take_backup(library.conn, path, "manual", now=T0 - dt.timedelta(days=2))
        for day in range(8):
            assert backup.backup_due(path, now=T0 + dt.timedelta(days=day, hours=1))
            backup.take_backup(library.conn, path, "auto", now=T0 + dt.timedelta(days=day, hours=1))
            assert not backup.backup_due(path, now=T0 + dt.timedelta(days=day, hours=20))
    kept = backup.backups_of(path)
    assert [b.reason for b in kept] == ["auto"] * backup.KEEP + ["manual"]
    assert kept[0].taken_at == T0 + dt.timedelta(days=7, hours=1)
    assert not list((tmp_path / "backups").glob("*.partial"))


def test_a_migration_is_preceded_by_a_backup_of_the_old_schema(tmp_path):
    path = tmp_path / "lib.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, LATEST_VERSION - 1)
    conn.execute("INSERT INTO papers(title) VALUES ('old')")
    conn.close()
    with open_library(path) as library:
        assert library.schema_version == LATEST_VERSION
    [made] = backup.backups_of(path)
    assert made.reason == "migration"
    with sqlite3.connect(made.path) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION - 1
        assert old.execute("SELECT title FROM papers").fetchall() == [("old",)]
    old.close()
    with open_library(path):  # already current: no new backup
        pass
    assert len(backup.backups_of(path)) == 1


def _corrupt(path: Path) -> None:
    """Overwrite the middle third of the file's pages (b-tree pages of papers, their FTS index, ...) with garbage:
    one page alone may be a free page, which no check would notice."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(  # the daily check is due again
            "UPDATE settings SET value = ? WHERE key = 'last_quick_check'", ((T0 - dt.timedelta(days=2)).isoformat(),)
        )
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    with open(path, "r+b") as handle:
        handle.seek((pages // 3) * size)
        handle.write(b"\xa5" * size * max(1, pages // 3))


def test_a_damaged_library_opens_read_only_naming_the_newest_good_backup(tmp_path, capsys):
    path = tmp_path / "lib.sqlite"
    _filled(path)
    with open_library(path) as library:
        good = backup.take_backup(library.conn, path, "auto", now=T0)
    bad = backup.backup_folder(path) / f"{path.name}.{(T0 + dt.timedelta(hours=1)).strftime(backup._STAMP)}.auto.sqlite"
    bad.write_bytes(b"not a database at all" * 100)  # newer, but not good
    _corrupt(path)

    library = open_library(path)
    try:
        assert library.read_only and library.damage
        assert str(good) in library.damage and f"restore {good}" in library.damage
        assert str(bad) not in library.damage
        with pytest.raises(sqlite3.OperationalError):
            library.conn.execute("INSERT INTO reading_lists(name) VALUES ('x')")
    finally:
        library.close()

    main(["--library", str(path), "info"])  # counting may or may not reach the damaged page
    assert f"restore {good}" in capsys.readouterr().err
    assert main(["--library", str(path), "restore", str(good)]) == 0
    assert "damaged library was moved to" in capsys.readouterr().out
    with open_library(path) as library:
        assert library.damage is None and not library.read_only
        assert library.conn.execute("SELECT count(*) FROM papers").fetchone()[0] == 300
    assert list(tmp_path.glob("lib.sqlite.damaged-*"))


OWNER = """
import sys, time
from litreview.library import open_library, ownership
ownership.set_program("the window")
library = open_library(sys.argv[1])
print("ready", flush=True)
time.sleep(120)
"""


def test_restore_is_refused_while_another_process_owns_the_library(tmp_path, capsys):
    path = tmp_path / "lib.sqlite"
    _filled(path, 5)
    with open_library(path) as library:
        made = backup.take_backup(library.conn, path)
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout.readline().strip() == "ready"
        with pytest.raises(LibraryInUse):
            backup.restore(made, path)
        assert main(["--library", str(path), "restore", str(made)]) == 1
        assert f"pid {owner.pid}" in capsys.readouterr().err
        assert main(["--library", str(path), "backup"]) == 0  # a backup needs no ownership
    finally:
        owner.kill()
        owner.wait(timeout=30)
        owner.stdout.close()


def test_restore_refuses_what_is_not_a_good_litreview_library(tmp_path, capsys):
    path = tmp_path / "lib.sqlite"
    _filled(path, 2)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"junk" * 1000)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t(x)").connection.close()
    for candidate in (junk, other, tmp_path / "missing.sqlite"):
        assert main(["--library", str(path), "restore", str(candidate)]) == 1
        err = capsys.readouterr().err
        assert str(candidate) in err and ("cannot restore" in err or "not a litreview library" in err), err
    with open_library(path) as library:
        assert library.conn.execute("SELECT count(*) FROM papers").fetchone()[0] == 2


def test_daily_backups_run_on_their_own_thread_once_a_day(tmp_path):
    path = tmp_path / "lib.sqlite"
    _filled(path, 10)
    done: list[tuple] = []
    daily = backup.DailyBackups(path, on_done=lambda p, e: done.append((p, e)))
    assert daily.maybe_start()
    daily.wait()
    assert done[0][1] == "" and done[0][0].is_file()
    assert not daily.maybe_start()  # not due again today
    cancelled = backup.DailyBackups(path, every=dt.timedelta(0), on_done=lambda p, e: done.append((p, e)))
    cancelled._cancel.set()
    assert cancelled.maybe_start()
    cancelled.stop()
    assert done[1] == (None, "cancelled")
    assert len(backup.backups_of(path)) == 1 and not list((tmp_path / "backups").glob("*.partial"))


def test_the_check_on_open_runs_at_most_daily(tmp_path, monkeypatch):
    path = tmp_path / "lib.sqlite"
    calls = []
    real = backup.check
    monkeypatch.setattr(backup, "check", lambda conn: calls.append(1) or real(conn))
    for _ in range(3):
        with open_library(path):
            pass
    assert len(calls) == 1
    with open_library(path) as library:
        library.set_setting("last_quick_check", (dt.datetime.now(dt.UTC) - dt.timedelta(days=1, minutes=1)).isoformat())
    with open_library(path):
        pass
    assert len(calls) == 2
