"""'More like this reading list' in the related panel, on the real window and worker (issue 18); `window` is the
conftest fixture (the sample papers imported)."""

from __future__ import annotations

import pytest
from qt_helpers import SAMPLE_PAPERS

from litreview.library.db import open_library


@pytest.mark.gui
def test_more_like_list_then_dismiss(qtbot, window, library_path):
    with open_library(library_path, read_only=True) as library:
        ids = {r[1]: int(r[0]) for r in library.conn.execute("SELECT id, title FROM papers")}
    protein, folding = ids[SAMPLE_PAPERS["protein"][0]], ids[SAMPLE_PAPERS["folding"][0]]
    panel = window.related
    window.create_list("Proteins")
    qtbot.waitUntil(lambda: bool(panel._lists), timeout=30_000)
    list_id = panel._lists[0][0]
    window._edit_lists(lambda lists: lists.add(list_id, [protein]))
    panel.sig_more_like_list_requested.emit(list_id, "Proteins")  # what the button's menu item does
    qtbot.waitUntil(lambda: bool(panel.model.results), timeout=30_000)
    assert panel.more_button.isEnabled() and panel.status.text().endswith("like the reading list “Proteins”")
    assert panel.model.results[0].paper_id == folding  # the list's topical neighbour first
    panel.sig_dismiss_requested.emit(list_id, [folding])
    qtbot.waitUntil(lambda: bool(panel.model.results) and folding not in
                    [r.paper_id for r in panel.model.results], timeout=30_000)


@pytest.mark.gui
def test_missing_work_suggested_apart_and_added_as_placeholder(qtbot, window, library_path):
    """A work the list's paper cites but the library lacks shows after the papers as "not in library"; its menu's
    "Add as placeholder" adds it, and the new suggestions show it as a library paper."""
    from PySide6.QtWidgets import QMenu

    from litreview.core.reference import Reference
    from litreview.library.references import store_references

    with open_library(library_path) as library:
        protein = int(library.conn.execute("SELECT id FROM papers WHERE title = ?",
                                           (SAMPLE_PAPERS["protein"][0],)).fetchone()[0])
        cited = Reference(raw="Anfinsen C. Principles that govern the folding of protein chains. 1973.",
                          authors=("Anfinsen, C",), title="Principles that govern the folding of protein chains",
                          year=1973)
        with library.transaction() as conn:
            store_references(conn, protein, [cited])
    panel = window.related
    window.create_list("Proteins")
    qtbot.waitUntil(lambda: bool(panel._lists), timeout=30_000)
    list_id = panel._lists[0][0]
    window._edit_lists(lambda lists: lists.add(list_id, [protein]))
    panel.sig_more_like_list_requested.emit(list_id, "Proteins")
    qtbot.waitUntil(lambda: bool(panel.model.missing), timeout=30_000)
    row = len(panel.model.results)  # the missing work comes after the library's papers
    text = panel.model.index(row, 1).data()
    assert text.startswith("Principles that govern the folding") and text.endswith("not in library")
    assert "not in the library" in panel.status.text()

    panel.view.selectRow(row)
    menu = QMenu(panel)
    panel._missing_actions(menu, list_id, panel.selected_missing())  # what the row's context menu offers
    add = next(a for a in menu.actions() if a.text().startswith("Add as placeholder"))
    count = window.reader.count()
    with qtbot.waitSignal(window.list_suggestions.sig_placeholder_added, timeout=30_000) as added:
        add.trigger()
    placeholder = added.args[0]
    qtbot.waitUntil(lambda: window.reader.count() == count + 1, timeout=10_000)
    assert placeholder in [r.paper_id for r in panel.model.results] and not panel.model.missing
    assert "placeholder" in window.statusBar().currentMessage()
