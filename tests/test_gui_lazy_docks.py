"""Docks that start hidden build their panels on first show (issue #20: start-up time), and behave as before:
the View menu shows them, a restored layout shows them, the import log read while hidden is there when shown."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDockWidget
from qt_helpers import SAMPLE_PAPERS, write_text_papers


def lazy_docks(window) -> list[QDockWidget]:
    return [window.screening_dock, window.log_dock, *window.passages.docks]


def test_hidden_docks_are_built_once_when_first_shown(qtbot, make_window):
    from litreview.gui.passage_results import PassageResultsPanel
    from litreview.gui.screening_view import ScreeningView

    window = make_window()
    assert [dock.built for dock in lazy_docks(window)] == [False] * 5
    assert not any(dock.isVisible() for dock in lazy_docks(window))

    window.screening_dock.toggleViewAction().trigger()  # View menu
    assert window.screening_dock.isVisible() and isinstance(window.screening_dock.widget(), ScreeningView)
    assert window.screening is window.screening_dock.widget()
    window.screening_dock.hide()
    window.screening_dock.show()
    assert window.screening is window.screening_dock.widget()  # built once

    window.tabifyDockWidget(window.related_dock, window.passages.evidence_dock)  # shown as a tab
    window.passages.evidence_dock.show()
    assert isinstance(window.passages.evidence, PassageResultsPanel)
    assert not window.passages.results_dock.built and not window.passages.reader_dock.built


def test_import_log_read_while_hidden_shows_when_the_dock_opens(qtbot, make_window, tmp_path):
    folder = tmp_path / "drop"
    write_text_papers(folder, dict(list(SAMPLE_PAPERS.items())[:2]))
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.4 not really")
    window = make_window()
    with qtbot.waitSignal(window.client.sig_job_done, timeout=30_000):
        window.import_paths([folder])
    assert window.log_dock.isVisible()  # a failed file shows the log
    window.close()

    restored = make_window()  # the saved layout shows the log: built at start, with its rows
    assert restored.log_dock.built and restored.log_dock.isVisibleTo(restored)
    assert [Path(path).name for path, _ in restored.import_log.model.reasons()] == ["corrupt.pdf"]
    restored.log_dock.hide()
    restored.close()

    hidden = make_window()
    assert not hidden.log_dock.built
    hidden.refresh_import_log()  # nothing to refresh yet: read when shown
    hidden.log_dock.toggleViewAction().trigger()
    assert [Path(path).name for path, _ in hidden.import_log.model.reasons()] == ["corrupt.pdf"]
    assert "1 failed" in hidden.import_log.summary.text()
