"""The Edit paper dialog (issue #14): every field a user sees, checked before anything is saved.

`check_fields` is the validation (pure, no Qt); the dialog shows its message under the form and stays open
until the values are good. The window saves the changed fields on the worker (litreview.gui.undo.edit_command).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from litreview.core.identifiers import normalize_arxiv, normalize_doi
from litreview.gui.dialog_buttons import accept_cancel

# The fields of the dialog, in its order: (column, label, multi-line).
FIELDS = (
    ("title", "Title", False), ("authors", "Authors (one per line)", True), ("year", "Year", False),
    ("venue", "Venue", False), ("doi", "DOI", False), ("arxiv_id", "arXiv id", False),
    ("entry_type", "Entry type", False), ("abstract", "Abstract", True), ("keywords", "Keywords", False),
    ("volume", "Volume", False), ("issue", "Issue", False), ("page_range", "Pages", False),
)
ENTRY_TYPES = ("article", "inproceedings", "book", "incollection", "phdthesis", "mastersthesis", "techreport",
               "misc", "unpublished")
_ENTRY_TYPE_RE = re.compile(r"[A-Za-z][A-Za-z_-]*")
MIN_YEAR = 1400
_DOI_PREFIX_RE = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)


class InvalidField(ValueError):
    """A value the dialog cannot save; the message says which and why."""


def check_fields(raw: Mapping[str, str], *, this_year: int | None = None) -> dict[str, Any]:
    """The stored values of the dialog's texts: authors a list, year an int, DOI and arXiv id normalised, empty
    texts None (the title excepted: a paper needs one). InvalidField with a message for a bad value."""
    this_year = this_year or _dt.date.today().year
    values: dict[str, Any] = {}
    for name, _label, _ in FIELDS:
        text = (raw.get(name) or "").strip()
        if name == "authors":
            values[name] = [line.strip() for line in text.splitlines() if line.strip()]
        elif name == "title":
            if not text:
                raise InvalidField("The title cannot be empty.")
            values[name] = " ".join(text.split())
        elif not text:
            values[name] = None
        elif name == "year":
            if not re.fullmatch(r"\d{4}", text) or not MIN_YEAR <= int(text) <= this_year + 1:
                raise InvalidField(f"Year: {text!r} is not a year; write four digits, {MIN_YEAR} to {this_year + 1}.")
            values[name] = int(text)
        elif name == "doi":
            doi = normalize_doi(text)
            bare = _DOI_PREFIX_RE.sub("", text)  # the DOI field holds one DOI and nothing else
            if doi is None or re.search(r"\s", bare) or not bare.lower().startswith(doi):
                raise InvalidField(f"DOI: {text!r} is not a DOI; a DOI looks like 10.1000/xyz123.")
            values[name] = doi
        elif name == "arxiv_id":
            arxiv_id = normalize_arxiv(text)
            if arxiv_id is None:
                raise InvalidField(f"arXiv id: {text!r} is not an arXiv id; one looks like 2101.12345 or "
                                   "hep-th/9901001.")
            values[name] = arxiv_id
        elif name == "entry_type":
            if not _ENTRY_TYPE_RE.fullmatch(text):
                raise InvalidField(f"Entry type: {text!r} is not a BibTeX entry type such as article or book.")
            values[name] = text.lower()
        else:
            values[name] = text
    return values


def changed_fields(current: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The values that differ from the paper's (None and '' count as the same: nothing)."""
    def same(a: Any, b: Any) -> bool:
        return ((a in (None, "", [])) and (b in (None, "", []))) or a == b

    return {name: value for name, value in values.items() if not same(current.get(name), value)}


class EditPaperDialog(QDialog):
    """Edits one paper's fields; `values` holds the checked values once accepted."""

    def __init__(self, paper: Mapping[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.paper_id = int(paper["id"])
        self.setWindowTitle("Edit paper")
        self.resize(620, 560)
        self.values: dict[str, Any] = {}
        self.editors: dict[str, QLineEdit | QPlainTextEdit | QComboBox] = {}
        form = QFormLayout()
        for name, label, multi_line in FIELDS:
            value = paper.get(name)
            if name == "entry_type":
                editor: QLineEdit | QPlainTextEdit | QComboBox = QComboBox()
                editor.setEditable(True)
                editor.addItems(ENTRY_TYPES)
                editor.setCurrentText(value or "")
            elif multi_line:
                editor = QPlainTextEdit("\n".join(value or []) if name == "authors" else (value or ""))
                editor.setTabChangesFocus(True)
            else:
                editor = QLineEdit("" if value is None else str(value))
            self.editors[name] = editor
            form.addRow(label, editor)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.message.hide()
        self.buttons = accept_cancel(self, QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def texts(self) -> dict[str, str]:
        result = {}
        for name, editor in self.editors.items():
            if isinstance(editor, QComboBox):
                result[name] = editor.currentText()
            elif isinstance(editor, QPlainTextEdit):
                result[name] = editor.toPlainText()
            else:
                result[name] = editor.text()
        return result

    def accept(self) -> None:
        """Save only good values: a bad one keeps the dialog open with a message saying what to fix."""
        try:
            self.values = check_fields(self.texts())
        except InvalidField as exc:
            self.message.setText(str(exc))
            self.message.show()
            return
        self.message.hide()
        super().accept()
