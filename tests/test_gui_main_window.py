"""User stories on the real main window with the real worker thread (fake models, no torch)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QHeaderView
from qt_helpers import SAMPLE_PAPERS, FakeBackend, RealReaders, is_reply, write_text_papers

from litreview.analysis.related import RelatedAnswer, RelatedResult
from litreview.gui.library_reader import LibraryReader, fts_prefix_query
from litreview.gui.main_window import describe_progress
from litreview.gui.paper_table_model import PaperTableModel
from litreview.gui.related_panel import RelatedModel
from litreview.library.db import open_library
from litreview.workers.messages import JobProgress, Reply

pytestmark = [
    pytest.mark.gui,
]


@pytest.fixture
def drop_folder(tmp_path) -> Path:
    folder = tmp_path / "drop"
    write_text_papers(folder, SAMPLE_PAPERS)
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.4 not really")
    return folder


def drop_on(window, paths: list[Path]) -> None:
    """A real drop event with file URLs, delivered to the window as the desktop would."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)


def import_and_wait(qtbot, window, paths) -> object:
    with qtbot.waitSignal(window.client.sig_job_done, timeout=30_000) as done:
        drop_on(window, paths)
    qtbot.waitUntil(lambda: window.table_model.total == window.reader.count(), timeout=5_000)
    return done.args[0]



def row_of_title(window, prefix: str) -> int:
    model = window.table_model
    for row in range(model.rowCount()):
        if str(model.index(row, 0).data()).startswith(prefix):
            return row
    raise AssertionError(f"no row titled {prefix!r}")


def test_drop_select_related_list_export_story(qtbot, make_window, drop_folder, tmp_path):
    window = make_window()
    outcome = import_and_wait(qtbot, window, [drop_folder])
    assert outcome.status == "finished" and outcome.imported == 5
    assert window.table_model.rowCount() == 5

    # the corrupt file is in the import log with its reason, and the log panel was raised
    assert window.log_dock.isVisible()
    assert [(Path(path).name, reason) for path, reason in window.import_log.model.reasons()] == [
        ("corrupt.pdf", "not a readable text paper")
    ]

    # select a paper: details and related panel fill
    row = row_of_title(window, "Galaxy rotation")
    with qtbot.waitSignal(window.client.sig_replied, timeout=10_000, check_params_cb=is_reply("related")):
        window.table.setCurrentIndex(window.table_model.index(row, 0))
    assert "Galaxy rotation curves" in window.details.text()
    related = window.related.model.results
    assert related[0].title == "Dark matter in dwarf galaxies"
    assert related[0].why and "dark" in {word for term in related[0].why for word in term.split()}

    # create a reading list, add the top related result, export the list as BibTeX
    with qtbot.waitSignal(window.client.sig_replied, timeout=10_000, check_params_cb=is_reply("lists")):
        window.create_list("Dark matter")
    list_id = window.lists.current_list_id()
    assert list_id is not None and window.lists.current_list_name() == "Dark matter"
    with qtbot.waitSignal(window.client.sig_replied, timeout=10_000, check_params_cb=is_reply("lists")):
        window.add_to_list(list_id, [related[0].paper_id])
    assert window.lists.item_ids() == [related[0].paper_id]
    destination = tmp_path / "exports" / "dark-matter.bib"
    written = window.export_papers(window.reader.list_papers(list_id), "Dark matter", fmt="bibtex",
                                   destination=destination)
    assert written == destination
    text = destination.read_text(encoding="utf-8")
    assert text.lstrip().startswith("@") and "Dark matter in dwarf galaxies" in text
    assert "Galaxy rotation curves" not in text

    # double-click navigation from the related panel selects that paper in the table
    window.related.sig_navigate_requested.emit(related[0].paper_id)
    assert window.current_paper_id() == related[0].paper_id


