"""Merge selected papers in the window (issue #14): on the worker, through the undo stack; Ctrl+Z splits back."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QItemSelectionModel
from qt_helpers import SAMPLE_PAPERS, is_reply

from litreview.cli import main

pytestmark = [pytest.mark.gui]



def _select(window, rows) -> list[int]:
    selection = window.table.selectionModel()
    selection.clearSelection()
    selection.setCurrentIndex(window.table_model.index(rows[-1], 0), QItemSelectionModel.SelectionFlag.NoUpdate)
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in rows:
        selection.select(window.table_model.index(row, 0), flags)
    return window.selected_paper_ids()


def _rows(window, sql: str, params=()) -> list[tuple]:
    return window.reader.library.conn.execute(sql, params).fetchall()


def _pending(window) -> list:
    from litreview.pipeline import pending_embeddings

    library = window.reader.library
    return pending_embeddings(library, library.get_setting("model_id"), int(library.get_setting("dim")))


def _doctor_clean(capsys, path) -> bool:
    assert main(["--library", str(path), "doctor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["integrity"] == "ok"
    return report["problems"] == []


def test_merge_two_selected_papers_and_undo_splits_them(qtbot, window, capsys):
    _select(window, [0])
    window.merge_action.refresh()
    assert not window.merge_action.action.isEnabled()  # one paper: nothing to merge
    ids = _select(window, [0, 1])
    window.merge_action.refresh()
    assert len(ids) == 2 and window.merge_action.action.isEnabled()
    keep = window.current_paper_id()
    other = next(pid for pid in ids if pid != keep)
    before = _rows(window, "SELECT * FROM papers ORDER BY id")
    files = _rows(window, "SELECT id FROM files WHERE paper_id IN (?, ?) ORDER BY id", ids)

    with qtbot.waitSignal(window.client.sig_replied, timeout=10_000, check_params_cb=is_reply("merge")):
        window.merge_action.action.trigger()
    assert "Merged paper" in window.statusBar().currentMessage()
    assert _rows(window, "SELECT id FROM papers WHERE id = ?", (other,)) == []
    assert _rows(window, "SELECT id FROM files WHERE paper_id = ? ORDER BY id", (keep,)) == files
    qtbot.waitUntil(lambda: window.table_model.total == len(SAMPLE_PAPERS) - 1, timeout=10_000)
    qtbot.waitUntil(lambda: not _pending(window), timeout=20_000)  # the kept paper re-embeds when its text changed

    messages: list[str] = []  # the merge's re-embedding may report after the split did, so every message counts
    window.statusBar().messageChanged.connect(messages.append)
    with qtbot.waitSignal(window.client.sig_replied, timeout=10_000, check_params_cb=is_reply("merge")):
        window.paper_actions.undo_action.trigger()  # Ctrl+Z: split
    assert any("apart again" in message for message in messages), messages
    assert _rows(window, "SELECT * FROM papers ORDER BY id") == before
    qtbot.waitUntil(lambda: window.table_model.total == len(SAMPLE_PAPERS), timeout=10_000)
    assert not _pending(window)  # the split put both papers' vectors back
    window.close()
    assert window.client.shutdown(30_000)  # the worker writes its index snapshot
    assert _doctor_clean(capsys, window.reader.library.path)
