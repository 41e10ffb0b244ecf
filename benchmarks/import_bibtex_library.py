"""Time `run_import` (no embedding) of the 7,166-entry Better BibTeX library into an empty library, then again.

Issue 4's floor: the 7,166-entry library imports without embedding in under 10 s. Prints wall and CPU seconds of
the first import (parse + duplicate detection + SQLite writes + FTS triggers), of a re-import of the unchanged
file (every entry recognised by its key), and whether every entry the parser sees is accounted for.

    .venv/bin/python benchmarks/import_bibtex_library.py [--bib PATH] [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.data_location import data_dir  # noqa: E402

DEFAULT_BIB = data_dir() / "bibtex" / "bibtex_tidy_realworld" / "bbt_large_user_library_1436-3.bib"


def timed_import(library, paths: list[Path]):  # noqa: ANN001, ANN201 - a Library in, (summary, wall, cpu) out
    from litreview.pipeline import drive, run_import

    wall, cpu = time.perf_counter(), time.process_time()
    summary = drive(run_import(library, paths))
    return summary, time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bib", type=Path, default=DEFAULT_BIB, help="the .bib file to import")
    parser.add_argument("--repeat", type=int, default=1, help="fresh imports to time (the best is printed too)")
    args = parser.parse_args()
    if not args.bib.is_file():
        print(f"no file at {args.bib}", file=sys.stderr)
        return 1

    from litreview.ingest.bibtex import latex_to_unicode, parse_bibtex_files
    from litreview.library import open_library

    seen = parse_bibtex_files([args.bib]).entries_seen
    print(f"{args.bib.name}: {seen} entries seen by the parser")
    walls = []
    for run in range(1, max(1, args.repeat) + 1):
        latex_to_unicode.cache_clear()  # each fresh import starts cold, as a new process would
        with tempfile.TemporaryDirectory() as folder:
            library = open_library(Path(folder) / "library.sqlite")
            try:
                summary, wall, cpu = timed_import(library, [args.bib])
                walls.append(wall)
                failed = [error for error in summary.failed if error.line is not None]
                accounted = summary.imported + summary.duplicates + len(failed)
                papers = library.conn.execute("SELECT count(*) FROM papers").fetchone()[0]
                print(
                    f"run {run}: first import {wall:6.2f} s wall {cpu:6.2f} s cpu  imported {summary.imported}  "
                    f"duplicates {summary.duplicates}  failed {len(summary.failed)}  papers {papers}  "
                    f"{'none vanished' if accounted == seen else f'LOST {seen - accounted}'}"
                )
                again, wall, cpu = timed_import(library, [args.bib])
                print(
                    f"run {run}: re-import    {wall:6.2f} s wall {cpu:6.2f} s cpu  imported {again.imported}  "
                    f"updated {again.updated}  duplicates {again.duplicates}  failed {len(again.failed)}"
                )
            finally:
                library.close()
    print(f"best first import: {min(walls):.2f} s (floor: < 10 s without embedding)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
