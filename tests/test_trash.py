"""The trash (issue #14): delete -> restore -> delete -> empty on 1,000 papers, with papers, vectors, the ANN index,
full-text rows and reading lists consistent at every step."""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3

import pytest
from fakes import BagOfWordsEmbedder

from litreview.cli import main
from litreview.index.service import IndexService
from litreview.library import open_library, trash
from litreview.library.lists import ReadingLists
from litreview.pipeline import drive, embed_pending

N = 1000


def _add_papers(library, count: int) -> None:
    """Papers "paper 0".."paper {count-1}", ids 1..count in a new library."""
    with library.transaction() as conn:
        for i in range(count):
            conn.execute("INSERT INTO papers(title) VALUES (?)", (f"paper {i}",))


def _fill(library) -> None:
    rng = random.Random(14)
    topics = ["protein folding", "graph neural networks", "coral reefs", "dark matter", "language models"]
    with library.transaction() as conn:
        for i in range(N):
            topic = topics[i % len(topics)]
            conn.execute(
                "INSERT INTO papers(title, abstract, authors, year) VALUES (?, ?, ?, ?)",
                (f"{topic} study {i}", f"we study {topic} with method m{rng.randrange(50)} uniqtoken{i}",
                 json.dumps([f"Author {i % 37}"]), 1990 + i % 30),
            )
            conn.execute("INSERT INTO files(paper_id, path, sha256, size) VALUES (?, ?, ?, ?)",
                         (i + 1, f"/papers/{i}.pdf", f"{i:064x}", 1000 + i))
        conn.execute(
            "INSERT INTO import_log(batch, path, outcome, paper_id) VALUES ('b', '/papers/7.pdf', 'imported', 8)"
        )
    lists = ReadingLists(library)
    for name, step in (("every tenth", 10), ("every seventh", 7), ("first fifty", 1)):
        list_id = lists.create(name)
        ids = list(range(1, N + 1, step))[:50] if name == "first fifty" else list(range(1, N + 1, step))
        lists.add(list_id, ids)
        for pid in ids[::3]:
            lists.set_note(list_id, pid, f"note on {pid} in {name}")
    embedder = BagOfWordsEmbedder(dim=32)
    assert drive(embed_pending(library, embedder)) == N


def _snapshot(library) -> dict:
    """Everything a trashed-then-restored paper must get back, exactly."""
    conn = library.conn
    return {
        "papers": conn.execute("SELECT * FROM papers ORDER BY id").fetchall(),
        "files": conn.execute("SELECT * FROM files ORDER BY id").fetchall(),
        "vectors": conn.execute("SELECT * FROM vectors ORDER BY paper_id, model_id").fetchall(),
        "items": conn.execute("SELECT * FROM reading_list_items ORDER BY list_id, position").fetchall(),
        "log": conn.execute("SELECT id, paper_id FROM import_log ORDER BY id").fetchall(),
    }


