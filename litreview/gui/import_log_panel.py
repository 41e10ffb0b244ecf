"""The import log panel: every file or entry that failed (or imported with a warning), with the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

ModelIndex = QModelIndex | QPersistentModelIndex


class ImportLogModel(QAbstractTableModel):
    HEADERS = ("When", "File", "Entry", "Outcome", "Reason")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[dict[str, Any]] = []

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return (row.get("at") or "").replace("T", " ").rstrip("Z")
            if column == 1:
                return Path(row.get("path") or "").name
            if column == 2:
                entry = row.get("entry") or ""
                return f"{entry} (line {row['line']})" if row.get("line") else entry
            if column == 3:
                return row.get("outcome") or ""
            return row.get("reason") or ""
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.get("path") if column == 1 else row.get("reason")
        if role == Qt.ItemDataRole.ForegroundRole and column == 3 and row.get("outcome") == "failed":
            return QBrush(QColor("#c0392b"))
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return None

    def reasons(self) -> list[tuple[str, str]]:
        return [(row.get("path") or "", row.get("reason") or "") for row in self._rows]


class ImportLogPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ImportLogModel(self)
        self.summary = QLabel("No failed imports.")
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().hide()
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((140, 220, 120, 70)):
            header.resizeSection(column, width)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.model.set_rows(rows)
        failed = sum(1 for row in rows if row.get("outcome") == "failed")
        warned = len(rows) - failed
        self.summary.setText(
            f"{failed} failed, {warned} with warnings (newest first)" if rows else "No failed imports."
        )
