"""Score reference extraction against the publishers' reference lists in $LITREVIEW_TEST_DATA/pdfs/ground-truth.

Matching as in GROBID's end-to-end citation evaluation: a predicted reference pairs with a ground-truth one by a
soft title match (titles equal, or Ratcliff/Obershelp similarity >= 0.9, after removing case, accents,
punctuation and spaces), else by first surname + year + venue; pairs are one-to-one. Prints per subset and in
total: references found/expected, recall, precision, field F1 for title, first surname, year and venue (field
values compared after the same normalisation, over every predicted and expected value), DOI exact (over the
ground-truth DOIs that the PDF prints), and PDFs/s for header + references on one core: what `litreview extract
--references --json` does per file, and beside it the import's PDF reader, which also keeps the text of the first
pages for keyword search. With --all it also runs
over every other PDF in $LITREVIEW_TEST_DATA/pdfs and prints each one's reference count (errors would be listed).

With --graph it imports the ground-truth PDFs into a temporary library together with a BibTeX file made from
every second distinct ground-truth work, and prints how well stored references resolve to those BibTeX papers
(precision and recall over the references paired with ground truth), then checks `missing` on the PMC papers:
which works the ground truth says are cited by two or more of them, and where `missing` ranks them.

It also prints how the CPU time of a pass divides between MuPDF (opening, text pages, their "dict" and plain text)
and the Python readers.

    .venv/bin/python benchmarks/references.py [--data DIR] [--all] [--graph] [--show-misses N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.data_location import data_dir  # noqa: E402

DEFAULT_DATA = data_dir() / "pdfs"
FIELDS = ("title", "first_surname", "year", "venue")


def norm(text: object) -> str:
    folded = unicodedata.normalize("NFKD", str(text or ""))
    folded = "".join(char for char in folded if not unicodedata.combining(char))
    return re.sub(r"[\W_]+", "", folded.casefold())


def truth_fields(ref: dict) -> dict[str, str]:
    year = re.search(r"\d{4}", ref.get("year") or "")
    authors = ref.get("authors") or []
    return {
        "title": norm(ref.get("title")),
        "first_surname": norm(authors[0]) if authors else "",
        "year": year.group(0) if year else "",
        "venue": norm(ref.get("source")),
        "doi": (ref.get("doi") or "").lower(),
    }


def predicted_fields(ref) -> dict[str, str]:
    first = ref.authors[0].split(",")[0] if ref.authors else ""
    return {
        "title": norm(ref.title),
        "first_surname": norm(first),
        "year": str(ref.year or ""),
        "venue": norm(ref.venue),
        "doi": (ref.doi or "").lower(),
    }


def soft_title(a: str, b: str) -> bool:
    if not a or not b:
        return False
    return a == b or (min(len(a), len(b)) >= 10 and SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.9)


def match(truths: list[dict[str, str]], predictions: list[dict[str, str]]) -> list[tuple[int, int]]:
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    for t, truth in enumerate(truths):
        for p, pred in enumerate(predictions):
            if p not in used and soft_title(truth["title"], pred["title"]):
                pairs.append((t, p))
                used.add(p)
                break
    paired = {t for t, _ in pairs}
    for t, truth in enumerate(truths):
        if t in paired or not (truth["first_surname"] and truth["year"] and truth["venue"]):
            continue
        for p, pred in enumerate(predictions):
            if p in used:
                continue
            if all(truth[key] == pred[key] for key in ("first_surname", "year", "venue")):
                pairs.append((t, p))
                used.add(p)
                break
    return pairs


class Tally:
    def __init__(self) -> None:
        self.pdfs = self.expected = self.found = self.matched = 0
        self.field = {name: [0, 0, 0] for name in (*FIELDS, "doi")}  # correct, predicted, expected

    def add(self, truths, predictions, pairs, printed_dois: set[str]) -> None:
        self.pdfs += 1
        self.expected += len(truths)
        self.found += len(predictions)
        self.matched += len(pairs)
        by_truth = dict(pairs)
        for name in FIELDS:
            tally = self.field[name]
            tally[1] += sum(1 for pred in predictions if pred[name])
            tally[2] += sum(1 for truth in truths if truth[name])
            tally[0] += sum(
                1 for t, p in by_truth.items() if truths[t][name] and truths[t][name] == predictions[p][name]
            )
        doi = self.field["doi"]
        for t, truth in enumerate(truths):
            if truth["doi"] and truth["doi"] in printed_dois:
                doi[2] += 1
                p = by_truth.get(t)
                if p is not None and predictions[p]["doi"]:
                    doi[1] += 1
                    doi[0] += predictions[p]["doi"] == truth["doi"]

    def row(self, name: str) -> str:
        recall = self.matched / self.expected if self.expected else 0.0
        precision = self.matched / self.found if self.found else 0.0
        cells = [f"{name:26}", f"{self.pdfs:4d}", f"{self.found:5d}/{self.expected:<5d}", f"{recall:6.3f}",
                 f"{precision:6.3f}"]
        for field in (*FIELDS, "doi"):
            correct, predicted, expected = self.field[field]
            p = correct / predicted if predicted else 0.0
            r = correct / expected if expected else 0.0
            cells.append(f"{(2 * p * r / (p + r) if p + r else 0.0):6.3f}")
        return " ".join(cells)


HEADER = (
    f"{'subset':26} {'pdfs':>4} {'found/expected':>11} {'recall':>6} {'prec':>6} {'title':>6} {'surnm':>6} "
    f"{'year':>6} {'venue':>6} {'doi':>6}"
)


def main() -> int:
    from litreview.ingest.mupdf import load_pymupdf

    load_pymupdf()  # PyMuPDF as the app's processes have it, before anything here imports it
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared pdfs folder")
    parser.add_argument("--all", action="store_true", help="also run over every other PDF and print counts")
    parser.add_argument("--show-misses", type=int, default=0, metavar="N", help="print N unmatched per PDF")
    parser.add_argument("--only", help="only PDFs whose name contains this")
    parser.add_argument("--graph", action="store_true", help="also score resolution and `missing` in a library")
    parser.add_argument("--thesis", action="store_true", help="time a generated 300-page thesis")
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="time N passes over the PDFs and report the fastest (CPU time varies on a busy machine)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    import pymupdf

    from litreview.ingest.pdf import extraction_json, read_pdf, read_pdf_full

    truth_dir = args.data / "ground-truth"
    records = [json.loads(line) for line in (truth_dir / "references.jsonl").read_text().splitlines() if line]
    if args.only:
        records = [record for record in records if args.only in record["pdf"]]
    read_pdf(truth_dir / records[0]["pdf"], references=True)  # warm up imports
    tallies: dict[str, Tally] = defaultdict(Tally)
    for record in records:
        path = truth_dir / record["pdf"]
        paper = read_pdf(path, references=True)
        references = list(getattr(paper, "references", ()))
        with pymupdf.open(path) as doc:
            printed = "".join(page.get_text("text") for page in doc).lower()
        printed = re.sub(r"\s+", "", printed)
        truths = [truth_fields(ref) for ref in record["refs"]]
        predictions = [predicted_fields(ref) for ref in references]
        printed_dois = {truth["doi"] for truth in truths if truth["doi"] and truth["doi"] in printed}
        pairs = match(truths, predictions)
        subset = record["pdf"].split("__")[0]
        for key in (subset, "ALL"):
            tallies[key].add(truths, predictions, pairs, printed_dois)
        if args.show_misses:
            print(f"# {record['pdf']}: {len(references)} found / {len(truths)} expected, {len(pairs)} matched")
            unmatched_t = [t for t in range(len(truths)) if t not in dict(pairs)]
            unmatched_p = [p for p in range(len(predictions)) if p not in {p for _, p in pairs}]
            for t in unmatched_t[: args.show_misses]:
                print("   MISSING", record["refs"][t].get("raw", "")[:160])
            for p in unmatched_p[: args.show_misses]:
                ref = references[p]
                print("   EXTRA  ", ref.raw[:160], "| T:", ref.title, "| A:", ref.authors[:1], "| V:", ref.venue)
    print(HEADER)
    for key in sorted(tallies, key=lambda name: (name == "ALL", name)):
        print(tallies[key].row(key))
    paths = [truth_dir / record["pdf"] for record in records]
    readers = {
        "header + references (extract --references)": lambda path: extraction_json(path, references=True),
        "with the first pages' keyword text (import)": read_pdf_full,
    }
    passes: dict[str, list[float]] = defaultdict(list)
    for _ in range(max(1, args.repeat)):
        for name, reader in readers.items():  # alternating, so that a busy spell slows both alike
            _clear_caches()  # a pass must not find the names of the same PDFs already parsed
            start = time.process_time()
            for path in paths:
                reader(path)
            passes[name].append(time.process_time() - start)
    print()
    for name, times in passes.items():
        print(f"{name}: {len(paths)} PDFs, {len(paths) / min(times):.1f} PDFs/s CPU on one core (fastest of"
              f" {len(times)} passes; all: {', '.join(f'{len(paths) / value:.1f}' for value in times)})")
    print("floors: recall >= 0.95, precision >= 0.95, title >= 0.90, surname >= 0.93, year >= 0.95, venue >= 0.85,"
          " DOI >= 0.95, >= 15 PDFs/s")
    mupdf_share(paths)
    if args.graph:
        graph(records, truth_dir)
    if args.thesis:
        thesis()
    if args.all:
        truth_names = {record["pdf"] for record in records}
        others = sorted(path for path in args.data.rglob("*.pdf") if path.name not in truth_names)
        errors = 0
        counts = []
        start = time.process_time()
        for path in others:
            paper = read_pdf(path, references=True)
            if not hasattr(paper, "references"):
                errors += 1
                print(f"  {path.name}: error {paper.reason}")
                continue
            counts.append(len(paper.references))
            name = path.relative_to(args.data)
            print(f"  {len(paper.references):4d} references  {paper.pages or 0:4d} pages  {name}")
        elapsed = time.process_time() - start
        print(f"\nother PDFs: {len(others)}, errors {errors}, with references {sum(1 for c in counts if c)}, "
              f"median count {sorted(counts)[len(counts) // 2] if counts else 0}, {len(others) / elapsed:.1f} PDFs/s")
    return 0


def mupdf_share(paths: list[Path]) -> None:
    """One more pass of header + references, timing what MuPDF itself does (open and close, text pages, their
    "dict" and plain text) apart from the Python readers, with the number of pages each step touched."""
    import pymupdf

    from litreview.ingest.pdf import read_pdf

    spent: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    originals = {
        ("open", pymupdf, "open"): pymupdf.open,
        ("open", pymupdf.Document, "close"): pymupdf.Document.close,
        ("text page", pymupdf.Page, "get_textpage"): pymupdf.Page.get_textpage,
        ("dict", pymupdf.TextPage, "extractDICT"): pymupdf.TextPage.extractDICT,
        ("plain text", pymupdf.TextPage, "extractText"): pymupdf.TextPage.extractText,
    }

    def timed(step: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[step] += time.process_time() - start
                calls[step] += 1
        return call

    _clear_caches()
    for (step, owner, name), function in originals.items():
        setattr(owner, name, timed(step, function))
    try:
        start = time.process_time()
        for path in paths:
            read_pdf(path, references=True, full_text=False)
        total = time.process_time() - start
    finally:
        for (_, owner, name), function in originals.items():
            setattr(owner, name, function)
    mupdf = sum(spent.values())
    steps = ", ".join(f"{step} {spent[step]:.2f} s ({calls[step]})" for step in ("open", "text page", "dict",
                                                                                 "plain text"))
    print(f"of {total:.2f} s CPU: MuPDF {mupdf:.2f} s ({mupdf / total:.0%}; {steps}), the Python readers"
          f" {total - mupdf:.2f} s")


def _clear_caches() -> None:
    """Empty litreview's memoised functions (functools caches), so that each timed pass starts as the first."""
    for name, module in list(sys.modules.items()):
        if name.startswith("litreview."):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def thesis(pages: int = 300, entries: int = 250) -> None:
    """A generated 300-page thesis with its reference list at the end: references found and the time taken."""
    import tempfile

    import pymupdf

    from litreview.ingest.pdf import read_pdf

    doc = pymupdf.open()
    for number in range(pages - 12):
        page = doc.new_page()
        if number == 0:
            page.insert_text((72, 100), "A Thesis on the Generation of Long Documents", fontsize=18)
            page.insert_text((72, 130), "Grace Hopper", fontsize=11)
        for line in range(45):
            page.insert_text((72, 150 + 14 * line if number == 0 else 72 + 14 * line),
                             f"Body text of chapter {number // 30 + 1}, line {line}: results were consistent.",
                             fontsize=10)
    page = doc.new_page()
    page.insert_text((72, 72), "Bibliography", fontsize=14, fontname="hebo")
    y = 100
    for number in range(1, entries + 1):
        if y > 760:
            page, y = doc.new_page(), 72
        entry = f"[{number}] Author{number} A, Writer B. A study of topic number {number}."
        page.insert_text((72, y), entry, fontsize=9)
        page.insert_text((90, y + 11), f"Journal of Examples {2000 + number % 20};{number}:{number}-{number + 9}.",
                         fontsize=9)
        y += 27
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "thesis.pdf"
        doc.save(path)
        total = doc.page_count
        doc.close()
        start = time.perf_counter()
        paper = read_pdf(path, references=True)
        elapsed = time.perf_counter() - start
        from litreview.ingest.pdf.layout import Layout, open_pdf

        start = time.perf_counter()
        with open_pdf(path) as opened:
            Layout(opened, path).pages()
        full = time.perf_counter() - start
    print(f"\nthesis: {total} pages, {len(paper.references)} of {entries} references found in {elapsed:.2f} s"
          f" (header + references); laying out every page once takes {full:.2f} s")


