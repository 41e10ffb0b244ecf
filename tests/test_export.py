"""Writers: BibTeX (lossless, keys, escaping, round trip), RIS, CSL-JSON, Markdown, CSV (formula-safe)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from litreview.core.paper import Paper
from litreview.export import FORMATS, UnknownFormat, export_papers
from litreview.export.keys import assign_citation_keys, generated_key
from litreview.export.roundtrip import bibtex_round_trip, paper_from_record
from litreview.ingest.bibtex import parse_bibtex_files

PDF_PAPER = Paper(
    id=1,
    title="Deep Learning for {Fun} & 100% $profit_x #1 with BERT ~ ^",
    authors=("Jane Doe", "Ludwig van Beethoven"),
    year=2020,
    venue="Journal of Tests",
    doi="10.1000/x_(y)z",
    arxiv_id="2101.00001",
    abstract="An abstract.\nOn two lines.",
    files=("/data/pdfs/doe 2020.pdf",),
    note="read section 3",
)
BIB_PAPER = Paper(
    id=2,
    title="Über Nets",
    authors=("Hans Müller", "World Health Organization"),
    year=2019,
    venue="Proc. of Conf",
    entry_type="inproceedings",
    citation_key="mueller2019",
    original_fields={
        "title": r"{\"U}ber {N}ets",
        "author": r"M{\"u}ller, Hans and {World Health Organization}",
        "booktitle": "Proc. of Conf",
        "year": "2019",
        "month": "may",
        "pages": "10--20",
        "note": "Unbalanced { brace",
    },
)


def reparse(tmp_path: Path, data: bytes) -> list:
    path = tmp_path / "out.bib"
    path.write_bytes(data)
    result = parse_bibtex_files([path])
    assert result.errors == []
    return result.records


# ------------------------------------------------------------------------------------------ BibTeX


def test_bibtex_keeps_original_keys_and_text(tmp_path: Path) -> None:
    text = export_papers([BIB_PAPER], "bibtex").decode("utf-8")
    assert text.startswith("@inproceedings{mueller2019,")
    assert r"title = {{\"U}ber {N}ets}" in text
    assert "month = may," in text  # the month macro stays bare
    # An unmatched brace is spelled out: BibTeX counts braces even after a backslash, so "\{" would not do.
    assert r"note = {Unbalanced \textbraceleft{} brace}" in text
    record = reparse(tmp_path, text.encode())[0]
    assert record.title == "Über Nets"
    assert record.authors == ("Hans Müller", "World Health Organization")
    assert record.original_fields["pages"] == "10--20"
    assert record.original_fields["month"] == "may"


def test_bibtex_generated_entry_escapes_specials_and_round_trips(tmp_path: Path) -> None:
    text = export_papers([PDF_PAPER], "bibtex").decode("utf-8")
    assert text.startswith("@article{doe2020deep,")
    assert r"\& 100\% \$profit\_x \#1" in text
    assert "{BERT}" in text  # acronyms protected from BibTeX styles' lower-casing
    assert "doi = {10.1000/x_(y)z}" in text  # DOIs are verbatim in biblatex: not escaped
    record = reparse(tmp_path, text.encode())[0]
    assert record.title == PDF_PAPER.title
    assert record.authors == PDF_PAPER.authors
    assert (record.year, record.venue, record.doi, record.arxiv_id) == (
        2020,
        "Journal of Tests",
        PDF_PAPER.doi,
        "2101.00001",
    )
    assert record.abstract == "An abstract. On two lines."
    assert record.file_paths == PDF_PAPER.files


def test_bibtex_carries_the_reading_list_note_as_annote(tmp_path: Path) -> None:
    """As Zotero and JabRef export annotations: in `annote`, which bibliography styles do not print."""
    from dataclasses import replace

    with_annote = replace(BIB_PAPER, note="compare with Doe 2020", original_fields={
        **BIB_PAPER.original_fields, "annote": "from the old library"})  # fmt: skip
    records = reparse(tmp_path, export_papers([PDF_PAPER, with_annote, replace(BIB_PAPER, id=3)], "bibtex"))
    assert records[0].original_fields["annote"] == "read section 3"
    assert records[1].original_fields["annote"] == "from the old library\n\ncompare with Doe 2020"
    assert records[1].original_fields["note"] == "Unbalanced \\textbraceleft{} brace"  # BibTeX's printed note kept
    assert "annote" not in records[2].original_fields


@pytest.mark.parametrize(
    ("written", "family", "given", "suffix"),
    [
        ("V. V. Makarov", "Makarov", "V. V.", ""),
        ("Makarov, V. V.", "Makarov", "V. V.", ""),  # family first, as reference lists and RIS write names
        ("van Dijk, Jan", "van Dijk", "Jan", ""),
        ("Ludwig van Beethoven", "van Beethoven", "Ludwig", ""),
        ("John Smith, Jr.", "Smith", "John", "Jr."),
        ("Smith, Jr., John", "Smith", "John", "Jr."),  # BibTeX's order
    ],
)
def test_names_split_into_family_and_given_however_written(written: str, family: str, given: str,
                                                           suffix: str) -> None:
    from litreview.export.names import PersonName, split_display_name

    assert split_display_name(written) == PersonName(family=family, given=given, suffix=suffix)


@pytest.mark.parametrize("organisation", ["University of California, Berkeley", "Tokutek, Inc",
                                          "Department of Health, UK"])
def test_an_organisation_with_a_comma_stays_whole(organisation: str) -> None:
    from litreview.export.names import PersonName, split_display_name
    from litreview.ingest.records import display_name

    assert display_name(organisation) == organisation  # how a reference list's or RIS file's author is shown
    assert split_display_name(organisation) == PersonName(literal=organisation)
    assert display_name("Makarov, V. V.") == "V. V. Makarov" and display_name("maat, Jessica") == "Jessica maat"


def test_generated_keys_are_unique_and_avoid_original_keys() -> None:
    twin = Paper(id=3, title="Deep learning again", authors=("Jane Doe",), year=2020)
    owner = Paper(id=4, title="Other", citation_key="doe2020deep", original_fields={"title": "Other"})
    anonymous = Paper(id=5, title=None)
    assert generated_key(twin) == "doe2020deep"
    assert generated_key(Paper(id=6, title="The Art of Computer Programming", authors=("Donald E. Knuth",))) == (
        "knuth" + "art"
    )
    keys = assign_citation_keys([PDF_PAPER, twin, owner, anonymous])
    assert keys == ["doe2020deepa", "doe2020deepb", "doe2020deep", "paper5"]
    duplicated = [Paper(id=7, title="A", citation_key="k"), Paper(id=8, title="B", citation_key="k")]
    assert assign_citation_keys(duplicated) == ["k", "ka"]


def test_bibtex_is_utf8() -> None:
    paper = Paper(id=9, title="Café naïve 深度学习", authors=("Zoë Šimić",), year=2001)
    text = export_papers([paper], "bibtex").decode("utf-8")
    assert "Café naïve 深度学习" in text and "Šimić, Zoë" in text


@pytest.mark.parametrize(
    "name",
    [
        "aibasel_crossref/abbrv.bib",
        "aibasel_crossref/crossref.bib",
        "aibasel_crossref/literatur.bib",
        "bibtex_tidy_realworld/bbt_entries_discarded_873.bib",
        "bibtex_tidy_realworld/bbt_mendeley_export.bib",
        "bibtex_tidy_realworld/bbt_chokes_664.bib",
        "bibtex_tidy_realworld/bbt_percent_sign_preamble_95_96.bib",
        "bibtex_tidy_realworld/bbt_unparseable_1562.bib",
        "bibtex_tidy_realworld/biber_crossrefs.bib",
        "bibtex_tidy_realworld/biber_encoding1_latin1.bib",
        "bibtex_tidy_realworld/biber_examples.bib",
        "bibtex_tidy_realworld/biblatex-examples.bib",
        "bibtexparser_v1_edge_cases/traps.bib",
        "bibtexparser_v1_edge_cases/features2.bib",
        "bibtexparser_v1_edge_cases/article_with_special_characters.bib",
    ],
)
def test_bibtex_round_trip_keeps_fields(shared_data: Path, name: str) -> None:
    records = parse_bibtex_files([shared_data / "bibtex" / name]).records
    report = bibtex_round_trip(records)
    assert report.lost_entries == 0
    assert report.share_equal >= 0.99, report.changed.most_common(5)


def test_bibtex_round_trip_of_a_whole_folder(shared_data: Path) -> None:
    folder = shared_data / "bibtex" / "aibasel_crossref"
    records = parse_bibtex_files(sorted(folder.glob("*.bib"))).records
    report = bibtex_round_trip(records)
    assert report.records == 2679 and report.lost_entries == 0
    assert report.share_equal >= 0.99, report.changed.most_common(5)


@pytest.mark.slow
def test_bibtex_round_trip_large_library(shared_data: Path) -> None:
    path = shared_data / "bibtex" / "bibtex_tidy_realworld" / "bbt_large_user_library_1436-3.bib"
    report = bibtex_round_trip(parse_bibtex_files([path]).records)
    assert report.records == 7166 and report.lost_entries == 0
    assert report.share_equal >= 0.99


def test_round_trip_report_counts_changes() -> None:
    """The measurement itself must be able to fail: a changed title shows up as a change."""
    from litreview.core.paper import ParsedPaper

    record = ParsedPaper(source="bibtex", title="Original", citation_key="k", original_fields={"title": "Changed"})
    report = bibtex_round_trip([record])
    assert report.changed["title"] == 1
    assert report.share_equal < 1.0


def test_paper_from_record_keeps_files(shared_data: Path) -> None:
    records = parse_bibtex_files([shared_data / "bibtex" / "bibtexparser_v1_edge_cases" / "traps.bib"]).records
    paper = paper_from_record(records[0], 1)
    assert paper.citation_key == "Laide2013" and paper.original_fields == records[0].original_fields


# ------------------------------------------------------------------------------------------ RIS


def test_ris() -> None:
    import rispy

    text = export_papers([PDF_PAPER, BIB_PAPER], "ris").decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "TY  - JOUR"
    assert "AU  - Doe, Jane" in lines and "AU  - van Beethoven, Ludwig" in lines
    assert "AU  - World Health Organization" in lines
    assert "DO  - 10.1000/x_(y)z" in lines and "N1  - read section 3" in lines
    assert "AB  - An abstract. On two lines." in lines
    assert "SP  - 10" in lines and "EP  - 20" in lines
    assert not any(line.strip().rstrip(".").isdigit() for line in lines)  # no rispy counter lines
    entries = rispy.loads(text)
    assert [entry["type_of_reference"] for entry in entries] == ["JOUR", "CPAPER"]
    assert entries[0]["title"] == PDF_PAPER.title
    assert entries[1]["authors"] == ["Müller, Hans", "World Health Organization"]
    assert "https://arxiv.org/abs/2101.00001" in entries[0]["urls"]
    assert lines.count("ER  - ") == 2


# ------------------------------------------------------------------------------------------ CSL-JSON


def test_csljson() -> None:
    items = json.loads(export_papers([PDF_PAPER, BIB_PAPER], "csljson"))
    first, second = items
    assert first["id"] == "doe2020deep" and first["type"] == "article-journal"
    assert first["author"] == [{"family": "Doe", "given": "Jane"}, {"family": "van Beethoven", "given": "Ludwig"}]
    assert first["issued"] == {"date-parts": [[2020]]}
    assert first["DOI"] == "10.1000/x_(y)z" and first["container-title"] == "Journal of Tests"
    assert first["annote"] == "read section 3"
    assert second["id"] == "mueller2019" and second["type"] == "paper-conference"
    assert second["author"] == [{"family": "Müller", "given": "Hans"}, {"literal": "World Health Organization"}]
    assert second["issued"] == {"date-parts": [[2019, 5]]}
    assert second["page"] == "10-20"
    preprint = Paper(id=3, title="P", arxiv_id="2101.00001", entry_type="misc", year=2021)
    assert json.loads(export_papers([preprint], "csljson"))[0]["type"] == "article"


# ------------------------------------------------------------------------------------------ Markdown


def test_markdown_reading_list() -> None:
    text = export_papers([PDF_PAPER, BIB_PAPER], "markdown", title="My *list*").decode("utf-8")
    assert text.startswith("# My \\*list\\*\n")
    assert (
        "1. **Deep Learning for {Fun} & 100% $profit\\_x \\#1 with BERT ~ ^** — Jane Doe, Ludwig van Beethoven (2020)"
        in text
    )
    assert "[doi:10.1000/x\\_(y)z](https://doi.org/10.1000/x_%28y%29z)" in text
    assert "[arXiv:2101.00001](https://arxiv.org/abs/2101.00001)" in text
    assert "   > read section 3" in text
    assert "2. **Über Nets** — Hans Müller, World Health Organization (2019). *Proc. of Conf*" in text


# ------------------------------------------------------------------------------------------ CSV


def test_csv_is_safe_against_formula_injection() -> None:
    evil = Paper(id=5, title="=HYPERLINK(\"http://x\")", authors=("+1 Author",), venue="@SUM(A1)", year=2020,
                 abstract="-2+3", note="\tTab")  # fmt: skip
    data = export_papers([evil, PDF_PAPER], "csv")
    assert data.startswith("\ufeff".encode())  # BOM, so spreadsheets read UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == ["id", "title", "authors", "year", "venue", "doi", "arxiv_id", "abstract", "note"]
    assert rows[0]["title"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["authors"] == "'+1 Author"
    assert rows[0]["venue"] == "'@SUM(A1)"
    assert rows[0]["abstract"] == "'-2+3"
    assert rows[0]["note"] == "'\tTab"
    assert rows[0]["id"] == "5" and rows[0]["year"] == "2020"
    assert rows[1]["authors"] == "Jane Doe; Ludwig van Beethoven"
    assert rows[1]["abstract"] == "An abstract.\nOn two lines."


# ------------------------------------------------------------------------------------------ all formats


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_handles_an_empty_and_a_sparse_paper(fmt: str) -> None:
    assert isinstance(export_papers([], fmt), bytes)
    sparse = Paper(id=1, title=None)
    assert export_papers([sparse], fmt)


def test_unknown_format() -> None:
    with pytest.raises(UnknownFormat):
        export_papers([PDF_PAPER], "docx")


def test_library_round_trip_through_the_import_pipeline(shared_data: Path, tmp_path: Path) -> None:
    """Export a library to BibTeX and import the export into an empty library: the same papers and fields."""
    pipeline = pytest.importorskip("litreview.pipeline")
    from litreview.export.keys import assign_citation_keys
    from litreview.library import open_library
    from litreview.library.lists import load_papers

    source = shared_data / "bibtex" / "bibtex_tidy_realworld"
    files = [source / "biblatex-examples.bib", source / "biber_examples.bib", source / "bbt_mendeley_export.bib"]
    first = open_library(tmp_path / "first.sqlite")
    second = open_library(tmp_path / "second.sqlite")
    try:
        pipeline.drive(pipeline.run_import(first, files))
        papers = load_papers(first)
        exported = tmp_path / "export.bib"
        exported.write_bytes(export_papers(papers, "bibtex"))
        pipeline.drive(pipeline.run_import(second, [exported]))
        back = {paper.citation_key: paper for paper in load_papers(second)}
        assert len(back) == len(papers) > 600
        compared = equal = 0
        for paper, key in zip(papers, assign_citation_keys(papers), strict=True):
            other = back[key]
            for name in ("title", "authors", "year", "venue", "doi", "arxiv_id", "abstract", "keywords"):
                compared += 1
                equal += getattr(paper, name) == getattr(other, name)
            for name, value in paper.original_fields.items():
                compared += 1
                equal += other.original_fields.get(name) == value
        assert equal / compared >= 0.99
    finally:
        first.close()
        second.close()


def test_bibliographic_fields_of_a_record_without_bibtex_are_exported() -> None:
    """Volume, issue, page range, PMID and URL that an importer found reach every format that has a field."""
    import rispy

    paper = Paper(id=7, title="A study", authors=("Doe, Jane",), year=2020, venue="J. Things", volume="12",
                  issue="3", page_range="101-110", pmid="31234567", url="https://example.org/a")
    bib = export_papers([paper], "bibtex").decode("utf-8")
    assert "volume = {12}" in bib and "number = {3}" in bib and "pages = {101--110}" in bib
    assert "pmid = {31234567}" in bib and "url = {https://example.org/a}" in bib
    entry = rispy.loads(export_papers([paper], "ris").decode("utf-8"))[0]
    assert (entry["volume"], entry["number"], entry["start_page"], entry["end_page"]) == ("12", "3", "101", "110")
    assert "https://example.org/a" in entry["urls"]
    item = json.loads(export_papers([paper], "csljson"))[0]
    assert (item["volume"], item["issue"], item["page"], item["PMID"]) == ("12", "3", "101-110", "31234567")