def _doctor(capsys, path) -> dict:
    assert main(["--library", str(path), "doctor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["integrity"] == "ok" and report["index_consistent"], report
    assert report["problems"] == [], report["problems"]
    return report


def _assert_consistent(library, capsys, live: set[int]) -> None:
    conn = library.conn
    report = _doctor(capsys, library.path)
    assert report["papers"] == len(live) == report["vectors"]
    assert {r[0] for r in conn.execute("SELECT id FROM papers")} == live
    assert {r[0] for r in conn.execute("SELECT paper_id FROM vectors")} == live
    assert {r[0] for r in conn.execute("SELECT id FROM papers_fts_docsize")} == live  # indexed FTS rows
    conn.execute("INSERT INTO papers_fts(papers_fts, rank) VALUES ('integrity-check', 1)")
    assert {r[0] for r in conn.execute("SELECT paper_id FROM files")} == live
    assert {r[0] for r in conn.execute("SELECT paper_id FROM reading_list_items")} <= live
    for (list_id,) in conn.execute("SELECT id FROM reading_lists").fetchall():
        positions = [r[0] for r in conn.execute(
            "SELECT position FROM reading_list_items WHERE list_id = ? ORDER BY position", (list_id,))]
        assert positions == list(range(len(positions)))  # dense, as the lists module promises
    # What a user sees: the list command, keyword search, related papers.
    assert main(["--library", str(library.path), "list", "--json"]) == 0
    assert {p["id"] for p in json.loads(capsys.readouterr().out)} == live
    gone = sorted(set(range(1, N + 1)) - live)
    for pid in gone[:5]:
        hits = conn.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?", (f"uniqtoken{pid - 1}",))
        assert hits.fetchall() == []
    for pid in sorted(live)[:5]:
        hits = conn.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?", (f"uniqtoken{pid - 1}",))
        assert hits.fetchall() == [(pid,)]
    index = IndexService(library)
    probe = min(live)
    related = index.related(probe, "test/bag-of-words", 32, k=50)
    assert related and {pid for pid, _ in related} <= live


def test_delete_restore_delete_empty_on_a_thousand_papers(tmp_path, capsys):
    path = tmp_path / "lib.sqlite"
    library = open_library(path)
    try:
        _fill(library)
        everything = set(range(1, N + 1))
        before = _snapshot(library)
        _assert_consistent(library, capsys, everything)

        doomed = sorted(random.Random(5).sample(sorted(everything), 300)) + [8]
        assert main(["--library", str(path), "rm", *map(str, doomed), "--json"]) == 0
        assert sorted(json.loads(capsys.readouterr().out)["trashed"]) == sorted(set(doomed))
        _assert_consistent(library, capsys, everything - set(doomed))
        assert main(["--library", str(path), "trash", "--json"]) == 0
        listed = json.loads(capsys.readouterr().out)
        assert {e["paper_id"] for e in listed} == set(doomed)
        assert all(e["vectors"] == 1 and e["files"] == 1 for e in listed)

        assert main(["--library", str(path), "trash", "restore", *map(str, doomed), "--json"]) == 0
        restored = json.loads(capsys.readouterr().out)["restored"]
        assert all(r["id"] == r["now"] for r in restored)
        _assert_consistent(library, capsys, everything)
        assert _snapshot(library) == before  # back exactly: rows, files, vectors, list positions and notes, log

        assert main(["--library", str(path), "rm", *map(str, doomed)]) == 0
        capsys.readouterr()
        _assert_consistent(library, capsys, everything - set(doomed))
        assert main(["--library", str(path), "trash", "empty", "--older-than", "1", "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == {"deleted": 0}  # nothing is a day old yet
        assert main(["--library", str(path), "trash", "empty", "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == {"deleted": len(set(doomed))}
        assert library.conn.execute("SELECT count(*) FROM trash").fetchone()[0] == 0
        assert library.conn.execute("SELECT count(*) FROM trash_vectors").fetchone()[0] == 0
        _assert_consistent(library, capsys, everything - set(doomed))
        assert main(["--library", str(path), "trash", "restore", str(doomed[0])]) == 1
        assert "not in the trash" in capsys.readouterr().err
    finally:
        library.close()


def test_restore_under_a_new_id_when_the_old_one_was_taken(library):
    _add_papers(library, 3)
    lists = ReadingLists(library)
    list_id = lists.create("l")
    lists.add(list_id, [3, 1, 2])
    trash.move_to_trash(library, [3])
    assert [pid for pid, _, _ in lists.items(list_id)] == [1, 2]
    with library.transaction() as conn:
        conn.execute("INSERT INTO papers(title) VALUES ('newcomer')")  # takes id 3 again
    assert library.conn.execute("SELECT title FROM papers WHERE id = 3").fetchone()[0] == "newcomer"
    assert trash.restore(library, [3]) == {3: 4}
    assert library.conn.execute("SELECT title FROM papers WHERE id = 4").fetchone()[0] == "paper 2"
    assert [pid for pid, _, _ in lists.items(list_id)] == [4, 1, 2]  # back at the top of the list


def test_unknown_ids_change_nothing(library):
    with library.transaction() as conn:
        conn.execute("INSERT INTO papers(title) VALUES ('only')")
    with pytest.raises(trash.UnknownPaper, match="99"):
        trash.move_to_trash(library, [1, 99])
    assert library.conn.execute("SELECT count(*) FROM papers").fetchone()[0] == 1
    assert trash.entries(library) == []
    with pytest.raises(trash.NotInTrash):
        trash.restore(library, [1])


def test_empty_older_than(library):
    _add_papers(library, 4)
    trash.move_to_trash(library, [1, 2], now="2026-01-01T00:00:00Z")
    trash.move_to_trash(library, [3], now="2026-01-20T00:00:00Z")
    now = dt.datetime(2026, 1, 25, tzinfo=dt.UTC)
    assert trash.empty(library, older_than_days=10, now=now) == 2
    assert [e.paper_id for e in trash.entries(library)] == [3]


def test_the_daily_upkeep_empties_what_is_older_than_trash_days(tmp_path, capsys):
    from litreview.library.backup import DailyBackups, backups_of

    path = tmp_path / "lib.sqlite"
    with open_library(path) as library:
        _add_papers(library, 3)
        library.set_setting("trash_days", "7")
        trash.move_to_trash(library, [1], now="2020-01-01T00:00:00Z")
        trash.move_to_trash(library, [2])
    assert main(["--library", str(path), "show", "1"]) == 1
    assert "is in the trash" in capsys.readouterr().err
    daily = DailyBackups(path)
    assert daily.maybe_start()
    daily.wait()
    with open_library(path) as library:
        assert [e.paper_id for e in trash.entries(library)] == [2]
    with sqlite3.connect(backups_of(path)[0].path) as before:  # the day's backup still has it
        assert before.execute("SELECT count(*) FROM trash").fetchone()[0] == 2
    before.close()


def test_rows_of_every_other_table_pointing_at_a_paper_come_back_with_it(library):
    """Notes, Zotero links and whatever later tables point at papers are kept in the trash generically."""
    from litreview.library.notes import PaperNotes

    _add_papers(library, 2)
    notes = PaperNotes(library)
    with library.transaction():
        notes.add(1, "read the methods again")
    trash.move_to_trash(library, [1])
    assert library.conn.execute("SELECT count(*) FROM paper_notes").fetchone()[0] == 0  # gone with the paper
    with library.transaction() as conn:
        conn.execute("INSERT INTO papers(id, title) VALUES (1, 'newcomer')")  # the old id is taken meanwhile
    restored = trash.restore(library, [1])
    assert restored[1] != 1
    rows = library.conn.execute("SELECT paper_id, text FROM paper_notes").fetchall()
    assert rows == [(restored[1], "read the methods again")]
