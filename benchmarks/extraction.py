"""Score PDF header extraction against the real test data's pdfs/ground-truth and print the figures.

For title, first author (family name, as GROBID's header evaluation does) and abstract (only where the truth has
one), prints exact, soft (equal ignoring case, spaces and punctuation) and Levenshtein-similarity >= 0.8 match
rates per subset and overall, and PDFs per second on one core, for litreview's extractor and, in the same run,
for simple peers: the PDF's own metadata, and plain first-page text heuristics (PyMuPDF's get_text()).
pymupdf4llm's Markdown output is scored too with --pymupdf4llm (slow).

For litreview it also prints, per subset, the publication facts read from the first page (issue #15): year
accuracy where the truth has a year, and how often venue, volume, pages and entry type were found (the shared
truth names no journal, so the venue is counted, and shown with --show-venues); and, on the bilingual articles
(issue #22: $LITREVIEW_TEST_DATA/pdfs/multilingual and the SciELO records with trans_titles/trans_abstracts), whether
the title is right in either language with nothing appended, whether the stored abstract matches the truth in its
language (Levenshtein similarity >= 0.8), and whether the translated title and second abstract were found.

    .venv/bin/python benchmarks/extraction.py [--data DIR] [--pymupdf4llm] [--show-misses]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.data_location import data_dir  # noqa: E402

DEFAULT_DATA = data_dir() / "pdfs" / "ground-truth"
DEFAULT_MULTILINGUAL = data_dir() / "pdfs" / "multilingual"
_PARSED: dict[Path, object] = {}

Prediction = tuple[str | None, str | None, str | None]  # title, first author, abstract


def soft(text: str | None) -> str:
    folded = unicodedata.normalize("NFKD", text or "")
    folded = "".join(char for char in folded if not unicodedata.combining(char))
    return re.sub(r"[\W_]+", "", folded.casefold())


def spaced(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").casefold()).strip()


def family(author: str | None) -> str | None:
    """Family name of one author written "Jane Doe", "Doe, Jane", "Doe J" (EuropePMC) or "J.Doe"."""
    if not author:
        return None
    author = re.sub(r"[\d*†‡§¶∗'\"]+", " ", author).strip(" ,")
    if "," in author:
        return author.split(",", 1)[0].strip() or None
    tokens = author.replace(".", ". ").split()
    if not tokens:
        return None
    if len(tokens) >= 2 and re.fullmatch(r"[A-Z]{1,3}\.?", tokens[-1]) and not re.fullmatch(r"[A-Z]\.?", tokens[0]):
        tokens = tokens[:-1]  # "Mohanty I": family name first
    return tokens[-1].strip(".")


def truth_first_author(authors: str | None) -> str | None:
    if not authors or not authors.strip():
        return None
    first = authors.split(";")[0]
    if ";" not in authors:  # "A B 1,2 and C D" or "Doe J, Roe K": no "Doe, Jane" form without semicolons
        first = re.split(r"\s+and\s+", first)[0]
        first = next((part for part in first.split(",") if re.search(r"[A-Za-z]{2}", part)), first)
    return family(first)


def matches(predicted: str | None, truth: str) -> tuple[bool, bool, bool]:
    from rapidfuzz.distance import Levenshtein

    if not predicted:
        return False, False, False
    exact = predicted.strip() == truth.strip()
    soft_match = soft(predicted) == soft(truth)
    lev = Levenshtein.normalized_similarity(spaced(predicted), spaced(truth)) >= 0.8
    return exact, soft_match, lev


def litreview_extractor(path: Path) -> Prediction:
    from litreview.ingest.pdf import read_pdf

    result = _PARSED[path] = read_pdf(path)
    if not hasattr(result, "title"):
        return None, None, None
    first = result.authors[0] if result.authors else None
    return result.title, family(first), result.abstract


def metadata_peer(path: Path) -> Prediction:
    import pymupdf

    with pymupdf.open(path) as doc:
        meta = doc.metadata or {}
    author = re.split(r"[;,]| and ", meta.get("author") or "")[0]
    return (meta.get("title") or None), family(author), None


_ABSTRACT_START = re.compile(r"\b(?:abstract|summary|resumo|resumen)\b[\s:.\-—]*", re.IGNORECASE)
_ABSTRACT_END = re.compile(r"\n\s*(?:keywords?|key words|index terms|(?:1\.?|I\.)?\s*introduction)\b", re.IGNORECASE)


def plain_text_peer(path: Path) -> Prediction:
    """PyMuPDF's plain page-1 text: metadata or first long line as title, the next line's first name, the text
    after "Abstract" as abstract."""
    import pymupdf

    with pymupdf.open(path) as doc:
        text = doc[0].get_text("text") if doc.page_count else ""
        meta = doc.metadata or {}
    lines = [line.strip() for line in text.splitlines() if len(line.strip()) > 3]
    title_index = next((i for i, line in enumerate(lines) if len(line.split()) >= 3), None)
    title = (meta.get("title") or "").strip() or (lines[title_index] if title_index is not None else None)
    author = None
    if title_index is not None and title_index + 1 < len(lines):
        author = family(re.split(r"[;,]| and ", lines[title_index + 1])[0])
    abstract = None
    start = _ABSTRACT_START.search(text)
    if start:
        rest = text[start.end() :]
        end = _ABSTRACT_END.search(rest)
        abstract = " ".join(rest[: end.start() if end else 2000].split())
    return title, author, abstract


@contextlib.contextmanager
def _silenced() -> Iterator[None]:
    """Send file descriptors 1 and 2 to /dev/null (native code writes there, past sys.stdout)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def pymupdf4llm_peer(path: Path) -> Prediction:
    """pymupdf4llm's Markdown of page 1: first '#' heading of 3+ words as title, the text after 'Abstract'."""
    import pymupdf4llm

    with _silenced():  # its layout engine prints an OCR notice per page, from native code
        markdown = pymupdf4llm.to_markdown(str(path), pages=[0], show_progress=False)
    title = None
    for line in markdown.splitlines():
        heading = re.sub(r"<[^>]+>", "", line.lstrip("#")).strip(" *_")
        if line.startswith("#") and len(heading.split()) >= 3:  # the first real heading, not "REVIEW"
            title = heading
            break
    abstract = None
    start = _ABSTRACT_START.search(markdown)
    if start:
        rest = markdown[start.end() :]
        end = _ABSTRACT_END.search(rest)
        abstract = " ".join(rest[: end.start() if end else 2000].replace("*", "").split())
    return title, None, abstract


