"""Cost of the library's safety checks on a large synthetic library (issue #14). Prints the figures.

Builds (or reuses, with --library) a library of --papers synthetic papers: title, authors, a 200-word abstract,
400 words of "first pages" text (all in the full-text index) and one 384-dim float32 vector each. Then times:

1. `PRAGMA quick_check` (what open_library runs when it checks a library) and a plain open_library.
2. A backup through SQLite's online backup API (litreview.library.backup.take_backup): seconds and size.
3. The window's daily backup (DailyBackups, a thread of its own) while a 10 ms QTimer beats on the GUI thread
   (offscreen Qt): the longest gap between beats, i.e. the longest the GUI thread stalls.

    .venv/bin/python benchmarks/backup.py [--papers 100000] [--library PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_library(path: Path, count: int, *, seed: int = 14, dim: int = 384) -> float:
    """A library of `count` synthetic papers; returns the seconds it took."""
    import numpy as np

    from litreview.library import open_library

    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    vocabulary = np.array([f"w{i:05d}" for i in range(20_000)])
    zipf = 1.0 / np.arange(1, len(vocabulary) + 1)
    zipf /= zipf.sum()
    with open_library(path) as library:
        batch = 2000
        for first in range(0, count, batch):
            n = min(batch, count - first)
            words = vocabulary[rng.choice(len(vocabulary), size=(n, 610), p=zipf)]
            vectors = rng.standard_normal((n, dim)).astype("<f4")
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            rows = []
            for i in range(n):
                w = words[i]
                rows.append((
                    " ".join(w[:10]), json.dumps([f"Author {a}" for a in w[600:603]]), 1950 + int(i % 75),
                    "Journal of " + w[603], " ".join(w[10:210]), " ".join(w[210:610]),
                ))
            with library.transaction() as conn:
                cursor = conn.executemany(
                    "INSERT INTO papers(title, authors, year, venue, abstract, full_text) VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
                last = conn.execute("SELECT max(id) FROM papers").fetchone()[0]
                ids = range(last - n + 1, last + 1)
                conn.executemany(
                    "INSERT INTO vectors(paper_id, model_id, dim, text_hash, vector) VALUES (?, 'synthetic', ?, '', ?)",
                    [(pid, dim, vectors[k].tobytes()) for k, pid in enumerate(ids)],
                )
                del cursor
            print(f"\rbuilding: {first + n}/{count}", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
    return time.perf_counter() - start


def gui_stall_ms(path: Path) -> float:
    """Longest gap between 10 ms QTimer beats on the GUI thread while the window's DailyBackups thread runs."""
    import datetime as dt
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from litreview.library.backup import DailyBackups

    app = QApplication.instance() or QApplication([])
    beats: list[float] = []
    daily = DailyBackups(path, every=dt.timedelta(0))
    timer = QTimer()
    timer.timeout.connect(lambda: beats.append(time.perf_counter()))
    timer.start(10)
    assert daily.maybe_start()
    while daily._thread.is_alive():
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    daily.wait()
    return max(b - a for a, b in zip(beats, beats[1:], strict=False)) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--library", type=Path, default=None, help="build here (or reuse when it exists)")
    args = parser.parse_args()

    from litreview.library import open_library
    from litreview.library.backup import backup_folder, check, take_backup

    with tempfile.TemporaryDirectory() as scratch:
        path = args.library or Path(scratch) / "library.sqlite"
        if not path.exists():
            print(f"built {args.papers} papers in {build_library(path, args.papers):.1f} s")
        with open_library(path) as library:
            papers = library.conn.execute("SELECT count(*) FROM papers").fetchone()[0]
            library.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = path.stat().st_size
        print(f"library: {papers} papers, {size / 2**20:.0f} MiB")

        start = time.perf_counter()
        with open_library(path) as library:
            opened = time.perf_counter() - start
            start = time.perf_counter()
            verdict = check(library.conn)
            quick = time.perf_counter() - start
        print(f"open_library: {opened * 1000:.0f} ms   quick_check: {quick:.2f} s ({verdict})")

        with open_library(path) as library:
            start = time.perf_counter()
            backup = take_backup(library.conn, path, "manual")
            took = time.perf_counter() - start
        print(f"backup: {took:.2f} s, {backup.stat().st_size / 2**20:.0f} MiB -> {backup.name}")

        print(f"the window's daily backup: longest GUI-thread gap {gui_stall_ms(path):.0f} ms (10 ms QTimer heartbeat)")
        if args.library is not None:
            print(f"backups left in {backup_folder(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
