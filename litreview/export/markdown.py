"""Markdown export: a reading list a person reads, with notes and DOI/arXiv links."""

from __future__ import annotations

import re
from collections.abc import Sequence

from litreview.core.paper import Paper
from litreview.core.text import count_of

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>#|])")


def escape_markdown(text: str) -> str:
    """Plain text that Markdown shows as written (no accidental emphasis, links or HTML)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", " ".join(text.split()))


def _authors(authors: Sequence[str]) -> str:
    if len(authors) > 6:
        return ", ".join(authors[:6]) + " et al."
    return ", ".join(authors)


def write_markdown(papers: Sequence[Paper], title: str | None = None) -> str:
    """A numbered list: **title**, authors (year), *venue*, links, and the item's note as a quote."""
    lines = [f"# {escape_markdown(title or 'Reading list')}", ""]
    lines.append(f"{count_of(len(papers), 'paper')}.")
    lines.append("")
    for number, paper in enumerate(papers, start=1):
        head = f"**{escape_markdown(paper.title or '(untitled)')}**"
        details = []
        if paper.authors:
            details.append(escape_markdown(_authors(paper.authors)))
        if paper.year:
            details.append(f"({paper.year})")
        line = f"{number}. {head}"
        if details:
            line += " — " + " ".join(details)
        if paper.venue:
            line += f". *{escape_markdown(paper.venue)}*"
        lines.append(line)
        links = []
        if paper.doi:
            links.append(f"[doi:{escape_markdown(paper.doi)}](https://doi.org/{_url_path(paper.doi)})")
        if paper.arxiv_id:
            links.append(f"[arXiv:{paper.arxiv_id}](https://arxiv.org/abs/{paper.arxiv_id})")
        if links:
            lines.append("   " + " · ".join(links))
        if paper.note:
            for note_line in paper.note.strip().splitlines():
                lines.append(f"   > {escape_markdown(note_line) if note_line.strip() else ''}".rstrip())
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _url_path(doi: str) -> str:
    """A DOI inside a Markdown link target: characters that would end the link percent-encoded."""
    from urllib.parse import quote

    return quote(doi, safe="/:;.-_~")
