"""The window's full text (issue 19): the import indexes passages after the abstracts, the Passages search
mode lists paper, page and a highlighted snippet, and a result opens the reader at its page, highlighted.

The real pipeline, PDF reader, passage splitter and index; only the model is the torch-free FakeEmbedder."""

from __future__ import annotations

import pytest
from pdf_factory import make_paper
from PySide6.QtCore import QSettings, Qt
from test_gui_main_window import drop_on
from test_gui_real_pipeline import RealPipelineFakeModel

from litreview.app import ensure_library
from litreview.gui.library_reader import LibraryReader
from litreview.gui.main_window import MainWindow
from litreview.library.db import open_library
from litreview.library.passages import MAX_PASSAGES_SETTING
from litreview.workers.client import WorkerClient

pytestmark = [pytest.mark.gui]


@pytest.fixture
def make_window(qtbot, tmp_path, library_path):
    made = []

    def make(max_passages: int | None = None) -> MainWindow:
        ensure_library(library_path)
        if max_passages is not None:
            library = open_library(library_path)
            library.set_setting(MAX_PASSAGES_SETTING, str(max_passages))
            library.close()
        reader = LibraryReader(open_library(library_path, read_only=True))
        client = WorkerClient(library_path, backend=RealPipelineFakeModel(), progress_interval=0.0)
        win = MainWindow(reader, client, settings=QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat))
        qtbot.addWidget(win)
        win.resize(1400, 1000)
        win.show()
        made.append((win, client, reader))
        return win

    yield make
    for win, client, reader in made:
        win.close()
        assert client.shutdown(60_000)
        reader.library.close()


def import_pdfs(qtbot, window, folder):
    stages: list[str] = []
    window.client.sig_progress.connect(lambda progress: stages.append(progress.stage))
    with qtbot.waitSignal(window.client.sig_job_done, timeout=120_000) as done:
        drop_on(window, [folder])
    outcome = done.args[0]
    assert outcome.status == "finished", outcome.error
    return outcome, stages


