"""Merging two papers and splitting the merge back (issue #14): the kept paper gets the better value field by field
and every row of the other; a split restores both exactly; doctor stays clean."""

from __future__ import annotations

import json
import struct

import pytest

from litreview.cli import main
from litreview.index.upkeep import index_in_step
from litreview.library import merge
from litreview.library.lists import ReadingLists
from litreview.library.notes import PaperNotes


def _merge(library, keep: int, other: int) -> merge.MergeRecord:
    with index_in_step(library):  # as the CLI and the worker do: the ANN snapshot follows the vectors
        return merge.merge_papers(library, keep, other)


def _split(library, merge_id: int) -> tuple[int, int]:
    with index_in_step(library):
        return merge.split_merge(library, merge_id)


def _vector(*values: float) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)


def _snapshot(conn) -> dict:
    tables = ["papers", "files", "reading_list_items", "paper_notes", "vectors", "import_log", "screening_decisions",
              "cluster_members", "screening_candidates", "cited_works"]
    return {t: sorted(map(tuple, conn.execute(f"SELECT * FROM {t}").fetchall()), key=repr) for t in tables}


@pytest.fixture
def two_papers(library):
    """Paper 1 (kept): short title, no abstract, one author, a user-edited year. Paper 2: the same work, better
    extracted, with its own file, lists, note, vector, screening decision and import-log row."""
    with library.transaction() as conn:
        conn.execute("INSERT INTO papers(id, title, authors, year, venue, user_fields, external_ids) VALUES "
                     "(1, 'Deep nets', ?, 2019, '', '[\"year\"]', '{\"openalex\": \"W1\"}')",
                     (json.dumps(["A. Smith"]),))
        conn.execute("INSERT INTO papers(id, title, authors, year, venue, abstract, doi, external_ids) VALUES "
                     "(2, 'Deep nets for protein folding', ?, 2020, 'Nature', 'We fold proteins.', '10.1/x', "
                     "'{\"pmid\": \"99\"}')", (json.dumps(["A. Smith", "B. Jones"]),))
        conn.execute("INSERT INTO papers(id, title) VALUES (3, 'bystander')")
        for pid in (1, 2, 3):
            conn.execute("INSERT INTO files(paper_id, path, sha256, size) VALUES (?, ?, ?, 10)",
                         (pid, f"/p/{pid}.pdf", f"{pid:064x}"))
            conn.execute("INSERT INTO vectors(paper_id, model_id, dim, text_hash, vector) VALUES (?, 'm', 2, ?, ?)",
                         (pid, f"h{pid}", _vector(pid, 1.0)))
        conn.execute("INSERT INTO import_log(batch, path, outcome, paper_id) VALUES ('b', '/p/2.pdf', 'imported', 2)")
        conn.execute("INSERT INTO screening_projects(id, name) VALUES (1, 'review')")
        conn.execute("INSERT INTO screening_decisions(project_id, paper_id, decision) VALUES (1, 2, 'include')")
        conn.executemany("INSERT INTO screening_candidates(project_id, paper_id, position) VALUES (1, ?, ?)",
                         [(1, 0), (2, 1)])  # WITHOUT ROWID rows, one per paper: both candidates
        conn.executemany("INSERT INTO cited_works(paper_id, cited_id) VALUES (?, ?)",
                         [(1, "openalex:W7"), (2, "openalex:W7"), (2, "openalex:W8")])  # one cited by both
        conn.execute("INSERT INTO clusters(id, model_id, dim, label, centroid, size)"
                     " VALUES (1, 'm', 2, 'folding', x'00', 1)")
        conn.executemany("INSERT INTO cluster_members(cluster_id, paper_id, x, y) VALUES (1, ?, ?, 0.5)",
                         [(2, 0.25)])
    lists = ReadingLists(library)
    both, only_other = lists.create("both"), lists.create("only other")
    lists.add(both, [3, 2, 1])
    lists.set_note(both, 2, "the good version")
    lists.add(only_other, [3, 2], note="n")
    with library.transaction():
        PaperNotes(library).add(2, "check figure 3")
    assert main(["--library", str(library.path), "reindex"]) == 0  # the ANN index over the vectors, as doctor wants
    return library


