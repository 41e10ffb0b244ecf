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
SCORE_COLUMN = ("score", "Score")  # shown after COLUMNS while ranked results are on screen (#15)
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
        self._ranked: list[int] = []  # the results in relevance order
        self._scores: dict[int, float] = {}
        self._result_sort: tuple[str, bool] = ("score", True)  # relevance until the user sorts by a column

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
            self.dataChanged.emit(self.index(0, 0), self.index(self._visible - 1, len(self._columns()) - 1))

    def set_filter(self, text: str) -> None:
        if text != self._filter or self._pinned is not None:
            self._filter = text
            self._pinned = None
            self.reload()

    def show_results(
        self, ids: Sequence[int], scores: Sequence[float] | None = None, *, keep_sort: bool = False
    ) -> None:
        """Show these papers (ranked search results, best first) with their scores until `clear_results()`.
        They are shown in relevance order unless `keep_sort` keeps a column the user chose for these results."""
        seen: dict[int, None] = dict.fromkeys(int(pid) for pid in ids)
        self._ranked = list(seen)
        self._scores = {int(pid): float(score) for pid, score in zip(ids, scores, strict=True)} if scores else {}
        if not keep_sort:
            self._result_sort = ("score", True)
        self._pinned = self._sorted_results()
        self.reload()

    def _sorted_results(self) -> list[int]:
        key, descending = self._result_sort
        if key == "score":
            return list(self._ranked) if descending else self._ranked[::-1]
        rows = self.reader.rows(self._ranked)

        def value(pid: int) -> tuple[bool, object]:
            row = rows.get(pid)
            field = None if row is None else row.status if key == "status" else getattr(row, key)
            if isinstance(field, str):
                field = field.casefold()
            return (field is None or field == "", field if field is not None else "")

        present = [pid for pid in self._ranked if not value(pid)[0]]
        missing = [pid for pid in self._ranked if value(pid)[0]]  # empty values last in either order
        return sorted(present, key=lambda pid: value(pid)[1], reverse=descending) + missing  # type: ignore[arg-type,return-value]

    def header_sort(self) -> tuple[int, Qt.SortOrder]:
        """The column and order the header's sort arrow should show: Score while results are in relevance order."""
        key, descending = self._result_sort if self._pinned is not None else self._sort
        keys = [k for k, _ in self._columns()]
        column = keys.index(key) if key in keys else 0
        return column, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder

    def _columns(self) -> tuple[tuple[str, str], ...]:
        return COLUMNS + (SCORE_COLUMN,) if self._pinned is not None else COLUMNS

    def clear_results(self) -> None:
        if self._pinned is not None:
            self._pinned = None
            self._ranked, self._scores = [], {}
            self.reload()

    @property
    def result_count(self) -> int:
        """How many ranked results are shown (0 when the library is)."""
        return len(self._ranked) if self._pinned is not None else 0

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
        return 0 if parent.isValid() else len(self._columns())

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
        key = self._columns()[index.column()][0]
        if key == "score":
            score = self._scores.get(self._ids[index.row()])
            return None if score is None or role != Qt.ItemDataRole.DisplayRole else f"{score:.3f}"
        value = row.status if key == "status" else getattr(row, key)
        if role == Qt.ItemDataRole.ToolTipRole and key not in ("title", "authors", "venue"):
            return None
        return "" if value is None else str(value) if key != "year" else value

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            columns = self._columns()
            return columns[section][1] if 0 <= section < len(columns) else None
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        columns = self._columns()
        if not 0 <= column < len(columns):
            return
        chosen = (columns[column][0], order == Qt.SortOrder.DescendingOrder)
        if self._pinned is None:
            if chosen == self._sort:
                return
            self._sort = chosen
        elif chosen != self._result_sort:
            self._result_sort = chosen  # the user sorts the results by a column knowingly (#15)
            self._pinned = self._sorted_results()
        else:
            return
        self.reload()

    def mimeTypes(self) -> list[str]:
        return [PAPER_IDS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = sorted({index.row() for index in indexes if index.isValid()})
        return encode_paper_ids([self._ids[row] for row in rows])

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction
