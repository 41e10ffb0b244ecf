"""Text normalisation used for duplicate detection and matching."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)

# Lower-case name particles that belong to the family name ("Ludwig van Beethoven" -> family "van Beethoven").
NAME_PARTICLES = frozenset({"van", "von", "der", "den", "de", "da", "del", "della", "di", "du", "dos", "das", "la",
                            "le", "ten", "ter", "zu", "af", "al", "bin", "ibn", "st."})  # fmt: skip
NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})  # what may follow a family name


def normalize_title(title: str | None) -> str:
    """Lower-case, accents folded, punctuation and spacing removed: "Deep  Nets!" -> "deep nets"."""
    if not title:
        return ""
    folded = unicodedata.normalize("NFKD", title)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", folded.casefold()).strip()


def family_name(author: str) -> str:
    """The family name of "Doe, Jane" or "Jane Doe", normalised for comparison."""
    author = author.strip()
    if "," in author:
        name = author.split(",", 1)[0]
    else:
        parts = author.split()
        name = parts[-1] if parts else ""
    return normalize_title(name)


def count_of(count: int, singular: str, plural: str | None = None) -> str:
    """A count with its noun in the right number, thousands separated: "1 paper", "0 papers", "5,817 papers"."""
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"
