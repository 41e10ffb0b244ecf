"""Publication facts from a PDF's first page (venue, volume, issue, pages, year, entry type), words hyphenated
at a line end, facility names beside the authors, correction notices (issue #15)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pymupdf
import pytest

from litreview.core.paper import ParsedPaper
from litreview.ingest.pdf import read_pdf
from litreview.ingest.pdf.bibliographic import is_correction_notice

BODY = (
    "We followed a cohort of adults for ten years and recorded their diet, physical activity and sleep. "
    "The incidence of the outcome was higher among those with several risk factors than among the others. "
    "These results support prevention programmes that address several behaviours together in primary care."
)


def _page(
    path: Path,
    *,
    banner: str,
    title: str = "Incidence of chronic disease in a cohort of adults",
    authors: str = "Maria Silva, Ana Costa",
    abstract_lines: tuple[str, ...] = (),
) -> Path:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 40), banner, fontsize=8)
    page.insert_text((72, 100), title, fontsize=17)
    page.insert_text((72, 130), authors, fontsize=11)
    page.insert_text((72, 175), "Abstract", fontsize=11, fontname="hebo")
    y = 192
    for line in abstract_lines or _wrap(BODY):
        page.insert_text((72, y), line, fontsize=9.5)
        y += 12
    page.insert_text((72, y + 24), "Introduction", fontsize=11, fontname="hebo")
    doc.save(path)
    doc.close()
    return path


def _wrap(text: str, width: int = 90) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)


@pytest.mark.parametrize(
    ("banner", "expected"),
    [
        ("Rev Saúde Pública 2004;38(1):9-15", ("Rev Saúde Pública", "38", "1", "9-15", 2004, "article")),
        (
            "Journal of Trauma Management & Outcomes 2010, 4:1",
            ("Journal of Trauma Management & Outcomes", "4", None, "1", 2010, "article"),
        ),
        (
            "Journal of Ayurveda and Integrative Medicine 8 (2017) 263e265",
            ("Journal of Ayurveda and Integrative Medicine", "8", None, "263-265", 2017, "article"),
        ),
        ("DNA Research, 2018, 25(4), 409-419", ("DNA Research", "25", "4", "409-419", 2018, "article")),
        (
            "IEEE TRANSACTIONS ON VIDEO TECHNOLOGY, VOL. 7, NO. 5, OCTOBER 1997",
            ("IEEE TRANSACTIONS ON VIDEO TECHNOLOGY", "7", "5", None, 1997, "article"),
        ),
        (
            "Proceedings of the 45th Annual Meeting of the ACL, pages 696-703, Prague, June 2007",
            ("Proceedings of the 45th Annual Meeting of the ACL", None, None, "696-703", 2007, "inproceedings"),
        ),
    ],
)
def test_citation_line_gives_venue_volume_issue_pages(tmp_path: Path, banner: str, expected: tuple) -> None:
    paper = read_pdf(_page(tmp_path / "a.pdf", banner=banner))
    assert isinstance(paper, ParsedPaper)
    got = (paper.venue, paper.volume, paper.issue, paper.page_range, paper.year, paper.entry_type)
    assert got == expected
    assert 0 < paper.confidence["venue"] <= 1 and 0 < paper.confidence["entry_type"] <= 1


def test_no_citation_line_leaves_fields_empty(tmp_path: Path) -> None:
    paper = read_pdf(_page(tmp_path / "a.pdf", banner="Draft for discussion"))
    assert isinstance(paper, ParsedPaper)
    assert (paper.venue, paper.volume, paper.page_range, paper.entry_type) == (None, None, None, None)
    assert "venue" not in paper.confidence


def test_line_end_hyphen_kept_when_it_belongs_to_the_word(tmp_path: Path) -> None:
    lines = (
        "Adults with several lifestyle-",
        "related risk factors were followed with a methodology-",
        "independent protocol; the metho-",
        "dology was validated before the cohort began and all results were reported in full.",
        *_wrap(BODY),
    )
    paper = read_pdf(_page(tmp_path / "a.pdf", banner="Draft", abstract_lines=lines))
    assert isinstance(paper, ParsedPaper) and paper.abstract
    assert "lifestyle-related" in paper.abstract
    assert "methodology-independent" in paper.abstract
    assert "the methodology was validated" in paper.abstract


def test_facility_beside_the_names_is_not_an_author(tmp_path: Path) -> None:
    paper = read_pdf(_page(tmp_path / "a.pdf", banner="Draft", authors="Maria Silva, Ana Costa, Clínica Obstétrica"))
    assert isinstance(paper, ParsedPaper)
    assert paper.authors == ("Maria Silva", "Ana Costa")


def test_correction_notice_recognised(tmp_path: Path) -> None:
    title = "Corrigendum to “Incidence of chronic disease in a cohort”"
    paper = read_pdf(_page(tmp_path / "a.pdf", banner="Rev Saúde Pública 2004;38(1):9-15", title=title))
    assert isinstance(paper, ParsedPaper)
    assert paper.title is not None and paper.title.startswith("Corrigendum to")
    assert any("correction notice" in warning for warning in paper.warnings)
    assert is_correction_notice("Erratum: Deep learning for all")
    assert not is_correction_notice("Correction of refractive errors in children")
