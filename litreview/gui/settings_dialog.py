"""Settings: the embedding model (presets, the offline default, a local folder), device and dimension, with
what a choice costs. Accepting a new model asks the worker to re-embed the library in the background."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from litreview.workers.messages import ModelChoice

DEVICES = (("Automatic (GPU when present)", None), ("CPU", "cpu"), ("CUDA GPU", "cuda"), ("Apple GPU (MPS)", "mps"))
LOCAL_FOLDER = "__folder__"


def available_models() -> list[tuple[str, str]]:
    """(name, label) of the presets litreview.embedding knows; importing it never imports torch."""
    try:
        from litreview.embedding import list_models
    except ImportError:
        return []
    result = []
    for entry in list_models():
        info = entry if isinstance(entry, dict) else {"name": str(getattr(entry, "name", entry))}
        name = str(info.get("name"))
        label = name
        if info.get("model_id") and info.get("model_id") != name:
            label += f" — {info['model_id']}"
        if info.get("offline") is False:
            label += " (not downloaded)"
        result.append((name, label))
    return result


def format_cost(info: dict[str, Any], papers: int = 0) -> str:
    """Size, dimension, availability and an embedding-time estimate for the library, in one short text."""
    parts = []
    if info.get("size_mb"):
        parts.append(f"{info['size_mb']:,} MB on disk")
    if info.get("params_m"):
        parts.append(f"{info['params_m']:g} M parameters")
    if info.get("dim"):
        parts.append(f"{info['dim']} dimensions")
    lines = [" · ".join(parts)] if parts else []
    if info.get("offline") is False:
        lines.append("Not on this computer: it must be downloaded first.")
    elif info.get("offline"):
        lines.append("Available offline.")
    speed = info.get("est_cpu_docs_per_s")
    if speed:
        line = f"About {speed:g} abstracts/s on CPU (much faster on a GPU)"
        if papers:
            seconds = papers / float(speed)
            line += f"; re-embedding {papers:,} papers ≈ {_duration(seconds)} on CPU"
        lines.append(line + ".")
    if info.get("description"):
        lines.append(str(info["description"]))
    return "\n".join(lines) or "No details known for this model."


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def describe_cost(name: str | None, papers: int = 0) -> str:
    """What a model costs, from litreview.embedding.describe_model (no torch, no network)."""
    try:
        from litreview.embedding import describe_model

        info: Any = describe_model(name)
    except Exception as exc:  # an unknown folder or preset: say so rather than hide it
        return f"Cannot describe this model: {exc}"
    if dataclasses.is_dataclass(info) and not isinstance(info, type):
        info = dataclasses.asdict(info)
    return format_cost(info, papers) if isinstance(info, dict) else str(info)


class SettingsDialog(QDialog):
    def __init__(self, current: ModelChoice, *, models: list[tuple[str, str]] | None = None,
                 describe: Callable[[str | None, int], str] = describe_cost, papers: int = 0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._papers = papers
        self.setWindowTitle("Settings")
        self._describe = describe
        self.model = QComboBox()
        self.model.addItem("Offline default (ships with the app)", None)
        for name, label in models if models is not None else available_models():
            self.model.addItem(label, name)
        self.model.addItem("A model in a local folder…", LOCAL_FOLDER)
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("Folder with a Hugging Face model (config.json, weights)")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        self.device = QComboBox()
        for label, value in DEVICES:
            self.device.addItem(label, value)
        self.dim = QSpinBox()
        self.dim.setRange(0, 8192)
        self.dim.setSpecialValueText("model default")
        self.cost = QLabel()
        self.cost.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Embedding model", self.model)
        form.addRow("Local folder", folder_row)
        form.addRow("Device", self.device)
        form.addRow("Dimension", self.dim)
        form.addRow("Cost", self.cost)
        note = QLabel("Changing the model re-embeds the library in the background; related papers keep using "
                      "the old model until the new index is ready.")
        note.setWordWrap(True)
        form.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._load(current)
        self.model.currentIndexChanged.connect(self._update)
        self.folder.editingFinished.connect(self._update)
        self._update()
        self.resize(560, self.sizeHint().height())

    def _load(self, current: ModelChoice) -> None:
        index = self.model.findData(current.name)
        if index < 0 and current.name:
            index = self.model.findData(LOCAL_FOLDER)
            self.folder.setText(current.name)
        self.model.setCurrentIndex(max(0, index))
        self.device.setCurrentIndex(max(0, self.device.findData(current.device)))
        self.dim.setValue(current.dim or 0)

    def choice(self) -> ModelChoice:
        name = self.model.currentData()
        if name == LOCAL_FOLDER:
            name = self.folder.text().strip() or None
        return ModelChoice(name=name, device=self.device.currentData(), dim=self.dim.value() or None)

    @Slot()
    def _update(self, *_: object) -> None:
        self.folder.setEnabled(self.model.currentData() == LOCAL_FOLDER)
        self.cost.setText(self._describe(self.choice().name, self._papers))

    @Slot()
    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Model folder", self.folder.text())
        if folder:
            self.folder.setText(folder)
            self._update()
