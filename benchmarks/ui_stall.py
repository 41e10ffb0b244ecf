"""How responsive the real main window stays, and how fast it appears (issue #7's floors). Prints the figures.

1. Startup: a fresh process opens a library of --startup-papers papers (SciFact abstracts) and shows the main
   window; prints the seconds from process start to the first event-loop turn after show() (wall clock, and the
   process's CPU seconds, steadier on a busy machine), and whether torch had been imported by then (it must not
   be). Floor: < 1.0 s, torch not imported. The window's settings are a fresh profile (a temporary
   XDG_CONFIG_HOME), or a copy of --gui-settings (a saved litreview.conf: its layout); never the user's own.
   --compare-with DIR runs the same probe on another checkout of the project (e.g. `git worktree add --detach
   DIR COMMIT`), alternating with this one for --rounds rounds, and prints both medians.
2. Stall: the real main window (offscreen) imports the ground-truth PDFs with embedding, with the real worker
   thread and model, while a 10 ms QTimer heartbeat on the GUI thread records the gaps between beats; the
   selection moves every 250 ms so "find related" requests run too. Prints the longest gap. Floor: < 100 ms.

3. Table: GUI-thread milliseconds to open, sort, filter and scroll the table over --table-papers papers.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/ui_stall.py [--model NAME] [--pdfs DIR] [--limit N]
        [--startup-papers 5000] [--table-papers 100000] [--skip-startup] [--skip-import]
        [--repeats 3] [--rounds 1] [--gui-settings FILE] [--compare-with DIR] [--drop-after-ms 100]
        [--without-passages]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.data_location import DATA_ENV, data_dir  # noqa: E402

DATA = data_dir()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

STARTUP_PROBE = r"""
import time
T0, C0 = time.perf_counter(), time.process_time()
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from litreview.app import create_window
app = QApplication([])
window, client = create_window(sys.argv[1])
window.show()
result = {}
def shown():
    result["shown_s"] = time.perf_counter() - T0
    result["shown_cpu_s"] = time.process_time() - C0
    result["rows_loaded"] = window.table_model.rowCount()
    result["papers"] = window.reader.count()
    result["torch_imported"] = "torch" in sys.modules
    result["transformers_imported"] = "transformers" in sys.modules
    result["hnswlib_imported"] = "hnswlib" in sys.modules
    app.quit()
