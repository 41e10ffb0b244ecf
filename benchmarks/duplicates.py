"""Duplicate detection on real data: pairwise precision and recall of the library's merge rule.

    PYTHONPATH=. .venv/bin/python benchmarks/duplicates.py [--data DIR] [--skip pdfs,bibtex,scifact]

Three sources, each with labels that do not come from the rule being measured:

- SciFact (beir/scifact/corpus.jsonl): 5,183 distinct documents (no authors, no years) go in through
  `add_records`; every merge among them is false. Then a copy of every 10th document with its title
  re-cased and re-punctuated and the last fifth of its abstract cut goes in: each must merge with its original.
- BibTeX folders (bibtex/*): the entries of each folder parsed together; entries with the same DOI are one work,
  entries with two different DOIs are two. Identifiers (DOI, arXiv id, PMID) are removed before the import, so
  only the title/author/year rule can merge them; pairs are scored among the entries that had a DOI, leaving
  out DOIs shared by entries whose titles have less than half their words in common (a book's DOI on its
  chapters), which label a container rather than one work.
- PDFs (pdfs/ground-truth): each PDF imported three times: as is, copied under another name (same bytes), and
  re-saved by PyMuPDF under a third name (other bytes, same text). The three files of a PDF are one work.

Precision = merged pairs that are the same work / all merged pairs; recall = same-work pairs merged / all
same-work pairs. Prints one line per source and the false merges found.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.data_location import data_dir, missing_reason  # noqa: E402


def pair_scores(truth: dict[str, str], predicted: dict[str, int]) -> tuple[int, int, int, list[tuple[str, str]]]:
    """(true positive, false positive, false negative) pairs and the false-positive pairs, over items in both."""
    items = [item for item in truth if item in predicted]
    by_paper: dict[int, list[str]] = defaultdict(list)
    by_work: dict[str, list[str]] = defaultdict(list)
    for item in items:
        by_paper[predicted[item]].append(item)
        by_work[truth[item]].append(item)
    merged = {frozenset(pair) for group in by_paper.values() for pair in combinations(group, 2)}
    same = {frozenset(pair) for group in by_work.values() for pair in combinations(group, 2)}
    false_pairs = [tuple(sorted(pair)) for pair in merged - same]
    return len(merged & same), len(merged - same), len(same - merged), false_pairs


def report(name: str, tp: int, fp: int, fn: int, extra: str = "") -> None:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(f"{name:<34} pairs {tp + fn:>6}  merged {tp + fp:>6}  precision {precision:.4f}  recall {recall:.4f}"
          f"  (false merges {fp}, missed {fn}){extra}")


def _logged_papers(library) -> dict[str, int]:  # noqa: ANN001
    """The paper each logged record (path as logged) went to."""
    rows = library.query("SELECT path, entry, paper_id FROM import_log WHERE paper_id IS NOT NULL ORDER BY id")
    return {row["path"]: row["paper_id"] for row in rows}


def scifact(data: Path, work: Path) -> None:
    from litreview.core.paper import ParsedPaper
    from litreview.library import open_library
    from litreview.pipeline import add_records

    docs = [json.loads(line) for line in (data / "beir" / "scifact" / "corpus.jsonl").open(encoding="utf-8")]
    records = [ParsedPaper(source="beir", title=d["title"], abstract=d["text"], origin=f"scifact:{d['_id']}")
               for d in docs]  # fmt: skip
    copies = []
    for d in docs[::10]:
        title = re.sub(r"[.:;,]", " ", d["title"]).upper() if len(d["title"]) % 2 else d["title"].lower() + "."
        text = d["text"][: max(1, len(d["text"]) * 4 // 5)]
        copies.append(ParsedPaper(source="beir", title=title, abstract=text, origin=f"copy:{d['_id']}"))
    with open_library(work / "scifact.sqlite") as library:
        start = time.perf_counter()
        add_records(library, records)
        papers = library.query("SELECT count(*) AS n FROM papers")[0]["n"]
        add_records(library, copies)
        seconds = time.perf_counter() - start
        logged = _logged_papers(library)
        titles = {row["id"]: row["title"] for row in library.query("SELECT id, title FROM papers")}
    truth = {f"scifact:{d['_id']}": d["_id"] for d in docs} | {c.origin: c.origin.split(":")[1] for c in copies}
    tp, fp, fn, false_pairs = pair_scores(truth, logged)
    report("SciFact + perturbed copies", tp, fp, fn, f"; {len(docs)} documents -> {papers} papers, {seconds:.1f} s")
    for a, b in false_pairs[:10]:
        print(f"    false merge: {a} + {b}: {titles.get(logged[a])!r}")


def bibtex(data: Path, work: Path) -> None:
    from litreview.core.text import normalize_title
    from litreview.ingest.bibtex import parse_bibtex_files
    from litreview.library import open_library
    from litreview.pipeline import add_records

    for folder in sorted(p for p in (data / "bibtex").iterdir() if p.is_dir()):
        files = sorted(folder.glob("*.bib"))
        if not files:
            continue
        records = parse_bibtex_files(files).records
        truth = {r.origin: r.doi for r in records if r.doi}
        # A DOI shared by entries with unrelated titles names a container (a book's DOI on its chapters): not a
        # label of one work. Those entries are left out, and counted.
        titles = {r.origin: set(normalize_title(r.title).split()) for r in records}
        groups: dict[str, list[str]] = defaultdict(list)
        for origin, doi in truth.items():
            groups[doi].append(origin)
        containers = {doi for doi, members in groups.items()
                      if any(len(titles[a] & titles[b]) < 0.5 * max(1, len(titles[a] | titles[b]))
                             for a, b in combinations(members, 2))}  # fmt: skip
        truth = {origin: doi for origin, doi in truth.items() if doi not in containers}
        stripped = [replace(r, doi=None, arxiv_id=None, pmid=None) for r in records]
        with open_library(work / f"{folder.name}.sqlite") as library:
            start = time.perf_counter()
            add_records(library, stripped)
            seconds = time.perf_counter() - start
            logged = _logged_papers(library)
        tp, fp, fn, false_pairs = pair_scores(truth, logged)
        report(f"BibTeX {folder.name}", tp, fp, fn, f"; {len(records)} entries, {len(truth)} with a DOI "
               f"({len(containers)} container DOIs left out), {seconds:.1f} s")  # fmt: skip
        for a, b in false_pairs[:5]:
            print(f"    false merge: {a} ({truth[a]}) + {b} ({truth[b]})")
        missed_pairs = {frozenset((a, b)) for a, b in combinations(truth, 2)
                        if truth[a] == truth[b] and logged.get(a) != logged.get(b)}  # fmt: skip
        for pair in list(missed_pairs)[:5]:
            a, b = sorted(pair)
            print(f"    missed: {a} + {b} ({truth[a]})")


def pdfs(data: Path, work: Path) -> None:
    import pymupdf

    from litreview.library import open_library
    from litreview.pipeline import drive, run_import

    sources = sorted((data / "pdfs" / "ground-truth").glob("*.pdf"))
    folder = work / "pdfs"
    folder.mkdir()
    truth: dict[str, str] = {}
    for index, source in enumerate(sources):
        same = folder / f"as-is-{index:03}.pdf"
        renamed = folder / f"download ({index}).pdf"
        resaved = folder / f"resaved-{index:03}.pdf"
        shutil.copy(source, same)
        shutil.copy(source, renamed)
        with pymupdf.open(source) as document:
            document.save(resaved, garbage=4, deflate=True)
        for path in (same, renamed, resaved):
            truth[str(path)] = source.name
    with open_library(work / "pdfs.sqlite") as library:
        start = time.perf_counter()
        summary = drive(run_import(library, [folder]))
        seconds = time.perf_counter() - start
        predicted = {row["path"]: row["paper_id"] for row in library.query("SELECT path, paper_id FROM files")}
        titles = {row["id"]: row["title"] for row in library.query("SELECT id, title FROM papers")}
    tp, fp, fn, false_pairs = pair_scores(truth, predicted)
    report("PDFs x3 (copy, re-saved)", tp, fp, fn, f"; {len(sources)} PDFs -> {len(set(predicted.values()))} papers"
           f" ({len(summary.failed)} failed), {seconds:.1f} s")  # fmt: skip
    for a, b in false_pairs[:5]:
        print(f"    false merge: {Path(a).name} + {Path(b).name}: {titles.get(predicted[a])!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=data_dir(), metavar="DIR", help="the real test data")
    parser.add_argument("--skip", default="", help="comma-separated: scifact, bibtex, pdfs")
    args = parser.parse_args()
    if not args.data.is_dir():
        parser.error(missing_reason(args.data))
    skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    with tempfile.TemporaryDirectory() as tmp:
        for name, run in (("scifact", scifact), ("bibtex", bibtex), ("pdfs", pdfs)):
            if name not in skip:
                run(args.data, Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
