"""One layout pass over a PDF: positioned text lines with font facts, columns and running headers marked.

Every reader of a PDF (header, references, later passages) works on this model, so a file is opened and its
text laid out once. Pages are laid out when first asked for: the header reader needs the first pages only,
the reference reader all of them. Pure: PyMuPDF in, plain dataclasses out; nothing here writes anywhere.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from litreview.core.paper import IngestError

MUPDF_LOCK = threading.Lock()  # MuPDF contexts must not be used by two threads at once
MAX_LAYOUT_PAGES = 1500  # beyond this, only the first and last pages are laid out (a book's reference list is last)
TAIL_PAGES = 600  # pages laid out from the end of a document longer than MAX_LAYOUT_PAGES
RUNNING_BAND = 0.085  # the top and bottom share of a page where running heads, footers and page numbers live

_DIGITS_RE = re.compile(r"\d+")
_PAGE_NUMBER_RE = re.compile(r"^\W{0,2}(\d{1,4})\W{0,2}$")


@dataclass(eq=False)
class Line:
    """One text line of a page with the layout facts the readers use.

    `y0`/`y1` are placed from the baseline (font boxes are often far taller than the glyphs); `text` has every
    span, `main_text` has superscripts and small marker spans replaced by ",". `column` is the page column the
    line sits in (0 from the left), -1 for a line that spans columns; `running` marks running heads, footers
    and page numbers.
    """

    text: str
    main_text: str
    size: float  # font size of most of the characters
    bold: bool
    x0: float
    y0: float
    x1: float
    y1: float
    page: int
    block: int
    lead: str = ""  # bold words that open an otherwise regular line ("Aim", "Background:")
    italic: bool = False  # most characters are italic
    italics: tuple[str, ...] = ()  # the italic spans' texts, in order
    marker: str = ""  # a small or raised span that opens the line (a superscript reference number)
    upright: bool = True  # written left to right (not a rotated margin stamp)
    column: int = 0
    running: bool = False
    soft_hyphen: bool = False  # the line ends in a soft hyphen (a word broken over lines; `text` dropped it)


@dataclass(eq=False)
class Page:
    """One laid-out page."""

    number: int  # from 0
    width: float
    height: float
    lines: list[Line]
    columns: list[tuple[float, float]] = field(default_factory=list)  # x ranges, left to right

    def reading_order(self) -> list[Line]:
        """Upright lines in reading order: bands between column-spanning lines, each band column by column."""
        bands: list[list[Line]] = [[]]
        for line in sorted((line for line in self.lines if line.upright), key=lambda item: (item.y0, item.x0)):
            if line.column < 0 and len(self.columns) > 1:
                if bands[-1]:
                    bands.append([])
                bands[-1].append(line)
                bands.append([])
            else:
                bands[-1].append(line)
        ordered: list[Line] = []
        for band in bands:
            ordered.extend(sorted(band, key=lambda item: (item.column, item.y0, item.x0)))
        return ordered


def text_flags() -> int:
    """The PyMuPDF text flags every reader uses: ligatures and whitespace kept, text outside the page dropped."""
    from litreview.ingest.mupdf import load_pymupdf

    pymupdf = load_pymupdf()

    return pymupdf.TEXT_PRESERVE_LIGATURES | pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP


def normalise(text: str) -> str:
    """Soft hyphens dropped, then NFKC (a soft hyphen can stand between a letter and its combining accent)."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text.replace("\u00ad", ""))


def clean(text: str) -> str:
    """normalise(), whitespace collapsed."""
    return " ".join(normalise(text).split())


_FONT_STYLES: dict[str, tuple[bool, bool]] = {}  # font name -> (its name says bold, its name says italic)


def _font_style(font: str) -> tuple[bool, bool]:
    """Whether a font's name says bold ("Bold", "Black") and italic ("Italic", "Oblique"); read once per font."""
    style = _FONT_STYLES.get(font)
    if style is None:
        lower = font.lower()
        style = ("bold" in lower or "black" in lower, "italic" in lower or "oblique" in lower)
        if len(_FONT_STYLES) > 4096:
            _FONT_STYLES.clear()
        _FONT_STYLES[font] = style
    return style


