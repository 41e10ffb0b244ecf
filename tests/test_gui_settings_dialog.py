"""Settings dialog: cost text never clipped, the chosen model's dimension, OK on a model not downloaded (#15)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QMessageBox

from litreview.gui.settings_dialog import SettingsDialog, model_dimension
from litreview.library.settings import ModelChoice

MODELS = [("minilm", "minilm"), ("qwen3-0.6b", "Qwen3 (not downloaded)")]
LONG_COST = "\n".join(["1,192 MB on disk · 596 M parameters · 1024 dimensions",
                       "Not on this computer: it must be downloaded first.",
                       "About 0.5 abstracts/s on CPU (much faster on a GPU); re-embedding 5,817 papers ≈ 3.2 h on CPU.",
                       "Qwen3-Embedding-0.6B: strong, multilingual; best on a GPU, " * 3,
                       "Multilingual: every paper is embedded in its own language."])


class FakeClient(QObject):
    """Stands in for the WorkerClient: records the jobs started."""

    sig_progress = Signal(object)
    sig_job_done = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.started: list[object] = []

    def start(self, job: object) -> int:
        self.started.append(job)
        return len(self.started)

    def cancel_job(self, job_id: int) -> None:
        pass


def make_dialog(qtbot, client=None, needs=("qwen3-0.6b",)) -> SettingsDialog:
    dialog = SettingsDialog(ModelChoice("minilm", dim=384), models=MODELS, client=client, papers=5_817,
                            describe=lambda name, papers: LONG_COST if name == "qwen3-0.6b" else "Available offline.",
                            needs_download=lambda name: name in needs)
    qtbot.addWidget(dialog)
    return dialog


def test_the_cost_text_is_never_clipped(qtbot):
    dialog = make_dialog(qtbot)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.model.setCurrentIndex(dialog.model.findData("qwen3-0.6b"))
    qtbot.waitUntil(lambda: dialog.cost.height() >= dialog.cost.heightForWidth(dialog.cost.width()), timeout=2_000)
    assert dialog.cost.heightForWidth(dialog.cost.width()) > 4 * dialog.cost.fontMetrics().height()
    assert dialog.cost.minimumHeight() >= dialog.cost.heightForWidth(dialog.cost.width())


def test_dimension_shows_the_chosen_models_own(qtbot):
    assert model_dimension("qwen3-0.6b") == 1024 and model_dimension(None) == 384
    dialog = make_dialog(qtbot)
    assert dialog.dim.value() == 384  # the library's recorded dimension of its model
    dialog.model.setCurrentIndex(dialog.model.findData("qwen3-0.6b"))
    assert dialog.dim.value() == 0 and dialog.dim.text() == "model default (1024)"
    assert dialog.choice().dim is None  # not 384 carried over from the other model
    dialog.model.setCurrentIndex(0)
    assert dialog.dim.text() == "model default (384)"


@pytest.mark.parametrize("answer", ["Download", "Cancel"])
def test_ok_on_a_model_not_downloaded_offers_the_download(qtbot, monkeypatch, answer):
    asked = []

    def choose(box: QMessageBox) -> int:
        asked.append(box.text())
        next(button for button in box.buttons() if button.text() == answer).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", choose)
    client = FakeClient()
    dialog = make_dialog(qtbot, client=client)
    dialog.model.setCurrentIndex(dialog.model.findData("qwen3-0.6b"))
    dialog.ok_button.click()
    assert asked and "qwen3-0.6b" in asked[0] and "not downloaded" in asked[0]
    assert dialog.result() == 0  # not accepted: no "Embed failed: … ModelNotAvailable" later
    assert len(client.started) == (1 if answer == "Download" else 0)
    assert dialog.downloading == (answer == "Download")


def test_ok_on_a_downloaded_model_accepts(qtbot, monkeypatch):
    monkeypatch.setattr(QMessageBox, "exec", lambda box: pytest.fail("no question for a model on this computer"))
    dialog = make_dialog(qtbot, client=FakeClient())
    dialog.ok_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