def score(
    name: str, extractor: Callable[[Path], Prediction], records: list[dict], data: Path, show_misses: bool
) -> None:
    tallies: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0]))
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    for record in records:
        title, first_author, abstract = extractor(data / record["pdf"])
        truths = {
            "title": (record.get("title") or "").strip().rstrip(".") or None,
            "first_author": truth_first_author(record.get("authors")),
            "abstract": (record.get("abstract") or "").strip() or None,
        }
        predicted = {"title": title.rstrip(".") if title else None, "first_author": first_author, "abstract": abstract}
        for field, truth in truths.items():
            if truth is None:
                continue
            exact, soft_match, lev = matches(predicted[field], truth)
            for subset in (record["subset"], "ALL"):
                _add(tallies[subset][field], 1, exact, soft_match, lev)
            if show_misses and not lev:
                print(
                    f"  MISS {name} {field} {record['pdf']}\n     got:  {str(predicted[field])[:150]!r}\n"
                    f"     want: {truth[:150]!r}"
                )
    wall, cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    print(
        f"\n== {name}: {len(records)} PDFs, {len(records) / wall:.1f} PDFs/s wall, {len(records) / cpu:.1f} PDFs/s CPU"
    )
    print(f"{'subset':28} {'field':13} {'n':>3} {'exact':>7} {'soft':>7} {'lev>=.8':>8}")
    for subset in sorted(tallies, key=lambda key: (key == "ALL", key)):
        for field in ("title", "first_author", "abstract"):
            if field not in tallies[subset]:
                continue
            n, exact, soft_match, lev = tallies[subset][field]
            rates = f"{100 * exact / n:6.1f}% {100 * soft_match / n:6.1f}% {100 * lev / n:7.1f}%"
            print(f"{subset:28} {field:13} {n:3d} {rates}")


