"""The Passages search results (issue 19): paper, page and snippet with the query's words highlighted;
double-click (or Enter) asks for the reader at that page."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

SNIPPET_CHARS = 260
_WORD = re.compile(r"\w+", re.UNICODE)


def highlighted_snippet(text: str, query: str, limit: int = SNIPPET_CHARS) -> str:
    """HTML of `text` around the first query word it holds, each query word in bold on yellow."""
    words = {w.lower() for w in _WORD.findall(query) if len(w) > 1}
    matches = [m for m in _WORD.finditer(text) if m.group().lower() in words]
    start = max(0, matches[0].start() - limit // 4) if matches else 0
    end = min(len(text), start + limit)
    parts, last = [], start
    for m in matches:
        if m.start() < start or m.end() > end:
            continue
        parts.append(html.escape(text[last:m.start()]))
        parts.append(f"<b style='background-color:#ffe066'>{html.escape(m.group())}</b>")
        last = m.end()
    parts.append(html.escape(text[last:end]))
    return ("…" if start > 0 else "") + "".join(parts) + ("…" if end < len(text) else "")


class PassageResultsPanel(QWidget):
    """A list of PassageResult (litreview.analysis.passage_answers); emits the one to open."""

    sig_open_requested = Signal(object)  # PassageResult

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.itemActivated.connect(self._activated)
        self.list.itemDoubleClicked.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)
        self.results: tuple = ()

    def show_answer(self, answer) -> None:
        """Show a PassageAnswer."""
        self.list.clear()
        self.results = tuple(answer.results)
        self.summary.setText(f"{len(self.results)} passages for “{answer.query}” ({answer.mode})")
        for row, result in enumerate(self.results):
            self._add_row(row, result, f"<b>{html.escape(result.title or f'paper {result.paper_id}')}</b> — page "
                                       f"{result.page}<br>{highlighted_snippet(result.text, answer.query)}")
        if self.results:
            self.list.setCurrentRow(0)

    def show_evidence(self, answer) -> None:
        """Show an EvidenceAnswer: each pair as two rows (the selected paper's passage, then the related one's)."""
        self.list.clear()
        self.results = tuple(side for left, right, _ in answer.pairs for side in (left, right))
        if not answer.pairs:
            self.summary.setText("No evidence: one of the papers has no indexed passages (import its PDF).")
            return
        self.summary.setText(f"{len(answer.pairs)} closest passage pairs; double-click one to read it")
        for row, result in enumerate(self.results):
            number, side = divmod(row, 2)
            head = f"Pair {number + 1} ({result.score:.2f})" if side == 0 else "↔"
            self._add_row(row, result, (
                f"<b>{head}</b> {html.escape(result.title or f'paper {result.paper_id}')} — page {result.page}<br>"
                f"{html.escape(result.text[:SNIPPET_CHARS])}{'…' if len(result.text) > SNIPPET_CHARS else ''}"
            ))

    def _add_row(self, row: int, result, text: str) -> None:
        """One result as a list row: `text` (rich text) in a label, the passage in the tooltip, `row` as its data."""
        item = QListWidgetItem()
        item.setData(Qt.ItemDataRole.UserRole, row)
        item.setToolTip(result.text)
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        item.setSizeHint(label.sizeHint())
        self.list.addItem(item)
        self.list.setItemWidget(item, label)

    def show_error(self, message: str) -> None:
        self.list.clear()
        self.results = ()
        self.summary.setText(f"Failed: {message}")

    def label_html(self, row: int) -> str:
        widget = self.list.itemWidget(self.list.item(row))
        return widget.text() if isinstance(widget, QLabel) else ""

    def _activated(self, item: QListWidgetItem) -> None:
        self.sig_open_requested.emit(self.results[int(item.data(Qt.ItemDataRole.UserRole))])
