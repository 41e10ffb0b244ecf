"""Deleting papers in the window: Delete key and context menu to the trash, the Trash view, undo and redo (#14)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QMessageBox
from qt_helpers import SAMPLE_PAPERS, is_reply

pytestmark = [pytest.mark.gui]



def select_rows(window, rows) -> list[int]:
    selection = window.table.selectionModel()
    selection.clearSelection()
    for row in rows:
        selection.select(window.table_model.index(row, 0),
                         QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    return window.selected_paper_ids()


def wait_trash(qtbot, window, action) -> None:
    with qtbot.waitSignal(window.client.sig_replied, timeout=10_000, check_params_cb=is_reply("trash")):
        action()


def live_ids(window) -> set[int]:
    return {r[0] for r in window.reader.library.conn.execute("SELECT id FROM papers")}


def test_delete_key_moves_selection_to_trash_and_undo_redo(qtbot, window):
    ids = select_rows(window, [0, 2])
    assert len(ids) == 2
    window.table.setFocus()
    window.activateWindow()
    wait_trash(qtbot, window, lambda: qtbot.keyClick(window.table, Qt.Key.Key_Delete))
    assert window.statusBar().currentMessage() == "Moved 2 papers to the trash (Ctrl+Z to undo)"
    assert window.table_model.total == len(SAMPLE_PAPERS) - 2
    assert not live_ids(window) & set(ids)
    assert window.reader.library.conn.execute("SELECT count(*) FROM vectors WHERE paper_id IN (?, ?)",
                                              ids).fetchone()[0] == 0
    assert window.reader.library.conn.execute("SELECT count(*) FROM trash").fetchone()[0] == 2

    wait_trash(qtbot, window, window.paper_actions.undo_action.trigger)  # Ctrl+Z
    assert set(ids) <= live_ids(window)
    assert window.table_model.total == len(SAMPLE_PAPERS)
    assert window.reader.library.conn.execute("SELECT count(*) FROM vectors WHERE paper_id IN (?, ?)",
                                              ids).fetchone()[0] == 2
    assert window.paper_actions.undo_action.shortcut().toString() == "Ctrl+Z"

    wait_trash(qtbot, window, window.paper_actions.redo_action.trigger)  # Ctrl+Shift+Z
    assert not live_ids(window) & set(ids)
    assert window.paper_actions.redo_action.shortcut().toString() == "Ctrl+Shift+Z"


def test_context_menu_has_delete_and_trash_view_restores_and_empties(qtbot, window, monkeypatch):
    pid = window.table_model.paper_id(1)
    window.select_paper(pid)  # the current paper, shown in the details pane
    title = window.reader.paper(pid)["title"]
    assert title in window.details.text()
    assert window.paper_actions.delete_action in window.table.actions()
    wait_trash(qtbot, window, window.paper_actions.delete_action.trigger)
    assert pid not in live_ids(window)
    assert title not in window.details.text()

    panel = window.paper_actions.trash_panel
    window.paper_actions.show_trash()
    assert panel.table.rowCount() == 1
    assert panel.summary.text() == "1 paper in the trash"
    assert not panel.restore_button.isEnabled()
    panel.table.selectRow(0)
    assert panel.selected_ids() == [pid]
    wait_trash(qtbot, window, panel.restore_button.click)
    assert pid in live_ids(window)
    assert panel.table.rowCount() == 0
    assert window.table_model.row_of(pid) is not None
    assert window.statusBar().currentMessage() == "Restored 1 paper"
    wait_trash(qtbot, window, window.paper_actions.undo_stack.undo)  # undo the restore: back to the trash
    assert pid not in live_ids(window) and panel.table.rowCount() == 1
    wait_trash(qtbot, window, window.paper_actions.undo_stack.redo)
    assert pid in live_ids(window) and panel.table.rowCount() == 0

    others = select_rows(window, [0, 1, 2])
    wait_trash(qtbot, window, window.paper_actions.delete_action.trigger)
    assert panel.table.rowCount() == 3
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Cancel)
    panel.empty_button.click()  # cancelled: nothing is sent
    assert panel.table.rowCount() == 3
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    wait_trash(qtbot, window, panel.empty_button.click)
    assert panel.table.rowCount() == 0
    assert window.statusBar().currentMessage() == "Deleted 3 papers for good"
    assert not live_ids(window) & set(others)
    assert window.table_model.total == len(SAMPLE_PAPERS) - 3
    assert not window.paper_actions.undo_stack.canUndo()


def wait_lists(qtbot, window, action) -> None:
    with qtbot.waitSignal(window.client.sig_replied, timeout=10_000, check_params_cb=is_reply("lists")):
        action()


def test_reading_list_changes_undo_and_redo_in_order(qtbot, window):
    wait_lists(qtbot, window, lambda: window.create_list("Review"))
    [entry] = window.reader.reading_lists()
    list_id = entry["id"]

    def items():
        return [(i["paper_id"], i["note"]) for i in window.reader.list_items(list_id)]

    a, b, c = sorted(live_ids(window))[:3]
    wait_lists(qtbot, window, lambda: window.add_to_list(list_id, [a, b, c]))
    wait_lists(qtbot, window, lambda: window.reorder_list(list_id, [c, a, b]))
    wait_lists(qtbot, window, lambda: window.set_note(list_id, a, "read first"))
    wait_lists(qtbot, window, lambda: window.remove_from_list(list_id, [b]))
    states = [[], [(a, ""), (b, ""), (c, "")], [(c, ""), (a, ""), (b, "")], [(c, ""), (a, "read first"), (b, "")],
              [(c, ""), (a, "read first")]]
    assert items() == states[-1]
    stack = window.paper_actions.undo_stack
    assert stack.undoText() == "Remove from reading list"
    for expected in reversed(states[:-1]):
        wait_lists(qtbot, window, stack.undo)
        assert items() == expected
    assert not stack.canUndo()
    for expected in states[1:]:
        wait_lists(qtbot, window, stack.redo)
        assert items() == expected


def test_undo_of_a_delete_puts_papers_back_in_their_lists(qtbot, window):
    wait_lists(qtbot, window, lambda: window.create_list("Review"))
    [entry] = window.reader.reading_lists()
    ids = sorted(live_ids(window))[:3]
    wait_lists(qtbot, window, lambda: window.add_to_list(entry["id"], ids))
    select_rows(window, [window.table_model.row_of(ids[1])])
    wait_trash(qtbot, window, window.paper_actions.delete_action.trigger)
    assert [i["paper_id"] for i in window.reader.list_items(entry["id"])] == [ids[0], ids[2]]
    wait_trash(qtbot, window, window.paper_actions.undo_stack.undo)
    assert [i["paper_id"] for i in window.reader.list_items(entry["id"])] == ids