def _lev(predicted: str | None, truth: str | None) -> bool:
    from rapidfuzz.distance import Levenshtein

    return bool(predicted and truth) and Levenshtein.normalized_similarity(spaced(predicted), spaced(truth)) >= 0.8


def _rate(hits: int, n: int) -> str:
    return f"{hits:3d}/{n:<3d} {100 * hits / n:5.1f}%" if n else "   -        "


def _add(tally: list[int], *counts: int) -> None:
    """One record's counts added to a subset's tally."""
    for i, count in enumerate(counts):
        tally[i] += count


def _tally(tallies: dict[str, list[int]], subset: str, *counts: int) -> None:
    """One record's counts added to its subset's tally and to ALL's."""
    for key in (subset, "ALL"):
        _add(tallies[key], *counts)


def _print_rates(heading: str, columns: list[str], tallies: dict[str, list[int]], rates) -> None:  # noqa: ANN001
    """A table of `rates(tally)` per subset (ALL last); a tally starts with the subset's record count."""
    print(f"\n== {heading}")
    print(f"{'subset':28} {'n':>3} " + " ".join(f"{column:>13}" for column in columns))
    for subset in sorted(tallies, key=lambda key: (key == "ALL", key)):
        tally = tallies[subset]
        print(f"{subset:28} {tally[0]:3d} " + " ".join(f"{rate:>13}" for rate in rates(*tally)))


def score_bibliographic(records: list[dict], data: Path, show: bool) -> None:
    """Year accuracy and venue/volume/pages/entry-type coverage of litreview's reading, per subset."""
    tallies: dict[str, list[int]] = defaultdict(lambda: [0] * 7)
    for record in records:
        paper = _PARSED.get(data / record["pdf"])
        if paper is None or not hasattr(paper, "venue"):
            continue
        truth_year = record.get("year")
        truth_year = int(truth_year) if truth_year not in (None, "", "None") else None
        dated = truth_year is not None
        _tally(tallies, record["subset"], 1, dated, dated and paper.year == truth_year, paper.venue is not None,
               paper.volume is not None, paper.page_range is not None, paper.entry_type is not None)
        if show:
            print(
                f"  {record['pdf'][:48]:48} {paper.entry_type} | {paper.venue} | {paper.volume} ({paper.issue})"
                f" {paper.page_range} | {paper.year} (truth {truth_year})"
            )
    _print_rates(
        "litreview publication facts (first page, running heads, metadata)",
        ["year right", "venue found", "volume", "pages", "type"], tallies,
        lambda n, year_n, year_ok, venue, volume, pages, kind: [
            _rate(year_ok, year_n), _rate(venue, n), _rate(volume, n), _rate(pages, n), _rate(kind, n)
        ],
    )