def test_filter_search_and_edit(qtbot, make_window, drop_folder):
    window = make_window()
    import_and_wait(qtbot, window, [drop_folder])

    qtbot.keyClicks(window.search_box, "galax")
    qtbot.waitUntil(lambda: window.table_model.rowCount() == 2, timeout=5_000)
    assert "2 of 5 papers" == window.count_label.text()
    window.search_box.clear()
    qtbot.waitUntil(lambda: window.table_model.rowCount() == 5, timeout=5_000)

    window.search_mode.setCurrentIndex(window.search_mode.findData("keyword"))
    with qtbot.waitSignal(window.client.sig_replied, timeout=10_000, check_params_cb=is_reply("search")):
        window.search_box.setText("protein")
        window.run_search()
    assert window.table_model.showing_results and window.table_model.rowCount() == 2
    assert window.results_label.text() == "2 results (keyword)"
    window.clear_search()
    assert window.table_model.rowCount() == 5

    row = row_of_title(window, "Parsing PDFs")
    window.table.setCurrentIndex(window.table_model.index(row, 0))
    window.details.start_editing()
    window.details.title_edit.setText("Parsing scholarly PDFs for metadata")
    with qtbot.waitSignal(window.client.sig_job_done, timeout=10_000) as done:
        window.details.save_button.click()
    assert done.args[0].kind == "edit" and done.args[0].status == "finished"
    qtbot.waitUntil(lambda: "Parsing scholarly PDFs" in window.details.text(), timeout=5_000)
    assert any(
        window.table_model.index(r, 0).data() == "Parsing scholarly PDFs for metadata"
        for r in range(window.table_model.rowCount())
    )


def test_quick_selection_changes_show_only_the_last_papers_related(qtbot, make_window, drop_folder):
    window = make_window(FakeBackend(step_delay=0.0))
    import_and_wait(qtbot, window, [drop_folder])
    shown = []
    window.client.sig_replied.connect(lambda reply: shown.append(reply.value) if reply.channel == "related" else None)
    for row in range(5):
        window.table.setCurrentIndex(window.table_model.index(row, 0))
    last = window.current_paper_id()
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    qtbot.wait(300)  # no later answer for an earlier selection arrives
    assert [answer.paper_id for answer in shown] == [last]
    assert window.related.model.rowCount() == 4


def test_cancel_from_the_status_bar_keeps_imported_papers(qtbot, make_window, drop_folder, library_path):
    window = make_window(FakeBackend(step_delay=0.15))
    progress = []
    window.client.sig_progress.connect(progress.append)
    drop_on(window, [drop_folder])
    # three files read: two papers at least, whichever place corrupt.pdf takes in the order
    qtbot.waitUntil(lambda: any(p.done >= 3 for p in progress), timeout=10_000)
    assert window.cancel_button.isVisible()
    with qtbot.waitSignal(window.client.sig_job_done, timeout=10_000) as done:
        window.cancel_button.click()
    assert done.args[0].status == "cancelled"
    assert "cancelled" in window.statusBar().currentMessage()
    assert not window.cancel_button.isVisible()
    qtbot.waitUntil(lambda: window.table_model.rowCount() >= 2, timeout=5_000)
    with sqlite3.connect(library_path) as conn:
        assert 2 <= conn.execute("SELECT count(*) FROM papers").fetchone()[0] < 5


def test_window_state_is_saved_and_restored(qtbot, make_window, tmp_path):
    window = make_window()
    window.log_dock.show()
    window.map_dock.hide()
    window.search_mode.setCurrentIndex(window.search_mode.findData("hybrid"))
    window.resize(window.minimumSizeHint().width(), 500)  # fits the offscreen screen restoreGeometry clamps to
    height = window.size().height()  # 500, or the least the docks' contents need
    assert height <= 520
    window.close()
    settings = QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)
    assert not settings.value("main/geometry").isEmpty()
    second = make_window()
    assert second.log_dock.isVisibleTo(second) and not second.map_dock.isVisibleTo(second)
    assert second.search_mode.currentData() == "hybrid"
    assert second.size().height() == height


def test_only_importable_drops_are_accepted(qtbot, make_window, tmp_path):
    window = make_window()
    note = tmp_path / "notes.docx"  # no reader takes it (a .txt may be RIS or MEDLINE: the import reads and says)
    note.write_text("hello")
    with qtbot.assertNotEmitted(window.client.sig_busy_changed, wait=100):
        drop_on(window, [note])
    assert "Nothing to import" in window.statusBar().currentMessage()


