"""Shared helpers for the Qt tests: fakes of the worker's services and little text papers for them.

The Qt leak checks (threads, timers) are fixtures in conftest.py, on for every test that uses qtbot or qapp.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
from fakes import BagOfWordsEmbedder

from litreview.core.paper import IngestError, ParsedPaper
from litreview.ingest.registry import Reader, Registry
from litreview.library import settings

# ---------------------------------------------------------------------------------------------------------------
# Leaked threads


def still_running(threads, *, grace_s: float) -> list[str]:
    """Names of the threads still running after waiting up to `grace_s` for them to end."""
    deadline = time.monotonic() + grace_s
    while True:
        running = [thread.objectName() or repr(thread) for thread in threads if thread.isRunning()]
        if not running or time.monotonic() >= deadline:
            return running
        time.sleep(0.05)


# ---------------------------------------------------------------------------------------------------------------
# Fakes: a bag-of-words embedder, a brute-force index and a pipeline that reads little text files.


class FakeEmbedder(BagOfWordsEmbedder):
    """Hashes words of 3+ letters into a small L2-normalised vector, so similar texts get similar vectors."""

    model_id = "fake-bow"
    word = re.compile(r"\w{3,}")


class FakeIndex:
    """Brute force over the vectors table (the real IndexService's `related` contract)."""

    def __init__(self, library) -> None:
        self.library = library

    def _load(self, model_id: str, dim: int) -> tuple[np.ndarray, np.ndarray]:
        rows = self.library.conn.execute(
            "SELECT paper_id, vector FROM vectors WHERE model_id = ? AND dim = ? ORDER BY paper_id", (model_id, dim)
        ).fetchall()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        matrix = np.stack([np.frombuffer(r[1], dtype="<f4") for r in rows]) if rows else np.zeros((0, dim), "f4")
        return ids, matrix

    def related(self, paper_id: int, model_id: str, dim: int, k: int = 10) -> list[tuple[int, float]]:
        ids, matrix = self._load(model_id, dim)
        where = np.flatnonzero(ids == paper_id)
        if not len(where):
            raise LookupError(f"paper {paper_id} is not embedded yet")
        scores = matrix @ matrix[where[0]]
        order = [i for i in np.argsort(-scores, kind="stable") if ids[i] != paper_id][:k]
        return [(int(ids[i]), float(scores[i])) for i in order]

    def load(self, model_id: str, dim: int) -> None:
        """Nothing to load: every query reads the vectors table."""

    def add(self, model_id: str, dim: int, ids, vectors) -> None:
        """Nothing to keep: every query reads the vectors table."""

    def save(self, model_id: str, dim: int) -> None:
        """Nothing to snapshot."""

    def search(self, model_id: str, dim: int, vector: np.ndarray, k: int = 10) -> list[tuple[int, float]]:
        ids, matrix = self._load(model_id, dim)
        scores = matrix @ vector
        return [(int(ids[i]), float(scores[i])) for i in np.argsort(-scores, kind="stable")[:k]]


def write_text_papers(folder: Path, papers: dict[str, tuple[str, str]]) -> list[Path]:
    """Little '.txt' papers the fake pipeline reads: first line title, the rest abstract."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, (title, abstract) in papers.items():
        path = folder / f"{name}.txt"
        path.write_text(f"{title}\n{abstract}\n", encoding="utf-8")
        paths.append(path)
    return paths


class FakeBackend:
    """The worker's services without torch, hnswlib or PDFs: a bag-of-words model, a brute-force index and a reader
    of little text files (a `.pdf` is "not a readable text paper"). `step_delay` makes each file slow on purpose."""

    def __init__(self, *, step_delay: float = 0.0, dim: int = 64) -> None:
        self.step_delay = step_delay
        self.dim = dim
        self.embedders_loaded = 0

    def load_embedder(self, library, choice):
        self.embedders_loaded += 1
        embedder = FakeEmbedder(choice.dim or self.dim)
        if choice.name:
            embedder.model_id = choice.name
        settings.record_loaded(library, choice.name or embedder.model_id, embedder.model_id, embedder.dim)
        return embedder

    def model_ready(self, library, embedder) -> None:
        """load_embedder recorded the model already."""

    def make_index(self, library):
        return FakeIndex(library)

    def readers(self) -> Registry:
        read = self._read  # looked up per file, so a test can replace read_text on a running backend
        return Registry([Reader("Text", frozenset({".txt"}), read_file=read),
                         Reader("PDF", frozenset({".pdf"}), read_file=read)])

    def _read(self, path: Path) -> ParsedPaper | IngestError:
        return self.read_text(path)

    def read_text(self, path: Path) -> ParsedPaper | IngestError:
        if self.step_delay:
            time.sleep(self.step_delay)
        text = path.read_text(encoding="utf-8", errors="replace") if path.suffix == ".txt" else ""
        if not text.strip():
            return IngestError(str(path), "not a readable text paper")
        title, _, abstract = text.partition("\n")
        return ParsedPaper(source="text", title=title.strip(), abstract=abstract.strip(), authors=("Ada Lovelace",),
                           year=2024, venue="Fake Venue")


class RealReaders(FakeBackend):
    """The fake model and index, with the app's real readers (PDFs, BibTeX, RIS, Zotero...)."""

    def readers(self) -> Registry:
        from litreview.ingest.registry import default_registry

        return default_registry()


SAMPLE_PAPERS = {
    "protein": ("Protein folding with deep networks", "Deep networks predict protein folding from sequences."),
    "folding": ("Fast protein structure prediction", "Protein structure prediction from amino acid sequences, fast."),
    "galaxy": ("Galaxy rotation curves", "Dark matter halos explain flat galaxy rotation curves in spirals."),
    "cosmos": ("Dark matter in dwarf galaxies", "Dwarf galaxy rotation reveals dark matter halo cores."),
    "parsing": ("Parsing PDFs for metadata", "Extracting titles and abstracts from scholarly PDF layouts."),
}


def make_fake_embedder(name=None, *, device=None, dim=None) -> FakeEmbedder:
    """A factory for litreview.workers.embedding_process ("qt_helpers:make_fake_embedder")."""
    if name == "missing-model":
        raise FileNotFoundError("no model called missing-model here")
    return FakeEmbedder(dim or 64)


class WindowMaker:
    """Real MainWindows, each over a library with its own threaded WorkerClient (the FakeBackend unless given) and
    the test's gui.ini settings; `close_all` (the make_window fixture's teardown) closes what is still open."""

    def __init__(self, qtbot, tmp_path: Path, library_path: Path) -> None:
        self.qtbot, self.tmp_path, self.library_path = qtbot, tmp_path, library_path
        self.made: list = []

    def __call__(self, backend=None, *, path: Path | None = None, settings=None, show: bool = True,
                 **settings_values):
        """A window over `path` (default: the test's library, created first when needed)."""
        from PySide6.QtCore import QSettings

        from litreview.app import ensure_library
        from litreview.gui.library_reader import LibraryReader
        from litreview.gui.main_window import MainWindow
        from litreview.library.db import open_library
        from litreview.workers.client import WorkerClient

        path = path or self.library_path
        ensure_library(path)
        reader = LibraryReader(open_library(path, read_only=True))
        client = WorkerClient(path, backend=backend or FakeBackend(), progress_interval=0.0)
        if settings is None:
            settings = QSettings(str(self.tmp_path / "gui.ini"), QSettings.Format.IniFormat)
        for key, value in settings_values.items():
            settings.setValue(key, value)
        window = MainWindow(reader, client, settings=settings, export_folder=self.tmp_path / "exports")
        self.qtbot.addWidget(window)
        self.made.append(window)
        if show:
            window.show()
        return window

    def close(self, window) -> None:
        """Close the window, stop its worker and close its reading connection."""
        self.made.remove(window)
        window.close()
        assert window.client.shutdown(30_000)
        window.reader.library.close()

    def close_all(self) -> None:
        while self.made:
            self.close(self.made[0])


def is_reply(channel: str):
    """For qtbot.waitSignal(client.sig_replied, check_params_cb=...): the reply of one channel."""
    return lambda reply: reply.channel == channel
