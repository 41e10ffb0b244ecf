"""How ranked search results are announced above the table (issue #15): a count, or a page of many and a link."""

from __future__ import annotations

from litreview.core.text import count_of

SEARCH_PAGE = 100  # results asked for at a time; "Show more" asks for the next page


def results_text(shown: int, total: int, mode: str) -> str:
    """'2 results (keyword)' when all matches are shown, else 'the best 100 of 1,234 matches (hybrid) — Show more'
    with 'Show more' a link the label reports through linkActivated."""
    if total <= shown:
        return f"{count_of(shown, 'result')} ({mode})"
    return f"The best {shown:,} of {count_of(total, 'match', 'matches')} ({mode}) — <a href=\"more\">Show more</a>"
