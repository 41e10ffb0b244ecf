"""Citation keys: the BibTeX key of each exported paper, unique within one export."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from litreview.core.paper import Paper

_STOPWORDS = frozenset(
    "a an the on of in for and to with towards toward from by at is are as via using into about how what why when "
    "do does can its their our we new".split()
)


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]", "", folded.encode("ascii", "ignore").decode("ascii").lower())


def generated_key(paper: Paper) -> str:
    """The usual authorYEARword key: family name of the first author, year, first significant title word."""
    from litreview.export.names import split_display_name

    author = ""
    if paper.authors:
        name = split_display_name(paper.authors[0])
        author = _ascii_word((name.family or name.literal).split()[-1] if (name.family or name.literal) else "")
    word = ""
    for candidate in re.split(r"[\s\-–—:/]+", paper.title or ""):
        cleaned = _ascii_word(candidate)
        if cleaned and cleaned not in _STOPWORDS:
            word = cleaned
            break
    key = f"{author or 'anon'}{paper.year or ''}{word}"
    return key if key != "anon" else f"paper{paper.id}"


def _suffixes():
    """a, b, ..., z, aa, ab, ... (as Better BibTeX does)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    for first in ["", *letters]:
        for second in letters:
            yield first + second


def assign_citation_keys(papers: Sequence[Paper]) -> list[str]:
    """One key per paper, in order: the original key where it has one, else a generated one. A key already
    taken (by an original key or an earlier paper) gets the suffix a, b, ... so every key is unique."""
    taken_originals = {paper.citation_key.lower() for paper in papers if paper.citation_key}
    used: set[str] = set()
    keys: list[str] = []
    for paper in papers:
        base = paper.citation_key or generated_key(paper)
        key = base
        clashes_with_original = not paper.citation_key and base.lower() in taken_originals
        if key.lower() in used or clashes_with_original:
            for suffix in _suffixes():
                candidate = base + suffix
                if candidate.lower() not in used and candidate.lower() not in taken_originals:
                    key = candidate
                    break
        used.add(key.lower())
        keys.append(key)
    return keys
