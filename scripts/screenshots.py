"""Render the main window in typical states to PNGs (for the README and for looking at the app).

Builds a real library from the real test data (--data DIR, else $LITREVIEW_TEST_DATA; docs/test-data.md): records
with full metadata (title, abstract, authors, year, venue) from the SYNERGY systematic reviews' OpenAlex works, read
by the app's OpenAlex reader and spread over the five reviews, plus a few ground-truth PDFs and one corrupt file;
embeds it with the real model, clusters it, and renders offscreen at --size (default 1600x1000):

    library-related.png   the library with a paper selected, its details and the related-work panel
    search.png            hybrid search results
    reading-list.png      a reading list with notes, next to the export dialog (export-dialog.png)
    map.png               the topic map
    import-log.png        the import log after a corrupt PDF was dropped
    library-dark.png      the first state with the dark palette

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py --out DIR --data DIR [--papers 600] [--model NAME]

The README's pictures are made with `--out docs/screenshots` (PNGs at zlib's highest compression).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.data_location import data_dir, missing_reason  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

PDFS = (
    "cermine_tests__test1.pdf",
    "pmc_tulsi_tigr2ess__PMC1397864__fulltext.pdf",
    "pmc_tulsi_tigr2ess__PMC2803133__fulltext.pdf",
    "pmc_tulsi_tigr2ess__PMC3178181__fulltext.pdf",
    "grobid_tests__0807.3577.pdf",
)


def settle(ms: int = 150) -> None:
    """Let the event loop run for `ms` (layout, paint) without a processEvents loop."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


REVIEWS = ("Nelson_2002", "Menon_2022", "Meijboom_2021", "Chou_2004", "Donners_2021")  # SYNERGY, first one first
SEARCH = "hormone replacement therapy and breast cancer risk"
FOCUS = "%replacement therapy%"  # the paper selected in the pictures (a title in Nelson_2002)
LIST_NAME = "Review: hormone therapy"


