"""The library file: pragmas, migrations, FTS sync, the paper repository's duplicate rules."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from litreview.core.paper import ParsedPaper
from litreview.library.db import LibraryError, migrate, open_library, schema_version
from litreview.library.migrations import LATEST_VERSION
from litreview.library.papers import PaperRepository


def test_new_library_has_latest_schema_and_pragmas(library):
    assert library.schema_version == LATEST_VERSION >= 1
    conn = library.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {
        "papers",
        "files",
        "import_log",
        "jobs",
        "reading_lists",
        "reading_list_items",
        "vectors",
        "index_snapshots",
        "papers_fts",
        "clusters",
    } <= tables


def test_upgrade_from_previous_version_keeps_data(library_path):
    conn = sqlite3.connect(library_path, isolation_level=None)
    migrate(conn, target=LATEST_VERSION - 1)
    assert schema_version(conn) == LATEST_VERSION - 1
    conn.execute("INSERT INTO papers (title, authors, title_key) VALUES ('Old paper', '[\"A. Author\"]', 'old paper')")
    conn.execute("INSERT INTO reading_lists (name) VALUES ('to read')")
    conn.close()

    with open_library(library_path) as library:
        assert library.schema_version == LATEST_VERSION
        assert library.query("SELECT title FROM papers") == [{"title": "Old paper"}]
        assert library.query("SELECT name FROM reading_lists") == [{"name": "to read"}]
        hits = library.query("SELECT rowid FROM papers_fts WHERE papers_fts MATCH 'old'")
        assert hits == [{"rowid": 1}]


def test_every_step_from_empty_reaches_latest(tmp_path):
    for start in range(LATEST_VERSION):
        path = tmp_path / f"v{start}.sqlite"
        conn = sqlite3.connect(path, isolation_level=None)
        migrate(conn, target=start)
        conn.close()
        with open_library(path) as library:
            assert library.schema_version == LATEST_VERSION


def test_newer_schema_is_refused(library_path):
    conn = sqlite3.connect(library_path)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    with pytest.raises(LibraryError, match="newer"):
        open_library(library_path)


def test_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(LibraryError, match="cannot open library"):
        open_library(path)


def test_transaction_rolls_back_on_error(library):
    with pytest.raises(RuntimeError):
        with library.transaction() as conn:
            conn.execute("INSERT INTO papers (title) VALUES ('gone')")
            raise RuntimeError("boom")
    assert library.query("SELECT count(*) AS n FROM papers") == [{"n": 0}]


def test_fts_follows_inserts_updates_and_deletes(library):
    repo = PaperRepository(library)
    with library.transaction():
        paper_id = repo.insert(
            ParsedPaper(source="pdf", title="Graph neural networks", abstract="We study message passing.")
        )
    match = "SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?"
    assert library.query(match, ("message",)) == [{"rowid": paper_id}]
    with library.transaction():
        repo.update_fields(paper_id, abstract="Attention is all you need.")
    assert library.query(match, ("message",)) == []
    assert library.query(match, ("attention",)) == [{"rowid": paper_id}]
    with library.transaction():
        repo.delete([paper_id])
    assert library.query(match, ("attention",)) == []


def _paper(**fields) -> ParsedPaper:
    base = dict(
        source="pdf",
        title="A Study of Duplicate Detection in Reference Managers",
        authors=("Jane Doe", "Ann Other"),
        year=2020,
    )
    base.update(fields)
    return ParsedPaper(**base)


@pytest.mark.parametrize(
    ("first", "second", "reason"),
    [
        (_paper(doi="10.1000/xyz"), _paper(title="Different", doi="10.1000/xyz"), "DOI"),
        (_paper(arxiv_id="2101.00001"), _paper(title="Different", arxiv_id="2101.00001"), "arXiv"),
        (_paper(pmid="31234567"), _paper(title="Different", pmid="31234567"), "PMID"),
        (_paper(), _paper(title="A study of duplicate detection in reference-managers.", authors=("J. Doe",)), "title"),
    ],
)
def test_duplicates_are_found(library, first, second, reason):
    repo = PaperRepository(library)
    with library.transaction():
        paper_id = repo.insert(first)
    duplicate = repo.find_duplicate(second)
    assert duplicate is not None and duplicate.paper_id == paper_id and reason in duplicate.reason


@pytest.mark.parametrize(
    "other",
    [
        _paper(year=2021),  # same title, other year
        _paper(authors=("Zed Smith",)),  # same title, other first author
        _paper(title="A Study of Triplicate Detection in Spreadsheets"),
        _paper(title="A Study of Duplicate Detection in Reference Managers II"),  # a second part, same author
    ],
)
def test_different_papers_are_not_duplicates(library, other):
    repo = PaperRepository(library)
    with library.transaction():
        repo.insert(_paper())
    assert repo.find_duplicate(other) is None


SPLICING = ("In higher eukaryotes, introns are spliced out of protein-coding mRNAs by the spliceosome, a massive "
            "complex comprising five non-coding RNAs and hundreds of proteins that assemble on each intron.")
CYTOGENETICS = ("Over the years, methods of cytogenetic analysis evolved and became part of routine laboratory "
                "testing, providing valuable diagnostic and prognostic information in hematologic disorders.")


def test_a_generic_title_does_not_merge_unrelated_abstracts(library):
    """SciFact has two documents titled "Corresponding author:" (no authors, no year): two papers, not one."""
    repo = PaperRepository(library)
    generic = dict(title="Corresponding author:", authors=(), year=None, source="beir")
    with library.transaction():
        repo.insert(_paper(**generic, abstract=CYTOGENETICS))
        long_generic = dict(generic, title="Editorial: corresponding author information")
        repo.insert(_paper(**long_generic, abstract=CYTOGENETICS))
    assert repo.find_duplicate(_paper(**generic, abstract=SPLICING)) is None
    assert repo.find_duplicate(_paper(**long_generic, abstract=SPLICING)) is None
    # The same abstract (a second copy of the record) still merges, and so does a record without one.
    assert repo.find_duplicate(_paper(**long_generic, abstract=CYTOGENETICS + " Extra.")) is not None
    assert repo.find_duplicate(_paper(**long_generic)) is not None


def test_short_title_merges_only_with_the_same_author_and_year(library):
    """Two identical entries titled "Reviewing" (Woolf, 1939) are one book; a bare "Reviewing" is not enough."""
    repo = PaperRepository(library)
    woolf = dict(source="bibtex", title="Reviewing", authors=("Virginia Woolf",), year=1939,
                 venue="London, The Hogarth Press")  # fmt: skip
    with library.transaction():
        paper_id = repo.insert(_paper(**woolf))
    assert repo.find_duplicate(_paper(**woolf)).paper_id == paper_id
    assert repo.find_duplicate(_paper(**{**woolf, "year": None})) is None
    assert repo.find_duplicate(_paper(**{**woolf, "authors": ()})) is None
    assert repo.find_duplicate(_paper(**{**woolf, "year": 1940})) is None
    assert repo.find_duplicate(_paper(**{**woolf, "title": "Reviewing!"})).paper_id == paper_id
    assert repo.find_duplicate(_paper(**{**woolf, "title": "Reviewer"})) is None
    assert repo.find_duplicate(_paper(**{**woolf, "venue": "Journal of Physics"})) is None


def test_same_file_hash_is_a_duplicate(library):
    repo = PaperRepository(library)
    with library.transaction():
        paper_id = repo.insert(_paper())
        repo.add_file(paper_id, "/tmp/a.pdf", "ab" * 32, 10, 1)
    assert repo.find_duplicate(_paper(title="Anything else"), sha256="ab" * 32).paper_id == paper_id


def test_fill_missing_keeps_existing_fields(library):
    repo = PaperRepository(library)
    with library.transaction():
        paper_id = repo.insert(_paper(source="bibtex", venue="JCDL"))
        repo.fill_missing(paper_id, _paper(title="Other title", abstract="From the PDF.", venue="Wrong"))
    row = repo.get_row(paper_id)
    assert (row["title"], row["venue"], row["abstract"]) == (_paper().title, "JCDL", "From the PDF.")


def test_user_edits_survive_a_reimport_of_the_entry(library):
    repo = PaperRepository(library)
    entry = _paper(source="bibtex", citation_key="doe2020", abstract="Original abstract.", venue="JCDL")
    with library.transaction():
        paper_id = repo.insert(entry)
        repo.update_fields(paper_id, by_user=True, title="A Corrected Title")
        changed = repo.replace_metadata(paper_id, replace(entry, venue="JCDL 2020"))
    row = repo.get_row(paper_id)
    assert changed and row["venue"] == "JCDL 2020"
    assert row["title"] == "A Corrected Title" and row["title_key"] == "a corrected title"
    with library.transaction():
        assert repo.replace_metadata(paper_id, replace(entry, venue="JCDL 2020")) is False


def test_a_failed_commit_leaves_no_open_transaction(library):
    with pytest.raises(sqlite3.IntegrityError):
        with library.transaction() as conn:
            conn.execute("PRAGMA defer_foreign_keys = ON")  # the bad row is caught only at COMMIT
            conn.execute("INSERT INTO files (paper_id, path, sha256, size) VALUES (999, '/x.pdf', 'ab', 1)")
    assert not library.conn.in_transaction
    with library.transaction() as conn:
        conn.execute("INSERT INTO papers (title) VALUES ('kept')")
    assert library.query("SELECT title FROM papers") == [{"title": "kept"}]
    assert library.query("SELECT count(*) AS n FROM files") == [{"n": 0}]


def test_bibliographic_fields_and_external_ids_are_stored_and_merged(library):
    from litreview.library.papers import paper_from_row

    repo = PaperRepository(library)
    with library.transaction():
        paper_id = repo.insert(_paper(volume="12", issue="3", page_range="101-110", pmid="31234567",
                                      url="https://example.org/a", external_ids={"openalex": "W1"}))
        repo.fill_missing(paper_id, _paper(volume="99", external_ids={"openalex": "W2", "zotero": "1/ABCD"}))
    paper = paper_from_row(repo.get_row(paper_id))
    assert (paper.volume, paper.issue, paper.page_range, paper.pmid, paper.url) == (
        "12", "3", "101-110", "31234567", "https://example.org/a")
    assert paper.external_ids == {"openalex": "W1", "zotero": "1/ABCD"}  # filled, never overwritten
    with library.transaction():
        repo.replace_metadata(paper_id, _paper(source="bibtex", external_ids={"openalex": "W3"}))
    assert paper_from_row(repo.get_row(paper_id)).external_ids == {"openalex": "W3", "zotero": "1/ABCD"}
