"""RIS export (EndNote, Zotero, Mendeley) through rispy."""

from __future__ import annotations

import re
from collections.abc import Sequence

from litreview.core.paper import Paper
from litreview.export.common import entry_type_of, translated_title, zotero_key_line
from litreview.export.keys import assign_citation_keys
from litreview.export.names import paper_person_names

RIS_TYPES = {
    "article": "JOUR", "inproceedings": "CPAPER", "conference": "CPAPER", "proceedings": "CONF", "book": "BOOK",
    "mvbook": "BOOK", "inbook": "CHAP", "incollection": "CHAP", "bookinbook": "CHAP", "collection": "EDBOOK",
    "phdthesis": "THES", "mastersthesis": "THES", "thesis": "THES", "techreport": "RPRT", "report": "RPRT",
    "manual": "RPRT", "unpublished": "UNPB", "online": "ELEC", "electronic": "ELEC", "www": "ELEC",
    "patent": "PAT", "dataset": "DATA", "software": "COMP", "misc": "GEN",
}  # fmt: skip


def _one_line(text: str) -> str:
    return " ".join(text.split())


def ris_record(paper: Paper, key: str) -> dict:
    """One rispy reference dict (TY AU TI PY JO/T2 DO AB KW UR N1 ID ...)."""
    fields = paper.original_fields or {}
    ris_type = RIS_TYPES.get(entry_type_of(paper), "GEN")
    record: dict = {"type_of_reference": ris_type, "id": key}
    names = [name.family_first() for name in paper_person_names(paper)]
    if names:
        record["authors"] = names
    if paper.title:
        record["title"] = _one_line(paper.title)
    translated = translated_title(paper)
    if translated:
        record["translated_title"] = _one_line(translated[1])  # TT
    if paper.language:
        record["language"] = paper.language  # LA
    if paper.year:
        record["year"] = str(paper.year)
    if paper.venue:
        record["journal_name" if ris_type == "JOUR" else "secondary_title"] = _one_line(paper.venue)
    for ris_key, name in (("volume", "volume"), ("number", "number"), ("publisher", "publisher")):
        if fields.get(name):
            from litreview.ingest.bibtex import latex_to_unicode

            record[ris_key] = latex_to_unicode(fields[name])
    record.setdefault("volume", paper.volume or None)
    record.setdefault("number", paper.issue or None)
    record = {key: value for key, value in record.items() if value is not None}
    pages = fields.get("pages") or paper.page_range
    if pages:
        start, _, end = re.sub(r"[-–—]+", "-", pages).partition("-")
        record["start_page"] = start.strip()
        if end.strip():
            record["end_page"] = end.strip()
    if paper.doi:
        record["doi"] = paper.doi
    if paper.abstract:
        record["abstract"] = _one_line(paper.abstract)
    if paper.keywords:
        record["keywords"] = [word.strip() for word in re.split(r"[;,]", paper.keywords) if word.strip()]
    urls = []
    if fields.get("url") or paper.url:
        urls.append((fields.get("url") or paper.url or "").strip())
    elif paper.doi:
        urls.append(f"https://doi.org/{paper.doi}")
    if paper.arxiv_id:
        urls.append(f"https://arxiv.org/abs/{paper.arxiv_id}")
    if urls:
        record["urls"] = urls
    if paper.note:
        record["notes"] = [_one_line(paper.note)]
    zotero = zotero_key_line(paper)
    if zotero:  # Zotero's RIS import reads M2 into Extra (RIS.js, degenerateImportFieldMap); rispy has no name for it
        record["unknown_tag"] = {"M2": [zotero]}
    return record


def write_ris(papers: Sequence[Paper]) -> str:
    import rispy
    from rispy.writer import RisWriter

    class _PlainRisWriter(RisWriter):
        """rispy's writer without its "1." counter lines, which some readers show as garbage."""

        def set_header(self, count: int) -> str:
            return ""

    keys = assign_citation_keys(papers)
    references = [ris_record(paper, key) for paper, key in zip(papers, keys, strict=True)]
    return rispy.dumps(references, implementation=_PlainRisWriter)