def page_lines(data: dict[str, Any], page_number: int) -> list[Line]:
    """The lines of one page's `get_text("dict")` output, in PyMuPDF's reading order."""
    lines: list[Line] = []
    font_styles = _FONT_STYLES
    tenths: dict[float, float] = {}  # font size -> rounded to 0.1; a page uses few sizes
    for block_number, block in enumerate(data.get("blocks", ())):
        for line in block.get("lines", ()):
            # (span, its text, characters that are not space, size to 0.1, bold, italic), each worked out once
            facts = []
            weights: dict[float, int] = {}
            bold_chars = italic_chars = total = 0
            for span in line["spans"]:
                raw_text = span["text"]
                if not raw_text:
                    continue
                flags = span["flags"]
                font = span["font"]
                font_bold, font_italic = font_styles.get(font) or _font_style(font)
                bold = bool(flags & 16) or font_bold
                italic = bool(flags & 2) or font_italic
                count = len(raw_text.strip())
                size = tenths.get(span["size"])
                if size is None:
                    size = tenths[span["size"]] = round(span["size"], 1)
                facts.append((span, raw_text, count, size, bold, italic))
                if count:
                    weights[size] = weights.get(size, 0) + count
                    total += count
                    if bold:
                        bold_chars += count
                    if italic:
                        italic_chars += count
            if not total:
                continue
            dominant = max(weights, key=weights.__getitem__) if len(weights) > 1 else next(iter(weights))
            raw = "".join([fact[1] for fact in facts])
            text = clean(raw)
            if not text:
                continue
            small_below = 0.85 * dominant
            main_parts = None  # only built when a span is small or raised
            for index, (span, raw_text, count, _, _, _) in enumerate(facts):
                if count and (span["size"] < small_below or span["flags"] & 1):
                    if main_parts is None:
                        main_parts = [fact[1] for fact in facts[:index]]
                    main_parts.append(",")
                elif main_parts is not None:
                    main_parts.append(raw_text)
            main_text = text if main_parts is None else clean("".join(main_parts))
            lead = ""
            if facts[0][4]:
                for fact in facts:
                    if not fact[4]:
                        break
                    lead += fact[1]
                lead = clean(lead) if len(lead.strip()) < len(text) else ""
            italics = tuple([clean(fact[1]) for fact in facts if fact[5] and fact[2]]) if italic_chars else ()
            marker = ""
            first = next(fact[0] for fact in facts if fact[2])
            if (first["size"] < small_below or first["flags"] & 1) and len(first["text"].strip()) < len(text):
                marker = clean(first["text"])
            x0, _, x1, _ = line["bbox"]
            # Font bounding boxes are often far taller than the glyphs; place the line by its baseline instead.
            baseline = max([fact[0]["origin"][1] for fact in facts if fact[3] == dominant])
            y0, y1 = baseline - 0.8 * dominant, baseline + 0.25 * dominant
            direction = line.get("dir", (1.0, 0.0))
            lines.append(
                Line(
                    text,
                    main_text,
                    dominant,
                    bold_chars > total / 2,
                    x0,
                    y0,
                    x1,
                    y1,
                    page_number,
                    block_number,
                    lead,
                    italic_chars > total / 2,
                    italics,
                    marker,
                    abs(direction[1]) < 0.1 and direction[0] > 0,
                    soft_hyphen=raw.rstrip().endswith("\u00ad"),
                )
            )
    return lines


def _assign_columns(lines: list[Line], width: float) -> list[tuple[float, float]]:
    """Find the page's text columns from the gaps between narrow lines; set each line's `column`."""
    # Lines of running text decide; table cells and labels are too short to say where a column is. Ragged-right
    # text has fewer long lines: then shorter ones have to do.
    columns: list[tuple[float, float]] = []
    for shortest, spaces in ((0.3, 4), (0.12, 0)):
        narrow = [
            line
            for line in lines
            if line.upright and shortest * width < line.x1 - line.x0 < 0.55 * width and line.text.count(" ") >= spaces
        ]
        columns = _columns_of(narrow, width)
        if len(columns) > 1:
            break
    if len(columns) <= 1:
        for line in lines:
            line.column = 0
        return [(0.0, width)]
    for line in lines:
        line.column = -1
        for index, (a, b) in enumerate(columns):
            if line.x0 >= a - 3 and line.x1 <= b + 3:
                line.column = index
                break
        else:
            if line.x1 - line.x0 < 0.45 * width:  # a short line that pokes into the gutter: its nearest column
                middle = (line.x0 + line.x1) / 2
                line.column = min(range(len(columns)), key=lambda i: abs((columns[i][0] + columns[i][1]) / 2 - middle))
    return columns


