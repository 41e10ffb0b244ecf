"""OpenAlex works reader: the API's result pages (`{"results": [...]}`), plain JSON lists of works, single works,
JSON Lines, and .zip archives of such pages (the SYNERGY layout). Pure: no DB writes.

The abstract is rebuilt from `abstract_inverted_index` (word -> positions); `referenced_works` become the
record's `cited_ids` ("openalex:W…"), stored by the importer as citation links.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from litreview.core.identifiers import normalize_doi
from litreview.core.paper import IngestError, ParsedPaper
from litreview.ingest.records import ReadResult, clean, markup_free, page_range, paper_record, parse_year

__all__ = ["SUFFIXES", "abstract_from_inverted_index", "openalex_key", "read", "read_openalex", "sniff"]

SUFFIXES = frozenset({".json", ".jsonl", ".zip"})  # only when sniff() (or the zip's members) say OpenAlex
_ENTRY_TYPES = {
    "article": "article", "journal-article": "article", "review": "article", "letter": "article",
    "editorial": "article", "book": "book", "monograph": "book", "book-chapter": "incollection",
    "proceedings-article": "inproceedings", "dissertation": "phdthesis", "report": "techreport",
    "preprint": "unpublished", "posted-content": "unpublished",
}  # fmt: skip


def sniff(head: str) -> bool:
    """Whether the start of a JSON file looks like OpenAlex works."""
    head = head.lstrip("\ufeff \n\r\t")
    return head[:1] in ("{", "[") and "openalex.org/W" in head[:20000]


def read(paths: Sequence[Path], encoding: str | None = None) -> ReadResult:
    return read_openalex(paths, encoding)


def openalex_key(value: str | None) -> str | None:
    """ "https://openalex.org/W123" or "W123" -> "W123"; None when it is not a work id."""
    if not value:
        return None
    key = str(value).strip().rstrip("/").rsplit("/", 1)[-1]
    return key.upper() if key[:1].upper() == "W" and key[1:].isdigit() else None


def abstract_from_inverted_index(index: object) -> str | None:
    """The abstract text from OpenAlex's {word: [positions]} form."""
    if not isinstance(index, dict) or not index:
        return None
    slots: dict[int, str] = {}
    for word, positions in index.items():
        if isinstance(positions, list):
            for position in positions:
                if isinstance(position, int):
                    slots[position] = str(word)
    return clean(" ".join(slots[i] for i in sorted(slots))) if slots else None


def _documents(path: Path) -> Iterator[tuple[str, object | IngestError]]:
    """(name, parsed JSON or error) for each JSON document in a file or zip archive."""
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                names = sorted((n for n in archive.namelist() if n.lower().endswith((".json", ".jsonl"))),
                               key=_natural_key)
                if not names:
                    yield str(path), IngestError(str(path), "the zip archive holds no .json files")
                for name in names:
                    yield from _parse(f"{path}!{name}", archive.read(name), name.lower().endswith(".jsonl"))
        except (OSError, zipfile.BadZipFile) as exc:
            yield str(path), IngestError(str(path), f"not a readable zip archive ({exc})")
        return
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield str(path), IngestError(str(path), f"cannot read file: {exc.strerror or exc}")
        return
    yield from _parse(str(path), raw, path.suffix.lower() == ".jsonl")


def _natural_key(name: str) -> list[object]:
    import re

    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _parse(name: str, raw: bytes, lines: bool) -> Iterator[tuple[str, object | IngestError]]:
    text = raw.decode("utf-8-sig", errors="replace")
    if lines:
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    yield f"{name}:{number}", json.loads(line)
                except json.JSONDecodeError as exc:
                    yield f"{name}:{number}", IngestError(name, f"not JSON ({exc.msg})", line=number)
        return
    try:
        yield name, json.loads(text)
    except json.JSONDecodeError as exc:
        yield name, IngestError(name, f"not JSON ({exc.msg} at line {exc.lineno})", line=exc.lineno)


def _works(document: object) -> list[object] | None:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        if isinstance(document.get("results"), list):
            return document["results"]
        if "id" in document:
            return [document]
    return None


def read_openalex(paths: Sequence[Path], encoding: str | None = None) -> ReadResult:
    """Read OpenAlex works; every work seen ends in `records` or in `errors`. JSON is UTF-8 by definition, so
    `encoding` (an option of the text formats) changes nothing here."""
    records: list[ParsedPaper] = []
    errors: list[IngestError] = []
    seen = 0
    for path in paths:
        for name, document in _documents(Path(path)):
            if isinstance(document, IngestError):
                errors.append(document)
                continue
            works = _works(document)
            if works is None:
                errors.append(IngestError(name, "not OpenAlex works (expected a list of works or a results page)"))
                continue
            for number, work in enumerate(works, start=1):
                seen += 1
                result = _record(work, name, number)
                (records if isinstance(result, ParsedPaper) else errors).append(result)
    return ReadResult(records, errors, seen)


def _record(work: object, name: str, number: int) -> ParsedPaper | IngestError:
    entry = f"work {number}"
    if not isinstance(work, dict):
        return IngestError(name, "not an OpenAlex work (not a JSON object)", entry)
    key = openalex_key(work.get("id"))
    entry = key or entry
    if key is None:
        return IngestError(name, "not an OpenAlex work (no 'id' like https://openalex.org/W…)", entry)
    title = markup_free(work.get("title") or work.get("display_name"))
    abstract = abstract_from_inverted_index(work.get("abstract_inverted_index"))
    if not title and not abstract:
        return IngestError(name, "work has neither a title nor an abstract", entry)
    ids = work.get("ids") if isinstance(work.get("ids"), dict) else {}
    pmid = str(ids.get("pmid") or "").rstrip("/").rsplit("/", 1)[-1] or None
    pmcid = str(ids.get("pmcid") or "").rstrip("/").rsplit("/", 1)[-1] or None
    location = work.get("primary_location") if isinstance(work.get("primary_location"), dict) else {}
    source = location.get("source") if isinstance(location.get("source"), dict) else {}
    host = work.get("host_venue") if isinstance(work.get("host_venue"), dict) else {}
    biblio = work.get("biblio") if isinstance(work.get("biblio"), dict) else {}
    first, last = clean(biblio.get("first_page")), clean(biblio.get("last_page"))
    authors = []
    for authorship in work.get("authorships") or []:
        author = authorship.get("author") if isinstance(authorship, dict) else None
        display = clean(author.get("display_name")) if isinstance(author, dict) else None
        if display:
            authors.append(display)
    cited = [f"openalex:{k}" for w in work.get("referenced_works") or [] if (k := openalex_key(w))]
    external = {"openalex": key}
    if pmcid:
        external["pmcid"] = pmcid if pmcid.upper().startswith("PMC") else f"PMC{pmcid}"
    return paper_record(
        "openalex", title, authors, abstract,
        year=parse_year(work.get("publication_year") or work.get("publication_date")),
        venue=clean(source.get("display_name") or host.get("display_name")),
        doi=normalize_doi(clean(work.get("doi") or ids.get("doi"))),
        language=clean(work.get("language")),
        entry_type=_ENTRY_TYPES.get(str(work.get("type") or "").lower(), "misc"),
        volume=clean(biblio.get("volume")),
        issue=clean(biblio.get("issue")),
        page_range=page_range(first, last),
        pmid=pmid,
        url=clean(location.get("landing_page_url")),
        external_ids=external,
        cited_ids=tuple(dict.fromkeys(cited)),
        warnings=() if title else ("no title",),
        origin=f"{name}#{entry}",
    )
