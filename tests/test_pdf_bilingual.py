"""Papers printed in two languages: each title and abstract kept in its language, never run together (#22)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pymupdf
import pytest
from pdf_factory import write_lines
from rapidfuzz.distance import Levenshtein

from litreview.core.paper import ParsedPaper
from litreview.ingest.pdf import read_pdf
from litreview.ingest.pdf_language import detect_language, guess_short_language

PT_TITLE = "Complicações maternas associadas ao tipo de parto em hospital universitário"
EN_TITLE = "Maternal complications associated with type of delivery in a university hospital"
RESUMO = (
    "Objetivo: Analisar as complicações maternas associadas ao tipo de parto e comparar o parto cesáreo com o "
    "parto por via vaginal. Métodos: Estudo retrospectivo de partos realizados em hospital universitário de São "
    "Paulo no período de abril a dezembro, cujos recém-nascidos apresentaram peso superior a quinhentos gramas. "
    "Resultados: As complicações hemorrágicas foram raras e não houve diferença entre os grupos."
)
ABSTRACT = (
    "Objective: To analyze maternal complications associated with the type of delivery, comparing cesarean section "
    "with vaginal delivery. Methods: Retrospective study of the deliveries carried out at a university hospital in "
    "the city of São Paulo, in which the newborn weighed more than five hundred grams. Results: Hemorrhagic "
    "complications were rare and there was no difference between the groups."
)


def _wrap(text: str, width: int = 90) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)


def _font(page: pymupdf.Page) -> None:
    """A font with the accents Portuguese needs (the base-14 fonts lack some)."""
    page.insert_font(fontname="sans", fontbuffer=pymupdf.Font("helv").buffer)


def _bilingual_pdf(path: Path, *, translation_style: str = "same-block", second_title: str = EN_TITLE) -> Path:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 40), "Rev Saúde Pública 2004;38(1):9-15", fontsize=8)
    y = 90
    y = write_lines(page, 72, y, _wrap(PT_TITLE, 48), fontsize=20, step=24, fontname="hebo")
    if translation_style == "same-block":
        y = write_lines(page, 72, y, _wrap(second_title, 48), fontsize=20, step=24)
    else:  # smaller italic block under a gap
        y = write_lines(page, 72, y + 16, _wrap(second_title, 70), fontsize=14, step=17, fontname="heit")
    page.insert_text((72, y + 14), "Roseli Nomura, Eliane Alves e Marcelo Zugaib", fontsize=11, fontname="hebo")
    y += 50
    for heading, text in (("Resumo", RESUMO), ("Abstract", ABSTRACT)):
        page.insert_text((72, y), heading, fontsize=10, fontname="hebo")
        y += 14
        y = write_lines(page, 72, y, _wrap(text)) + 18
    doc.save(path)
    doc.close()
    return path


@pytest.mark.parametrize("style", ["same-block", "own-block"])
def test_title_and_its_translation_are_kept_apart(tmp_path: Path, style: str) -> None:
    paper = read_pdf(_bilingual_pdf(tmp_path / "a.pdf", translation_style=style))
    assert isinstance(paper, ParsedPaper)
    assert paper.title == PT_TITLE
    assert ("title", "en", EN_TITLE) in paper.translations
    assert paper.authors[0] == "Roseli Nomura"


def test_abstract_per_language_never_concatenated(tmp_path: Path) -> None:
    paper = read_pdf(_bilingual_pdf(tmp_path / "a.pdf"))
    assert isinstance(paper, ParsedPaper) and paper.abstract
    assert paper.language == "pt"
    assert Levenshtein.normalized_similarity(paper.abstract, RESUMO) >= 0.95
    assert "Objective" not in paper.abstract
    abstracts = [(lang, text) for field, lang, text in paper.translations if field == "abstract"]
    assert [lang for lang, _ in abstracts] == ["en"]
    assert Levenshtein.normalized_similarity(abstracts[0][1], ABSTRACT) >= 0.95
    assert "Objetivo" not in abstracts[0][1]


def test_subtitle_in_the_same_language_is_not_a_translation(tmp_path: Path) -> None:
    subtitle = "A retrospective study in the south"
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 90), "Maternal complications and the type of delivery", fontsize=20, fontname="hebo")
    page.insert_text((72, 114), subtitle, fontsize=20, fontname="helv")
    page.insert_text((72, 150), "Roseli Nomura, Eliane Alves", fontsize=11)
    page.insert_text((72, 190), "Abstract", fontsize=10, fontname="hebo")
    for index, line in enumerate(_wrap(ABSTRACT)):
        page.insert_text((72, 204 + 11 * index), line, fontsize=9)
    doc.save(tmp_path / "a.pdf")
    paper = read_pdf(tmp_path / "a.pdf")
    assert isinstance(paper, ParsedPaper)
    assert paper.translations == ()
    assert paper.title is not None and paper.title.endswith("in the south")


def test_short_language_guess() -> None:
    assert guess_short_language(PT_TITLE) == "pt"
    assert guess_short_language(EN_TITLE) == "en"
    assert guess_short_language("Prevalencia y severidad de la violencia contra mujeres embarazadas, México") == "es"
    assert guess_short_language("Deep Nets") is None


def _truth_by_language(record: dict) -> dict[str, str]:
    pairs = [(record.get("language"), record.get("abstract")), *(record.get("trans_abstracts") or [])]
    return {detect_language(text) or lang: text for lang, text in pairs if text}


def test_shared_bilingual_articles_floor(shared_data: Path) -> None:
    """The six bilingual SciELO articles: title in either language with nothing appended, the translated title
    and the abstracts found in their languages (issue #22's floors)."""
    folder = shared_data / "pdfs" / "multilingual"
    if not (folder / "ground_truth.jsonl").is_file():
        pytest.skip(f"bilingual articles not found at {folder}: see docs/test-data.md")
    records = [json.loads(line) for line in (folder / "ground_truth.jsonl").read_text().splitlines() if line]
    titles = translated = abstracts = 0
    for record in records:
        paper = read_pdf(folder / record["pdf"])
        assert isinstance(paper, ParsedPaper)
        truths = [record["title"], *(text for _, text in record.get("trans_titles") or [])]
        titles += any(paper.title == truth for truth in truths)
        translated += any(
            Levenshtein.normalized_similarity(text, truth) >= 0.8
            for field, _, text in paper.translations
            if field == "title"
            for truth in truths
        )
        by_language = {
            paper.language: paper.abstract,
            **{lang: text for field, lang, text in paper.translations if field == "abstract"},
        }
        abstracts += all(
            Levenshtein.normalized_similarity((by_language.get(lang) or "").casefold(), text.casefold()) >= 0.8
            for lang, text in _truth_by_language(record).items()
        )
    assert titles >= 0.95 * len(records)
    assert translated >= 0.9 * len(records)
    assert abstracts >= 0.9 * len(records)


def test_keywords_per_language(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 90), "Complicações maternas e tipo de parto", fontsize=20, fontname="hebo")
    page.insert_text((72, 114), "Maternal complications and type of delivery", fontsize=20, fontname="helv")
    page.insert_text((72, 150), "Roseli Nomura, Eliane Alves", fontsize=11)
    y = 190
    for heading, text, keywords in (
        ("Resumo", RESUMO, "Palavras-chave: Cesárea. Complicações do trabalho de parto."),
        ("Abstract", ABSTRACT, "Keywords: Cesarean section. Labor complications."),
    ):
        page.insert_text((72, y), heading, fontsize=10, fontname="hebo")
        y += 14
        for line in _wrap(text):
            page.insert_text((72, y), line, fontsize=9)
            y += 11
        page.insert_text((72, y + 6), keywords, fontsize=9)
        y += 36
    doc.save(tmp_path / "a.pdf")
    paper = read_pdf(tmp_path / "a.pdf")
    assert isinstance(paper, ParsedPaper)
    assert paper.keywords == "Cesárea. Complicações do trabalho de parto"
    assert ("keywords", "en", "Cesarean section. Labor complications") in paper.translations
