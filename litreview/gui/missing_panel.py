"""The "Missing from your library" dock: works that several library papers cite but the library lacks (#16).

The list is computed on the worker (`missing_for`, over `litreview.analysis.citations.missing_works`); the panel
only shows it and asks, through signals, for an export or a placeholder record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from litreview.core.text import count_of
from litreview.gui.panel_layout import panel_rows

if TYPE_CHECKING:
    from litreview.core.paper import Paper

COLUMNS = ("Title", "Authors", "Year", "DOI", "Cited by")
MISSING_LIMIT = 200  # the most works listed
CITING_NAMED = 10  # citing papers a work's tooltip names


def missing_for(services: Any, *, paper_ids: list[int] | None = None, k: int = MISSING_LIMIT) -> list[dict]:
    """Worker side: the works cited by at least two library papers (or two of `paper_ids`) that the library lacks,
    each with the titles of the papers citing it ("citing_titles")."""
    from litreview.analysis.citations import missing_works

    works = missing_works(services.library.conn, paper_ids=paper_ids, min_citing=2, k=k)
    citing = sorted({paper_id for work in works for paper_id in work["cited_by"]})
    titles: dict[int, str] = {}
    for start in range(0, len(citing), 500):
        chunk = citing[start : start + 500]
        titles.update(services.library.conn.execute(
            f"SELECT id, title FROM papers WHERE id IN ({','.join('?' * len(chunk))})", chunk).fetchall())
    for work in works:
        work["citing_titles"] = [titles.get(paper_id) or f"paper {paper_id}" for paper_id in work["cited_by"]]
    return works


def work_as_paper(work: dict[str, Any], number: int) -> Paper:
    """A missing work as a Paper for the exporters (it has no library id: `number` stands in, negative)."""
    from litreview.analysis.placeholders import display_authors
    from litreview.core.paper import Paper

    return Paper(
        id=-number, title=work.get("title"), authors=display_authors(work),
        year=work.get("year"), venue=work.get("venue"), doi=work.get("doi"), arxiv_id=work.get("arxiv_id"),
        pmid=work.get("pmid"), entry_type="article",
    )


class _ScopeBox(QComboBox):
    """A combo box that asks for fresh choices just before its popup opens (reading lists come and go)."""

    sig_about_to_show = Signal()

    def showPopup(self) -> None:
        self.sig_about_to_show.emit()
        super().showPopup()


def _authors(work: dict[str, Any]) -> str:
    from litreview.analysis.placeholders import display_authors

    names = display_authors(work)
    return ", ".join(names[:3]) + (" et al." if len(names) > 3 else "")


class MissingPanel(QWidget):
    """A ranked table of missing works for the whole library or one reading list, with export and placeholders."""

    sig_refresh_requested = Signal()
    sig_export_requested = Signal(object)  # list of work dicts
    sig_placeholder_requested = Signal(object)  # one work dict

    def __init__(self, list_source: Callable[[], list[tuple[int, str]]] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.works: list[dict[str, Any]] = []
        self.list_source = list_source  # (id, name) of each reading list, read when the scope popup opens
        self.scope = _ScopeBox()
        self.scope.sig_about_to_show.connect(self._refresh_scopes)
        self.scope.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.scope.setMinimumContentsLength(10)  # a long list name must not widen the dock
        self.scope.setToolTip("Works cited by at least two papers of the whole library, or of one reading list")
        self.scope.addItem("Whole library", None)
        self.status = QLabel("Not computed yet")
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # never widens the dock
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # The title gets what the narrow columns leave: at 100 px each they left it a few pixels ("…") in the dock
        for column, width in ((1, 110), (2, 44), (3, 90), (4, 60)):
            header.resizeSection(column, width)
        self.table.setMinimumSize(80, 40)  # the dock shares the right side with Related work and the map
        self.table.cellDoubleClicked.connect(self._open_doi)
        self.refresh_button = QPushButton("Refresh")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Export the listed works as BibTeX or RIS to fetch them with your reference "
                                      "manager")
        self.placeholder_button = QPushButton("Add as placeholder")
        self.placeholder_button.setToolTip("Add the selected work to the library as a placeholder record; "
                                           "its PDF or BibTeX entry merges into it later")
        self.refresh_button.clicked.connect(self.sig_refresh_requested)
        self.scope.currentIndexChanged.connect(lambda _: self.sig_refresh_requested.emit())
        self.export_button.clicked.connect(lambda: self.sig_export_requested.emit(list(self.works)))
        self.placeholder_button.clicked.connect(self._placeholder)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        panel_rows(self, (self.scope, self.refresh_button), (self.status,), self.table,
                   (QWidget(), self.placeholder_button, self.export_button))  # the status line has the whole width
        self._update_buttons()

    def scope_list_id(self) -> int | None:
        """The chosen reading list's id, or None for the whole library."""
        value = self.scope.currentData()
        return int(value) if value is not None else None

    def set_reading_lists(self, lists: list[tuple[int, str]]) -> None:
        """Offer these lists as scopes, keeping the current choice when it still exists."""
        current = self.scope_list_id()
        self.scope.blockSignals(True)
        self.scope.clear()
        self.scope.addItem("Whole library", None)
        for list_id, name in lists:
            self.scope.addItem(f"Reading list: {name}", list_id)
        index = self.scope.findData(current) if current is not None else 0
        self.scope.setCurrentIndex(max(0, index))
        self.scope.blockSignals(False)
        if current is not None and index < 0:
            self.sig_refresh_requested.emit()

    @Slot()
    def _refresh_scopes(self) -> None:
        if self.list_source is not None:
            self.set_reading_lists(self.list_source())

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setToolTip(text)  # the label may be cut short in a narrow dock

    def show_working(self) -> None:
        self._say("Looking for missing works…")

    def show_error(self, message: str) -> None:
        self._say(f"Could not list missing works: {message}")

    def set_works(self, works: list[dict[str, Any]]) -> None:
        self.works = list(works)
        self.table.setRowCount(len(self.works))
        for row, work in enumerate(self.works):
            cited = len(work.get("cited_by") or ())
            values = (work.get("title") or "(untitled)", _authors(work), str(work.get("year") or ""),
                      work.get("doi") or "", str(cited))
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column == 0:
                    item.setToolTip(value)
                if column == 3 and value:
                    item.setToolTip("Double-click to open the DOI")
                if column == 4:
                    citing = list(work.get("citing_titles") or ())
                    more = f"\n… and {len(citing) - CITING_NAMED} more" if len(citing) > CITING_NAMED else ""
                    item.setToolTip("Cited by:\n" + "\n".join(f"• {title}" for title in citing[:CITING_NAMED]) + more)
                self.table.setItem(row, column, item)
        self.table.clearSelection()  # the rows moved: a second "Add as placeholder" must not add another work
        self._say(f"{count_of(len(self.works), 'work')} cited by two or more papers"
                  if self.works else "Nothing missing: no work outside the library is cited twice")
        self._update_buttons()

    def selected_work(self) -> dict[str, Any] | None:
        rows = self.table.selectionModel().selectedRows()
        return self.works[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        self.export_button.setEnabled(bool(self.works))
        self.placeholder_button.setEnabled(self.selected_work() is not None)

    @Slot()
    def _placeholder(self) -> None:
        work = self.selected_work()
        if work is not None:
            self.sig_placeholder_requested.emit(work)

    @Slot(int, int)
    def _open_doi(self, row: int, column: int) -> None:
        if not 0 <= row < len(self.works):
            return
        doi = self.works[row].get("doi")
        if doi:
            QDesktopServices.openUrl(QUrl(f"https://doi.org/{doi}"))
        else:
            self._say("No DOI to open for this work: export the list, or search for its title")
