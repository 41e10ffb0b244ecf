"""A paper's header from the layout model: title, authors, abstract, identifiers, year and language.

Only the first pages are used, so a 1,000-page book costs no more than an article. The heuristics work on the
layout's lines (font size, weight, position): the title is the most prominent text at the top of the header page,
cross-checked against the PDF's own metadata; authors are the name rows under it; the abstract runs from its
heading (or the first body block before the Introduction) to the next heading, across columns and pages.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from litreview.core.identifiers import find_arxiv, find_doi, normalize_arxiv, normalize_doi
from litreview.core.paper import ParsedPaper
from litreview.ingest.pdf.bibliographic import is_correction_notice, read_bibliographic
from litreview.ingest.pdf.layout import RUNNING_BAND, Layout, Line
from litreview.ingest.pdf.layout import clean as _clean
from litreview.ingest.pdf_language import detect_language, guess_short_language

_MIN_TEXT_CHARS = 40  # a page with fewer extractable characters has no usable text layer
NO_TEXT_LAYER = "no text layer: scanned or image-only PDF"
UNREADABLE_TEXT = "unreadable text layer (broken font encoding): handled like a scan"

_ABSTRACT_HEADING_RE = re.compile(
    r"^\s*(?:a\s?b\s?s\s?t\s?r\s?a\s?c\s?t|summary|resumo|res[uú]men|r[ée]sum[ée]|zusammenfassung|sommario|riassunto"
    r"|аннотация|摘\s*要|要\s*旨|abstrakt)\b\s*[:.\-—–]?\s*",
    re.IGNORECASE,
)
_STRUCTURED_START_RE = re.compile(
    r"^\s*(?:background|objectives?|purpose|aims?|context|introduction|methods?|objetivos?|introducci[oó]n"
    r"|introdu[cç][aã]o|contexto)\s*(?:and\s+\w+\s*)?[:.]\s",
    re.IGNORECASE,
)
_FRONT_MATTER_RE = re.compile(
    r"\b(?:this (?:work|research|study) (?:was|is) (?:done|supported|funded)|supported (?:in part )?by"
    r"|permission to make|preliminary version|corresponding author|all rights reserved)\b",
    re.IGNORECASE,
)
_STRUCTURED_LABEL_RE = re.compile(
    r"(?:background|objectives?|purpose|aims?|aims?\s+and\s+objectives?|context|introduction|methods?|methodology"
    r"|objetivos?|introducci[oó]n|introdu[cç][aã]o|contexto|m[ée]todos?|motivation|problem)",
    re.IGNORECASE,
)
# The sub-headings of a structured abstract, printed on their own line ("Results", "Conclusões"): not its end.
_ABSTRACT_LABEL_RE = re.compile(
    r"(?:background|objectives?|purpose|aims?|methods?|methodology|design|setting|participants|results?|findings"
    r"|conclusions?|interpretation|objetivos?|m[ée]todos?|resultados?|conclus(?:[õo]es|[ãa]o|i[óo]n|iones)"
    r"|contexto|introdu[cç][ãa]o|discuss(?:ion|[ãa]o)|discusi[óo]n)",
    re.IGNORECASE,
)
_ABSTRACT_STOP_RE = re.compile(
    r"^\s*(?:key\s*-?\s*words?|index\s+terms|palavras[\s-]*chaves?|palabras[\s-]*claves?|mots[\s-]*cl[ée]s"
    r"|schl[üu]sselw[öo]rter|descritores|descriptores|descriptors|parole\s+chiave|general\s+terms"
    r"|categories\s+and\s+subject"
    r"|关键词|關鍵詞|关键字|キーワード|중심어|주제어"
    r"|ccs\s+concepts|acm\s+reference|abbreviations|citation\s*:|received\s*[:\d]|accepted\s*[:\d]"
    r"|correspondence|\*\s*correspond|copyright|©|open\s+access|how\s+to\s+cite|pacs|msc\s*\d|jel\b"
    r"|(?:\d+\.?|[IVX]+\.)?\s*(?:introduction|introdu[cç][aã]o|introducci[oó]n|einleitung|background)\s*[:.]?\s*$"
    r"|(?-i:(?:1\.?|I\.)\s+[A-Z][A-Za-z ]{2,40}$))",
    re.IGNORECASE,
)
_TITLE_NOISE_RE = re.compile(
    r"(?:^(?:original|research|review|short|brief|full|regular|technical|invited|case|clinical)?\s*"
    r"(?:research\s+)?(?:article|paper|communication|report|letter|review|study|note)s?\s*$"
    r"|open\s+access|^\s*(?:vol(?:ume)?\.?|no\.|issn|e-?issn|doi|https?:|www\.|arxiv:)|@|©|copyright"
    r"|\bjournal\b|\bproceedings\b|\bpublished\b|\breceived\b|\baccepted\b|\bcitation\b|\bpreprint\b"
    r"|^\s*(?:abstract|summary|contents|table\s+of\s+contents|introduction|preface|foreword|references"
    r"|acknowledge?ments|chapter\s+\d+)\s*$)",
    re.IGNORECASE,
)
_META_TITLE_JUNK_RE = re.compile(
    r"(?:microsoft|\.docx?\b|\.pdf\b|\.tex\b|\.dvi\b|untitled|^\s*title\s*$|^\s*paper\s*$|^doi:|^\d|"
    r"^[\w-]+$|layout|template|latex|\bword\b\s*-|manuscript\s*$)",
    re.IGNORECASE,
)
_AFFILIATION_WORDS = frozenset(
    "university universidade universidad université universität universita università department dept departamento "
    "institute instituto institut school college laboratory laboratories lab center centre hospital faculty "
    "faculdade facultad inc ltd corporation corp research group division unit street road avenue box email e-mail "
    "usa india china germany france brazil spain italy japan uk canada australia and of the for in abstract "
    "introduction keywords received accepted correspondence academy ministry clinic foundation program programme "
    "science sciences engineering technology national state federal medical medicine www http "
    # facilities and organisations in the languages journals print them in
    "clínica clinica klinik klinikum hôpital hospitais escola école escuela fundação fundación fondation stiftung "
    "laboratório laboratorio laboratoire centro zentrum observatory observatorio museum agency council company "
    "gmbh ltda llc plc consortium office bureau ministério ministerio secretaría secretaria prefeitura campus "
    "núcleo station facility facilities institution institutions polytechnic politécnico hochschule "
    "universitário universitária universitario universitaria universiteit universitet uniwersytet universitat "
    "univerzita yliopisto egyetem üniversitesi".split()
)
# Words frequent in titles and rare in person names: "Health Survey" or "Water-wave Models" is not an author.
_TITLE_WORDS = frozenset(
    "analysis approach algorithm algorithms application applications assessment based case data design detection "
    "development disease effect effects evaluation evidence experimental health impact learning method methods "
    "model models network networks new optimal patients performance prediction review role search study studies "
    "survey system systems theory treatment trial using via versus vs water wave web clinical cancer cell cells "
    "protein gene genes human control quality management information processing language neural deep dynamic "
    "dynamics energy efficient fast general high large low multi novel open real robust scalable simple social "
    "time toward towards under unified".split()
)
_INSTITUTION_WORDS = _AFFILIATION_WORDS - frozenset(
    "and of the for in abstract introduction keywords received accepted correspondence science sciences research "
    "state national program programme group unit medical medicine engineering technology".split()
)
_NAME_PARTICLES = frozenset(
    "van von de da das do dos der den del della di du la le el al bin ibn ter ten y e st st. mc".split()
)
_MEMBERSHIP_RE = re.compile(
    r"\b(?:(?:senior|student|life)\s+)?(?:member|fellow)\s*,?\s*(?:IEEE|ACM)\b|\bIEEE\b", re.IGNORECASE
)
_HONORIFIC_RE = re.compile(r"^(?:prof(?:essor)?|dr|mr|mrs|ms|sir)\.?\s+", re.IGNORECASE)
_NAME_NOISE_RE = re.compile(
    r"<[^<>]*>|\[[^\[\]]*@[^\[\]]*\]|[\w.+-]+@[\w.-]+|[\d*†‡§¶#∗⁎✉✝♯♭♮‖⊥⋆★☆•·|<>]+|\(\s*\)|\bet al\b\.?"
)
_YEAR_CONTEXT_RE = re.compile(
    r"(?:©|\(c\)|copyright|published|received|accepted|online|issued|vol\.?|volume|proceedings|conference)"
    r"[^\n]{0,60}?\b((?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_YEAR_RE = re.compile(r"\b((?:19[5-9]|20[0-4])\d)\b")
_SPACE_RE = re.compile(r"\s+")
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_CJK_NAME_RE = re.compile(r"[\u4e00-\u9fff]{2,4}|[\uac00-\ud7af]{2,4}")
_HYPHEN_END_RE = re.compile(r"(\w)[-\u00ad\u2010]$")
# Words that follow a hyphen in compounds ("lifestyle-related", "methodology-independent", "dose-dependent"):
# after a line-end hyphen they keep it.
_COMPOUND_HEADS = frozenset(
    "related based independent dependent specific free like wide driven induced associated mediated derived "
    "level scale term time aware sensitive oriented friendly type dimensional resolved limited controlled "
    "enabled intensive efficient specific matched adjusted weighted centered centred making born borne "
    "sectional blind reported rated sized shaped grade world class income risk year old".split()
)


def _word_count(text: str) -> int:
    """Words in `text`; Chinese and Japanese write no spaces, so two CJK characters count as one word."""
    return len(text.split()) + len(_CJK_RE.findall(text)) // 2


def _letters(text: str) -> int:
    return sum(map(str.isalpha, text))


# ---------------------------------------------------------------------------------------------------- title


@dataclass
class _Run:
    """Consecutive lines of one font size: a title candidate."""

    lines: list[Line]

    @property
    def text(self) -> str:
        return _join_lines([line.text for line in self.lines])

    @property
    def size(self) -> float:
        return max(line.size for line in self.lines)

    @property
    def y0(self) -> float:
        return min(line.y0 for line in self.lines)

    @property
    def y1(self) -> float:
        return max(line.y1 for line in self.lines)


def _runs(lines: list[Line]) -> list[_Run]:
    """Group lines (sorted top to bottom) into runs of equal size that sit close together."""
    runs: list[_Run] = []
    for line in sorted(lines, key=lambda item: (item.page, round(item.y0), item.x0)):
        placed = False
        for run in reversed(runs[-16:]):
            last = run.lines[-1]
            same_size = abs(last.size - line.size) <= 0.3
            gap = line.y0 - last.y1
            overlaps = line.x0 < last.x1 + 2 * line.size and line.x1 > last.x0 - 2 * line.size
            if same_size and line.page == last.page and -line.size <= gap <= 1.2 * line.size and overlaps:
                run.lines.append(line)
                placed = True
                break
        if not placed:
            runs.append(_Run([line]))
    return runs


_TITLE_WORD_RE = re.compile(r"[(\"'“‘]?[^\W\d_][\w'’\-–:,.?!)]*")


def _title_candidate_ok(run: _Run, page_height: float) -> bool:
    text = run.text
    if run.y0 > 0.75 * page_height or len(run.lines) > 6:
        return False
    if _letters(text) < 6 or _word_count(text) < 2 and len(text) < 12:
        return False
    words = text.split()
    wordlike = sum(1 for word in words if _TITLE_WORD_RE.fullmatch(word))
    if _letters(text) < 0.6 * len(text.replace(" ", "")) or wordlike < 0.7 * len(words):
        return False  # equations, codes and garbled glyphs
    return not _TITLE_NOISE_RE.search(text)


def _is_noise_line(line: Line) -> bool:
    return len(line.text.split()) <= 8 and bool(_TITLE_NOISE_RE.search(line.text))


def _meta_title(metadata: dict[str, Any]) -> str | None:
    title = _clean(metadata.get("title") or "")
    if len(title) < 12 or len(title.split()) < 3 or _META_TITLE_JUNK_RE.search(title):
        return None
    return title


def _pick_title(lines: list[Line], page_height: float, meta_title: str | None) -> tuple[_Run | None, float, list[str]]:
    """The title run, its confidence and any warnings."""
    from rapidfuzz import fuzz

    from litreview.core.text import normalize_title

    warnings: list[str] = []
    clean_lines = [line for line in lines if not _is_noise_line(line)]
    runs = [run for run in _runs(clean_lines) if _title_candidate_ok(run, page_height)]
    body_size = _body_size(lines)
    if not runs or max(run.size for run in runs) <= body_size + 0.5:
        fallback = _title_above_authors(clean_lines, page_height)
        if fallback is not None:
            return fallback, 0.5, ["title found only by its position above the author names"]
    if not runs:
        return None, 0.0, ["no title found on the first page"]
    ranked = sorted(runs, key=lambda run: (-round(run.size * 2) / 2, run.y0))
    best = ranked[0]
    prominent = [run for run in ranked[:4] if run.size >= body_size + 1]
    with_authors = [run for run in prominent if _authors_follow(clean_lines, run)]
    if with_authors and best not in with_authors:
        candidate = with_authors[0]
        # A run right under the biggest one is its translation or subtitle; anything further is the real title
        # under a journal banner.
        translation = abs(candidate.size - best.size) <= 0.5 or 0 <= candidate.y0 - best.y1 < best.size
        if not translation:
            best = candidate
    if meta_title:
        wanted = normalize_title(meta_title)
        for run in ranked[:8]:
            if fuzz.ratio(normalize_title(run.text), wanted) >= 90:
                return run, 0.97, warnings
        # The metadata title may span two runs (a line break with a size change, or a subtitle).
        for first, second in zip(ranked[:8], ranked[1:9], strict=False):
            merged = _Run(sorted(first.lines + second.lines, key=lambda line: line.y0))
            if fuzz.ratio(normalize_title(merged.text), wanted) >= 90:
                return merged, 0.95, warnings
        warnings.append("PDF metadata title differs from the title found on the page")
    others = [run.size for run in ranked if run is not best]
    margin = best.size - max(others + [body_size])
    confidence = 0.85 if margin >= 2 and best.size >= body_size + 2 else 0.6 if best.size > body_size else 0.35
    if confidence < 0.5:
        warnings.append("title is uncertain: no text on the first page stands out by size")
    return best, confidence, warnings


def _authors_follow(lines: list[Line], run: _Run) -> bool:
    """Whether one of the two rows right under `run` reads as a list of person names."""
    below = _author_area(lines, run)
    for row in _rows(below)[:2]:
        if _row_names(row):
            return True
    return False


def _title_above_authors(lines: list[Line], page_height: float) -> _Run | None:
    """For pages where nothing stands out by size: the lines right above the first row of names."""
    top = [line for line in lines if line.y0 < 0.5 * page_height]
    rows = _rows(top)
    for index, row in enumerate(rows):
        if index == 0 or not _row_names(row):
            continue
        x0, x1 = min(line.x0 for line in row), max(line.x1 for line in row)
        above: list[Line] = []
        for previous_row in reversed(rows[max(0, index - 3) : index]):
            # Only lines over the names count: a margin note or equation beside the title is not part of it.
            over = [line for line in previous_row if line.x0 < x1 and line.x1 > x0 and not _is_noise_line(line)]
            if len(over) != 1:
                break
            previous = over[0]
            if _letters(previous.text) < 6 or abs(previous.size - row[0].size) > 3:
                break
            if above and above[0].y0 - previous.y1 > 1.5 * previous.size:
                break
            above.insert(0, previous)
        if above and len(" ".join(line.text for line in above).split()) >= 3:
            return _Run(above)
        return None
    return None


def _body_size(lines: list[Line]) -> float:
    weights: dict[float, int] = {}
    for line in lines:
        weights[round(line.size)] = weights.get(round(line.size), 0) + len(line.text)
    return float(max(weights, key=weights.__getitem__)) if weights else 10.0


# ---------------------------------------------------------------------------------------------------- authors


def _split_names(text: str) -> list[str]:
    cleaned = _MEMBERSHIP_RE.sub(",", text)
    cleaned = _NAME_NOISE_RE.sub(",", cleaned)
    cleaned = re.sub(r"\s+(?:and|&|und|e|y|et)\s+", ",", cleaned, flags=re.IGNORECASE)
    cleaned = re.sub(r"^\s*(?:and|by)\s+", "", cleaned, flags=re.IGNORECASE)
    parts = (part.strip(" .-–—'’\"`^_~()") for part in re.split(r"[,;]|\s{3,}", cleaned))
    parts = (_HONORIFIC_RE.sub("", part) for part in parts)
    # Affiliation markers left inline ("a", "II", "ID" for an ORCID icon) are not pieces of the author list.
    return [part for part in parts if _letters(part) >= 2 and not re.fullmatch(r"[IVX]+|[a-z]{1,2}|ID", part)]


def _is_name(candidate: str) -> bool:
    compact = candidate.replace(" ", "")
    if _CJK_NAME_RE.fullmatch(compact):  # 张三, 김철수: CJK names are written without spaces
        return not re.search(
            r"大学|大學|学院|學院|研究|医院|醫院|中心|公司|实验|實驗|摘要|引言|前言|关键|關鍵|目录|대학|연구", compact
        )
    tokens = candidate.replace(".", ". ").split()
    if not 2 <= len(tokens) <= 6 or len(candidate) > 60 or _TITLE_NOISE_RE.search(candidate):
        return False
    if any(char in candidate for char in ":/[]{}=+&%$!?"):
        return False  # "Running Head: ...", "Source: DBLP"
    if not any(len(token.strip(".'’-()")) >= 2 and not token.endswith(".") for token in tokens):
        return False  # initials only: "(A.R.S.)" after an e-mail address
    capitalised = 0
    for token in tokens:
        bare = token.strip(".'’-()")
        lowered = bare.casefold()
        if not bare:
            continue
        if lowered in _AFFILIATION_WORDS or any(part in _TITLE_WORDS for part in lowered.split("-")):
            return False
        if lowered in _NAME_PARTICLES:
            continue
        if not bare[0].isupper() or any(char.isdigit() for char in bare):
            return False
        capitalised += 1
    return capitalised >= 2 or (capitalised >= 1 and len(tokens) >= 2)


def _name_order(name: str) -> str:
    """A name as "Given Family": "JANE DOE" -> "Jane Doe", "Ross G. DOUGLAS" -> "Ross G. Douglas",
    and the Vancouver style "Alhadainy HA" -> "H. A. Alhadainy"."""
    tokens = name.replace(".", ". ").split()
    shouting = all(token.isupper() for token in tokens if len(token.strip(".")) > 1)
    shortest = 2 if shouting else 3  # "LUCY LU WANG" is all capitals; in "Alhadainy HA" the capitals are initials
    tokens = [
        _title_case(token)
        if token.isupper() and len(token.strip(".")) >= shortest and not token.endswith(".")
        else token
        for token in tokens
    ]
    last = tokens[-1] if tokens else ""
    if len(tokens) >= 2 and re.fullmatch(r"[A-Z]{1,3}", last) and not any(t.isupper() for t in tokens[:-1]):
        tokens = [f"{initial}." for initial in last] + tokens[:-1]
    return " ".join(tokens).replace(" -", "-").replace("- ", "-")


def _title_case(token: str) -> str:
    return "-".join(part[:1].upper() + part[1:].lower() for part in token.split("-"))


def _rows(lines: list[Line]) -> list[list[Line]]:
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda item: (item.y0, item.x0)):
        if rows and abs(rows[-1][0].y0 - line.y0) <= 0.5 * line.size:
            rows[-1].append(line)
        else:
            rows.append([line])
    return rows


def _author_area(lines: list[Line], title: _Run) -> list[Line]:
    """Lines under the title, in its horizontal span (not a sidebar), that are short enough to hold names."""
    title_ids = {id(line) for line in title.lines}
    x0 = min(line.x0 for line in title.lines)
    x1 = max(line.x1 for line in title.lines)
    area = [
        line
        for line in lines
        if id(line) not in title_ids
        and title.y1 <= (line.y0 + line.y1) / 2 < title.y1 + 300
        and line.x1 > x0 - 20
        and line.x0 < x1 + 20
        and len(line.text.split()) <= 40
    ]
    inside = sorted((line for line in area if line.x1 > x0 and line.x0 < x1), key=lambda line: line.y0)
    if not inside:
        return area
    # Lines wholly beside the title in smaller print than the lines under it are a side column (editors, notes).
    under_size = max(line.size for line in inside[:3])
    return [line for line in area if (line.x1 > x0 and line.x0 < x1) or line.size >= under_size - 0.5]


def _row_names(row: list[Line]) -> list[str]:
    """The person names on one row, or [] when the row is not mostly names."""
    pieces: list[str] = []
    for line in sorted(row, key=lambda item: item.x0):
        if _ABSTRACT_HEADING_RE.match(line.text) and len(line.text.split()) <= 2:
            continue  # the heading of an abstract column beside the names
        line_pieces = _split_names(line.main_text)
        if len(line.text.split()) > 6 and not any(_is_name(piece) for piece in line_pieces):
            continue  # a line of another column (an abstract beside the author list)
        pieces.extend(line_pieces)
    names = [piece for piece in pieces if _is_name(piece)]
    if names and len(names) >= 0.6 * len(pieces):
        return [_name_order(name) for name in names]
    # "JANE DOE, University of X, USA": one name per line, followed by its affiliation (ACM, some journals).
    leading: list[str] = []
    for line in row:
        line_pieces = _split_names(line.main_text)
        if len(line_pieces) < 2 or not _is_name(line_pieces[0]):
            return []
        if not any(_has_affiliation_word(piece) for piece in line_pieces[1:]):
            return []
        leading.append(_name_order(line_pieces[0]))
    return leading


def _has_affiliation_word(text: str) -> bool:
    return any(word.casefold().strip(".,;") in _INSTITUTION_WORDS for word in text.split())


def _pick_authors(lines: list[Line], title: _Run | None) -> tuple[list[str], float]:
    """Names from the rows right under the title (or above it, for layouts that print authors first)."""
    if title is None:
        return [], 0.0
    below = _author_area(lines, title)
    authors: list[str] = []
    skipped = 0
    last_row_y = None
    affiliation_rows = 0
    for row in _rows(below):
        names = _row_names(row)
        if not names and any(_ABSTRACT_HEADING_RE.match(line.text) for line in row):
            break
        if authors and last_row_y is not None and row[0].y0 - last_row_y > 4 * row[0].size:
            break
        if names:
            authors.extend(names)
            last_row_y = row[0].y1
            affiliation_rows = 0
            continue
        if authors:
            # Journals that print each author above their own affiliation: read on through affiliation rows.
            row_text = " ".join(line.text for line in row)
            affiliation = row_text.strip().lower() == "and" or "@" in row_text or _has_affiliation_word(row_text)
            affiliation_rows += 1
            if not affiliation or affiliation_rows > 4:
                break
            last_row_y = row[0].y1
            continue
        skipped += 1
        if skipped > 5:
            break
    if not authors:
        above = [line for line in lines if line.y1 <= title.y0 + 1 and line.y0 > title.y0 - 120]
        for row in reversed(_rows(above)[-2:]):
            names = _row_names(row)
            if names:
                return names, 0.5
        return [], 0.0
    seen: dict[str, None] = {}
    for name in authors:
        seen.setdefault(name, None)
    return list(seen), 0.8 if skipped == 0 else 0.6


# ---------------------------------------------------------------------------------------------------- abstract


def _drop_line_end_hyphen(before: str, after: str) -> bool:
    """Whether the hyphen ending `before` only splits a word across lines ("metho-" + "dology"), rather than
    belonging to it ("lifestyle-" + "related", "COVID-" + "19", "SARS-" + "associated")."""
    if before.endswith("\u00ad"):
        return True  # a soft hyphen is always a line-break hyphen
    head = re.search(r"([^\W_][\w'’]*)[-\u2010]$", before)
    first = head.group(1) if head else ""
    if any(char.isdigit() for char in first) or len(first) > 1 and first.isupper():
        return False
    second = re.match(r"[^\W\d_]+", after)
    return not (len(first) >= 3 and second is not None and second.group(0).casefold() in _COMPOUND_HEADS)


def _join_lines(texts: list[str]) -> str:
    """Join line texts into a paragraph, repairing words hyphenated at a line end."""
    out = ""
    for text in texts:
        text = text.strip()
        if not text:
            continue
        if out and _HYPHEN_END_RE.search(out, len(out) - 2) and text[:1].islower():  # only the end: no rescan
            out = out[:-1] + text if _drop_line_end_hyphen(out, text) else out[:-1] + "-" + text
        elif out and (_CJK_RE.match(out[-1]) or _CJK_RE.match(text[0]) or out[-1] in "，。、；："):
            out += text  # Chinese and Japanese lines join without a space
        elif out:
            out += " " + text
        else:
            out = text
    return out


def _is_heading_like(line: Line, body_size: float) -> bool:
    words = line.text.split()
    return (line.size > body_size + 1.0 or line.bold) and len(words) <= 8 and not line.text.rstrip().endswith(".")


def _collect_abstract(lines: list[Line], start: int, first_text: str) -> tuple[str, bool]:
    """Lines from `start` on (reading order, across columns and pages) until the next heading."""
    parts = [first_text] if first_text else []
    if start >= len(lines):
        return first_text, False
    body = [line for line in lines[start : start + 6] if len(line.text) > 30]
    body_size = sorted(line.size for line in body)[len(body) // 2] if body else lines[start].size
    ended = False
    words = _word_count(first_text)
    previous: Line | None = None
    for line in lines[start:]:
        text = line.text
        if previous is not None and line.page == previous.page and abs(line.x0 - previous.x0) < 40:
            gap = line.y0 - previous.y1
            size_changed = abs(line.size - previous.size) >= 0.3
            if words > 30 and (gap > 2.5 * line.size or (size_changed and gap > 1.2 * line.size)):
                ended = True  # a wide gap in the same column: the abstract's block is over
                break
        if _ABSTRACT_STOP_RE.match(text) or _ABSTRACT_HEADING_RE.match(text) and parts:
            ended = True
            break
        if line.size > body_size + 1.0 and _is_heading_like(line, body_size):
            ended = True
            break
        if line.size < body_size - 1.2:
            continue  # footnotes, running heads and page numbers inside the flow
        label = line.bold and len(text.split()) <= 3 and bool(_ABSTRACT_LABEL_RE.fullmatch(text.strip(" :.")))
        if parts and line.bold and _is_heading_like(line, body_size) and not _STRUCTURED_START_RE.match(text + " "):
            if len(text.split()) <= 6 and words > 40 and not label:
                ended = True
                break
        if label and not text.endswith(":"):
            text = text.strip(" .") + ":"  # "Results" on its own line reads "Results: …" in the paragraph
        parts.append(text)
        previous = line
        words += _word_count(text)
        if words > 700:
            break
    return _join_lines(parts), ended


def _title_end(lines: list[Line], title: _Run | None) -> tuple[int, float]:
    """The page and bottom edge of the title block (or the first line's page and -1 without a title)."""
    return (title.lines[0].page if title else (lines[0].page if lines else 0)), (title.y1 if title else -1.0)


def _under_abstract_headings(lines: list[Line], title: _Run | None) -> Iterator[tuple[Line, int, str, bool]]:
    """Each abstract heading below the title, in reading order: (heading line, where the heading word ends in
    it, the text collected under it, whether the text ended at a stop heading)."""
    title_page, title_bottom = _title_end(lines, title)
    for index, line in enumerate(lines):
        if line.page == title_page and line.y1 < title_bottom:
            continue
        match = _ABSTRACT_HEADING_RE.match(line.text)
        if not match:
            continue
        remainder = line.text[match.end() :].strip()
        if remainder and remainder[0].islower() and not line.text[: match.end()].strip().endswith((":", ".")):
            continue  # "Summary statistics are ..." is a sentence, not a heading
        text, ended = _collect_abstract(lines, index + 1, remainder)
        yield line, match.end(), text, ended


def _find_abstract(
    lines: list[Line], title: _Run | None, *, first_block: bool = True
) -> tuple[str | None, str | None, float]:
    """(abstract, source, confidence)."""
    for _, _, text, ended in _under_abstract_headings(lines, title):
        if _word_count(text) >= 15:
            confidence = 0.9 if ended else 0.65
            return text, "pdf-heading", confidence
    title_page, title_bottom = _title_end(lines, title)
    for index, line in enumerate(lines):
        if line.page == title_page and line.y1 < title_bottom:
            continue
        labelled = bool(line.lead) and bool(_STRUCTURED_LABEL_RE.fullmatch(line.lead.strip(" :.")))
        if labelled or _STRUCTURED_START_RE.match(line.text + " ") and (line.bold or line.text[:1].isupper()):
            text, ended = _collect_abstract(lines, index, "")
            if _word_count(text) >= 40:
                return text, "pdf-heading", 0.6 if ended else 0.45
    return _first_block_abstract(lines, title) if first_block else (None, None, 0.0)


def _first_block_abstract(lines: list[Line], title: _Run | None) -> tuple[str | None, str | None, float]:
    """No heading: the first long body paragraph after the title block and before the Introduction."""
    title_page, title_bottom = _title_end(lines, title)
    candidates: list[Line] = []
    for line in lines:
        if line.page != title_page or line.y0 < title_bottom:
            continue
        if _ABSTRACT_STOP_RE.match(line.text) and re.search(r"introduc", line.text, re.IGNORECASE):
            break
        candidates.append(line)
    blocks: dict[tuple[int, int], list[Line]] = {}
    for line in candidates:
        blocks.setdefault((line.page, line.block), []).append(line)
    order = {id(line): index for index, line in enumerate(candidates)}
    body_size = _body_size([line for line in lines if line.page == title_page])
    page_height = max((line.y1 for line in lines if line.page == title_page), default=800.0) + 40
    # PyMuPDF's blocks first; where it made one block per line, paragraphs of equal size and spacing.
    for paragraphs in (list(blocks.values()), [run.lines for run in _runs(candidates)]):
        for paragraph in sorted(paragraphs, key=lambda group: order[id(group[0])]):
            if max(line.size for line in paragraph) < body_size - 1.5:
                continue  # a footnote ("This work was supported by ...")
            text = _join_lines([line.text for line in paragraph])
            words = text.split()
            front_matter = "@" in text or sum(1 for word in words[:40] if _has_affiliation_word(word)) >= 4
            front_matter = front_matter or bool(_FRONT_MATTER_RE.search(text)) or paragraph[0].y0 > 0.7 * page_height
            sentences = len(re.findall(r"[.。]", text))
            if _word_count(text) >= 50 and sentences >= 2 and not front_matter and not _ABSTRACT_STOP_RE.match(text):
                return text, "pdf-first-block", 0.4
    return None, None, 0.0


# ------------------------------------------------------------------------------------ two languages (#22)

# The language an abstract heading names, for a text too short or too mixed to tell by its words.
_HEADING_LANGUAGE = {
    "abstract": "en", "summary": "en", "resumo": "pt", "resumen": "es", "resúmen": "es", "résumé": "fr", "resume": "fr",
    "zusammenfassung": "de", "riassunto": "it", "sommario": "it", "аннотация": "ru", "摘要": "zh", "要旨": "ja",
}


# Words a title line never ends on unless the title goes on: "… signaling and" / "induces …".
_JOINING_WORDS = frozenset(
    "a an and the of for in on to with by from at as or e y et und de da do das dos del la el los las le les des "
    "du der die das em no na nos nas en con para por com sobre di il von zu für".split()
)


def _split_translated_title(run: _Run) -> tuple[_Run, list[_Run]]:
    """A title run that holds the title and, on the lines after it, its translation: (title, [translations]).

    The cut falls where the print changes (weight, slant, size) or, failing that, at a line break; it is only made
    when the words on either side are in two different languages, so a subtitle is never split off.
    """
    lines = sorted(run.lines, key=lambda line: (line.page, line.y0))
    if len(lines) < 2:
        return run, []

    def style(line: Line) -> tuple[bool, bool, int]:
        return line.bold, line.italic, round(line.size)

    styled = [cut for cut in range(1, len(lines)) if style(lines[cut]) != style(lines[cut - 1])]
    for cut in [*styled, *(cut for cut in range(1, len(lines)) if cut not in styled)]:
        first, second = _Run(lines[:cut]), _Run(lines[cut:])
        if cut not in styled and min(_word_count(first.text), _word_count(second.text)) < 4:
            continue
        last_word = first.text.split()[-1].casefold()
        if not second.text[:1].isupper() or last_word in _JOINING_WORDS or first.text.endswith(("-", ",", ":", ";")):
            continue  # "… signaling and" / "induces apoptosis …": one title broken over two lines
        before, after = guess_short_language(first.text), guess_short_language(second.text)
        if before and after and before != after:
            rest, more = _split_translated_title(second)
            return first, [rest, *more]
    return run, []


def _translated_title_below(lines: list[Line], title: _Run, body_size: float) -> _Run | None:
    """The translation printed as its own block right under the title (prominent print, another language)."""
    language = guess_short_language(title.text)
    if not language:
        return None
    inside = {id(line) for line in title.lines}
    page = title.lines[0].page
    below = sorted(
        (line for line in lines if line.page == page and id(line) not in inside and line.y0 >= title.y1 - 1),
        key=lambda line: (line.y0, line.x0),
    )
    group: list[Line] = []
    for line in below:
        gap = line.y0 - (group[-1].y1 if group else title.y1)
        if line.size < max(body_size + 1, 0.6 * title.size) or gap > (1.5 * line.size if group else 3 * title.size):
            break
        if _row_names([line]) or re.search(r"@|https?:|\d{2}", line.text):
            break  # the author names (with affiliation marks) or an address: no translation here
        group.append(line)
    if not group or len(group) > 4:
        return None
    candidate = _Run(group)
    other = guess_short_language(candidate.text)
    return candidate if other and other != language and _letters(candidate.text) >= 10 else None


def _original_title_above(lines: list[Line], title: _Run, body_size: float) -> _Run | None:
    """The title in the article's language printed right above `title` when `title` is its translation (picked
    because the author names follow it): at least as prominent, in another language."""
    language = guess_short_language(title.text)
    if not language:
        return None
    page = title.lines[0].page
    above = sorted(
        (line for line in lines if line.page == page and line.y1 <= title.y0 + 1),
        key=lambda line: (-line.y0, line.x0),
    )
    group: list[Line] = []
    for line in above:
        gap = (group[0].y0 if group else title.y0) - line.y1
        if line.size < max(body_size + 1, title.size - 0.5) or gap > (1.5 * line.size if group else 3 * title.size):
            break
        group.insert(0, line)
    if not group or len(group) > 4:
        return None
    candidate = _Run(group)
    other = guess_short_language(candidate.text)
    return candidate if other and other != language and _letters(candidate.text) >= 10 else None


def _headed_abstracts(lines: list[Line], title: _Run | None) -> list[tuple[str | None, str, float]]:
    """Every abstract under a heading on the header pages: (language, text, confidence), in reading order."""
    found: list[tuple[str | None, str, float]] = []
    for line, heading_end, text, ended in _under_abstract_headings(lines, title):
        if _word_count(text) < 15:
            continue
        heading = re.sub(r"[\s:.\-—–]+", "", line.text[:heading_end]).casefold()
        language = detect_language(text) or _HEADING_LANGUAGE.get(heading)
        found.append((language, text, 0.9 if ended else 0.65))
    return found


_KEYWORDS_HEADING_RE = re.compile(
    r"^\s*(?P<name>key\s*-?\s*words?|index\s+terms|palavras[\s-]*chaves?|descritores|palabras[\s-]*claves?"
    r"|descriptores|mots[\s-]*cl[ée]s|schl[üu]sselw[öo]rter|parole\s+chiave)\s*[:.—–-]?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_KEYWORDS_LANGUAGE = (
    ("key", "en"), ("index", "en"), ("palavra", "pt"), ("descritor", "pt"), ("palabra", "es"), ("descriptor", "es"),
    ("mots", "fr"), ("schl", "de"), ("parole", "it"),
)


def _keywords_by_language(lines: list[Line]) -> list[tuple[str, str]]:
    """Keyword lists under their headings ("Keywords", "Palavras-chave", "Descritores", "Palabras clave" …):
    (language named by the heading, keywords as printed), in reading order."""
    found: list[tuple[str, str]] = []
    for line in lines:
        match = _KEYWORDS_HEADING_RE.match(line.text)
        if not match:
            continue
        name = match.group("name").casefold()
        language = next(lang for prefix, lang in _KEYWORDS_LANGUAGE if name.startswith(prefix))
        parts = [match.group("rest")] if match.group("rest") else []
        previous = line
        following = sorted(
            (
                other
                for other in lines
                if other.page == line.page and other.y0 > line.y0 and abs(other.x0 - line.x0) < 3
            ),
            key=lambda other: other.y0,
        )
        for other in following:
            if other.y0 - previous.y1 > 1.5 * other.size or abs(other.size - line.size) > 0.5:
                break
            if _KEYWORDS_HEADING_RE.match(other.text) or _ABSTRACT_HEADING_RE.match(other.text) or other.bold:
                break
            parts.append(other.text)
            previous = other
        text = _join_lines(parts).strip(" .;")
        if text and len(text) <= 400 and all(lang != language for lang, _ in found):
            found.append((language, text))
    return found


def _translations(
    layout: Layout, header: int, last: int, lines: list[Line], title_run: _Run | None
) -> tuple[_Run | None, list[tuple[str, str, str]], tuple[str, str, float] | None]:
    """For a paper printed in two languages: the title run in its own language, the translations
    (field, language, text) and the abstract in the title's language (language, text, confidence) when the page
    carries abstracts in several languages."""
    if title_run is None:
        return None, [], None
    title, translated = _split_translated_title(title_run)
    if not translated:
        original = _original_title_above(lines, title_run, _body_size(lines))
        if original is not None:
            title, translated = original, [title_run]
        else:
            below = _translated_title_below(lines, title_run, _body_size(lines))
            translated = [below] if below else []
    translations: list[tuple[str, str, str]] = []
    for run in translated:
        language = guess_short_language(run.text)
        if language:
            translations.append(("title", language, _tidy_title(run.text)))
    # Footnotes (correspondence, funding, "how to cite") sit between an abstract and its continuation overleaf.
    body_size = _body_size(lines)
    pages = [line for line in lines if line.size >= body_size - 1.2]
    headings = sum(1 for line in pages if _ABSTRACT_HEADING_RE.match(line.text))
    if header + 1 < last and (translations or headings >= 2):
        # The second abstract often runs on to the next page: read on, past its running head and page number.
        following = layout.page(header + 1)
        band = RUNNING_BAND * following.height
        pages += [
            line
            for line in following.reading_order()  # top to bottom: the continuation comes first
            if band < line.y0 and line.y1 < following.height - band and line.size >= body_size - 1.2
        ]
    abstracts = _headed_abstracts(pages, title)
    languages = {language for language, _, _ in abstracts if language}
    main = None
    if len(languages) >= 2:
        wanted = guess_short_language(title.text)
        main = next((item for item in abstracts if item[0] == wanted), abstracts[0])
        seen = {main[0]}
        for language, text, _ in abstracts:
            if language and language not in seen:
                seen.add(language)
                translations.append(("abstract", language, text))
    if main is not None and main[0] is None:
        main = None
    own = main[0] if main else guess_short_language(title.text)
    for language, text in _keywords_by_language(pages):
        if language != own and (translations or len(languages) >= 2):
            translations.append(("keywords", language, text))
    return title, translations, (main[0], main[1], main[2]) if main else None


# ---------------------------------------------------------------------------------------------------- reading


_WORDLIKE_RE = re.compile(r"[(\"'“‘\[]?[^\W\d_]+(?:[-'’.][^\W\d_]+)*[.,;:!?)\]”’\"]*")


def _readable(text: str) -> bool:
    """Whether extracted text reads as words, not the glyph soup of a broken font encoding."""
    tokens = text.split()
    if not tokens:
        return False
    if text.count("\ufffd") > 0.05 * len(text):
        return False
    wordlike = sum(1 for token in tokens if _WORDLIKE_RE.fullmatch(token))
    return wordlike >= 0.4 * len(tokens)


def _header_page(layout: Layout, max_pages: int) -> tuple[int, list[Line], list[str]]:
    """The page holding the header (the first with a readable text layer: a cover page is skipped) and its lines."""
    warnings: list[str] = []
    unreadable = False
    for number in range(min(max_pages, layout.page_count, 3)):
        lines = layout.lines(number)
        text = " ".join(line.text for line in lines)
        if _letters(text) < _MIN_TEXT_CHARS:
            continue
        if not _readable(text):
            unreadable = True
            continue
        if number:
            warnings.append(f"page 1 has no readable text (cover page?): header read from page {number + 1}")
        return number, lines, warnings
    warnings.append(UNREADABLE_TEXT if unreadable else NO_TEXT_LAYER)
    return -1, [], warnings


def _year(text: str, metadata: dict[str, Any]) -> tuple[int | None, float]:
    match = _YEAR_CONTEXT_RE.search(text)
    if match:
        return int(match.group(1)), 0.8
    for key in ("creationDate", "modDate"):
        value = metadata.get(key) or ""
        # PDF dates are "D:YYYYMMDD..."; some old writers put free text ("Sat, Jun 19, 1993 12:47 AM").
        found = re.match(r"\s*(?:D:)?(\d{4,5})", value) or re.search(r"\b((?:19|20)\d\d)\b", value)
        if found:
            digits = found.group(1)
            # Y2K-era writers put "19" before the years since 1900: D:19100... is 2000.
            year = 1900 + int(digits[2:5]) if len(digits) == 5 and digits.startswith("191") else int(digits[:4])
            if 1950 <= year <= datetime.date.today().year + 1:
                return year, 0.4
    match = _YEAR_RE.search(text)
    return (int(match.group(1)), 0.3) if match else (None, 0.0)


def read_header(layout: Layout, max_pages: int = 3, *, full_text: bool = True) -> ParsedPaper:
    """The paper's metadata from the first `max_pages` readable pages of `layout`; with `full_text`, also the
    text of those pages for keyword search (its later pages are read only for it, or to tell the language of a
    paper without a long abstract)."""
    path = layout.path
    metadata = layout.metadata
    pages = layout.page_count
    warnings: list[str] = []
    header, header_lines, header_warnings = _header_page(layout, max(1, max_pages))
    warnings.extend(header_warnings)
    if header < 0:
        # No title: the library shows and finds a scan by its file name (metadata titles are too often junk).
        return ParsedPaper(source="pdf", pages=pages, warnings=tuple(warnings), origin=str(path))
    last = min(pages, header + max_pages)
    page_height = layout.page(header).height
    lines = header_lines
    title_run, title_conf, title_warnings = _pick_title(header_lines, page_height, _meta_title(metadata))
    warnings.extend(title_warnings)
    title = _tidy_title(title_run.text) if title_run else None
    own_title, translations, main_abstract = _translations(
        layout, header, min(pages, header + max_pages), header_lines, title_run
    )
    if own_title is not None and own_title is not title_run:
        title = _tidy_title(own_title.text)
    abstract, abstract_source, abstract_conf = _find_abstract(lines, title_run, first_block=last == 1)
    if main_abstract is None and abstract_conf < 0.9 and header + 1 < last:
        # The abstract may run on to the next page (or start there, after a long header): read it with layout.
        lines = header_lines + layout.lines(header + 1)
        abstract, abstract_source, abstract_conf = _find_abstract(lines, title_run)
    if main_abstract is not None:
        abstract, abstract_source, abstract_conf = main_abstract[1], "pdf-heading", main_abstract[2]
    long_abstract = abstract is not None and len(abstract) > 200
    pages_text = None
    if full_text or not long_abstract:
        texts = ["\n".join(line.text for line in lines)]
        for number in range(lines[-1].page + 1 if lines else header + 1, last):
            texts.append("\n".join(layout.text(number)))
        pages_text = "\n".join(texts).strip()  # its lines are clean() already: NFKC, single spaces
    if abstract is None:
        warnings.append("no abstract found")
    authors, author_conf = _pick_authors(header_lines, title_run)
    if not authors:
        meta_author = _clean(metadata.get("author") or "")
        names = [name for name in _split_names(meta_author) if _is_name(name)]
        if names:
            authors, author_conf = [_name_order(name) for name in names], 0.5
        else:
            warnings.append("no authors found")

    header_text = "\n".join(line.text for line in header_lines)
    doi = find_doi(header_text) or normalize_doi(metadata.get("subject")) or find_doi(metadata.get("keywords") or "")
    arxiv_id = find_arxiv(header_text) or normalize_arxiv_from_meta(metadata)
    year, year_conf = _year(header_text, metadata)
    bib = read_bibliographic(header_lines, page_height, metadata, title)
    if bib.year and bib.confidence.get("year", 0.0) >= year_conf:
        year, year_conf = bib.year, bib.confidence["year"]
    if is_correction_notice(title):
        warnings.append("correction notice (corrigendum, erratum or retraction), not the original article")
    language = detect_language(abstract if long_abstract else pages_text)
    if main_abstract is not None:
        language = main_abstract[0]
    elif translations and title:
        language = guess_short_language(title) or language
    keywords = None
    if translations:  # a bilingual first page: the keywords in the paper's own language
        keywords = next((text for lang, text in _keywords_by_language(header_lines) if lang == language), None)

    confidence = {"title": title_conf, "authors": author_conf, "abstract": abstract_conf}
    if doi:
        confidence["doi"] = 0.95 if find_doi(header_text) else 0.8
    if arxiv_id:
        confidence["arxiv_id"] = 0.95
    if year:
        confidence["year"] = year_conf
    if language:
        confidence["language"] = 0.8
    for name in ("venue", "volume", "issue", "page_range", "entry_type"):
        if name in bib.confidence:
            confidence[name] = bib.confidence[name]
    return ParsedPaper(
        source="pdf",
        title=title,
        authors=tuple(authors),
        abstract=abstract,
        abstract_source=abstract_source,
        year=year,
        venue=bib.venue,
        keywords=keywords,
        volume=bib.volume,
        issue=bib.issue,
        page_range=bib.page_range,
        entry_type=bib.entry_type,
        doi=doi,
        arxiv_id=arxiv_id,
        language=language,
        full_text=pages_text if full_text else None,
        pages=pages,
        confidence=confidence,
        warnings=tuple(warnings),
        origin=str(path),
        translations=tuple(translations),
    )


def normalize_arxiv_from_meta(metadata: dict[str, Any]) -> str | None:
    """An arXiv id the PDF's metadata names explicitly (arXiv's own stamp writes it in subject/keywords)."""
    for key in ("subject", "keywords", "title"):
        value = metadata.get(key) or ""
        if "arxiv" in value.lower():
            found = find_arxiv(value) or normalize_arxiv(value)
            if found:
                return found
    return None


def _tidy_title(text: str) -> str:
    """The title without the footnote markers that often trail it ("... Systems⋆", "... Models*†")."""
    text = re.sub(r"[\s*†‡§¶∗⋆★☆✝#,]+$", "", text)
    return _SPACE_RE.sub(" ", text).strip(" .,;:")
