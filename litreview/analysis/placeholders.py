"""Placeholder records: a work the library's papers cite but the library lacks, added from its parsed reference
metadata so that it can be listed, exported and found before its PDF or BibTeX entry arrives (#16).

A placeholder is an ordinary paper flagged by `external_ids["placeholder"] == "1"` and a warning that says so;
importing the real record later merges into it through the usual duplicate rules (DOI, arXiv id, PMID, or title
+ first author + year), which drops both (`litreview.library.placeholders.settle_placeholder`).
"""

from __future__ import annotations

from typing import Any

from litreview.core.paper import ParsedPaper
from litreview.library.placeholders import PLACEHOLDER_KEY, PLACEHOLDER_WARNING, is_placeholder

__all__ = [
    "PLACEHOLDER_KEY", "PLACEHOLDER_WARNING", "add_placeholder", "display_authors", "is_placeholder",
    "placeholder_record",
]


def display_authors(work: dict[str, Any]) -> tuple[str, ...]:
    """A missing work's authors as the library writes names ("V. V. Makarov"): a reference list gives them
    family first ("Makarov, V. V.")."""
    from litreview.ingest.records import display_name

    return tuple(display_name(str(author)) for author in work.get("authors") or ())


def placeholder_record(work: dict[str, Any]) -> ParsedPaper:
    """The ParsedPaper a missing work (a `missing_works` item) becomes."""
    title = (work.get("title") or "").strip() or None
    if title is None and not (work.get("doi") or work.get("arxiv_id") or work.get("pmid")):
        raise ValueError("the work has neither a title nor an identifier to make a placeholder from")
    return ParsedPaper(
        source="placeholder", title=title, authors=display_authors(work),
        year=work.get("year"), venue=work.get("venue"), doi=work.get("doi"), arxiv_id=work.get("arxiv_id"),
        pmid=work.get("pmid"), entry_type="article", external_ids={PLACEHOLDER_KEY: "1"},
        warnings=(PLACEHOLDER_WARNING,), origin="references",
    )


def add_placeholder(library: Any, work: dict[str, Any]) -> int:
    """Add `work` as a placeholder paper (or return the paper it already is) and point the references citing it
    at it. Returns the paper id."""
    from litreview.analysis.citations import resolve_references
    from litreview.library.papers import PaperRepository

    record = placeholder_record(work)
    repo = PaperRepository(library)
    with library.transaction() as conn:
        duplicate = repo.find_duplicate(record)
        paper_id = duplicate.paper_id if duplicate is not None else repo.insert(record)
        resolve_references(conn)
    return paper_id
