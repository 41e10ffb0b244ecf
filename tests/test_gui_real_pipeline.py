"""The drop → related → list → export story on the real pipeline, index and PDF reader with real PDFs.

Only the embedding model is a small torch-free fake (the real models are exercised by the embedding tests and
benchmarks/ui_stall.py); everything else is what the app runs.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from qt_helpers import FakeBackend
from test_gui_main_window import drop_on, is_reply

from litreview.app import ensure_library
from litreview.gui.library_reader import LibraryReader
from litreview.gui.main_window import MainWindow
from litreview.library.db import open_library
from litreview.workers.client import WorkerClient
from litreview.workers.session import LocalBackend

pytestmark = [
    pytest.mark.gui,
]

PDFS = (
    "cermine_tests__test1.pdf",
    "pmc_tulsi_tigr2ess__PMC1397864__fulltext.pdf",
    "pmc_tulsi_tigr2ess__PMC2803133__fulltext.pdf",
    "pmc_tulsi_tigr2ess__PMC3178181__fulltext.pdf",
)


class RealPipelineFakeModel(LocalBackend):
    """The real pipeline, index and search; only the model is FakeEmbedder."""

    load_embedder = FakeBackend.load_embedder

    def __init__(self) -> None:
        self.dim = 64
        self.embedders_loaded = 0


@pytest.fixture
def window(qtbot, tmp_path, library_path):
    ensure_library(library_path)
    reader = LibraryReader(open_library(library_path, read_only=True))
    client = WorkerClient(library_path, backend=RealPipelineFakeModel())
    win = MainWindow(reader, client, settings=QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    assert client.shutdown(60_000)
    reader.library.close()


def test_real_pdfs_dropped_related_listed_exported(qtbot, window, shared_data, tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    for name in PDFS:
        shutil.copy(shared_data / "pdfs" / "ground-truth" / name, folder / name)
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.7\n this is not a PDF body at all\n")

    with qtbot.waitSignal(window.client.sig_job_done, timeout=120_000) as done:
        drop_on(window, [folder])
    outcome = done.args[0]
    assert outcome.status == "finished", outcome.error
    assert outcome.imported == len(PDFS)
    assert [Path(label).name for label, _ in outcome.failed] == ["corrupt.pdf"]
    qtbot.waitUntil(lambda: window.table_model.rowCount() == len(PDFS), timeout=5_000)

    # the import log names the corrupt file with a reason a user understands
    logged = dict((Path(path).name, reason) for path, reason in window.import_log.model.reasons())
    assert set(logged) == {"corrupt.pdf"} and logged["corrupt.pdf"]
    assert window.log_dock.isVisible()

    # select the first paper: the related panel fills with the other three, best first
    with qtbot.waitSignal(window.client.sig_replied, timeout=30_000, check_params_cb=is_reply("related")) as related:
        window.table.setCurrentIndex(window.table_model.index(0, 0))
    reply = related.args[0]
    assert reply.error == "" and reply.value.paper_id == window.current_paper_id()
    results = window.related.model.results
    assert len(results) == len(PDFS) - 1
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    assert window.current_paper_id() not in {r.paper_id for r in results}

    # add the best result to a new list and export the list as RIS
    with qtbot.waitSignal(window.client.sig_replied, timeout=10_000, check_params_cb=is_reply("lists")):
        window.create_list("Reading")
    list_id = window.lists.current_list_id()
    with qtbot.waitSignal(window.client.sig_replied, timeout=10_000, check_params_cb=is_reply("lists")):
        window.add_to_list(list_id, [results[0].paper_id])
    assert window.lists.item_ids() == [results[0].paper_id]
    target = tmp_path / "reading.ris"
    window.export_papers(window.reader.list_papers(list_id), "Reading", fmt="ris", destination=target)
    text = target.read_text(encoding="utf-8")
    assert text.count("ER  -") == 1
    assert results[0].title.split()[0] in text

    # cluster the library: the map dock draws one dot per paper; clicking a dot selects that paper
    with qtbot.waitSignal(window.client.sig_replied, timeout=120_000, check_params_cb=is_reply("map")) as drawn:
        window.map.recluster.click()
    assert drawn.args[0].error == ""
    assert window.map.point_count == len(PDFS)
    assert re.search(r"\d+ papers in \d+ topics?\b", window.map.status.text())
    assert sorted(window.map.paper_ids()) == sorted([reply.value.paper_id] + [r.paper_id for r in results])
    window.map.click(results[1].paper_id)
    assert window.current_paper_id() == results[1].paper_id
