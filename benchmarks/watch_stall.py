"""How responsive the real main window stays while its watched folder fills (issue #17). Prints the figures.

The real main window (offscreen) with the real worker and model watches an empty folder (the app's own setting
and poll interval); --count PDFs are copied into it one by one, --every seconds apart, while a 10 ms QTimer
heartbeat on the GUI thread records the gaps between beats (as benchmarks/ui_stall.py does). It stops when every
PDF is imported (or after --timeout seconds) and prints the longest gap, the p99 and median, and the papers.

PDFs: generated ones (tests/pdf_factory.py, different seeds) unless --pdfs DIR names a folder of PDFs.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/watch_stall.py [--count 20] [--every 0.5] [--model NAME]
        [--pdfs DIR] [--no-embed]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def source_pdfs(folder: Path | None, count: int, into: Path) -> list[Path]:
    if folder is not None:
        return sorted(folder.glob("*.pdf"))[:count]
    from pdf_factory import make_paper

    into.mkdir()
    return [make_paper(into / f"generated{seed:02d}.pdf", pages=3, seed=seed).path for seed in range(count)]


def measure(pdfs: list[Path], every: float, model: str | None, timeout: float, backend,  # noqa: ANN001
            tracer=None) -> dict:  # noqa: ANN001
    from PySide6.QtCore import QSettings, QTimer, Slot
    from PySide6.QtWidgets import QApplication
    from stall_trace import heartbeat_probe, run_timed

    from litreview.app import create_window, ensure_library
    from litreview.gui.zotero_watch import WATCH_ENABLED_KEY, WATCH_FOLDER_KEY
    from litreview.workers.messages import JobOutcome

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        watched = Path(tmp) / "watched"
        watched.mkdir()
        library_path = ensure_library(Path(tmp) / "library.sqlite")
        if model:
            from litreview.library import settings as library_settings
            from litreview.library.db import open_library

            with open_library(library_path) as library:
                library.set_setting(library_settings.MODEL, model)
        settings = QSettings(str(Path(tmp) / "gui.ini"), QSettings.Format.IniFormat)
        settings.setValue(WATCH_FOLDER_KEY, str(watched))
        settings.setValue(WATCH_ENABLED_KEY, True)
        window, client = create_window(library_path, settings=settings, backend=backend)
        window.resize(1280, 800)
        window.show()

        class Probe(heartbeat_probe(tracer)):
            def __init__(self) -> None:
                super().__init__()
                self.imported = 0
                self.failed = 0
                self.jobs = 0
                self.copied = 0

            @Slot()
            def copy_next(self) -> None:
                if self.copied < len(pdfs):
                    shutil.copyfile(pdfs[self.copied], watched / pdfs[self.copied].name)
                    self.copied += 1

            @Slot(object)
            def done(self, outcome: JobOutcome) -> None:
                if outcome.kind != "import":
                    return
                self.jobs += 1
                self.imported += outcome.imported + outcome.duplicates
                self.failed += len(outcome.failed)
                if self.imported + self.failed >= len(pdfs) or window.reader.count() >= len(pdfs):
                    app.quit()  # a file seen twice while it grew counts once in the library, not in the counts

        probe = Probe()
        heartbeat = QTimer()
        heartbeat.setInterval(10)
        heartbeat.timeout.connect(probe.beat)
        copier = QTimer()
        copier.setInterval(int(every * 1000))
        copier.timeout.connect(probe.copy_next)
        client.sig_job_done.connect(probe.done)
        QTimer.singleShot(int(timeout * 1000), app.quit)

        started, elapsed = run_timed(app, (heartbeat, copier), tracer)
        papers = window.reader.count()
        window.close()
        client.shutdown()
        window.reader.library.close()
    gaps = sorted((b - a) * 1000 for a, b in zip(probe.beats, probe.beats[1:], strict=False))
    return {
        "pdfs_copied": probe.copied, "papers": papers, "failed": probe.failed, "import_jobs": probe.jobs,
        "seconds": round(elapsed, 1),
        "longest_gap_ms": round(gaps[-1], 1) if gaps else None,
        "p99_gap_ms": round(gaps[int(len(gaps) * 0.99)], 1) if gaps else None,
        "median_gap_ms": round(gaps[len(gaps) // 2], 1) if gaps else None,
        "gaps_over_100ms": sum(1 for gap in gaps if gap > 100),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between two copies")
    parser.add_argument("--pdfs", type=Path, help="a folder of PDFs to copy (default: generated ones)")
    parser.add_argument("--model", help="the library's embedding model (default: the offline default)")
    parser.add_argument("--no-embed", action="store_true", help="a stand-in model (tests' bag of words), no torch")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--trace", action="store_true", help="print where the GUI thread was at each late beat")
    args = parser.parse_args()
    backend = None
    if args.no_embed:
        from qt_helpers import FakeBackend

        from litreview.ingest.registry import default_registry

        class RealReadersFakeModel(FakeBackend):
            def readers(self):  # noqa: ANN202 - the app's readers, the tests' model
                return default_registry()

        backend = RealReadersFakeModel()
    with tempfile.TemporaryDirectory() as tmp:
        pdfs = source_pdfs(args.pdfs, args.count, Path(tmp) / "pdfs")
        if not pdfs:
            sys.exit(f"no PDFs in {args.pdfs} (the folder's own *.pdf files are used, not its subfolders)")
        from stall_trace import StallTracer

        tracer = StallTracer() if args.trace else None
        result = measure(pdfs, args.every, args.model, args.timeout, backend, tracer)
    result["model"] = "bag-of-words stand-in" if args.no_embed else (args.model or "library default")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
