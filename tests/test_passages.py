"""Full-text passages (issue 19) on small generated PDFs: layout, window, coverage, bad input, storage,
resumable indexing, passage search and the CLI."""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path

import pymupdf
import pytest
from fakes import BagOfWordsEmbedder
from pdf_factory import make_paper

from litreview.core.paper import IngestError
from litreview.ingest.pdf.passages import (
    Passage,
    PassageResult,
    body_words,
    read_passages,
    word_count_tokens,
)


def passages_of(path: Path, window: int = 256, **options) -> PassageResult:
    result = read_passages(path, word_count_tokens, window, **options)
    assert isinstance(result, PassageResult), result
    return result


def text_of(passages: list[Passage], page: int | None = None, kind: str | None = None) -> str:
    return " ".join(p.text for p in passages if (page is None or p.page == page) and (kind is None or p.kind == kind))


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    return make_paper(tmp_path_factory.mktemp("pdf") / "paper.pdf", line_numbers=True)


def test_passages_follow_the_layout(paper) -> None:
    result = passages_of(paper.path)
    passages = result.passages
    assert not result.skipped and not result.truncated
    assert {p.page for p in passages} == {1, 2, 3, 4}
    for page, sentences in paper.body.items():
        body = text_of(passages, page, "body")
        # Column by column, in order, hyphenated line ends joined: each sentence comes back verbatim.
        positions = [body.find(sentence) for sentence in sentences]
        assert -1 not in positions, [s for s, at in zip(sentences, positions, strict=True) if at < 0]
        assert positions == sorted(positions)
    everything = text_of(passages)
    assert "Journal of Generated Tests" not in everything and "Volume 7" not in everything
    assert not re.search(r"\b\w+- \w", everything)  # no hyphen left at a joined line end
    assert not re.search(r"(?<![\[\w.])\d{1,2}(?![\w\].:])\s+\d", everything)  # no margin line numbers


def test_captions_and_references_are_tagged_apart(paper) -> None:
    passages = passages_of(paper.path).passages
    captions = [p for p in passages if p.kind == "caption"]
    assert [p.text for p in captions] == paper.captions[2]
    assert captions[0].page == 2
    references = text_of(passages, kind="references")
    for entry in paper.references:
        assert entry in references
    assert "Finding" not in references
    assert not any(entry in text_of(passages, kind="body") for entry in paper.references)


def test_sections_pages_and_boxes(paper) -> None:
    passages = passages_of(paper.path).passages
    assert passages[0].section == "1 Introduction"
    assert {p.section for p in passages if p.page == 2 and p.kind == "body"} == {"2 Methods"}
    assert {p.section for p in passages if p.kind == "references"} == {"References"}
    with pymupdf.open(paper.path) as doc:
        for passage in passages:
            assert passage.boxes
            rect = doc[passage.page - 1].rect
            for x0, y0, x1, y1 in passage.boxes:
                assert 0 <= x0 < x1 <= rect.width and 0 <= y0 < y1 <= rect.height
            # The boxes hold the passage's words: the first words of a passage are found inside its boxes.
            clip = pymupdf.Rect(passage.boxes[0]) | pymupdf.Rect(passage.boxes[-1])
            for box in passage.boxes:
                clip |= pymupdf.Rect(box)
            inside = doc[passage.page - 1].get_text("text", clip=clip + (-1, -1, 1, 1))
            assert passage.text.split()[1].rstrip(".,:") in inside


@pytest.mark.parametrize("window", [24, 40, 100])
def test_every_passage_fits_the_window_and_the_body_is_covered(paper, window: int) -> None:
    passages = passages_of(paper.path, window=window).passages
    assert all(word_count_tokens(p.text) <= window for p in passages)
    for page, sentences in paper.body.items():
        words = set(body_words(text_of(passages, page)))
        assert set(body_words(" ".join(sentences))) <= words
    # Overlap: consecutive passages of one paragraph run share their boundary sentence.
    small = passages_of(paper.path, window=window, overlap=0.5).passages
    assert sum(a.text.split(". ")[-1] in b.text for a, b in zip(small, small[1:], strict=False)) > 0


def test_the_counter_includes_special_tokens(paper) -> None:
    """A counter that adds specials (like a tokenizer) leaves room for them."""
    def with_specials(text: str) -> int:
        return word_count_tokens(text) + 2

    result = read_passages(paper.path, with_specials, 30)
    assert isinstance(result, PassageResult)
    assert all(with_specials(p.text) <= 30 for p in result.passages)


