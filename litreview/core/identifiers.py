"""DOI and arXiv identifiers: find them in text, validate and normalise them."""

from __future__ import annotations

import re

# Crossref's recommended pattern, anchored on "10." and a registrant code.
_DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>{}|\\^`]+)", re.IGNORECASE)
_WHOLE_DOI_RE = re.compile(r"10\.\d{4,9}/\S+", re.IGNORECASE)
_DOI_TRAILING = ".,;:)]}'\""
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")

# New-style (2007+) ids 0704.0001 / 2101.12345v2, and old-style archive/YYMMNNN ids.
_ARXIV_NEW_RE = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(v\d+)?(?![\d])")
_ARXIV_OLD_RE = re.compile(r"\b([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?\b")
_ARXIV_CONTEXT_RE = re.compile(r"arxiv(?:\.org/(?:abs|pdf)/|\s*:\s*|\s+)", re.IGNORECASE)


def normalize_doi(text: str | None) -> str | None:
    """Return the bare lower-case DOI in `text` (URL or doi: prefix allowed), or None."""
    if not text:
        return None
    value = text.strip()
    lowered = value.lower()
    for prefix in _DOI_PREFIXES:
        if lowered.startswith(prefix):
            value = value[len(prefix):].strip()
            break
    if _WHOLE_DOI_RE.fullmatch(value):
        doi = value  # a DOI field holds the DOI alone: SICI DOIs keep their "<...>" part ("(SICI)...<5::AID-...")
    else:
        match = _DOI_RE.search(value)
        if not match:
            return None
        doi = match.group(1)
    # Trailing punctuation goes; a closing bracket stays when it has its opening twin.
    while doi and doi[-1] in _DOI_TRAILING and not (doi[-1] == ")" and doi.count("(") >= doi.count(")")):
        doi = doi[:-1]
    return doi.lower() if "/" in doi and len(doi.split("/", 1)[1]) > 0 else None


def find_doi(text: str) -> str | None:
    """The first valid DOI written in free text."""
    for match in _DOI_RE.finditer(text):
        doi = normalize_doi(match.group(1))
        if doi:
            return doi
    return None


def _valid_new_style(arxiv_id: str) -> bool:
    yymm = arxiv_id.split(".")[0]
    year, month = int(yymm[:2]), int(yymm[2:])
    digits = len(arxiv_id.split(".")[1])
    if not 1 <= month <= 12:
        return False
    # Five-digit numbers started in January 2015; four-digit ids ran April 2007 to December 2014.
    if digits == 5:
        return (year, month) >= (15, 1)
    return (7, 4) <= (year, month) <= (14, 12)


def normalize_arxiv(text: str | None) -> str | None:
    """Return the arXiv id (without version) in `text`, validated, or None."""
    if not text:
        return None
    value = _ARXIV_CONTEXT_RE.sub("", text.strip(), count=1)
    match = _ARXIV_NEW_RE.search(value)
    if match and _valid_new_style(match.group(1)):
        return match.group(1)
    match = _ARXIV_OLD_RE.search(value)
    if match:
        return match.group(1)
    return None


def find_arxiv(text: str) -> str | None:
    """An arXiv id that the text marks as one ("arXiv:2101.12345", "arxiv.org/abs/...")."""
    for match in re.finditer(r"arxiv(?:\.org/(?:abs|pdf)/|\s*:\s*)\s*(\S+)", text, re.IGNORECASE):
        arxiv_id = normalize_arxiv(match.group(1))
        if arxiv_id:
            return arxiv_id
    return None
