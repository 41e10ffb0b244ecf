"""PyMuPDF as litreview uses it: every place in litreview gets the module from `load_pymupdf()`.

PyMuPDF 2 imports two optional packages with every `import pymupdf`: its layout analyser (`pymupdf.layout`, which
loads an ONNX model into onnxruntime) and pymupdf4llm (Markdown output). litreview calls neither. PyMuPDF goes on
without them when their import raises ImportError, so `load_pymupdf` marks them absent before it imports PyMuPDF:
`litreview import --no-embed` of 10 PDFs took 2.0 s instead of 2.9 s on the 2-core VM, with a peak of 66 MB instead
of 149 MB (benchmarks/pdf_startup.py).

Importing pymupdf4llm also changed two process-wide settings, which litreview now makes itself:
- PyMuPDF's ascender/descender ("quad") corrections of character boxes are off. The readers place lines by their
  baselines, so headers and reference lists read the same either way; with them on, the passages of 9 of the 153
  shared PDFs changed (boxes of rotated text, table cells) and MuPDF's "dict" and plain text took more CPU.
- MuPDF's errors and warnings are not printed: PyMuPDF prints them on standard output, where they broke
  `litreview extract --json`. They are still collected (`TOOLS.mupdf_warnings()`), and the passages reader reports
  them per page.
"""

from __future__ import annotations

import functools
import sys
from types import ModuleType

_EXTRAS = ("pymupdf.layout", "pymupdf4llm")


@functools.cache
def load_pymupdf() -> ModuleType:
    """The pymupdf module, imported without its extras (unless something imported them first) and with litreview's
    process-wide settings."""
    for name in _EXTRAS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type] - None makes `import name` raise ImportError
    import pymupdf

    pymupdf.TOOLS.unset_quad_corrections(True)
    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    return pymupdf
