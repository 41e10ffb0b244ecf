"""A paper's reference list from the layout model: find the section, split it into entries, parse each entry.

Finding: a heading ("References", "Bibliography", "Literature Cited", "Referências", ...) or, without one, a
numbered list at the end; the section runs across columns and pages (running heads skipped, lines of another
size that a figure or a side block puts between them skipped) and stops at the next heading (appendix,
supplementary material, acknowledgements, author biographies ...). Splitting: by the list's own numbering
([1], 1., superscripts) when it has one, else by hanging indent, else by vertical gaps. Parsing: general rules
over the common citation styles (Vancouver, APA/Harvard, IEEE, ACL/Chicago, ABNT, Nature); no per-journal case.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from litreview.core.identifiers import normalize_arxiv, normalize_doi
from litreview.core.reference import Reference
from litreview.ingest.pdf.layout import RUNNING_BAND, Layout, Line, Page

_MARGIN = RUNNING_BAND + 0.025  # rows this close to the top or bottom may be running heads not yet seen repeated

_UPPER = "A-Z" + "".join(chr(c) for c in range(0xC0, 0x250) if chr(c).isupper()) + "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ"
_LOWER = "a-z" + "".join(chr(c) for c in range(0xC0, 0x250) if chr(c).islower())
_LETTER = _UPPER + _LOWER
_UP = f"[{_UPPER}]"

HEADING_RE = re.compile(
    r"^(?:(?:\d{1,2}|[IVXL]{1,5})\.?\s*)?(?:references?(?:\s+(?:and|&)\s+notes)?|notes\s+(?:and|&)\s+references"
    r"|reference\s+list|bibliography"
    r"|bibliographie|literature\s+cited|works\s+cited|cited\s+literature|literature|literatur(?:verzeichnis)?"
    r"|refer[êe]ncias(?:\s+bibliogr[áa]ficas)?|referencias(?:\s+bibliogr[áa]ficas)?|r[ée]f[ée]rences"
    r"|riferimenti(?:\s+bibliografici)?|bibliografia|литература|参考文献)\s*:?$",
    re.IGNORECASE,
)
_STOP_RE = re.compile(
    r"^(?:(?:\d{1,2}|[A-Z]|[IVX]{1,4})\.?\s+)?(?:appendi(?:x|ces)|supplementa(?:ry|l)|supporting\s+information"
    r"|acknowledge?ments?|author(?:s'?|'s)?\s+(?:contributions?|biograph|information|details)|biograph"
    r"|about\s+the\s+authors?|additional\s+(?:files?|information)|figures?(?:\s+legends?|\s+captions?)?$|tables?$"
    r"|figure\s+s?\d|table\s+s?\d|abbreviations|competing\s+interests|conflicts?\s+of\s+interest|funding|footnotes"
    r"|publisher'?s\s+note|ethics|data\s+availability|availability|declarations?|notes?$|endnotes|glossary|index$"
    r"|anexo|ap[êe]ndice)",
    re.IGNORECASE,
)
_BIOGRAPHY_RE = re.compile(
    rf"^{_UP}[\w.\-’']+(?:\s+{_UP}[\w.\-’']*){{0,3}}\s+(?:\([SMF]'\d\d|\(Student|\(Member|\(Fellow"
    r"|received\s+(?:the|his|her)\s|is\s+(?:currently\s+)?(?:a|an|the|with)\s|was\s+born|joined\s)"
)
_YEAR = r"(?:1[89]\d\d|20[0-4]\d)"  # page numbers in the 1600s and 1700s are far commoner than such years
# Not a page of a range ("1750–1752"), a decimal or a part of an identifier.
_YEAR_RE = re.compile(rf"(?=[12])(?<![\d/:\-–])(?<!\d\.)({_YEAR})[a-z]?(?![\d])(?!\s*[-–—]\s*\d)")
_DOI_RE = re.compile(r"10\.\d{4,9}/\S+", re.IGNORECASE)
_DOI_LABEL_RE = re.compile(
    r"(?:https?://)?(?:dx\.)?doi\.org/|\bdoi\s*[:.]?\s*(?=10\.)|\bDOI\s*[:.]?\s*(?=10\.)", re.IGNORECASE
)
_URL_RE = re.compile(r"(?=[hw])(?:https?://|www\.)\S+", re.IGNORECASE)
_PMID_RE = re.compile(r"(?=p)\bPMID\s*:?\s*(\d{5,9})\b", re.IGNORECASE)
_PMCID_RE = re.compile(r"(?=p)(?:\bPMCID\s*:?\s*PMC\d+\b|\bPMC\d{5,9}\b)", re.IGNORECASE)
_ARXIV_RE = re.compile(
    r"(?=a)(?:arxiv(?:\s+preprint)?\s*(?:arxiv)?\s*:?\s*|arxiv\.org/(?:abs|pdf)/|\babs/)(\d{4}\.\d{4,5}(?:v\d+)?"
    r"|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})",
    re.IGNORECASE,
)
_LINK_LABELS_RE = re.compile(
    r"\[(?:cross\s*ref|pubmed|google\s+scholar|pmc\s+free\s+article|green\s+version|medline|web\s+of\s+science"
    r"|scopus|ref\s+list|full\s+text|abstract|free\s+full\s+text|article)\]",
    re.IGNORECASE,
)
_TRAILING_NOISE_RE = re.compile(
    r"\s*(?:\[(?:cited|accessed)\b.*|\(?(?:last\s+)?(?:accessed|retrieved|viewed)\s*(?:on\s*)?:?\s*\d.*"
    r"|\(?(?:accessed|retrieved)\s+(?:on\s+)?(?:[A-Z][a-z]+|\d).*|available\s+(?:online\s*)?(?:from|at)?\s*:?\s*$"
    r"|available\s+(?:online\s+)?(?:from|at)\s*:.*)$",
    re.IGNORECASE,
)
_TRAILING_NOISE_WORDS = ("cited", "accessed", "retrieved", "viewed", "available")  # one starts every noise
_KEY_LABEL_RE = re.compile(r"^\[[A-Za-z][A-Za-z+.\-]*\s?(?:\d{2}|\d{4})[a-z]?\]")  # [Arn94], [JLR16], [Smith2004]
# Any key an entry opens with, once it is known to be an entry: also [Mac], [Lei1], [Arons, 1997]; not a
# translated title in brackets ("[Treatment of acute otitis media]. Lakartidningen. 2000")
_ENTRY_KEY_RE = re.compile(r"^\[(?:[A-Za-z][\w+.\-]{0,15}|[^\[\]\d][^\[\]]{0,39}?,\s*(?:\d{4}[a-z]?|n\.\s?d\.))\]\s*")
_NUMBERED = {
    "bracket": re.compile(r"^\[(\d{1,4})\]\s*"),
    "dot": re.compile(r"^(\d{1,4})\.\s*(?=\D)"),
    "paren": re.compile(r"^\((\d{1,4})\)\s*"),
    "plain": re.compile(rf"^(\d{{1,4}})\s+(?=[{_UPPER}“\"'(\[])"),
}
_PARTICLES = frozenset(
    "van von de da das do dos der den del della di du la le el al bin ibn ter ten y e st st. mc des dal degli".split()
)
# The standard abbreviations of the botanists who named species most often, as a species' authority in a title
# ("Ocimum sanctum Linn. (Tulsi)", "Echinophora platyloba DC. during ...", "Alstonia scholaris (Linn.) R. Br. against")
_AUTHORITIES = frozenset(
    "l linn dc br benth roxb willd lam miq thunb jacq sm pers kunth engl aubl merr miers blume nees "
    "vahl gaertn lindl burm retz spreng desf sw ait forssk moench poir wight arn".split()
)
_ABBREVIATION_END = _AUTHORITIES | frozenset(
    "sp spp var vs cf e.g i.e al fig figs no subsp ssp st dr mr mrs ms jr sr prof inc ltd co corp ed eds "
    "approx ca cv f syn".split()
)


# ---------------------------------------------------------------------------------------------------- rows


@dataclass(eq=False)
class _Row:
    """The lines of one text row of one column (a justified row may come as one line per word)."""

    lines: list[Line]
    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    size: float
    page: int
    column: int
    marker: str
    italics: tuple[str, ...]
    bold: bool
    margin: bool = False  # in the band of the page where running heads and footers live

    @classmethod
    def of(cls, lines: list[Line]) -> _Row:
        if len(lines) == 1:  # most rows are one line
            line = lines[0]
            return cls(lines, line.text, line.x0, line.x1, line.y0, line.y1, line.size, line.page, line.column,
                       line.marker, line.italics, line.bold)
        lines = sorted(lines, key=lambda line: line.x0)  # a number set a hair lower than its text still leads
        first = lines[0]
        sizes = Counter()
        for line in lines:
            sizes[line.size] += len(line.text)
        return cls(
            lines,
            " ".join(line.text for line in lines),
            min(line.x0 for line in lines),
            max(line.x1 for line in lines),
            first.y0,
            max(line.y1 for line in lines),
            sizes.most_common(1)[0][0],
            first.page,
            first.column,
            first.marker,
            tuple(text for line in lines for text in line.italics),
            all(line.bold for line in lines),
        )


def _rows(pages: list[Page]) -> list[_Row]:
    """Every row of `pages` in reading order; running heads, footers and rotated text left out."""
    rows: list[_Row] = []
    for page in pages:
        top, bottom = _MARGIN * page.height, (1 - _MARGIN) * page.height
        page_rows: list[_Row] = []
        current: list[Line] = []
        for line in page.reading_order():
            if line.running:
                continue
            if current:
                last = current[-1]
                if line.column == last.column and abs(line.y0 - last.y0) < 0.4 * max(line.size, last.size):
                    current.append(line)
                    continue
                page_rows.append(_Row.of(current))
            current = [line]
        if current:
            page_rows.append(_Row.of(current))
        for index, row in enumerate(page_rows):
            row.margin = row.y1 < top or row.y0 > bottom
            above = page_rows[index - 1] if index else None
            if above is not None and above.margin and above.y1 < top:
                # a running head's second line: "Paper Plain: Making Medical Research Papers ..." / "Processing 31"
                row.margin = row.margin or (abs(above.size - row.size) < 0.5 and _line_below(above, row, row.size))
        rows.extend(page_rows)
    return rows


def _body_size(rows: list[_Row]) -> float:
    sizes: Counter[float] = Counter()
    for row in rows:
        sizes[round(row.size)] += len(row.text)
    return float(sizes.most_common(1)[0][0]) if sizes else 10.0


def _size_of(rows: list[_Row]) -> float:
    sizes: Counter[float] = Counter()
    for row in rows:
        sizes[round(row.size * 2) / 2] += len(row.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _heading_like(row: _Row, body: float) -> bool:
    words = row.text.split()
    if not words or len(words) > 8:
        return False
    if row.size >= body + 0.8 or row.bold:
        return True
    letters = [char for char in row.text if char.isalpha()]
    return bool(letters) and all(char.isupper() for char in letters) and len(letters) > 3  # shouting


# ---------------------------------------------------------------------------------------------------- section


def _sections(rows: list[_Row], *, unlabelled_from: float | None = 0.5) -> list[list[_Row]]:
    """The rows of each reference section (usually one; a thesis may have one per chapter); when no heading is
    found, a numbered list that starts after the `unlabelled_from` share of the rows (None: none looked for)."""
    body = _body_size(rows)
    starts = [
        i
        for i, row in enumerate(rows)
        if HEADING_RE.match(row.text.strip())
        and not (i and _continues(rows[i - 1], row))
        and (
            _heading_like(row, body)  # or a heading in body type (or smaller) over a list of references
            or _year_share(rows[i + 1 : i + 11]) >= 0.5
            or _numbered_from_one(rows[i + 1 : i + 16])
        )
    ]
    sections = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(rows)
        section = _section_rows(rows, start, end, body)
        if section:
            sections.append(section)
    if len(sections) > 1:  # "References" also heads table columns: keep the sections that read as lists
        sections = [section for section in sections if _year_share(section) >= 0.3] or sections[-1:]
    if not sections and unlabelled_from is not None:
        start = _unlabelled_list(rows, unlabelled_from)
        if start is not None:
            section = _section_rows(rows, start - 1, len(rows), body, headed=False)
            if section:
                sections.append(section)
    return sections


def _small_capitals(text: str) -> bool:
    """Whether most of `text`'s letters are capitals, as names set in small capitals are (a smaller type)."""
    letters = [char for char in text if char.isalpha()]
    return len(letters) >= 8 and sum(map(str.isupper, letters)) >= 0.7 * len(letters)


