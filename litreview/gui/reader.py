"""The in-app reader (issue 19): a PDF's pages rendered by PyMuPDF into a QImage, no extra Qt module.

Opens at a page with a passage's boxes highlighted; page up/down, zoom, find in the document. A standalone
widget: the main window opens it from passage results, related evidence and the details pane. The page shown is
rendered at once at the zoom shown; the pages before and after it are rendered ahead in a child process
(gui.page_cache), so turning a page shows a cached image.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeySequence, QPainter, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from litreview.gui.page_cache import PageCache

Box = tuple[float, float, float, float]

HIGHLIGHT = QColor(255, 210, 0, 110)  # passage boxes
FOUND = QColor(0, 140, 255, 90)  # find hits
ZOOMS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0)


class ReaderWidget(QWidget):
    """One PDF, one page at a time. `page` counts from 1 like the passages."""

    pageChanged = Signal(int)  # noqa: N815 - Qt naming

    def __init__(self, parent: QWidget | None = None, *, prefetch: bool = True) -> None:
        """`prefetch`: render the neighbouring pages ahead in a child process."""
        super().__init__(parent)
        self.pages = PageCache(self, in_child=prefetch)
        self._doc = None
        self._path: Path | None = None
        self._page = 1
        self._zoom_index = ZOOMS.index(1.25)
        self._highlights: dict[int, list[Box]] = {}
        self._found: dict[int, list[Box]] = {}
        self._find_text = ""

        self.image_label = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.scroll = QScrollArea(widgetResizable=True)
        self.scroll.setWidget(self.image_label)
        # The toolbar fits a narrow dock (#15): compact buttons, a find box that shrinks, and the status (file
        # name, page, zoom) on a line of its own, where a long name is cut instead of widening the window.
        self.status = QLabel()
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.previous_button = QToolButton(text="◀", toolTip="Previous page (Page Up)")
        self.next_button = QToolButton(text="▶", toolTip="Next page (Page Down)")
        self.zoom_out_button = QToolButton(text="−", toolTip="Zoom out (Ctrl+-)")
        self.zoom_in_button = QToolButton(text="+", toolTip="Zoom in (Ctrl++)")
        self.find_edit = QLineEdit(placeholderText="Find in document")
        self.find_edit.setMinimumWidth(60)
        self.find_button = QPushButton("Find next")
        self.previous_button.clicked.connect(self.previous_page)
        self.next_button.clicked.connect(self.next_page)
        self.zoom_out_button.clicked.connect(lambda: self.set_zoom_index(self._zoom_index - 1))
        self.zoom_in_button.clicked.connect(lambda: self.set_zoom_index(self._zoom_index + 1))
        self.find_edit.returnPressed.connect(self.find_next)
        self.find_button.clicked.connect(self.find_next)
        bar = QHBoxLayout()
        for widget in (self.previous_button, self.next_button, self.zoom_out_button, self.zoom_in_button):
            bar.addWidget(widget)
        bar.addWidget(self.find_edit, 1)
        bar.addWidget(self.find_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.scroll, 1)
        QShortcut(QKeySequence(Qt.Key.Key_PageDown), self, self.next_page)
        QShortcut(QKeySequence(Qt.Key.Key_PageUp), self, self.previous_page)
        QShortcut(QKeySequence.StandardKey.ZoomIn, self, lambda: self.set_zoom_index(self._zoom_index + 1))
        QShortcut(QKeySequence.StandardKey.ZoomOut, self, lambda: self.set_zoom_index(self._zoom_index - 1))
        QShortcut(QKeySequence.StandardKey.Find, self, self.find_edit.setFocus)

    # --- public API -----------------------------------------------------------------------------------
    def open(self, path: str | Path, page: int = 1, boxes: list[Box] | tuple[Box, ...] = ()) -> bool:
        """Show `path` at `page` with `boxes` (PDF points) highlighted there. False, with the reason shown,
        when the file cannot be opened."""
        from litreview.ingest.mupdf import load_pymupdf

        pymupdf = load_pymupdf()

        self.close_document()
        try:
            doc = pymupdf.open(str(path))
            if doc.needs_pass:
                doc.close()
                raise ValueError("the PDF is encrypted")
        except Exception as exc:  # noqa: BLE001 - any reason a file cannot be shown is told, not raised
            self.image_label.setPixmap(QPixmap())
            self.status.setText(f"cannot open {Path(path).name}: {exc}")
            return False
        self._doc, self._path = doc, Path(path)
        self._highlights = {page: [tuple(box) for box in boxes]} if boxes else {}
        self.go_to(page)
        return True

    def close_document(self) -> None:
        if self._doc is not None:
            self._doc.close()
            self.pages.forget(str(self._path))
        self._doc = None
        self._found.clear()
        self._find_text = ""

    @property
    def page(self) -> int:
        return self._page

    @property
    def page_count(self) -> int:
        return self._doc.page_count if self._doc is not None else 0

    @property
    def zoom(self) -> float:
        return ZOOMS[self._zoom_index]

    def go_to(self, page: int) -> None:
        if self._doc is None:
            return
        self._page = max(1, min(self.page_count, int(page)))
        self._render()
        self.pageChanged.emit(self._page)

    def next_page(self) -> None:
        self.go_to(self._page + 1)

    def previous_page(self) -> None:
        self.go_to(self._page - 1)

    def set_zoom_index(self, index: int) -> None:
        self._zoom_index = max(0, min(len(ZOOMS) - 1, index))
        self._render()

    def find_next(self, text: str | None = None) -> int | None:
        """Go to the next page (after the current one, wrapping) where `text` (default: the find box) occurs,
        its matches highlighted; the page, or None when the document has no match."""
        if self._doc is None:
            return None
        text = (self.find_edit.text() if text is None else text).strip()
        if not text:
            return None
        start = self._page if text == self._find_text else self._page - 1
        self._find_text = text
        self._found.clear()
        count = self.page_count
        for step in range(count):
            number = (start + step) % count
            rects = self._doc[number].search_for(text)
            if rects:
                self._found[number + 1] = [(r.x0, r.y0, r.x1, r.y1) for r in rects]
                self.go_to(number + 1)
                return number + 1
        self.status.setText(f"“{text}” not found")
        return None

    def rendered_image(self) -> QImage:
        """The page as shown (highlights painted), for tests and snapshots."""
        return self.image_label.pixmap().toImage()

    # --- drawing -----------------------------------------------------------------------------------------
    def _render(self) -> None:
        if self._doc is None:
            return
        zoom = self.zoom * self.devicePixelRatioF()
        try:
            image = self.pages.render(self._key(self._page), self._doc)
        except Exception as exc:  # noqa: BLE001 - a damaged page is reported on its own
            self.image_label.setPixmap(QPixmap())
            self.status.setText(f"page {self._page} cannot be shown: {exc}")
            return
        marks = ((self._highlights.get(self._page, []), HIGHLIGHT), (self._found.get(self._page, []), FOUND))
        if any(boxes for boxes, _ in marks):
            image = image.copy()  # the cached page stays clean
            painter = QPainter(image)
            for boxes, colour in marks:
                for x0, y0, x1, y1 in boxes:
                    painter.fillRect(QRectF(x0 * zoom, y0 * zoom, (x1 - x0) * zoom, (y1 - y0) * zoom), colour)
            painter.end()
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(self.devicePixelRatioF())
        self.image_label.setPixmap(pixmap)
        name = self._path.name if self._path else ""
        self.status.setText(f"{name}  page {self._page} of {self.page_count}  {round(self.zoom * 100)} %")
        self.previous_button.setEnabled(self._page > 1)
        self.next_button.setEnabled(self._page < self.page_count)
        if self._highlights.get(self._page):
            top = min(box[1] for box in self._highlights[self._page]) * self.zoom
            self.scroll.verticalScrollBar().setValue(max(0, int(top) - 40))
        self.pages.prefetch(self._key(page) for page in (self._page + 1, self._page - 1)
                            if 1 <= page <= self.page_count)

    def _key(self, page: int) -> tuple[str, int, float]:
        return str(self._path), page, round(self.zoom * self.devicePixelRatioF(), 4)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.close_document()
        self.pages.close()
        super().closeEvent(event)
