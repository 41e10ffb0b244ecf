"""A PDF's full text as passages on the layout model, each within an embedding model's token window.

The text follows the layout (`layout.Page.reading_order`: column by column), running heads, footers, page
numbers and margin line numbers are dropped, hyphenated line ends are joined, and paragraphs are packed into
passages of at most `max_tokens` tokens (counted by the caller's `count_tokens`, the embedding model's own
tokenizer, so this module stays torch-free) with a few sentences of overlap. A passage never crosses a page,
a section heading or a change of kind: "body", "caption" (figure and table captions) and "references" (the
reference list) are kept apart and tagged. Each passage carries its page (from 1), the boxes of its lines on
that page (for highlighting) and the section heading above it when one is detectable.

Pure: a path in, a PassageResult out; it never raises for a bad file. A damaged page is skipped with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

from litreview.core.paper import IngestError
from litreview.ingest.pdf.layout import MUPDF_LOCK, Layout, Line, Page, mark_running, open_pdf

TokenCounter = Callable[[str], int]

DEFAULT_MAX_PASSAGES = 300  # passages kept per PDF unless the library's setting says otherwise
DEFAULT_OVERLAP = 0.15  # share of the window repeated from the end of the previous passage
LAYOUT_CHUNK = 40  # pages laid out (and their running heads marked) together

KINDS = ("body", "caption", "references")

_NUMBER_LINE_RE = re.compile(r"^[\W_]{0,2}\d{1,4}[\W_]{0,2}$")
_CAPTION_RE = re.compile(r"^(?:fig(?:ure)?|table|tab|scheme|chart|plate)\.?\s*(?:\d+|[IVX]+|S\d+)[a-z]?\s*[.:|—–-]",
                         re.IGNORECASE)
_REFERENCES_RE = re.compile(
    r"^(?:\d{1,2}\.?\s*|[IVX]{1,4}\.\s*)?(?:references?(?: and notes)?|bibliography|literature cited|works cited|"
    r"cited literature|referências|referencias|bibliografía|références|literatur)\s*:?$",
    re.IGNORECASE,
)
_AFTER_REFERENCES_RE = re.compile(
    r"^(?:[A-Z]\.?\s+|\d{1,2}\.?\s*)?(?:appendix|appendices|supplementary|supporting information|acknowledge?ments?)\b",
    re.IGNORECASE,
)
_NUMBERED_HEADING_RE = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?|[IVX]{1,5}\.|[A-H]\.)\s+\S")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")
_WORD_RE = re.compile(r"\w+")


@dataclass(frozen=True)
class Passage:
    """A stretch of one page's text that fits the model's window."""

    page: int  # from 1
    text: str
    kind: str  # body, caption or references
    section: str | None
    boxes: tuple[tuple[float, float, float, float], ...]  # (x0, y0, x1, y1) per line, PDF points, top-left origin


@dataclass
class PassageResult:
    """The passages of one PDF and what was left out: `skipped` (page from 1, reason), `truncated` when the
    passage bound cut the document (`last_page` is then the last page read)."""

    path: str
    passages: list[Passage] = field(default_factory=list)
    page_count: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    truncated: bool = False
    last_page: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Unit:
    """A sentence (or a piece of an over-long one) with the boxes of the lines it sits on."""

    text: str
    tokens: int
    boxes: list[tuple[float, float, float, float]]


@dataclass
class _Paragraph:
    lines: list[Line]
    kind: str
    section: str | None
    heading: bool = False


def word_count_tokens(text: str) -> int:
    """A stand-in token counter (words and punctuation) for callers without a model's tokenizer."""
    return len(re.findall(r"\w+|[^\w\s]", text))


def join_lines(lines: list[Line]) -> tuple[str, list[tuple[int, int, Line]]]:
    """The lines' text joined with hyphenation mended; with the character span of each line in the result."""
    text = ""
    spans: list[tuple[int, int, Line]] = []
    for line in lines:
        piece = line.text
        if text:
            if text.endswith("-") and len(text) > 1 and text[-2].isalpha() and piece[:1].islower():
                text = text[:-1]  # "meth-" + "ods" -> "methods"
            elif not text.endswith(("-", "/")):
                text += " "
        start = len(text)
        text += piece
        spans.append((start, len(text), line))
    return text, spans


