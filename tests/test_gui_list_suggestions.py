"""'More like this reading list' in the related panel, on the real window and worker (issue 18)."""

from __future__ import annotations

import pytest
from qt_helpers import SAMPLE_PAPERS, write_text_papers
from test_gui_main_window import import_and_wait

from litreview.library.db import open_library


@pytest.mark.gui
def test_more_like_list_then_dismiss(qtbot, tmp_path, library_path, make_window):
    window = make_window()
    import_and_wait(qtbot, window, write_text_papers(tmp_path / "drop", SAMPLE_PAPERS))
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
