"""A PDF page as raw RGB pixels (PyMuPDF), for the reader's page cache. Pure: no Qt, so it can run in a child
process (MuPDF holds the GIL while it renders, so a page rendered on any thread of the app freezes its window).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OPEN_DOCUMENTS = 2  # documents a process keeps open between renders


@dataclass(frozen=True)
class RenderedPage:
    """`samples` holds height rows of `stride` bytes, 3 bytes (R, G, B) a pixel."""

    width: int
    height: int
    stride: int
    samples: bytes


_documents: OrderedDict[str, Any] = OrderedDict()


def render_page(path: str, page: int, zoom: float) -> RenderedPage:
    """Page `page` (from 1) of the PDF at `path`, `zoom` pixels a point, on white; the last OPEN_DOCUMENTS
    documents stay open for the next call. Raises for a page or file that cannot be rendered."""
    from litreview.ingest.mupdf import load_pymupdf

    pymupdf = load_pymupdf()

    key = str(Path(path))
    doc = _documents.pop(key, None)
    if doc is None:
        doc = pymupdf.open(key)
        if doc.needs_pass:
            doc.close()
            raise ValueError("the PDF is encrypted")
    _documents[key] = doc
    while len(_documents) > OPEN_DOCUMENTS:
        _documents.popitem(last=False)[1].close()
    return render_document_page(doc, page, zoom)


def render_document_page(doc: Any, page: int, zoom: float) -> RenderedPage:
    """Page `page` (from 1) of an open PyMuPDF document (see render_page)."""
    from litreview.ingest.mupdf import load_pymupdf

    pymupdf = load_pymupdf()

    pix = doc[page - 1].get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
    return RenderedPage(pix.width, pix.height, pix.stride, pix.samples)
