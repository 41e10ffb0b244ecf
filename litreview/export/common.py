"""Small rules every writer shares."""

from __future__ import annotations

from litreview.core.paper import Paper


def entry_type_of(paper: Paper) -> str:
    """The BibTeX entry type: the original one, else "article" for a paper with a (non-arXiv) venue, else "misc"."""
    if paper.entry_type:
        return paper.entry_type.lower()
    if paper.venue and "arxiv" not in paper.venue.lower():
        return "article"
    return "misc"