def test_item_models_pass_the_model_tester(qtmodeltester, library, tmp_path):
    with library.transaction() as conn:
        for n in range(25):
            conn.execute("INSERT INTO papers(title, authors, year) VALUES (?, '[\"A. Author\", \"B. Author\"]', ?)",
                         (f"Paper {n}", 2000 + n))
    reader = LibraryReader(open_library(library.path, read_only=True))
    model = PaperTableModel(reader, page_size=7, fetch_chunk=10)
    model.reload()
    qtmodeltester.check(model, force_py=True)
    model = PaperTableModel(reader, page_size=7, fetch_chunk=10)  # a fresh one: the tester fetched everything
    model.reload()
    assert model.rowCount() == 10 and model.canFetchMore(model.index(-1, -1))
    model.fetchMore(model.index(-1, -1))
    model.fetchMore(model.index(-1, -1))
    assert model.rowCount() == 25 and not model.canFetchMore(model.index(-1, -1))
    model.sort(2, Qt.SortOrder.AscendingOrder)
    assert model.index(0, 2).data() == 2000
    model.set_filter("paper 1")
    assert model.total == 11  # every word as a prefix: "Paper 1" and "Paper 10" to "Paper 19"
    assert model.index(0, 2).data() == 2001
    related = RelatedModel()
    related.set_results([RelatedResult(1, 0.9, "A", 2020, ("x",)), RelatedResult(2, 0.5, "B")])
    qtmodeltester.check(related, force_py=True)
    reader.library.close()


def test_fts_prefix_query_quotes_every_word():
    assert fts_prefix_query('prot "fold" OR x*') == '"prot"* AND "fold"* AND "OR"* AND "x"*'
    assert fts_prefix_query("  ") == ""
    progress = JobProgress(1, "import", "extracting", 3, 10, current="/a/b/paper.pdf", eta_seconds=75)
    assert describe_progress(progress) == "Extracting 3/10 — paper.pdf (about 1 min 15 s left)"


def test_related_panel_ignores_answers_for_another_paper(qtbot):
    from litreview.gui.related_panel import RelatedPanel

    panel = RelatedPanel()
    qtbot.addWidget(panel)
    panel.expect(7, "Seven")
    panel.show_answer(Reply(1, "related", RelatedAnswer(3, (RelatedResult(4, 0.8, "Other"),))))
    assert panel.model.rowCount() == 0 and "Finding" in panel.status.text()
    panel.show_answer(Reply(2, "related", RelatedAnswer(7, (RelatedResult(4, 0.8, "Four"),))))
    assert panel.model.rowCount() == 1 and "1 paper related" in panel.status.text()


def test_export_dialog_proposes_the_last_folder(qtbot, make_window, tmp_path, monkeypatch):
    """The export dialog opened in the home folder every time; now it proposes the folder of the last export."""
    import litreview.gui.export_dialog as export_dialog_module
    from litreview.core.paper import Paper

    proposed = []
    original = export_dialog_module.ExportDialog

    def recording(*args, folder=None, **kwargs):
        proposed.append(folder)
        return original(*args, folder=folder, **kwargs)

    monkeypatch.setattr(export_dialog_module, "ExportDialog", recording)
    window = make_window()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert window.export_papers([Paper(1, "A")], "list", fmt="bibtex", destination=elsewhere / "a.bib") is not None
    window.export_papers([Paper(1, "A")], "list", fmt="bibtex", destination=elsewhere / "b.bib")
    assert proposed == [tmp_path / "exports", elsewhere]


def test_status_column_fits_its_longest_text(qtbot, make_window):
    from litreview.gui.main_window import STATUS_WIDEST

    window = make_window()
    needed = window.table.fontMetrics().horizontalAdvance(STATUS_WIDEST)
    assert window.table.horizontalHeader().sectionSize(5) > needed
    assert window.table_model.headerData(5, Qt.Orientation.Horizontal) == "Status"


