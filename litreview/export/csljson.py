"""CSL-JSON export: the citation data Zotero, pandoc/citeproc and Mendeley read."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from litreview.core.paper import Paper
from litreview.export.common import entry_type_of, zotero_key_line
from litreview.export.keys import assign_citation_keys
from litreview.export.names import PersonName, paper_person_names

CSL_TYPES = {
    "article": "article-journal", "inproceedings": "paper-conference", "conference": "paper-conference",
    "proceedings": "book", "book": "book", "mvbook": "book", "collection": "book", "inbook": "chapter",
    "incollection": "chapter", "bookinbook": "chapter", "phdthesis": "thesis", "mastersthesis": "thesis",
    "thesis": "thesis", "techreport": "report", "report": "report", "manual": "report", "unpublished": "manuscript",
    "online": "webpage", "electronic": "webpage", "www": "webpage", "patent": "patent", "dataset": "dataset",
    "software": "software", "misc": "document",
}  # fmt: skip
_MONTHS = {
    name: index
    for index, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}


def _csl_name(name: PersonName) -> dict:
    if name.literal:
        return {"literal": name.literal}
    out = {"family": name.family, "given": name.given}
    if name.suffix:
        out["suffix"] = name.suffix
    return out


def _month(value: str | None) -> int | None:
    if not value:
        return None
    value = value.strip().lower()
    if value.isdigit() and 1 <= int(value) <= 12:
        return int(value)
    return _MONTHS.get(value[:3])


def csl_item(paper: Paper, key: str) -> dict:
    """One CSL-JSON item; `id` is the citation key, as pandoc expects."""
    from litreview.ingest.bibtex import latex_to_unicode

    fields = paper.original_fields or {}
    entry_type = entry_type_of(paper)
    csl_type = CSL_TYPES.get(entry_type, "document")
    if entry_type == "misc" and paper.arxiv_id:
        csl_type = "article"  # CSL's type for preprints
    item: dict = {"id": key, "type": csl_type}
    if paper.title:
        item["title"] = paper.title
    names = paper_person_names(paper)
    if names:
        item["author"] = [_csl_name(name) for name in names]
    if paper.year:
        date_parts = [paper.year]
        month = _month(fields.get("month"))
        if month:
            date_parts.append(month)
        item["issued"] = {"date-parts": [date_parts]}
    if paper.venue:
        item["container-title" if csl_type not in ("book", "report", "thesis") else "publisher"] = paper.venue
    for csl_key, name in (("volume", "volume"), ("issue", "number"), ("publisher", "publisher"), ("ISBN", "isbn"),
                          ("ISSN", "issn")):  # fmt: skip
        if fields.get(name) and csl_key not in item:
            item[csl_key] = latex_to_unicode(fields[name])
    for csl_key, value in (("volume", paper.volume), ("issue", paper.issue)):
        if value and csl_key not in item:
            item[csl_key] = value
    pages = latex_to_unicode(fields["pages"]) if fields.get("pages") else paper.page_range
    if pages:
        item["page"] = re.sub(r"\s*[-–—]+\s*", "-", pages)
    if paper.pmid:
        item["PMID"] = paper.pmid
    if paper.doi:
        item["DOI"] = paper.doi
    if fields.get("url") or paper.url:
        item["URL"] = (fields.get("url") or paper.url or "").strip()
    elif paper.arxiv_id:
        item["URL"] = f"https://arxiv.org/abs/{paper.arxiv_id}"
    if paper.arxiv_id:
        item["archive"] = "arXiv"
        item["number"] = f"arXiv:{paper.arxiv_id}"
    if paper.abstract:
        item["abstract"] = paper.abstract
    if paper.keywords:
        item["keyword"] = paper.keywords
    if paper.language:
        item["language"] = paper.language
    if paper.note:
        item["annote"] = paper.note
    zotero = zotero_key_line(paper)
    if zotero:  # Zotero's CSL-JSON import puts `note` into Extra
        item["note"] = zotero
    if paper.translations:
        # CSL-JSON 1.0.2 has no variable for a translated title or abstract: "custom" is its place for the rest.
        item["custom"] = {
            "translations": [
                {"field": field, "language": language, "text": text} for field, language, text in paper.translations
            ]
        }
    return item


def write_csljson(papers: Sequence[Paper]) -> str:
    keys = assign_citation_keys(papers)
    items = [csl_item(paper, key) for paper, key in zip(papers, keys, strict=True)]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"
