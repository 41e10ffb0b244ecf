"""Settings and Export dialogs, and the reading-lists panel's own logic."""

from __future__ import annotations

import pytest

from litreview.core.paper import Paper
from litreview.gui.export_dialog import ExportDialog
from litreview.gui.reading_lists_panel import ReadingListsPanel
from litreview.gui.settings_dialog import LOCAL_FOLDER, SettingsDialog, format_cost
from litreview.library.settings import ModelChoice

pytestmark = [
    pytest.mark.gui,
    # said by the offscreen platform plugin when docks of an earlier test's window get their last events
]


def test_settings_dialog_round_trips_a_choice_and_shows_the_cost(qtbot, tmp_path):
    seen = []

    def describe(name, papers):
        seen.append((name, papers))
        return f"cost of {name} for {papers}"

    dialog = SettingsDialog(ModelChoice("qwen3-0.6b", "cuda", 256, "float32"),
                            models=[("minilm", "minilm"), ("qwen3-0.6b", "Q")], describe=describe, papers=1200)
    qtbot.addWidget(dialog)
    assert dialog.choice() == ModelChoice("qwen3-0.6b", "cuda", 256, "float32")
    assert dialog.cost.text() == "cost of qwen3-0.6b for 1200"
    dialog.model.setCurrentIndex(dialog.model.findData(LOCAL_FOLDER))
    dialog.folder.setText(str(tmp_path))
    dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
    dialog.precision.setCurrentIndex(dialog.precision.findData("bfloat16"))
    dialog.dim.setValue(0)
    assert dialog.choice() == ModelChoice(str(tmp_path), "cpu", None, "bfloat16")
    assert dialog.folder.isEnabled()
    dialog.model.setCurrentIndex(0)
    assert dialog.choice().name is None and not dialog.folder.isEnabled()
    assert seen[-1] == (None, 1200)

    folder_dialog = SettingsDialog(ModelChoice(str(tmp_path)), models=[], describe=describe)
    qtbot.addWidget(folder_dialog)
    assert folder_dialog.model.currentData() == LOCAL_FOLDER and folder_dialog.folder.text() == str(tmp_path)


def test_format_cost_says_size_speed_and_time_for_the_library():
    text = format_cost({"size_mb": 91, "params_m": 22.7, "dim": 384, "offline": True, "est_cpu_docs_per_s": 20},
                       papers=6000)
    assert "91 MB on disk · 22.7 M parameters · 384 dimensions" in text
    assert "Available offline." in text
    assert "re-embedding 6,000 papers ≈ 5 min on CPU" in text
    assert "must be downloaded" in format_cost({"offline": False})
    # which text of a paper in two languages the model embeds (issue #22)
    assert "English title and abstract" in format_cost({"multilingual": False})
    assert "in its own language" in format_cost({"multilingual": True})
    assert "language" not in format_cost({"dim": 64})  # a model nothing is known of: nothing claimed


def test_export_dialog_writes_the_chosen_format(qtbot, tmp_path):
    calls = []

    def exporter(papers, fmt):
        calls.append((len(papers), fmt))
        return f"{fmt}:{len(papers)}".encode()

    papers = [Paper(1, "A"), Paper(2, "B")]
    dialog = ExportDialog(papers, what="My list", folder=tmp_path, exporter=exporter)
    qtbot.addWidget(dialog)
    assert dialog.destination.text() == str(tmp_path / "My-list.bib")
    dialog.set_format("csljson")
    assert dialog.destination.text() == str(tmp_path / "My-list.json")
    dialog.accept()
    assert dialog.written == tmp_path / "My-list.json"
    assert (tmp_path / "My-list.json").read_bytes() == b"csljson:2"
    assert calls == [(2, "csljson")]
    assert not list(tmp_path.glob("*.part"))


def test_reading_lists_panel_emits_requests(qtbot):
    panel = ReadingListsPanel()
    qtbot.addWidget(panel)
    panel.set_lists([{"id": 3, "name": "Alpha", "size": 2}, {"id": 5, "name": "Beta", "size": 0}], select=5)
    assert panel.current_list_id() == 5 and panel.current_list_name() == "Beta"
    panel.lists.setCurrentRow(0)
    panel.set_items([{"paper_id": 10, "title": "Ten", "year": 2020, "note": "read first"},
                     {"paper_id": 11, "title": "Eleven", "year": None, "note": ""}])
    assert panel.item_ids() == [10, 11]
    with qtbot.waitSignal(panel.sig_reorder_requested) as reorder:
        panel.items.model().moveRow(panel.items.model().index(1, 0).parent(), 1,
                                    panel.items.model().index(0, 0).parent(), 0)
    assert reorder.args == [3, [11, 10]]
    panel.items.setCurrentRow(1)
    assert panel.note.text() == "read first"
    panel.note.setText("skim")
    with qtbot.waitSignal(panel.sig_note_requested) as note:
        panel.note.returnPressed.emit()
    assert note.args == [3, 10, "skim"]
    with qtbot.waitSignal(panel.sig_add_requested) as added:
        panel._dropped_on_lists([7, 8], panel.lists.item(1))
    assert added.args == [5, [7, 8]]


def test_the_offline_default_is_listed_once(qtbot):
    from litreview.embedding import DEFAULT_MODEL
    from litreview.gui.settings_dialog import OFFLINE_DEFAULT

    assert OFFLINE_DEFAULT == DEFAULT_MODEL
    dialog = SettingsDialog(ModelChoice(DEFAULT_MODEL), models=[("minilm", "minilm"), ("qwen3-0.6b", "Q")])
    qtbot.addWidget(dialog)
    names = [dialog.model.itemData(i) for i in range(dialog.model.count())]
    assert names == [None, "qwen3-0.6b", LOCAL_FOLDER]
    assert dialog.model.currentIndex() == 0 and not dialog.folder.text()
