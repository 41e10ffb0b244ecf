"""The details pane: one paper's metadata with DOI/arXiv links, its PDF, warnings, and in-place editing."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
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
    language = f" <small>({esc(paper['language'])})</small>" if paper.get("language") else ""
    parts.append(f"<h4>Abstract{language}</h4>")
    parts.append(f"<p>{esc(abstract)}</p>" if abstract else "<p><i>No abstract found.</i></p>")
    parts.append(translations_html(paper.get("translations") or []))
    return "".join(parts)


_FIELD_LABELS = {"title": "Title", "abstract": "Abstract", "keywords": "Keywords"}


def translations_html(translations: list[tuple[str, str, str]]) -> str:
    """The paper's title, abstract and keywords in other languages, each labelled with its language (#22)."""
    if not translations:
        return ""
    esc = html.escape
    parts = ["<h4>Translations</h4>"]
    for field, language, text in translations:
        label = f"{_FIELD_LABELS.get(field, field.title())} ({esc(language)})"
        body = f"<b>{esc(text)}</b>" if field == "title" else esc(text)
        parts.append(f"<p><i>{label}</i><br>{body}</p>")
    return "".join(parts)


def reference_label(reference: dict[str, Any]) -> str:
    """One line for a reference: first author, year and title when parsed (a reference without a title, as
    physics writes them, by its journal, volume and page), else the raw text."""
    authors = reference.get("authors") or []
    first = str(authors[0]).split(",")[0] if authors else ""
    who = first + (" et al." if len(authors) > 1 else "")
    head = " ".join(part for part in (who, f"({reference['year']})" if reference.get("year") else "") if part)
    title = reference.get("title")
    if not title and reference.get("venue") and reference.get("volume"):
        pages = f", {reference['pages']}" if reference.get("pages") else ""
        title = f"{reference['venue']} {reference['volume']}{pages}"
    text = f"{head}. {title}" if head and title else (title or reference.get("raw") or "")
    return text.strip()


def reference_summary(paper: dict[str, Any]) -> tuple[str, str]:
    """The two button texts: "References (46, 7 in library)" and "Cited by in library (3)" (#16)."""
    references = paper.get("references") or []
    in_library = sum(1 for ref in references if ref.get("paper_id") is not None)
    return (f"References ({len(references)}, {in_library} in library)",
            f"Cited by in library ({len(paper.get('cited_by') or [])})")


class DetailsPane(QWidget):
    """Shows a paper; "Edit" swaps in editors for title and abstract and "Save" emits `sig_edit_requested`.

    Links open in the desktop's browser or PDF viewer through QDesktopServices.
    """

    sig_edit_requested = Signal(int, str, str)  # paper id, title, abstract
    sig_navigate_requested = Signal(int)  # a referenced or citing paper in the library was clicked

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
        self.references_button = QPushButton()
        self.references_button.setFlat(True)
        self.references_button.setToolTip("List this paper's references; click one in the library to go to it")
        self.cited_by_button = QPushButton()
        self.cited_by_button.setFlat(True)
        self.cited_by_button.setToolTip("List the library papers whose reference lists cite this paper")
        self.references_button.clicked.connect(lambda: self.toggle_list("references"))
        self.cited_by_button.clicked.connect(lambda: self.toggle_list("cited_by"))
        self.citation_list = QListWidget()
        self.citation_list.setWordWrap(True)
        self.citation_list.itemActivated.connect(self._navigate)
        self.citation_list.itemClicked.connect(self._navigate)
        self.citation_list.hide()
        self._shown_list: str | None = None
        buttons = QHBoxLayout()
        buttons.addWidget(self.references_button)
        buttons.addWidget(self.cited_by_button)
        buttons.addStretch(1)
        for button in (self.edit_button, self.save_button, self.cancel_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.citation_list)
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
        references, cited_by = reference_summary(paper or {})
        self.references_button.setText(references)
        self.cited_by_button.setText(cited_by)
        for button in (self.references_button, self.cited_by_button):
            button.setVisible(paper is not None)
        shown, self._shown_list = self._shown_list, None
        if paper is not None and shown is not None:
            self.toggle_list(shown)  # the open list follows the selection
        else:
            self.citation_list.hide()

    def toggle_list(self, which: str) -> None:
        """Show the references ("references") or the citing papers ("cited_by") under the details; again hides."""
        if self._paper is None or self._shown_list == which:
            self._shown_list = None
            self.citation_list.hide()
            return
        self._shown_list = which
        self.citation_list.clear()
        if which == "references":  # numbered in the list's order
            entries = [(ref.get("paper_id"), f"{number}. {reference_label(ref)}")
                       for number, ref in enumerate(self._paper.get("references") or [], 1)]
        else:
            entries = list(self._paper.get("cited_by") or [])
        for paper_id, text in entries:
            item = QListWidgetItem(("● " if paper_id is not None else "") + text)
            if paper_id is not None:
                item.setData(Qt.ItemDataRole.UserRole, int(paper_id))
                item.setToolTip("In your library: click to select it")
            self.citation_list.addItem(item)
        if not entries:
            self.citation_list.addItem("(none)")
        self.citation_list.scrollToTop()  # another paper's list starts at its top
        self.citation_list.show()

    @Slot(QListWidgetItem)
    def _navigate(self, item: QListWidgetItem) -> None:
        paper_id = item.data(Qt.ItemDataRole.UserRole)
        if paper_id is not None:  # after this click is handled: selecting the paper refills this list
            QTimer.singleShot(0, self, lambda: self.sig_navigate_requested.emit(int(paper_id)))

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