def test_merge_takes_the_better_fields_and_every_row(two_papers, capsys):
    library = two_papers
    record = _merge(library, 1, 2)
    conn = library.conn
    paper = dict(zip([c[0] for c in conn.execute("SELECT * FROM papers WHERE id = 1").description],
                     conn.execute("SELECT * FROM papers WHERE id = 1").fetchone(), strict=True))
    assert conn.execute("SELECT count(*) FROM papers WHERE id = 2").fetchone()[0] == 0
    assert paper["title"] == "Deep nets for protein folding"  # the longer one
    assert json.loads(paper["authors"]) == ["A. Smith", "B. Jones"]
    assert paper["year"] == 2019  # the user's edit wins
    assert (paper["venue"], paper["abstract"], paper["doi"]) == ("Nature", "We fold proteins.", "10.1/x")
    assert json.loads(paper["external_ids"]) == {"openalex": "W1", "pmid": "99"}
    assert {"title", "abstract", "venue", "doi"} <= set(record.changed_fields) and "year" not in record.changed_fields
    assert sorted(r[0] for r in conn.execute("SELECT path FROM files WHERE paper_id = 1")) == ["/p/1.pdf", "/p/2.pdf"]
    lists = ReadingLists(library)
    assert lists.items("both") == [(3, 0, ""), (1, 1, "the good version")]  # once, the note kept, dense
    assert [i[:2] for i in lists.items("only other")] == [(3, 0), (1, 1)]
    assert PaperNotes(library).notes(1)[-1][1] == "check figure 3"
    assert conn.execute("SELECT paper_id FROM screening_decisions").fetchall() == [(1,)]
    assert conn.execute("SELECT paper_id FROM import_log").fetchall() == [(1,)]
    assert conn.execute("SELECT paper_id FROM screening_candidates").fetchall() == [(1,)]
    assert conn.execute("SELECT * FROM cited_works ORDER BY cited_id").fetchall() == [
        (1, "openalex:W7"), (1, "openalex:W8")]
    assert conn.execute("SELECT paper_id, x FROM cluster_members").fetchall() == [(1, 0.25)]
    assert conn.execute("SELECT paper_id FROM vectors ORDER BY paper_id").fetchall() == [(1,), (3,)]
    assert [m.merge_id for m in merge.merges(library)] == [record.merge_id]
    _doctor(capsys, library.path)


def test_split_restores_both_papers_exactly(two_papers, capsys):
    library = two_papers
    before = _snapshot(library.conn)
    record = _merge(library, 1, 2)
    assert _split(library, record.merge_id) == (1, 2)
    after = _snapshot(library.conn)
    for table in before:
        assert after[table] == before[table], table
    assert merge.merges(library) == []
    _doctor(capsys, library.path)


def test_bad_merges_change_nothing(two_papers):
    library = two_papers
    before = _snapshot(library.conn)
    with pytest.raises(merge.MergeError):
        merge.merge_papers(library, 1, 1)
    with pytest.raises(merge.MergeError):
        merge.merge_papers(library, 1, 99)
    with pytest.raises(merge.MergeError):
        merge.split_merge(library, 5)
    assert _snapshot(library.conn) == before
    first = merge.merge_papers(library, 1, 2)
    merge.merge_papers(library, 1, 3)
    with pytest.raises(merge.MergeError, match="split merge"):
        merge.split_merge(library, first.merge_id)  # the later merge first


def test_confidence_and_truncation_choose_the_title():
    keep = {"title": "A long but uncertain title", "confidence": json.dumps({"title": 0.2}), "user_fields": "[]"}
    other = {"title": "Short sure title", "confidence": json.dumps({"title": 0.9}), "user_fields": "[]"}
    assert merge.merged_fields(keep, other)["title"] == "Short sure title"
    keep = {"abstract": "We study folding of proteins in great detail and...", "user_fields": "[]"}
    other = {"abstract": "We study folding of proteins.", "user_fields": "[]"}
    assert merge.merged_fields(keep, other)["abstract"] == "We study folding of proteins."


def test_cli_merge_merges_split(two_papers, capsys):
    path = str(two_papers.path)
    two_papers.close()
    assert main(["--library", path, "merge", "1", "2", "--json"]) == 0
    merged = json.loads(capsys.readouterr().out)
    assert merged["keep_id"] == 1 and merged["other_id"] == 2
    assert main(["--library", path, "merges", "--json"]) == 0
    assert [m["merge_id"] for m in json.loads(capsys.readouterr().out)] == [merged["merge_id"]]
    assert main(["--library", path, "split", str(merged["merge_id"])]) == 0
    assert "2" in capsys.readouterr().out
    assert main(["--library", path, "merge", "1", "77"]) == 1
    assert "no paper with id 77" in capsys.readouterr().err
    _doctor(capsys, path)


def _doctor(capsys, path) -> None:
    assert main(["--library", str(path), "doctor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["integrity"] == "ok" and report["problems"] == [], report


def test_a_user_edit_of_the_other_paper_wins():
    keep = {"title": "A much longer extracted title here", "year": 2020, "user_fields": "[]"}
    other = {"title": "Typed by the user", "year": 2021, "user_fields": '["title"]'}
    changes = merge.merged_fields(keep, other)
    assert changes["title"] == "Typed by the user" and "year" not in changes
    assert json.loads(changes["user_fields"]) == ["title"]  # still the user's after the merge


def test_split_when_the_other_id_was_taken_meanwhile(two_papers, capsys):
    library = two_papers
    record = _merge(library, 1, 3)  # 3 is the highest id: the next paper added takes it
    with library.transaction() as conn:
        conn.execute("INSERT INTO papers(title) VALUES ('newcomer')")
    keep_id, other_id = _split(library, record.merge_id)
    assert (keep_id, other_id != 3) == (1, True)
    assert library.conn.execute("SELECT title FROM papers WHERE id = ?", (other_id,)).fetchone() == ("bystander",)
    assert library.conn.execute("SELECT path FROM files WHERE paper_id = ?", (other_id,)).fetchall() == [("/p/3.pdf",)]
    assert [i[0] for i in ReadingLists(library).items("both")] == [other_id, 2, 1]
