"""A reference (one entry of a paper's reference list) as the readers parse it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reference:
    """One parsed reference. Authors are "Surname, Given" (given names or initials as printed), in order."""

    raw: str
    authors: tuple[str, ...] = ()
    title: str | None = None
    venue: str | None = None  # journal, book or proceedings
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    pmid: str | None = None
    url: str | None = None
    confidence: float = 0.0  # 0..1: how completely the entry parsed

    def to_json(self) -> dict[str, Any]:
        """The `extract --references` object (keys fixed in CLI.md), plus url and confidence."""
        return {
            "authors": list(self.authors),
            "title": self.title,
            "venue": self.venue,
            "year": self.year,
            "volume": self.volume,
            "issue": self.issue,
            "pages": self.pages,
            "doi": self.doi,
            "arxiv_id": self.arxiv_id,
            "pmid": self.pmid,
            "url": self.url,
            "raw": self.raw,
            "confidence": round(self.confidence, 2),
        }
