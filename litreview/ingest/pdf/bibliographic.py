"""Where a paper was published, read from its first page: venue, volume, issue, pages, year and entry type.

Journals print a citation line in the running header or footer of the first page ("Rev Saúde Pública
2004;38(1):9-15", "BMC Genomics 2010, 11:123", "IEEE TRANSACTIONS ON …, VOL. 7, NO. 5, OCTOBER 1997",
"Proceedings of NAACL-HLT 2013, pages 211–220"); many PDFs also name the journal in their metadata subject. Each
line is tried against the common citation layouts (Vancouver, BMC/Springer, Elsevier, OUP, Dove, IEEE,
proceedings, Hindawi/Frontiers article numbers); the first that reads wins, and every field carries a confidence.
Pure: lines and metadata in, a `Bibliographic` out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from litreview.core.paper import Publication
from litreview.ingest.pdf.layout import Line

_Y = r"(?P<year>(?:19|20)\d\d)"
_VOL = r"(?P<volume>\d{1,4})"
_ISS = r"(?:\s*\((?P<issue>[\w\-–/ ]{1,12})\))?"
_PG = r"(?P<pages>e?\d{1,9}(?:\s*[-–—]\s*e?\d{1,7}|e\d{1,6}\b|[a-z]\b)?)"
_VENUE = r"(?P<venue>[A-ZÀ-Ý0-9][^;:()|●\d]{2,100}?)"
_MONTH = r"(?:\s+(?:[A-Z][a-z]{2,8}\.?|[A-Z]{3,9})(?:\s+\d{1,2})?)"

# Journal citation lines, most specific first.
_JOURNAL_PATTERNS = [
    # Vancouver: "Rev Saúde Pública 2004;38(1):9-15", "Jundishapur J Microbiol. 2015 January; 8(1): e13720"
    re.compile(_VENUE + r"[.,]?\s+" + _Y + _MONTH + r"?\s*;\s*" + _VOL + _ISS + r"\s*:\s*" + _PG),
    # BMC, Springer: "Journal of X 2010, 4:1", "BMC Medicine (2018) 18:55", "3 Biotech (2015) 5:697–707"
    re.compile(_VENUE + r"[.,]?\s+\(?" + _Y + r"\)?,?\s+" + _VOL + _ISS + r"\s*:\s*" + _PG),
    # Dove: "Drug Design, Development and Therapy 2016:10 155–162"
    re.compile(_VENUE + r"\s+" + _Y + r":" + _VOL + r"\s+" + _PG + r"\b"),
    # Elsevier: "Journal of Ayurveda and Integrative Medicine 8 (2017) 263e265", "Z. Naturforsch. 54 a, 272-273 (1999)"
    re.compile(_VENUE + r"[.,]?\s+" + _VOL + r"\s+\(" + _Y + r"\)\s+" + _PG),
    re.compile(_VENUE + r"[.,]?\s+" + _VOL + r"(?:\s+[a-z])?,\s+" + _PG + r"\s+\(" + _Y + r"\)"),
    # OUP: "DNA Research, 2018, 25(4), 409–419"
    re.compile(_VENUE + r",\s+" + _Y + r",\s+" + _VOL + _ISS + r",\s+" + _PG),
    # Volume first, year last: "Dhaka Univ. J. Pharm. Sci. 8(1): 7-10, 2009", "TransInformação, 33:e200057, 2021"
    re.compile(_VENUE + r"[.,]?\s+" + _VOL + _ISS + r"\s*:\s*" + _PG + r",\s+" + _Y + r"\b"),
    # IEEE: "IEEE TRANSACTIONS ON X, VOL. 7, NO. 5, OCTOBER 1997"
    re.compile(_VENUE + r",\s+VOL\.\s*" + _VOL + r",\s+NO\.\s*(?P<issue>\d+)," + _MONTH + r"?\s*" + _Y, re.IGNORECASE),
]
_PROCEEDINGS_RE = re.compile(
    r"(?:^|\b[Ii]n\s+)(?P<venue>(?:Proceedings|Proc\.)\s+of\s+[^;]{5,160}?)[,.]?\s+(?:pages|pp\.)\s*"
    r"(?P<pages>\d+\s*[-–]\s*\d+)"
)
_PROCEEDINGS_YEAR_RE = re.compile(r"\b" + _Y + r"\b")
_ANY_YEAR_RE = re.compile(r"(?:19|20)\d\d")  # what `_Y` needs: a line without it matches no pattern naming a year
# Article numbers: "Volume 2010, Article ID 157939, 6 pages" (Hindawi), "September 2015 | Volume 6 | Article 892"
_ARTICLE_ID_RE = re.compile(r"\bVolume\s+" + _VOL + r",\s+Article\s+ID\s+(?P<pages>\d+)", re.IGNORECASE)
_FRONTIERS_RE = re.compile(_Y + r"\s*\|\s*Volume\s+" + _VOL + r"\s*\|\s*Article\s+(?P<pages>\d+)", re.IGNORECASE)
_VOLUME_ISSUE_RE = re.compile(_Y + r",\s+Volume\s+" + _VOL + r",\s+Issue\s+(?P<issue>\d+)", re.IGNORECASE)

_CONFERENCE_RE = re.compile(
    r"\b(?:proceedings|proc\.|conference|workshop|symposium|meeting|congress|colloquium"
    r"|neural information processing systems)\b",
    re.IGNORECASE,
)
_JOURNAL_WORDS_RE = re.compile(
    r"\b(?:journal|review|reviews|research|reports|letters|transactions|magazine|annals|bulletin|acta|archives"
    r"|world|medicine|science|sciences|practice|outcomes|biotech\w*|revista|rev|cad|j)\b",
    re.IGNORECASE,
)
_VENUE_JUNK_RE = re.compile(r"(?:https?://|www\.|doi|@|©|copyright|cite|citation|received|accepted)", re.IGNORECASE)
_CORRECTION_RE = re.compile(
    r"^\s*(?:(?:corrigendum|erratum|addendum|retraction(?:\s+note)?|expression\s+of\s+concern)"
    r"(?:\s+(?:to|for|of|on)\b|\s*:|\s*$)|correction\s*(?:to\b|:|$))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Bibliographic(Publication):
    """The publication facts of one PDF; `confidence` holds one 0..1 value per field found."""

    confidence: dict[str, float] = field(default_factory=dict)


def is_correction_notice(title: str | None) -> bool:
    """Whether a title names a correction notice ("Corrigendum to …", "Erratum: …", "Retraction Note")."""
    return bool(title and _CORRECTION_RE.match(title))


def _tidy_venue(text: str) -> str | None:
    text = re.sub(r"^.*?\bet\s+al\.?\s*", "", text)  # "Datta et al. Journal of …" (BMC running heads)
    text = re.sub(r"^(?:in|available at|citation|please cite[^:]*:)\s+", "", text, flags=re.IGNORECASE)
    text = text.strip(" .,;:|-–")
    if len(text) < 3 or not any(char.isalpha() for char in text) or _VENUE_JUNK_RE.search(text):
        return None
    if len(text.split()) > 14:
        return None
    return text


def _pages(text: str) -> str:
    text = re.sub(r"\s*[-–—]\s*", "-", text.strip())
    # Elsevier prints ranges as "263e265": a page range, not an electronic article number.
    match = re.fullmatch(r"(\d+)e(\d+)", text)
    return f"{match.group(1)}-{match.group(2)}" if match else text


def _from_text(text: str) -> dict[str, Any] | None:
    """The fields one citation line gives, or None."""
    has_year = _ANY_YEAR_RE.search(text) is not None  # every journal layout names a year: most lines are no citation
    for pattern in _JOURNAL_PATTERNS if has_year else ():
        match = pattern.search(text)
        if not match:
            continue
        venue = _tidy_venue(match.group("venue"))
        if venue is None:
            continue
        groups = match.groupdict()
        return {
            "venue": venue,
            "volume": groups.get("volume"),
            "issue": (groups.get("issue") or "").strip() or None,
            "page_range": _pages(groups["pages"]) if groups.get("pages") else None,
            "year": int(groups["year"]) if groups.get("year") else None,
        }
    match = _PROCEEDINGS_RE.search(text)
    if match:
        venue = _tidy_venue(match.group("venue"))
        year = _PROCEEDINGS_YEAR_RE.search(text)
        if venue:
            return {
                "venue": venue,
                "page_range": _pages(match.group("pages")),
                "year": int(year.group("year")) if year else None,
            }
    for pattern in (_ARTICLE_ID_RE, _FRONTIERS_RE, _VOLUME_ISSUE_RE) if has_year else (_ARTICLE_ID_RE,):
        match = pattern.search(text)
        if match:
            groups = match.groupdict()
            found: dict[str, Any] = {"volume": groups["volume"]}
            if groups.get("pages"):
                found["page_range"] = groups["pages"]
            if groups.get("issue"):
                found["issue"] = groups["issue"]
            if groups.get("year"):
                found["year"] = int(groups["year"])
            return found
    return None


def _subject_venue(subject: str) -> str | None:
    """A journal named by the metadata subject ("Scientific Reports, doi:…", "Journal of Statistical Software")."""
    subject = re.sub(r"https?://\S+", "", subject)
    subject = re.split(r",?\s*(?:doi\s*:|https?:)", subject, flags=re.IGNORECASE)[0]
    subject = re.split(r",\s*(?:19|20)\d\d\b|,\s*\d", subject)[0].strip(" .,;")
    words = subject.split()
    if not 2 <= len(words) <= 10 or subject.endswith(".") or not words[0][:1].isupper():
        return None
    if not (_JOURNAL_WORDS_RE.search(subject) or _CONFERENCE_RE.search(subject)):
        return None
    return _tidy_venue(subject)


def read_bibliographic(
    lines: list[Line], page_height: float, metadata: dict[str, Any], title: str | None
) -> Bibliographic:
    """Venue, volume, issue, pages, year and entry type from the first page's `lines` and the PDF `metadata`.

    The running header and footer bands are read first (where journals print the citation line), then the rest of
    the page's short lines ("How to cite"), then the metadata subject.
    """
    band = 0.14 * page_height
    in_band = [line for line in lines if line.y1 < band or line.y0 > page_height - band]
    rest = [line for line in lines if line not in in_band and len(line.text) < 240]
    # A reference list on page 1 (short letters) cites other papers: never read it as this paper's venue.
    rest = [line for line in rest if not re.match(r"^\s*\[\d+\]|^\s*\d+\.\s+[A-Z][a-z]+,?\s+[A-Z]", line.text)]
    found: dict[str, Any] = {}
    confidence: dict[str, float] = {}
    subject = str(metadata.get("subject") or "")
    sources = [(line.text, 0.85) for line in in_band] + [(line.text, 0.6) for line in rest] + [(subject, 0.7)]
    for text, conf in sources:
        fields = _from_text(text)
        if not fields:
            continue
        for name, value in fields.items():
            if value is not None and name not in found:
                found[name] = value
                confidence[name] = conf
        if "venue" in found:
            break
    if "venue" not in found:
        venue = _subject_venue(subject)
        if venue:
            found["venue"], confidence["venue"] = venue, 0.6
    venue = found.get("venue")
    entry_type = None
    if venue and _CONFERENCE_RE.search(venue):
        entry_type = "inproceedings"
    elif venue or found.get("volume"):
        entry_type = "article"
    if entry_type:
        confidence["entry_type"] = min(confidence.get("venue", 0.5), 0.8)
    if is_correction_notice(title):
        entry_type = "article"
        confidence["entry_type"] = 0.9
    return Bibliographic(
        venue=venue,
        volume=found.get("volume"),
        issue=found.get("issue"),
        page_range=found.get("page_range"),
        year=found.get("year"),
        entry_type=entry_type,
        confidence=confidence,
    )