def _line_below(upper: _Row, lower: _Row, size: float) -> bool:
    """Whether `lower` is the row one line's spacing (in type of `size`) under `upper`, in the same column."""
    return (upper.page, upper.column) == (lower.page, lower.column) and 0 < lower.y0 - upper.y0 < 1.6 * size


def _continues(upper: _Row, row: _Row) -> bool:
    """Whether `row` goes on with the sentence of the row right above it, in its type: the last line of a title
    ("... a systematic review of the" / "literature"), no heading."""
    return (
        abs(upper.size - row.size) < 0.5
        and _line_below(upper, row, row.size)
        and upper.text[-1:].isalpha()
        and upper.text[-1:].islower()
    )


def _numbered_from_one(rows: list[_Row]) -> bool:
    """Whether `rows` open with entries numbered 1, 2 and 3 (an entry may take several rows)."""
    for style, pattern in _NUMBERED.items():
        if style == "plain" or not (match := pattern.match(rows[0].text if rows else "")) or match.group(1) != "1":
            continue
        expected = 2
        for row in rows[1:]:
            following = pattern.match(row.text)
            if following and int(following.group(1)) == expected:
                expected += 1
        return expected > 3
    return False


def _year_share(rows: list[_Row]) -> float:
    return sum(1 for row in rows if _YEAR_RE.search(row.text)) / max(1, len(rows))


def _unlabelled_list(rows: list[_Row], share: float) -> int | None:
    """Where a numbered list without a heading starts after the `share` of `rows`, if there is one."""
    tail = max(0, int(len(rows) * share))
    for style, pattern in _NUMBERED.items():
        if style == "plain":
            continue
        for index in range(len(rows) - 1, tail - 1, -1):
            match = pattern.match(rows[index].text)
            if not match or match.group(1) != "1":
                continue
            expected, found = 2, 1
            for row in rows[index + 1 : index + 400]:
                following = pattern.match(row.text)
                if following and int(following.group(1)) == expected:
                    expected += 1
                    found += 1
            if found >= 5:
                with_year = sum(1 for row in rows[index : index + 40] if _YEAR_RE.search(row.text))
                if with_year >= 3:
                    return index
    return None


def _section_rows(rows: list[_Row], start: int, end: int, body: float, *, headed: bool = True) -> list[_Row]:
    """The content rows after the heading at `start`, up to the first stop."""
    heading = rows[start] if headed else None
    first = start + 1
    # The reference rows' size, from the rows right under the heading (a column beside may hold body text).
    candidates = [row for row in rows[first : min(end, first + 25)] if len(row.text) > 3][:8]
    if not candidates:
        return []
    size = _size_of(candidates)
    content: list[_Row] = []
    suspended: _Row | None = None  # a box or heading of another kind interrupted the list here
    for index in range(first, end):
        row = rows[index]
        if suspended is not None:
            # The list may go on in the next column or page (a journal's advert box closed this column).
            moved = (row.page, row.column) != (suspended.page, suspended.column)
            if not (moved and abs(row.size - size) <= 0.6 and _starts_entry(row)):
                if _STOP_RE.match(row.text.strip()) and _heading_like(row, size):
                    break
                continue
            suspended = None
        if heading is not None and row.page == heading.page and row.column > heading.column >= 0:
            # Beside the heading, above it: the block that a lower band of references sits under.
            if row.y0 < heading.y0 - 2 and abs(row.size - size) > 0.6:
                continue
        text = row.text.strip()
        if not any(char.isalnum() for char in text):
            continue  # a rule or an ornament ("********"): no heading, whatever its size
        if row.margin and not _looks_like_reference_row(row) and len(text.split()) <= 12:
            if abs(row.size - size) >= 0.5 or row.bold or (
                all(line.italic for line in row.lines) and not _runs_on(rows, index, size)
            ):
                continue  # a running head the pages read so far could not show as running
        if abs(row.size - size) > 1.2 and not (content and row.size > size + 1.2 and _heading_like(row, body)):
            if not (row.size < size and _small_capitals(text)):  # authors set in small capitals: "[29] RATNASAMY, S."
                continue  # a caption, a table or a footnote of another size between reference rows
        if content and _heading_like(row, size) and not _looks_like_reference_row(row):
            short = len(text.split()) <= 4 and not text.endswith(("-", ",", ";"))
            if _STOP_RE.match(text) or _LETTERED_HEADING_RE.match(text) and row.size > size + 0.8:
                break  # "Acknowledgements", an appendix's "A. Partitioned vs. unpartitioned algorithms"
            if row.size > size + 0.8 or row.bold and short:
                suspended = row
                continue
        if _STOP_RE.match(text) and (row.bold or row.size > size + 0.8 or len(text.split()) <= 3):
            if content:
                break
            continue
        if content and (_BIOGRAPHY_RE.match(text) or row.lines[0].lead and _STOP_RE.match(row.lines[0].lead)):
            break  # an author's biography, or "Conflict of Interest Statement: ..." run in
        content.append(row)
    return content


_LETTERED_HEADING_RE = re.compile(rf"^[A-Z]\.(?:\d{{1,2}}\.?)?\s+{_UP}[{_LOWER}]")  # "A. Proofs", "B.1 Data"


def _starts_entry(row: _Row) -> bool:
    """Whether the row can open a reference: numbered, or an author's name and a year."""
    if any(pattern.match(row.text) for pattern in _NUMBERED.values()) or _KEY_LABEL_RE.match(row.text):
        return True
    return bool(_starts_like_entry(row) and _YEAR_RE.search(row.text))


def _runs_on(rows: list[_Row], index: int, size: float) -> bool:
    """Whether the row at `index` is one line's spacing from a row of the list's type `size` in its column, as an
    entry's line in italics is ("flavone C-glycosides from *Trollius ledebouri,” Chemical and*"); a running head
    or foot in italics stands apart."""
    row = rows[index]
    neighbours = [(rows[index - 1], row)] if index > 0 else []
    if index + 1 < len(rows):
        neighbours.append((row, rows[index + 1]))
    return any(
        _line_below(upper, lower, size) and abs((upper if lower is row else lower).size - size) < 0.5
        for upper, lower in neighbours
    )


def _looks_like_reference_row(row: _Row) -> bool:
    return bool(_YEAR_RE.search(row.text) or any(p.match(row.text) for p in _NUMBERED.values()) or row.marker)


# ---------------------------------------------------------------------------------------------------- splitting


def _split(rows: list[_Row]) -> list[list[_Row]]:
    """The section's rows grouped into one list per reference."""
    labelled = [bool(_KEY_LABEL_RE.match(row.text)) for row in rows]
    if sum(labelled) >= max(3, 0.15 * len(rows)):
        return _grouped(rows, labelled)
    numbered = _split_numbered(rows)
    if numbered is not None:
        return numbered
    hanging = _split_hanging(rows)
    options = [hanging, _split_gaps(rows)]
    if len(hanging) == len(rows):  # not one row indented: entries may follow each other with nothing between
        options.append(_split_entry_starts(rows))
    return max(options, key=_split_score)