def test_import_indexes_passages_after_the_abstracts_within_the_bound(qtbot, make_window, tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    make_paper(folder / "long.pdf", pages=4, seed=1)
    window = make_window(max_passages=2)
    outcome, stages = import_pdfs(qtbot, window, folder)
    assert outcome.imported == 1
    assert "embed" in stages and "passages" in stages and "embed passages" in stages
    assert stages.index("embed") < stages.index("passages") < stages.index("embed passages")
    library = window.reader.library
    assert library.query("SELECT count(*) AS n FROM passages")[0]["n"] == 2
    reasons = [row["reason"] for row in library.query("SELECT reason FROM import_log WHERE outcome = 'warning'")]
    assert any("fulltext_max_passages is 2" in reason for reason in reasons), reasons


def test_passages_search_opens_the_reader_at_the_page_highlighted(qtbot, make_window, tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    paper = make_paper(folder / "generated.pdf", pages=3, seed=5)
    window = make_window()
    phrase = paper.body[2][4]  # a sentence of the Methods page
    window.search_mode.setCurrentIndex(window.search_mode.findData("passages"))
    window.search_box.setText(phrase)
    window.run_search()
    panel = window.passages.results
    qtbot.waitUntil(lambda: panel.summary.text().startswith("0 passages"), timeout=20_000)  # nothing imported yet

    import_pdfs(qtbot, window, folder)
    assert window.reader.library.query("SELECT count(*) AS n FROM passage_vectors")[0]["n"] > 0
    window.run_search()  # the passage index made by the first search follows what was indexed since
    qtbot.waitUntil(lambda: bool(panel.results), timeout=20_000)
    assert window.passages.results_dock.isVisible()
    best = panel.results[0]
    assert best.page == 2 and best.pdf is not None and best.pdf.endswith("generated.pdf")
    assert "page 2" in panel.label_html(0) and "background-color:#ffe066" in panel.label_html(0)

    item = panel.list.item(0)
    rect = panel.list.visualItemRect(item)
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # press, then double
    qtbot.mouseDClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.passages.reader_dock.isVisible(), timeout=5_000)
    # a window of its own with room for a page, not a strip beside the related panel
    assert window.passages.reader_dock.isFloating() and window.passages.reader_dock.height() >= 400
    reader = window.passages.reader
    assert reader.page == 2 and reader.page_count >= 3
    x0, y0, x1, y1 = best.boxes[0]
    scale = reader.zoom * reader.devicePixelRatioF()
    colour = reader.rendered_image().pixelColor(int((x0 + 1) * scale), int(((y0 + y1) / 2 - 0.5) * scale))
    assert (colour.red(), colour.green(), colour.blue()) != (255, 255, 255)  # the highlight is painted
    assert colour.blue() < colour.red()  # yellow, not the white page


def test_open_in_reader_from_the_context_menu_action(qtbot, make_window, tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    make_paper(folder / "one.pdf", pages=2, seed=2)
    window = make_window()
    import_pdfs(qtbot, window, folder)
    qtbot.waitUntil(lambda: window.table_model.rowCount() == 1, timeout=5_000)
    window.table.selectRow(0)
    window.open_reader_action.trigger()
    qtbot.waitUntil(lambda: window.passages.reader.page_count > 0, timeout=10_000)
    assert window.passages.reader_dock.isVisible() and window.passages.reader.page == 1


def test_evidence_for_a_related_pair_lists_passage_pairs_that_open_in_the_reader(qtbot, make_window, tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    make_paper(folder / "first.pdf", pages=2, seed=7)
    make_paper(folder / "second.pdf", pages=3, seed=8)
    window = make_window()
    import_pdfs(qtbot, window, folder)
    ids = [row["id"] for row in window.reader.library.query("SELECT id FROM papers ORDER BY id")]
    assert len(ids) == 2

    window.related.sig_evidence_requested.emit(ids[0], ids[1])  # what "Show evidence" in its menu emits
    panel = window.passages.evidence
    qtbot.waitUntil(lambda: bool(panel.results), timeout=20_000)
    assert window.passages.evidence_dock.isVisible()
    assert 2 <= len(panel.results) <= 6 and len(panel.results) % 2 == 0
    assert [r.paper_id for r in panel.results[:2]] == ids
    pages = {ids[0]: 2, ids[1]: 3}
    assert all(1 <= r.page <= pages[r.paper_id] for r in panel.results)

    related_side = panel.results[1]
    panel.sig_open_requested.emit(related_side)  # as a double-click on its row does
    assert window.passages.reader_dock.isVisible()
    assert window.passages.reader.page == related_side.page
    assert window.passages.reader.status.text().startswith("second.pdf")


def test_evidence_without_passages_says_why(qtbot, make_window):
    window = make_window()
    window.related.sig_evidence_requested.emit(1, 2)
    qtbot.waitUntil(lambda: window.passages.evidence_dock.isVisible(), timeout=10_000)
    assert not window.passages.evidence.results and "no indexed passages" in window.passages.evidence.summary.text()


def test_resume_indexes_the_passages_an_import_left_out(qtbot, make_window, tmp_path):
    from litreview.pipeline.jobs import import_job, resume_job

    folder = tmp_path / "papers"
    folder.mkdir()
    make_paper(folder / "later.pdf", pages=2, seed=4)
    window = make_window()
    with qtbot.waitSignal(window.client.sig_job_done, timeout=120_000):
        window.client.start(import_job([folder], fulltext=False))  # as a library from before full text
    count = "SELECT count(*) AS n FROM passages"
    assert window.reader.library.query(count)[0]["n"] == 0
    with qtbot.waitSignal(window.client.sig_job_done, timeout=120_000) as done:
        window.client.start(resume_job())
    assert done.args[0].status == "finished", done.args[0].error
    assert window.reader.library.query(count)[0]["n"] > 0
    assert window.reader.library.query("SELECT count(*) AS n FROM passage_vectors")[0]["n"] == \
        window.reader.library.query(count)[0]["n"]
    indexed = window.reader.library.query(count)[0]["n"]
    assert window.statusBar().currentMessage() == f"Indexed {indexed} passages"  # not "Embedded 0 papers" (#15)
    with qtbot.waitSignal(window.client.sig_job_done, timeout=120_000) as again:
        window.client.start(resume_job())
    assert again.args[0].status == "finished" and again.args[0].result is None  # nothing left to do


def test_full_text_progress_does_not_reload_the_paper_table(make_window) -> None:
    """Splitting and embedding passages changes no paper row: their progress reports must not re-read the table (a
    reload on the GUI thread while the worker writes vectors froze the window past 100 ms in benchmarks/passages.py
    --stall-only); the import's own stages still do. The first report of a stage reloads once: the stage before
    has ended, and the rows must show what it did (they said "not embedded" through minutes of passages)."""
    from litreview.core.ops import JobKind
    from litreview.core.progress import EMBED_PASSAGES_STAGE, SPLIT_PASSAGES_STAGE
    from litreview.workers.messages import JobProgress

    window = make_window()
    window.on_progress(JobProgress(1, JobKind.IMPORT, "embed", 7, 8))
    for stage in (SPLIT_PASSAGES_STAGE, EMBED_PASSAGES_STAGE):
        window._last_table_reload = 0.0
        window.on_progress(JobProgress(1, JobKind.IMPORT, stage, 1, 503))
        assert window._last_table_reload > 0.0, stage
        window._last_table_reload = 0.0
        window.on_progress(JobProgress(1, JobKind.IMPORT, stage, 64, 503))
        assert window._last_table_reload == 0.0, stage
    window.on_progress(JobProgress(1, JobKind.IMPORT, "extract", 3, 8))
    assert window._last_table_reload > 0.0