def test_ranked_results_show_scores_relevance_order_and_page_through_all_matches(
    qtbot, make_window, drop_folder, monkeypatch
):
    """#15: a Score column and its arrow while results are in relevance order, a column sort the user chooses,
    and "Show more" fetching past the first page."""
    monkeypatch.setattr("litreview.gui.main_window.SEARCH_PAGE", 1)
    window = make_window()
    import_and_wait(qtbot, window, [drop_folder])
    header, model = window.table.horizontalHeader(), window.table_model
    window.search_mode.setCurrentIndex(window.search_mode.findData("keyword"))
    with qtbot.waitSignal(window.client.sig_replied, timeout=10_000, check_params_cb=is_reply("search")):
        window.search_box.setText("protein")
        window.run_search()
    assert model.rowCount() == 1
    assert window.results_label.text().startswith("The best 1 of 2 matches (keyword)")
    score_column = model.columnCount() - 1
    assert model.headerData(score_column, Qt.Orientation.Horizontal) == "Score"
    assert float(model.index(0, score_column).data()) > 0
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (score_column, Qt.SortOrder.DescendingOrder)
    assert header.sectionResizeMode(0) == QHeaderView.ResizeMode.Stretch  # the title keeps the room

    with qtbot.waitSignal(window.client.sig_replied, timeout=10_000, check_params_cb=is_reply("search")):
        window.results_label.linkActivated.emit("more")
    assert model.rowCount() == 2 and window.results_label.text() == "2 results (keyword)"
    scores = [float(model.index(row, score_column).data()) for row in range(2)]
    assert scores == sorted(scores, reverse=True)

    header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)  # the user sorts the results by title
    titles = [model.index(row, 0).data() for row in range(2)]
    assert titles == sorted(titles, key=str.casefold) and model.showing_results
    assert header.sortIndicatorSection() == 0

    window.clear_search()
    assert model.columnCount() == score_column and model.rowCount() == 5
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (4, Qt.SortOrder.DescendingOrder)
    assert header.sectionResizeMode(0) == QHeaderView.ResizeMode.Stretch


def test_map_is_marked_stale_after_an_import(qtbot, make_window, drop_folder, tmp_path):
    """#15: a map drawn before an import says it is stale ("Map of 5 of 7 papers") instead of its old count."""
    import numpy as np

    from litreview.analysis.clusters import MapCluster, MapData
    from litreview.core.text import count_of

    window = make_window()
    replies = []
    window.client.sig_replied.connect(lambda reply: replies.append(reply.channel))
    import_and_wait(qtbot, window, [drop_folder])
    qtbot.waitUntil(lambda: "map" in replies, timeout=10_000)  # the window's first map request has answered
    model_id, dim = window.reader.conn.execute("SELECT model_id, dim FROM vectors LIMIT 1").fetchone()
    ids = [row[0] for row in window.reader.conn.execute(
        "SELECT DISTINCT paper_id FROM vectors WHERE model_id = ? AND dim = ?", (model_id, dim))]
    window.map.set_map(MapData(model_id, dim, paper_ids=np.array(ids), x=np.linspace(-1, 1, len(ids)),
                               y=np.zeros(len(ids)), cluster_ids=np.zeros(len(ids), dtype=np.int64),
                               titles=["t"] * len(ids), clusters=[MapCluster(0, "all", len(ids), 0.0, 0.0)]))
    assert window.map.status.text().startswith(f"{count_of(len(ids), 'paper')} in 1 topic")  # up to date
    assert window.map.recluster.text() == "Cluster now"

    more = tmp_path / "more"
    write_text_papers(more, {"tides": ("A later paper on tides", "Tides and the moon."),
                             "ocean": ("Another later paper", "Ocean currents and heat.")})
    import_and_wait(qtbot, window, [more])
    total = window.reader.count()
    assert total > len(ids)
    qtbot.waitUntil(lambda: window.map.status.text().startswith(f"Map of {len(ids)} of {total} papers"), timeout=5_000)
    assert window.map.recluster.text() == "Recluster"


def test_a_map_made_in_one_session_is_shown_when_the_library_opens_again(qtbot, make_window, drop_folder):
    """The window asks for the stored map at start; the query loads the clusters module on the worker (#20)."""
    window = make_window()
    import_and_wait(qtbot, window, [drop_folder])
    with qtbot.waitSignal(window.client.sig_job_done, timeout=30_000):
        window.cluster_library()
    qtbot.waitUntil(lambda: " in " in window.map.status.text() and "topic" in window.map.status.text(), timeout=10_000)
    drawn = window.map.status.text()
    make_window.close(window)

    again = make_window()
    qtbot.waitUntil(lambda: again.map.status.text() == drawn, timeout=10_000)


# -- re-import with another encoding (#15) ---------------------------------------------------------------------
# A short GBK file: too few characters to tell Chinese from Korean for sure, so the import log warns.
GBK_BIB = "@article{zhou2020,\n  author = {周杰},\n  journal = {数学},\n  title = {Graphs},\n  year = 2020\n}\n"


