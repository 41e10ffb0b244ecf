"""Papers in two languages in the library: stored per language, found by keyword in any of them, recognised as
duplicates across languages, embedded in English for an English-only model, exported with their translated
title (issue #22)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from litreview.core.paper import ParsedPaper
from litreview.export import export_papers
from litreview.library.lists import load_papers
from litreview.library.papers import PaperRepository
from litreview.library.translations import translations_of
from litreview.pipeline import add_records, pending_embeddings

PT_TITLE = "Complicações maternas associadas ao tipo de parto em hospital universitário"
EN_TITLE = "Maternal complications associated with type of delivery in a university hospital"
PT_ABSTRACT = "Analisar as complicações maternas associadas ao tipo de parto e comparar o parto cesáreo com o vaginal."
EN_ABSTRACT = "To analyze maternal complications associated with the type of delivery, comparing cesarean sections."


def _pdf_record() -> ParsedPaper:
    return ParsedPaper(
        source="pdf",
        title=PT_TITLE,
        authors=("Roseli Mieko Yamamoto Nomura", "Eliane Aparecida Alves"),
        abstract=PT_ABSTRACT,
        year=2004,
        language="pt",
        venue="Rev Saúde Pública",
        origin="/papers/18446.pdf",
        translations=(("title", "en", EN_TITLE), ("abstract", "en", EN_ABSTRACT), ("keywords", "en", "Cesarean")),
    )


def _bibtex_record() -> ParsedPaper:
    return ParsedPaper(
        source="bibtex",
        title=EN_TITLE,
        authors=("Nomura, Roseli Mieko Yamamoto", "Alves, Eliane Aparecida"),
        year=2004,
        citation_key="nomura2004",
        entry_type="article",
        origin="/refs.bib:1",
    )


def test_translations_stored_and_searched(library) -> None:
    from litreview.index.search import keyword_search

    summary = add_records(library, [_pdf_record()])
    paper_id = summary.paper_ids[0]
    assert translations_of(library.conn, [paper_id])[paper_id] == (
        ("title", "en", EN_TITLE),
        ("abstract", "en", EN_ABSTRACT),
        ("keywords", "en", "Cesarean"),
    )
    row = PaperRepository(library).get_row(paper_id)
    assert (row["title"], row["abstract"], row["language"]) == (PT_TITLE, PT_ABSTRACT, "pt")
    # "analyze" and "cesarean" are printed only in the English translation.
    assert [pid for pid, _ in keyword_search(library, "analyze cesarean")] == [paper_id]
    assert [pid for pid, _ in keyword_search(library, "complicações")] == [paper_id]


def _one_paper_in_english(library, first_record: ParsedPaper, second_record: ParsedPaper) -> tuple:
    """Import both records: the second is a duplicate of the first, which reads in English with its Portuguese
    title and abstract kept as translations; returns the stored translations."""
    first = add_records(library, [first_record])
    second = add_records(library, [second_record])
    assert second.duplicates == 1 and second.imported == 0
    paper_id = first.paper_ids[0]
    row = PaperRepository(library).get_row(paper_id)
    assert (row["title"], row["language"], row["abstract"]) == (EN_TITLE, "en", EN_ABSTRACT)
    stored = translations_of(library.conn, [paper_id])[paper_id]
    assert ("title", "pt", PT_TITLE) in stored and ("abstract", "pt", PT_ABSTRACT) in stored
    return stored


def test_bibtex_with_the_english_title_is_the_same_paper_as_the_portuguese_pdf(library) -> None:
    # The entry names the paper in English, so English becomes its own language; Portuguese is kept, not lost.
    stored = _one_paper_in_english(library, _pdf_record(), _bibtex_record())
    assert all(language != "en" for _, language, _ in stored)


def test_pdf_after_the_english_bibtex_entry_is_recognised_and_kept_in_english(library) -> None:
    _one_paper_in_english(library, _bibtex_record(), _pdf_record())


def test_different_papers_with_similar_translated_titles_are_not_merged(library) -> None:
    other = ParsedPaper(source="bibtex", title=EN_TITLE, authors=("Smith, John",), year=2004, origin="/b.bib:1")
    add_records(library, [_pdf_record()])
    assert add_records(library, [other]).imported == 1


def test_embedding_text_english_for_english_only_model_original_for_multilingual(library) -> None:
    add_records(library, [_pdf_record()])
    ((_, english, _),) = pending_embeddings(library, "sentence-transformers/all-MiniLM-L6-v2", 384)
    assert english == f"{EN_TITLE} {EN_ABSTRACT}"
    ((_, original, _),) = pending_embeddings(library, "Qwen/Qwen3-Embedding-0.6B", 1024)
    assert original == f"{PT_TITLE} {PT_ABSTRACT}"
    ((_, unknown, _),) = pending_embeddings(library, "someone/custom-model", 768)
    assert unknown == original  # a model we know nothing about is not second-guessed


def test_exports_carry_the_translated_title(library) -> None:
    add_records(library, [_pdf_record()])
    papers = load_papers(library)
    ris = export_papers(papers, "ris").decode()
    assert f"TI  - {PT_TITLE}" in ris and f"TT  - {EN_TITLE}" in ris and "LA  - pt" in ris
    bibtex = export_papers(papers, "bibtex").decode()
    assert "titleaddon" in bibtex and "Maternal complications" in bibtex
    (item,) = json.loads(export_papers(papers, "csljson"))
    assert item["title"] == PT_TITLE
    assert {"field": "title", "language": "en", "text": EN_TITLE} in item["custom"]["translations"]


@pytest.mark.slow
def test_english_title_queries_find_bilingual_papers_with_the_default_model(library, shared_data: Path) -> None:
    """SciFact-style check (issue #22): with the English-only default model, a query made from each bilingual
    article's English title finds it in the top 3 among SciFact abstracts (benchmarks/multilingual_retrieval.py
    runs the same with more distractors)."""
    import numpy as np

    from litreview.embedding.loader import load_embedder
    from litreview.ingest.pdf import read_pdf
    from litreview.ingest.pdf_language import guess_short_language

    folder = shared_data / "pdfs" / "multilingual"
    corpus = shared_data / "beir" / "scifact" / "corpus.jsonl"
    if not (folder / "ground_truth.jsonl").is_file() or not corpus.is_file():
        pytest.skip(f"bilingual articles or SciFact not found under {shared_data}: see docs/test-data.md")
    truth = [json.loads(line) for line in (folder / "ground_truth.jsonl").read_text().splitlines() if line]
    records = [read_pdf(folder / record["pdf"]) for record in truth]
    assert all(isinstance(record, ParsedPaper) for record in records)
    ids = add_records(library, records).paper_ids
    with corpus.open() as handle:
        docs = [json.loads(next(handle)) for _ in range(100)]
    add_records(
        library, [ParsedPaper(source="beir", title=d["title"], abstract=d["text"], origin=d["_id"]) for d in docs]
    )
    embedder = load_embedder("minilm")
    chosen = pending_embeddings(library, embedder.model_id, embedder.dim)
    vectors = embedder.embed_documents([text for _, text, _ in chosen])
    position = {paper_id: index for index, (paper_id, _, _) in enumerate(chosen)}
    for record, paper_id in zip(truth, ids, strict=True):
        titles = [record["title"], *(text for _, text in record.get("trans_titles") or [])]
        query = next(text for text in titles if guess_short_language(text) == "en")
        scores = vectors @ np.asarray(embedder.embed_queries([query])[0], dtype=np.float32)
        rank = int(np.nonzero(np.argsort(-scores) == position[paper_id])[0][0]) + 1
        assert rank <= 3, (record["pdf"], query, rank)
