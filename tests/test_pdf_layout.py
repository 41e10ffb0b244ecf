"""The layout model: a page's plain text agrees with its laid-out lines, and a page read as text first lays out
exactly as a fresh one (its TextPage is reused, not extracted again)."""

from __future__ import annotations

from pathlib import Path

import pymupdf
from pdf_factory import make_paper

from litreview.ingest.pdf.layout import Layout


def test_plain_text_matches_layout_and_reused_textpage_lays_out_the_same(tmp_path: Path) -> None:
    path = tmp_path / "paper.pdf"
    make_paper(path, pages=3, seed=2)
    with pymupdf.open(path) as doc:
        layout = Layout(doc, path)
        texts = [layout.text(number) for number in range(doc.page_count)]
        assert all(texts) and layout._read_as_text  # read as text only, kept for a later layout
        reused = [layout.page(number) for number in range(doc.page_count)]
        assert not layout._read_as_text
        fresh = [Layout(doc, path).page(number) for number in range(doc.page_count)]
        for number, (page, other) in enumerate(zip(reused, fresh, strict=True)):
            assert [vars(line) for line in page.lines] == [vars(line) for line in other.lines]
            assert texts[number] == [line.text for line in page.lines]
            assert layout.text(number) == texts[number]  # from the laid-out lines now
