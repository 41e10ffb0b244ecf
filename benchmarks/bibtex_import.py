"""BibTeX import benchmark on the test data's bibtex/ (docs/test-data.md): parse time, entries, round trip.

For every folder (its files parsed together, as `litreview import a.bib b.bib` does) and every file alone it prints:
parse wall and CPU seconds, entries seen, records, failed, and whether none vanished (records + failed = seen);
then the BibTeX round trip (export the records, parse the export) as the share of fields kept equal.
With --library it also imports each folder into a fresh temporary library through litreview.pipeline.run_import
(no embedding) and prints that time and the summary, and the library-level round trip (export the whole library,
import the export into an empty library, compare the papers).

    .venv/bin/python benchmarks/bibtex_import.py [--data DATA/bibtex] [--library]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from litreview.export.roundtrip import bibtex_round_trip  # noqa: E402
from litreview.ingest.bibtex import latex_to_unicode, parse_bibtex_files  # noqa: E402
from tests.data_location import data_dir  # noqa: E402


def timed_parse(files: list[Path]):
    latex_to_unicode.cache_clear()  # each timing starts cold
    wall, cpu = time.perf_counter(), time.process_time()
    result = parse_bibtex_files(files)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def report_parse(label: str, files: list[Path]) -> None:
    result, wall, cpu = timed_parse(files)
    vanished = result.entries_seen - len(result.records) - len(result.errors)
    round_trip = bibtex_round_trip(result.records)
    changed = ", ".join(f"{name} {count}" for name, count in round_trip.changed.most_common(3)) or "-"
    print(
        f"{label:<58} {wall:6.2f} {cpu:6.2f} {result.entries_seen:6d} {len(result.records):6d} {len(result.errors):5d}"
        f" {'ok' if vanished == 0 else f'LOST {vanished}':>5} {round_trip.share_equal:8.3%}  {changed}"
    )


def library_import(label: str, files: list[Path], args_verbose: bool = False) -> None:
    """Import into an empty library without embedding (the lead's pipeline), then the library round trip."""
    from litreview.export import export_papers
    from litreview.export.keys import assign_citation_keys
    from litreview.library import open_library
    from litreview.library.lists import load_papers
    from litreview.pipeline import drive, run_import

    with tempfile.TemporaryDirectory() as folder:
        library = open_library(Path(folder) / "lib.sqlite")
        seen = parse_bibtex_files(files).entries_seen
        start = time.perf_counter()
        summary = drive(run_import(library, files))
        elapsed = time.perf_counter() - start
        accounted = summary.imported + summary.updated + summary.duplicates + len(summary.failed)
        print(
            f"{label:<40} import {elapsed:6.2f}s  seen {seen:5d}  imported {summary.imported:5d}  "
            f"updated {summary.updated:4d}  duplicates {summary.duplicates:4d}  failed {len(summary.failed):3d}  "
            f"{'ok' if accounted >= seen else f'LOST {seen - accounted}'}"
        )
        papers = load_papers(library)
        export = Path(folder) / "export.bib"
        export.write_bytes(export_papers(papers, "bibtex"))
        again = open_library(Path(folder) / "again.sqlite")
        drive(run_import(again, [export]))
        back = load_papers(again)
        compared = equal = 0
        attributes = ("title", "authors", "year", "venue", "doi", "arxiv_id", "abstract", "keywords", "entry_type")
        by_key = {paper.citation_key: paper for paper in back}
        # The export gives duplicate keys a suffix; the re-imported paper carries the key it was written with.
        for paper, key in zip(papers, assign_citation_keys(papers), strict=True):
            other = by_key.get(key)
            for name in attributes:
                compared += 1
                same = other is not None and getattr(paper, name) == getattr(other, name)
                equal += same
                if not same and args_verbose:
                    print("   differs", paper.citation_key, name, getattr(paper, name), other and getattr(other, name))
            for name, value in paper.original_fields.items():
                compared += 1
                same = other is not None and other.original_fields.get(name) == value
                equal += same
                if not same and args_verbose:
                    print("   differs", paper.citation_key, name, value, other and other.original_fields.get(name))
        print(
            f"{'':<40} library round trip: {len(papers)} papers -> {len(back)} papers, "
            f"fields equal {equal}/{compared} = {equal / max(compared, 1):.3%}"
        )
        library.close()
        again.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data_dir() / "bibtex")
    parser.add_argument("--library", action="store_true", help="also import into a temporary library")
    parser.add_argument("--verbose", action="store_true", help="print each field the library round trip changed")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"no data at {args.data}", file=sys.stderr)
        return 1
    folders = sorted(path for path in args.data.iterdir() if path.is_dir())
    header = f"{'folder / file':<58} {'wall':>6} {'cpu':>6} {'seen':>6} {'parsed':>6} {'fail':>5} {'none':>5}"
    print(f"{header} {'rt-equal':>8}")
    for folder in folders:
        files = sorted(folder.glob("*.bib"))
        report_parse(f"{folder.name}/ (together)", files)
        for path in files:
            report_parse(f"  {path.name}", [path])
    if args.library:
        print()
        for folder in folders:
            files = sorted(folder.glob("*.bib"))
            library_import(folder.name, files, args.verbose)
            for path in files:  # large files alone too (the floor: 7,166 entries in under 10 s)
                if len(files) > 1 and path.stat().st_size > 1_000_000:
                    library_import(f"  {path.name}", [path], args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
