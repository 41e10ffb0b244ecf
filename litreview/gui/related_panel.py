"""The related-work panel: top-k related papers with a score bar, the number, and why: the references both cite
(when citations tie them), then the terms they share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QPoint, QRect, Qt, Signal, Slot
from PySide6.QtGui import QAction, QFont, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from litreview.core.text import count_of
from litreview.gui.paper_table_model import PaperIdRole, encode_paper_ids

if TYPE_CHECKING:
    from litreview.analysis.list_suggestions import MissingSuggestion
    from litreview.analysis.related import RelatedResult
    from litreview.workers.messages import Reply

ScoreRole = Qt.ItemDataRole.UserRole + 2
ModelIndex = QModelIndex | QPersistentModelIndex


class RelatedModel(QAbstractTableModel):
    """Read-only rows of one RelatedAnswer: score, title (year), why. After the library's papers, list suggestions
    may hold works the library lacks (`missing`): shown in italics as "not in library", with no paper id."""

    HEADERS = ("Similarity", "Paper", "Why")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._results: tuple[RelatedResult, ...] = ()
        self._missing: tuple[MissingSuggestion, ...] = ()

    def set_results(self, results: Sequence[RelatedResult], missing: Sequence[MissingSuggestion] = ()) -> None:
        self.beginResetModel()
        self._results, self._missing = tuple(results), tuple(missing)
        self.endResetModel()

    @property
    def results(self) -> tuple[RelatedResult, ...]:
        return self._results

    @property
    def missing(self) -> tuple[MissingSuggestion, ...]:
        """The rows after the library's papers: works cited by the library that it lacks."""
        return self._missing

    def missing_at(self, row: int) -> MissingSuggestion | None:
        """The missing work shown in `row`, or None for a library paper's row."""
        offset = row - len(self._results)
        return self._missing[offset] if 0 <= offset < len(self._missing) else None

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._results) + len(self._missing)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        work = self.missing_at(index.row())
        if work is not None:
            return self._missing_data(work, index.column(), role)
        result = self._results[index.row()]
        if role == PaperIdRole:
            return result.paper_id
        if role == ScoreRole:
            return result.score
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return f"{result.score:.2f}"
            if column == 1:
                return f"{result.title} ({result.year})" if result.year else result.title
            return ", ".join(result.why)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 2 and result.why:
                return "\n".join(result.why)
            if column == 1:
                return result.title
        return None

    @staticmethod
    def _missing_data(work: MissingSuggestion, column: int, role: int):
        if role == ScoreRole:
            return work.score
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return f"{work.score:.2f}"
            if column == 1:
                title = f"{work.title} ({work.year})" if work.year else work.title
                return f"{title} · not in library"
            return ", ".join(work.why)
        if role == Qt.ItemDataRole.ToolTipRole:
            cited = count_of(work.cited_by, "paper")
            return (f"{work.title}\nNot in your library: cited by {cited} of it. Right-click to add it as a "
                    "placeholder.")
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self.missing_at(index.row()) is not None:  # no paper to drag onto a list
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def mimeTypes(self) -> list[str]:
        from litreview.gui.paper_table_model import PAPER_IDS_MIME

        return [PAPER_IDS_MIME]

    def mimeData(self, indexes):
        rows = sorted({i.row() for i in indexes if i.isValid() and i.row() < len(self._results)})
        return encode_paper_ids([self._results[r].paper_id for r in rows])


