"""Screening in the real main window: the GUI thread's longest stall and the re-ranking latency per decision.

A library of --papers SciFact abstracts (no vectors: TF-IDF and the ranker's other features) is screened from the
whole library in the real window (offscreen) with the real worker thread: a decision every --interval ms (the
first two include, then one include in ten), while a 10 ms QTimer heartbeat on the GUI thread records the gaps
between beats. The window does not resume embedding at start, so the worker does the screening alone (an import
or embedding running meanwhile is benchmarks/ui_stall.py's measure). Prints the longest gap (floor: < 100 ms)
and the seconds from each decision to the new ranking being swapped in (floor for 10,000 candidates: < 1 s on 2 cores).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/screening_stall.py [--papers 5000] [--decisions 30]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from ui_stall import DATA, build_scifact_library  # noqa: E402


def measure(papers: int, decisions: int, interval_ms: int) -> dict:
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from litreview.app import ensure_library
    from litreview.gui.library_reader import LibraryReader, ReadOnlyLibrary
    from litreview.gui.main_window import MainWindow
    from litreview.workers.client import WorkerClient

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        library_path = ensure_library(Path(tmp) / "library.sqlite")
        build_s = build_scifact_library(library_path, papers)
        client = WorkerClient(library_path)  # no resume job: the library's embedding would share the worker
        window = MainWindow(LibraryReader(ReadOnlyLibrary(library_path)), client, resume_on_start=False,
                            settings=QSettings(str(Path(tmp) / "gui.ini"), QSettings.Format.IniFormat))
        window.resize(1280, 800)
        window.show()
        view = window.screening
        beats: list[float] = []
        asked: list[float] = []
        latencies: list[float] = []
        opened: list[float] = []

        def ranked() -> None:
            if not opened:
                opened.append(time.perf_counter())
                ticker.start()
            elif asked:
                latencies.append(time.perf_counter() - asked[-1])

        def tick() -> None:
            if len(asked) >= decisions or view.state is None or view.state.current is None:
                ticker.stop()
                QTimer.singleShot(3000, app.quit)  # the last ranking comes back
                return
            asked.append(time.perf_counter())
            view.decide("include" if len(asked) <= 2 or len(asked) % 10 == 0 else "exclude")

        heartbeat, ticker = QTimer(), QTimer()
        heartbeat.setInterval(10)
        heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
        ticker.setInterval(interval_ms)
        ticker.timeout.connect(tick)
        view.sig_ranked.connect(ranked)
        started = time.perf_counter()
        heartbeat.start()
        QTimer.singleShot(100, window.screen_library)
        app.exec()
        heartbeat.stop()
        client.shutdown()
        window.reader.library.close()
        window.close()
    gaps = sorted((b - a) * 1000 for a, b in zip(beats, beats[1:], strict=False))
    worst = max(zip(beats, beats[1:], strict=False), key=lambda pair: pair[1] - pair[0], default=None)
    during = [(b - a) * 1000 for a, b in zip(beats, beats[1:], strict=False) if opened and a >= opened[0]]
    return {
        "papers": papers, "library_build_s": round(build_s, 1),
        "open_and_first_rank_s": round(opened[0] - started - 0.1, 2) if opened else None,
        "decisions": len(asked), "rankings_swapped_in": len(latencies),
        "rank_latency_s_median": round(sorted(latencies)[len(latencies) // 2], 3) if latencies else None,
        "rank_latency_s_max": round(max(latencies), 3) if latencies else None,
        "longest_gap_ms_while_screening": round(max(during), 1) if during else None,
        "longest_gap_ms_overall": round(gaps[-1], 1) if gaps else None,
        "longest_gap_ends_at_s": round(worst[1] - started, 2) if gaps else None,  # opening asked at 0.1 s
        "gaps_over_100ms_while_screening": sum(1 for g in during if g > 100),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=5000)
    parser.add_argument("--decisions", type=int, default=30)
    parser.add_argument("--interval", type=int, default=400, help="ms between decisions")
    args = parser.parse_args()
    if not (DATA / "beir" / "scifact" / "corpus.jsonl").is_file():
        print(f"needs {DATA / 'beir' / 'scifact'} (see docs/test-data.md)", file=sys.stderr)
        return 2
    print(json.dumps(measure(args.papers, args.decisions, args.interval), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
