"""What the record readers (RIS, MEDLINE, OpenAlex, CSV/TSV) share: their result type and small field helpers.

Each reader module is pure (no DB writes) and offers `read(paths, encoding=None) -> ReadResult`, `SUFFIXES` and
`sniff(head)` (whether the first kilobytes of a file look like its format); litreview.ingest.readers.search_results
registers them with the importer registry. Every record a reader sees ends in `records` or in `errors`, with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from litreview.core.paper import IngestError, ParsedPaper  # noqa: F401 - the readers' record types
from litreview.core.text import NAME_PARTICLES, NAME_SUFFIXES
from litreview.ingest.registry import ReadResult

__all__ = ["FileProblem", "ReadResult", "clean", "display_name", "parse_year", "read_files"]

_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_SPACES = re.compile(r"\s+")




class FileProblem(Exception):
    """Raised by a reader's per-file function when nothing in the file can be read as records (no RIS record, no
    header row): the file is one IngestError with this reason and `line`."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.line = line


def read_files(
    paths: Sequence[Path],
    encoding: str | None,
    records_of: Callable[[Path, str, str | None], Iterator[ParsedPaper | IngestError]],
) -> ReadResult:
    """Read each file's text and collect every record `records_of(path, text, encoding_warning)` yields, read or
    failed; an unreadable file or a FileProblem is one error for the whole file. Files are decoded as the BibTeX
    reader decodes .bib files (BOMs honoured; else UTF-8; else detection), or with `encoding` when the user named
    one; a file not read as plain UTF-8 gets a notice saying how it was read (for the import log)."""
    from litreview.ingest.bibtex import decode_file

    records: list[ParsedPaper] = []
    errors: list[IngestError] = []
    notices: list[IngestError] = []
    seen = 0
    for path in map(Path, paths):
        decoded = decode_file(path, encoding, errors, notices)
        if decoded is None:
            continue
        text, encoding_warning = decoded.text.lstrip("\ufeff"), decoded.entry_warning()
        try:
            for item in records_of(path, text, encoding_warning):
                seen += 1
                (records if isinstance(item, ParsedPaper) else errors).append(item)
        except FileProblem as problem:
            errors.append(IngestError(str(path), str(problem), line=problem.line))
    return ReadResult(records, errors, seen, notices)


def paper_record(
    source: str, title: str | None, authors: Iterable[str], abstract: str | None, *, pmid: str | None = None,
    **fields: Any,
) -> ParsedPaper:
    """A record the `source` reader read: its abstract credited to that reader, a PMID kept only when all digits;
    `fields`: the other ParsedPaper fields."""
    return ParsedPaper(
        source=source,
        title=title,
        authors=tuple(authors),
        abstract=abstract,
        abstract_source=source if abstract else None,
        pmid=pmid if pmid and pmid.isdigit() else None,
        **fields,
    )


def page_range(first: str | None, last: str | None) -> str | None:
    """"first-last" from a record's first and last page; the first page alone when the last adds nothing."""
    return f"{first}-{last}" if first and last and first != last else first


def clean(value: object) -> str | None:
    """A field value as one trimmed line of text, None when empty (lists are joined with "; ")."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value if v is not None and str(v).strip())
    text = _SPACES.sub(" ", str(value)).strip()
    return text or None


_MARKUP = re.compile(r"</?(?:p|i|b|em|strong|sup|sub|scp|span|u|br|mml:[a-z]+)\b[^<>]*/?>", re.IGNORECASE)


def markup_free(value: object) -> str | None:
    """`clean`, with the HTML that databases leave in titles gone: entities decoded ("&lt;p&gt;" → "<p>", "&amp;"
    → "&") and inline tags (p, i, b, sup, sub, span, MathML...) removed, their text kept."""
    import html

    text = clean(value)
    return clean(_MARKUP.sub("", html.unescape(text))) if text else None


def parse_year(value: object) -> int | None:
    """The first plausible year (1500-2099) in a date field ("2011/05/11", "2018 Jun", "10 15" -> None)."""
    match = _YEAR.search(str(value or ""))
    return int(match.group(1)) if match else None


# Lower-case words a family name may hold ("Ortega y Gasset"); any other says the name is an organisation's
# ("University of X, Y")
_NAME_PARTICLES = NAME_PARTICLES | {"y", "e"}
# What follows a comma but is no given name: a company's form, a country, a suffix ("John Smith, Jr.")
_NO_GIVEN_NAME = NAME_SUFFIXES | {"jnr", "inc", "ltd", "llc", "gmbh", "corp", "co", "plc", "ag", "sa", "uk", "usa",
                                  "us", "eu"}  # fmt: skip


def family_and_given(name: str) -> tuple[str, str] | None:
    """A person's "Family, Given" split at its one comma; None for a name without one, or an organisation's
    ("University of California, Berkeley", "Tokutek, Inc", "Ministry of Health, Brazil")."""
    parts = [part.strip() for part in _SPACES.sub(" ", name).split(",")]
    if len(parts) != 2 or not all(parts):
        return None
    family, given = parts
    words = family.split()
    if given.lower().rstrip(".") in _NO_GIVEN_NAME or len(words) > 1 and any(
        word[:1].islower() and word.lower() not in _NAME_PARTICLES for word in words
    ):
        return None
    if sum(1 for word in words if word.lower() not in _NAME_PARTICLES) > 3:
        return None
    return family, given


def display_name(name: str) -> str:
    """ "Family, Given" -> "Given Family" (as the BibTeX reader shows names); other forms, and organisations, as
    written."""
    split = family_and_given(name)
    if split is not None:
        return f"{split[1]} {split[0]}"
    return ", ".join(part for part in (part.strip() for part in _SPACES.sub(" ", name).split(",")) if part)
