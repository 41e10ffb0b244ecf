"""RIS, MEDLINE, OpenAlex and CSV/TSV readers, and their import: every record accounted for."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import pytest
from data_location import data_part

from litreview import pipeline
from litreview.ingest import medline, openalex, ris, table
from litreview.ingest.registry import default_registry


@pytest.fixture(scope="module")
def demo(shared_data: Path) -> Path:
    return data_part(shared_data, "exports/asreview_demo_data", "the asreview demo exports")


def _reader_for(path):
    """The registered reader for a file, as the import picks it."""
    return default_registry().reader_for(path)


def _demo_files(folder: Path) -> list[Path]:
    suffixes = default_registry().suffixes() - {".pdf", ".bib", ".bibtex"}
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in suffixes)


def _expected_entries(path: Path) -> int:
    """Records a file holds, counted independently of the readers: RIS `TY` lines, non-blank CSV data rows."""
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    if path.suffix.lower() in (".ris", ".txt"):
        return len(re.findall(r"^\ufeff?TY  -", text, re.MULTILINE))
    header = text.split("\n", 1)[0]
    delimiter = "\t" if path.suffix.lower() in (".tsv", ".tab") else max(",;\t", key=header.count)
    rows = list(csv.reader(text.splitlines(), delimiter=delimiter))
    return sum(1 for row in rows[1:] if any(cell.strip() for cell in row))


def test_every_demo_record_is_read_or_failed_with_a_reason(demo: Path) -> None:
    files = _demo_files(demo)
    assert len(files) >= 30
    for path in files:
        reader = _reader_for(path)
        assert reader is not None, f"no reader for {path.name}"
        result = reader.read([path])
        assert result.entries_seen == _expected_entries(path), path.name
        record_errors = [e for e in result.errors if e.entry is not None]
        assert len(result.records) + len(record_errors) == result.entries_seen, path.name
        for error in result.errors:
            assert error.reason and error.line, (path.name, error)
        for record in result.records:
            assert record.title or record.abstract
            assert record.origin and record.origin.startswith(str(path))


def _first(demo: Path, name: str):
    path = demo / name
    return _reader_for(path).read([path]).records[0]


@pytest.mark.parametrize(
    ("name", "title_start", "first_author", "year", "doi", "abstract_start"),
    [
        ("pubmed_endnote.txt", "Boswellia serrata: an overall assessment", "M. Abdel-Tawab", 2011,
         "10.2165/11586800-000000000-00000", "Non-steroidal anti-inflammatory drug (NSAID) intake"),
        ("_baseline.ris", "The Value of Radiologic Interventions and 18 F-DOPA PET", "Björn A. Blomberg", 2012,
         "10.1007/s11307-012-0572-0", "This systematic review and meta-analysis aimed"),
        ("ris_issue_1099.txt", "Design and prototyping of directly driven outer rotor", "T. Vaimann", 2018,
         "10.15598/aeee.v16i3.2698", "The paper is about the design and prototyping"),
        ("embase.csv", "Duplication cysts: Diagnosis, management", "Liu R.", 2014, "10.4103/2303-9027.138783",
         "Gastrointestinal tract duplication cysts"),
        ("pubmed_zotero.ris", "The importance of cognitive flexibility", "Agata Rudnik", 2019, "10.5114/pg.2018.81081",
         "Introduction: There are studies"),
        ("generic_semicolon.csv", "Title of reference", "Karl Marx", 2014, None, "BACKGROUND: Lorem ipsum"),
        ("generic_tab.tsv", "Title of reference", "Karl Marx", 2014, None, "BACKGROUND: Lorem ipsum"),
    ],
)
def test_checked_sample(demo, name, title_start, first_author, year, doi, abstract_start) -> None:
    record = _first(demo, name)
    assert record.title.startswith(title_start)
    assert record.authors[0] == first_author
    assert record.year == year
    assert record.doi == doi
    assert record.abstract.startswith(abstract_start)


def test_pubmed_accession_becomes_pmid_and_venue_is_read(demo: Path) -> None:
    record = _first(demo, "pubmed_endnote.txt")
    assert record.pmid == "21553931"
    assert record.venue == "Clin Pharmacokinet"
    assert (record.volume, record.issue, record.page_range) == ("50", "6", "349-69")
    embase = _first(demo, "embase.csv")
    assert embase.venue == "Endoscopic Ultrasound"


def test_broken_records_say_why(demo: Path) -> None:
    faulty = _first(demo, "faulty_year.ris")
    assert faulty.year is None and any("year '10 15' not understood" in w for w in faulty.warnings)
    empty = ris.read_ris([demo / "baseline_reference_types.ris"])
    assert empty.errors and all(e.reason == "record has neither a title nor an abstract" for e in empty.errors)
    no_title = [r for r in ris.read_ris([demo / "baseline_empty_values.ris"]).records if not r.title]
    assert no_title and all("no title" in r.warnings for r in no_title)
    rows = table.read_table([demo / "duplicate_records.csv"])
    assert {e.line for e in rows.errors} == {12, 13, 14, 15}
    assert all(e.reason == "row has neither a title nor an abstract" for e in rows.errors)


def test_ris_cut_off_and_latin1(tmp_path: Path) -> None:
    path = tmp_path / "cut.ris"
    path.write_bytes("TY  - JOUR\nTI  - Caf\xe9 culture and citation\nAU  - M\xfcller, J\xfcrgen\n"
                     "PY  - 2001///\nER  - \n\nTY  - JOUR\nTI  - Second record, cut off\n".encode("latin-1"))
    result = ris.read_ris([path])
    assert [r.title for r in result.records] == ["Café culture and citation", "Second record, cut off"]
    assert result.records[0].authors == ("Jürgen Müller",) and result.records[0].year == 2001
    assert any("not UTF-8" in w for w in result.records[0].warnings)
    assert any("not closed by 'ER  -'" in w for w in result.records[1].warnings)
    assert result.records[1].origin.endswith(":7")


def test_medline(tmp_path: Path) -> None:
    path = tmp_path / "pubmed.nbib"
    path.write_text(
        "PMID- 21553931\nOWN - NLM\nDP  - 2011 Jun\nTI  - Boswellia serrata: an overall assessment of in vitro,\n"
        "      preclinical, pharmacokinetic and clinical data.\nPG  - 349-69\n"
        "LID - 10.2165/11586800-000000000-00000 [doi]\nAB  - NSAID intake is associated with high\n"
        "      prevalence of adverse effects.\nFAU - Abdel-Tawab, Mona\nAU  - Abdel-Tawab M\nFAU - Werz, Oliver\n"
        "AU  - Werz O\nLA  - eng\nPT  - Journal Article\nJT  - Clinical pharmacokinetics\nVI  - 50\nIP  - 6\n"
        "PMC - PMC123456\n\nPMID- 99\nDP  - 1999\n\nPMID- 100\nTI  - Only a title\nDP  - 2020 Jan 3\n",
        encoding="utf-8",
    )
    assert _reader_for(path).name == "MEDLINE"
    txt = tmp_path / "pubmed.txt"
    txt.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert _reader_for(txt).name == "MEDLINE"
    result = medline.read_medline([path])
    assert result.entries_seen == 3 and len(result.records) == 2
    first = result.records[0]
    assert first.title == "Boswellia serrata: an overall assessment of in vitro, preclinical, pharmacokinetic and " \
                          "clinical data."
    assert first.authors == ("Mona Abdel-Tawab", "Oliver Werz")
    assert (first.year, first.doi, first.pmid, first.venue) == (2011, "10.2165/11586800-000000000-00000",
                                                                 "21553931", "Clinical pharmacokinetics")
    assert first.abstract == "NSAID intake is associated with high prevalence of adverse effects."
    assert first.external_ids == {"pmcid": "PMC123456"}
    assert result.errors[0].entry == "PMID 99" and result.errors[0].line == 21
    assert result.records[1].year == 2020


def test_openalex_page_and_inverted_index(tmp_path: Path) -> None:
    assert openalex.abstract_from_inverted_index({"screening": [1], "Active": [0], "learning.": [2]}) == \
        "Active screening learning."
    page = {"meta": {"count": 2}, "results": [
        {"id": "https://openalex.org/W1", "doi": "https://doi.org/10.1234/ABC", "title": "A work",
         "publication_year": 2020, "ids": {"pmid": "https://pubmed.ncbi.nlm.nih.gov/123"},
         "authorships": [{"author": {"display_name": "Ada Lovelace"}}],
         "primary_location": {"source": {"display_name": "Journal X"}},
         "biblio": {"volume": "3", "issue": "2", "first_page": "10", "last_page": "20"},
         "referenced_works": ["https://openalex.org/W2", "https://openalex.org/W3"],
         "abstract_inverted_index": {"Hello": [0], "world": [1]}},
        {"id": "https://openalex.org/W9"},
        "junk",
    ]}
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    assert _reader_for(path).name == "OpenAlex"
    result = openalex.read_openalex([path])
    assert result.entries_seen == 3 and len(result.records) == 1 and len(result.errors) == 2
    work = result.records[0]
    assert (work.title, work.doi, work.pmid, work.year) == ("A work", "10.1234/abc", "123", 2020)
    assert work.venue == "Journal X"
    assert (work.volume, work.issue, work.page_range, work.abstract) == ("3", "2", "10-20", "Hello world")
    assert work.cited_ids == ("openalex:W2", "openalex:W3") and work.external_ids == {"openalex": "W1"}
    assert "neither a title nor an abstract" in result.errors[0].reason


def test_openalex_titles_lose_the_markup_databases_leave_in_them(tmp_path: Path) -> None:
    """OpenAlex titles carry escaped and inline HTML ('&lt;p&gt;…&lt;/p&gt;', '<i>E. coli</i>', '&amp;'): the
    record's title is the text, as a reader of the table expects; a title that is about a '<' sign keeps it."""
    titles = ["&lt;p&gt;Concomitant Use of rFVIIa and Emicizumab&lt;/p&gt;",
              "Growth of <i>E. coli</i> in <sup>13</sup>C", "Risk &amp; benefit of statins",
              "Is x < 3 or x > 5 in <scp>Covid</scp>-19?"]
    page = {"results": [{"id": f"https://openalex.org/W{n}", "title": title} for n, title in enumerate(titles)]}
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    assert [work.title for work in openalex.read_openalex([path]).records] == [
        "Concomitant Use of rFVIIa and Emicizumab", "Growth of E. coli in 13C", "Risk & benefit of statins",
        "Is x < 3 or x > 5 in Covid-19?"]


