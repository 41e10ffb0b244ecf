"""The Export dialog: pick a format and a destination for a reading list, the selection or related results."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from litreview.core.paper import Paper
from litreview.core.text import count_of
from litreview.gui.dialog_buttons import accept_cancel
from litreview.gui.file_dialogs import path_row, save_file_name  # lists files without opening them (#14)

FORMATS: tuple[tuple[str, str, str], ...] = (
    ("bibtex", "BibTeX (.bib)", ".bib"),
    ("ris", "RIS (.ris)", ".ris"),
    ("csljson", "CSL-JSON (.json)", ".json"),
    ("markdown", "Markdown (.md)", ".md"),
    ("csv", "CSV (.csv)", ".csv"),
)


def default_exporter(papers: Sequence[Paper], fmt: str) -> bytes:
    from litreview.export import export_papers

    return export_papers(list(papers), fmt)


def safe_file_stem(name: str) -> str:
    """A file name from a list name: runs of anything but letters, digits and _ become one '-'."""
    return re.sub(r"[\W]+", "-", name).strip("-") or "export"


def write_export(papers: Sequence[Paper], fmt: str, destination: Path,
                 exporter: Callable[[Sequence[Paper], str], bytes] = default_exporter) -> int:
    """Write the papers in `fmt` to `destination` (atomically: a temporary file renamed). Returns bytes written."""
    data = exporter(papers, fmt)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".part")
    partial.write_bytes(data)
    partial.replace(destination)
    return len(data)


class ExportDialog(QDialog):
    """Runs on the GUI thread (exporting a list is fast, pure and writes no SQLite)."""

    def __init__(self, papers: Sequence[Paper], *, what: str, folder: Path | None = None,
                 exporter: Callable[[Sequence[Paper], str], bytes] = default_exporter,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.papers = list(papers)
        self.exporter = exporter
        self.written: Path | None = None
        self._stem = safe_file_stem(what)
        self._folder = folder or Path.home()
        self.format = QComboBox()
        for key, label, _ in FORMATS:
            self.format.addItem(label, key)
        self.destination = QLineEdit(str(self._folder / f"{self._stem}.bib"))
        row = path_row(self, self.destination, "Export to", save_file_name)
        form = QFormLayout(self)
        form.addRow(QLabel(f"Export {count_of(len(self.papers), 'paper')} from {what}."))
        form.addRow("Format", self.format)
        form.addRow("Destination", row)
        self.buttons = accept_cancel(self, QDialogButtonBox.StandardButton.Save)
        form.addRow(self.buttons)
        self.format.currentIndexChanged.connect(self._format_changed)
        self.resize(560, self.sizeHint().height())

    def selected_format(self) -> str:
        return str(self.format.currentData())

    def set_format(self, fmt: str) -> None:
        self.format.setCurrentIndex(max(0, self.format.findData(fmt)))

    @Slot(int)
    def _format_changed(self, _index: int) -> None:
        suffix = dict((key, ext) for key, _, ext in FORMATS)[self.selected_format()]
        current = Path(self.destination.text() or f"{self._stem}.bib")
        self.destination.setText(str(current.with_suffix(suffix)))

    def accept(self) -> None:
        text = self.destination.text().strip()
        if not text:
            QMessageBox.warning(self, "Export", "Choose a destination file.")
            return
        try:
            write_export(self.papers, self.selected_format(), Path(text).expanduser(), self.exporter)
        except Exception as exc:  # shown to the user, never swallowed
            QMessageBox.critical(self, "Export failed", f"Could not export: {exc}")
            return
        self.written = Path(text).expanduser()
        super().accept()
