"""A reading list imported from Zotero, exported again, keeps each item's Zotero key where Zotero reads it back."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from litreview.export import export_papers
from litreview.library.lists import load_papers
from litreview.pipeline import drive, run_import


@pytest.fixture
def surveys(shared_data: Path, tmp_path: Path, library):
    source = shared_data / "zotero" / "gabrielmaia2-voicecoder" / "zotero.sqlite"
    if not source.is_file():
        pytest.skip(f"Zotero test library {source.parent} not found (see docs/test-data.md, zotero/)")
    folder = tmp_path / "Zotero"
    folder.mkdir()
    shutil.copyfile(source, folder / "zotero.sqlite")  # the database only: no PDFs to read
    drive(run_import(library, [str(folder)], extract_in_child=False))
    papers = load_papers(library, list_name="Surveys")
    assert papers and all(paper.external_ids.get("zotero") for paper in papers)
    return papers


def test_ris_keeps_the_key_in_m2(surveys) -> None:
    import rispy

    text = export_papers(surveys, "ris").decode("utf-8")
    lines = [line for line in text.splitlines() if line.startswith("M2  - ")]
    assert lines == [f"M2  - Zotero key: {paper.external_ids['zotero']}" for paper in surveys]
    records = rispy.loads(text)  # still valid RIS; the other fields are untouched
    assert [record["title"] for record in records] == [" ".join(paper.title.split()) for paper in surveys]
    assert [record.get("doi") for record in records] == [paper.doi for paper in surveys]


def test_bibtex_keeps_the_key_in_note(surveys, tmp_path: Path) -> None:
    from litreview.ingest.bibtex import parse_bibtex_files

    bib = tmp_path / "surveys.bib"
    bib.write_bytes(export_papers(surveys, "bibtex"))
    parsed = parse_bibtex_files([bib])
    assert parsed.errors == []
    notes = [record.original_fields.get("note", "") for record in parsed.records]
    assert notes == [f"Zotero key: {paper.external_ids['zotero']}" for paper in surveys]
    assert [record.doi for record in parsed.records] == [paper.doi for paper in surveys]


def test_csljson_keeps_the_key_in_note(surveys) -> None:
    items = json.loads(export_papers(surveys, "csljson"))
    assert [item["note"] for item in items] == [f"Zotero key: {paper.external_ids['zotero']}" for paper in surveys]