def _grouped(rows: list[_Row], opens: Iterable[bool]) -> list[list[_Row]]:
    """`rows` in order in groups, a new one at the first row and at each row whose `opens` flag is set."""
    groups: list[list[_Row]] = []
    for row, new in zip(rows, opens, strict=True):
        if new or not groups:
            groups.append([row])
        else:
            groups[-1].append(row)
    return groups


def _row_number(row: _Row, style: str) -> int | None:
    if style == "super":
        return int(row.marker) if row.marker.isdigit() else None
    match = _NUMBERED[style].match(row.text)
    return int(match.group(1)) if match else None


def _split_numbered(rows: list[_Row]) -> list[list[_Row]] | None:
    best_style, best_hits = None, 0
    for style in ("bracket", "dot", "paren", "super", "plain"):
        expected, hits = None, 0
        for row in rows:
            number = _row_number(row, style)
            if number is None:
                continue
            if expected is None or number in (expected, expected + 1):
                hits += 1
                expected = number + 1
        if hits > best_hits:
            best_style, best_hits = style, hits
    if best_style is None or best_hits < max(3, 0.2 * len(rows) / 3):
        return None
    groups: list[list[_Row]] = []
    expected = None
    for row in rows:
        number = _row_number(row, best_style)
        if number is not None and (expected is None or expected <= number <= expected + 1):
            groups.append([row])
            expected = number + 1
        elif groups:
            groups[-1].append(row)
    return [work for group in groups for work in _works(_without_runaway_tail(group, groups))]


def _works(group: list[_Row]) -> list[list[_Row]]:
    """One numbered entry's rows, a list for each work it lists (most list one)."""
    return _grouped(group, [
        previous is not None and previous.text.rstrip()[-1:] in _WORK_END_CHARS
        and _WORK_START_RE.match(_mend_accents(row.text)) is not None
        for previous, row in zip([None, *group], group, strict=False)
    ])


_PROSE_SENTENCE_END_RE = re.compile(rf"[{_LOWER}]{{3}}\.\s+{_UP}[{_LOWER}]")  # "... in this appendix. However"


