"""Screening in the real main window: the GUI thread's longest stall and the re-ranking latency per decision.

A library of --papers SciFact abstracts (no vectors: TF-IDF and the ranker's other features) is screened from the
whole library in the real window (offscreen) with the real worker thread: a decision every --interval ms (the
first two include, then one include in ten), while a 10 ms QTimer heartbeat on the GUI thread records the gaps
between beats. The window does not resume embedding at start, so the worker does the screening alone (an import
or embedding running meanwhile is benchmarks/ui_stall.py's measure). Prints the longest gap (floor: < 100 ms)
and the seconds from each decision to the new ranking being swapped in (floor for 10,000 candidates: < 1 s on 2 cores).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/screening_stall.py [--papers 5000] [--decisions 30]
        [--watch 50]

Measured 2026-12-02 on the shared 2-core machine (`--papers 5000 --decisions 30`, load averages 5-6 from other
work): longest GUI gap while screening 56.4 ms (GUI thread's own work per decision at most 19.5 ms, re-ranking
median 0.087 s); the same run with the heap freeze after opening disabled: 204.5 ms. `--watch` had shown full
garbage collections of 80-130 ms on the worker inside the worst gaps (gc.collect(2) over the ~100k objects the
modules and features leave: ~80 ms of CPU); with the freeze (screening_view._freeze_heap) none over 0.5 ms.

--watch MS (diagnosis, perturbs the figure a little): a sampler thread records every thread's Python stack every
2 ms; for each heartbeat gap over MS while screening it prints the stacks seen just before the gap ended (a C
call holding the GIL shows as the last stack before the gap, since no sample can be taken during it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from ui_stall import DATA, build_scifact_library  # noqa: E402


class Sampler:
    """Every thread's innermost Python frames, every `period` seconds, on a daemon thread."""

    def __init__(self, period: float = 0.002, depth: int = 8) -> None:
        self.period, self.depth = period, depth
        self.samples: list[tuple[float, dict[int, list[str]]]] = []
        self.collections: list[tuple[float, float, int, int]] = []  # garbage collections: start, end, gen, thread
        self._gc_start = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self.collections.append((self._gc_start, time.perf_counter(), info["generation"], threading.get_ident()))

    def start(self) -> None:
        import gc

        gc.callbacks.append(self._on_gc)
        self._thread.start()

    def stop(self) -> None:
        import gc

        gc.callbacks.remove(self._on_gc)
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = threading.get_ident()
        while not self._stop.is_set():
            now = time.perf_counter()
            stacks = {}
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                lines = []
                while frame is not None and len(lines) < self.depth:
                    code = frame.f_code
                    lines.append(f"{Path(code.co_filename).name}:{frame.f_lineno} {code.co_name}")
                    frame = frame.f_back
                stacks[ident] = lines
            self.samples.append((now, stacks))
            time.sleep(self.period)

    def report(self, gaps: list[tuple[float, float]], main: int) -> None:
        """Print, for each (start, end) gap, the stacks of the last sample before its end (and its time)."""
        for start, end in gaps:
            before = [s for s in self.samples if s[0] <= end]
            print(f"--- gap {1000 * (end - start):.1f} ms ending at {end:.3f}", file=sys.stderr)
            for a, b, generation, ident in self.collections:
                if a < end and b > start:
                    label = "GUI" if ident == main else f"thread {ident}"
                    print(f"  gc of generation {generation} on {label}: {1000 * (b - a):.1f} ms", file=sys.stderr)
            for when, stacks in before[-2:]:
                print(f"  sample at {1000 * (when - start):+.1f} ms from the gap's start", file=sys.stderr)
                for ident, lines in stacks.items():
                    label = "GUI" if ident == main else f"thread {ident}"
                    print(f"    {label}: " + " <- ".join(lines), file=sys.stderr)


def measure(papers: int, decisions: int, interval_ms: int, watch_ms: float | None = None) -> dict:
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
        deciding: list[float] = []

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
            deciding.append(time.perf_counter() - asked[-1])  # the GUI thread's own work for a decision

        heartbeat, ticker = QTimer(), QTimer()
        heartbeat.setInterval(10)
        heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
        ticker.setInterval(interval_ms)
        ticker.timeout.connect(tick)
        view.sig_ranked.connect(ranked)
        sampler = Sampler() if watch_ms else None
        if sampler is not None:
            sampler.start()
        started = time.perf_counter()
        heartbeat.start()
        QTimer.singleShot(100, window.screen_library)
        app.exec()
        heartbeat.stop()
        if sampler is not None:
            sampler.stop()
            late = [(a, b) for a, b in zip(beats, beats[1:], strict=False)
                    if opened and a >= opened[0] and (b - a) * 1000 > watch_ms]
            sampler.report(late, threading.main_thread().ident)
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
        "decide_on_gui_thread_ms_max": round(1000 * max(deciding), 1) if deciding else None,
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
    parser.add_argument("--watch", type=float, help="print the threads' stacks around heartbeat gaps over this (ms)")
    args = parser.parse_args()
    if not (DATA / "beir" / "scifact" / "corpus.jsonl").is_file():
        print(f"needs {DATA / 'beir' / 'scifact'} (see docs/test-data.md)", file=sys.stderr)
        return 2
    print(json.dumps(measure(args.papers, args.decisions, args.interval, args.watch), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
