"""Read one PDF: a single layout pass (`layout`) shared by the readers of its header (`header`) and its
reference list (`references`).

Pure: a path in, a ParsedPaper or an IngestError out; it never raises for a bad file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from litreview.core.paper import IngestError, ParsedPaper
from litreview.core.reference import Reference
from litreview.ingest.pdf.header import NO_TEXT_LAYER, UNREADABLE_TEXT, normalize_arxiv_from_meta, read_header
from litreview.ingest.pdf.layout import MUPDF_LOCK, Layout, open_pdf
from litreview.ingest.pdf.references import extract_references, parse_reference

T = TypeVar("T")

__all__ = [
    "NO_TEXT_LAYER",
    "UNREADABLE_TEXT",
    "extraction_json",
    "extract_references",
    "normalize_arxiv_from_meta",
    "parse_reference",
    "read_pdf",
    "read_pdf_full",
    "read_references",
]


def read_pdf(
    path: str | Path, *, max_pages: int = 3, references: bool = False, full_text: bool = True
) -> ParsedPaper | IngestError:
    """Extract a paper's metadata from the first `max_pages` pages of the PDF at `path`, with `full_text` the
    text of those pages for keyword search, and with `references` its reference list from all pages, in one
    reading; never raises.

    Safe to call from several threads: MuPDF is not thread-safe, so calls are serialised by a lock (use
    processes for parallel extraction).
    """

    def read(layout: Layout) -> ParsedPaper:
        paper = read_header(layout, max(1, max_pages), full_text=full_text)
        if references and paper.title is not None:  # a scan has no text to read references from
            found, reason = _reference_list(layout)
            if reason is not None:  # the reference list cannot be read: that must not cost the paper
                return replace(paper, warnings=(*paper.warnings, reason), references_error=reason)
            paper = replace(paper, references=found)
        return paper

    return _read_layout(path, read)


def read_pdf_full(path: str | Path) -> ParsedPaper | IngestError:
    """read_pdf with the reference list: what the import's PDF reader process returns in one trip."""
    return read_pdf(path, references=True)


def read_references(path: str | Path) -> list[Reference] | IngestError:
    """Only the reference list of the PDF at `path` (empty for a scan or a paper without one), or an IngestError
    saying why the file or its reference list cannot be read; never raises."""

    def read(layout: Layout) -> list[Reference] | IngestError:
        found, reason = _reference_list(layout)
        return IngestError(str(path), reason) if reason is not None else list(found)

    return _read_layout(path, read)


def _reference_list(layout: Layout) -> tuple[tuple[Reference, ...], str | None]:
    """The reference list of `layout`, or () and why it cannot be read (the reader failed on its layout)."""
    try:
        return tuple(extract_references(layout)), None
    except Exception as exc:  # noqa: BLE001 - one unforeseen layout must not stop a batch
        return (), f"reference list not read: {type(exc).__name__}: {exc}"


def _read_layout(path: str | Path, read: Callable[[Layout], T]) -> T | IngestError:
    """`read(layout)` of the PDF at `path` under the MuPDF lock; an IngestError for a file that cannot be read."""
    path = Path(path)
    with MUPDF_LOCK:
        try:
            opened = open_pdf(path)
            if isinstance(opened, IngestError):
                return opened
            with opened as doc:
                return read(Layout(doc, path))
        except Exception as exc:  # noqa: BLE001 - a bad PDF must never stop a batch
            return IngestError(str(path), f"damaged PDF: {type(exc).__name__}: {exc}")


def extraction_json(path: str | Path, *, references: bool = False) -> dict[str, Any]:
    """The `litreview extract --json` object for one PDF (keys fixed in CLI.md); `references` adds the
    "references" list."""
    result = read_pdf(path, references=references, full_text=False)  # the object has no text to fill
    base: dict[str, Any] = {
        "path": str(path),
        "title": None,
        "authors": [],
        "abstract": None,
        "doi": None,
        "arxiv_id": None,
        "year": None,
        "language": None,
        "confidence": {},
        "warnings": [],
        "error": None,
    }
    if references:
        base["references"] = []
    if isinstance(result, IngestError):
        base["error"] = result.reason
        return base
    base.update(
        title=result.title,
        authors=list(result.authors),
        abstract=result.abstract,
        doi=result.doi,
        arxiv_id=result.arxiv_id,
        year=result.year,
        language=result.language,
        confidence={key: round(value, 2) for key, value in result.confidence.items()},
        warnings=list(result.warnings),
    )
    if references:
        base["references"] = [reference.to_json() for reference in result.references]
    return base
