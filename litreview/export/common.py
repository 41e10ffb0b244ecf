"""Small rules every writer shares."""

from __future__ import annotations

from litreview.core.paper import Paper

# A line Zotero reads back into an item's Extra field (RIS M2, CSL-JSON note) naming the Zotero item a paper came
# from ("libraryID/KEY"); docs/zotero.md says why these fields.
ZOTERO_KEY_LABEL = "Zotero key"


def zotero_key_line(paper: Paper) -> str | None:
    """ "Zotero key: 1/ABCD2345" for a paper imported from Zotero, else None."""
    key = (paper.external_ids or {}).get("zotero")
    return f"{ZOTERO_KEY_LABEL}: {key}" if key else None


def entry_type_of(paper: Paper) -> str:
    """The BibTeX entry type: the original one, else "article" for a paper with a (non-arXiv) venue, else "misc"."""
    if paper.entry_type:
        return paper.entry_type.lower()
    if paper.venue and "arxiv" not in paper.venue.lower():
        return "article"
    return "misc"


def translated_title(paper: Paper) -> tuple[str, str] | None:
    """(language, title) of the paper's title in another language, for the formats with a field for one (RIS TT,
    biblatex titleaddon): the English one when there is one, else the first. See docs/multilingual.md."""
    titles = [(language, text) for field, language, text in paper.translations if field == "title" and text]
    if not titles:
        return None
    return next((item for item in titles if item[0] == "en"), titles[0])