class ScoreBarDelegate(QStyledItemDelegate):
    """Paints the similarity as a bar (cosine 0..1) with the number on top."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        score = index.data(ScoreRole)
        if score is None:
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget else None
        if style is not None:
            text = option.text
            option.text = ""
            style.drawControl(style.ControlElement.CE_ItemViewItem, option, painter, option.widget)
            option.text = text
        rect = option.rect.adjusted(4, 5, -4, -5)
        fraction = max(0.0, min(1.0, float(score)))
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        palette = option.palette
        painter.setBrush(palette.color(QPalette.ColorRole.Midlight))
        painter.drawRoundedRect(rect, 3, 3)
        painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
        painter.drawRoundedRect(QRect(rect.left(), rect.top(), int(rect.width() * fraction), rect.height()), 3, 3)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(option.rect, Qt.AlignmentFlag.AlignCenter, f"{score:.2f}")
        painter.restore()


class RelatedPanel(QWidget):
    """Shows the latest answer only; `expect(paper_id)` marks a request in flight so no stale rows remain.

    Emits `sig_navigate_requested(paper_id)` on double-click, `sig_add_to_list_requested(list_id, ids)` and
    `sig_export_requested(ids)` from the context menu.
    """

    sig_navigate_requested = Signal(int)
    sig_add_to_list_requested = Signal(int, object)
    sig_export_requested = Signal(object)
    sig_evidence_requested = Signal(int, int)  # (selected paper, related paper): passage evidence (issue 19)
    sig_more_like_list_requested = Signal(int, str)  # (list id, name): "More like this reading list" (issue 18)
    sig_dismiss_requested = Signal(int, object)  # (list id, ids): suggestions dismissed (-work id: a missing work)
    sig_placeholder_requested = Signal(int, object)  # (list id, missing_works item): add it as a placeholder

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = RelatedModel(self)
        self.status = QLabel("Select a paper to see related work.")
        self.status.setWordWrap(True)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setItemDelegateForColumn(0, ScoreBarDelegate(self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setDragEnabled(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.view.verticalHeader().hide()
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(0, 74)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(2, 150)
        header.setMinimumSectionSize(40)
        self.view.doubleClicked.connect(self._activated)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        # "More like this reading list" (issue 18): ranks the library with a list's papers as the positives;
        # beside the status line, so the panel is no taller than before
        self.more_button = QToolButton(text="More like a list")
        self.more_button.setToolTip("More like this reading list: rank the library with the list as examples")
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more_button.setMenu(QMenu(self.more_button))
        self.more_button.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self._list_query: tuple[int, str] | None = None
        self._query_id: int | None = None
        self._query_title = ""
        self._lists: list[tuple[int, str]] = []

    def set_reading_lists(self, lists: Sequence[tuple[int, str]]) -> None:
        self._lists = list(lists)
        menu = self.more_button.menu()
        menu.clear()
        ask = self.sig_more_like_list_requested
        for list_id, name in self._lists:
            action = menu.addAction(name)
            action.triggered.connect(lambda _=False, lid=list_id, n=name: ask.emit(lid, n))
        self.more_button.setEnabled(bool(self._lists))

    def expect_list(self, list_id: int, name: str) -> None:
        """Suggestions for reading list `list_id` are asked: clear the rows; related answers no longer show."""
        self._query_id, self._list_query = None, (list_id, name)
        self.model.set_results(())
        self.status.setText(f"Ranking the library like “{name}”…")

    @Slot(object)
    def show_list_answer(self, reply: Reply) -> None:
        """Show a `ListAnswer` if it is for the list expected."""
        answer = self._awaited(reply, "list_id", self._list_query[0] if self._list_query else None)
        if answer is None:
            return
        self.model.set_results(answer.results, answer.missing)
        count, name = len(answer.results), self._list_query[1]
        text = f"{count_of(count, 'paper')} like the reading list “{name}”"
        if answer.missing:
            text += f", then {count_of(len(answer.missing), 'work')} not in the library"
        self.status.setText(text if count or answer.missing else f"Nothing to suggest for “{name}” (is it empty?).")

    def _awaited(self, reply: Reply, key: str, expected: int | None) -> Any:
        """The reply's answer when one is awaited and it is for `expected` (its `key`), else None; an error reply
        for an awaited answer is shown in place of the rows."""
        if expected is None:
            return None
        if reply.error:
            self.model.set_results(())
            self.status.setText(reply.error)
            return None
        return reply.value if getattr(reply.value, key) == expected else None

    def expect(self, paper_id: int, title: str) -> None:
        """A request for `paper_id` is in flight: clear the old rows now so they can never be mistaken."""
        self._query_id, self._query_title, self._list_query = paper_id, title, None
        self.model.set_results(())
        self.status.setText(f"Finding papers related to “{title}”…")

    def clear(self) -> None:
        self._query_id = self._list_query = None
        self.model.set_results(())
        self.status.setText("Select a paper to see related work.")

    @Slot(object)
    def show_answer(self, reply: Reply) -> None:
        """Show a reply to "find related" (a RelatedAnswer, or why there is none) if it is for the paper expected."""
        answer = self._awaited(reply, "paper_id", self._query_id)
        if answer is None:
            return
        self.model.set_results(answer.results)
        count = len(answer.results)
        self.status.setText(
            f"{count_of(count, 'paper')} related to “{self._query_title}”" if count else "No related papers yet."
        )

    def selected_ids(self) -> list[int]:
        """The selected library papers (not the missing works)."""
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [self.model.results[r].paper_id for r in rows if r < len(self.model.results)]

    def selected_missing(self) -> list[MissingSuggestion]:
        """The selected works that are not in the library."""
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [work for work in map(self.model.missing_at, rows) if work is not None]

    @Slot(QModelIndex)
    def _activated(self, index: QModelIndex) -> None:
        pid = index.data(PaperIdRole)
        if pid is not None:
            self.sig_navigate_requested.emit(int(pid))

    @Slot(QPoint)
    def _context_menu(self, pos: QPoint) -> None:
        ids, works = self.selected_ids(), self.selected_missing()
        index = self.view.indexAt(pos)
        if not ids and not works and index.isValid():
            work = self.model.missing_at(index.row())
            ids, works = ([], [work]) if work is not None else ([int(index.data(PaperIdRole))], [])
        if not ids and not works:
            return
        menu = QMenu(self)
        if works and self._list_query is not None:  # list suggestions the library lacks (issue 18)
            self._missing_actions(menu, self._list_query[0], works)
        if not ids:
            menu.exec(self.view.viewport().mapToGlobal(pos))
            return
        open_action = QAction("Show paper", menu)
        open_action.triggered.connect(lambda: self.sig_navigate_requested.emit(ids[0]))
        menu.addAction(open_action)
        if self._query_id is not None:  # passage evidence (issue 19)
            evidence = menu.addAction("Show evidence (closest passages)")
            evidence.triggered.connect(lambda: self.sig_evidence_requested.emit(self._query_id, ids[0]))
        if self._list_query is not None:  # suggestions for a list: dismissing one teaches the ranker (issue 18)
            list_id = self._list_query[0]
            dismiss = menu.addAction("Dismiss suggestion")
            dismiss.triggered.connect(lambda: self.sig_dismiss_requested.emit(list_id, ids))
        add_menu = menu.addMenu("Add to reading list")
        add_menu.setEnabled(bool(self._lists))
        for list_id, name in self._lists:
            action = QAction(name, add_menu)
            action.triggered.connect(lambda _=False, lid=list_id: self.sig_add_to_list_requested.emit(lid, ids))
            add_menu.addAction(action)
        export_all = QAction("Export these results…", menu)
        export_all.triggered.connect(lambda: self.sig_export_requested.emit([r.paper_id for r in self.model.results]))
        menu.addAction(export_all)
        menu.exec(self.view.viewport().mapToGlobal(pos))

    def _missing_actions(self, menu: QMenu, list_id: int, works: Sequence[MissingSuggestion]) -> None:
        """'Add as placeholder' (the first selected work) and 'Dismiss' for suggestions not in the library."""
        add = menu.addAction("Add as placeholder (not in library)")
        add.triggered.connect(lambda: self.sig_placeholder_requested.emit(list_id, dict(works[0].work)))
        drop = menu.addAction("Dismiss work" if len(works) == 1 else f"Dismiss {len(works)} works")
        drop.triggered.connect(lambda: self.sig_dismiss_requested.emit(list_id, [w.dismiss_id for w in works]))
        menu.addSeparator()