def reimport_as(qtbot, window, encoding: str):
    """Select the newest encoding notice in the import log and pick `encoding` from its button's menu."""
    panel = window.import_log
    row = next(i for i, (_, reason) in enumerate(panel.model.reasons()) if "read as" in reason)
    panel.view.selectRow(row)
    assert panel.reimport_button.isEnabled()
    action = next(a for a in panel.encoding_menu.actions() if a.data() == encoding)
    with qtbot.waitSignal(window.client.sig_job_done, timeout=30_000) as done:
        action.trigger()
    qtbot.waitUntil(lambda: window.table_model.total == window.reader.count(), timeout=5_000)
    return done.args[0]


def authors_and_venue(window) -> list[tuple[str, str]]:
    return [(row["authors"], row["venue"]) for row in window.reader.library.query("SELECT * FROM papers")]


def test_reimport_with_another_encoding_updates_the_paper(qtbot, make_window, tmp_path):
    path = tmp_path / "short.bib"
    path.write_bytes(GBK_BIB.encode("gbk"))
    window = make_window(RealReaders())
    with qtbot.waitSignal(window.client.sig_job_done, timeout=30_000):
        window.import_paths([path])
    panel = window.import_log
    assert not panel.reimport_button.isEnabled()  # nothing selected yet
    assert any("too short to be sure" in reason for _, reason in panel.model.reasons())

    # The user tries Korean: the paper is read again as CP949 and updated, not added a second time.
    korean = reimport_as(qtbot, window, "cp949")
    assert (korean.imported, korean.updated) == (0, 1)
    assert window.reader.count() == 1
    assert "数学" not in authors_and_venue(window)[0][1]
    assert "read as cp949 (as asked)" in [reason for _, reason in panel.model.reasons()]

    # Then Chinese (GBK): the same paper again, now with the right names.
    chinese = reimport_as(qtbot, window, "gbk")
    assert (chinese.imported, chinese.updated) == (0, 1)
    assert window.reader.count() == 1
    authors, venue = authors_and_venue(window)[0]
    assert "周杰" in authors and venue == "数学"
    assert window.statusBar().currentMessage().startswith("Import done: 0 imported, 1 updated")


def test_only_encoding_notices_of_files_still_there_can_be_reimported(qtbot, make_window, tmp_path):
    window = make_window()
    gone = tmp_path / "gone.bib"
    rows = [
        {"path": str(tmp_path / "broken.pdf"), "outcome": "failed", "reason": "not a PDF"},
        {"path": str(gone), "outcome": "warning", "reason": "read as gbk (as asked)"},
    ]
    panel = window.import_log
    panel.set_rows(rows)
    for row in range(2):
        panel.view.selectRow(row)
        assert not panel.reimport_button.isEnabled()
    gone.write_bytes(GBK_BIB.encode("gbk"))
    panel.set_rows(rows)
    panel.view.selectRow(1)
    assert panel.reimport_button.isEnabled() and panel.selected_file() == str(gone)


def test_the_window_reads_the_library_once_when_it_opens(make_window, monkeypatch) -> None:
    """Start-up reads the paper ids once, newest first: enabling the table's sorting must not re-read them in
    another order and back (two extra reads of every id, ~40 ms at 5,000 papers in benchmarks/ui_stall.py)."""
    reads = []
    original = LibraryReader.paper_ids

    def counted(self, *args, **kwargs):
        reads.append(kwargs.get("sort"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(LibraryReader, "paper_ids", counted)
    window = make_window()
    assert reads == ["added"]
    header = window.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (4, Qt.SortOrder.DescendingOrder)


def test_select_paper_finds_a_paper_newer_than_the_table(make_window, library_path) -> None:
    """Navigating to a paper written after the table's last read (just imported, a placeholder, a link from the
    details pane) selects it rather than doing nothing: the table is read again."""
    from litreview.core.paper import ParsedPaper
    from litreview.pipeline import add_records

    window = make_window()
    with open_library(library_path) as library:
        add_records(library, [ParsedPaper(source="test", title="Written behind the table's back", origin="test:new")])
        new_id = int(library.conn.execute("SELECT max(id) FROM papers").fetchone()[0])
    assert window.table_model.row_of(new_id) is None
    window.select_paper(new_id)
    assert window.current_paper_id() == new_id
