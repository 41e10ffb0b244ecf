"""Parse references written in six citation styles from real bibliographic records, and score the fields read back.

The PDFs with publisher reference lists (benchmarks/references.py) are mostly PubMed Central papers in a few house
styles. This checks the string parser on other content and styles: the journal articles of real users' BibTeX
libraries in $LITREVIEW_TEST_DATA/bibtex (titles, names and journals as people store them) are written out as
Vancouver, APA, IEEE, Harvard, ACL and Springer (author-year) references would print them, then read back with
`parse_reference`. The writers here are this script's own (a simplification of each style's rules), so the figures
measure the parser against those renderings, not against printed lists. Volume, issue and pages are drawn at
random (the records rarely carry them); records whose names or journal came through BibTeX mangled (lower-case
initials, TeX commands) are left out.

Prints per style the share of references whose title, first surname, year, journal and volume are read exactly
(after removing case, punctuation and spaces); with --show N, N failures per style.

    .venv/bin/python benchmarks/reference_styles.py [--data DIR] [--records N] [--show N]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from litreview.core.paper import ParsedPaper  # noqa: E402
from tests.data_location import data_dir, missing_reason  # noqa: E402

LIBRARIES = ("bibtex_tidy_realworld/bbt_large_user_library_1436-3.bib", "bibtex_tidy_realworld/bbt_mendeley_export.bib",
             "aibasel_crossref/literatur.bib")


def _name(author: str) -> tuple[str, list[str]]:
    """(surname, initials) of "Surname, Given" or "Given Surname"."""
    if "," in author:
        surname, given = (part.strip() for part in author.split(",", 1))
    else:
        given, _, surname = author.rpartition(" ")
    return surname, [word[0] for word in re.split(r"[\s\-]+", given) if word]


def _numbers(paper: ParsedPaper, volume: str, issue: str, pages: str) -> str:
    return volume.format(v=paper.volume) + (issue.format(i=paper.issue) if paper.issue else "") + pages.format(
        p=paper.page_range)


def _joined(names: list[str], last: str) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + last + names[-1]


def vancouver(paper: ParsedPaper) -> str:
    names = ", ".join(f"{surname} {''.join(initials)}" for surname, initials in map(_name, paper.authors[:6]))
    names += ", et al" if len(paper.authors) > 6 else ""
    return f"{names}. {paper.title}. {paper.venue}. {paper.year};" + _numbers(paper, "{v}", "({i})", ":{p}.")


def apa(paper: ParsedPaper) -> str:
    names = [f"{surname}, {'. '.join(initials)}." for surname, initials in map(_name, paper.authors[:7])]
    return (f"{_joined(names, ', & ')} ({paper.year}). {paper.title}. {paper.venue}, "
            + _numbers(paper, "{v}", "({i})", ", {p}."))


def ieee(paper: ParsedPaper) -> str:
    names = [f"{'. '.join(initials)}. {surname}" for surname, initials in map(_name, paper.authors[:6])]
    return (f"{_joined(names, ', and ')}, “{paper.title},” {paper.venue}, "
            + _numbers(paper, "vol. {v}", ", no. {i}", ", pp. {p}") + f", {paper.year}.")


def harvard(paper: ParsedPaper) -> str:
    names = [f"{surname}, {''.join(i + '.' for i in initials)}" for surname, initials in map(_name, paper.authors[:4])]
    return (f"{_joined(names, ' and ')} ({paper.year}) '{paper.title}', {paper.venue}, "
            + _numbers(paper, "{v}", "({i})", ", pp. {p}."))


def acl(paper: ParsedPaper) -> str:
    names = [author if "," not in author else " ".join(reversed([part.strip() for part in author.split(",", 1)]))
             for author in paper.authors[:6]]
    return (f"{_joined(names, ', and ')}. {paper.year}. {paper.title}. {paper.venue}, "
            + _numbers(paper, "{v}", "({i})", ":{p}."))


def springer(paper: ParsedPaper) -> str:
    names = ", ".join(f"{surname} {''.join(initials)}" for surname, initials in map(_name, paper.authors[:6]))
    return f"{names} ({paper.year}) {paper.title}. {paper.venue} " + _numbers(paper, "{v}", "", ":{p}")


STYLES: dict[str, Callable[[ParsedPaper], str]] = {
    "Vancouver": vancouver, "APA": apa, "IEEE": ieee, "Harvard": harvard, "ACL": acl, "Springer": springer}


def _key(text: str | None) -> str:
    return re.sub(r"[\W_]+", "", (text or "").casefold())


def articles(data: Path, count: int) -> list[ParsedPaper]:
    """`count` journal articles from the real libraries, with random volume, issue and pages."""
    from litreview.ingest.bibtex import parse_bibtex_files

    records = parse_bibtex_files([data / "bibtex" / name for name in LIBRARIES]).records
    rng = random.Random(3)
    usable = [
        replace(paper, venue=paper.venue.rstrip("."), volume=str(rng.randint(1, 300)),
                issue=str(rng.randint(1, 12)) if rng.random() < 0.6 else None,
                page_range=f"{(first := rng.randint(1, 2000))}-{first + rng.randint(3, 30)}")
        for paper in records
        if paper.title and paper.authors and paper.year and paper.venue and len(paper.title) < 250
        and paper.venue[:1].isupper() and not any(mark in paper.title + paper.venue for mark in "{}\\")
        and all(word[:1].isupper() for author in paper.authors for word in re.split(r"[\s\-,.]+", author) if word)
    ]
    random.Random(7).shuffle(usable)
    return usable[:count]


def main() -> int:
    from litreview.ingest.pdf.references import parse_reference

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=data_dir(), help="the test data folder")
    parser.add_argument("--records", type=int, default=600, help="how many records to write out")
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print N failures per style")
    args = parser.parse_args()
    if not (args.data / "bibtex").is_dir():
        print(missing_reason(args.data), file=sys.stderr)
        return 2
    papers = articles(args.data, args.records)
    print(f"{len(papers)} journal articles from {len(LIBRARIES)} real BibTeX libraries\n")
    print(f"{'style':10s} {'title':>6s} {'surname':>8s} {'year':>6s} {'journal':>8s} {'volume':>7s}")
    for name, write in STYLES.items():
        right: Counter[str] = Counter()
        shown = 0
        for paper in papers:
            raw = write(paper)
            reference = parse_reference(raw)
            fields = {
                "title": _key(reference.title) == _key(paper.title),
                "surname": bool(reference.authors)
                and _key(reference.authors[0].split(",")[0]) == _key(_name(paper.authors[0])[0]),
                "year": reference.year == paper.year,
                "journal": _key(reference.venue) == _key(paper.venue),
                "volume": reference.volume == paper.volume,
            }
            right.update(field for field, ok in fields.items() if ok)
            if not all(fields.values()) and shown < args.show:
                shown += 1
                print(f"  {raw}\n    read: {reference.authors[:2]} | {reference.title} | {reference.venue} |"
                      f" {reference.year} | {reference.volume}")
        print(f"{name:10s} " + " ".join(f"{right[field] / len(papers):{width}.3f}" for field, width in
                                        (("title", 6), ("surname", 8), ("year", 6), ("journal", 8), ("volume", 7))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
