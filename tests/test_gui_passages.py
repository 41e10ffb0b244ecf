"""The window's full text (issue 19): the import indexes passages after the abstracts, the Passages search
mode lists paper, page and a highlighted snippet, and a result opens the reader at its page, highlighted.

The real pipeline, PDF reader, passage splitter and index; only the model is the torch-free FakeEmbedder."""

from __future__ import annotations

import pytest
from pdf_factory import make_paper
from PySide6.QtCore import QSettings
from test_gui_main_window import drop_on
from test_gui_real_pipeline import RealPipelineFakeModel

from litreview.app import ensure_library
from litreview.gui.library_reader import LibraryReader
from litreview.gui.main_window import MainWindow
from litreview.library.db import open_library
from litreview.library.passages import MAX_PASSAGES_SETTING
from litreview.workers.client import WorkerClient

pytestmark = [pytest.mark.gui]


@pytest.fixture
def make_window(qtbot, tmp_path, library_path):
    made = []

    def make(max_passages: int | None = None) -> MainWindow:
        ensure_library(library_path)
        if max_passages is not None:
            library = open_library(library_path)
            library.set_setting(MAX_PASSAGES_SETTING, str(max_passages))
            library.close()
        reader = LibraryReader(open_library(library_path, read_only=True))
        client = WorkerClient(library_path, backend=RealPipelineFakeModel(), progress_interval=0.0)
        win = MainWindow(reader, client, settings=QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat))
        qtbot.addWidget(win)
        win.resize(1400, 1000)
        win.show()
        made.append((win, client, reader))
        return win

    yield make
    for win, client, reader in made:
        win.close()
        assert client.shutdown(60_000)
        reader.library.close()


def import_pdfs(qtbot, window, folder):
    stages: list[str] = []
    window.client.sig_progress.connect(lambda progress: stages.append(progress.stage))
    with qtbot.waitSignal(window.client.sig_job_done, timeout=120_000) as done:
        drop_on(window, [folder])
    outcome = done.args[0]
    assert outcome.status == "finished", outcome.error
    return outcome, stages


def test_import_indexes_passages_after_the_abstracts_within_the_bound(qtbot, make_window, tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    make_paper(folder / "long.pdf", pages=4, seed=1)
    window = make_window(max_passages=2)
    outcome, stages = import_pdfs(qtbot, window, folder)
    assert outcome.imported == 1
    assert "embed" in stages and "passages" in stages and "embed passages" in stages
    assert stages.index("embed") < stages.index("passages") < stages.index("embed passages")
    library = window.reader.library
    assert library.query("SELECT count(*) AS n FROM passages")[0]["n"] == 2
    reasons = [row["reason"] for row in library.query("SELECT reason FROM import_log WHERE outcome = 'warning'")]
    assert any("fulltext_max_passages is 2" in reason for reason in reasons), reasons