def synergy_records(data: Path, papers: int) -> list:
    """Up to `papers` OpenAlex works with a title, abstract, authors, year and venue, an equal share from each
    SYNERGY review (in the reviews' order), read by the app's OpenAlex reader."""
    from litreview.ingest.openalex import read_openalex

    share = -(-papers // len(REVIEWS))
    records = []
    for review in REVIEWS:
        found = read_openalex([data / "synergy" / review / "works_1.zip"]).records
        records += [r for r in found if r.title and r.abstract and r.authors and r.year and r.venue][:share]
    return records[:papers]


def build_library(path: Path, papers: int, model: str | None, data: Path) -> Path:
    """SYNERGY records through the pipeline, a few real PDFs and a corrupt one, embedded."""
    from litreview.library.db import open_library
    from litreview.pipeline import add_records, drive, open_embedder, run_import

    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    records = synergy_records(data, papers)
    drop = folder / "dropped"
    drop.mkdir(exist_ok=True)
    for name in PDFS:
        shutil.copy(data / "pdfs" / "ground-truth" / name, drop / name)
    (drop / "truncated-download.pdf").write_bytes(b"%PDF-1.4\n% truncated download\n")
    with open_library(path) as library:
        add_records(library, records, batch="screenshots")
        embedder = open_embedder(library, model)
        start = time.perf_counter()
        summary = drive(run_import(library, [drop], embedder=embedder))
        print(f"library: {len(records)} SYNERGY records + {summary.imported} PDFs, {len(summary.failed)} failed; "
              f"embedded in {time.perf_counter() - start:.0f} s with {embedder.model_id}", file=sys.stderr)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--papers", type=int, default=600, help="SYNERGY records to import")
    parser.add_argument("--model", help="embedding model (default: the offline default)")
    parser.add_argument("--size", default="1600x1000")
    parser.add_argument("--data", type=Path, default=data_dir(), metavar="DIR",
                        help="the real test data (default: $LITREVIEW_TEST_DATA or ../shared/data)")
    parser.add_argument("--library", type=Path, help="build the library here (reused when it exists)")
    args = parser.parse_args()
    if args.library is None or not args.library.exists():
        missing = [p for p in (*(args.data / "synergy" / r / "works_1.zip" for r in REVIEWS),
                               args.data / "pdfs" / "ground-truth") if not p.exists()]
        if missing:
            parser.error(f"{missing[0]} is missing: {missing_reason(args.data)}")
    width, height = (int(v) for v in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtWidgets import QApplication

    from litreview.analysis.clusters import cluster_job
    from litreview.gui.export_dialog import ExportDialog
    from litreview.gui.library_reader import LibraryReader, ReadOnlyLibrary
    from litreview.gui.main_window import MainWindow
    from litreview.gui.theme import apply_palette
    from litreview.workers.client import SyncWorkerClient

    app = QApplication([])
    app.setStyle("Fusion")
    apply_palette(app, dark=False)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        library_path = args.library or work / "library.sqlite"
        if not library_path.exists():
            build_library(library_path, args.papers, args.model, args.data)
        client = SyncWorkerClient(library_path)
        client.start(cluster_job())
        reader = LibraryReader(ReadOnlyLibrary(library_path))
        window = MainWindow(reader, client, settings=QSettings(str(work / "gui.ini"), QSettings.Format.IniFormat),
                            export_folder=work)
        window.resize(width, height)
        window.show()
        settle(400)
        # Narrower side docks than a first start gives, so the table's Title column has room to be read.
        window.resizeDocks([window.lists_dock, window.related_dock], [int(width * 0.13), int(width * 0.3)],
                           Qt.Orientation.Horizontal)

        def shot(name: str, widget=None) -> None:
            settle(200)
            target = args.out / name
            (widget or window).grab().save(str(target), "PNG", 0)  # quality 0: the smallest PNG (lossless)
            print(target)

        # 1. a paper with related work (pick one of the imported PDFs: it has warnings/links to show)
        pdf_row = reader.library.query("SELECT paper_id FROM files ORDER BY paper_id LIMIT 1")
        first = int(pdf_row[0]["paper_id"]) if pdf_row else reader.paper_ids()[0]
        chosen = reader.library.query(
            "SELECT id FROM papers WHERE title LIKE ? ORDER BY id LIMIT 1", (FOCUS,)
        ) or reader.library.query("SELECT id FROM papers WHERE source = 'openalex' ORDER BY id LIMIT 1")
        focus = int(chosen[0]["id"])
        window.select_paper(focus)
        window.find_related_now()
        shot("library-related.png")

        # 2. hybrid search
        window.search_mode.setCurrentIndex(window.search_mode.findData("hybrid"))
        window.search_box.setText(SEARCH)
        window.run_search()
        shot("search.png")
        window.clear_search()

        # 3. a reading list with notes, and the export dialog
        existing = {entry["name"]: entry["id"] for entry in reader.reading_lists()}
        if LIST_NAME not in existing:
            window.create_list(LIST_NAME)
        list_id = existing.get(LIST_NAME) or window.lists.current_list_id()
        related_ids = [r.paper_id for r in window.related.model.results[:5]]
        window.add_to_list(list_id, [focus, *related_ids])
        window.set_note(list_id, focus, "Key trial — compare dosing with the cohort studies")
        if related_ids:
            window.set_note(list_id, related_ids[0], "Meta-analysis; check inclusion criteria")
        window.refresh_lists(select=list_id)
        window.lists_dock.raise_()
        shot("reading-list.png")
        dialog = ExportDialog(reader.list_papers(list_id), what=LIST_NAME, folder=work, parent=window)
        dialog.set_format("bibtex")
        dialog.show()
        shot("export-dialog.png", dialog)
        dialog.close()

        # 4. the map, larger
        window.select_paper(first)
        window.find_related_now()
        window.resizeDocks([window.related_dock, window.map_dock], [int(height * 0.3), int(height * 0.6)],
                           Qt.Orientation.Vertical)
        window.resizeDocks([window.map_dock], [int(width * 0.42)], Qt.Orientation.Horizontal)
        shot("map.png")
        window.resizeDocks([window.related_dock, window.map_dock], [int(height * 0.45), int(height * 0.4)],
                           Qt.Orientation.Vertical)
        window.resizeDocks([window.map_dock], [int(width * 0.3)], Qt.Orientation.Horizontal)

        # 5. import log with the corrupt file
        window.refresh_import_log()
        window.log_dock.show()
        window.log_dock.raise_()
        shot("import-log.png")
        window.log_dock.hide()

        # 6. dark palette
        apply_palette(app, dark=True)
        window.select_paper(focus)
        window.find_related_now()
        window.request_map()  # redraw the labels in the dark palette's text colour
        shot("library-dark.png")

        window.close()
        client.shutdown()
        reader.library.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
