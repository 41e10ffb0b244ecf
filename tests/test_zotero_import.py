"""Importing Zotero libraries into litreview, and re-importing them after changes made with SQL in a copy."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from data_location import data_part

from litreview.library import open_library
from litreview.library.lists import ReadingLists
from litreview.library.notes import PaperNotes
from litreview.library.papers import PaperRepository
from litreview.pipeline import drive, run_import

VOICE = "gabrielmaia2-voicecoder"
SCALE = "kishkash555-nlp-for-ta"


def _zotero_dir(shared_data: Path, name: str) -> Path:
    return data_part(shared_data, f"zotero/{name}", f"the Zotero test library {name}", "zotero.sqlite")


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def _import(library, *paths):
    return drive(run_import(library, [str(p) for p in paths], extract_in_child=False))


def _zotero_papers(library) -> dict[str, dict]:
    """zotero id -> papers row."""
    rows = library.query("SELECT z.zotero_id AS zid, p.* FROM zotero_items z JOIN papers p ON p.id = z.paper_id")
    return {row["zid"]: row for row in rows}


def _list_counts(library) -> dict[str, int]:
    return {row["name"]: row["count"] for row in ReadingLists(library).lists()}


@pytest.fixture(scope="module")
def imported(shared_data: Path, tmp_path_factory):
    """Both shared libraries imported (with the voicecoder PDFs read), and the listings of their folders before."""
    folders = {name: _zotero_dir(shared_data, name) for name in (VOICE, SCALE)}
    before = {name: _listing(folder) for name, folder in folders.items()}
    results = {}
    for name, folder in folders.items():
        library = open_library(tmp_path_factory.mktemp(name) / "library.sqlite")
        summary = _import(library, folder)
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        results[name] = (library, summary, expected, folder)
    yield results, before
    for library, *_ in results.values():
        library.close()


@pytest.mark.parametrize("name", [VOICE, SCALE])
def test_every_item_outside_the_trash_imported_once(imported, name: str) -> None:
    results, before = imported
    library, summary, expected, folder = results[name]
    assert summary.failed == []
    assert summary.imported == expected["regular_items"]
    assert PaperRepository(library).count() == expected["regular_items"]
    papers = _zotero_papers(library)
    assert len(papers) == expected["regular_items"]
    assert len({row["id"] for row in papers.values()}) == expected["regular_items"]
    for sample in expected["sample_items"]:
        row = papers[f"{sample['libraryID']}/{sample['key']}"]
        assert row["title"] == sample["title"]
        assert row["year"] == sample["year"]
        if sample["DOI"]:
            assert row["doi"] == sample["DOI"].lower()
        first = f"{sample['first_creator_firstName']} {sample['first_creator_lastName']}".strip()
        assert json.loads(row["authors"])[0] == first
        assert json.loads(row["external_ids"])["zotero"] == f"{sample['libraryID']}/{sample['key']}"
        tags = row["keywords"].split("; ") if row["keywords"] else []
        assert len(tags) == sample["num_tags"]
    assert _listing(folder) == before[name]  # nothing written beside zotero.sqlite, not even by the PDF reader


@pytest.mark.parametrize("name", [VOICE, SCALE])
def test_collections_notes_and_missing_files(imported, name: str) -> None:
    results, _ = imported
    library, summary, expected, _ = results[name]
    wanted = {c["path"]: c["regular_items_direct"] for c in expected["collections"] if not c["deleted"]}
    assert _list_counts(library) == wanted
    notes = library.conn.execute("SELECT count(*) FROM paper_notes").fetchone()[0]
    assert expected["notes"]["child"] - 1 <= notes <= expected["notes"]["child"]  # voicecoder: one note is empty
    attachments = expected["attachments"]
    files = attachments["not_deleted"] - attachments["by_linkMode"].get("linked_url", 0)
    missing = [w for w in summary.warnings if "not found" in w.reason]
    assert len(missing) == files - attachments["pdf_files_present_in_this_folder"]
    trashed = [w for w in summary.warnings if "trash" in w.reason]
    assert len(trashed) == expected["regular_items_including_trash"] - expected["regular_items"]


def test_stored_pdfs_linked_and_zotero_metadata_wins(imported) -> None:
    results, _ = imported
    library, _, expected, folder = results[VOICE]
    papers = _zotero_papers(library)
    for pdf in expected["attachments"]["pdf_files"]:
        paper = papers[f"1/{pdf['parent_key']}"]
        files = PaperRepository(library).files_of(paper["id"])
        assert [f["path"] for f in files] == [str((folder / pdf["file"]).resolve())]
        assert files[0]["sha256"] == pdf["sha256"]
        assert paper["full_text"]  # the PDF gave its text
    for sample in expected["sample_items"]:  # ...but never its title over Zotero's
        assert papers[f"{sample['libraryID']}/{sample['key']}"]["title"] == sample["title"]


def test_reimport_with_nothing_changed_adds_nothing(imported) -> None:
    results, _ = imported
    library, _, expected, folder = results[SCALE]
    before = library.query("SELECT * FROM papers ORDER BY id")
    lists_before = _list_counts(library)
    summary = _import(library, folder)
    assert (summary.imported, summary.updated, summary.removed, summary.failed) == (0, 0, 0, [])
    assert summary.duplicates == expected["regular_items"]
    assert library.query("SELECT * FROM papers ORDER BY id") == before
    assert _list_counts(library) == lists_before


# ----------------------------------------------------------------------------------------- sync on a copy


def _copy(shared_data: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "Zotero"
    folder.mkdir()
    shutil.copyfile(_zotero_dir(shared_data, VOICE) / "zotero.sqlite", folder / "zotero.sqlite")
    return folder


class _Zotero:
    """Changes made to a copy of a Zotero database the way Zotero itself records them."""

    def __init__(self, folder: Path) -> None:
        self.conn = sqlite3.connect(folder / "zotero.sqlite", isolation_level=None)
        self.conn.execute("PRAGMA foreign_keys = ON")

    def item(self, key: str) -> int:
        return self.conn.execute("SELECT itemID FROM items WHERE key = ?", (key,)).fetchone()[0]

    def touch(self, item_id: int) -> None:
        self.conn.execute("UPDATE items SET version = version + 1, dateModified = datetime('now', '+1 minute'), "
                          "clientDateModified = datetime('now', '+1 minute') WHERE itemID = ?", (item_id,))  # fmt: skip

    def set_field(self, key: str, name: str, value: str) -> None:
        item_id = self.item(key)
        field_id = self.conn.execute("SELECT fieldID FROM fields WHERE fieldName = ?", (name,)).fetchone()[0]
        self.conn.execute("INSERT OR IGNORE INTO itemDataValues (value) VALUES (?)", (value,))
        value_id = self.conn.execute("SELECT valueID FROM itemDataValues WHERE value = ?", (value,)).fetchone()[0]
        self.conn.execute("INSERT OR REPLACE INTO itemData (itemID, fieldID, valueID) VALUES (?, ?, ?)",
                          (item_id, field_id, value_id))  # fmt: skip
        self.touch(item_id)

    def collection(self, name: str) -> int:
        return self.conn.execute("SELECT collectionID FROM collections WHERE collectionName = ?", (name,)).fetchone()[0]

    def move(self, key: str, source: str, target: str) -> None:
        item_id = self.item(key)
        self.conn.execute("DELETE FROM collectionItems WHERE itemID = ? AND collectionID = ?",
                          (item_id, self.collection(source)))  # fmt: skip
        self.conn.execute("INSERT INTO collectionItems (collectionID, itemID, orderIndex) VALUES (?, ?, 0)",
                          (self.collection(target), item_id))  # fmt: skip
        self.touch(item_id)

    def trash(self, key: str) -> None:
        self.conn.execute("INSERT INTO deletedItems (itemID) VALUES (?)", (self.item(key),))
        self.touch(self.item(key))

    def delete(self, key: str) -> None:
        self.conn.execute("DELETE FROM items WHERE itemID = ?", (self.item(key),))

    def add(self, key: str, title: str) -> None:
        type_id = self.conn.execute("SELECT itemTypeID FROM itemTypes WHERE typeName = 'journalArticle'").fetchone()[0]
        self.conn.execute("INSERT INTO items (itemTypeID, libraryID, key, version) VALUES (?, 1, ?, 1)",
                          (type_id, key))  # fmt: skip
        self.set_field(key, "title", title)
        self.conn.execute("INSERT INTO collectionItems (collectionID, itemID, orderIndex) VALUES (?, ?, 0)",
                          (self.collection("Surveys"), self.item(key)))  # fmt: skip

    def close(self) -> None:
        self.conn.close()


def _members(library, list_name: str) -> set[int]:
    return {paper_id for paper_id, _, _ in ReadingLists(library).items(list_name)}


def test_reimport_applies_exactly_the_changes(shared_data: Path, tmp_path: Path, library) -> None:
    folder = _copy(shared_data, tmp_path)
    _import(library, folder)
    papers = _zotero_papers(library)
    surveys, autoencoders = _members(library, "Surveys"), _members(library, "Autoencoders")
    edited, moved, trashed, deleted = "6ZN2G268", "697YWBMM", "7BYLZ4D3", "26NV87J3"
    assert papers[f"1/{moved}"]["id"] in autoencoders and papers[f"1/{moved}"]["id"] not in surveys
    zotero = _Zotero(folder)
    zotero.set_field(edited, "title", "DeepComp, retitled in Zotero")
    zotero.move(moved, "Autoencoders", "Surveys")
    zotero.trash(trashed)
    zotero.delete(deleted)
    zotero.add("NEWITEM1", "A paper added in Zotero after the first import")
    zotero.close()
    untouched = {zid: row for zid, row in papers.items()
                 if zid not in {f"1/{k}" for k in (edited, trashed, deleted)}}  # fmt: skip

    summary = _import(library, folder)

    assert (summary.imported, summary.updated, summary.removed, summary.failed) == (1, 1, 2, [])
    after = _zotero_papers(library)
    assert after[f"1/{edited}"]["title"] == "DeepComp, retitled in Zotero"
    assert f"1/{trashed}" not in after and f"1/{deleted}" not in after
    for key in (trashed, deleted):
        assert library.conn.execute("SELECT 1 FROM papers WHERE id = ?", (papers[f"1/{key}"]["id"],)).fetchone() is None
    from litreview.library.trash import in_trash

    assert all(in_trash(library, papers[f"1/{key}"]["id"]) for key in (trashed, deleted))  # restorable
    assert after["1/NEWITEM1"]["title"] == "A paper added in Zotero after the first import"
    assert {zid: after[zid] for zid in untouched} == untouched  # nothing else changed
    moved_id = papers[f"1/{moved}"]["id"]
    assert moved_id in _members(library, "Surveys") and moved_id not in _members(library, "Autoencoders")
    assert after["1/NEWITEM1"]["id"] in _members(library, "Surveys")

    again = _import(library, folder)  # and then nothing more
    assert (again.imported, again.updated, again.removed) == (0, 0, 0)


def test_users_edits_are_kept_and_reported(shared_data: Path, tmp_path: Path, library) -> None:
    folder = _copy(shared_data, tmp_path)
    _import(library, folder)
    repo = PaperRepository(library)
    papers = _zotero_papers(library)
    edited, worked_on = papers["1/6ZN2G268"]["id"], papers["1/7BYLZ4D3"]["id"]
    with library.transaction():
        repo.update_fields(edited, by_user=True, title="My own title")
    PaperNotes(library).add(worked_on, "my reading note")
    zotero = _Zotero(folder)
    zotero.set_field("6ZN2G268", "title", "Zotero's new title")
    zotero.set_field("6ZN2G268", "volume", "99")
    zotero.trash("7BYLZ4D3")
    zotero.close()

    summary = _import(library, folder)

    row = repo.get_row(edited)
    assert row["title"] == "My own title"  # the user's edit wins...
    assert row["volume"] == "99"  # ...over that field only
    reasons = [w.reason for w in summary.warnings if w.entry == "1/6ZN2G268"]
    assert any("kept your litreview edit of title" in r and "Zotero's new title" in r for r in reasons)
    # trashed in Zotero, but the user wrote a note on it: kept, unlinked, said so
    assert repo.get_row(worked_on)["title"]
    assert summary.removed == 0
    assert any("kept in litreview because you wrote notes" in w.reason for w in summary.warnings)
    assert PaperNotes(library).notes(worked_on) == [("user", "my reading note")]
    assert worked_on not in _members(library, "Autoencoders")


def test_unreadable_database_imports_nothing(tmp_path: Path, library) -> None:
    folder = tmp_path / "Zotero"
    folder.mkdir()
    (folder / "zotero.sqlite").write_bytes(b"\x00garbage" * 1000)
    summary = _import(library, folder)
    assert len(summary.failed) == 1 and "not a readable Zotero database" in summary.failed[0].reason
    assert PaperRepository(library).count() == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    summary = _import(library, empty)  # a folder without a database is an ordinary (empty) folder import
    assert summary.imported == 0 and PaperRepository(library).count() == 0


def test_collections_renamed_deleted_and_notes_edited(shared_data: Path, tmp_path: Path, library) -> None:
    folder = _copy(shared_data, tmp_path)
    _import(library, folder)
    papers = _zotero_papers(library)
    meta = _members(library, "Meta")
    zotero = _Zotero(folder)
    zotero.conn.execute("UPDATE collections SET collectionName = 'Meta (renamed)' WHERE collectionName = 'Meta'")
    zotero.conn.execute("DELETE FROM collections WHERE collectionName = 'Right now'")
    note_id, parent_id = zotero.conn.execute(
        "SELECT n.itemID, n.parentItemID FROM itemNotes n WHERE n.note LIKE '%Interspeech 2019%'").fetchone()
    zotero.conn.execute("UPDATE itemNotes SET note = '<p>Edited in <b>Zotero</b></p>' WHERE itemID = ?", (note_id,))
    zotero.touch(note_id)
    parent_key = zotero.conn.execute("SELECT key FROM items WHERE itemID = ?", (parent_id,)).fetchone()[0]
    zotero.close()

    summary = _import(library, folder)

    counts = _list_counts(library)
    assert "Meta" not in counts and _members(library, "Meta (renamed)") == meta
    assert "Right now" not in counts
    assert summary.updated == 1 and summary.imported == 0  # the note's parent
    notes = PaperNotes(library).notes(papers[f"1/{parent_key}"]["id"])
    assert [text for _, text in notes] == ["Edited in Zotero"]


def test_an_item_takes_over_a_paper_litreview_already_had(shared_data: Path, tmp_path: Path, library) -> None:
    from litreview.core.paper import ParsedPaper
    from litreview.pipeline import add_records

    folder = _copy(shared_data, tmp_path)
    add_records(library, [ParsedPaper(source="pdf", title="Some title a PDF gave", doi="10.1007/s13369-022-06587-x")])
    summary = _import(library, folder)
    assert summary.imported == 32 and summary.duplicates == 1
    row = _zotero_papers(library)["1/6ZN2G268"]
    assert row["title"].startswith("DeepComp")  # Zotero's metadata replaces what the PDF guessed
    assert PaperRepository(library).count() == 33
