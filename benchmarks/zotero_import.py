"""Time `run_import` (no embedding) of a Zotero library into an empty library, a re-import with nothing changed,
and a re-import after a few items were changed in a copy of its database.

Issue 17's floors: the 1,043-item library (840 outside the trash) imports in under 10 s on 2 cores without
embedding; a re-import with nothing changed takes under 2 s and adds nothing. The database is copied to a
temporary folder first (the copy is what is changed for the third timing; the shared folder is never written).

    .venv/bin/python benchmarks/zotero_import.py [--zotero DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.data_location import data_dir  # noqa: E402

DEFAULT_DIR = data_dir() / "zotero" / "kishkash555-nlp-for-ta"


def timed_import(library, paths: list[Path]):  # noqa: ANN001, ANN201 - a Library in, (summary, wall, cpu) out
    from litreview.pipeline import drive, run_import

    wall, cpu = time.perf_counter(), time.process_time()
    summary = drive(run_import(library, paths))
    return summary, time.perf_counter() - wall, time.process_time() - cpu


def touch_items(db: Path, count: int) -> None:
    """Retitle `count` items outside the trash, as Zotero records an edit (version and dates bumped)."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        title = conn.execute("SELECT fieldID FROM fields WHERE fieldName = 'title'").fetchone()[0]
        ids = [row[0] for row in conn.execute(
            "SELECT d.itemID FROM itemData d JOIN items i ON i.itemID = d.itemID JOIN itemTypes t USING (itemTypeID) "
            "WHERE d.fieldID = ? AND t.typeName NOT IN ('attachment', 'note', 'annotation') "
            "AND d.itemID NOT IN (SELECT itemID FROM deletedItems) ORDER BY d.itemID LIMIT ?",
            (title, count))]  # fmt: skip
        for item_id in ids:
            conn.execute("INSERT OR IGNORE INTO itemDataValues (value) VALUES (?)", (f"Edited title {item_id}",))
            value_id = conn.execute("SELECT valueID FROM itemDataValues WHERE value = ?",
                                    (f"Edited title {item_id}",)).fetchone()[0]  # fmt: skip
            conn.execute("UPDATE itemData SET valueID = ? WHERE itemID = ? AND fieldID = ?", (value_id, item_id, title))
            conn.execute("UPDATE items SET version = version + 1, clientDateModified = datetime('now', '+1 minute') "
                         "WHERE itemID = ?", (item_id,))  # fmt: skip
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zotero", type=Path, default=DEFAULT_DIR, help="a Zotero data directory")
    parser.add_argument("--repeat", type=int, default=1, help="fresh imports to time")
    parser.add_argument("--edits", type=int, default=25, help="items retitled before the third timing")
    args = parser.parse_args()
    if not (args.zotero / "zotero.sqlite").is_file():
        print(f"no zotero.sqlite in {args.zotero}", file=sys.stderr)
        return 1

    from litreview.library import open_library

    for run in range(1, max(1, args.repeat) + 1):
        with tempfile.TemporaryDirectory() as folder:
            source = Path(folder) / "Zotero"
            source.mkdir()
            shutil.copyfile(args.zotero / "zotero.sqlite", source / "zotero.sqlite")
            library = open_library(Path(folder) / "library.sqlite")
            try:
                summary, wall, cpu = timed_import(library, [source])
                papers = library.conn.execute("SELECT count(*) FROM papers").fetchone()[0]
                lists = library.conn.execute("SELECT count(*) FROM reading_lists").fetchone()[0]
                notes = library.conn.execute("SELECT count(*) FROM paper_notes").fetchone()[0]
                print(f"run {run}: first import      {wall:6.2f} s wall {cpu:6.2f} s cpu  imported {summary.imported}  "
                      f"failed {len(summary.failed)}  papers {papers}  lists {lists}  notes {notes}")  # fmt: skip
                summary, wall, cpu = timed_import(library, [source])
                print(f"run {run}: re-import, same   {wall:6.2f} s wall {cpu:6.2f} s cpu  imported {summary.imported}  "
                      f"updated {summary.updated}  unchanged {summary.duplicates}")  # fmt: skip
                touch_items(source / "zotero.sqlite", args.edits)
                summary, wall, cpu = timed_import(library, [source])
                print(f"run {run}: re-import, {args.edits} edited {wall:5.2f} s wall {cpu:6.2f} s cpu  "
                      f"imported {summary.imported}  updated {summary.updated}  unchanged {summary.duplicates}")
            finally:
                library.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
