"""End-to-end tests of the import pipeline without embedding or Qt (issues 3, 4 and 7).

Everything goes through `litreview.pipeline.run_import` (driven by `drive`) or through the CLI
(`litreview import ... --no-embed --json`), on the real BibTeX and PDFs of the test data (docs/test-data.md) and on
small generated files: every entry the parser sees is imported, merged or failed; BibTeX entries and PDFs of the
same paper become one record whatever the order; re-imports update instead of duplicating; bad PDFs are
reported and never stop a batch; @string macros resolve across files; the FTS index finds words of a PDF.
"""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from pathlib import Path

import pymupdf
import pytest
from data_location import missing_reason

from litreview.cli import main as cli_main
from litreview.index.search import keyword_search
from litreview.ingest.bibtex import parse_bibtex_files
from litreview.library import open_library
from litreview.library.db import Library
from litreview.pipeline import ImportSummary, drive, run_import

BIG_LIBRARY = "bbt_large_user_library_1436-3.bib"  # the 7,166-entry Better BibTeX library

TITLE = "Sparse Retrieval of Flowering Plant Traits"
AUTHORS = ("Ada Lovelace", "Charles Babbage")
PDF_ABSTRACT = (
    "We study how sparse retrieval finds flowering plant traits in digitised herbarium records, compare it "
    "with dense retrieval on three collections and show that a simple lexical model recovers most traits."
)
SECOND_PAGE = "Methods. We counted the zygomorphic flowers in every sheet of the collection."


# ------------------------------------------------------------------------------------------------ helpers


def make_pdf(path: Path, *, title: str = TITLE, authors: tuple[str, ...] = AUTHORS, abstract: str = PDF_ABSTRACT,
             year: int = 2021, doi: str | None = None, arxiv: str | None = None,
             second_page: str = SECOND_PAGE) -> Path:
    """A two-page article: journal line (year, DOI, arXiv id), large title, author row, Abstract, Introduction,
    and a second page."""
    doc = pymupdf.open()
    page = doc.new_page()
    stamp = (f"   doi:{doi}" if doi else "") + (f"   arXiv:{arxiv}" if arxiv else "")
    page.insert_text((72, 50), f"Journal of Generated Tests 12 ({year}) 1-9{stamp}", fontsize=8)
    page.insert_text((72, 100), title, fontsize=18)
    page.insert_text((72, 130), ", ".join(authors), fontsize=11)
    page.insert_text((72, 185), "Abstract", fontsize=11, fontname="hebo")
    y = 202
    for line in textwrap.wrap(abstract, 95):
        page.insert_text((72, y), line, fontsize=9.5)
        y += 12
    page.insert_text((72, y + 20), "1 Introduction", fontsize=11, fontname="hebo")
    for line in textwrap.wrap("Herbarium sheets carry centuries of botanical observations. " * 5, 95):
        y += 12
        page.insert_text((72, y + 34), line, fontsize=9.5)
    doc.new_page().insert_text((72, 72), second_page, fontsize=10)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    doc.close()
    return path


def make_scan_pdf(path: Path) -> Path:
    """An image-only page (no text layer), as a scanner writes it."""
    pixmap = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 200, 260), False)
    pixmap.set_rect(pixmap.irect, (235, 235, 225))
    pixmap.set_rect(pymupdf.IRect(20, 20, 180, 40), (20, 20, 20))  # a dark "title" bar
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_image(page.rect, pixmap=pixmap)
    doc.save(path)
    doc.close()
    return path


def make_encrypted_pdf(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 100), "A Secret Paper About Locked Documents", fontsize=18)
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")
    doc.close()
    return path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def bib_entry(key: str = "lovelace2021sparse", *, title: str = "Sparse retrieval of flowering plant traits",
              year: int = 2021, doi: str | None = None, extra: str = "") -> str:
    """A journal article entry without an abstract (the PDF is to supply it)."""
    doi_line = f"  doi = {{{doi}}},\n" if doi else ""
    return (
        f"@article{{{key},\n"
        f"  title = {{{title}}},\n"
        "  author = {Lovelace, Ada and Babbage, Charles},\n"
        "  journal = {Journal of Botanical Informatics},\n"
        f"  year = {{{year}}},\n"
        f"{doi_line}{extra}"
        "}\n"
    )


def do_import(library: Library, *paths: Path) -> ImportSummary:
    summary = drive(run_import(library, list(paths)))
    assert isinstance(summary, ImportSummary)
    return summary


