"""The details pane: one paper's metadata with DOI/arXiv links, its PDF, warnings, and in-place editing."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)


def paper_html(paper: dict[str, Any]) -> str:
    """The paper as rich text for the read view (escaped; links for DOI, arXiv and the PDF)."""
    esc = html.escape
    authors = ", ".join(str(a) for a in paper.get("authors") or []) or "Unknown authors"
    meta = " · ".join(str(part) for part in (paper.get("year"), paper.get("venue")) if part)
    parts = [f"<h2 style='margin-bottom:4px'>{esc(paper.get('title') or '(untitled)')}</h2>"]
    parts.append(f"<p style='margin-top:0'>{esc(authors)}" + (f"<br><i>{esc(meta)}</i>" if meta else "") + "</p>")
    links = []
    if paper.get("doi"):
        doi = str(paper["doi"])
        links.append(f"DOI <a href='https://doi.org/{esc(doi, quote=True)}'>{esc(doi)}</a>")
    if paper.get("arxiv_id"):
        arxiv = str(paper["arxiv_id"])
        links.append(f"arXiv <a href='https://arxiv.org/abs/{esc(arxiv, quote=True)}'>{esc(arxiv)}</a>")
    for path in paper.get("files") or []:
        url = QUrl.fromLocalFile(str(path)).toString()
        links.append(f"<a href='{esc(url, quote=True)}'>Open PDF</a> <small>{esc(Path(path).name)}</small>")
    if links:
        parts.append("<p>" + "<br>".join(links) + "</p>")
    warnings = paper.get("warnings") or []
    if warnings:
        items = "".join(f"<li>{esc(str(w))}</li>" for w in warnings)
        parts.append(f"<p style='color:#b36b00'><b>Extraction warnings</b> (use Edit to fix):</p><ul>{items}</ul>")
    abstract = paper.get("abstract")
    parts.append("<h4>Abstract</h4>")
    parts.append(f"<p>{esc(abstract)}</p>" if abstract else "<p><i>No abstract found.</i></p>")
    return "".join(parts)


class DetailsPane(QWidget):
    """Shows a paper; "Edit" swaps in editors for title and abstract and "Save" emits `sig_edit_requested`.

    Links open in the desktop's browser or PDF viewer through QDesktopServices.
    """

    sig_edit_requested = Signal(int, str, str)  # paper id, title, abstract

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._paper: dict[str, Any] | None = None
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._open_link)
        self.browser.setPlaceholderText("Select a paper, or drop PDFs and .bib files anywhere on the window.")
        self.title_edit = QLineEdit()
        self.abstract_edit = QPlainTextEdit()
        editor = QWidget()
        form = QFormLayout(editor)
        form.addRow("Title", self.title_edit)
        form.addRow("Abstract", self.abstract_edit)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.browser)
        self.stack.addWidget(editor)
        self.edit_button = QPushButton("Edit")
        self.edit_button.setToolTip("Fix a wrongly extracted title or abstract (the paper is re-embedded)")
        self.save_button = QPushButton("Save")
        self.cancel_button = QPushButton("Cancel")
        self.edit_button.clicked.connect(self.start_editing)
        self.save_button.clicked.connect(self._save)
        self.cancel_button.clicked.connect(self.stop_editing)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.edit_button, self.save_button, self.cancel_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.stack, 1)
        layout.addLayout(buttons)
        self.show_paper(None)

    @property
    def paper_id(self) -> int | None:
        return int(self._paper["id"]) if self._paper else None

    @property
    def editing(self) -> bool:
        return self.stack.currentIndex() == 1

    def text(self) -> str:
        """The shown paper as plain text."""
        return self.browser.toPlainText()

    def show_paper(self, paper: dict[str, Any] | None) -> None:
        self._paper = paper
        self.stop_editing()
        if paper is None:
            self.browser.clear()
        else:
            self.browser.setHtml(paper_html(paper))
        self.edit_button.setEnabled(paper is not None)

    @Slot()
    def start_editing(self) -> None:
        if self._paper is None:
            return
        self.title_edit.setText(self._paper.get("title") or "")
        self.abstract_edit.setPlainText(self._paper.get("abstract") or "")
        self.stack.setCurrentIndex(1)
        self._set_editing(True)
        self.title_edit.setFocus()

    @Slot()
    def stop_editing(self) -> None:
        self.stack.setCurrentIndex(0)
        self._set_editing(False)

    def _set_editing(self, editing: bool) -> None:
        self.edit_button.setVisible(not editing)
        self.save_button.setVisible(editing)
        self.cancel_button.setVisible(editing)

    @Slot()
    def _save(self) -> None:
        if self._paper is None:
            return
        self.sig_edit_requested.emit(
            int(self._paper["id"]), self.title_edit.text().strip(), self.abstract_edit.toPlainText().strip()
        )
        self.stop_editing()

    @Slot(QUrl)
    def _open_link(self, url: QUrl) -> None:
        """DOI/arXiv pages and the paper's PDFs; never another local file (a shared library could point at one)."""
        if url.isLocalFile() and not url.toLocalFile().lower().endswith(".pdf"):
            return
        if url.scheme() not in ("https", "http", "file"):
            return
        QDesktopServices.openUrl(url)
