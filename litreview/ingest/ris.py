"""RIS reader (Scopus, Web of Science, Embase, PubMed via EndNote/Zotero, Ovid, ProQuest, Zotero): files in,
ParsedPaper records and per-record errors out. Pure: no DB writes.

The file is split into records at each `TY  -` line here, and each record is parsed by rispy on its own, so a
broken record (no `ER`, stray lines) costs that record only and every record is accounted for with its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from litreview.core.identifiers import find_doi, normalize_doi
from litreview.core.paper import IngestError, ParsedPaper
from litreview.ingest.records import (
    FileProblem,
    ReadResult,
    clean,
    display_name,
    page_range,
    paper_record,
    parse_year,
    read_files,
)

__all__ = ["SUFFIXES", "read", "read_ris", "sniff"]

SUFFIXES = frozenset({".ris", ".txt"})  # .txt only when sniff() says RIS (EndNote's PubMed export)
_START = re.compile(r"^[ \t\ufeff]*TY  -", re.MULTILINE)
_END = re.compile(r"^ER  -", re.MULTILINE)
_ENTRY_TYPES = {
    "JOUR": "article", "JFULL": "article", "EJOUR": "article", "MGZN": "article", "NEWS": "article",
    "ABST": "article", "INPR": "article", "BOOK": "book", "EBOOK": "book", "EDBOOK": "book", "CHAP": "incollection",
    "ECHAP": "incollection", "CONF": "inproceedings", "CPAPER": "inproceedings", "THES": "phdthesis",
    "RPRT": "techreport", "UNPB": "unpublished",
}  # fmt: skip
_VENUE_KEYS = ("secondary_title", "journal_name", "alternate_title3", "alternate_title2", "alternate_title1")
_PUBMED_PROVIDERS = re.compile(r"nlm|pubmed|medline", re.IGNORECASE)


def sniff(head: str) -> bool:
    """Whether the start of a file looks like RIS (a `TY  -` line near the top)."""
    return bool(_START.search(head.lstrip("\ufeff")[:4000]))


def read(paths: Sequence[Path], encoding: str | None = None) -> ReadResult:
    return read_ris(paths, encoding)


def read_ris(paths: Sequence[Path], encoding: str | None = None) -> ReadResult:
    """Read RIS files; every record (a `TY` line) ends in `records` or in `errors`."""
    return read_files(paths, encoding, _records_of)


def _records_of(path: Path, text: str, encoding_warning: str | None) -> Iterator[ParsedPaper | IngestError]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    starts = [m.start() for m in _START.finditer(text)]
    if not starts:
        raise FileProblem("no RIS records found (no line starts with 'TY  -')")
    for number, start in enumerate(starts, start=1):
        end = starts[number] if number < len(starts) else len(text)
        line = text.count("\n", 0, start) + 1
        yield _record(text[start:end], path, line, number, encoding_warning)


def _record(chunk: str, path: Path, line: int, number: int, encoding_warning: str | None) -> ParsedPaper | IngestError:
    import rispy

    entry = f"record {number}"
    warnings: list[str] = [encoding_warning] if encoding_warning else []
    chunk = chunk.strip() + "\n"
    if not _END.search(chunk):
        warnings.append("record not closed by 'ER  -' (the file may be cut off)")
        chunk += "ER  - \n"
    try:
        parsed = rispy.loads(chunk, skip_unknown_tags=True)
    except Exception as exc:  # rispy raises plain exceptions on malformed lines
        return IngestError(str(path), f"unreadable RIS record ({type(exc).__name__}: {exc})", entry, line)
    if not parsed:
        return IngestError(str(path), "unreadable RIS record (no tags found)", entry, line)
    fields = parsed[0]
    title = clean(fields.get("title") or fields.get("primary_title") or fields.get("short_title"))
    abstract = clean(fields.get("abstract") or fields.get("notes_abstract"))
    if not title and not abstract:
        return IngestError(str(path), "record has neither a title nor an abstract", entry, line)
    if not title:
        warnings.append("no title")
    authors = _authors(fields.get("authors") or fields.get("first_authors") or [])
    year_text = fields.get("year") or fields.get("publication_year") or fields.get("date")
    year = parse_year(year_text)
    if year_text and year is None:
        warnings.append(f"year {clean(year_text)!r} not understood")
    urls = [u for u in fields.get("urls") or [] if isinstance(u, str) and u.strip()]
    doi = normalize_doi(clean(fields.get("doi")))
    if doi is None:
        doi = next((found for u in urls if (found := find_doi(u.replace("%2f", "/").replace("%2F", "/")))), None)
    return paper_record(
        "ris", title, authors, abstract,
        year=year,
        venue=next((v for key in _VENUE_KEYS if (v := clean(fields.get(key)))), None),
        doi=doi,
        language=clean(fields.get("language")),
        keywords=clean(fields.get("keywords")),
        entry_type=_ENTRY_TYPES.get(str(fields.get("type_of_reference") or "").strip().upper(), "misc"),
        volume=clean(fields.get("volume")),
        issue=clean(fields.get("number")),
        page_range=page_range(clean(fields.get("start_page")), clean(fields.get("end_page"))),
        pmid=_pmid(fields),
        url=urls[0].strip() if urls else None,
        warnings=tuple(warnings),
        origin=f"{path}:{line}",
    )


def _authors(values: object) -> list[str]:
    """AU lines as display names; one AU line holding several names separated by ';' is split."""
    items = values if isinstance(values, list) else [values]
    names: list[str] = []
    for item in items:
        for name in str(item or "").split(";"):
            if name.strip():
                names.append(display_name(name))
    return names


def _pmid(fields: dict) -> str | None:
    """The PubMed id: an accession number from an NLM/PubMed database (EndNote, Zotero exports)."""
    accession = clean(fields.get("accession_number"))
    provider = " ".join(filter(None, (clean(fields.get("database_provider")), clean(fields.get("name_of_database")))))
    if accession and accession.isdigit() and len(accession) <= 8 and _PUBMED_PROVIDERS.search(provider):
        return accession
    return None