def _is_heading(line: Line, body_size: float) -> bool:
    words = line.text.split()
    if not words or len(words) > 14 or line.text.endswith((".", ",", ";")) and not _NUMBERED_HEADING_RE.match(
        line.text
    ):
        return False
    if _CAPTION_RE.match(line.text):
        return False
    letters = sum(char.isalpha() for char in line.text)
    if letters < 3:
        return False
    bigger = line.size > body_size * 1.08
    styled = line.bold or bigger
    if _REFERENCES_RE.match(line.text):
        return True
    if _NUMBERED_HEADING_RE.match(line.text) and (styled or line.text.isupper()):
        return True
    return styled and len(words) <= 10 and not line.text[:1].islower()


def _paragraphs(pages: list[Page], state: dict) -> Iterator[tuple[int, list[_Paragraph]]]:
    """(page number from 0, its paragraphs) in reading order; `state` carries kind and section across pages."""
    sizes = [line.size for page in pages for line in page.lines if not line.running and len(line.text) > 30]
    body_size = median(sizes) if sizes else 10.0
    for page in pages:
        ordered = page.reading_order()
        rotated = [line for line in page.lines if not line.upright]
        if len(rotated) > len(ordered):  # a landscape table or page set sideways: its text is the page's body
            ordered += sorted(rotated, key=lambda line: (round(line.x0), -line.y0))
        lines = [
            line
            for line in ordered
            if not line.running and not _NUMBER_LINE_RE.match(line.text) and line.text.strip()
        ]
        paragraphs: list[_Paragraph] = []
        current: list[Line] = []
        current_kind = state["kind"]

        spacing = [
            b.y0 - a.y0
            for a, b in zip(lines, lines[1:], strict=False)
            if a.column == b.column and 0 < b.y0 - a.y0 < 3 * a.size
        ]
        step = median(spacing) if spacing else 1.2 * body_size
        previous: Line | None = None
        for line in lines:
            if _is_heading(line, body_size) and (previous is None or not _continues(previous, line, step)):
                _flush(paragraphs, current, current_kind, state)
                if _REFERENCES_RE.match(line.text):
                    state["kind"] = "references"
                elif state["kind"] == "references" and (
                    _AFTER_REFERENCES_RE.match(line.text) or _NUMBERED_HEADING_RE.match(line.text)
                ):  # an appendix, or a numbered section after a "References" line of a table of contents
                    state["kind"] = "body"
                state["section"] = line.text
                paragraphs.append(_Paragraph([line], state["kind"], state["section"], heading=True))
                current_kind = state["kind"]
                previous = None
                continue
            caption = bool(_CAPTION_RE.match(line.text)) and state["kind"] != "references"
            if caption or previous is None or _breaks(previous, line, step) or (
                current_kind == "caption" and not caption and _breaks(previous, line, step * 0.9)
            ):
                _flush(paragraphs, current, current_kind, state)
                current_kind = "caption" if caption else state["kind"]
            current.append(line)
            previous = line
        _flush(paragraphs, current, current_kind, state)
        yield page.number, paragraphs


def _flush(paragraphs: list[_Paragraph], current: list[Line], kind: str, state: dict) -> None:
    if current:
        paragraphs.append(_Paragraph(list(current), kind, state["section"]))
        current.clear()


def _continues(previous: Line, line: Line, step: float) -> bool:
    """A styled line that follows its predecessor at line spacing in the same font: part of that paragraph."""
    return (
        previous.column == line.column
        and 0 < line.y0 - previous.y0 < 1.35 * step
        and abs(previous.size - line.size) < 0.3
        and previous.bold == line.bold
        and not previous.text.endswith(".")
    )


def _breaks(previous: Line, line: Line, step: float) -> bool:
    """Does `line` start a new paragraph after `previous`?"""
    if line.column != previous.column or line.page != previous.page:
        return True
    gap = line.y0 - previous.y0
    if gap < 0 or gap > 1.45 * step:
        return True
    if abs(line.size - previous.size) > 0.15 * max(line.size, previous.size):
        return True
    return line.x0 > previous.x0 + 6 and previous.text.endswith((".", ":", "?", "!")) and line.text[:1].isupper()