def test_table_authors_and_delimiters(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text('Title;Abstract;Authors;Year\nOne;Text;"Doe, Jane; Roe, Rick";2019\n;;;\n', encoding="utf-8")
    result = table.read_table([path])
    assert result.entries_seen == 1 and result.records[0].authors == ("Jane Doe", "Rick Roe")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,size\na,1\n", encoding="utf-8")
    assert _reader_for(bad).name == "CSV/TSV"
    assert "no title or abstract column" in table.read_table([bad]).errors[0].reason


def test_table_columns_named_in_the_plural_or_summary(tmp_path: Path) -> None:
    path = tmp_path / "arxiv.csv"  # the columns of a public arXiv dataset: titles, summaries, terms
    path.write_text('titles,summaries,terms\nNeural ODEs for segmentation,"We propose a method.","[\'cs.CV\']"\n',
                    encoding="utf-8")
    assert _reader_for(path).name == "CSV/TSV"
    record = table.read_table([path]).records[0]
    assert (record.title, record.abstract) == ("Neural ODEs for segmentation", "We propose a method.")
    summary = tmp_path / "api.csv"  # arXiv's API calls the abstract "summary"
    summary.write_text("id,title,summary\n2401.1,A title,An abstract.\n", encoding="utf-8")
    assert table.read_table([summary]).records[0].abstract == "An abstract."


@pytest.fixture(scope="module")
def synergy(shared_data: Path) -> Path:
    return data_part(shared_data, "synergy/Donners_2021", "the SYNERGY review Donners_2021")


def test_synergy_zip_has_abstracts_and_citation_links(synergy: Path) -> None:
    zip_path = synergy / "works_1.zip"
    assert _reader_for(zip_path).name == "OpenAlex"
    result = openalex.read_openalex([zip_path])
    with open(synergy / "labels.csv", encoding="utf-8") as handle:
        labelled = {openalex.openalex_key(row["openalex_id"]) for row in csv.DictReader(handle)}
    assert result.entries_seen == len(labelled) == len(result.records) and not result.errors
    assert {r.external_ids["openalex"] for r in result.records} == labelled
    with zipfile.ZipFile(zip_path) as archive:
        works = [w for name in archive.namelist() for w in json.loads(archive.read(name))]
    with_abstract = sum(1 for w in works if w.get("abstract_inverted_index"))
    with_refs = sum(1 for w in works if w.get("referenced_works"))
    assert sum(1 for r in result.records if r.abstract) == with_abstract
    assert sum(1 for r in result.records if r.cited_ids) == with_refs


def test_import_accounts_for_every_record(demo: Path, synergy: Path, library) -> None:
    files = _demo_files(demo)
    seen = sum(_reader_for(p).read([p]).entries_seen for p in files)
    summary = pipeline.drive(pipeline.run_import(library, [demo]))
    record_failures = [e for e in summary.failed if e.entry is not None]
    assert summary.imported + summary.duplicates + len(record_failures) == seen
    assert summary.duplicates > 0  # the same records come in several exports
    logged = library.conn.execute("SELECT count(*) FROM import_log WHERE outcome != 'warning'").fetchone()[0]
    assert logged == seen
    summary = pipeline.drive(pipeline.run_import(library, [synergy / "works_1.zip"]))
    links = library.conn.execute("SELECT count(DISTINCT paper_id) FROM cited_works").fetchone()[0]
    assert summary.imported + summary.duplicates == 258 and links > 100


def test_unknown_file_is_refused_with_a_reason(tmp_path: Path, library) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some notes\n", encoding="utf-8")
    summary = pipeline.drive(pipeline.run_import(library, [path]))
    assert summary.failed and "its content is none of the formats named .txt" in summary.failed[0].reason
