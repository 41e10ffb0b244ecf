"""PDF: one paper per file, its header and references read by litreview.ingest.pdf in a child process (a crash
or a hang in MuPDF costs that file, not the app)."""

from __future__ import annotations

from pathlib import Path

from litreview.core.paper import IngestError, ParsedPaper
from litreview.ingest.registry import Reader, register


def read_file(path: Path) -> ParsedPaper | IngestError:
    """One PDF's metadata and reference list (one reading of its pages), or why it could not be read
    (module-level: it runs in the reader's child process)."""
    from litreview.ingest.pdf import read_pdf_full

    return read_pdf_full(path)


READER = register(Reader("PDF", frozenset({".pdf"}), read_file=read_file, in_child=True))