def _sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of a paragraph."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(text):
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


class _Packer:
    """Packs units into passages of at most `max_tokens` tokens with `overlap` tokens carried over."""

    def __init__(self, count_tokens: TokenCounter, max_tokens: int, overlap: int) -> None:
        self.count = count_tokens
        self.base = count_tokens("")  # special tokens and any prompt the counter adds
        self.budget = max_tokens
        self.overlap = overlap

    def tokens(self, text: str) -> int:
        return max(0, self.count(text) - self.base)

    def units(self, paragraph: _Paragraph) -> list[_Unit]:
        text, spans = join_lines(paragraph.lines)
        units: list[_Unit] = []
        for start, end in _sentences(text):
            sentence = text[start:end].strip()
            boxes = [(line.x0, line.y0, line.x1, line.y1) for a, b, line in spans if a < end and b > start]
            tokens = self.tokens(sentence)
            if self.base + tokens <= self.budget:
                units.append(_Unit(sentence, tokens, boxes))
            else:
                units.extend(self._split_long(sentence, boxes))
        return units

    def _split_long(self, sentence: str, boxes: list) -> list[_Unit]:
        """An over-long sentence cut at word boundaries into pieces that fit."""
        words = sentence.split()
        pieces: list[_Unit] = []
        start = 0
        while start < len(words):
            low, high = start + 1, len(words)
            while low < high:  # the longest prefix that fits
                middle = (low + high + 1) // 2
                if self.base + self.tokens(" ".join(words[start:middle])) <= self.budget:
                    low = middle
                else:
                    high = middle - 1
            text = " ".join(words[start:low])
            pieces.append(_Unit(text, self.tokens(text), boxes))
            start = low
        return pieces

    def pack(self, units: list[_Unit]) -> list[tuple[str, list]]:
        """(text, boxes) per passage; every unit lands in at least one passage."""
        passages: list[tuple[str, list]] = []
        current: list[_Unit] = []
        fresh = 0  # units in `current` not yet in an earlier passage

        def emit() -> None:
            text = " ".join(unit.text for unit in current)
            while len(current) > 1 and self.count(text) > self.budget:  # sums of parts can undercount a join
                current.pop()
                text = " ".join(unit.text for unit in current)
            boxes = []
            for unit in current:
                for box in unit.boxes:
                    if box not in boxes:
                        boxes.append(box)
            passages.append((text, boxes))

        index = 0
        while index < len(units):
            unit = units[index]
            used = sum(item.tokens + 1 for item in current)
            if current and self.base + used + unit.tokens > self.budget:
                before = len(current)
                emit()
                if len(current) < before:  # the check trimmed it: the dropped units come next
                    index -= before - len(current)
                    unit = units[index]
                carried: list[_Unit] = []
                kept = 0
                for item in reversed(current):
                    if kept + item.tokens > self.overlap or len(carried) + 1 >= len(current):
                        break
                    carried.insert(0, item)
                    kept += item.tokens + 1
                current = carried
                fresh = 0
            current.append(unit)
            fresh += 1
            index += 1
        if current and fresh:
            emit()
        return passages


def passages_of(
    layout: Layout,
    count_tokens: TokenCounter,
    max_tokens: int,
    *,
    max_passages: int = DEFAULT_MAX_PASSAGES,
    overlap: float = DEFAULT_OVERLAP,
    result: PassageResult | None = None,
) -> PassageResult:
    """Split the laid-out document into passages (see the module docstring). Damaged pages are skipped and
    listed; laying out stops once `max_passages` are made (`truncated`)."""
    result = result or PassageResult(str(layout.path), page_count=layout.page_count)
    packer = _Packer(count_tokens, max_tokens, int(overlap * max_tokens))
    if packer.base >= max_tokens:
        raise ValueError(f"the token window ({max_tokens}) leaves no room for text")
    state: dict = {"kind": "body", "section": None}
    numbers = layout.page_numbers()
    for chunk_start in range(0, len(numbers), LAYOUT_CHUNK):
        pages: list[Page] = []
        for number in numbers[chunk_start : chunk_start + LAYOUT_CHUNK]:
            page = _laid_out(layout, number, result)
            if page is not None:
                pages.append(page)
        mark_running(pages)
        for number, paragraphs in _paragraphs(pages, state):
            made = _page_passages(paragraphs, packer, number + 1)
            result.last_page = number + 1
            room = max_passages - len(result.passages)
            if len(made) > room:
                result.passages.extend(made[:room])
                result.truncated = True
                return result
            result.passages.extend(made)
            if len(result.passages) >= max_passages and number != numbers[-1]:
                result.truncated = True
                return result
    if len(numbers) < layout.page_count:
        result.truncated = True
        result.warnings.append(
            f"only {len(numbers)} of {layout.page_count} pages read for passages (the document is very long)"
        )
    return result


def _laid_out(layout: Layout, number: int, result: PassageResult) -> Page | None:
    """Page `number` laid out, or None (listed in `result.skipped`) when MuPDF cannot read it: it raised, or
    it reported errors and gave no text. Errors on a page that still gave text become a warning."""
    from litreview.ingest.mupdf import load_pymupdf

    pymupdf = load_pymupdf()

    pymupdf.TOOLS.mupdf_warnings(reset=True)
    try:
        page = layout.page(number)
    except Exception as exc:  # noqa: BLE001 - one damaged page must not cost the others
        result.skipped.append((number + 1, f"page {number + 1} skipped: {type(exc).__name__}: {exc}"))
        return None
    errors = [line for line in pymupdf.TOOLS.mupdf_warnings(reset=True).splitlines() if "error" in line.lower()]
    if errors and not page.lines:
        result.skipped.append((number + 1, f"page {number + 1} skipped: damaged ({errors[0]})"))
        return None
    if errors:
        result.warnings.append(f"page {number + 1} is partly damaged ({errors[0]}); its readable text is kept")
    return page


def _page_passages(paragraphs: list[_Paragraph], packer: _Packer, page: int) -> list[Passage]:
    """The passages of one page: runs of paragraphs of one kind and section, packed into the window."""
    made: list[Passage] = []
    run: list[_Unit] = []
    run_key: tuple[str, str | None] | None = None

    def close() -> None:
        if run and run_key is not None:
            for text, boxes in packer.pack(run):
                made.append(Passage(page, text, run_key[0], run_key[1], tuple(_round(box) for box in boxes)))
        run.clear()

    headings_only = True  # a run of headings (a title block, "2 Methods" over "2.1 Data") stays together
    for paragraph in paragraphs:
        key = (paragraph.kind, paragraph.section)
        if paragraph.kind == "caption" or (paragraph.heading and not headings_only) or (
            key != run_key and not (headings_only and run_key is not None and run_key[0] == key[0])
        ):
            close()
            headings_only = True
        run_key = key
        run.extend(packer.units(paragraph))
        headings_only = headings_only and paragraph.heading
        if paragraph.kind == "caption":
            close()
            run_key = None
    close()
    return made


def _round(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    return (round(box[0], 1), round(box[1], 1), round(box[2], 1), round(box[3], 1))


def read_passages(
    path: str | Path,
    count_tokens: TokenCounter,
    max_tokens: int,
    *,
    max_passages: int = DEFAULT_MAX_PASSAGES,
    overlap: float = DEFAULT_OVERLAP,
) -> PassageResult | IngestError:
    """The passages of the PDF at `path`, or an IngestError for a file that cannot be opened; never raises
    for a bad file. A PDF without a text layer gives no passages."""
    path = Path(path)
    with MUPDF_LOCK:
        opened = open_pdf(path)
        if isinstance(opened, IngestError):
            return opened
        try:
            with opened as doc:
                return passages_of(
                    Layout(doc, path), count_tokens, max_tokens, max_passages=max_passages, overlap=overlap
                )
        except Exception as exc:  # noqa: BLE001 - a bad PDF must never stop a batch
            return IngestError(str(path), f"damaged PDF: {type(exc).__name__}: {exc}")


def body_words(text: str) -> list[str]:
    """The words coverage is measured on: runs of word characters with a letter in them, case-folded."""
    return [word.casefold() for word in _WORD_RE.findall(text) if any(char.isalpha() for char in word)]
