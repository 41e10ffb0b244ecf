"""The window's full-text feature (issue 19): the Passages results, Evidence and Reader docks and what they ask
the worker, kept out of main_window.py, which creates one PassagesFeature and forwards to it."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Slot

from litreview.core.text import count_of

if TYPE_CHECKING:
    from litreview.gui.main_window import MainWindow
    from litreview.gui.passage_results import PassageResultsPanel
    from litreview.gui.reader import ReaderWidget
    from litreview.workers.messages import Reply


class PassagesFeature(QObject):
    """Passage search results, related evidence and the reader, as docks of `window`.

    The docks start hidden; each one's panel (and its module) is made when the dock first shows (#20)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self.results_dock = window._lazy_dock("Passages", "passages_dock", lambda: self._results_panel(
            self.open_passage), left)
        self.evidence_dock = window._lazy_dock("Evidence", "evidence_dock", lambda: self._results_panel(
            self.read_passage), right)
        self.reader_dock = window._lazy_dock("Reader", "reader_dock", self._reader_widget, right)
        self._reader_placed = False
        self.docks = (self.results_dock, self.evidence_dock, self.reader_dock)
        window.related.sig_evidence_requested.connect(self.show_evidence)
        window.search_mode.setItemData(window.search_mode.findData("passages"),
                                       "Search the PDFs' full text: paper, page and passage (hybrid)",
                                       Qt.ItemDataRole.ToolTipRole)
        window.installEventFilter(self)  # the window's close stops the reader's page-rendering child

    @staticmethod
    def _results_panel(on_open) -> PassageResultsPanel:  # noqa: ANN001 - a slot taking a PassageResult
        from litreview.gui.passage_results import PassageResultsPanel

        panel = PassageResultsPanel()
        panel.sig_open_requested.connect(on_open)
        return panel

    @staticmethod
    def _reader_widget() -> ReaderWidget:
        from litreview.gui.reader import ReaderWidget

        return ReaderWidget()

    @property
    def results(self) -> PassageResultsPanel:
        return self.results_dock.content()

    @property
    def evidence(self) -> PassageResultsPanel:
        return self.evidence_dock.content()

    @property
    def reader(self) -> ReaderWidget:
        return self.reader_dock.content()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.window and event.type() == QEvent.Type.Close and self.reader_dock.built:
            self.reader.pages.close()
        return False

    # -- passage search ------------------------------------------------------------------------------------
    def search(self, text: str) -> None:
        from litreview.analysis.passage_answers import answer_passage_search

        self.window.client.query(partial(answer_passage_search, query=text, k=50), self.on_passages_ready,
                                 channel="passages", latest_only=True)

    def on_passages_ready(self, reply: Reply) -> None:
        if reply.error:
            self.window.results_label.setText("Search failed")
            self.results.show_error(reply.error)
        else:
            self.results.show_answer(reply.value)
            self.window.results_label.setText(
                f"{count_of(len(reply.value.results), 'passage')} ({reply.value.mode})")
        self._raise(self.results_dock)

    # -- evidence ------------------------------------------------------------------------------------------
    @Slot(int, int)
    def show_evidence(self, paper_id: int, other_id: int) -> None:
        from litreview.analysis.passage_answers import answer_evidence

        self.window.client.query(partial(answer_evidence, paper_id=paper_id, other_id=other_id),
                                 self.on_evidence_ready, channel="evidence", latest_only=True)

    def on_evidence_ready(self, reply: Reply) -> None:
        if reply.error:
            self.evidence.show_error(reply.error)
        else:
            self.evidence.show_evidence(reply.value)
        self._raise(self.evidence_dock)

    # -- reader --------------------------------------------------------------------------------------------
    @Slot(object)
    def open_passage(self, result) -> None:
        """Select the PassageResult's paper and show its page in the reader with the passage highlighted."""
        self.window.select_paper(result.paper_id)
        self.read_passage(result)

    @Slot(object)
    def read_passage(self, result) -> None:
        """Show the PassageResult's page in the reader (the selection stays)."""
        self.open_in_reader(result.pdf, result.page, result.boxes)

    def open_in_reader(self, pdf: str | None, page: int = 1, boxes=()) -> None:
        if not pdf:
            self.window.statusBar().showMessage("This paper has no PDF to read", 8_000)
            return
        if not self._reader_placed and not self.reader_dock.isVisible():
            self._place_reader()
        self._raise(self.reader_dock)
        self.reader.open(pdf, page, boxes)

    def _place_reader(self) -> None:
        """First opening: a page needs room (docked beside the related panel it got a strip and pushed the window
        past the screen), so the reader floats as a window of its own on the screen's right side, most of its
        height; the user may dock it again."""
        self.reader_dock.setFloating(True)
        screen = self.window.screen().availableGeometry()
        width, height = min(860, int(screen.width() * 0.6)), int(screen.height() * 0.9)
        self.reader_dock.setGeometry(screen.x() + screen.width() - width, screen.y() + (screen.height() - height) // 2,
                                     width, height)
        self._reader_placed = True

    @Slot()
    def open_selected_in_reader(self) -> None:
        """"Open in reader" for the selected paper: its PDF at page 1."""
        paper_id = self.window.current_paper_id()
        if paper_id is None:
            return
        from litreview.analysis.passage_answers import paper_first_page

        self.window.client.query(partial(paper_first_page, paper_id=paper_id), self.on_pdf_ready, channel="reader")

    def on_pdf_ready(self, reply: Reply) -> None:
        if reply.error:
            self.window.statusBar().showMessage(f"Cannot open the reader: {reply.error}", 8_000)
            return
        self.open_in_reader(*reply.value)

    @staticmethod
    def _raise(dock) -> None:
        dock.show()
        dock.raise_()