def test_no_text_layer_gives_no_passages(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    doc = pymupdf.open()
    for _ in range(2):
        page = doc.new_page()
        page.draw_rect(pymupdf.Rect(50, 50, 500, 700), color=(0, 0, 0), fill=(0.8, 0.8, 0.8))
    doc.save(path)
    result = passages_of(path)
    assert result.passages == [] and not result.truncated and result.page_count == 2


def test_encrypted_pdf_is_refused_with_a_reason(tmp_path: Path, paper) -> None:
    path = tmp_path / "locked.pdf"
    with pymupdf.open(paper.path) as doc:
        doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")
    result = read_passages(path, word_count_tokens, 256)
    assert isinstance(result, IngestError) and "encrypted" in result.reason


def test_a_damaged_page_is_skipped_with_a_reason_and_the_rest_kept(tmp_path: Path, paper) -> None:
    path = tmp_path / "damaged.pdf"
    with pymupdf.open(paper.path) as doc:
        contents = doc[1].get_contents()[0]  # page 2's content stream becomes bytes that do not inflate
        doc.update_stream(contents, b"\x00\x01not a zlib stream" * 20, new=False, compress=False)
        doc.xref_set_key(contents, "Filter", "/FlateDecode")
        doc.save(path)
    result = passages_of(path)
    assert [page for page, _ in result.skipped] == [2]
    assert "damaged" in result.skipped[0][1] and "zlib" in result.skipped[0][1]
    assert {p.page for p in result.passages} == {1, 3, 4}
    for sentence in (*paper.body[1], *paper.body[3]):
        assert sentence in text_of(result.passages)


def test_a_page_that_raises_is_skipped_with_its_reason(monkeypatch, paper) -> None:
    from litreview.ingest.pdf.layout import Layout

    original = Layout.page

    def page(self, number: int):
        if number == 2:
            raise RuntimeError("code=2: cannot find page object")
        return original(self, number)

    monkeypatch.setattr(Layout, "page", page)
    result = passages_of(paper.path)
    assert result.skipped == [(3, "page 3 skipped: RuntimeError: code=2: cannot find page object")]
    assert {p.page for p in result.passages} == {1, 2, 4}


def test_a_long_pdf_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "book.pdf"
    doc = pymupdf.open()
    page = doc.new_page()
    for line in range(3):
        page.insert_text((72, 200 + 14 * line), f"Line {line} of the chapter text of a long book.", fontsize=10)
    one = pymupdf.open("pdf", doc.tobytes())
    for _ in range(999):  # the page 1,000 times (writing each one anew is slow)
        doc.insert_pdf(one)
    doc.save(path)
    result = passages_of(path, window=64, max_passages=50)
    assert len(result.passages) == 50 and result.truncated
    assert result.last_page == 50 and result.page_count == 1000
    assert result.passages[-1].page == 50


# --- storage, indexing and search ---------------------------------------------------------------------------


@pytest.fixture
def imported(tmp_path: Path, library):
    from litreview.pipeline import drive, run_import

    papers = [make_paper(tmp_path / f"paper{n}.pdf", seed=n, pages=2) for n in range(3)]
    embedder = BagOfWordsEmbedder()
    summary = drive(run_import(library, [tmp_path], embedder=embedder, fulltext=True))
    return library, papers, embedder, summary


def test_import_indexes_passages_after_the_abstracts(imported) -> None:
    from litreview.index.service import passage_index
    from litreview.library.passages import PassageRepository

    library, papers, embedder, summary = imported
    assert summary.fulltext["papers"] == 3 and summary.fulltext["passages"] == summary.fulltext["embedded"] > 0
    count = PassageRepository(library).count()
    assert count == summary.fulltext["passages"]
    assert passage_index(library).store.count(embedder.model_id, embedder.dim) == count
    snapshot = library.query("SELECT element_count FROM passage_index_snapshots")
    assert snapshot == [{"element_count": count}]
    assert passage_index(library).consistency(embedder.model_id, embedder.dim)["consistent"]


def test_indexing_resumes_and_skips_what_is_done(imported) -> None:
    from litreview.pipeline import drive
    from litreview.pipeline.fulltext import index_passages

    library, papers, embedder, _ = imported
    again = drive(index_passages(library, embedder))
    assert (again.papers, again.passages, again.embedded) == (0, 0, 0)
    # An interrupted run: one paper's vectors are missing -> only they are embedded.
    library.conn.execute("DELETE FROM passage_vectors WHERE passage_id IN (SELECT id FROM passages WHERE paper_id = 1)")
    missing = library.query("SELECT COUNT(*) AS n FROM passages WHERE paper_id = 1")[0]["n"]
    assert drive(index_passages(library, embedder)).embedded == missing


def test_passage_search_finds_paper_and_page(imported) -> None:
    from litreview.index.passage_search import search_passages
    from litreview.index.service import passage_index

    library, papers, embedder, _ = imported
    ids = {row["path"]: row["paper_id"] for row in library.query("SELECT path, paper_id FROM files")}
    target = papers[1]
    sentence = target.body[2][5]
    for mode in ("keyword", "semantic", "hybrid"):
        hits = search_passages(library, passage_index(library), embedder, sentence, k=3, mode=mode)
        assert hits, mode
        best = hits[0].to_json()
        assert set(best) == {"paper_id", "page", "text", "score"}
        assert (best["paper_id"], best["page"]) == (ids[str(target.path.resolve())], 2), mode
        assert sentence in best["text"]


def test_references_are_not_searched_by_default(imported) -> None:
    from litreview.index.passage_search import search_passages

    library, papers, _, _ = imported
    entry = papers[0].references[2]
    assert all(hit.passage.kind != "references" for hit in search_passages(library, None, None, entry, mode="keyword"))
    tagged = search_passages(library, None, None, entry, mode="keyword", kinds=("references",))
    assert tagged and tagged[0].passage.kind == "references"


def test_the_bound_is_a_setting_and_the_import_log_says_when_a_pdf_was_cut(tmp_path: Path, library) -> None:
    from litreview.library.passages import MAX_PASSAGES_SETTING
    from litreview.pipeline import drive, run_import

    library.set_setting(MAX_PASSAGES_SETTING, "3")
    make_paper(tmp_path / "long.pdf", pages=4)
    summary = drive(run_import(library, [tmp_path], embedder=BagOfWordsEmbedder(), fulltext=True))
    assert summary.fulltext["passages"] == 3 and summary.fulltext["truncated"] == [1]
    reasons = [row["reason"] for row in library.query("SELECT reason FROM import_log WHERE outcome = 'warning'")]
    assert any("full text cut at 3 passages" in reason and "fulltext_max_passages" in reason for reason in reasons)


def test_deleting_a_paper_removes_its_passages(imported) -> None:
    library, _, _, _ = imported
    with library.transaction() as conn:
        conn.execute("DELETE FROM papers WHERE id = 2")
    assert not library.query("SELECT 1 FROM passages WHERE paper_id = 2")
    assert not library.query("SELECT 1 FROM passage_vectors v LEFT JOIN passages p ON p.id = v.passage_id "
                             "WHERE p.id IS NULL")
    rows = library.query("SELECT rowid FROM passages_fts WHERE passages_fts MATCH 'finding'")
    assert {r["rowid"] for r in rows} == {r["id"] for r in library.query("SELECT id FROM passages WHERE kind = 'body'")}


def test_cli_search_passages_json(imported, library_path: Path, capsys) -> None:
    from litreview.cli import main as cli_main

    library, papers, _, _ = imported
    sentence = papers[2].body[1][3]
    code = cli_main(["--library", str(library_path), "search", "--passages", "--mode", "keyword", "-k", "2",
                     "--json", sentence])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2 and rows[0]["page"] == 1 and sentence in rows[0]["text"]
    assert list(rows[0]) == ["paper_id", "page", "text", "score"]


def test_related_evidence_pairs_the_matching_passages(tmp_path: Path, library) -> None:
    import pymupdf

    from litreview.analysis.evidence import related_evidence
    from litreview.pipeline import drive, run_import

    shared = ("Quokkas on Rottnest island forage at dusk near saltbush thickets while wallabies graze "
              "under tuart canopies beside ephemeral lakes. ") * 5
    paths = {}
    for name, seed, page in (("a", 1, 2), ("b", 2, 1)):
        paper = make_paper(tmp_path / f"{name}-plain.pdf", seed=seed, pages=2, references=False)
        with pymupdf.open(paper.path) as doc:  # the same paragraph, on page 2 of a and page 1 of b
            doc[page - 1].insert_textbox(pymupdf.Rect(50, 520, 285, 760), shared, fontsize=10)
            doc.save(tmp_path / f"{name}.pdf")
        paper.path.unlink()
        paths[name] = tmp_path / f"{name}.pdf"
    embedder = BagOfWordsEmbedder()
    embedder.max_length = 80  # short passages, so a bag of words can tell them apart
    drive(run_import(library, [tmp_path], embedder=embedder, fulltext=True))
    ids = {Path(r["path"]).name: r["paper_id"] for r in library.query("SELECT path, paper_id FROM files")}
    pairs = related_evidence(library, ids["a.pdf"], ids["b.pdf"], embedder.model_id, embedder.dim, pairs=3)
    assert len(pairs) == 3 and pairs[0].score >= pairs[1].score >= pairs[2].score
    best = pairs[0]
    assert (best.left.page, best.right.page) == (2, 1)
    assert "Quokkas" in best.left.text and "Quokkas" in best.right.text
    assert len({p.left.id for p in pairs}) == 3 and len({p.right.id for p in pairs}) == 3
    assert related_evidence(library, ids["a.pdf"], ids["b.pdf"], "other/model", 8) == []


def test_reindex_and_doctor_cover_the_passage_index(imported, library_path: Path, capsys) -> None:
    from litreview.cli import main as cli_main
    from litreview.index.service import index_problems

    library, _, embedder, _ = imported
    assert index_problems(library)["index_consistent"]
    library.conn.execute("DELETE FROM passage_index_snapshots")
    problems = index_problems(library)["problems"]
    assert any(problem.startswith("passage index for test/bag-of-words") for problem in problems)
    assert cli_main(["--library", str(library_path), "reindex", "--json"]) == 0
    rebuilt = json.loads(capsys.readouterr().out)["rebuilt_passages"]
    assert rebuilt[0]["model"] == embedder.model_id and rebuilt[0]["vectors"] > 0
    assert index_problems(library)["index_consistent"]


def test_fulltext_cost_uses_the_library_own_figures(imported) -> None:
    from litreview.library.passages import TYPICAL_PASSAGES_PER_PDF, fulltext_cost

    library, _, _, summary = imported
    estimate = fulltext_cost(library, 1000)
    assert not estimate["measured"] and estimate["passages"] == 1000 * TYPICAL_PASSAGES_PER_PDF
    assert estimate["bytes"] > 0 and estimate["seconds"] > 0
    for paper_id in range(100, 105):
        library.conn.execute("INSERT INTO papers (id, title) VALUES (?, 'another')", (paper_id,))
        library.conn.execute(
            "INSERT INTO passage_sources (paper_id, sha256, splitter, passages, pages) VALUES (?, 'x', 's', 10, 2)",
            (paper_id,),
        )
    total = summary.fulltext["passages"] + 50
    assert fulltext_cost(library, 8)["passages"] == round(total / 8 * 8) and fulltext_cost(library, 8)["measured"]


def test_a_page_set_sideways_keeps_its_text(tmp_path: Path) -> None:
    path = tmp_path / "landscape.pdf"
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 100), "An upright first page about sediment cores.", fontsize=10)
    page = doc.new_page()
    rows = [f"Table row {n} lists the glacier retreat rate measured in year {2000 + n}." for n in range(12)]
    for n, row in enumerate(rows):
        page.insert_text((80 + 16 * n, 700), row, fontsize=10, rotate=90)
    doc.save(path)
    text = text_of(passages_of(path).passages, page=2)
    assert all(row in text for row in rows)


