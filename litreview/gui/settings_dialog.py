"""Settings: the embedding model (presets, the offline default, a local folder), device, precision and dimension,
with what a choice costs. Accepting a new model asks the worker to re-embed the library in the background.

A model that is not on this computer gets a "Download" button: the worker fetches it in the background (the
dialog only relays progress from the GUI-thread client and can cancel that one job), then it can be chosen."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from litreview.core.text import count_of
from litreview.gui import file_dialogs  # lists files without opening them (#14)
from litreview.gui.dialog_buttons import accept_cancel
from litreview.library.settings import ModelChoice
from litreview.workers.messages import JobOutcome, JobProgress

DEVICES = (("Automatic (GPU when present)", None), ("CPU", "cpu"), ("CUDA GPU", "cuda"), ("Apple GPU (MPS)", "mps"))
PRECISIONS = (
    ("Automatic (float16 on a CUDA GPU, else float32)", None),
    ("float32", "float32"),
    ("bfloat16 (1.7-2x faster on CPUs with AVX512-BF16 or AMX; near-identical vectors)", "bfloat16"),
)
LOCAL_FOLDER = "__folder__"
NOT_DOWNLOADED = " (not downloaded)"
BAR_STEPS = 1000  # the download bar counts in thousandths: byte counts overflow QProgressBar's int


OFFLINE_DEFAULT = "minilm"  # litreview.embedding.DEFAULT_MODEL (not imported here: the dialog stays light)


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
            label += NOT_DOWNLOADED
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
            line += f"; re-embedding {count_of(papers, 'paper')} ≈ {_duration(seconds)} on CPU"
        lines.append(line + ".")
    if info.get("description"):
        lines.append(str(info["description"]))
    if info.get("multilingual") is False:  # litreview.pipeline.embed.english_versions decides the same way
        lines.append("Reads English only: a paper printed in another language is embedded by its English title and "
                     "abstract when it has them.")
    elif info.get("multilingual"):
        lines.append("Multilingual: every paper is embedded in its own language.")
    return "\n".join(lines) or "No details known for this model."


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def format_bytes(count: float) -> str:
    """A byte count for people: 512 B, 2.3 MB, 1.2 GB (decimal units, like the hub shows)."""
    for unit in ("B", "kB", "MB", "GB"):
        if abs(count) < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} GB"  # pragma: no cover - the loop always returns


def model_needs_download(name: str | None) -> bool:
    """Whether `name` is a preset or hub model that is not on this computer (describe_model's offline flag).

    The offline default, local folders and remote endpoints never need a download; no torch, no network."""
    if not name or name == LOCAL_FOLDER or name.startswith(("http://", "https://")):
        return False
    try:
        from litreview.embedding import describe_model

        info: Any = describe_model(name)
    except Exception:  # an unknown name: nothing the dialog could download either
        return False
    return isinstance(info, dict) and info.get("offline") is False and not info.get("remote")


def model_dimension(name: str | None) -> int | None:
    """The native dimension of a preset or hub model (describe_model's `dim`; None when unknown). No torch."""
    if name == LOCAL_FOLDER:
        return None
    try:
        from litreview.embedding import describe_model

        info: Any = describe_model(name)
    except Exception:  # an unknown name or folder: the spin box just says "model default"
        return None
    dim = info.get("dim") if isinstance(info, dict) else getattr(info, "dim", None)
    return int(dim) if dim else None


def download_failure_text(outcome: JobOutcome) -> str:
    """A clear sentence for a download that did not finish (the CLI's list of offline choices left out)."""
    if outcome.status == "cancelled":
        return "Download cancelled. The files fetched so far are kept: downloading again resumes."
    reason = outcome.error.split("; offline choices", 1)[0].removeprefix("ModelNotAvailable: ")
    hint = ""
    if any(word in reason.lower() for word in ("connect", "resolve", "network", "timed out", "unreachable")):
        hint = " The model server could not be reached: check the network connection, then try again."
    first_line = reason.strip().splitlines()[0] if reason.strip() else "no reason given"
    return f"Download failed.{hint}\n{first_line}"


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
    """`client` (a WorkerClient or SyncWorkerClient) runs downloads; without one the Download button is hidden.
    `download_options` go to `litreview.workers.download.download` (endpoint, cache_dir: a stand-in hub in tests)."""

    sig_download_done = Signal(str)  # "finished", "cancelled" or "failed", after the dialog has shown it

    def __init__(self, current: ModelChoice, *, models: list[tuple[str, str]] | None = None,
                 describe: Callable[[str | None, int], str] = describe_cost, papers: int = 0,
                 client: Any = None, download_options: dict[str, str] | None = None,
                 needs_download: Callable[[str | None], bool] = model_needs_download,
                 extra: QWidget | None = None,
                 dimension: Callable[[str | None], int | None] = model_dimension,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._client = client
        self._download_options = dict(download_options or {})
        self._needs_download = needs_download
        self._dimension = dimension
        self._download_job: int | None = None
        self._download_name: str | None = None
        self._papers = papers
        self.setWindowTitle("Settings")
        self._describe = describe
        self.model = QComboBox()
        self.model.addItem("Offline default (ships with the app)", None)
        for name, label in models if models is not None else available_models():
            if name != OFFLINE_DEFAULT:  # the first item is that model: listed once
                self.model.addItem(label, name)
        self.model.addItem("A model in a local folder…", LOCAL_FOLDER)
        self.folder = QLineEdit()
        self.folder.setPlaceholderText(
            "Folder with a Hugging Face model, or embedding server URLs (several: separated by spaces)"
        )
        folder_row = file_dialogs.path_row(self, self.folder, "Model folder", then=self._update)
        self.device = QComboBox()
        for label, value in DEVICES:
            self.device.addItem(label, value)
        self.precision = QComboBox()
        for label, value in PRECISIONS:
            self.precision.addItem(label, value)
        self.dim = QSpinBox()
        self.dim.setRange(0, 8192)
        self.dim.setSpecialValueText("model default")
        self.cost = QLabel()
        self.cost.setWordWrap(True)
        self.cost.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.MinimumExpanding)
        form = QFormLayout(self)
        form.addRow("Embedding model", self.model)
        form.addRow("Local folder", folder_row)
        form.addRow("Device", self.device)
        form.addRow("Precision", self.precision)
        form.addRow("Dimension", self.dim)
        form.addRow("Cost", self.cost)
        form.addRow("", self._build_download_row())
        form.addRow("", self.download_status)
        note = QLabel("Changing the model re-embeds the library in the background; related papers keep using "
                      "the old model until the new index is ready.")
        note.setWordWrap(True)
        form.addRow(note)
        if extra is not None:  # more settings rows: the watched folder and Zotero (#17)
            form.addRow(extra)
        buttons = accept_cancel(self, QDialogButtonBox.StandardButton.Ok)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        form.addRow(buttons)
        if client is not None:
            client.sig_progress.connect(self._on_download_progress)
            client.sig_job_done.connect(self._on_download_done)
        self._load(current)
        self.model.currentIndexChanged.connect(self._model_changed)
        self.folder.editingFinished.connect(self._update)
        self._update()
        self.resize(560, self.sizeHint().height())

    def _build_download_row(self) -> QWidget:
        """Download button, progress bar with bytes/total and Cancel; `download_status` says how it went."""
        self.download_button = QPushButton("Download")
        self.download_button.setToolTip("Fetch this model from the Hugging Face hub, in the background")
        self.download_button.clicked.connect(self.start_download)
        self.download_bar = QProgressBar()
        self.download_bar.setRange(0, BAR_STEPS)
        self.download_bar.setTextVisible(True)
        self.download_cancel = QPushButton("Cancel download")
        self.download_cancel.clicked.connect(self.cancel_download)
        self.download_status = QLabel()
        self.download_status.setWordWrap(True)
        self.download_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.download_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.download_button)
        row.addWidget(self.download_bar, 1)
        row.addWidget(self.download_cancel)
        row.addStretch(0)
        box = QWidget()
        box.setLayout(row)
        self.download_bar.hide()
        self.download_cancel.hide()
        self.download_status.hide()
        return box

    @property
    def downloading(self) -> bool:
        return self._download_job is not None

    @Slot()
    def start_download(self) -> None:
        """Ask the worker to download the selected model; the dialog stays responsive and shows its bytes."""
        name = self.choice().name
        if self._client is None or self.downloading or not name:
            return
        self._download_name = name
        self.download_bar.setRange(0, 0)  # busy until the first byte counts arrive
        self.download_bar.setFormat("Starting…")
        self.download_status.setText(f"Downloading {name}…")
        self._show_status()
        self._set_downloading(True)
        from litreview.workers.download import download

        self._download_job = self._client.start(download(name, **self._download_options))

    @Slot()
    def cancel_download(self) -> None:
        if self._client is not None and self._download_job is not None:
            self.download_cancel.setEnabled(False)
            self.download_status.setText("Cancelling…")
            self._client.cancel_job(self._download_job)

    def _show_status(self) -> None:
        """Show the download line and grow the dialog so a wrapped message is never clipped."""
        self.download_status.show()
        self.layout().activate()
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def _set_downloading(self, running: bool) -> None:
        self.download_button.setVisible(not running)
        self.download_bar.setVisible(running)
        self.download_cancel.setVisible(running)
        self.download_cancel.setEnabled(running)
        self.model.setEnabled(not running)
        self.ok_button.setEnabled(not running)

    @Slot(object)
    def _on_download_progress(self, progress: JobProgress) -> None:
        if progress.job_id != self._download_job:
            return
        if progress.total > 0:
            self.download_bar.setFormat(f"{format_bytes(progress.done)} of {format_bytes(progress.total)}")
            self.download_bar.setRange(0, BAR_STEPS)
            self.download_bar.setValue(min(BAR_STEPS, progress.done * BAR_STEPS // progress.total))
        else:
            self.download_bar.setRange(0, 0)
            self.download_bar.setFormat("Starting…")

    @Slot(object)
    def _on_download_done(self, outcome: JobOutcome) -> None:
        if outcome.job_id != self._download_job:
            return
        name, self._download_job = self._download_name, None
        self._set_downloading(False)
        if outcome.status == "finished":
            index = self.model.findData(name)
            if index >= 0:
                self.model.setItemText(index, self.model.itemText(index).removesuffix(NOT_DOWNLOADED))
            self.download_status.setText(f"{name} is downloaded and available offline.")
        else:
            self.download_status.setText(download_failure_text(outcome))
            self.download_status.setToolTip(outcome.error)  # the hub's whole explanation, for the curious
        self._show_status()
        self._update()
        self.sig_download_done.emit(outcome.status)

    def _fit_cost(self) -> None:
        """Give the wrapped cost text the height it needs at the label's width, growing the dialog (#15)."""
        width = self.cost.width() if self.cost.isVisible() else max(self.cost.width(), 360)
        self.cost.setMinimumHeight(max(0, self.cost.heightForWidth(width)))  # -1 for an empty text
        self.layout().activate()
        if self.isVisible():
            self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.cost.minimumHeight() < self.cost.heightForWidth(self.cost.width()):
            self._fit_cost()  # narrower: the text wraps onto more lines

    def accept(self) -> None:
        """OK on a model that is not on this computer offers its download instead of failing later (#15)."""
        name = self.choice().name
        if not self.downloading and self._needs_download(name):
            if self._ask_download(str(name)):
                self.start_download()
            return
        super().accept()

    def _ask_download(self, name: str) -> bool:
        """Download / Cancel; without a worker to download with, say how to get the model instead."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Model not downloaded")
        text = f"{name} is not downloaded yet, so the library cannot be embedded with it."
        if self._client is None:
            box.setText(f"{text}\nDownload it first: litreview models download {name}")
            box.setStandardButtons(QMessageBox.StandardButton.Ok)
            box.exec()
            return False
        box.setText(f"{text}\nDownload it now (in the background)? Press OK again once it is downloaded.")
        download = box.addButton("Download", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(download)
        box.exec()
        return box.clickedButton() is download

    def done(self, result: int) -> None:
        """Closing the dialog stops a download still running (its files so far are kept for a resume)."""
        self.cancel_download()
        super().done(result)

    def _load(self, current: ModelChoice) -> None:
        index = 0 if current.name in (None, OFFLINE_DEFAULT) else self.model.findData(current.name)
        if index < 0 and current.name:
            index = self.model.findData(LOCAL_FOLDER)
            self.folder.setText(current.name)
        self.model.setCurrentIndex(max(0, index))
        self.device.setCurrentIndex(max(0, self.device.findData(current.device)))
        self.precision.setCurrentIndex(max(0, self.precision.findData(current.dtype)))
        self.dim.setValue(current.dim or 0)

    def choice(self) -> ModelChoice:
        name = self.model.currentData()
        if name == LOCAL_FOLDER:
            name = self.folder.text().strip() or None
        return ModelChoice(name=name, device=self.device.currentData(), dim=self.dim.value() or None,
                           dtype=self.precision.currentData())

    @Slot()
    def _model_changed(self, *_: object) -> None:
        """Another model: its own dimension, not the one kept for the previous model (#15)."""
        self.dim.setValue(0)
        self._update()

    @Slot()
    def _update(self, *_: object) -> None:
        self.folder.setEnabled(self.model.currentData() == LOCAL_FOLDER)
        name = self.choice().name
        native = self._dimension(name)
        self.dim.setSpecialValueText(f"model default ({native})" if native else "model default")
        self.cost.setText(self._describe(name, self._papers))
        self._fit_cost()
        if not self.downloading:
            self.download_button.setVisible(self._client is not None and self._needs_download(name))
            if name != self._download_name:  # the last download's message was about another model
                self.download_status.hide()
