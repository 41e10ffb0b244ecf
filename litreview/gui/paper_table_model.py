"""The library table: a QAbstractTableModel over paper ids whose rows are fetched lazily, a page at a time.

Only the ids of the current order and filter are held in memory (a 100,000-paper library is 100,000 ints);
`canFetchMore`/`fetchMore` grow the visible row count as the view scrolls, and the display fields of a row are
read in pages of `page_size` from the GUI thread's read-only connection, with a small LRU cache of pages.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt

from litreview.gui.library_reader import LibraryReader, PaperRow

PAPER_IDS_MIME = "application/x-litreview-paper-ids"
COLUMNS: tuple[tuple[str, str], ...] = (
    ("title", "Title"),
    ("authors", "Authors"),
    ("year", "Year"),
    ("venue", "Venue"),
    ("added", "Added"),
    ("status", "Status"),
)
PaperIdRole = Qt.ItemDataRole.UserRole + 1

ModelIndex = QModelIndex | QPersistentModelIndex


def encode_paper_ids(ids: Sequence[int]) -> QMimeData:
    mime = QMimeData()
    mime.setData(PAPER_IDS_MIME, ",".join(str(int(pid)) for pid in ids).encode("ascii"))
    return mime


def decode_paper_ids(mime: QMimeData) -> list[int]:
    if not mime.hasFormat(PAPER_IDS_MIME):
        return []
    raw = bytes(mime.data(PAPER_IDS_MIME).data()).decode("ascii")
    return [int(part) for part in raw.split(",") if part.strip().isdigit()]


class PaperTableModel(QAbstractTableModel):
    """Lives on the GUI thread. `reload()` re-reads the ids (after an import, a filter or a sort)."""

    def __init__(self, reader: LibraryReader, *, page_size: int = 200, fetch_chunk: int = 2000, parent=None) -> None:
        super().__init__(parent)
        self.reader = reader
        self.page_size = page_size
        self.fetch_chunk = fetch_chunk
        self._ids: list[int] = []
        self._visible = 0
        self._pages: OrderedDict[int, dict[int, PaperRow]] = OrderedDict()
        self._sort = ("added", True)
        self._filter = ""
        self._pinned: list[int] | None = None  # ranked search results shown instead of the library

    # -- what is shown -----------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-read ids for the current sort/filter (or pinned results) and drop cached pages."""
        self.beginResetModel()
        if self._pinned is not None:
            self._ids = list(self._pinned)
        else:
            self._ids = self.reader.paper_ids(sort=self._sort[0], descending=self._sort[1], text_filter=self._filter)
        self._visible = min(len(self._ids), self.fetch_chunk)
        self._pages.clear()
        self.endResetModel()

    def refresh_rows(self) -> None:
        """Keep the ids, re-read the displayed fields (a paper was edited or embedded)."""
        self._pages.clear()
        if self._visible:
            self.dataChanged.emit(self.index(0, 0), self.index(self._visible - 1, len(COLUMNS) - 1))

    def set_filter(self, text: str) -> None:
        if text != self._filter or self._pinned is not None:
            self._filter = text
            self._pinned = None
            self.reload()

    def show_results(self, ids: Sequence[int]) -> None:
        """Show these papers in this order (ranked search results) until `clear_results()`."""
        seen: dict[int, None] = dict.fromkeys(int(pid) for pid in ids)
        self._pinned = list(seen)
        self.reload()

    def clear_results(self) -> None:
        if self._pinned is not None:
            self._pinned = None
            self.reload()

    @property
    def showing_results(self) -> bool:
        return self._pinned is not None

    @property
    def total(self) -> int:
        """Rows available (fetched or not)."""
        return len(self._ids)

    # -- ids <-> rows ------------------------------------------------------------------------------------------
    def paper_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < self._visible else None

    def row_of(self, paper_id: int) -> int | None:
        """The row of a paper, fetching more rows if it is further down. None if filtered out."""
        try:
            row = self._ids.index(paper_id)
        except ValueError:
            return None
        if row >= self._visible:
            self.beginInsertRows(QModelIndex(), self._visible, row)
            self._visible = row + 1
            self.endInsertRows()
        return row

    def _row_data(self, row: int) -> PaperRow | None:
        page_no = row // self.page_size
        page = self._pages.get(page_no)
        if page is None:
            start = page_no * self.page_size
            page = self.reader.rows(self._ids[start : start + self.page_size])
            self._pages[page_no] = page
            while len(self._pages) > 64:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        return page.get(self._ids[row])

    # -- QAbstractTableModel -----------------------------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's own default)
        return 0 if parent.isValid() else self._visible

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: ModelIndex) -> bool:
        return not parent.isValid() and self._visible < len(self._ids)

    def fetchMore(self, parent: ModelIndex) -> None:
        if parent.isValid():
            return
        count = min(self.fetch_chunk, len(self._ids) - self._visible)
        if count <= 0:
            return
        self.beginInsertRows(QModelIndex(), self._visible, self._visible + count - 1)
        self._visible += count
        self.endInsertRows()

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < self._visible):
            return None
        if role == PaperIdRole:
            return self._ids[index.row()]
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        row = self._row_data(index.row())
        if row is None:
            return None
        key = COLUMNS[index.column()][0]
        value = row.status if key == "status" else getattr(row, key)
        if role == Qt.ItemDataRole.ToolTipRole and key not in ("title", "authors", "venue"):
            return None
        return "" if value is None else str(value) if key != "year" else value

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][1] if 0 <= section < len(COLUMNS) else None
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self._sort = (COLUMNS[column][0], order == Qt.SortOrder.DescendingOrder)
        if self._pinned is None:
            self.reload()

    def mimeTypes(self) -> list[str]:
        return [PAPER_IDS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = sorted({index.row() for index in indexes if index.isValid()})
        return encode_paper_ids([self._ids[row] for row in rows])

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction
