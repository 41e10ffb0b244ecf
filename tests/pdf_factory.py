"""Small generated PDFs for the full-text tests: two columns, running heads, page and line numbers, a figure
caption, hyphenated line ends and a reference list, with the body text known exactly."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

WORDS = (
    "sample measurement representation calibration temperature pressure analysis protocol estimate variance "
    "cohort gradient retrieval embedding passage reviewer spectrum membrane catalyst enzyme lattice tensor "
    "optimizer baseline regression ablation sediment glacier rainfall habitat species genome protein receptor"
).split()
PAGE_WIDTH, PAGE_HEIGHT = 595.0, 842.0
COLUMNS = ((50.0, 285.0), (310.0, 545.0))
LINE_HEIGHT = 12.0
FONT_SIZE = 10.0
CHARS_PER_LINE = 46


@dataclass
class GeneratedPaper:
    path: Path
    body: dict[int, list[str]] = field(default_factory=dict)  # page (from 1) -> body sentences, in order
    captions: dict[int, list[str]] = field(default_factory=dict)
    references: list[str] = field(default_factory=list)
    running: list[str] = field(default_factory=list)  # running-head texts


def sentences(rng: random.Random, page: int, count: int) -> list[str]:
    """Distinct sentences (every one names its page and number, so each is findable)."""
    made = []
    for number in range(count):
        words = rng.sample(WORDS, 7)
        made.append(
            f"Finding {number} of page{page} concerns the {words[0]} {words[1]} and its {words[2]} "
            f"{words[3]}, which the {words[4]} {words[5]} relates to {words[6]}."
        )
    return made


def write_lines(page, x: float, y: float, lines: list[str], *, fontsize: float = 9, step: float = 11,
                fontname: str = "helv") -> float:
    """Each line written at (x, y), `step` points below the last; returns the y after the last line."""
    for line in lines:
        page.insert_text((x, y), line, fontsize=fontsize, fontname=fontname)
        y += step
    return y


def wrap(text: str, width: int = CHARS_PER_LINE) -> list[str]:
    """Lines of at most `width` characters; a long word that overflows is hyphenated across the line end."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width:
            current = candidate
            continue
        room = width - len(current) - 2
        if len(word) >= 8 and room >= 3 and word.isalpha():
            lines.append(f"{current} {word[:room]}-".strip())
            current = word[room:]
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def make_paper(
    path: Path,
    *,
    pages: int = 3,
    sentences_per_page: int = 14,
    seed: int = 0,
    line_numbers: bool = False,
    references: bool = True,
) -> GeneratedPaper:
    """Write a two-column paper to `path` and return what its text is."""
    import pymupdf

    rng = random.Random(seed)
    paper = GeneratedPaper(path, running=["Journal of Generated Tests", "Volume 7"])
    doc = pymupdf.open()
    for number in range(1, pages + 1):
        page = doc.new_page(width=PAGE_WIDTH, height=PAGE_HEIGHT)
        page.insert_text((50, 40), "Journal of Generated Tests", fontsize=8)
        page.insert_text((480, 40), "Volume 7", fontsize=8)
        page.insert_text((290, 815), str(number), fontsize=8)
        body = sentences(rng, number, sentences_per_page)
        paper.body[number] = body
        lines: list[tuple[str, str, float]] = []  # (text, font, size)
        if number == 1:
            lines.append((f"{number} Introduction", "hebo", 12.0))
        elif number == 2:
            lines.append((f"{number} Methods", "hebo", 12.0))
        half = len(body) // 2
        for sentence_group in (body[:half], body[half:]):
            lines += [(line, "helv", FONT_SIZE) for line in wrap(" ".join(sentence_group))]
            lines.append(("", "helv", FONT_SIZE))  # paragraph gap
        caption = None
        if number == 2:
            caption = f"Figure {number}: The {rng.choice(WORDS)} apparatus used for the {rng.choice(WORDS)} runs."
            paper.captions[number] = [caption]
        split = (len(lines) + 1) // 2
        while split < len(lines) and lines[split - 1][0]:  # a column ends at a paragraph end
            split += 1
        for column, column_lines in enumerate((lines[:split], lines[split:])):
            y = 90.0
            for placed, (text, font, size) in enumerate(column_lines, start=1):
                if text:
                    page.insert_text((COLUMNS[column][0], y), text, fontname=font, fontsize=size)
                    if line_numbers and column == 0:
                        page.insert_text((20, y), str(placed), fontsize=7)
                y += LINE_HEIGHT * (1.6 if not text else 1.0)
        if caption:
            y += LINE_HEIGHT * 2
            page.draw_rect(pymupdf.Rect(COLUMNS[1][0], y, COLUMNS[1][1], y + 60), color=(0, 0, 0))
            y += 60 + LINE_HEIGHT * 1.5
            y = write_lines(page, COLUMNS[1][0], y, wrap(caption))
    if references:
        page = doc.new_page(width=PAGE_WIDTH, height=PAGE_HEIGHT)
        page.insert_text((50, 40), "Journal of Generated Tests", fontsize=8)
        page.insert_text((480, 40), "Volume 7", fontsize=8)
        page.insert_text((290, 815), str(pages + 1), fontsize=8)
        page.insert_text((50, 90), "References", fontname="hebo", fontsize=12)
        y = 110.0
        for index in range(1, 9):
            topic = rng.choice(WORDS)
            entry = f"[{index}] A. Author{index}, B. Writer. On the {topic} of things. Journal, 20{index:02d}."
            paper.references.append(entry)
            y = write_lines(page, 50, y, wrap(entry, 90)) + 3
    doc.save(path)
    doc.close()
    return paper