def test_passages_fit_a_real_tokenizer_window(tmp_path: Path, paper) -> None:
    """The embedding layer's counter (the model's own tokenizer, specials included) keeps every passage
    within the model's window: nothing is cut off when the passage is embedded."""
    from tiny_models import build_tiny_bert

    from litreview.embedding import load_embedder
    from litreview.embedding.tokens import document_token_counter

    embedder = load_embedder(str(build_tiny_bert(tmp_path / "bert", max_seq_length=48)))
    count, window, key = document_token_counter(embedder)
    assert window == 48 and key.startswith("tokenizer:")
    assert count("") == len(embedder.tokenizer("")["input_ids"])  # the special tokens are counted
    travelled = pickle.loads(pickle.dumps(count))  # it can go to the PDF reader's child process
    for text in ("Dark matter halos.", "Über-naïve 3.5% co-operation (n = 12)", paper.body[2][0]):
        assert travelled(text) == count(text) == len(embedder.tokenizer(text)["input_ids"])
    result = read_passages(paper.path, count, window)
    assert isinstance(result, PassageResult) and len(result.passages) > 10
    assert all(len(embedder.tokenizer(p.text)["input_ids"]) <= 48 for p in result.passages)
    for page, sentences in paper.body.items():
        assert set(body_words(" ".join(sentences))) <= set(body_words(text_of(result.passages, page)))


def test_passages_split_in_the_child_process_are_those_split_here(tmp_path: Path, library) -> None:
    from litreview.library.passages import PassageRepository
    from litreview.pipeline import drive, run_import
    from litreview.pipeline.fulltext import split_pending

    make_paper(tmp_path / "one.pdf", seed=3, pages=2)
    embedder = BagOfWordsEmbedder()
    drive(run_import(library, [tmp_path], embedder=embedder))
    split = {}
    for in_child in (True, False):
        library.conn.execute("DELETE FROM passage_sources")
        summary = drive(split_pending(library, embedder, in_child=in_child))
        assert summary.papers == 1 and summary.passages > 0
        split[in_child] = [(p.page, p.kind, p.section, p.text, p.boxes) for p in PassageRepository(library).of_paper(1)]
    assert split[True] == split[False]
