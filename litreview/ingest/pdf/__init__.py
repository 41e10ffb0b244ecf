"""Read one PDF: a single layout pass (`layout`) shared by the readers of its header (`header`) and its
reference list (`references`).

Pure: a path in, a ParsedPaper or an IngestError out; it never raises for a bad file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litreview.core.paper import IngestError, ParsedPaper
from litreview.ingest.pdf.header import NO_TEXT_LAYER, UNREADABLE_TEXT, normalize_arxiv_from_meta, read_header
from litreview.ingest.pdf.layout import MUPDF_LOCK, Layout, open_pdf

__all__ = [
    "NO_TEXT_LAYER",
    "UNREADABLE_TEXT",
    "extraction_json",
    "normalize_arxiv_from_meta",
    "read_pdf",
]


def read_pdf(path: str | Path, *, max_pages: int = 3) -> ParsedPaper | IngestError:
    """Extract a paper's metadata from the first `max_pages` pages of the PDF at `path`; never raises.

    Safe to call from several threads: MuPDF is not thread-safe, so calls are serialised by a lock (use
    processes for parallel extraction).
    """
    path = Path(path)
    with MUPDF_LOCK:
        try:
            opened = open_pdf(path)
            if isinstance(opened, IngestError):
                return opened
            with opened as doc:
                return read_header(Layout(doc, path), max(1, max_pages))
        except Exception as exc:  # noqa: BLE001 - a bad PDF must never stop a batch
            return IngestError(str(path), f"damaged PDF: {type(exc).__name__}: {exc}")


def extraction_json(path: str | Path) -> dict[str, Any]:
    """The `litreview extract --json` object for one PDF (keys fixed in CLI.md)."""
    result = read_pdf(path)
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
    return base
