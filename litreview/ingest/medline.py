"""PubMed MEDLINE reader (.nbib, .medline, PubMed's "Save as PubMed" .txt): files in, ParsedPaper records and
per-record errors out. Pure: no DB writes.

MEDLINE is a simple tagged format (a tag of up to four letters padded to four, "- ", the value; continuation
lines indented by six spaces; records start at `PMID-`). No well-kept parser fits (Biopython's Bio.Medline
would bring all of Biopython; `nbib` is unmaintained since 2021), so this small tag parser reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from litreview.core.identifiers import normalize_doi
from litreview.core.paper import IngestError, ParsedPaper
from litreview.ingest.records import FileProblem, ReadResult, clean, display_name, paper_record, parse_year, read_files

__all__ = ["SUFFIXES", "read", "read_medline", "sniff"]

SUFFIXES = frozenset({".nbib", ".medline", ".txt"})  # .txt only when sniff() says MEDLINE
_TAG = re.compile(r"^([A-Z][A-Z0-9]{0,3}) {0,3}- ?(.*)$")
_START = re.compile(r"^[\ufeff]?PMID- ", re.MULTILINE)
_ENTRY_TYPES = {"journal article": "article", "review": "article", "book": "book", "book chapter": "incollection"}


def sniff(head: str) -> bool:
    """Whether the start of a file looks like MEDLINE (a `PMID- ` line near the top)."""
    return bool(_START.search(head.lstrip("\ufeff")[:4000]))


def read(paths: Sequence[Path], encoding: str | None = None) -> ReadResult:
    return read_medline(paths, encoding)


def parse_tags(lines: list[str]) -> dict[str, list[str]]:
    """Tag -> values of one record; continuation lines are joined to the value they continue."""
    tags: dict[str, list[str]] = {}
    last: str | None = None
    for raw in lines:
        if not raw.strip():
            continue
        match = _TAG.match(raw) if not raw.startswith(" ") else None
        if match:
            last = match.group(1)
            tags.setdefault(last, []).append(match.group(2).strip())
        elif last is not None:
            tags[last][-1] = f"{tags[last][-1]} {raw.strip()}".strip()
    return tags


def read_medline(paths: Sequence[Path], encoding: str | None = None) -> ReadResult:
    """Read MEDLINE files; every record (a `PMID-` line) ends in `records` or in `errors`."""
    return read_files(paths, encoding, _records_of)


def _records_of(path: Path, text: str, encoding_warning: str | None) -> Iterator[ParsedPaper | IngestError]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("PMID-")]
    if not starts:
        raise FileProblem("no MEDLINE records found (no line starts with 'PMID- ')")
    for number, start in enumerate(starts, start=1):
        end = starts[number] if number < len(starts) else len(lines)
        yield _record(parse_tags(lines[start:end]), path, start + 1, number, encoding_warning)


def _first(tags: dict[str, list[str]], *names: str) -> str | None:
    for name in names:
        for value in tags.get(name, ()):
            if value.strip():
                return clean(value)
    return None


def _record(tags: dict[str, list[str]], path: Path, line: int, number: int,
            encoding_warning: str | None) -> ParsedPaper | IngestError:
    pmid = _first(tags, "PMID")
    entry = f"PMID {pmid}" if pmid else f"record {number}"
    warnings: list[str] = [encoding_warning] if encoding_warning else []
    title = _first(tags, "TI", "BTI", "TT")
    abstract = _first(tags, "AB")
    if not title and not abstract:
        return IngestError(str(path), "record has neither a title (TI) nor an abstract (AB)", entry, line)
    if not title:
        warnings.append("no title")
    full_names = [display_name(v) for v in tags.get("FAU", []) if v.strip()]
    authors = full_names or [clean(v) or "" for v in tags.get("AU", []) if v.strip()]
    date = _first(tags, "DP", "DEP", "DA")
    year = parse_year(date)
    if date and year is None:
        warnings.append(f"publication date {date!r} not understood")
    doi = None
    for value in [*tags.get("LID", []), *tags.get("AID", [])]:
        if value.rstrip().endswith("[doi]"):
            doi = normalize_doi(value.rsplit("[", 1)[0])
            if doi:
                break
    pmcid = _first(tags, "PMC")
    types = [t.lower() for t in tags.get("PT", [])]
    keywords = [*tags.get("OT", []), *tags.get("MH", [])]
    return paper_record(
        "medline", title, (a for a in authors if a), abstract,
        year=year,
        venue=_first(tags, "JT", "TA"),
        doi=doi,
        language=_first(tags, "LA"),
        keywords="; ".join(k.strip() for k in keywords if k.strip()) or None,
        entry_type=next((_ENTRY_TYPES[t] for t in types if t in _ENTRY_TYPES), "article"),
        volume=_first(tags, "VI"),
        issue=_first(tags, "IP"),
        page_range=_first(tags, "PG"),
        pmid=pmid,
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid and pmid.isdigit() else None,
        external_ids={"pmcid": pmcid} if pmcid else {},
        warnings=tuple(warnings),
        origin=f"{path}:{line}",
    )