def _work_id(ref: dict) -> str:
    return norm(ref.get("title"))[:120] or norm(ref.get("raw"))[:80]


def _bibtex(works: dict[str, dict]) -> str:
    entries = []
    for number, (_, ref) in enumerate(sorted(works.items())):
        authors = " and ".join(f"{surname}, X." for surname in ref.get("authors") or []) or "Anonymous, X."
        fields = {"title": ref.get("title"), "author": authors, "year": (ref.get("year") or "")[:4],
                  "journal": ref.get("source"), "doi": ref.get("doi")}
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items() if value)
        entries.append(f"@article{{gt{number},\n{body}\n}}")
    return "\n\n".join(entries) + "\n"


def graph(records: list[dict], truth_dir: Path) -> None:
    """Resolution precision/recall against a BibTeX file of half the ground-truth works, and the `missing` floor."""
    import tempfile

    from litreview.analysis.citations import missing_works
    from litreview.library import open_library
    from litreview.library.references import references_of
    from litreview.pipeline import drive, run_import

    works: dict[str, dict] = {}
    for record in records:
        for ref in record["refs"]:
            if ref.get("title"):
                works.setdefault(_work_id(ref), ref)
    in_bib = {key: ref for index, (key, ref) in enumerate(sorted(works.items())) if index % 2 == 0}
    with tempfile.TemporaryDirectory() as folder:
        bib = Path(folder) / "half.bib"
        bib.write_text(_bibtex(in_bib), encoding="utf-8")
        library = open_library(Path(folder) / "lib.sqlite")
        pdfs = [truth_dir / record["pdf"] for record in records]
        start = time.perf_counter()
        drive(run_import(library, [*pdfs, bib], extract_in_child=False))
        elapsed = time.perf_counter() - start
        conn = library.conn
        paper_of_key = {row[0]: row[1] for row in conn.execute("SELECT citation_key, id FROM papers")}
        bib_paper = {key: paper_of_key.get(f"gt{number}") for number, key in enumerate(sorted(in_bib))}
        pdf_paper = {Path(row[0]).name: row[1] for row in conn.execute("SELECT path, paper_id FROM files")}
        correct = resolved = expected = found = wrong_unpaired = expected_paired = 0
        for record in records:
            stored = references_of(conn, pdf_paper[record["pdf"]])
            truths = [truth_fields(ref) for ref in record["refs"]]
            predictions = [
                {"title": norm(ref["title"]), "first_surname": norm((ref["authors"] or [""])[0].split(",")[0]),
                 "year": str(ref["year"] or ""), "venue": norm(ref["venue"]), "doi": (ref["doi"] or "").lower()}
                for ref in stored
            ]
            pairs = dict(match(truths, predictions))
            paired = set(pairs.values())
            wrong_unpaired += sum(1 for p, ref in enumerate(stored) if p not in paired and ref["paper_id"])
            for t, ref in enumerate(record["refs"]):
                target = bib_paper.get(_work_id(ref)) if ref.get("title") and _work_id(ref) in in_bib else None
                got = stored[pairs[t]]["paper_id"] if t in pairs else None
                expected += target is not None
                expected_paired += target is not None and t in pairs
                resolved += got is not None
                correct += got is not None and got == target
                found += target is not None and got == target
        print(f"\nresolution: {len(in_bib)} BibTeX works, {len(records)} PDFs imported in {elapsed:.0f} s")
        print(f"  precision {correct / max(1, resolved):.3f} ({correct}/{resolved} resolved references point to the"
              f" right paper), recall {found / max(1, expected):.3f} ({found}/{expected});"
              f" {wrong_unpaired} resolved references not paired with ground truth")
        print(f"  recall over the references that extraction paired with ground truth:"
              f" {found / max(1, expected_paired):.3f} ({found}/{expected_paired})")
        print("  floors: precision >= 0.98, recall >= 0.95")
        library.close()

    # `missing`: the PMC papers alone, no BibTeX.
    pmc = [record for record in records if record["pdf"].startswith("pmc_")]
    citers: dict[str, set[str]] = defaultdict(set)
    for record in pmc:
        for ref in record["refs"]:
            citers[_work_id(ref)].add(record["pdf"])
    with tempfile.TemporaryDirectory() as folder:
        library = open_library(Path(folder) / "lib.sqlite")
        drive(run_import(library, [truth_dir / record["pdf"] for record in pmc], extract_in_child=False))
        titles = [norm(row[0]) for row in library.conn.execute("SELECT title FROM papers")]
        missing = missing_works(library.conn)
        library.close()
    twice = {key for key, ids in citers.items() if len(ids) >= 2}
    thrice = {key for key, ids in citers.items() if len(ids) >= 3}
    outside = {key for key in twice if not any(soft_title(key, title) for title in titles)}
    ranks = {}
    for rank, work in enumerate(missing):
        for key in [key for key in outside if key not in ranks and soft_title(key, norm(work["title"]))]:
            ranks[key] = rank
    listed = sum(1 for key in outside if key in ranks)
    top = sum(1 for key in thrice & outside if ranks.get(key, 999) < 20)
    print(f"\nmissing: ground truth: {len(twice)} works cited by >= 2 PMC papers ({len(thrice)} by >= 3),"
          f" {len(outside)} not in the library")
    print(f"  listed by `missing`: {listed}/{len(outside)} = {listed / max(1, len(outside)):.3f} (floor 0.90);"
          f" cited >= 3 times in its first 20: {top}/{len(thrice & outside)} (floor: all); {len(missing)} listed")


if __name__ == "__main__":
    raise SystemExit(main())