QTimer.singleShot(0, shown)
app.exec()
client.shutdown()
print(json.dumps(result))
"""


def build_scifact_library(path: Path, count: int) -> float:
    """A library with the first `count` SciFact abstracts, inserted through the pipeline. Returns seconds."""
    from litreview.core.paper import ParsedPaper
    from litreview.library.db import open_library
    from litreview.pipeline import add_records

    records = []
    with open(DATA / "beir" / "scifact" / "corpus.jsonl", encoding="utf-8") as corpus:
        for line in corpus:
            doc = json.loads(line)
            records.append(ParsedPaper(source="beir", title=doc["title"], abstract=doc["text"],
                                       origin=f"scifact:{doc['_id']}"))
            if len(records) >= count:
                break
    start = time.perf_counter()
    with open_library(path) as library:
        add_records(library, records, batch="benchmark")
    return time.perf_counter() - start


BUILD_IN_CHECKOUT = r"""
import sys, time
from pathlib import Path
sys.path.insert(0, str(Path.cwd() / "benchmarks"))
import ui_stall
print(ui_stall.build_scifact_library(Path(sys.argv[1]), int(sys.argv[2])))
"""


def probe_startup(checkout: Path, library: Path, gui_settings: Path | None, tmp: Path) -> dict:
    """One start-up of `checkout`'s window over `library`, with a fresh settings profile (or a copy of
    `gui_settings`)."""
    config = tmp / "xdg-config"
    shutil.rmtree(config, ignore_errors=True)
    (config / "litreview").mkdir(parents=True)
    if gui_settings is not None:
        shutil.copy(gui_settings, config / "litreview" / "litreview.conf")
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", STARTUP_PROBE, str(library)], capture_output=True, text=True,
                         cwd=checkout, check=True,
                         env={**os.environ, "PYTHONPATH": str(checkout), "XDG_CONFIG_HOME": str(config)})
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["spawn_to_shown_s"] = time.perf_counter() - started
    return result


def measure_startup(count: int, repeats: int, *, rounds: int = 1, gui_settings: Path | None = None,
                    compare_with: Path | None = None) -> dict:
    """`repeats` start-ups of this checkout (and of `compare_with`, alternating) in each of `rounds` rounds."""
    checkouts = {"this": ROOT, **({"other": compare_with.resolve()} if compare_with else {})}
    with tempfile.TemporaryDirectory() as tmp:
        libraries, build_s = {}, 0.0
        for name, checkout in checkouts.items():
            libraries[name] = Path(tmp) / f"{name}.sqlite"
            if checkout == ROOT:
                build_s = build_scifact_library(libraries[name], count)
            else:  # its own code writes its own schema
                built = subprocess.run([sys.executable, "-c", BUILD_IN_CHECKOUT, str(libraries[name]), str(count)],
                                       cwd=checkout, capture_output=True, text=True,
                                       env={**os.environ, "PYTHONPATH": str(checkout), DATA_ENV: str(DATA)})
                if built.returncode:
                    raise SystemExit(f"could not build the library with {checkout}'s code:\n{built.stderr}")
        runs: dict[str, list[dict]] = {name: [] for name in checkouts}
        for _ in range(rounds):
            for name, checkout in checkouts.items():
                runs[name] += [probe_startup(checkout, libraries[name], gui_settings, Path(tmp))
                               for _ in range(repeats)]
    result = {"library_build_s": round(build_s, 2), "runs": runs["this"], "load_average": os.getloadavg()}
    if compare_with:
        result["other_checkout"] = str(compare_with)
        result["other_runs"] = runs["other"]
    return result


def startup_medians(runs: list[dict]) -> str:
    return (f"median {statistics.median(r['spawn_to_shown_s'] for r in runs):.3f} s wall "
            f"(in-process {statistics.median(r['shown_s'] for r in runs):.3f} s, "
            f"CPU {statistics.median(r['shown_cpu_s'] for r in runs):.3f} s) of {len(runs)}")


def measure_stall(pdfs: Path, model: str | None, limit: int | None, tracer=None,  # noqa: ANN001
                  drop_after_ms: int = 100, passages: bool = True) -> dict:
    """The import stall; `tracer` (benchmarks/stall_trace.StallTracer) also prints where the GUI thread was. The
    files are dropped `drop_after_ms` after the event loop starts (the heartbeat runs from the start, so what the
    window does on its own after start-up counts too; the longest gap after the drop is given apart). Without
    `passages` the dropped files' import skips splitting and embedding their full text (the work of an import
    before full-text passages existed, for a like-with-like comparison with an older checkout); the drop goes
    through the window either way."""
    from PySide6.QtCore import QSettings, QTimer, Slot
    from PySide6.QtWidgets import QApplication

    from litreview.app import create_window, ensure_library
    from litreview.gui.presenters import describe_outcome
    from litreview.workers.messages import JobOutcome

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        library_path = ensure_library(Path(tmp) / "library.sqlite")
        if model:
            from litreview.library import settings
            from litreview.library.db import open_library

            with open_library(library_path) as library:
                library.set_setting(settings.MODEL, model)
        settings = QSettings(str(Path(tmp) / "gui.ini"), QSettings.Format.IniFormat)
        window, client = create_window(library_path, settings=settings)
        window.resize(1280, 800)
        window.show()
        files = sorted(pdfs.glob("*.pdf"))[:limit] if limit else [pdfs]

        from stall_trace import heartbeat_probe, run_timed

        class Probe(heartbeat_probe(tracer)):
            """GUI-thread heartbeat and job watcher."""

            def __init__(self) -> None:
                super().__init__()
                self.outcomes: list[JobOutcome] = []
                self.progress = 0
                self.related = 0
                self.stages: list[tuple[float, str, str]] = []  # (time, stage, what the worker reported last)
                self.import_job: int | None = None
                self.dropped = 0.0

            @Slot(object)
            def done(self, outcome: JobOutcome) -> None:
                if outcome.job_id != self.import_job:  # the window's own start-up job (resume) may end first
                    return
                self.outcomes.append(outcome)
                app.quit()

            @Slot(object)
            def progressed(self, progress) -> None:
                self.progress += 1
                self.stages.append((time.perf_counter(), progress.stage,
                                    f"{progress.stage} {progress.current}".strip()))

            @Slot(object)
            def answered(self, reply) -> None:
                self.related += reply.channel == "related"

            @Slot()
            def move_selection(self) -> None:
                rows = window.table_model.rowCount()
                if rows:
                    window.table.setCurrentIndex(window.table_model.index(len(self.beats) % rows, 0))

        probe = Probe()
        heartbeat = QTimer()
        heartbeat.setInterval(10)
        heartbeat.timeout.connect(probe.beat)
        mover = QTimer()
        mover.setInterval(250)
        mover.timeout.connect(probe.move_selection)
        client.sig_job_done.connect(probe.done)
        client.sig_progress.connect(probe.progressed)
        client.sig_replied.connect(probe.answered)

        def drop() -> None:
            from litreview.pipeline import jobs

            probe.dropped = time.perf_counter()
            real_import_job = jobs.import_job
            if not passages:  # the window builds its import job with this function when the files are dropped
                jobs.import_job = functools.partial(real_import_job, fulltext=False)
            try:
                probe.import_job = window.import_paths(files)
            finally:
                jobs.import_job = real_import_job
            if probe.import_job is None:  # nothing importable: no outcome will come
                app.quit()

        started, elapsed = run_timed(app, (heartbeat, mover), tracer,
                            lambda: QTimer.singleShot(drop_after_ms, drop))
        client.shutdown()
        window.reader.library.close()
        window.close()
    gaps = sorted((b - a) * 1000 for a, b in zip(probe.beats, probe.beats[1:], strict=False))
    after_drop = [(b - a) * 1000 for a, b in zip(probe.beats, probe.beats[1:], strict=False) if b > probe.dropped]
    worst = sorted(zip(probe.beats, probe.beats[1:], strict=False), key=lambda pair: pair[0] - pair[1])[:5]

    def stage_at(moment: float, field: int = 2) -> str:
        earlier = [entry[field] for entry in probe.stages if entry[0] <= moment]
        return earlier[-1] if earlier else "before the first progress report"

    by_stage: dict[str, float] = {}  # the worker's stage (as the GUI last heard of it) -> longest gap in it
    for a, b in zip(probe.beats, probe.beats[1:], strict=False):
        stage = stage_at(b, 1)
        by_stage[stage] = max(by_stage.get(stage, 0.0), round((b - a) * 1000, 1))

    outcome = probe.outcomes[0] if probe.outcomes else None
    return {
        "pdfs": len(files) if limit else len(list(pdfs.glob("*.pdf"))),
        "import_s": round(elapsed - (probe.dropped - started), 1) if probe.dropped else None,
        "status": outcome.status if outcome else None,
        "summary": describe_outcome(outcome) if outcome else None,
        "error": outcome.error if outcome else None,
        "beats": len(probe.beats),
        "longest_gap_ms": round(gaps[-1], 1) if gaps else None,
        "longest_gap_after_drop_ms": round(max(after_drop), 1) if after_drop else None,
        "p99_gap_ms": round(gaps[int(len(gaps) * 0.99)], 1) if gaps else None,
        "median_gap_ms": round(gaps[len(gaps) // 2], 1) if gaps else None,
        "gaps_over_100ms": sum(1 for g in gaps if g > 100),
        "longest_gap_ms_by_stage": by_stage,
        "worst_gaps": [
            {"ms": round((b - a) * 1000, 1), "at_s": round(a - started, 2), "worker_was": stage_at(b)} for a, b in worst
        ],
        "progress_signals": probe.progress,
        "related_answers": probe.related,
    }


def measure_table(count: int) -> dict:
    """The library table over `count` papers (inserted with plain SQL): the GUI-thread costs of opening,
    sorting, filtering and scrolling, each timed once."""
    from PySide6.QtWidgets import QApplication

    from litreview.gui.library_reader import LibraryReader, ReadOnlyLibrary
    from litreview.gui.paper_table_model import PaperTableModel
    from litreview.library.db import open_library

    QApplication.instance() or QApplication([])
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "library.sqlite"
        with open_library(path) as library, library.transaction() as conn:
            conn.executemany(
                "INSERT INTO papers(title, abstract, authors, year, venue) VALUES (?, ?, ?, ?, ?)",
                ((f"Paper {n} on topic {n % 97}", f"Abstract {n} about method {n % 89} and data {n % 53}",
                  json.dumps([f"Author {n % 1000}", "B. Coauthor"]), 1990 + n % 35, f"Venue {n % 40}")
                 for n in range(count)),
            )
        reader = LibraryReader(ReadOnlyLibrary(path))
        model = PaperTableModel(reader)

        def timed(name: str, action) -> None:
            start = time.perf_counter()
            action()
            timings[name] = round((time.perf_counter() - start) * 1000, 1)

        timed("open_reload_ms", model.reload)
        timed("first_page_data_ms", lambda: [model.index(r, c).data() for r in range(40) for c in range(6)])
        timed("fetch_more_ms", lambda: model.fetchMore(model.index(-1, -1)))
        far_row = min(90_000, count - 1)
        far_id = reader.paper_ids()[far_row]
        timed("jump_to_row_90000_ms", lambda: [model.index(model.row_of(far_id), c).data() for c in range(6)])
        timed("sort_by_title_ms", lambda: model.sort(0))
        timed("sort_by_year_ms", lambda: model.sort(2))
        timed("filter_topic_ms", lambda: model.set_filter("topic 42"))
        timings["filter_rows"] = model.total
        timed("clear_filter_ms", lambda: model.set_filter(""))
        reader.library.close()
    return {"papers": count, **timings}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdfs", type=Path, default=DATA / "pdfs" / "ground-truth")
    parser.add_argument("--limit", type=int, help="import only the first N PDFs")
    parser.add_argument("--model", help="embedding model (default: the offline default)")
    parser.add_argument("--startup-papers", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=1, help="start-up: rounds of --repeats runs (alternating "
                        "with --compare-with)")
    parser.add_argument("--gui-settings", type=Path, help="start-up: a saved litreview.conf to start from (its "
                        "window layout); default: a fresh profile")
    parser.add_argument("--compare-with", type=Path, help="start-up: another checkout of the project to time too")
    parser.add_argument("--drop-after-ms", type=int, default=100, help="stall: drop the files this long after the "
                        "event loop starts (a user's first drop comes seconds after the window appears)")
    parser.add_argument("--without-passages", action="store_true", help="stall: import without splitting and "
                        "embedding full-text passages (what an import did before they existed)")
    parser.add_argument("--skip-startup", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--table-papers", type=int, default=100_000, help="0 skips the table timings")
    args = parser.parse_args()
    if not args.skip_startup:
        startup = measure_startup(args.startup_papers, args.repeats, rounds=args.rounds,
                                  gui_settings=args.gui_settings, compare_with=args.compare_with)
        worst = max(run["spawn_to_shown_s"] for run in startup["runs"])
        print(json.dumps({"startup": startup}, indent=1))
        torch_loaded = any(run["torch_imported"] for run in startup["runs"])
        load = " ".join(f"{x:.2f}" for x in startup["load_average"])
        print(f"time to window shown with {args.startup_papers} papers: worst {worst:.3f} s of "
              f"{len(startup['runs'])} (floor < 1.0 s); torch imported before the window was up: {torch_loaded}")
        print(f"start-up, this checkout: {startup_medians(startup['runs'])}; load average {load}")
        if args.compare_with:
            print(f"start-up, {args.compare_with}: {startup_medians(startup['other_runs'])}")
    if args.table_papers:
        table = measure_table(args.table_papers)
        print(json.dumps({"table": table}, indent=1))
    if not args.skip_import:
        stall = measure_stall(args.pdfs, args.model, args.limit, drop_after_ms=args.drop_after_ms,
                              passages=not args.without_passages)
        print(json.dumps({"stall": stall}, indent=1))
        print(f"longest GUI-thread stall while importing {stall['pdfs']} PDFs with embedding: "
              f"{stall['longest_gap_ms']} ms (floor < 100 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
