"""Settings → Download: a model that is not on this computer is fetched by the worker from a local stand-in hub,
with progress and cancel in the dialog; and the map's cluster labels follow the palette."""

from __future__ import annotations

import socket

import pytest
from qt_helpers import FakeBackend
from test_embedding_download import REPO, hub  # noqa: F401 - the stand-in hub server (127.0.0.1)
from tiny_models import tiny_models  # noqa: F401

from litreview.embedding import PRESETS, ModelPreset, describe_model, list_models
from litreview.gui.settings_dialog import BAR_STEPS, NOT_DOWNLOADED, SettingsDialog, format_bytes
from litreview.library.settings import ModelChoice
from litreview.workers.client import WorkerClient
from litreview.workers.messages import JobProgress

pytestmark = [pytest.mark.gui]

TINY = "tiny-bert-test"


@pytest.fixture
def tiny_preset(monkeypatch, tmp_path):
    """A preset for the stand-in's tiny model, with an empty private Hugging Face cache."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setitem(PRESETS, TINY, ModelPreset(name=TINY, model_id=REPO, dim=32, pooling="mean", max_length=64,
                                                   size_mb=1, description="A tiny test model"))
    assert describe_model(TINY)["offline"] is False
    return TINY


@pytest.fixture
def client(qtbot, library_path):
    worker = WorkerClient(library_path, backend=FakeBackend(), progress_interval=0.0)
    yield worker
    assert worker.shutdown(30_000), "worker thread did not stop"


def open_dialog(qtbot, client, **download_options) -> SettingsDialog:
    dialog = SettingsDialog(ModelChoice(), client=client, download_options=download_options)
    qtbot.addWidget(dialog)
    dialog.model.setCurrentIndex(dialog.model.findData(TINY))
    return dialog


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_download_button_fetches_the_model_with_progress_and_makes_it_available(
    qtbot, hub, tiny_preset, client  # noqa: F811
):
    url, state = hub
    dialog = open_dialog(qtbot, client, endpoint=url)
    assert dialog.model.currentText().endswith(NOT_DOWNLOADED)
    assert not dialog.download_button.isHidden() and dialog.download_bar.isHidden()
    values: list[int] = []
    formats: list[str] = []
    dialog.download_bar.valueChanged.connect(lambda value: (values.append(value),
                                                            formats.append(dialog.download_bar.format())))
    with qtbot.waitSignal(dialog.sig_download_done, timeout=30_000) as done:
        dialog.download_button.click()
        # the UI thread returned at once: the job runs on the worker, the bar and Cancel are up meanwhile
        assert dialog.downloading and not dialog.download_bar.isHidden() and not dialog.download_cancel.isHidden()
        assert not dialog.ok_button.isEnabled() and not dialog.model.isEnabled()
    assert done.args == ["finished"]
    total = sum(len(data) for data in state.files.values())
    assert values and values[-1] == BAR_STEPS
    # the hub's total grows as it lists files, so the bar may touch its end before the last file: check the text
    assert all(" of " in text for text in formats)
    assert dialog.download_bar.format() == f"{format_bytes(total)} of {format_bytes(total)}"
    assert any(method == "GET" and "/resolve/" in path for method, path, _ in state.log)  # really fetched
    # available offline now, so it can be chosen
    assert describe_model(TINY)["offline"] is True
    assert next(info for info in list_models() if info["name"] == TINY)["offline"] is True
    assert dialog.download_button.isHidden() and dialog.download_bar.isHidden()
    assert "available offline" in dialog.download_status.text()
    assert "Available offline." in dialog.cost.text()
    assert not dialog.model.currentText().endswith(NOT_DOWNLOADED)
    assert dialog.ok_button.isEnabled() and dialog.choice().name == TINY


def test_unreachable_server_says_so_and_the_model_stays_unavailable(qtbot, tiny_preset, client):
    dialog = open_dialog(qtbot, client, endpoint=f"http://127.0.0.1:{closed_port()}")
    with qtbot.waitSignal(dialog.sig_download_done, timeout=60_000) as done:
        dialog.download_button.click()
    assert done.args == ["failed"]
    text = dialog.download_status.text()
    assert text.startswith("Download failed.") and "could not be reached" in text and REPO in text
    assert "offline choices" not in text  # the CLI's long list is left out of the dialog
    assert not dialog.download_button.isHidden() and dialog.download_bar.isHidden()
    assert dialog.model.isEnabled() and dialog.ok_button.isEnabled()
    assert describe_model(TINY)["offline"] is False


def test_cancel_stops_the_download_and_says_so(qtbot, hub, tiny_preset, client):  # noqa: F811
    url, _state = hub
    dialog = open_dialog(qtbot, client, endpoint=url)
    with qtbot.waitSignal(dialog.sig_download_done, timeout=30_000) as done:
        dialog.download_button.click()
        dialog.download_cancel.click()  # before the worker has even started it: cancelled by job id
    assert done.args == ["cancelled"]
    assert "Download cancelled" in dialog.download_status.text()
    assert not dialog.download_button.isHidden() and dialog.model.isEnabled()
    assert describe_model(TINY)["offline"] is False
    # a job submitted after the cancelled one still runs: only that one job was cancelled
    with qtbot.waitSignal(dialog.sig_download_done, timeout=30_000) as again:
        dialog.download_button.click()
    assert again.args == ["finished"] and describe_model(TINY)["offline"] is True


def test_no_download_button_without_a_worker_or_for_models_on_this_computer(qtbot, tiny_preset, client):
    without_worker = SettingsDialog(ModelChoice(TINY))
    qtbot.addWidget(without_worker)
    assert without_worker.download_button.isHidden()
    dialog = SettingsDialog(ModelChoice(), client=client)
    qtbot.addWidget(dialog)
    assert dialog.model.currentData() is None and dialog.download_button.isHidden()  # the offline default
    dialog.model.setCurrentIndex(dialog.model.findData(TINY))
    assert not dialog.download_button.isHidden()


def test_main_window_settings_download_through_its_worker(
    qtbot, monkeypatch, hub, tiny_preset, make_window  # noqa: F811
):
    url, _state = hub
    window = make_window()
    opened = []

    def run_dialog(dialog: SettingsDialog) -> int:
        opened.append(dialog)
        dialog._download_options = {"endpoint": url}  # the stand-in hub instead of huggingface.co
        dialog.model.setCurrentIndex(dialog.model.findData(TINY))
        with qtbot.waitSignal(dialog.sig_download_done, timeout=30_000) as done:
            dialog.download_button.click()
        assert done.args == ["finished"]
        return 0  # closed without changing the model

    monkeypatch.setattr(SettingsDialog, "exec", run_dialog)
    window.open_settings()
    assert opened and opened[0]._client is window.client
    assert describe_model(TINY)["offline"] is True
    # the status bar's bar shows a multi-GB download too (QProgressBar counts in a 32-bit int)
    window.on_progress(JobProgress(99, "download", "downloading", 3 * 10**9, 6 * 10**9, current=TINY))
    assert (window.progress_bar.value(), window.progress_bar.maximum()) == (500, 1000)


def test_runner_cancels_one_job_by_id_even_before_it_is_submitted():
    from litreview.core.progress import Progress
    from litreview.workers.runner import JobRunner

    outcomes = []
    runner = JobRunner(on_progress=lambda progress: None, on_done=outcomes.append)

    def job(token):
        for step in range(3):
            token.raise_if_cancelled()
            yield Progress("step", step, 3)
        return None

    runner.cancel_job(2)
    for job_id in (1, 2, 3):
        runner.submit(job_id, "edit", job)
    runner.step()  # job 1 runs its first step, then is cancelled while running
    runner.cancel_job(1)
    runner.run_to_end()
    assert [(o.job_id, o.status) for o in outcomes] == [(1, "cancelled"), (2, "cancelled"), (3, "finished")]


def test_format_bytes():
    assert [format_bytes(n) for n in (512, 2_345_678, 1_234_567_890)] == ["512 B", "2.3 MB", "1.2 GB"]


def test_map_labels_follow_a_switch_to_the_dark_palette(qtbot):
    import numpy as np
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QApplication

    from litreview.analysis.clusters import MapCluster, MapData
    from litreview.gui.map_panel import MapPanel
    from litreview.gui.theme import dark_palette

    panel = MapPanel()
    qtbot.addWidget(panel)
    panel.setPalette(QApplication.style().standardPalette())  # light, set on the panel only (not the app)
    panel.resize(600, 450)
    panel.show()
    qtbot.waitExposed(panel)
    data = MapData("m", 8, paper_ids=np.array([1, 2, 3, 4]), x=np.array([-0.8, -0.7, 0.7, 0.8], dtype=np.float32),
                   y=np.array([0.1, -0.1, 0.1, -0.1], dtype=np.float32), cluster_ids=np.array([0, 0, 1, 1]),
                   titles=["a", "b", "c", "d"],
                   clusters=[MapCluster(0, "left · side", 2, -0.75, 0.0), MapCluster(1, "right · side", 2, 0.75, 0.0)])
    panel.set_map(data)

    def plate_lightness() -> list[int]:
        image = panel.view.viewport().grab().toImage()
        values = []
        for label in panel._labels:
            centre = panel.view.mapFromScene(label.pos())
            edge = centre + QPoint(int(-label.rect.width() / 2) + 2, 0)  # on the plate, left of the text
            values.append(image.pixelColor(edge).lightness())
        return values

    assert all(value > 200 for value in plate_lightness())
    panel.setPalette(dark_palette())
    qtbot.waitUntil(lambda: all(value < 80 for value in plate_lightness()), timeout=5_000)