def score_translations(records: list[dict], data: Path, show_misses: bool) -> None:
    """The bilingual-article floors of issue #22, per subset, for the records with translations in their truth."""
    from litreview.ingest.pdf_language import detect_language
    tallies: dict[str, list[int]] = defaultdict(lambda: [0] * 7)
    for record in records:
        truth_titles = {record.get("language"): record.get("title")}
        truth_titles.update({lang: text for lang, text in record.get("trans_titles") or []})
        # The truth's language labels are sometimes wrong (a Spanish abstract labelled "pt"): the abstract's own
        # words decide, the label only when they cannot.
        truth_abstracts = {}
        for lang, text in [(record.get("language"), record.get("abstract")), *(record.get("trans_abstracts") or [])]:
            if text:
                truth_abstracts[detect_language(text) or lang] = text
        if len(truth_titles) < 2 and len(truth_abstracts) < 2:
            continue
        paper = _PARSED.get(data / record["pdf"])
        if paper is None or not hasattr(paper, "translations"):
            continue
        titles = [text for field, _, text in paper.translations if field == "title"]
        title_ok = any(soft(paper.title) == soft(text) for text in truth_titles.values() if text)
        stored_lang = paper.abstract_language if hasattr(paper, "abstract_language") else paper.language
        second = [(lang, text) for field, lang, text in paper.translations if field == "abstract"]
        if stored_lang in truth_abstracts:
            abstract_ok = _lev(paper.abstract, truth_abstracts[stored_lang])
        else:  # the truth lacks the stored language: its own abstract must be found, in its language
            found = dict([*second, (stored_lang, paper.abstract)])
            abstract_ok = any(_lev(found.get(lang), text) for lang, text in truth_abstracts.items())
        trans_title_n = len(truth_titles) >= 2
        trans_title_ok = trans_title_n and any(
            _lev(text, truth) for text in titles for truth in truth_titles.values() if truth
        )
        second_abstract_n = len(truth_abstracts) >= 2
        second_ok = second_abstract_n and any(_lev(text, truth_abstracts.get(lang)) for lang, text in second)
        _tally(tallies, record["subset"], 1, title_ok, abstract_ok, trans_title_n, trans_title_ok, second_abstract_n,
               second_ok)
        if show_misses and not (
            title_ok and abstract_ok and trans_title_ok == trans_title_n and second_ok == second_abstract_n
        ):
            print(
                f"  MISS bilingual {record['pdf']}: title {title_ok} {paper.title!r}; abstract ({stored_lang}) "
                f"{abstract_ok} {str(paper.abstract)[:80]!r}; translations "
                f"{[(field, lang, text[:50]) for field, lang, text in paper.translations]}"
            )
    _print_rates(
        "litreview bilingual articles (issue #22 floors: 95 / 90 / 90 / 90 %)",
        ["title right", "abstract lev", "trans. title", "2nd abstract"], tallies,
        lambda n, title_ok, abstract_ok, tt_n, tt_ok, sa_n, sa_ok: [
            _rate(title_ok, n), _rate(abstract_ok, n), _rate(tt_ok, tt_n), _rate(sa_ok, sa_n)
        ],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--pymupdf4llm", action="store_true", help="also score pymupdf4llm (slow)")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--show-venues", action="store_true", help="print the publication facts read per PDF")
    parser.add_argument("--multilingual", type=Path, default=DEFAULT_MULTILINGUAL, help="bilingual articles folder")
    parser.add_argument("--only", choices=["litreview", "metadata", "plain"], help="score one extractor")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    records = [json.loads(line) for line in (args.data / "ground_truth.jsonl").read_text().splitlines() if line]
    import pymupdf  # noqa: F401 - import cost out of the timings

    litreview_extractor(args.data / records[0]["pdf"])  # warm up imports
    extractors: list[tuple[str, Callable[[Path], Prediction]]] = [
        ("litreview read_pdf", litreview_extractor),
        ("peer: PDF metadata", metadata_peer),
        ("peer: plain first-page text (PyMuPDF get_text)", plain_text_peer),
    ]
    if args.only:
        extractors = [extractors[["litreview", "metadata", "plain"].index(args.only)]]
    if args.pymupdf4llm:
        extractors.append(("peer: pymupdf4llm markdown", pymupdf4llm_peer))
    for name, extractor in extractors:
        score(name, extractor, records, args.data, args.show_misses and extractor is litreview_extractor)
    if any(extractor is litreview_extractor for _, extractor in extractors):
        score_bibliographic(records, args.data, args.show_venues)
        bilingual = [(record, args.data) for record in records]
        truth_file = args.multilingual / "ground_truth.jsonl"
        if truth_file.is_file():
            extra = [json.loads(line) for line in truth_file.read_text().splitlines() if line]
            score(
                "litreview read_pdf (bilingual articles)",
                litreview_extractor,
                extra,
                args.multilingual,
                args.show_misses,
            )
            score_bibliographic(extra, args.multilingual, args.show_venues)
            bilingual += [(record, args.multilingual) for record in extra]
        by_folder: dict[Path, list[dict]] = defaultdict(list)
        for record, folder in bilingual:
            by_folder[folder].append(record)
        for folder, folder_records in by_folder.items():
            score_translations(folder_records, folder, args.show_misses)
    print("\nGROBID reference (PMC): title 92.5% soft; abstract 61.6% soft / 88.6% lev; first author 96%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
