"""PyMuPDF without the optional extras that litreview never calls.

PyMuPDF 2 imports two optional packages with every `import pymupdf`: its layout analyser (`pymupdf.layout`, which
loads an ONNX model into onnxruntime) and pymupdf4llm (Markdown output). litreview calls neither. Importing
pymupdf4llm also turns PyMuPDF's quad corrections off for the whole process; `layout.open_pdf` now makes that
choice itself, so PDFs read the same with or without the extras. PyMuPDF goes on without the extras when their
import raises ImportError, so a process that marks them absent before its first `import pymupdf` starts faster:
`litreview import --no-embed` of 10 PDFs took 1.9 s instead of 2.7 s on the 2-core VM, with a peak of 66 MB instead
of 150 MB (benchmarks/pdf_startup.py).
"""

from __future__ import annotations

import sys

EXTRAS = ("pymupdf.layout", "pymupdf4llm")


def leave_out_pymupdf_extras() -> None:
    """Mark PyMuPDF's layout analyser and pymupdf4llm as absent in this process (a no-op for one already imported).
    Called where litreview's processes start: the CLI (and the window it opens) and the PDF reader child."""
    for name in EXTRAS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type] - None makes `import name` raise ImportError
