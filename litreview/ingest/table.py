"""CSV/TSV reader: spreadsheets with a title and/or abstract column (Embase, Scopus, Web of Science, Zotero and
generic exports; ASReview's own layout). Pure: no DB writes.

Columns are matched by name, case and spacing ignored ("Author Names", "first_authors", "Publication Year");
the delimiter is the one of `,` `;` tab `|` the header line uses most (tab for .tsv/.tab). A row with neither
a title nor an abstract fails with its line; every other row becomes a record.
"""

from __future__ import annotations

import ast
import csv
import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import unquote

from litreview.core.identifiers import find_doi, normalize_doi
from litreview.core.paper import IngestError, ParsedPaper
from litreview.ingest.records import FileProblem, ReadResult, clean, display_name, paper_record, parse_year, read_files

__all__ = ["COLUMNS", "SUFFIXES", "read", "read_table", "sniff"]

SUFFIXES = frozenset({".csv", ".tsv", ".tab"})
# Our field -> accepted column names (normalised: lower case, runs of non-alphanumerics as "_"), first wins.
COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "primary_title", "article_title", "document_title", "ti", "original_title"),
    "abstract": ("abstract", "notes_abstract", "abstract_note", "ab", "original_abstract", "description", "summary"),
    "authors": ("authors", "author", "author_names", "first_authors", "author_full_names", "au", "creators"),
    "year": ("year", "publication_year", "py", "pubyear", "date", "publication_date", "date_published"),
    "venue": ("journal", "source_title", "publication_title", "secondary_title", "journal_name", "source",
              "journal_title", "so", "venue"),
    "doi": ("doi", "di"),
    "pmid": ("pmid", "pubmed_id", "medline_pmid", "pm"),
    "volume": ("volume", "vl", "vol"),
    "issue": ("issue", "number", "is"),
    "pages": ("pages", "page_range", "start_page", "page_start", "bp"),
    "url": ("url", "link", "open_url_link"),
    "keywords": ("keywords", "author_keywords", "manual_tags", "de"),
    "label": ("label_included", "included", "final_included", "label"),
}
_NAME = re.compile(r"[^0-9a-z]+")
_INITIALS_NAME = re.compile(r"^[^\s,]+(?: [^\s,]+)* [A-Z][A-Z.\-]*\.?$")  # "Adler D.G.", "van der Berg J."
_SOURCE_VENUE = re.compile(r"^(.*?) \(\d{4}\)")  # Embase "Source": "Journal (2014) 3:3 (152-160). ..."


def sniff(head: str) -> bool:
    """Whether the header line names a title or abstract column."""
    first = head.lstrip("\ufeff").split("\n", 1)[0]
    names = [_normalise(cell) for cell in re.split(r"[,;\t|]", first)]
    return _column(names, COLUMNS["title"]) is not None or _column(names, COLUMNS["abstract"]) is not None


def read(paths: Sequence[Path], encoding: str | None = None) -> ReadResult:
    return read_table(paths, encoding)


def _normalise(name: str) -> str:
    return _NAME.sub("_", name.strip().strip('"').lower()).strip("_")


def _column(names: list[str], aliases: tuple[str, ...]) -> int | None:
    """The index of the first of `names` (normalised) that is one of `aliases`, the first alias first; a plural
    name counts as its singular ("titles", "summaries")."""
    singular = [name[:-3] + "y" if name.endswith("ies") else name.removesuffix("s") for name in names]
    return next((index for alias in aliases for index in range(len(names)) if alias in (names[index], singular[index])),
                None)


def _delimiter(path: Path, header: str) -> str:
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def read_table(paths: Sequence[Path], encoding: str | None = None) -> ReadResult:
    """Read CSV/TSV files; every data row ends in `records` or in `errors`."""
    return read_files(paths, encoding, _records_of)


def _records_of(path: Path, text: str, encoding_warning: str | None) -> Iterator[ParsedPaper | IngestError]:
    header_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(path, header_line))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise FileProblem("empty file (no header row)") from exc
    names = [_normalise(h) for h in header]
    columns = {field: _column(names, aliases) for field, aliases in COLUMNS.items()}
    if columns["title"] is None and columns["abstract"] is None:
        raise FileProblem("no title or abstract column (header: " + ", ".join(header[:8])
                          + ("…" if len(header) > 8 else "") + ")", line=1)
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a NUL byte or an unclosed quote at the end of the file
            yield IngestError(str(path), f"unreadable row ({exc})", f"row at line {line}", line)
            return
        if any(cell.strip() for cell in row):
            yield _record(row, len(names), columns, path, line, encoding_warning)
        line = reader.line_num + 1


def _cell(row: list[str], index: int | None) -> str | None:
    return clean(row[index]) if index is not None and index < len(row) else None


def _record(row: list[str], width: int, columns: dict[str, int | None], path: Path, line: int,
            encoding_warning: str | None) -> ParsedPaper | IngestError:
    entry = f"row at line {line}"
    warnings: list[str] = [encoding_warning] if encoding_warning else []
    if len(row) != width:
        warnings.append(f"row has {len(row)} fields, the header {width}")
    title, abstract = _cell(row, columns["title"]), _cell(row, columns["abstract"])
    if not title and not abstract:
        return IngestError(str(path), "row has neither a title nor an abstract", entry, line)
    if not title:
        warnings.append("no title")
    year_text = _cell(row, columns["year"])
    venue = _cell(row, columns["venue"])
    if year_text is None and venue:
        year_text = venue  # Embase's Source column carries the year: "Journal (2014) 3:3 (152-160)"
    year = parse_year(year_text)
    if year_text and year is None:
        warnings.append(f"year {year_text!r} not understood")
    if venue and (match := _SOURCE_VENUE.match(venue)):
        venue = match.group(1)
    doi = normalize_doi(_cell(row, columns["doi"]))
    url = _cell(row, columns["url"])
    if doi is None and url:  # a link resolver's URL: "...&id=doi:10.4103%2F2303-9027.138783&atitle=..."
        doi = next((found for part in unquote(url).split("&") if (found := find_doi(part))), None)
    pmid = _cell(row, columns["pmid"])
    label = _cell(row, columns["label"])
    return paper_record(
        "table", title, _authors(_cell(row, columns["authors"])), abstract,
        year=year,
        venue=venue,
        doi=doi,
        keywords=_cell(row, columns["keywords"]),
        volume=_cell(row, columns["volume"]),
        issue=_cell(row, columns["issue"]),
        page_range=_cell(row, columns["pages"]),
        pmid=pmid,
        url=url,
        original_fields={"label_included": label} if label is not None else {},
        warnings=tuple(warnings),
        origin=f"{path}:{line}",
    )


def _authors(value: str | None) -> list[str]:
    """Names from one cell: "A; B", a Python-style list "['Family, Given']", or Embase's "Liu R., Adler D.G."."""
    if not value:
        return []
    if value.startswith("[") and value.endswith("]"):
        try:
            parsed = ast.literal_eval(value)  # literals only: never runs code
        except (ValueError, SyntaxError):
            parsed = None
        if isinstance(parsed, list):
            return [display_name(str(name)) for name in parsed if str(name).strip()]
    if ";" in value:
        return [display_name(name) for name in value.split(";") if name.strip()]
    parts = [part.strip() for part in value.split(", ")]
    if len(parts) > 1 and all(_INITIALS_NAME.match(part) for part in parts):
        return parts
    return [display_name(value)]
