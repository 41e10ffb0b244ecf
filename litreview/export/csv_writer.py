"""CSV export for spreadsheets, safe against formula injection (OWASP: CSV Injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from litreview.core.paper import Paper

CSV_COLUMNS = ("id", "title", "authors", "year", "venue", "doi", "arxiv_id", "abstract", "note")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(cell: str) -> str:
    """A text cell a spreadsheet could run as a formula gets a leading single quote (OWASP's advice)."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def write_csv(papers: Sequence[Paper]) -> str:
    """One row per paper; authors joined with "; ". Numbers stay numbers, every text cell is neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for paper in papers:
        text_cells = {
            "title": paper.title or "", "authors": "; ".join(paper.authors), "venue": paper.venue or "",
            "doi": paper.doi or "", "arxiv_id": paper.arxiv_id or "", "abstract": paper.abstract or "",
            "note": paper.note or "",
        }  # fmt: skip
        row = []
        for column in CSV_COLUMNS:
            if column == "id":
                row.append(paper.id)
            elif column == "year":
                row.append(paper.year if paper.year is not None else "")
            else:
                row.append(neutralise_formula(text_cells[column]))
        writer.writerow(row)
    return buffer.getvalue()
