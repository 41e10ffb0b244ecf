"""Reading-list writers: papers in, file bytes out. Pure: no library access.

Formats: BibTeX (UTF-8, original keys and field text kept), RIS (rispy), CSL-JSON (Zotero, pandoc), Markdown
(a readable list with notes and links), CSV (UTF-8 with BOM so spreadsheets detect it; formula-safe).
"""

from __future__ import annotations

from collections.abc import Sequence

from litreview.core.paper import Paper

FORMATS = ("bibtex", "ris", "csljson", "markdown", "csv")
FILE_EXTENSIONS = {"bibtex": ".bib", "ris": ".ris", "csljson": ".json", "markdown": ".md", "csv": ".csv"}

__all__ = ["FORMATS", "FILE_EXTENSIONS", "UnknownFormat", "export_papers"]


class UnknownFormat(ValueError):
    """The export format is not one of FORMATS."""


def export_papers(papers: Sequence[Paper], fmt: str, *, title: str | None = None) -> bytes:
    """The papers, in order, written in `fmt` (one of FORMATS) as UTF-8 bytes.

    `title` names the list in formats that show one (Markdown).
    """
    fmt = fmt.lower()
    if fmt == "bibtex":
        from litreview.export.bibtex_writer import write_bibtex

        return write_bibtex(papers).encode("utf-8")
    if fmt == "ris":
        from litreview.export.ris import write_ris

        return write_ris(papers).encode("utf-8")
    if fmt == "csljson":
        from litreview.export.csljson import write_csljson

        return write_csljson(papers).encode("utf-8")
    if fmt == "markdown":
        from litreview.export.markdown import write_markdown

        return write_markdown(papers, title=title).encode("utf-8")
    if fmt == "csv":
        from litreview.export.csv_writer import write_csv

        return write_csv(papers).encode("utf-8-sig")
    raise UnknownFormat(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
