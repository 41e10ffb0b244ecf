"""The reader (issue 19): opens a PDF at a passage's page with its boxes highlighted; page, zoom, find."""

from __future__ import annotations

from pathlib import Path

import pytest
from pdf_factory import make_paper

from litreview.ingest.pdf.passages import PassageResult, read_passages, word_count_tokens


@pytest.fixture
def reader(qtbot):
    from litreview.gui.reader import ReaderWidget

    widget = ReaderWidget()
    qtbot.addWidget(widget)
    widget.resize(900, 1000)
    return widget


def pixel(reader, x: float, y: float):
    """The colour shown at PDF point (x, y) of the current page."""
    image = reader.rendered_image()
    scale = reader.zoom * reader.devicePixelRatioF()
    return image.pixelColor(int(x * scale), int(y * scale))


def test_reader_opens_at_the_passage_page_with_its_boxes_highlighted(tmp_path: Path, reader) -> None:
    paper = make_paper(tmp_path / "paper.pdf")
    result = read_passages(paper.path, word_count_tokens, 256)
    assert isinstance(result, PassageResult)
    passage = next(p for p in result.passages if p.page == 2 and p.kind == "body")
    assert reader.open(paper.path, passage.page, passage.boxes)
    assert reader.page == 2 and reader.page_count == 4
    x0, y0, x1, y1 = passage.boxes[0]
    inside = pixel(reader, x0 + 1, (y0 + y1) / 2 - 0.5)
    margin = pixel(reader, 5, 5)
    assert (margin.red(), margin.green(), margin.blue()) == (255, 255, 255)
    assert inside.red() > 180 and inside.blue() < 190  # yellow tint over the text line
    width = reader.rendered_image().width()
    from litreview.gui.reader import ZOOMS

    reader.set_zoom_index(len(ZOOMS) - 1)
    assert reader.rendered_image().width() > width
    reader.next_page()
    assert reader.page == 3
    reader.next_page()
    reader.next_page()
    assert reader.page == 4  # clamped at the last page
    reader.previous_page()
    assert reader.page == 3
    after = pixel(reader, x0 + 1, (y0 + y1) / 2 - 0.5)  # page 3 carries no highlight
    assert after.blue() > 190 or after.red() < 100


def test_find_goes_to_the_page_with_the_text(tmp_path: Path, reader) -> None:
    paper = make_paper(tmp_path / "paper.pdf")
    reader.open(paper.path, 1)
    assert reader.find_next("Figure 2") == 2 and reader.page == 2
    assert reader.find_next("no such words anywhere") is None
    assert "not found" in reader.status.text()


def test_a_file_that_cannot_be_opened_is_said(tmp_path: Path, reader) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf at all")
    assert reader.open(bad) is False
    assert "cannot open bad.pdf" in reader.status.text()


def test_the_toolbar_fits_a_narrow_window(tmp_path: Path, qtbot) -> None:
    """#15: in a narrow dock every toolbar control stays inside the reader, even with a long file name."""
    from litreview.gui.reader import ReaderWidget

    paper = make_paper(tmp_path / f"{'a-long-file-name-as-downloads-have-' * 3}.pdf")
    widget = ReaderWidget(prefetch=False)
    qtbot.addWidget(widget)
    assert widget.open(paper.path, 1)
    widget.resize(360, 600)
    widget.show()
    qtbot.waitExposed(widget)
    assert widget.minimumSizeHint().width() <= 360
    assert widget.width() == 360
    controls = (widget.previous_button, widget.next_button, widget.zoom_out_button, widget.zoom_in_button,
                widget.find_edit, widget.find_button)
    for control in controls:
        assert control.geometry().right() < widget.width(), control
        assert control.width() >= control.minimumSizeHint().width(), control


def test_the_neighbouring_pages_are_rendered_ahead_in_a_child(qtbot, tmp_path: Path, reader) -> None:
    from litreview.ingest.pdf.render import render_page

    paper = make_paper(tmp_path / "paper.pdf")
    reader.open(paper.path, 2, [(72, 100, 300, 112)])
    key = lambda page: (str(paper.path), page, reader.zoom * reader.devicePixelRatioF())  # noqa: E731
    qtbot.waitUntil(lambda: reader.pages.get(key(1)) is not None and reader.pages.get(key(3)) is not None,
                    timeout=30_000)
    ahead = reader.pages.get(key(3))
    expected = render_page(str(paper.path), 3, key(3)[2])
    assert (ahead.width(), ahead.height()) == (expected.width, expected.height)
    reader.next_page()
    assert reader.page == 3 and reader.rendered_image().width() == expected.width
    # The highlighted page 2 came from the cache unpainted: its clean image has no yellow where the box was.
    clean = reader.pages.get(key(2))
    colour = clean.pixelColor(int(74 * key(2)[2]), int(106 * key(2)[2]))
    assert colour.blue() > 190 or colour.red() < 100


def test_without_prefetch_no_child_is_started(qtbot, tmp_path: Path) -> None:
    from litreview.gui.reader import ReaderWidget

    widget = ReaderWidget(prefetch=False)
    qtbot.addWidget(widget)
    paper = make_paper(tmp_path / "paper.pdf")
    assert widget.open(paper.path, 1)
    widget.next_page()
    assert widget.page == 2 and widget.pages.pending() == 0 and widget.pages._pool is None
