"""The Trash view (issue #14): what was deleted, with Restore and Empty trash. The window does the writes on the
worker; this dialog only shows entries and asks."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from litreview.core.text import count_of
from litreview.library.trash import TrashEntry


class TrashPanel(QDialog):
    """Lists trashed papers; `sig_restore_requested(ids)` and `sig_empty_requested()` go to the window."""

    sig_restore_requested = Signal(object)
    sig_empty_requested = Signal()

    HEADERS = ("Title", "Year", "Deleted", "Files", "Lists")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Trash")
        self.resize(640, 360)
        self.summary = QLabel()
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setHorizontalHeaderLabels(self.HEADERS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(0, self.table.horizontalHeader().ResizeMode.Stretch)
        self.restore_button = QPushButton("&Restore")
        self.empty_button = QPushButton("&Empty trash…")
        close = QPushButton("Close")
        self.restore_button.clicked.connect(self.request_restore)
        self.empty_button.clicked.connect(self.request_empty)
        close.clicked.connect(self.hide)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        buttons = QHBoxLayout()
        for button in (self.restore_button, self.empty_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.set_entries([])

    def set_entries(self, entries: Sequence[TrashEntry]) -> None:
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            values = (entry.title or "(untitled)", "" if entry.year is None else str(entry.year),
                      entry.deleted_at.replace("T", " ").rstrip("Z"), str(entry.files), str(entry.lists))
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, entry.paper_id)
                self.table.setItem(row, column, item)
        self.summary.setText(f"{count_of(len(entries), 'paper')} in the trash" if entries else "The trash is empty.")
        self.empty_button.setEnabled(bool(entries))
        self._update_buttons()

    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [int(self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)) for row in rows]

    def _update_buttons(self) -> None:
        self.restore_button.setEnabled(bool(self.selected_ids()))

    def request_restore(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.sig_restore_requested.emit(ids)

    def request_empty(self) -> None:
        count = self.table.rowCount()
        answer = QMessageBox.question(
            self, "Empty trash", f"Delete {count_of(count, 'paper')} for good? This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.sig_empty_requested.emit()
