"""Issue #17 in the app: File → Import from Zotero, the watched folder, and the Zotero check at start."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from data_location import data_part
from PySide6.QtCore import QSettings
from qt_helpers import RealReaders

from litreview.gui.main_window import MainWindow
from litreview.gui.zotero_watch import WATCH_ENABLED_KEY, WATCH_FOLDER_KEY, ZOTERO_ON_START_KEY
from litreview.library.lists import ReadingLists

pytestmark = [pytest.mark.gui]

ZOTERO = "kishkash555-nlp-for-ta"


@pytest.fixture
def make_window(make_window):
    """conftest's make_window with the real readers, and the outcomes of the window's jobs."""

    def make(**settings_values) -> tuple[MainWindow, list]:
        window = make_window(RealReaders(), **settings_values)
        outcomes: list = []
        window.client.sig_job_done.connect(outcomes.append)  # the client lives on the GUI thread
        return window, outcomes

    return make


@pytest.fixture
def zotero_copy(shared_data: Path, tmp_path: Path) -> tuple[Path, dict]:
    source = data_part(shared_data, f"zotero/{ZOTERO}", f"the Zotero test library {ZOTERO}", "zotero.sqlite")
    folder = tmp_path / "Zotero"
    folder.mkdir()
    shutil.copyfile(source / "zotero.sqlite", folder / "zotero.sqlite")
    return folder, json.loads((source / "expected.json").read_text(encoding="utf-8"))


def _imports(outcomes: list) -> list:
    return [outcome for outcome in outcomes if outcome.kind == "import"]


def test_import_from_zotero_finds_the_data_dir_and_makes_lists(make_window, zotero_copy, qtbot, monkeypatch) -> None:
    folder, expected = zotero_copy
    monkeypatch.setattr("litreview.ingest.zotero.default_data_dir", lambda: folder)
    window, outcomes = make_window()
    window.import_zotero_action.trigger()
    qtbot.waitUntil(lambda: bool(_imports(outcomes)), timeout=120_000)
    outcome = _imports(outcomes)[0]
    assert outcome.status == "finished", outcome.error
    assert outcome.imported == expected["regular_items"]
    assert window.statusBar().currentMessage().startswith(f"Import done: {expected['regular_items']} imported")
    assert window.reader.count() == expected["regular_items"]
    lists = {row["name"]: row["count"] for row in ReadingLists(window.reader.library).lists()}
    wanted = {c["path"]: c["regular_items_direct"] for c in expected["collections"] if not c["deleted"]}
    assert lists == wanted


def test_without_a_zotero_folder_the_user_is_asked(make_window, qtbot, monkeypatch) -> None:
    monkeypatch.setattr("litreview.ingest.zotero.default_data_dir", lambda: None)
    asked = []
    monkeypatch.setattr("litreview.gui.file_dialogs.existing_directory",
                        lambda parent, caption, directory="": asked.append(caption) or "")
    window, _ = make_window()
    assert window.import_from_zotero() is None  # cancelled: nothing started
    assert asked and "zotero.sqlite" in asked[0]


def test_zotero_changes_are_synced_at_start(make_window, zotero_copy, qtbot, monkeypatch) -> None:
    folder, expected = zotero_copy
    monkeypatch.setattr("litreview.ingest.zotero.default_data_dir", lambda: folder)
    window, outcomes = make_window()
    window.import_from_zotero()
    qtbot.waitUntil(lambda: bool(_imports(outcomes)), timeout=120_000)
    window.close()
    assert window.client.shutdown(30_000)
    with sqlite3.connect(folder / "zotero.sqlite") as zotero:  # the user trashes one item in Zotero
        item = zotero.execute(
            "SELECT itemID FROM items WHERE itemTypeID NOT IN (SELECT itemTypeID FROM itemTypes "
            "WHERE typeName IN ('attachment', 'note', 'annotation')) AND itemID NOT IN "
            "(SELECT itemID FROM deletedItems) ORDER BY itemID LIMIT 1").fetchone()[0]
        zotero.execute("INSERT INTO deletedItems (itemID) VALUES (?)", (item,))
    zotero.close()
    window, outcomes = make_window(**{ZOTERO_ON_START_KEY: True})
    qtbot.waitUntil(lambda: bool(_imports(outcomes)), timeout=120_000)
    outcome = _imports(outcomes)[0]
    assert outcome.status == "finished", outcome.error
    assert (outcome.imported, outcome.counts.removed) == (0, 1)
    assert "1 removed" in window.statusBar().currentMessage()


def test_watched_folder_imports_pdfs_once_written(make_window, tmp_path, qtbot) -> None:
    from pdf_factory import make_paper

    made = tmp_path / "made"
    made.mkdir()
    pdfs = [make_paper(made / f"paper{seed}.pdf", pages=2, seed=seed, references=False).path for seed in range(4)]
    watched = tmp_path / "watched"
    watched.mkdir()
    window, outcomes = make_window(**{WATCH_FOLDER_KEY: str(watched), WATCH_ENABLED_KEY: True})
    window.zotero_watch.timer.setInterval(200)
    qtbot.waitUntil(lambda: window.zotero_watch.folder is not None, timeout=10_000)
    data = pdfs[0].read_bytes()  # the first arrives in two chunks with a pause: never read half-written
    half = watched / pdfs[0].name
    half.write_bytes(data[: len(data) // 2])
    qtbot.wait(700)  # stable for a few polls but without its end marker (fewer than watch.MAX_WAIT_POLLS)
    assert window.reader.count() == 0 and not _imports(outcomes)
    with open(half, "ab") as handle:
        handle.write(data[len(data) // 2:])
    for pdf in pdfs[1:]:
        shutil.copyfile(pdf, watched / pdf.name)
        qtbot.wait(150)
    qtbot.waitUntil(lambda: sum(outcome.imported for outcome in _imports(outcomes)) >= len(pdfs), timeout=60_000)
    assert window.reader.count() == len(pdfs)
    assert all(outcome.status == "finished" and not outcome.failed for outcome in _imports(outcomes))
    settled = len(_imports(outcomes))
    time.sleep(0.5)
    qtbot.wait(500)
    assert len(_imports(outcomes)) == settled  # imported once, not again on the next polls


def test_settings_dialog_stores_the_watch_settings(qtbot, tmp_path) -> None:
    from litreview.gui.settings_dialog import SettingsDialog
    from litreview.gui.zotero_watch import WatchSettingsBox
    from litreview.library.settings import ModelChoice

    settings = QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)
    box = WatchSettingsBox(settings)
    dialog = SettingsDialog(ModelChoice(), models=[], describe=lambda name, papers: "", extra=box)
    qtbot.addWidget(dialog)
    assert not box.watch.isChecked() and not box.zotero_on_start.isChecked()
    box.folder.setText(str(tmp_path))
    box.watch.setChecked(True)
    box.zotero_on_start.setChecked(True)
    box.save()
    again = WatchSettingsBox(QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    assert (again.folder.text(), again.watch.isChecked(), again.zotero_on_start.isChecked()) == (str(tmp_path), True,
                                                                                                 True)