def cli_import(library_path: Path, capsys: pytest.CaptureFixture[str], *paths: Path) -> dict:
    """`litreview --library P import PATH... --no-embed --json`; returns the JSON it printed."""
    capsys.readouterr()
    code = cli_main(["--library", str(library_path), "import", *map(str, paths), "--no-embed", "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


def papers(library: Library) -> list[dict]:
    return library.query("SELECT * FROM papers ORDER BY id")


def files_of(library: Library, paper_id: int) -> list[str]:
    return [row["path"] for row in library.query("SELECT path FROM files WHERE paper_id = ? ORDER BY id", (paper_id,))]


def log_outcomes(library: Library) -> Counter:
    return Counter(row["outcome"] for row in library.query("SELECT outcome FROM import_log"))


def entry_failures(summary: ImportSummary) -> list:
    """Failures of single entries (they carry a line); file-level failures (unreadable file) do not."""
    return [error for error in summary.failed if error.line is not None]


# ------------------------------------------------------------------ 1. no entry vanishes (real BibTeX)


def _bib_folder(shared_data: Path, name: str) -> Path:
    folder = shared_data / "bibtex" / name
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    return folder


def _assert_every_entry_accounted(library: Library, files: list[Path]) -> ImportSummary:
    parsed = parse_bibtex_files(files)
    summary = do_import(library, *files)
    failed_entries = entry_failures(summary)
    # The floor of issue 4: imported + merged + failed = the entries the parser sees.
    assert summary.imported + summary.duplicates + len(failed_entries) == parsed.entries_seen
    assert summary.updated == 0  # nothing to update in an empty library
    assert len(failed_entries) == len([e for e in parsed.errors if e.line is not None])
    assert all(error.reason for error in summary.failed)
    assert len(papers(library)) == summary.imported == len(summary.paper_ids)
    # Each record has its own import-log row naming its file and key: no entry silently overwrites another.
    logged = Counter(
        (row["path"], row["entry"])
        for row in library.query("SELECT path, entry FROM import_log WHERE outcome IN ('imported', 'duplicate')")
    )
    # The import resolves the paths it is given (links included); the parser was given them as they are.
    expected = Counter(
        (str(Path((record.origin or "").rsplit(":", 1)[0]).resolve()), record.citation_key) for record in parsed.records
    )
    assert logged == expected
    outcomes = log_outcomes(library)
    assert outcomes["imported"] == summary.imported
    assert outcomes["duplicate"] == summary.duplicates
    assert outcomes["failed"] == len(summary.failed)
    # Every merge names the paper it went into and why.
    for row in library.query("SELECT paper_id, reason FROM import_log WHERE outcome = 'duplicate'"):
        assert row["paper_id"] in summary.paper_ids and row["reason"].startswith("merged: same ")
    return summary


@pytest.mark.parametrize("folder_name", ["bibtexparser_v1_edge_cases", "aibasel_crossref"])
def test_real_bibtex_folder_no_entry_vanishes(library: Library, shared_data: Path, folder_name: str) -> None:
    files = sorted(_bib_folder(shared_data, folder_name).glob("*.bib"))
    summary = _assert_every_entry_accounted(library, files)
    assert summary.imported > 0


def test_real_bibtex_tidy_folder_without_the_big_library(library: Library, shared_data: Path) -> None:
    """The bibtex-tidy real-world files (Zotero, Mendeley, Latin-1, unparseable ones) together, except the
    7,166-entry library, which the slow test below and benchmarks/import_bibtex_library.py cover."""
    folder = _bib_folder(shared_data, "bibtex_tidy_realworld")
    files = sorted(path for path in folder.glob("*.bib") if path.name != BIG_LIBRARY)
    _assert_every_entry_accounted(library, files)


@pytest.mark.slow
def test_real_bibtex_tidy_folder_with_the_big_library(library: Library, shared_data: Path) -> None:
    files = sorted(_bib_folder(shared_data, "bibtex_tidy_realworld").glob("*.bib"))
    assert any(path.name == BIG_LIBRARY for path in files)
    _assert_every_entry_accounted(library, files)


def test_real_bibtex_folder_through_the_cli(library_path: Path, shared_data: Path, capsys) -> None:
    files = sorted(_bib_folder(shared_data, "bibtexparser_v1_edge_cases").glob("*.bib"))
    parsed = parse_bibtex_files(files)
    result = cli_import(library_path, capsys, *files)
    failed_entries = [error for error in result["failed"] if error["line"] is not None]
    assert result["imported"] + result["duplicates"] + len(failed_entries) == parsed.entries_seen
    assert all(error["path"] and error["reason"] for error in result["failed"])
    # The same folder again adds nothing.
    again = cli_import(library_path, capsys, *files)
    assert (again["imported"], again["updated"]) == (0, 0)
    assert again["duplicates"] == result["imported"] + result["duplicates"]
    library = open_library(library_path)
    try:
        assert len(papers(library)) == result["imported"]
    finally:
        library.close()


MALFORMED_BIB = """
    @article{good1,
      title = {The first good entry about alpine pollinators},
      author = {Doe, Jane},
      year = 2020,
    }

    @article{broken
      title = {No comma after the key},
      author = {Roe, Richard},
      year = 2019,
    }

    @article{broken2,
      title = {Unbalanced {braces in this title},
      year = 2018,
    }

    @article{good2,
      title = {The second good entry about lowland pollinators},
      author = {Doe, John},
      year = 2021,
    }
"""


def test_malformed_entries_are_reported_with_line_and_the_rest_imports(library: Library, tmp_path: Path,
                                                                       capsys) -> None:
    bib = write(tmp_path / "messy.bib", MALFORMED_BIB)
    missing = tmp_path / "gone.bib"
    result = cli_import(library.path, capsys, bib, missing)
    assert (result["imported"], result["duplicates"]) == (2, 0)
    by_entry = {error["entry"]: error for error in result["failed"]}
    assert set(by_entry) == {"broken", "broken2", None}
    assert (by_entry["broken"]["line"], by_entry["broken2"]["line"]) == (7, 13)
    assert all(error["path"] == str(bib) and "malformed" in error["reason"]
               for key, error in by_entry.items() if key)
    assert by_entry[None]["path"] == str(missing) and "no such file" in by_entry[None]["reason"]
    entry_failed = [error for error in result["failed"] if error["line"] is not None]
    assert result["imported"] + result["duplicates"] + len(entry_failed) == parse_bibtex_files([bib]).entries_seen
    logged = library.query("SELECT entry, line, reason FROM import_log WHERE outcome = 'failed' ORDER BY id")
    assert {(row["entry"], row["line"]) for row in logged} == {("broken", 7), ("broken2", 13), (None, None)}
    assert {row["citation_key"] for row in papers(library)} == {"good1", "good2"}


def test_duplicate_citation_keys_in_one_file_keep_both_entries(library: Library, tmp_path: Path) -> None:
    """Two different entries under one key (a common copy-paste slip) are two papers, stable on re-import."""
    bib = write(tmp_path / "refs.bib", bib_entry("smith2020", title="Graph Neural Networks for Pollination Webs")
                + "\n" + bib_entry("smith2020", title="Seed Dispersal by Migrating Songbirds in Europe"))
    first = do_import(library, bib)
    assert (first.imported, first.updated, first.duplicates) == (2, 0, 0)
    titles = {row["title"] for row in papers(library)}
    assert titles == {"Graph Neural Networks for Pollination Webs", "Seed Dispersal by Migrating Songbirds in Europe"}
    again = do_import(library, bib)
    assert (again.imported, again.updated, again.duplicates) == (0, 0, 2)
    assert {row["title"] for row in papers(library)} == titles


# ------------------------------------------------------------- 2. file field links the entry to its PDF


def _only_paper(library: Library) -> dict:
    rows = papers(library)
    assert len(rows) == 1, [row["title"] for row in rows]
    return rows[0]


def test_bib_file_field_links_pdf_entry_metadata_pdf_abstract(library: Library, tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "paper.pdf", year=2020)  # the PDF's year differs: the entry's must win
    bib = write(tmp_path / "refs.bib", bib_entry(extra="  file = {:paper.pdf:PDF},\n"))
    summary = do_import(library, bib)
    assert (summary.imported, summary.updated, summary.duplicates, summary.failed) == (1, 0, 0, [])
    paper = _only_paper(library)
    assert paper["title"] == "Sparse retrieval of flowering plant traits"
    assert json.loads(paper["authors"]) == list(parse_bibtex_files([bib]).records[0].authors)
    assert paper["year"] == 2021
    assert paper["venue"] == "Journal of Botanical Informatics"
    assert paper["citation_key"] == "lovelace2021sparse"
    assert paper["abstract"] == PDF_ABSTRACT
    assert paper["abstract_source"] and paper["abstract_source"] != "bibtex"
    assert files_of(library, paper["id"]) == [str(pdf.resolve())]
    assert keyword_search(library, "zygomorphic")[0][0] == paper["id"]  # the PDF's pages are searchable

    again = do_import(library, bib)
    assert (again.imported, again.updated, again.duplicates) == (0, 0, 1)
    assert files_of(library, paper["id"]) == [str(pdf.resolve())]


def test_folder_with_bib_and_its_linked_pdf_is_one_paper(library: Library, tmp_path: Path, capsys) -> None:
    """A Zotero "export with files" folder: the .bib and the PDFs it links, dropped together. The linked PDF
    belongs to its entry even when its own title reads differently (no second paper, no second file row)."""
    pdf = make_pdf(tmp_path / "export" / "files" / "12" / "paper.pdf", title="A Completely Different Heading")
    write(tmp_path / "export" / "export.bib", bib_entry(extra="  file = {files/12/paper.pdf},\n"))
    result = cli_import(library.path, capsys, tmp_path / "export")
    assert (result["imported"], result["duplicates"], result["failed"]) == (1, 0, [])
    paper = _only_paper(library)
    assert paper["title"] == "Sparse retrieval of flowering plant traits"
    assert paper["abstract"] == PDF_ABSTRACT
    assert files_of(library, paper["id"]) == [str(pdf.resolve())]
    assert library.query("SELECT count(*) AS n FROM jobs WHERE state = 'queued'")[0]["n"] == 0
    again = cli_import(library.path, capsys, tmp_path / "export")
    assert (again["imported"], again["updated"]) == (0, 0)
    assert len(papers(library)) == 1 and len(files_of(library, paper["id"])) == 1


def test_unreadable_or_missing_linked_pdfs_are_logged_and_the_entries_import(library: Library,
                                                                             tmp_path: Path) -> None:
    folder = tmp_path / "export"
    make_encrypted_pdf(folder / "locked.pdf")
    write(folder / "refs.bib", bib_entry("locked2021", extra="  file = {:locked.pdf:PDF},\n") + "\n"
          + bib_entry("gone2021", title="An entry whose PDF was deleted from the disk",
                      extra="  file = {:gone.pdf:PDF},\n"))
    summary = do_import(library, folder)
    assert (summary.imported, summary.duplicates, summary.failed) == (2, 0, [])
    warnings = {Path(row["path"]).name: row["reason"]
                for row in library.query("SELECT path, reason FROM import_log WHERE outcome = 'warning'")}
    assert set(warnings) == {"locked.pdf", "gone.pdf"}
    assert "password" in warnings["locked.pdf"] and "not found" in warnings["gone.pdf"]
    assert library.query("SELECT count(*) AS n FROM jobs WHERE state = 'queued'")[0]["n"] == 0
    assert library.query("SELECT count(*) AS n FROM files")[0]["n"] == 0


def test_entry_linking_a_pdf_imported_earlier_merges_into_it(library: Library, tmp_path: Path) -> None:
    """The PDF was dropped first and read with another title and year (no DOI); the entry that links the very
    same file later is recognised by the file's content and becomes the paper's metadata."""
    pdf = make_pdf(tmp_path / "paper.pdf", title="A Completely Different Heading", year=2019)
    first = do_import(library, pdf)
    assert first.imported == 1
    bib = write(tmp_path / "refs.bib", bib_entry(extra="  file = {:paper.pdf:PDF},\n"))
    second = do_import(library, bib)
    assert (second.imported, second.updated, second.duplicates) == (0, 0, 1)
    paper = _only_paper(library)
    assert (paper["title"], paper["year"], paper["citation_key"]) == (
        "Sparse retrieval of flowering plant traits", 2021, "lovelace2021sparse")
    assert paper["abstract"] == PDF_ABSTRACT
    assert files_of(library, paper["id"]) == [str(pdf.resolve())]
    again = do_import(library, bib, pdf)  # the dropped PDF is the entry's linked file: one record, one merge
    assert (again.imported, again.updated, again.duplicates, again.failed) == (0, 0, 1, [])
    assert len(papers(library)) == 1 and len(files_of(library, paper["id"])) == 1


# ------------------------------------------------ 3. a BibTeX entry and a dropped PDF of the same paper


# (PDF, entry): the DOI and arXiv cases differ in year (and title), so only the identifier can match them.
MERGE_CASES = {
    "same-doi": ({"doi": "10.1234/jgt.2021.042", "year": 2020}, {"doi": "10.1234/JGT.2021.042"}),
    "same-arxiv-id": (
        {"arxiv": "2101.00123v2", "year": 2020, "title": "Preprint: Lexical Search for Plant Trait Records"},
        {"extra": "  eprint = {2101.00123},\n  archiveprefix = {arXiv},\n"},
    ),
    "same-title-author-year": ({"year": 2021}, {}),
}


@pytest.mark.parametrize("bib_first", [True, False], ids=["bib-first", "pdf-first"])
@pytest.mark.parametrize("case", sorted(MERGE_CASES))
def test_entry_and_dropped_pdf_become_one_paper(library: Library, tmp_path: Path, case: str, bib_first: bool) -> None:
    pdf_args, bib_args = MERGE_CASES[case]
    pdf = make_pdf(tmp_path / "pdfs" / "dropped.pdf", **pdf_args)
    bib = write(tmp_path / "refs.bib", bib_entry(**bib_args))
    order = [bib, pdf] if bib_first else [pdf, bib]
    first, second = do_import(library, order[0]), do_import(library, order[1])
    assert (first.imported, first.duplicates, first.failed) == (1, 0, [])
    assert (second.imported, second.duplicates, second.failed) == (0, 1, [])
    paper = _only_paper(library)
    # The entry's fields win for metadata ...
    assert paper["title"] == "Sparse retrieval of flowering plant traits"
    assert paper["year"] == 2021
    assert paper["venue"] == "Journal of Botanical Informatics"
    assert paper["citation_key"] == "lovelace2021sparse"
    assert paper["source"] == "bibtex"
    if case == "same-doi":
        assert paper["doi"] == "10.1234/jgt.2021.042"
    if case == "same-arxiv-id":
        assert paper["arxiv_id"] == "2101.00123"
    # ... the PDF supplies the abstract and the searchable first pages, and its file is linked.
    assert paper["abstract"] == PDF_ABSTRACT
    assert files_of(library, paper["id"]) == [str(pdf.resolve())]
    assert [pid for pid, _ in keyword_search(library, "zygomorphic")] == [paper["id"]]
    merged = library.query("SELECT reason FROM import_log WHERE outcome = 'duplicate'")
    assert len(merged) == 1 and merged[0]["reason"].startswith("merged: same ")
    # Importing both again changes nothing.
    again = do_import(library, bib, pdf)
    assert (again.imported, again.updated, again.duplicates) == (0, 0, 2)
    assert len(papers(library)) == 1


def test_different_dois_with_the_same_title_stay_two_papers(library: Library, tmp_path: Path) -> None:
    make_pdf(tmp_path / "erratum.pdf", doi="10.1234/jgt.2021.999")
    bib = write(tmp_path / "refs.bib", bib_entry(doi="10.1234/jgt.2021.042"))
    do_import(library, bib)
    summary = do_import(library, tmp_path / "erratum.pdf")
    assert (summary.imported, summary.duplicates) == (1, 0)
    assert len(papers(library)) == 2


def test_identical_entries_with_a_short_title_are_one_paper(library: Library, tmp_path: Path) -> None:
    """A Mendeley export holds Woolf's "Reviewing" (1939) twice under two keys: one book, not two."""
    woolf = ("@book{{{key},\n  author = {{Virginia Woolf}},\n  publisher = {{London, The Hogarth Press}},\n"
             "  title = {{Reviewing}},\n  year = {{1939}},\n}}\n")  # fmt: skip
    bib = write(tmp_path / "mendeley.bib", woolf.format(key="Woolf1939z") + woolf.format(key="Woolf1939"))
    summary = do_import(library, bib)
    assert (summary.imported, summary.duplicates) == (1, 1)
    assert [p["title"] for p in papers(library)] == ["Reviewing"]


# -------------------------------------------------------------------------- 4. re-import of a changed file


def test_reimport_of_changed_bib_updates_in_place(library: Library, tmp_path: Path, capsys) -> None:
    entries = [bib_entry(f"key{i}", title=f"Study number {i} of pollinator networks in alpine meadows",
                         year=2000 + i) for i in range(5)]
    bib = write(tmp_path / "refs.bib", "\n".join(entries))
    first = cli_import(library.path, capsys, bib)
    assert (first["imported"], first["updated"], first["duplicates"], first["failed"]) == (5, 0, 0, [])
    ids_before = {row["citation_key"]: row["id"] for row in papers(library)}

    unchanged = cli_import(library.path, capsys, bib)
    assert (unchanged["imported"], unchanged["updated"], unchanged["duplicates"]) == (0, 0, 5)

    # Edit one title and add an entry at the top (every later entry moves down a few lines).
    edited = list(entries)
    edited[3] = edited[3].replace("Study number 3 of", "A revised study number 3 of")
    added = bib_entry("key9", title="Nocturnal moths as overlooked pollinators of alpine flowers", year=2019)
    bib.write_text(added + "\n" + "\n".join(edited), encoding="utf-8")
    changed = cli_import(library.path, capsys, bib)
    assert (changed["imported"], changed["updated"], changed["duplicates"], changed["failed"]) == (1, 1, 4, [])
    rows = {row["citation_key"]: row for row in papers(library)}
    assert len(rows) == 6
    assert {key: rows[key]["id"] for key in ids_before} == ids_before  # same papers, updated in place
    assert rows["key3"]["title"] == "A revised study number 3 of pollinator networks in alpine meadows"
    assert rows["key9"]["title"] == "Nocturnal moths as overlooked pollinators of alpine flowers"
    updated = library.query("SELECT entry FROM import_log WHERE outcome = 'updated'")
    assert [row["entry"] for row in updated] == ["key3"]

    again = cli_import(library.path, capsys, bib)
    assert (again["imported"], again["updated"], again["duplicates"]) == (0, 0, 6)
    assert len(papers(library)) == 6


UNMATCHABLE_RIS = (  # records find_duplicate cannot match: no title, a short title without author and year
    "TY  - JOUR\nAB  - Grazing shapes the flowering of alpine meadows over three decades.\nER  - \n\n"
    "TY  - GEN\nTI  - Editorial\nER  - \n\n"
    "TY  - GEN\nTI  - Editorial\nER  - \n\n"  # the same record twice in one file: two papers, as written
    "TY  - JOUR\nTI  - Pollinator networks of alpine meadows under grazing\nAU  - Lovelace, Ada\nPY  - 2021\nER  - \n"
)


def test_a_file_imported_again_adds_none_of_its_records_again(library: Library, tmp_path: Path, capsys) -> None:
    ris = write(tmp_path / "export.ris", UNMATCHABLE_RIS)
    first = cli_import(library.path, capsys, ris)
    assert (first["imported"], first["duplicates"], first["failed"]) == (4, 0, [])
    ids = [row["id"] for row in papers(library)]
    for _ in range(2):
        again = cli_import(library.path, capsys, ris)
        assert (again["imported"], again["updated"], again["duplicates"]) == (0, 0, 4)
        assert [row["id"] for row in papers(library)] == ids
    # The same records in another file are not known to be the same: an untitled record stays its own paper.
    other = cli_import(library.path, capsys, write(tmp_path / "other.ris", UNMATCHABLE_RIS))
    assert (other["imported"], other["duplicates"]) == (3, 1)
    # A file exported again under the same name with another short-titled record: that one is new, not "unchanged".
    erratum = "TY  - GEN\nTI  - Erratum\nJO  - {}\nPY  - 2021\nDO  - {}\nER  - \n"
    write(tmp_path / "savedrecs.ris", erratum.format("Journal of Alpine Ecology", "10.1000/a"))
    assert cli_import(library.path, capsys, tmp_path / "savedrecs.ris")["imported"] == 1
    write(tmp_path / "savedrecs.ris", erratum.format("Plant Science Letters", "10.2000/b"))
    assert cli_import(library.path, capsys, tmp_path / "savedrecs.ris")["imported"] == 1


GBK_RIS = (
    "TY  - JOUR\nAU  - 王小明\nTI  - 深度学习在自然语言处理中的应用研究\nJO  - 软件学报\nPY  - 2020\nER  - \n\n"
    "TY  - JOUR\nAU  - 李娜\nTI  - 超导材料的低温性质\nJO  - 物理学报\nPY  - 2021\nER  - \n"
)


def test_a_file_read_again_with_another_encoding_updates_its_papers(library: Library, tmp_path: Path) -> None:
    """#15: a RIS file read with the wrong encoding, then again with the right one: its two papers are corrected
    in place (a re-decoded title matches no duplicate rule, so a plain import would add two more)."""
    path = tmp_path / "export.ris"
    path.write_bytes(GBK_RIS.encode("gbk"))
    wrong = drive(run_import(library, [path], encoding="cp949"))
    assert wrong.imported == 2 and [n.reason for n in wrong.notices] == ["read as cp949 (as asked)"]
    ids = [row["id"] for row in papers(library)]
    assert "软件学报" not in {row["venue"] for row in papers(library)}

    right = drive(run_import(library, [path], encoding="gbk", reread=True))
    assert (right.imported, right.updated, right.duplicates) == (0, 2, 0)
    rows = papers(library)
    assert [row["id"] for row in rows] == ids
    assert [(row["title"], row["venue"]) for row in rows] == [
        ("深度学习在自然语言处理中的应用研究", "软件学报"), ("超导材料的低温性质", "物理学报")]
    logged = library.query("SELECT outcome, reason FROM import_log WHERE batch = (SELECT batch FROM import_log "
                           "ORDER BY id DESC LIMIT 1) ORDER BY id")
    assert [row["outcome"] for row in logged] == ["warning", "updated", "updated"]
    assert logged[1]["reason"] == "read again as gbk"

    same = drive(run_import(library, [path], encoding="gbk", reread=True))
    assert (same.imported, same.updated, same.duplicates) == (0, 0, 2)
    with pytest.raises(ValueError, match="encoding"):
        drive(run_import(library, [path], reread=True))


# -------------------------------------------------------------------------- 5. folders of PDFs, bad PDFs


def test_pdf_folder_twice_with_bad_and_scanned_pdfs(library: Library, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "drop"
    make_pdf(folder / "good_one.pdf")
    make_pdf(folder / "sub" / "good_two.pdf", title="Lexical Cues in Field Notebooks of Victorian Botanists",
             authors=("Mary Anning",), second_page="Results. The notebooks mention quillworts often.")
    make_scan_pdf(folder / "old_scan_1985.pdf")
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "not_a_pdf.pdf").write_bytes(b"<html><body>404 Not Found</body></html>")
    whole = make_pdf(tmp_path / "whole.pdf", title="Truncated Downloads of Herbarium Catalogues").read_bytes()
    (folder / "truncated.pdf").write_bytes(whole[: len(whole) // 3])  # MuPDF may repair it or give up
    make_encrypted_pdf(folder / "locked.pdf")
    (folder / "notes.txt").write_text("a stray file the folder scan ignores", encoding="utf-8")

    first = cli_import(library.path, capsys, folder)
    failed = {Path(error["path"]).name: error["reason"] for error in first["failed"]}
    assert set(failed) <= {"empty.pdf", "not_a_pdf.pdf", "truncated.pdf", "locked.pdf"}
    assert {"empty.pdf", "not_a_pdf.pdf", "locked.pdf"} <= set(failed)
    assert "empty" in failed["empty.pdf"] and "password" in failed["locked.pdf"]
    assert all(reason for reason in failed.values())
    assert first["imported"] + len(failed) == 7 and first["duplicates"] == 0  # every PDF accounted for

    logged = {Path(row["path"]).name: row["reason"]
              for row in library.query("SELECT path, reason FROM import_log WHERE outcome = 'failed'")}
    assert logged == failed
    assert library.query("SELECT count(*) AS n FROM jobs WHERE state = 'queued'")[0]["n"] == 0
    failed_jobs = {Path(row["path"]).name: row["reason"]
                   for row in library.query("SELECT path, reason FROM jobs WHERE state = 'failed'")}
    assert failed_jobs == failed  # the resumable job record says the same

    rows = {row["title"]: row for row in papers(library)}
    assert {TITLE, "Lexical Cues in Field Notebooks of Victorian Botanists"} <= set(rows)
    scan = rows["old scan 1985"]  # the file name stands in for the missing title
    warnings = json.loads(scan["warnings"])
    assert any("no text layer" in warning for warning in warnings)
    assert any("file name" in warning for warning in warnings)
    assert [pid for pid, _ in keyword_search(library, "scan 1985")] == [scan["id"]]
    files_before = library.query("SELECT count(*) AS n FROM files")[0]["n"]

    second = cli_import(library.path, capsys, folder)
    assert second["imported"] == 0 and second["updated"] == 0
    assert second["duplicates"] == first["imported"]
    assert {Path(error["path"]).name for error in second["failed"]} == set(failed)
    assert len(papers(library)) == first["imported"]
    assert library.query("SELECT count(*) AS n FROM files")[0]["n"] == files_before


def test_real_pdfs_twice_and_a_real_scan(library: Library, shared_data: Path, tmp_path: Path) -> None:
    plain = shared_data / "pdfs" / "plain"
    names = [
        "papers_we_love__digital_currency__bitcoin.pdf",
        "papers_we_love__design__out-of-the-tar-pit.pdf",
        "papers_we_love__physics__buridans-principle.pdf",
        "papers_we_love__sublinear_algorithms__1985-Flajolet-Probabilistic-counting.pdf",  # a scan, no text
    ]
    if not all((plain / name).is_file() for name in names):
        pytest.skip(f"the real PDFs named here are not in {plain}: " + missing_reason())
    paths = [plain / name for name in names]
    first = do_import(library, *paths)
    assert (first.imported, first.duplicates, first.failed) == (4, 0, [])
    titles = {row["title"] for row in papers(library)}
    assert "Bitcoin: A Peer-to-Peer Electronic Cash System" in titles
    scan_title = names[-1].removesuffix(".pdf").replace("_", " ")
    assert scan_title in titles
    assert keyword_search(library, "Flajolet")  # findable by its file name
    # The words of a real PDF's first pages are searchable (issue 3).
    bitcoin = next(row["id"] for row in papers(library) if row["title"].startswith("Bitcoin"))
    assert bitcoin in [pid for pid, _ in keyword_search(library, "double-spending timestamp server", k=3)]
    second = do_import(library, *paths)
    assert (second.imported, second.updated, second.duplicates, second.failed) == (0, 0, 4, [])
    assert len(papers(library)) == 4


@pytest.mark.slow
def test_all_real_pdfs_no_false_merges_and_twice_adds_nothing(library: Library, shared_data: Path) -> None:
    """The 147 real PDFs are distinct papers: none may be merged into another, none may fail."""
    folder = shared_data / "pdfs"
    count = len(list(folder.rglob("*.pdf")))
    first = do_import(library, folder)
    assert (first.imported, first.duplicates, first.failed) == (count, 0, [])
    second = do_import(library, folder)
    assert (second.imported, second.updated, second.duplicates, second.failed) == (0, 0, count, [])
    assert len(papers(library)) == count


def test_missing_and_unsupported_paths_are_reported(library: Library, tmp_path: Path) -> None:
    good = make_pdf(tmp_path / "good.pdf")
    stray = write(tmp_path / "notes.txt", "not a paper\n")
    summary = do_import(library, tmp_path / "nowhere.pdf", stray, good)
    assert summary.imported == 1
    reasons = {Path(error.path).name: error.reason for error in summary.failed}
    assert set(reasons) == {"nowhere.pdf", "notes.txt"}
    assert "no such file" in reasons["nowhere.pdf"]
    assert log_outcomes(library)["failed"] == 2


# ------------------------------------------------------------------------ 6. @string macros across files


STRINGS = """
    @string{jbi = {Journal of Botanical Informatics}}
    @string{ada = "Lovelace, Ada"}
"""
PAPERS = """
    @article{lovelace2021sparse,
      title = {Sparse retrieval of flowering plant traits},
      author = ada # " and Babbage, Charles",
      journal = jbi,
      year = 2021,
    }
"""


@pytest.mark.parametrize("strings_first", [True, False], ids=["strings-first", "papers-first"])
def test_string_macros_from_another_file(library: Library, tmp_path: Path, capsys, strings_first: bool) -> None:
    strings = write(tmp_path / "strings.bib", STRINGS)
    papers_bib = write(tmp_path / "papers.bib", PAPERS)
    order = [strings, papers_bib] if strings_first else [papers_bib, strings]
    result = cli_import(library.path, capsys, *order)
    assert (result["imported"], result["failed"]) == (1, [])
    paper = _only_paper(library)
    assert paper["venue"] == "Journal of Botanical Informatics"
    assert json.loads(paper["authors"])[0] in ("Ada Lovelace", "Lovelace, Ada")
    assert not any("macro" in warning for warning in json.loads(paper["warnings"]))


def test_real_string_macros_resolve_across_the_aibasel_files(library: Library, shared_data: Path) -> None:
    folder = _bib_folder(shared_data, "aibasel_crossref")
    alone = parse_bibtex_files([folder / "literatur.bib"])
    undefined_alone = sum(any("undefined macro" in w for w in record.warnings) for record in alone.records)
    assert undefined_alone > 100  # literatur.bib alone uses macros it does not define
    do_import(library, *sorted(folder.glob("*.bib")))
    origin = str((folder / "literatur.bib").resolve()) + ":%"
    rows = library.query("SELECT warnings FROM papers WHERE origin LIKE ?", (origin,))
    assert len(rows) > 1000
    assert not [row for row in rows if "undefined macro" in row["warnings"]]


# ---------------------------------------------------------------------------- 7. FTS over first pages


def test_fts_finds_words_of_the_first_pages(library: Library, tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "paper.pdf")
    other = make_pdf(tmp_path / "other.pdf", title="Lexical Cues in Field Notebooks of Victorian Botanists",
                     authors=("Mary Anning",), second_page="Results. The notebooks mention quillworts often.")
    summary = do_import(library, pdf, other)
    assert summary.imported == 2
    ids = {Path(files[0]).name: pid for pid in summary.paper_ids if (files := files_of(library, pid))}
    # Words only on page 2 (not in title or abstract), found through FTS5 and the keyword search service.
    assert [pid for pid, _ in keyword_search(library, "zygomorphic")] == [ids["paper.pdf"]]
    assert [pid for pid, _ in keyword_search(library, "quillworts")] == [ids["other.pdf"]]
    direct = library.query("SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?", ("zygomorphic",))
    assert [row["rowid"] for row in direct] == [ids["paper.pdf"]]
    assert keyword_search(library, "gymnospermous") == []


def test_a_linked_file_that_fails_to_read_is_logged_and_the_import_goes_on(library: Library, tmp_path: Path,
                                                                          monkeypatch) -> None:
    import litreview.pipeline.importer as pipeline

    folder = tmp_path / "export"
    make_pdf(folder / "broken-disk.pdf")
    make_pdf(folder / "fine.pdf", title="A Completely Different Heading", year=2019)
    real_sha256 = pipeline.file_sha256

    def failing_sha256(path: Path) -> str:
        if path.name == "broken-disk.pdf":
            raise OSError(5, "Input/output error")
        return real_sha256(path)

    monkeypatch.setattr(pipeline, "file_sha256", failing_sha256)
    write(folder / "refs.bib", bib_entry("first2021", extra="  file = {:broken-disk.pdf:PDF},\n") + "\n"
          + bib_entry("second2021", title="A second entry with a readable PDF", extra="  file = {:fine.pdf:PDF},\n"))
    summary = do_import(library, folder / "refs.bib")
    assert (summary.imported, summary.failed) == (2, [])
    reasons = {Path(row["path"]).name: row["reason"]
               for row in library.query("SELECT path, reason FROM import_log WHERE outcome = 'warning'")}
    assert reasons == {"broken-disk.pdf": "linked file unreadable: Input/output error"}
    assert [Path(row["path"]).name for row in library.query("SELECT path FROM files")] == ["fine.pdf"]
