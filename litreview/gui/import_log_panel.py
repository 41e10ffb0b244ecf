"""The import log panel: every file or entry that failed (or imported with a warning), with the reason.

A text file that was not read as plain UTF-8 (its encoding guessed or named) can be imported again with another
encoding: the panel offers the common ones and emits `sig_reimport(path, encoding)`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMenu,
    QTableView,
    QToolButton,
    QWidget,
)

from litreview.gui.panel_layout import panel_rows

ModelIndex = QModelIndex | QPersistentModelIndex

# (Python codec, what the user reads): the encodings text exports and .bib files are found in.
ENCODINGS = (
    ("utf-8", "Unicode (UTF-8)"),
    ("gbk", "Chinese, simplified (GBK)"),
    ("big5", "Chinese, traditional (Big5)"),
    ("cp949", "Korean (CP949 / EUC-KR)"),
    ("shift_jis", "Japanese (Shift JIS)"),
    ("euc_jp", "Japanese (EUC-JP)"),
    ("cp1252", "Western European (Windows-1252)"),
    ("latin-1", "Western European (ISO-8859-1)"),
    ("cp1250", "Central European (Windows-1250)"),
    ("cp1251", "Cyrillic (Windows-1251)"),
)
# The import log's notice for a file not read as plain UTF-8 (litreview.ingest.bibtex.DecodedBib.notice).
_ENCODING_NOTICE = re.compile(r"\bread as [\w-]+")


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

    def row(self, number: int) -> dict[str, Any] | None:
        return self._rows[number] if 0 <= number < len(self._rows) else None


def rereadable_path(row: dict[str, Any] | None) -> str | None:
    """The file of a log row that says how its encoding was chosen, when the file is still there."""
    if not row or not _ENCODING_NOTICE.search(row.get("reason") or ""):
        return None
    path = row.get("path") or ""
    return path if Path(path).is_file() else None


class ImportLogPanel(QWidget):
    sig_reimport = Signal(str, str)  # path, encoding: import this file again, read with that encoding

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ImportLogModel(self)
        self.summary = QLabel("No failed imports.")
        self.reimport_button = QToolButton()
        self.reimport_button.setText("Re-import with encoding…")
        self.reimport_button.setToolTip("Names or titles look wrong? Import the selected file again, read with "
                                        "another encoding; its papers are updated, not added twice.")
        self.reimport_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.encoding_menu = QMenu(self.reimport_button)
        for codec, name in ENCODINGS:
            action = self.encoding_menu.addAction(f"{name} — {codec}")
            action.setData(codec)
        self.encoding_menu.triggered.connect(self._encoding_chosen)
        self.reimport_button.setMenu(self.encoding_menu)
        self.reimport_button.setEnabled(False)
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
        self.view.selectionModel().currentRowChanged.connect(self._update_reimport)
        self.model.modelReset.connect(self._update_reimport)
        panel_rows(self, (self.summary, self.reimport_button), self.view)

    def selected_file(self) -> str | None:
        """The file of the selected row when it can be read again with another encoding."""
        return rereadable_path(self.model.row(self.view.currentIndex().row()))

    @Slot()
    def _update_reimport(self) -> None:
        self.reimport_button.setEnabled(self.selected_file() is not None)

    @Slot(object)
    def _encoding_chosen(self, action) -> None:  # noqa: ANN001 (a QAction)
        path = self.selected_file()
        if path is not None:
            self.sig_reimport.emit(path, str(action.data()))

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.model.set_rows(rows)
        failed = sum(1 for row in rows if row.get("outcome") == "failed")
        warned = len(rows) - failed
        self.summary.setText(
            f"{failed} failed, {warned} with warnings (newest first)" if rows else "No failed imports."
        )