def _without_runaway_tail(group: list[_Row], groups: list[list[_Row]]) -> list[_Row]:
    """A numbered entry without the rows that follow it into another column or page when they are far more than
    an entry has and read as prose: the text after the list (an appendix's body), not the entry's last lines (a
    consortium's hundred names)."""
    for index in range(1, len(group)):
        if (group[index].page, group[index].column) != (group[0].page, group[0].column):
            typical = sorted(map(len, groups))[len(groups) // 2]
            tail = " ".join(row.text for row in group[index:])
            if len(group) - index > max(6, 3 * typical) and len(_PROSE_SENTENCE_END_RE.findall(tail)) >= 8:
                return group[:index]
            break
    return group


def _left_edges(rows: list[_Row]) -> dict[tuple[int, int], float]:
    edges: dict[tuple[int, int], float] = {}
    for row in rows:
        key = (row.page, row.column)
        edges[key] = min(edges.get(key, row.x0), row.x0)
    return edges


def _split_hanging(rows: list[_Row]) -> list[list[_Row]]:
    """Author-year lists: a reference starts flush left, its continuation rows are indented (or the reverse)."""
    edges = _left_edges(rows)
    flush = [row.x0 <= edges[(row.page, row.column)] + 0.6 * row.size for row in rows]
    indented = sum(1 for value in flush if not value)
    if indented == 0:
        return [[row] for row in rows]
    # The rarer kind of row starts an entry: hanging indents make continuation rows indented, first-line
    # indents make the first rows indented.
    starts_flush = flush.count(True) <= indented * 1.5 or _first_line_indent_unlikely(rows, flush)
    return _grouped(rows, [is_flush == starts_flush for is_flush in flush])


_AUTHORLIKE_RE = re.compile(rf"^{_UP}[\w'’\-]+,?\s+{_UP}")


def _first_line_indent_unlikely(rows: list[_Row], flush: list[bool]) -> bool:
    starts = [row for row, value in zip(rows, flush, strict=True) if value]
    authorlike = sum(1 for row in starts if _AUTHORLIKE_RE.match(row.text))
    return authorlike >= 0.6 * len(starts)


def _split_gaps(rows: list[_Row]) -> list[list[_Row]]:
    """No numbers, no indents: entries are separated by more space than the lines of one entry."""
    gaps = [
        current.y0 - previous.y1
        for previous, current in zip(rows, rows[1:], strict=False)
        if current.page == previous.page and current.column == previous.column and current.y0 > previous.y0
    ]
    if not gaps:
        return [[row] for row in rows]
    gaps.sort()
    typical, wide = gaps[len(gaps) // 4], gaps[int(len(gaps) * 0.9)]
    size = rows[0].size
    # Two kinds of gap (inside an entry, between entries): split half-way; one kind: no gap splits.
    threshold = (typical + wide) / 2 if wide - typical > 0.12 * size else float("inf")
    return _grouped(rows, [
        previous is None
        or (row.page, row.column) != (previous.page, previous.column) and _starts_like_entry(row)
        or row.y0 - previous.y1 > threshold
        for previous, row in zip([None, *rows], rows, strict=False)
    ])


def _split_entry_starts(rows: list[_Row]) -> list[list[_Row]]:
    """No numbers, indents or gaps: an entry starts with an author's name where the row before ended one (with
    its pages, year or full stop): "... J. Chem. Inf. Model 49, 658–669" / "Anthony, C. S., Corradi, H. R., ..."."""
    ends = [row.text.rstrip() for row in rows]
    return _grouped(rows, [
        previous[-1:] in _ENTRY_END_CHARS and not _YEAR_IN_PARENTHESES_END_RE.search(previous)  # not "(2010)"
        and _starts_like_entry(row)
        for previous, row in zip(["", *ends], rows, strict=False)
    ])


_ENTRY_END_CHARS = frozenset("0123456789.)")
_WORK_END_CHARS = _ENTRY_END_CHARS | {"]"}  # "... 565 [SPIRES]"
_YEAR_IN_PARENTHESES_END_RE = re.compile(rf"\({_YEAR}[a-z]?\)$")  # the author-year list's year: the title follows
_ENTRY_START_RE = re.compile(rf"^{_UP}[\w'’\-]+(?:,|\s+{_UP}\.?\s?{_UP}?\.?[,\s])")


def _starts_like_entry(row: _Row) -> bool:
    return bool(_ENTRY_START_RE.match(row.text))


_UPPER_SET = frozenset(chr(c) for c in range(0x250) if chr(c).isupper()) | frozenset("ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ")


def _split_score(groups: list[list[_Row]]) -> float:
    if not groups:
        return 0.0
    good = 0.0
    for group in groups:
        text = " ".join(row.text for row in group)
        good += bool(_YEAR_RE.search(text)) + (text[:1] in _UPPER_SET) + (len(group) <= 8)
        good -= 0.5 * (len(text) < 30)
    return good / len(groups) + 0.001 * len(groups)


# ---------------------------------------------------------------------------------------------------- joining


_ZERO_WIDTH_RE = re.compile("[\u200b-\u200d\u2060\ufeff]")  # publishers put them inside URLs and DOIs
_COMBINING_RE = re.compile("[\u0300-\u036f]")
_LOOSE_ACCENT_RE = re.compile(r" ?([\u0300-\u0326\u0329-\u036f])([^\W\d_])")
_STRANDED_ACCENT_RE = re.compile(r"([^\W\d_]) ?([\u0300-\u0326\u0329-\u036f])(?![^\W\d_])")  # no letter after it
_LOOSE_CEDILLA_RE = re.compile(r"([^\W\d_]) ?([\u0327\u0328])")
_LEADING_CEDILLA_RE = re.compile(r"(?<![^\W\d_])([\u0327\u0328])([^\W\d_])")  # " ̧Sahin": the mark before its letter
# Accents that stay spacing glyphs after NFKC, before the letter they belong on: caron, circumflex, a grave
# between letters ("Ant`onia"); and a dotless i under a mark
_COMBINING_OF = {"ˇ": "\u030c", "ˆ": "\u0302", "`": "\u0300"}
_SPACING_ACCENT_RE = re.compile(r"([ˇˆ]|(?<=[^\W\d_])`(?=[aeiou]))([^\W\d_])")
_MARKED_DOTLESS_I_RE = re.compile("\u0131([\u0300-\u0315])")


# Row ends and starts that say how two rows of one entry join.
_BROKEN_WORD_RE = re.compile(rf"[{_LETTER}]{{2}}[-\u2010\u00ad]$")
_BROKEN_NAME_RE = re.compile(rf"[{_LETTER}][-\u2010]$")
_CAPITALISED_RE = re.compile(rf"^{_UP}[{_LOWER}]{{2,}}")


def _mend_accents(text: str) -> str:
    """TeX sets accents as glyphs of their own ("Dahlstr ̈om", "G ̈ulc ̧in", "Hajiˇc", "D ́ıaz"): put them on their
    letters."""
    if "ˇ" in text or "ˆ" in text or "`" in text:  # kept as they are where no accented letter exists ("ˆT")
        text = _SPACING_ACCENT_RE.sub(
            lambda m: accented if len(accented := _accented(m.group(2), _COMBINING_OF[m.group(1)])) == 1
            else m.group(0), text)
    if not _COMBINING_RE.search(text):
        return text
    # TeX's \'{\i}: a dotless i under its mark ("ı́") is an i with it, the mark before or after it
    text = _MARKED_DOTLESS_I_RE.sub(lambda m: _accented("i", m.group(1)), text.replace("\u0131 \u0301", "\u0131\u0301"))
    text = _LOOSE_ACCENT_RE.sub(lambda m: _accented(m.group(2), m.group(1)), text)
    text = _STRANDED_ACCENT_RE.sub(lambda m: _accented(m.group(1), m.group(2)), text)  # "L’Abbe ́ KA"
    text = _LOOSE_CEDILLA_RE.sub(lambda m: m.group(1) + m.group(2), text)
    text = _LEADING_CEDILLA_RE.sub(lambda m: m.group(2) + m.group(1), text)  # what no letter stood before
    return unicodedata.normalize("NFC", text)


def _accented(letter: str, mark: str) -> str:
    """`letter` with the combining `mark` on it, composed (a dotless i takes it as an i)."""
    return unicodedata.normalize("NFC", ("i" if letter == "\u0131" else letter) + mark)


def _join(rows: list[_Row]) -> str:
    """One entry's rows as one string: hyphenated words rejoined, identifiers broken over rows mended."""
    out = ""
    previous_soft = False
    for row in rows:
        text = _ZERO_WIDTH_RE.sub("", row.text).strip()
        if not out:
            out = text
            previous_soft = row.lines[-1].soft_hyphen
            continue
        last_token = out.rsplit(" ", 1)[-1]
        first_token = text.split(" ", 1)[0]
        if _continues_identifier(last_token, first_token) or previous_soft:
            out += text
        elif text[:1].islower() and _BROKEN_WORD_RE.search(out, len(out) - 3):  # the end only, not all of `out`
            out = out[:-1] + text
        elif out.endswith(("-", "/", "\u2010")) and re.match(r"\d", text):
            out += text  # page ranges and URLs broken after the dash or slash
        elif text[:1].isupper() and _BROKEN_NAME_RE.search(out, len(out) - 2):
            out += text  # a double-barrelled name broken after its hyphen: "González-" "Peñas"
        else:
            out += " " + text
        previous_soft = row.lines[-1].soft_hyphen
    return out


def _continues_identifier(last: str, first: str) -> bool:
    if not (_DOI_RE.search(last) or _URL_RE.match(last)):
        return False
    if not re.fullmatch(r"[\w.()/;:<>\-#%?=&~]+", first) or _CAPITALISED_RE.match(first):
        return False
    return not re.match(r"(?i)(?:pmid|pmcid|arxiv|accessed|available|and|in)\b", first)


# ---------------------------------------------------------------------------------------------------- parsing


@dataclass
class _Parse:
    text: str
    authors: list[str] = field(default_factory=list)


_INITIALS = rf"{_UP}\.?(?:\s?-?\s?{_UP}\.?){{0,3}}"
_HYPHENS = "\\-\u2010\u2011\u2013"  # a double-barrelled name's hyphen, as publishers set it ("Nassiri‐Asl")
_SURNAME_WORD = rf"(?:{_UP}[{_LETTER}'’`{_HYPHENS}]*[{_LETTER}]|{_UP}['’]{_UP}[{_LETTER}'’{_HYPHENS}]+)"
# "de" and "De" ("De Kok", "Da Silva"); a capital "E" or "Y" is an initial, not a particle
_PARTICLE = rf"(?:(?i:{'|'.join(sorted((re.escape(p) for p in _PARTICLES if len(p) > 1), key=len, reverse=True))})|e|y)"
_SURNAME = rf"(?:{_PARTICLE}\s+)*{_SURNAME_WORD}"
# A work that opens a row of a numbered entry after a row that ended one, as the Institute of Physics' journals list
# several works under one number: "[6] Dąbrowski M P and Hendry M A, 1998 Astrophys. J. 498 67 [SPIRES]" / "Célérier
# M N, 2000 Astron. Astrophys. 353 63" / "Iguchi H, Nakamura T and Nakao K, 2002 Prog. Theor. Phys. 108 809"
_IOP_NAME = rf"{_SURNAME}(?:\s+{_UP}(?:[a-z]|-{_UP}|-[a-z])?){{1,4}}"  # "Ellis G F R", "Khosravi Sh", "Yoo C-M"
_WORK_START_RE = re.compile(rf"^{_IOP_NAME}(?:(?:,|\s+and)\s+{_IOP_NAME})*(?:\s+et\s+al)?,\s+{_YEAR}[a-z]?\b")
# A given name: "Michael", and the East Asian "Shin'ichi", "Wen-tau", "Te-yuan", whose syllable after a hyphen ends
# in a vowel or n, as no English compound that opens a title does ("Multi-task", "Few-shot", "Real-time"; "Built-in")
_GIVEN_WORD = (rf"{_UP}[{_LOWER}]+(?:['’][a-z]{{2,4}}\b"
               rf"|-(?!(?:in|on|an|to|go|no|so|do|run)\b)[a-z]{{1,3}}(?:[aiou]|ng|n)\b)?")
_NAME_PATTERNS = [
    # Vancouver and MEDLINE: "Di Sciascio G", "Li JW-H", "Thorne R. F."
    re.compile(rf"^(?P<sur>{_SURNAME}(?:[\s-]{_SURNAME})*)\s+(?P<given>{_UP}{{1,3}}(?:-{_UP}{{1,2}})?|{_INITIALS})$"),
    # Inverted: "Bernhoft, A.", "Smith, John A.", "SILVA, J. A."
    re.compile(
        rf"^(?P<sur>{_SURNAME}(?:[\s-]{_SURNAME})*),\s*(?P<given>{_GIVEN_WORD}(?:[\s-]+{_UP}[{_LOWER}]+){{0,2}}"
        rf"(?:\s+{_INITIALS})?|{_INITIALS})$"
    ),
    # Given names first: "E. Braunwald", "Michael Collins", "J.-P. Sartre", "Mary Ann van der Berg"
    re.compile(
        rf"^(?P<given>(?:(?!{_PARTICLE}\s)(?:{_GIVEN_WORD}|{_UP}\.|{_UP})(?:-(?:{_UP}[{_LOWER}]+|{_UP}\.|{_UP}))*"
        rf"\s*(?<=[\s.])){{1,5}})"
        rf"(?P<sur>{_SURNAME}(?:[\s-]{_SURNAME}){{0,2}})$"
    ),
]
_INITIALS_ONLY_RE = re.compile(rf"^(?:{_INITIALS}|{_UP}{{1,3}})$")
_ET_AL_RE = re.compile(r"(?=[eua])(?:\bet\.?\s*al\b\.?|\bu\.\s*a\.|\band\s+others\b)", re.IGNORECASE)


_INCOMPLETE = "incomplete"
_CONJUNCTION = r"\s+(?:and|AND|&|und|e|y)\s+|\s*&\s*"
_CONJUNCTION_WORD_RE = re.compile(r"&| (?:and|AND|und|e|y) ")  # _CONJUNCTION's words in text with single spaces
_SEMICOLON_SEPARATORS = re.compile(rf"(?=[\s;,&])(?:\s*;\s*|\s*,?{_CONJUNCTION})")
_COMMA_SEPARATORS = re.compile(rf"(?=[\s,&])(?:\s*,\s*|{_CONJUNCTION})")
_LEADING_AND_RE = re.compile(r"^(?:and|AND|&)\s+")
_ORGANISATION_RE = re.compile(
    r"\b(?:association|organi[sz]ation|society|group|commission|institute|committee|council|agency|department"
    r"|ministry|cent(?:er|re)|university|foundation|board|panel|network|consortium|programme|program|office"
    r"|authority|federation|academy|bureau|administration|sociedade|sociedad|minist[ée]rio|instituto|secretar(?:ia|iat)"
    r"|centers|centres|organizaci[oó]n|organiza[cç][aã]o|secretar[ií]a|consejo|conselho|federaci[oó]n|federa[cç][aã]o"
    r"|comisi[oó]n|comiss[aã]o|union|inc|ltd|corporation|company)\b",
    re.IGNORECASE,
)
_SUFFIXES = ("Jr", "Sr", "Jnr", "II", "III", "IV", "Filho", "Neto")  # a cheap test: a suffix may end the name
_SUFFIX_RE = re.compile(r"(?:^|[\s,]+)(?:Jr|Sr|Jnr|II|III|IV|Filho|Neto)\b\.?$")  # not "Cechinel-Filho"


# What a piece of an author list may be: surnames alone, a particle, one word, an initial at its end.
_SURNAMES_RE = re.compile(rf"{_SURNAME}(?:[\s-]{_SURNAME})*")
_ONE_SURNAME_RE = re.compile(_SURNAME)
_SPACED_SURNAMES_RE = re.compile(rf"{_SURNAME}(?:\s{_SURNAME})*")


_PARTICLE_ONLY_RE = re.compile(rf"{_PARTICLE}\.?")
_ONE_WORD_NAME_RE = re.compile(rf"{_UP}[{_LOWER}]+")
_TRAILING_INITIAL_RE = re.compile(rf"(?:^|\s){_UP}\.?$")
# Given names written out, as an inverted name has them after its comma: "Alvin E.", "Mary Ann", "Jean-Pierre"
_GIVEN_NAMES_RE = re.compile(rf"{_GIVEN_WORD}(?:[\s-]+{_UP}[{_LOWER}]+){{0,2}}(?:\s+{_INITIALS}|\.)?")


def _split_names(text: str, styles_out: list[int] | None = None) -> list[str] | str | None:
    """The names of an author list; _INCOMPLETE when `text` stops inside a name (a surname waiting for its
    initials, an initial waiting for its surname); None when it is no author list. `text` is a prefix of what
    _identifiers leaves: single spaces between words, maybe one at its end. A list read puts the index of the
    name pattern that read each name in `styles_out`."""
    text = text.strip().strip(",;:").strip()
    etal_match = _ET_AL_RE.search(text)
    etal = etal_match is not None
    if etal_match is not None:
        if text[etal_match.end() :].strip(" .,;:"):
            return None  # "et al." ends an author list
        text = text[: etal_match.start()]
    text = text.strip().strip(",;").strip()
    if not text:
        return None if not etal else []
    if " AND " in text and not text.split(None, 1)[0].rstrip(",").isupper():
        return None  # "AND" joins names only in a list set in capitals, not "Smith J, Jones K. HIV AND HEPATITIS C"
    semicolons = ";" in text
    if _CONJUNCTION_WORD_RE.search(text):
        parts = (_SEMICOLON_SEPARATORS if semicolons else _COMMA_SEPARATORS).split(text)
    else:  # only the punctuation separates: no pattern needed
        parts = text.split(";" if semicolons else ",")
    names: list[str] = []
    given_pairs = 0  # inverted names with their given names written out ("Roth, Alvin E.")
    joined = False  # the last name is a surname and the initials after its comma
    for piece in map(str.strip, parts):
        if not piece:
            continue
        piece, suffix, initials, given = _piece_facts(piece)
        if suffix and names:
            continue  # "Saltveit, M. E., Jr."
        single = len(piece.rstrip(".")) == 1  # one initial, not "KATZ" set in capitals
        if initials and names and not semicolons and (joined and single or _SURNAMES_RE.fullmatch(names[-1])):
            # "Bernhoft, A." split at its comma; "Picard, R., W." with a comma between the initials too
            names[-1] = f"{names[-1]} {piece}" if joined else f"{names[-1]}, {piece}"
            joined = single  # one initial may be followed by another
            continue
        joined = False
        if (
            given
            and names
            and not semicolons
            and _ONE_SURNAME_RE.fullmatch(names[-1])
            and _parse_name(names[-1]) is None  # "Das AK" is a whole name
            and f"{names[-1]}, {piece}" in text  # not "Koller and Friedman"
        ):
            names[-1] = f"{names[-1]}, {piece}"  # "Roth, Alvin E." split at its comma
            given_pairs += 1
            continue
        names.append(piece)
    if not names:
        return None  # only separators: "&"
    result = []
    styles = []
    for index, name in enumerate(names):
        last = index == len(names) - 1
        if last and not semicolons and " " not in name and "," not in name and _ONE_SURNAME_RE.fullmatch(name):
            return _INCOMPLETE  # a surname whose initials may follow
        if last and semicolons and "," not in name and _SURNAMES_RE.fullmatch(name):
            return _INCOMPLETE  # "...; Sreedhara Reddy" before its ", P."
        if last and len(name) <= 6 and _PARTICLE_ONLY_RE.fullmatch(name):  # no particle is longer than "degli."
            return _INCOMPLETE  # "...; St." before "Angelo, S.K."
        if last and styles and styles[0] == 1 and _SPACED_SURNAMES_RE.fullmatch(name):
            return _INCOMPLETE  # an inverted list's "..., and De Kok" before its ", R. P. J."
        given_first = styles and (styles[0] == 2 or given_pairs and "," not in name)
        if last and given_first and _TRAILING_INITIAL_RE.search(name):
            # a given-names-first list's "..., Tyler C." before its "Murray", ", L." before "Sifre"; Chicago's
            # "Gale, David, and Lloyd S." before "Shapley"
            return _INCOMPLETE
        if semicolons and not last and _ONE_WORD_NAME_RE.fullmatch(name) and styles:
            result.append(name)  # a one-word name in a semicolon list ("Ahmed, S.; Saifullah; Ahmad, M.")
            styles.append(styles[-1])
            continue
        # after a name, "The ..." opens a title: "I. Asimov, The Bicentennial Man and Other Stories"
        parsed = None if index and name.startswith(("The ", "THE ")) else _parse_name(name)
        if parsed is None:
            if last and (_SURNAMES_RE.fullmatch(name) or _INITIALS_ONLY_RE.match(name)):
                return _INCOMPLETE
            if last and _TRAILING_INITIAL_RE.search(name):
                return _INCOMPLETE
            return None
        result.append(parsed[0])
        styles.append(parsed[1])
    # One list, one style: "Smith J, Deep Learning" is not two authors. Chicago inverts only the first name.
    # "Nicodemus, A., Nagarajan, B. and Narayanan C.": the last name of an inverted list may lose its comma
    middle = set(styles[1:-1]) if styles[0] == 1 and styles[-1] == 0 and len(styles) > 2 else set(styles[1:])
    if len(middle) > 1 or middle and styles[0] != next(iter(middle)) and not (styles[0] == 1 and middle == {2}):
        return None
    if given_pairs and len(result) > 1:
        # "Surname, Given" pairs by commas alone could be a name and a title ("Marx, Karl, Das Kapital, Hamburg"):
        # several authors end with "and" before the last one ("Azar, Jim, Smith, Randy K and Cordes, Davis")
        conjunctions = list(_CONJUNCTION_WORD_RE.finditer(text))
        if not conjunctions:
            return _INCOMPLETE
        after = text[conjunctions[-1].end() :]
        if after.count(",") > 1 or ";" in after:
            return None
    if styles_out is not None:
        styles_out[:] = styles
    return result


@functools.lru_cache(maxsize=8192)
def _piece_facts(piece: str) -> tuple[str, bool, bool, bool]:
    """A piece of an author list without a leading "and" and its "Jr"/"III", whether it is only such a suffix,
    whether it is only initials, whether it is only given names written out; worked out once per piece, as an
    entry's author list is read again for every place it may end."""
    if piece[:1] in "aA&":
        piece = _LEADING_AND_RE.sub("", piece)
    piece = _without_suffix(piece)
    return (piece, _SUFFIX_RE.fullmatch(piece) is not None, _INITIALS_ONLY_RE.match(piece) is not None,
            _GIVEN_NAMES_RE.fullmatch(piece) is not None)


def _without_suffix(name: str) -> str:
    """The name without "Jr", "III" ...; kept whole when only a surname would remain ("Yaminsky IV": initials)."""
    if not (name[:-1] if name.endswith(".") else name).endswith(_SUFFIXES):
        return name.strip()
    bare = _SUFFIX_RE.sub("", name).strip()
    return bare if bare and (" " in bare.strip(" .,") or "," in bare.strip(" .,")) else name.strip()


_CAPITALS_PART_RE = re.compile(rf"[{_LETTER}]+")  # the parts of a name set in capitals: "O’NEIL", "SANTOS-SILVA"


@functools.lru_cache(maxsize=4096)
def _parse_name(name: str) -> tuple[str, int] | None:
    """ "Surname, Given" and the pattern that read it, for one written name; None when it is no person's name."""
    name = _without_suffix(name.strip(" .,")).strip(" .,")
    if not name or len(name) > 60 or any(map(str.isdigit, name)):
        return None
    if len(name.split()) > 6:
        return None
    inverted = "," in name
    for index, pattern in enumerate(_NAME_PATTERNS):
        if (index == 1) != inverted:
            continue
        match = pattern.match(name)  # every dot the patterns take is optional, and `name` ends in none
        if not match:
            continue
        surname = match.group("sur").strip()
        given = match.group("given").strip()
        if surname.islower() or _ORGANISATION_RE.search(name):
            return None
        if surname.isupper() and len(surname) > 1:  # "SILVA" -> "Silva", "O’NEIL" -> "O’Neil", "LAU" -> "Lau"
            surname = _CAPITALS_PART_RE.sub(lambda part: part.group(0).capitalize(), surname)
        return f"{surname}, {given}".strip(", "), index
    return None


AUTHOR_LIST_CHARS = 3000  # an author list runs at most this far into an entry (a consortium lists 100 names)
# Where an author list may end, in its first AUTHOR_LIST_CHARS characters: punctuation, or just before a year.
# Zero-width, so that every such place is found, in order, and only as far as the author list is read.
_AUTHOR_END_RE = re.compile(rf"(?=[.:,;\s(“\"])(?=[.:]\s|[,;]\s|[,;]?\s*[(“\"]|\.\s*$|[.,]?\s+{_YEAR}[a-z]?[.,:;)])")


# A title of one word: "Townsend P. Deprivation. J Soc Policy ...", "Perlin, K. Hypertexture. Computer Graphics";
# not a journal's abbreviation ("Astrophys. J. 483")
_ONE_WORD_TITLE = rf"{_UP}[{_LOWER}]{{4,}}"
_LEADING_WORD_RE = re.compile(rf"{_ONE_WORD_TITLE}([.:])\s+")


_WRITTEN_OUT_RE = re.compile(rf"{_UP}[{_LOWER}]+(?:\s+{_UP}[{_LOWER}]+)+")  # "Medicinal Plants", no initial


_LOWER_WORD_RE = re.compile(rf"(?!(?:and|und|et|e|y)\b)[{_LOWER}]")  # not a word that joins more names


def _after_names(text: str, end: int) -> str:
    """What follows an author list that ends at `end`, without the punctuation that ended it."""
    return text[end:].lstrip(".:,; \t\n\r\f\v")


def _author_block(text: str, usual_style: int | None = None) -> tuple[list[str], str, int | None]:
    """Split off the author list at the start of an entry: (names as "Surname, Given", the rest, the pattern that
    read the first name). Where the longest list differs in style from the `usual_style` of the entries before,
    the longest that keeps to it is taken: "Franz C. Genetics." among "Surname AB" names is "Franz C" and a title."""
    best: tuple[list[str], int, int] | None = None
    in_style: tuple[list[str], int, int] | None = None
    by_count: dict[int, tuple[list[str], int, int]] = {}  # the longest list read of each length
    styles: list[int] = []
    for end in map(re.Match.start, _AUTHOR_END_RE.finditer(text, 0, AUTHOR_LIST_CHARS)):
        prefix = text[: end + 1] if text[end] == "." else text[:end]
        names = _split_names(prefix, styles)
        if names == _INCOMPLETE:
            continue
        if names is None:
            if best is not None:
                break  # once a list was read, the first prefix that is no list ends it
            continue
        if names:
            earlier = by_count.get(len(names))
            if (earlier and _LOWER_WORD_RE.match(_after_names(text, end))
                    and _after_names(text, earlier[1])[:1].isupper()
                    and not _INITIALS_ONLY_RE.match(text[earlier[1] : end].strip(" .,;:"))):
                # "Townsend P. Deprivation: a review of ...", not "Deprivation, Townsend P." and "a review"; but
                # "Levine, A. J. p53, the cellular gatekeeper" adds only an initial
                continue
            best = (names, end, styles[0])  # type: ignore[assignment]
            if styles[0] == usual_style:
                in_style = best
            by_count[len(names)] = best
    if best is None:
        return [], text, None
    if in_style is not None and best[2] != usual_style and len(best[0]) == len(in_style[0]) == 1:
        # only where a title of one word follows the shorter reading: "Townsend P. Deprivation. J Soc Policy"
        rest = _after_names(text, in_style[1])
        word = _LEADING_WORD_RE.match(rest)
        after = rest[word.end() :] if word else ""
        if word and (word.group(1) == ":" or _venue_next(after)):
            best = in_style
    shorter = by_count.get(len(best[0]) - 1)
    if shorter is not None and not _CONJUNCTION_WORD_RE.search(text, 0, best[1]):
        # "M. Daniel, Medicinal Plants: Chemistry ...", "F.R.K. Chung, Spectral Graph Theory, AMS Press": after authors
        # with initials only, words written out and no "and" before them are the title ("Michael Collins, Brian
        # Roark: Title" and "Jack W. Rae, ..., Daniel Toyama" are authors)
        last = text[shorter[1] : best[1]].strip(" ,.")
        if _WRITTEN_OUT_RE.fullmatch(last) and all(
            _INITIALS_ONLY_RE.match(name.split(", ", 1)[-1].strip(" .")) for name in shorter[0]
        ):
            best = shorter
    names, end, style = best
    return names, _after_names(text, end), style


def _identifiers(text: str) -> tuple[str, dict[str, str | None]]:
    """Find DOI, arXiv id, PMID and URL; return the text without them."""
    found: dict[str, str | None] = {"doi": None, "arxiv_id": None, "pmid": None, "url": None}
    doi_match = None
    for match in _DOI_RE.finditer(text):
        doi = normalize_doi(match.group(0))
        if doi:
            found["doi"] = doi
            doi_match = match
            break
    if doi_match is not None:
        start = doi_match.start()
        label = None
        for label_match in _DOI_LABEL_RE.finditer(text[: start + 1]):
            if label_match.end() >= start - 1:
                label = label_match
        begin = label.start() if label else start
        text = text[:begin] + " " + text[doi_match.end() :]
    arxiv = _ARXIV_RE.search(text)
    if arxiv:
        found["arxiv_id"] = normalize_arxiv(arxiv.group(1))
        text = text[: arxiv.start()] + " " + text[arxiv.end() :]
    pmid = _PMID_RE.search(text)
    if pmid:
        found["pmid"] = pmid.group(1)
        text = text[: pmid.start()] + " " + text[pmid.end() :]
    text = _PMCID_RE.sub(" ", text)
    text = _LINK_LABELS_RE.sub(" ", text)
    url = _URL_RE.search(text)
    if url:
        found["url"] = url.group(0).rstrip(".,;)")
        text = text[: url.start()] + " " + text[url.end() :]
    folded = text.casefold()
    if any(word in folded for word in _TRAILING_NOISE_WORDS):  # the pattern is slow; most entries have none
        text = _TRAILING_NOISE_RE.sub("", text)
    text = re.sub(r" ([.,;:])", r"\1", " ".join(text.split())).strip(" ,;")
    return text, found


_TITLE_COMMA_END_RE = re.compile(
    rf",\s*(?i:vol\.|pp\.|in:|ch\.|chapter\s)"
    rf"|,\s+(?={_UP}(?:[^,;:.()]|\.(?!\s+[{_LOWER}])){{1,60}},\s*(?:\d{{1,5}}\s*(?:[,(:]|$)|{_YEAR}\b))"  # no "(Tulsi)"
    rf"|,\s+(?={_UP}[^,;:()]{{1,60}}?\s\d{{1,5}}\s*\({_YEAR}\))"  # AMS: "Title, Linear Algebra Appl. 283 (1998)"
)


_SENTENCE_END_RE = re.compile(r"[.?!]\s+(?=\S)|[.?!]$")
_VENUE_NEXT_RE = re.compile(rf"(?:{_UP}[\w&\-]{{0,12}}\.?,?\s+){{1,6}}\(?(?:{_YEAR}\b|\d{{1,5}}\s*[(;:,])")
_PART_RE = re.compile(r"(?:Part\s*)?(?:[1-9]|X{0,2}(?:IX|IV|V?I{1,3}|V)|X{1,2})\.\s+\S")


_ONE_WORD_TITLE_RE = re.compile(_ONE_WORD_TITLE)
_INITIAL_NEXT_RE = re.compile(rf"{_UP}\.")
# A genus, its species and the authority that named it: "Echinophora platyloba DC", "Alstonia scholaris (Linn.) R. Br"
_SPECIES_RE = re.compile(rf"{_UP}[{_LOWER}]+\s+[{_LOWER}]{{3,}}\s+(?:\(\w+\.?\)\s+)?(?:{_UP}\.\s?)?{_UP}[{_LETTER}]*$")


def _venue_next(text: str) -> bool:
    """Whether `text` opens with a venue and its numbers ("J Soc Policy 1987;16", "Nous, 25") or a book's "In"."""
    return bool(_IN_RE.match(text) or _VENUE_NEXT_RE.match(text))


def _title_end(text: str, one_word: bool = False) -> int:
    """Where the title at the start of `text` ends (index of its closing punctuation); `one_word`: the title may be
    a single word (the authors before it were read, and not cut short at a comma, where more names may follow)."""
    # A comma can end the title too: ", vol.", or "Title, Venue Abbr., 58, 225–327" / "Title, Publisher, 2005".
    numbers = _TITLE_COMMA_END_RE.search(text)
    part = False  # the title goes on past a part number: "Broccoli samples. I. Differential modulation"
    for match in _SENTENCE_END_RE.finditer(text):
        if numbers and match.start() > numbers.start():
            return numbers.start()
        end = match.start()
        before = text[:end]
        token = before.rsplit(" ", 1)[-1].strip("([").lower()
        after = text[match.end() :]
        venue_next = token in _AUTHORITIES and _VENUE_NEXT_RE.match(after)
        # a botanist's abbreviation names a species' authority only after the species ("Isle of Wight." ends)
        abbreviation = token in _ABBREVIATION_END and (
            token not in _AUTHORITIES or token in ("l", "linn") or _SPECIES_RE.search(before))
        if text[end] == "." and abbreviation and not venue_next or part:
            part = False  # "Ocimum sanctum Linn. (Tulsi) ..." goes on; "... Linn. Phytomedicine 2000;7" ends
            continue
        if _PART_RE.match(after):
            part = True
            continue
        if before.count("(") > before.count(")"):
            continue  # inside parentheses: "an azo dye (C.I. Reactive Red 195) in water"
        if after[:1].islower() and not after.startswith(("in ", "iv", "pp")):
            continue
        if len(before.split()) < 2 and after and not (
            one_word and _ONE_WORD_TITLE_RE.fullmatch(before) and not _INITIAL_NEXT_RE.match(after)
            and _venue_next(after)
        ):
            continue  # one word is a title only before its venue: "Teamwork. Nous, 25"; not "Obesity. A global ...",
            # nor a journal's abbreviation ("Astrophys. J. 455")
        return end
    return len(text)


_VOLUME_PATTERNS = [
    re.compile(
        r"\bvol(?:ume)?\.?\s*(?P<vol>\w+)(?:\s*,?\s*(?:no|n|issue|nr)\.?\s*(?P<iss>[\w/-]+))?"
        r"(?:\s*,?\s*(?:pp?|pages)\.?\s*(?P<pages>\w?\d+(?:\s*[-–—]+\s*\w?\d+)?))?",
        re.IGNORECASE,
    ),
    re.compile(
        r"\bv\.\s*(?P<vol>\d+)(?:\s*,\s*n\.\s*(?P<iss>[\w/-]+))?(?:\s*,\s*p\.\s*(?P<pages>\d+(?:\s*[-–]\s*\d+)?))?"
    ),
    re.compile(
        r"(?<![\w.])(?P<vol>\d{1,5})\s*(?:\((?P<iss>[^()]{1,20})\))?\s*:\s*(?P<pages>[A-Za-z]?\d+(?:\s*[-–—]+\s*[A-Za-z]?\d+)?)"
    ),
    re.compile(
        r"(?<![\w.\-–—])(?P<vol>\d{1,5})\s*(?:\((?P<iss>[^()]{1,20})\))?\s*,\s*(?:pp?\.\s*)?"
        rf"(?!{_YEAR}\b(?!\s*[-–—]))(?P<pages>[A-Za-z]?\d+(?:\s*[-–—]+\s*[A-Za-z]?\d+)?)"  # not "1–12, 2006"
    ),
    re.compile(r"(?<![\w.\-–—])(?P<vol>\d{1,5})\s*\((?P<iss>[^()]{1,20})\)"),  # not "pp. 1–5 (2004)"
]
# The entry's last page range, not two years: "283 (1998), no. 1-3, 115–150."
_LAST_RANGE_RE = re.compile(rf",\s*(?!{_YEAR}\s*[-–—]\s*{_YEAR}\b)(?P<pages>\d{{1,5}}\s*[-–—]\s*\d{{1,5}})\.?$")
_PAGES_RE = re.compile(r"\b(?:pp?\.?|pages?)\s*(?P<pages>\w?\d+(?:\s*[-–—]+\s*\w?\d+)?)", re.IGNORECASE)
# Where the venue ends and its numbers begin; not at a year that names it ("Proceedings of the 2021 Conference ...",
# "NAACL HLT 2010 Workshop on ...")
_NOT_AN_EVENT = r"(?!\s+(?:workshop|conference|symposium|meeting|congress|international|annual|joint)\b)"
_VENUE_END_RE = re.compile(
    rf"(?=[,.;:\s(12vpn])(?:(?<!\bthe)(?<!\bthe\s)(?<!\bof)(?<!\bof\s)[,.;:]?\s*\(?{_YEAR}[a-z]?\b{_NOT_AN_EVENT}|[,.;]?\s*\bvol(?:ume)?\b\.?|[,.;]?\s*\bv\.\s*\d|[,.;]?\s*\bpp?\.\s*\d"
    r"|[,.;]?\s*\bpages\b|[,.;]?\s*\bpage\s+\d|[,.;]?\s*\bno\.\s*\d|[,.;]?\s+\d+\s*[(:,;]|[,.;]?\s+\d+\s*$|[,.;]?\s+\d+[–-]\d+"
    r"|[,;]\s*ed(?:s|itors?)?\.?\s|\s*\(eds?\.?\))",
    re.IGNORECASE,
)


# One part of an organisation's name as an entry's author, up to its full stop or a comma before a quoted title;
# a company's "Inc." is part of its name ("Tokutek, Inc., “TokuDB ...”", "Adobe Systems Inc. (1999).",
# "Microsoft Corporation, Windows XP Resource Kit, 2001")
_ORGANISATION_PART_RE = re.compile(
    rf"{_UP}[^.,;:“\"]{{1,100}}?(,?\s+(?:Inc|Ltd|Co|Corp|LLC|GmbH|Corporation|Company)\b\.?)?"
    rf"(?:\.\s+|,\s*(?=[“\"])|(?(1),\s+|(?!)))"  # after a company's "Inc.", "Corporation": a comma ends it too
)


_ACRONYM_RE = re.compile(rf"{_UP}{{2,10}}")


def _organisation(text: str) -> tuple[list[str], int]:
    """An organisation that opens `text` as its author, each of its parents an author before it ("Brasil.
    Ministério da Saúde. Secretaria de Vigilância em Saúde."): (the names, where the rest starts), or ([], 0)."""
    found: tuple[list[str], int] = ([], 0)
    names: list[str] = []
    position = 0
    for _ in range(3):
        part = _ORGANISATION_PART_RE.match(text, position)
        if not part:
            break
        names.append(part.group(0).rstrip(" ,."))
        # after the organisation only its units ("Secretaria de ..."), not a title that names it
        organisation = (_ORGANISATION_RE.match if found[0] else _ORGANISATION_RE.search)(names[-1])
        if organisation or position == 0 and _ACRONYM_RE.fullmatch(names[-1]):
            found = (list(names), part.end())
        elif found[0]:
            break
        position = part.end()
    return found


_ENTRY_NUMBER_RE = re.compile(r"^(?:\[\d{1,4}\]|\(\d{1,4}\)|\d{1,4}\.(?=\s*\D)|\d{1,4}\s+(?=\D))\s*")
# A title in quotes; one in ASCII single quotes (Harvard's 'Title', Journal) closes with one of its own kind
_QUOTED_TITLE_RE = re.compile(
    r"^(?:[“\"‘]\s*(.+?)\s*(?:[,.?!]\s*[”\"’]|[”\"’]\s*[,.])|'\s*(.+?)\s*(?:[,.?!]\s*['’]|['’]\s*[,.]))\s*"
)
_TRAILING_YEAR_RE = re.compile(rf",\s*{_YEAR}\.?$")
_YEAR_ANYWHERE_RE = re.compile(rf"(?<!\d){_YEAR}(?!\d)")
_MEDIUM_RE = re.compile(r"\s*\[(?:internet|online|en\s+l[íi]nea|serial\s+on\s+the\s+internet)\]", re.IGNORECASE)
_NUMBER_LABEL_RE = re.compile(r"\b(?:vols?|volume|no|nos|pp?|n|v)\.?\s*$", re.IGNORECASE)
_EDITORS_RE = re.compile(r"^\(?(?:editors?|eds?)\b\.?\)?[.,:]?\s*(?=\S)", re.IGNORECASE)


_SPACED_HYPHEN_RE = re.compile(rf"(?<=[{_LETTER}]{{2}})- (?={_UP}[{_LOWER}])")
_LEADING_YEAR_RE = re.compile(rf"^(?:\(({_YEAR})[a-z]?(?:,[^)]{{0,20}})?\)|({_YEAR})[a-z]?)[.,:;]?\s*")
# A reference without a title, as physics and astronomy write them: an abbreviated journal, its volume and first page,
# maybe the year ("Astrophys. J. 517, 565 (1999)", "Phys. Rev. D 53, 2236", "MNRAS, 322, 231", "Astrophys. J. 483 565",
# "Sci. Ind. Res. 12B : 540 – 542", "Inorg. Chem. 2001, 40, 1-20"). The journal's words are abbreviations ("Phys."),
# acronyms ("MNRAS", "PhRvL", "A&A"), single capitals ("D") or capitalised words; written-out words alone ("Deep
# Learning") are no such journal, except a single one ("Nature 452 158", "Nature, 435, 629").
_JOURNAL_WORD = rf"(?:{_UP}[{_LOWER}]{{0,12}}\.|{_UP}[{_LOWER}]*[{_UPPER}&][{_LETTER}&]*|{_UP}[{_LOWER}]*|of|and|&)"
_TITLELESS_RE = re.compile(
    rf"^(?P<venue>{_JOURNAL_WORD}(?:\s+{_JOURNAL_WORD}){{0,6}})(?P<comma>,)?\s+(?:{_YEAR}[a-z]?,\s*)?"  # ACS's year
    rf"(?P<vol>[A-Z]?\d{{1,5}}[A-Z]?)(?:\s*\((?P<iss>[\w/–-]{{1,10}})\))?(?:\s*[,:]\s*|\s+)"
    rf"(?P<pages>[A-Z]?\d+(?:\s*[-–—]\s*[A-Z]?\d+)?)(?=\s*(?:\(\s*{_YEAR}[a-z]?\s*\)|[.,;\[]|$))"
)
_WRITTEN_OUT_WORD_RE = re.compile(rf"{_UP}[{_LOWER}]+|of|and|&")


def _titleless(rest: str) -> re.Match[str] | None:
    """The journal, volume and pages of an entry's `rest` after its authors when it has no title: where the title
    reader would cut the journal itself ("Astrophys. J", "Indian J", "MNRAS, 322, 231"), not a title whole
    ("Catalysis. Chem. Rev. 101", "Quantum Dots. Nano Lett. 5")."""
    match = _TITLELESS_RE.match(rest)
    if match is None:
        return None
    words = match.group("venue").split()
    if len(words) > 1 and all(_WRITTEN_OUT_WORD_RE.fullmatch(word) for word in words):
        return None
    cut = rest[: _title_end(rest, True)].split() or [""]
    last = cut[-1].strip(",;:").lower()
    if any(char.isdigit() for char in " ".join(cut)) or any(word.endswith(".") for word in cut[:-1]):
        return match
    return match if len(last) == 1 or last in _JOURNAL_WORDS else None


# Words journal names are shortened to (ISO 4), as the last word of a journal cut at its full stop ("Indian J",
# "Malaria Inst", "New Adv", "Inorg. Chem."), which ends no title
_JOURNAL_WORDS = frozenset(
    "acad adv am angew ann annu appl arch astron biol bull chem clin commun comput curr eng environ eur exp geophys "
    "ind inorg inst int lett mater math med mol natl neurosci nucl phys physiol proc rep res rev sci soc theor trans "
    "univ".split()
)


_ORGANISATION_YEAR_RE = re.compile(rf"^([^()]{{2,120}}?)[.,]?\s*\(({_YEAR})[a-z]?\)[.,:]?\s*")


# An entry by the authors of the one before: a rule of dashes stands for their names (or a drawn rule was lost,
# leaving its comma before the quoted title)
_SAME_AUTHORS_RE = re.compile(r"^(?:[—–_-]{2,}|—)\s*[,.]?\s*|^[,.]\s*(?=[“\"‘])")


@dataclass
class ListSoFar:
    """What the entries read so far tell about the next one in the same list: the authors of the last (a rule of
    dashes, "———, “Title,” ...", stands for them) and how many entries' names each name pattern read."""

    previous_authors: tuple[str, ...] = ()
    styles: Counter[int] = field(default_factory=Counter)

    def usual_style(self) -> int | None:
        """The name pattern of most entries, once at least three were read and it read most of them."""
        if not self.styles:
            return None
        style, count = self.styles.most_common(1)[0]
        total = self.styles.total()
        return style if total >= 3 and count >= 0.6 * total else None


def parse_reference(raw: str, italics: tuple[str, ...] = (), so_far: ListSoFar | None = None) -> Reference:
    """Parse one reference string into its fields (any field may be None); `so_far`, kept across the entries of
    one list, tells what the entries before it had (and learns this one's)."""
    previous_authors = so_far.previous_authors if so_far is not None else ()
    text = " ".join(raw.split())
    text = _ENTRY_NUMBER_RE.sub("", text)
    text = _ENTRY_KEY_RE.sub("", text)
    if "- " in text:
        text = _SPACED_HYPHEN_RE.sub("-", text)  # "Guimarães- Pinto", "Anti- Multidrug": one word
    if "et al." in text:
        text = re.sub(r"\bet al\.(?=[^\W\d_])", "et al. ", text)
    same_authors = _SAME_AUTHORS_RE.match(text) if previous_authors else None
    body, ids = _identifiers(text[same_authors.end() :] if same_authors else text)
    authors, rest, style = _author_block(body, so_far.usual_style() if so_far is not None else None)
    one_word_title = bool(authors) and not body[: len(body) - len(rest)].rstrip().endswith(",")
    if same_authors and not authors:  # the rule stands for the names: none follow it
        authors = list(previous_authors)
    if authors:
        rest = _EDITORS_RE.sub("", rest)  # the names were a book's editors: "Kollert, W. and Kleine, M., eds. 2017"
    year: int | None = None
    year_match = _LEADING_YEAR_RE.match(rest)
    if not authors:
        # An organisation as author, known by the year that follows it: "IARC. (1999). Title ..."
        org = _ORGANISATION_YEAR_RE.match(rest)
        if org and not re.search(r"[“\"]", org.group(1)):
            authors, year, rest = [org.group(1).strip()], int(org.group(2)), rest[org.end() :]
        else:  # ... or by its name: "World Health Organization. Title ...", "EFSA, “Title,”", "Brasil. Ministério"
            names, end = _organisation(rest)
            if names:
                authors, rest = names, rest[end:]
    if authors and year is None and year_match:
        year = int(year_match.group(1) or year_match.group(2))
        rest = rest[year_match.end() :]
    title: str | None = None
    after = rest
    quoted = _QUOTED_TITLE_RE.match(rest)
    titleless = _titleless(rest) if authors else None
    if titleless:
        after = rest[titleless.end() :]
    elif quoted:
        title, after = quoted.group(1) or quoted.group(2), rest[quoted.end() :]
    elif rest:
        end = _title_end(rest, one_word_title)
        title, after = rest[:end], rest[end + 1 :].strip()
    if title:
        title = _MEDIUM_RE.sub("", title).strip(" .,;:")
        if not _YEAR_ANYWHERE_RE.search(after):  # the entry's date, not "Cancer statistics, 2016. CA ... 2016;66"
            title = _TRAILING_YEAR_RE.sub("", title).strip(" .,;:")  # "Windows XP Resource Kit, 2001."
        if re.match(r"^In(?::|\s+(?:Proc|Proceedings|[A-Z][a-z]+,?\s+[A-Z]{1,2}[,.\s]))", title) or len(title) < 3:
            after, title = rest, None
    if titleless:
        venue, volume, issue, pages = titleless.group("venue", "vol", "iss", "pages")
        venue, pages = venue.rstrip("."), _dashed(pages)
    else:
        venue, volume, issue, pages = _venue_and_numbers(after, italics)
    if year is None:
        year = _first_year(after) or _first_year(body)
    fields_found = sum(bool(value) for value in (authors, title, venue, year))
    if so_far is not None:
        so_far.previous_authors = tuple(authors)
        if style is not None:
            so_far.styles[style] += 1
    confidence = 0.2 + 0.2 * fields_found - (0.2 if not authors and not ids["doi"] else 0.0)
    return Reference(
        raw=text,
        authors=tuple(authors),
        title=title or None,
        venue=venue,
        year=year,
        volume=volume,
        issue=issue,
        pages=pages,
        doi=ids["doi"],
        arxiv_id=ids["arxiv_id"],
        pmid=ids["pmid"],
        url=ids["url"],
        confidence=max(0.0, min(1.0, confidence)),
    )


def _first_year(text: str) -> int | None:
    """The publication year among the numbers of `text`: one set as a date ("2013;", "(2013)") before the first
    year-like number, which may be part of a name ("Periodontol 2000 2013;"); never a labelled volume or page
    ("vol. 1864")."""
    first = None
    for match in _YEAR_RE.finditer(text):
        if _NUMBER_LABEL_RE.search(text, max(0, match.start() - 8), match.start()):
            continue
        following = text[match.end() : match.end() + 1]
        if following and following in ";:" or text[match.start() - 1 : match.start()] == "(":
            return int(match.group(1))
        first = first or int(match.group(1))
    return first


_LETTER_RE = re.compile(rf"[{_LETTER}]")
_IN_RE = re.compile(r"^(?:in:?|em:?|en:?)\s+", re.IGNORECASE)
_BOOK_EDITORS_RE = re.compile(r"^[^()]{2,200}?(?:\(eds?\.?\)|,\s*eds?\.|,\s*editors?\.?)[.,:]?\s*")


def _venue_and_numbers(text: str, italics: tuple[str, ...]) -> tuple[str | None, str | None, str | None, str | None]:
    text = text.strip(" .,;")
    if not text:
        return None, None, None, None
    venue_text = _IN_RE.sub("", text)
    # "In: Chopra VL, Khoshoo TN (eds) Book" and "In Seiler HG, Sigel H, editors. Book": the book, not its editors
    venue_text = _BOOK_EDITORS_RE.sub("", venue_text)
    end = _VENUE_END_RE.search(venue_text)
    venue = venue_text[: end.start()] if end else venue_text
    venue = venue.strip(" .,;:")
    numbers = venue_text[end.start() :] if end else ""
    if len(venue) < 2 or not _LETTER_RE.search(venue):
        venue = None
    volume = issue = pages = None
    for pattern in _VOLUME_PATTERNS:
        match = pattern.search(numbers)
        if not match:
            continue
        candidate = match.group("vol")
        if re.fullmatch(_YEAR, candidate or "") and pattern is not _VOLUME_PATTERNS[0]:
            rest = numbers[match.end() :]
            retry = pattern.search(rest)
            if retry and not re.fullmatch(_YEAR, retry.group("vol")):
                match = retry
            elif not match.groupdict().get("pages"):
                continue
        volume = match.group("vol")
        issue = match.groupdict().get("iss")
        if issue and re.fullmatch(_YEAR, issue):
            issue = None  # "BMC Bioinformatics 20 (2019)": the year, not an issue
        pages = match.groupdict().get("pages")
        break
    if pages is None:
        found = _PAGES_RE.search(numbers) or _LAST_RANGE_RE.search(numbers)  # AMS: "283 (1998), no. 1-3, 115–150"
        if found:
            pages = found.group("pages")
    return venue, volume, issue, _dashed(pages) if pages else pages


def _dashed(pages: str) -> str:
    """A page range with one hyphen between its pages: "540 – 542" is "540-542"."""
    return re.sub(r"\s*[-–—]+\s*", "-", pages)


# ---------------------------------------------------------------------------------------------------- entry point


# A word that every HEADING_RE heading holds, in lower case
_HEADING_WORD_RE = re.compile(r"refer[êe]n|r[ée]f[ée]ren|bibliogra|literat|cited|riferimenti|литература|参考文献")


# The letters that an IGNORECASE match takes for another one but that lower() does not turn into it: Turkish
# dotted and dotless I ("BİBLİOGRAFYA"), and the tall Cyrillic te and three-legged te
_CASELESS = str.maketrans({"İ": "i", "ı": "i", "\u1c84": "т", "\u1c85": "т"})


def _holds_heading_word(text: str) -> bool:
    """Whether `text` (a page's plain text) holds a reference heading's word, so that the page is worth a layout.
    It searches the lower-cased text: an IGNORECASE search of a whole page takes four times as long."""
    if "İ" in text or "ı" in text or "\u1c84" in text or "\u1c85" in text:  # rare: a table lookup per character
        text = text.translate(_CASELESS)
    return _HEADING_WORD_RE.search(text.lower()) is not None


def _reference_sections(layout: Layout) -> list[list[_Row]]:
    """The reference sections, laying out pages from the end back only as far as the last list's heading
    (reference lists close a paper: the body pages need not be laid out); a list without a heading is looked for
    in the whole document."""
    numbers = layout.page_numbers()
    last_heading = None
    for first in range(len(numbers) - 1, -1, -1):
        if not _holds_heading_word("\n".join(layout.text(numbers[first]))):
            continue  # no heading's word in the page's plain text: not worth a layout
        page = layout.page(numbers[first])
        if not any(HEADING_RE.match(line.text.strip()) for line in page.lines):
            continue
        sections = _sections(_rows(layout.pages(numbers[first:])), unlabelled_from=None)
        if sections:
            return sections
        last_heading = first if last_heading is None else last_heading
    if last_heading is not None:  # a heading set in body type over a numbered list: the list from there on
        sections = _sections(_rows(layout.pages(numbers[last_heading:])), unlabelled_from=0.0)
        if sections:
            return sections
    return _sections(_rows(layout.pages(numbers)))


_THREE_LETTERS_RE = re.compile(rf"[{_LETTER}]{{3}}")


def extract_references(layout: Layout) -> list[Reference]:
    """The parsed reference list of the document (empty when it has none)."""
    references: list[Reference] = []
    for section in _reference_sections(layout):
        so_far = ListSoFar()
        for group in _split(section):
            raw = _mend_accents(_join(group))
            if len(raw) < 12 or not _THREE_LETTERS_RE.search(raw):
                continue
            italics = tuple(text for row in group for text in row.italics)
            references.append(parse_reference(raw, italics, so_far))
    return references
