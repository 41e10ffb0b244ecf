"""Records that flow from the readers (ingest) into the library."""

from __future__ import annotations

from dataclasses import dataclass, field

from litreview.core.reference import Reference


@dataclass(frozen=True, kw_only=True)
class Publication:
    """Where and when a work was published, as printed: the facts a reader finds (a PDF's first page and running
    heads, a BibTeX entry) and a stored paper keeps. Keyword-only, so the records built on it keep their own
    positional fields."""

    venue: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    page_range: str | None = None  # "123-145" or an article number, as printed
    entry_type: str | None = None  # BibTeX entry type ("article", "inproceedings", ...)


@dataclass(frozen=True)
class ParsedPaper(Publication):
    """What a reader (PDF or BibTeX) found for one paper. Immutable; safe to pass between threads."""

    source: str  # "pdf" | "bibtex" | "beir" ...
    title: str | None = None
    authors: tuple[str, ...] = ()
    abstract: str | None = None
    abstract_source: str | None = None  # "pdf-heading", "pdf-first-block", "bibtex", ...
    doi: str | None = None
    arxiv_id: str | None = None
    language: str | None = None
    keywords: str | None = None
    full_text: str | None = None  # text of the first pages, for keyword search
    citation_key: str | None = None
    original_fields: dict[str, str] = field(default_factory=dict)  # BibTeX fields as written
    file_paths: tuple[str, ...] = ()  # PDFs this record links to (BibTeX file fields)
    pages: int | None = None  # page count of the PDF
    pmid: str | None = None
    url: str | None = None
    external_ids: dict[str, str] = field(default_factory=dict)  # {"openalex": "W…", "zotero": "…", "pmcid": …}
    cited_ids: tuple[str, ...] = ()  # works this record cites, as "scheme:id" ("openalex:W123"): citation links
    confidence: dict[str, float] = field(default_factory=dict)  # field name -> 0..1
    warnings: tuple[str, ...] = ()
    origin: str | None = None  # "path" or "path:line" the record came from
    references: tuple[Reference, ...] = ()  # the PDF's reference list, when it was read
    references_error: str | None = None  # why the reference list could not be read
    # The title, abstract and keywords printed in other languages than the record's own: (field, ISO 639-1
    # language, text), field "title" | "abstract" | "keywords". `title`/`abstract` stay in the paper's language.
    translations: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class IngestError:
    """A file or entry that could not be read, with a reason a user understands."""

    path: str
    reason: str
    entry: str | None = None  # BibTeX key or entry description; None for a whole file
    line: int | None = None


@dataclass(frozen=True)
class Paper(Publication):
    """A paper as stored in the library, for display and export."""

    id: int
    title: str | None
    authors: tuple[str, ...] = ()
    doi: str | None = None
    arxiv_id: str | None = None
    abstract: str | None = None
    keywords: str | None = None
    citation_key: str | None = None
    original_fields: dict[str, str] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    language: str | None = None
    warnings: tuple[str, ...] = ()
    note: str = ""  # the reading-list note, when the paper comes from a list
    pmid: str | None = None
    url: str | None = None
    external_ids: dict[str, str] = field(default_factory=dict)
    translations: tuple[tuple[str, str, str], ...] = ()  # (field, language, text), as in ParsedPaper