def _columns_of(narrow: list[Line], width: float) -> list[tuple[float, float]]:
    """Column x ranges from the coverage of `narrow` lines: a gutter is a stretch of x (in 2-point cells) that
    hardly any line covers, with text on both sides; a stray line across it does not close it."""
    if len(narrow) < 8:
        return []
    left = min(line.x0 for line in narrow)
    right = max(line.x1 for line in narrow)
    cells = int((right - left) / 2) + 2
    change = [0] * (cells + 1)
    for line in narrow:
        change[int((line.x0 - left) / 2)] += 1
        change[min(cells, int((line.x1 - left) / 2) + 1)] -= 1
    allowed = max(2, len(narrow) // 8)
    gutters: list[float] = []
    covered = 0
    start = None
    for cell in range(cells):
        covered += change[cell]
        if covered <= allowed and start is None:
            start = cell
        elif covered > allowed and start is not None:
            if cell - start >= 3 and start > 0:
                gutters.append(left + (start + cell))
            start = None
    columns: list[tuple[float, float]] = []
    edges = [left, *gutters, right]
    for a, b in zip(edges, edges[1:], strict=False):
        inside = sum(1 for line in narrow if line.x0 >= a - 1 and line.x1 <= b + 1)
        if inside >= 4 and b - a > 0.15 * width:
            columns.append((a, b))
        elif columns:
            columns[-1] = (columns[-1][0], b)
    return columns


def mark_running(pages: list[Page]) -> None:
    """Mark running heads and footers (the same text, digits aside, in the top or bottom band of several
    pages) and page numbers (a lone number in a band that grows with the page)."""
    if len(pages) < 2:
        return
    keys: dict[str, set[int]] = {}
    candidates: list[tuple[Line, str]] = []
    numbers: list[tuple[Line, int]] = []
    for page in pages:
        top, bottom = RUNNING_BAND * page.height, (1 - RUNNING_BAND) * page.height
        for line in page.lines:
            if line.y1 > top and line.y0 < bottom:
                continue
            key = _DIGITS_RE.sub("#", line.text.casefold())
            keys.setdefault(key, set()).add(page.number)
            candidates.append((line, key))
            number = _PAGE_NUMBER_RE.match(line.text)
            if number:
                numbers.append((line, int(number.group(1)) - page.number))
    needed = max(2, int(0.3 * len(pages)))
    for line, key in candidates:
        if len(keys[key]) >= needed and any(char.isalpha() for char in key):
            line.running = True
    offsets = Counter(offset for _, offset in numbers)
    if offsets:
        offset, count = offsets.most_common(1)[0]
        if count >= 2:
            for line, value in numbers:
                if value == offset:
                    line.running = True


class Layout:
    """The laid-out pages of one open document; each page is laid out once, when first asked for."""

    def __init__(self, doc: Any, path: Path) -> None:
        self.doc = doc
        self.path = path
        self.page_count: int = doc.page_count
        self.metadata: dict[str, Any] = doc.metadata or {}
        self._flags = text_flags()
        self._pages: dict[int, Page] = {}
        # pages read as plain text only, (page, TextPage): laid out from the same TextPage later
        self._read_as_text: dict[int, tuple[Any, Any]] = {}

    def page(self, number: int) -> Page:
        """Page `number` (from 0), laid out on first use."""
        page = self._pages.get(number)
        if page is None:
            source, textpage = self._read_as_text.pop(number, None) or self._load(number)
            data = textpage.extractDICT(cb=source.cropbox)  # what get_text("dict") gives
            lines = page_lines(data, number)
            rect = source.rect
            page = Page(number, rect.width, rect.height, lines)
            page.columns = _assign_columns(lines, rect.width)
            self._pages[number] = page
        return page

    def lines(self, number: int) -> list[Line]:
        return self.page(number).lines

    def text(self, number: int) -> list[str]:
        """The text lines of page `number` for a reader that needs no layout (a paper's full text): those of the
        laid-out page when it is laid out, else read from MuPDF's plain text (far cheaper than a layout; a glyph
        soup without a text encoding may break into lines differently). The TextPage is kept for a later layout."""
        page = self._pages.get(number)
        if page is not None:
            return [line.text for line in page.lines]
        if number not in self._read_as_text:
            self._read_as_text[number] = self._load(number)
        _, textpage = self._read_as_text[number]
        text = normalise(textpage.extractText())  # clean() per line, normalised for the whole page at once
        return [" ".join(words) for words in map(str.split, text.split("\n")) if words]

    def _load(self, number: int) -> tuple[Any, Any]:
        """Page `number` loaded, and MuPDF's TextPage of it."""
        source = self.doc[number]
        return source, source.get_textpage(flags=self._flags)

    def page_numbers(self) -> list[int]:
        """The pages a whole-document reader lays out: all of them, or for a very long document the first
        few and the last TAIL_PAGES."""
        if self.page_count <= MAX_LAYOUT_PAGES:
            return list(range(self.page_count))
        return [*range(3), *range(self.page_count - TAIL_PAGES, self.page_count)]

    def pages(self, numbers: list[int] | None = None) -> list[Page]:
        """The laid-out pages `numbers` (default: page_numbers()), running heads and footers marked among them."""
        pages = [self.page(number) for number in (self.page_numbers() if numbers is None else numbers)]
        mark_running(pages)
        return pages

    def __iter__(self) -> Iterator[Page]:
        return iter(self.pages())


def open_pdf(path: Path) -> Any:
    """The opened document, or an IngestError saying why it cannot be read."""
    from litreview.ingest.mupdf import load_pymupdf

    pymupdf = load_pymupdf()

    try:
        size = path.stat().st_size
    except OSError as exc:
        return IngestError(str(path), f"cannot read file: {exc.strerror or exc}")
    if size == 0:
        return IngestError(str(path), "empty file (0 bytes)")
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError as exc:
        return IngestError(str(path), f"cannot read file: {exc.strerror or exc}")
    if b"%PDF" not in head:
        return IngestError(str(path), "not a PDF")
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as exc:  # noqa: BLE001 - any parser failure is a damaged file
        return IngestError(str(path), f"damaged PDF: {exc}")
    if doc.needs_pass:
        doc.close()
        return IngestError(str(path), "encrypted PDF: a password is needed")
    if doc.page_count == 0:
        doc.close()
        return IngestError(str(path), "damaged PDF: no pages")
    return doc
