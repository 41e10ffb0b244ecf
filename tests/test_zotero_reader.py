"""The Zotero reader on the two real shared libraries and on copies changed with SQL (locked, damaged, future)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from data_location import data_part

from litreview.ingest.zotero import (
    ZoteroDamaged,
    ZoteroLocked,
    ZoteroNotFound,
    ZoteroSchemaError,
    default_data_dirs,
    find_zotero_database,
    is_zotero_source,
    note_to_text,
    read,
    read_zotero,
)  # fmt: skip

LIBRARIES = ["gabrielmaia2-voicecoder", "kishkash555-nlp-for-ta"]


def _zotero_dir(shared_data: Path, name: str) -> Path:
    return data_part(shared_data, f"zotero/{name}", f"the Zotero test library {name}", "zotero.sqlite")


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under `folder` with its size and mtime: what 'unchanged' means."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def _copy_db(shared_data: Path, tmp_path: Path, name: str = LIBRARIES[0]) -> Path:
    """A writable copy of a shared database (without its PDFs) for tests that change it with SQL."""
    source = _zotero_dir(shared_data, name) / "zotero.sqlite"
    folder = tmp_path / "Zotero"
    folder.mkdir()
    shutil.copyfile(source, folder / "zotero.sqlite")
    return folder


@pytest.fixture(scope="module")
def results(shared_data: Path):
    return {name: (read_zotero(_zotero_dir(shared_data, name)), json.loads(
        (_zotero_dir(shared_data, name) / "expected.json").read_text(encoding="utf-8"))) for name in LIBRARIES}


@pytest.mark.parametrize("name", LIBRARIES)
def test_counts_match_expected(results, name: str) -> None:
    result, expected = results[name]
    assert result.errors == []
    assert result.entries_seen == expected["regular_items_including_trash"]
    assert len(result.records) == expected["regular_items"]
    ids = [record.external_ids["zotero"] for record in result.records]
    assert len(set(ids)) == len(ids)
    assert len(result.trashed) == expected["regular_items_including_trash"] - expected["regular_items"]
    dois = expected["items_with_doi"] + expected["items_with_doi_only_in_extra"]
    assert sum(1 for r in result.records if r.doi) == dois
    assert sum(1 for r in result.records if r.abstract) == expected["items_with_abstract"]
    assert sum(1 for r in result.records if r.authors) == expected["items_with_creators"]
    assert result.schema["userdata"] == expected["zotero"]["userdata_schema"]
    assert result.schema["client"] == expected["zotero"]["client_lastVersion"]


@pytest.mark.parametrize("name", LIBRARIES)
def test_samples_fields_and_first_creators(results, name: str) -> None:
    result, expected = results[name]
    by_key = {record.external_ids["zotero"]: record for record in result.records}
    paths_by_item: dict[str, set[str]] = {}
    for collection in result.collections:
        for zid in collection.items:
            paths_by_item.setdefault(zid, set()).add(collection.path)
    for sample in expected["sample_items"]:
        zid = f"{sample['libraryID']}/{sample['key']}"
        record = by_key[zid]
        assert record.title == sample["title"]
        assert record.year == sample["year"]
        assert record.doi == (sample["DOI"].lower() if sample["DOI"] else record.doi)
        first = f"{sample['first_creator_firstName']} {sample['first_creator_lastName']}".strip()
        assert record.authors[0] == first
        assert record.original_fields["author"].split(" and ")[0].startswith(sample["first_creator_lastName"])
        assert len(record.authors) <= sample["num_creators"]
        assert bool(record.abstract) == sample["has_abstract"]
        assert len(record.keywords.split("; ") if record.keywords else []) == sample["num_tags"]
        assert paths_by_item.get(zid, set()) == set(sample["collection_paths"])
        assert bool(record.file_paths) == sample["pdf_present_in_this_folder"]
        assert all(Path(path).is_file() for path in record.file_paths)


@pytest.mark.parametrize("name", LIBRARIES)
def test_collections_notes_tags_and_missing_files(results, name: str) -> None:
    result, expected = results[name]
    counts = {collection.path: len(collection.items) for collection in result.collections}
    assert counts == {c["path"]: c["regular_items_direct"] for c in expected["collections"] if not c["deleted"]}
    tags = {tag for record in result.records for tag in (record.keywords or "").split("; ") if tag}
    assert len(tags) == expected["tags"]["distinct_names_on_not_deleted_items"]
    # every non-empty child note of an item outside the trash is kept, as plain text
    notes = [text for texts in result.notes.values() for text in texts]
    assert all("<" not in text or ">" not in text for text in notes)
    assert len(notes) <= expected["notes"]["child"]
    assert len(notes) >= expected["notes"]["child"] - 1  # voicecoder has one empty note
    assert result.standalone_notes == expected["notes"]["standalone"]
    attachments = expected["attachments"]
    files = attachments["not_deleted"] - attachments["by_linkMode"].get("linked_url", 0)
    assert len(result.missing_files) == files - attachments["pdf_files_present_in_this_folder"]
    assert sum(len(record.file_paths) for record in result.records) == attachments["pdf_files_present_in_this_folder"]
    for missing in result.missing_files:  # reported per item, and the item is still imported
        assert any(record.external_ids["zotero"] == missing.entry for record in result.records)


def test_arxiv_comment_note_is_plain_text(results) -> None:
    result, _ = results[LIBRARIES[0]]
    notes = [text for texts in result.notes.values() for text in texts]
    assert "Comment: Interspeech 2019" in notes


def test_reading_writes_nothing_beside_the_database(shared_data: Path, tmp_path: Path) -> None:
    shared = _zotero_dir(shared_data, LIBRARIES[0])
    before = _listing(shared)
    read_zotero(shared)
    assert _listing(shared) == before
    copy = _copy_db(shared_data, tmp_path)
    before = _listing(copy)
    read_zotero(copy / "zotero.sqlite")
    after = _listing(copy)
    assert after == before
    assert not [name for name in after if name.endswith(("-journal", "-wal", "-shm"))]


def test_large_database_read_in_place_gives_the_same_result(shared_data: Path, tmp_path: Path, monkeypatch) -> None:
    import litreview.ingest.zotero as zotero

    copy = _copy_db(shared_data, tmp_path)
    snapshot = read_zotero(copy)
    before = _listing(copy)
    monkeypatch.setattr(zotero, "SNAPSHOT_MAX_BYTES", 0)  # every database counts as large: read in place
    in_place = read_zotero(copy)
    assert _listing(copy) == before
    assert in_place.records == snapshot.records
    assert in_place.collections == snapshot.collections and in_place.notes == snapshot.notes


def test_a_read_during_a_commit_is_taken_again(shared_data: Path, tmp_path: Path, monkeypatch) -> None:
    """Zotero commits while the library is read: that read is thrown away and the next one is returned."""
    import os

    import litreview.ingest.zotero as zotero

    copy = _copy_db(shared_data, tmp_path)
    monkeypatch.setattr(zotero, "RETRY_PAUSE_S", 0.0)
    reads = []
    real_read_once = zotero._read_once

    def read_once_during_commit(db_path: Path):
        result = real_read_once(db_path)
        reads.append(result)
        if len(reads) == 1:  # the file changes under the first read
            with sqlite3.connect(db_path) as conn:
                conn.execute("UPDATE items SET version = version + 1 WHERE key = '6ZN2G268'")
            conn.close()
            os.utime(db_path, ns=(os.stat(db_path).st_atime_ns, os.stat(db_path).st_mtime_ns + 10**9))
        return result

    monkeypatch.setattr(zotero, "_read_once", read_once_during_commit)
    result = read_zotero(copy)
    assert len(reads) == 2 and result is reads[1]
    assert result.stamps["1/6ZN2G268"] != reads[0].stamps["1/6ZN2G268"]


def test_locked_database_is_refused_with_one_message(shared_data: Path, tmp_path: Path) -> None:
    folder = _copy_db(shared_data, tmp_path)
    writer = sqlite3.connect(folder / "zotero.sqlite", isolation_level=None)
    try:
        writer.execute("PRAGMA locking_mode=EXCLUSIVE")
        writer.execute("PRAGMA cache_size=2")  # spill pages mid-transaction: a live (hot) journal, as Zotero's commit
        writer.execute("BEGIN EXCLUSIVE")
        writer.execute("UPDATE itemDataValues SET value = value || 'x'")
        with pytest.raises(ZoteroLocked, match="writing to"):
            read_zotero(folder)
        with pytest.raises(ZoteroLocked):
            read_zotero(folder / "zotero.sqlite")
        assert len(read([folder]).records) == 0
        writer.execute("ROLLBACK")
    finally:
        writer.close()
    assert len(read_zotero(folder).records) == 33


def test_damaged_database_is_refused(shared_data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "garbage"
    folder.mkdir()
    (folder / "zotero.sqlite").write_bytes(b"not a database at all" * 100)
    with pytest.raises(ZoteroDamaged, match="not a readable Zotero database"):
        read_zotero(folder)
    copy = _copy_db(shared_data, tmp_path)
    data = bytearray((copy / "zotero.sqlite").read_bytes())
    data[len(data) // 2:len(data) // 2 + 20000] = b"\x55" * 20000  # overwrite pages in the middle
    (copy / "zotero.sqlite").write_bytes(bytes(data))
    with pytest.raises(ZoteroDamaged):
        read_zotero(copy)
    result = read([copy])
    assert result.records == [] and len(result.errors) == 1


def test_future_schema_is_refused(shared_data: Path, tmp_path: Path) -> None:
    folder = _copy_db(shared_data, tmp_path)
    with sqlite3.connect(folder / "zotero.sqlite") as conn:
        conn.execute("UPDATE version SET version = 9 WHERE schema = 'compatibility'")
    conn.close()
    with pytest.raises(ZoteroSchemaError, match="newer Zotero"):
        read_zotero(folder)
    with sqlite3.connect(folder / "zotero.sqlite") as conn:  # Zotero 4: notes pointed at their item by sourceItemID
        conn.execute("UPDATE version SET version = 7 WHERE schema = 'compatibility'")
        conn.execute("ALTER TABLE itemNotes RENAME COLUMN parentItemID TO sourceItemID")
    conn.close()
    with pytest.raises(ZoteroSchemaError, match="Zotero 4"):
        read_zotero(folder)


def test_folder_without_database(tmp_path: Path) -> None:
    with pytest.raises(ZoteroNotFound, match="no zotero.sqlite"):
        find_zotero_database(tmp_path)
    assert not is_zotero_source(tmp_path)
    assert read([tmp_path]).errors[0].reason.startswith("no zotero.sqlite")


def test_default_data_directory_follows_zoteros_preferences(tmp_path: Path, monkeypatch) -> None:
    import sys

    from litreview.ingest.zotero import default_data_dir, zotero_profiles_dir

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("APPDATA", str(tmp_path / "AppData"))
    assert default_data_dirs()[0] == tmp_path / "Zotero"  # Zotero 5+'s default everywhere
    assert default_data_dir() is None
    custom = tmp_path / "papers" / "zotero data"
    custom.mkdir(parents=True)
    (custom / "zotero.sqlite").write_bytes(b"")
    profile = zotero_profiles_dir() / "abcd1234.default"
    profile.mkdir(parents=True)
    escaped = json.dumps(str(custom))  # prefs.js holds JavaScript string literals
    (profile / "prefs.js").write_text(
        f'user_pref("extensions.zotero.dataDir", {escaped});\nuser_pref("extensions.zotero.useDataDir", true);\n',
        encoding="utf-8",
    )
    assert default_data_dirs()[:2] == [custom, tmp_path / "Zotero"]
    assert default_data_dir() == custom
    if sys.platform.startswith("linux"):
        assert zotero_profiles_dir() == tmp_path / ".zotero" / "zotero"


def test_groups_extra_doi_and_linked_files(shared_data: Path, tmp_path: Path) -> None:
    """A group library becomes its own list, DOI/PMID come from `extra`, a linked file is used when it exists."""
    folder = _copy_db(shared_data, tmp_path)
    linked = tmp_path / "paper.pdf"
    linked.write_bytes(b"%PDF-1.4 stand-in")
    with sqlite3.connect(folder / "zotero.sqlite") as conn:
        key, item_id = conn.execute(
            "SELECT key, itemID FROM items WHERE key = '2A49G48J'").fetchone()  # Baldi 2012, has a stored PDF
        conn.execute("INSERT INTO libraries (libraryID, type, editable, filesEditable) VALUES (2, 'group', 1, 1)")
        conn.execute("INSERT INTO groups (groupID, libraryID, name, description, version) VALUES (99, 2, 'Lab', '', 1)")
        conn.execute("UPDATE items SET libraryID = 2 WHERE itemID = ?", (item_id,))
        other = conn.execute(  # another item outside the trash with an attachment
            "SELECT i.itemID, i.key FROM items i JOIN itemAttachments a ON a.parentItemID = i.itemID "
            "WHERE i.itemID NOT IN (SELECT itemID FROM deletedItems) AND i.itemID != ? ORDER BY i.key LIMIT 1",
            (item_id,)).fetchone()  # fmt: skip
        doi_field, extra_field = (conn.execute("SELECT fieldID FROM fields WHERE fieldName = ?", (name,)).fetchone()[0]
                                  for name in ("DOI", "extra"))  # fmt: skip
        conn.execute("DELETE FROM itemData WHERE itemID = ? AND fieldID = ?", (other[0], doi_field))
        conn.execute("INSERT INTO itemDataValues (valueID, value) VALUES (999999, 'DOI: 10.1234/Extra.5\nPMID: 4242')")
        conn.execute("DELETE FROM itemData WHERE itemID = ? AND fieldID = ?", (other[0], extra_field))
        conn.execute("INSERT INTO itemData (itemID, fieldID, valueID) VALUES (?, ?, 999999)", (other[0], extra_field))
        attachment = conn.execute("SELECT itemID FROM itemAttachments WHERE parentItemID = ? LIMIT 1",
                                  (other[0],)).fetchone()  # fmt: skip
        conn.execute("UPDATE itemAttachments SET linkMode = 2, path = ?, contentType = 'application/pdf' "
                     "WHERE itemID = ?", (str(linked), attachment[0]))  # fmt: skip
    conn.close()
    result = read_zotero(folder)
    by_id = {record.external_ids["zotero"]: record for record in result.records}
    assert f"2/{key}" in by_id and f"1/{key}" not in by_id
    group = next(c for c in result.collections if c.path == "Lab")
    assert group.items == (f"2/{key}",)
    book = by_id[f"1/{other[1]}"]
    assert book.doi == "10.1234/extra.5" and book.pmid == "4242"
    assert str(linked) in book.file_paths


def test_note_to_text() -> None:
    html = ('<div data-schema-version="8"><h1>Summary</h1><p>First&nbsp;line &amp; more</p>'
            '<ul><li>one</li><li>two</li></ul><p>Last<br/>line</p></div>')
    assert note_to_text(html) == "Summary\n\nFirst line & more\n\n- one\n\n- two\n\nLast\nline"
    assert note_to_text("plain &lt;text&gt;") == "plain <text>"
    assert note_to_text(None) == ""
