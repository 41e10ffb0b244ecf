"""BibTeX reader: .bib files in, ParsedPaper records and per-entry errors out. Pure: no DB writes.

All files of one call are read together, so `@string` macros defined in one file resolve in another and a
`crossref` may point into a sibling file. bibtexparser v2's splitter finds the blocks; macro expansion,
crossref/xdata inheritance and LaTeX-to-Unicode (pylatexenc) happen here, because the v2 middlewares work
on one library at a time. `ParsedPaper.original_fields` keeps each field's text as written (macros expanded,
LaTeX kept) so export is lossless.
"""

from __future__ import annotations

import codecs
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from litreview.core.identifiers import find_arxiv, normalize_arxiv, normalize_doi
from litreview.core.paper import IngestError, ParsedPaper

__all__ = [
    "MONTH_MACROS", "TEX_LOGOS", "BibtexParseResult", "DecodedBib", "arxiv_id_from_fields", "decode_bib_bytes",
    "decode_file", "doi_from_fields", "latex_to_unicode", "parse_bibtex_files", "parse_file_field", "read_bib_text",
    "split_authors", "year_from_fields",
]  # fmt: skip

MONTH_MACROS = {
    "jan": "January", "feb": "February", "mar": "March", "apr": "April", "may": "May", "jun": "June",
    "jul": "July", "aug": "August", "sep": "September", "oct": "October", "nov": "November", "dec": "December",
}  # fmt: skip

# Fields a child never inherits from its crossref/xdata parent: identity of the parent, not of the child.
_NOT_INHERITED = frozenset(
    {"ids", "crossref", "xdata", "xref", "entryset", "label", "shorthand", "sortkey", "file", "doi", "eprint",
     "eprinttype", "archiveprefix", "url", "urldate", "abstract", "keywords", "title", "subtitle", "titleaddon",
     "shorttitle", "execute", "options", "related", "relatedtype"}
)  # fmt: skip
# biblatex's default crossref mapping of the parent's title into the child's book title.
_TITLE_TO_BOOKTITLE = {"title": "booktitle", "subtitle": "booksubtitle", "titleaddon": "booktitleaddon"}
_ENTRY_START = re.compile(r"^[ \t]*@[ \t]*([A-Za-z][\w-]*)[ \t]*[{(][ \t]*([^,\s}]*)", re.MULTILINE)
_NEEDS_LATEX = re.compile(r"[\\$~%]|--|``|''")
_SPACES = re.compile(r"\s+")
_BARE_SPECIAL = re.compile(r"(?<!\\)([%&])")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
# JabRef writes "% Encoding: UTF-8"; Emacs users write "-*- coding: latin-9-unix -*-".
_ENCODING_HEADER = re.compile(rb"(?:%\s*Encoding:|-\*-.*?coding:)\s*([\w.-]+)", re.IGNORECASE)
# Encodings charset-normalizer may pick from; a small set keeps short files from odd guesses (cp775, ...).
_CANDIDATE_ENCODINGS = (
    "cp1252 latin_1 iso8859_15 cp1250 iso8859_2 cp1251 koi8_r gb18030 big5 shift_jis euc_jp euc_kr "
    "cp1253 cp1254 cp1255 cp1256 cp1257"
).split()
_VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "eventtitle", "publisher", "school", "institution",
                 "organization", "howpublished")  # fmt: skip


@dataclass(frozen=True)
class BibtexParseResult:
    """What one parse of a set of .bib files found. Every entry seen is in `records` or in `errors`."""

    records: list[ParsedPaper]
    errors: list[IngestError]
    entries_seen: int
    # One per file not read as plain UTF-8: the encoding used and how it was chosen (for the import log).
    notices: list[IngestError] = field(default_factory=list)


@dataclass
class _RawEntry:
    """An entry after macro expansion, before inheritance and conversion."""

    path: str
    line: int  # 1-based
    entry_type: str
    key: str
    fields: dict[str, str]  # lower-case name -> expanded raw LaTeX text
    warnings: list[str]


# --------------------------------------------------------------------------------------------- decoding


@dataclass(frozen=True)
class DecodedBib:
    """A .bib file's text and how it was decoded: `how` is "bom", "utf-8", "header", "given" or "detected"."""

    text: str
    encoding: str
    how: str
    confident: bool = True

    def notice(self) -> str | None:
        """What the import log says about the encoding (None for plain UTF-8, the default)."""
        if self.how in ("bom", "utf-8"):
            return None
        if self.how == "given":
            return f"read as {self.encoding} (as asked)"
        if self.how == "header":
            return f"read as {self.encoding} (the file's encoding line)"
        if self.confident:
            return f"not UTF-8; read as {self.encoding} (detected)"
        return (f"not UTF-8; read as {self.encoding}, but the file is too short to be sure: if names or titles look "
                "wrong, import it again with another encoding (litreview import --encoding gbk|cp949|big5|...)")

    def entry_warning(self) -> str | None:
        """The warning every entry of the file carries: its encoding was guessed, or its text is damaged."""
        if self.how == "bom" and not self.confident:
            return "damaged UTF-16: unreadable characters were replaced by \ufffd"
        return self.notice() if self.how == "detected" else None


# Chinese GBK bytes also decode as Korean CP949 (and the other way round) in short files: Korean text decoded as
# CP949 is almost all Hangul, Chinese bytes decoded as CP949 give Hangul and Hanja mixed half and half.
_GB_OR_KOREAN = frozenset({"gb18030", "gbk", "gb2312", "euc_kr", "cp949"})
_LANGUAGE_HINT = re.compile(rb"\b(?:language|langid|hyphenation)\s*=\s*[{\"]?\s*([A-Za-z-]+)", re.IGNORECASE)
_CHINESE_HINTS = ("chinese", "zh", "zh-cn", "zh-hans", "pinyin", "schinese", "mandarin")
_KOREAN_HINTS = ("korean", "ko", "ko-kr")


def _hangul_share(text: str) -> tuple[float, int]:
    """Hangul syllables among Hangul + Han characters, and how many such characters there are."""
    hangul = sum(1 for char in text if "\uac00" <= char <= "\ud7a3")
    han = sum(1 for char in text if "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"
              or "\uf900" <= char <= "\ufaff")  # fmt: skip
    total = hangul + han
    return (hangul / total if total else 0.0), total


def _chinese_or_korean(raw: bytes) -> DecodedBib | None:
    """Choose between GB18030 and CP949 for bytes both may decode: the file's language hint, else the script."""
    decoded = {}
    for encoding in ("gb18030", "cp949"):
        try:
            decoded[encoding] = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    if not decoded:
        return None
    if len(decoded) == 1:
        encoding, text = next(iter(decoded.items()))
        return DecodedBib(text, encoding, "detected")
    hints = {match.group(1).decode("ascii").lower() for match in _LANGUAGE_HINT.finditer(raw)}
    if hints & set(_CHINESE_HINTS) and not hints & set(_KOREAN_HINTS):
        return DecodedBib(decoded["gb18030"], "gb18030", "detected")
    if hints & set(_KOREAN_HINTS) and not hints & set(_CHINESE_HINTS):
        return DecodedBib(decoded["cp949"], "cp949", "detected")
    share, count = _hangul_share(decoded["cp949"])
    encoding = "cp949" if share >= 0.9 else "gb18030"
    confident = count >= 8 and not 0.75 <= share < 0.95
    return DecodedBib(decoded[encoding], encoding, "detected", confident)


def decode_bib_bytes(raw: bytes, encoding: str | None = None) -> DecodedBib:
    """Decode a .bib file's bytes: `encoding` when given, else BOM, UTF-8, an encoding line, or detection.

    UTF-8 (with or without BOM) and UTF-16 with BOM are decoded directly; a JabRef `% Encoding:` or Emacs
    `coding:` header is honoured; anything else goes to charset-normalizer (Latin-1, cp1251, GBK, ...), with
    GBK and CP949 told apart by the file's language hints and script. Raises LookupError for an unknown
    `encoding`.
    """
    if encoding:
        codecs.lookup(encoding)
        text = raw[len(codecs.BOM_UTF8):] if raw.startswith(codecs.BOM_UTF8) else raw
        return DecodedBib(text.decode(encoding, errors="replace"), encoding, "given")
    if raw.startswith(codecs.BOM_UTF8):
        return DecodedBib(raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8", "bom")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = raw.decode("utf-16", errors="replace")
        return DecodedBib(text, "utf-16", "bom", confident="\ufffd" not in text)
    try:
        return DecodedBib(raw.decode("utf-8"), "utf-8", "utf-8")
    except UnicodeDecodeError:
        pass
    header = _ENCODING_HEADER.search(raw[:1000])
    if header:
        name = re.sub(r"-(unix|dos|mac)$", "", header.group(1).decode("ascii").lower())
        for candidate in (name, name.replace("-", "")):
            try:
                return DecodedBib(raw.decode(candidate), candidate, "header")
            except (LookupError, UnicodeDecodeError):
                continue
    from charset_normalizer import from_bytes

    best = from_bytes(raw, cp_isolation=_CANDIDATE_ENCODINGS).best()
    guess = best.encoding if best is not None else "latin_1"
    if guess in _GB_OR_KOREAN:
        chosen = _chinese_or_korean(raw)
        if chosen is not None:
            return chosen
    return DecodedBib(raw.decode(guess, errors="replace"), guess, "detected")


def decode_file(path: Path, encoding: str | None, errors: list[IngestError],
                notices: list[IngestError]) -> DecodedBib | None:
    """A text file decoded as decode_bib_bytes does, its notice (how it was read) added to `notices`; None, with the
    reason in `errors`, when it cannot be read or decoded (an unknown or unfitting `encoding`: this file only)."""
    try:
        decoded = decode_bib_bytes(path.read_bytes(), encoding)
    except OSError as exc:
        errors.append(IngestError(str(path), f"cannot read file: {exc.strerror or exc}"))
        return None
    except (UnicodeError, LookupError) as exc:
        errors.append(IngestError(str(path), f"cannot decode file: {exc}"))
        return None
    if decoded.notice():
        notices.append(IngestError(str(path), decoded.notice() or ""))
    return decoded


def read_bib_text(path: Path, encoding: str | None = None) -> tuple[str, str | None]:
    """The text of a .bib file and a note when its encoding was not plain UTF-8 (see decode_bib_bytes)."""
    decoded = decode_bib_bytes(path.read_bytes(), encoding)
    return decoded.text, decoded.entry_warning()


# --------------------------------------------------------------------------------------------- values


def _split_concatenation(value: str) -> list[str]:
    """Split a raw field value on top-level `#` into parts such as `{..}`, `".."`, `123`, `macro`."""
    parts: list[str] = []
    depth, in_quotes, start = 0, False, 0
    for index, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0 and (index == 0 or value[index - 1] != "\\"):
            in_quotes = not in_quotes
        elif char == "#" and depth == 0 and not in_quotes:
            parts.append(value[start:index].strip())
            start = index + 1
    parts.append(value[start:].strip())
    return [part for part in parts if part]


def _expand(value: str, macros: dict[str, str], warnings: list[str], *, month_field: bool = False) -> str:
    """The text of a raw value: delimiters removed, macros and month names expanded, concatenations joined."""
    parts = _split_concatenation(value) if "#" in value else [value.strip()]
    out: list[str] = []
    for part in parts:
        if len(part) >= 2 and ((part[0] == "{" and part[-1] == "}") or (part[0] == '"' and part[-1] == '"')):
            out.append(part[1:-1])
        elif part.isdigit():
            out.append(part)
        else:
            name = part.lower()
            if name in macros:
                out.append(macros[name])
            elif name in MONTH_MACROS:
                # A bare month field stays the abbreviation (written back bare on export); elsewhere: the name.
                out.append(part if month_field and len(parts) == 1 else MONTH_MACROS[name])
            else:
                warnings.append(f"undefined macro {part!r}")
                out.append(part)
    return "".join(out)


@lru_cache(maxsize=65536)
def latex_to_unicode(text: str) -> str:
    """LaTeX to display text: accents and symbols to Unicode, protective braces removed, spaces collapsed."""
    if not text:
        return ""
    if _NEEDS_LATEX.search(text):
        try:
            # In a BibTeX value a bare % or & is the character itself, not a LaTeX comment or alignment tab.
            text = _latex_converter().latex_to_text(_BARE_SPECIAL.sub(r"\\\1", text))
        except Exception:  # pylatexenc is lenient; a failure here must not lose the entry.
            text = text.replace("{", "").replace("}", "")
    else:
        text = text.replace("{", "").replace("}", "")
    return _SPACES.sub(" ", text.replace("\xa0", " ")).strip()


# The TeX family's logos, which titles cite by macro ("{\TeX}: The Program"); each keeps its printed name.
TEX_LOGOS = {
    "TeX": "TeX", "LaTeX": "LaTeX", "LaTeXe": "LaTeX2e", "BibTeX": "BibTeX", "BibLaTeX": "BibLaTeX",
    "biblatex": "biblatex", "AmS": "AMS", "AmSTeX": "AMS-TeX", "AmSLaTeX": "AMS-LaTeX", "XeTeX": "XeTeX",
    "XeLaTeX": "XeLaTeX", "LuaTeX": "LuaTeX", "LuaLaTeX": "LuaLaTeX", "pdfTeX": "pdfTeX", "pdfLaTeX": "pdfLaTeX",
    "eTeX": "e-TeX", "ConTeXt": "ConTeXt", "METAFONT": "METAFONT", "MF": "METAFONT", "MP": "MetaPost",
    "MetaPost": "MetaPost", "SliTeX": "SliTeX", "PiCTeX": "PiCTeX", "TikZ": "TikZ", "LyX": "LyX",
    "MiKTeX": "MiKTeX", "TeXLive": "TeX Live", "ExTeX": "ExTeX", "XyM": "XyM", "XY": "Xy",
}  # fmt: skip


# Switches that change only the look of what follows ({\em all}); they print nothing.
_FORMATTING_MACROS = (
    "em bf it sc sl tt rm sf up md normalfont bfseries mdseries itshape upshape slshape scshape rmfamily sffamily "
    "ttfamily tiny scriptsize footnotesize small normalsize large Large LARGE huge Huge relax protect noindent "
    "nobreak newblock ignorespaces unskip null par hfill vfill hfil break linebreak sloppy boldmath unboldmath "
    "phantom vphantom hphantom cyrchar"  # \phantom{x} prints blank space; \cyrchar\CYRA is the letter А
).split()
# Text macros pylatexenc lacks.
_TEXT_MACROS = {"hyphen": "-", "slash": "/", "textendash": "–", "textemdash": "—"}


@lru_cache(maxsize=1)
def _latex_converter():  # noqa: ANN202 - a pylatexenc LatexNodes2Text, imported lazily
    r"""pylatexenc's converter: ASCII symbols BibTeX escapes mapped back, TeX logos kept, unknown macros not lost.

    pylatexenc drops a macro it has no text rule for, with its arguments (`\mbox{MATLAB}` gave ""). Here a macro
    without a rule keeps its arguments' text when the parser knows its arguments, else its own name (`\foo` ->
    "foo"), so the words of a title never vanish.
    """
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
    from pylatexenc.latexwalker import LatexGroupNode, LatexMacroNode

    context = get_default_latex_context_db().filter_context()
    context.add_context_category(
        "litreview-ascii",
        prepend=True,
        macros=[
            MacroTextSpec("textasciicircum", simplify_repl="^"),
            MacroTextSpec("textasciitilde", simplify_repl="~"),
            *(MacroTextSpec(name, simplify_repl=text) for name, text in TEX_LOGOS.items()),
            *(MacroTextSpec(name, discard=True) for name in _FORMATTING_MACROS),
            *(MacroTextSpec(name, simplify_repl=text) for name, text in _TEXT_MACROS.items()),
        ],
    )

    class _Converter(LatexNodes2Text):
        def nodelist_to_text(self, nodelist):  # noqa: ANN001, ANN202 - pylatexenc's node types
            # An unknown macro right before a braced group wraps it (`\acronym{XML}`): the group is its text.
            self._wrappers = getattr(self, "_wrappers", set())
            for node, following in zip(nodelist, list(nodelist)[1:], strict=False):
                if (self._unknown_bare_macro(node) and not node.macro_post_space
                        and following is not None and following.isNodeType(LatexGroupNode)):  # fmt: skip
                    self._wrappers.add(id(node))
            return super().nodelist_to_text(nodelist)

        def _unknown_bare_macro(self, node) -> bool:  # noqa: ANN001
            return (node is not None and node.isNodeType(LatexMacroNode)
                    and self.latex_context.get_macro_spec(node.macroname) is None
                    and not any(arg is not None for arg in (node.nodeargd.argnlist if node.nodeargd else None) or []))

        def macro_node_to_text(self, node):  # noqa: ANN001, ANN202
            if self.latex_context.get_macro_spec(node.macroname) is not None:
                return super().macro_node_to_text(node)
            args = [arg for arg in (node.nodeargd.argnlist if node.nodeargd else None) or [] if arg is not None]
            if args:
                return "".join(self._groupnodecontents_to_text(arg) for arg in args)
            if not node.macroname.isalpha() or id(node) in getattr(self, "_wrappers", ()):
                return ""
            return node.macroname + (" " if node.macro_post_space else "")

    return _Converter(latex_context=context, math_mode="text", strict_latex_spaces=False)


def split_authors(raw: str) -> tuple[list[str], bool]:
    """BibTeX names ("Family, Given", "Given Family", "{Org Name}") to "Given Family" display names.

    Returns the names and whether the list ended in "and others".
    """
    from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names

    names: list[str] = []
    truncated = False
    for name in split_multiple_persons_names(_SPACES.sub(" ", raw)):
        if name.strip().lower() == "others":
            truncated = True
            continue
        display = _extended_name(name)
        if display is None:
            display = _simple_display_name(name)
        if display is None:
            try:
                display = parse_single_name_into_parts(name, strict=False).merge_first_name_first
            except Exception:  # bibtexparser raises on odd names; keep them as written
                display = name
        display = latex_to_unicode(display)
        if display:
            names.append(display)
    return names, truncated


_NAME_PART_KEYS = frozenset({"family", "given", "prefix", "suffix", "useprefix", "sortingnamekeytemplatename"})
_NAME_PART = re.compile(r"^\s*([a-z-]+)\s*=\s*(.*?)\s*$", re.IGNORECASE | re.DOTALL)


def _extended_name(name: str) -> str | None:
    """biblatex's extended name format ("family=Gogh, given=Vincent, prefix=van") as a display name, else None."""
    if "=" not in name:
        return None
    parts: dict[str, str] = {}
    for item in _split_unescaped(name, ","):
        match = _NAME_PART.match(item)
        if not match or match.group(1).lower().rstrip("i") not in _NAME_PART_KEYS:
            return None
        value = match.group(2)
        if len(value) >= 2 and value[0] == "{" and value[-1] == "}":
            value = value[1:-1]
        parts[match.group(1).lower()] = value.strip()
    if not parts.get("family"):
        return None
    return " ".join(parts[key] for key in ("given", "prefix", "family", "suffix") if parts.get(key))


def _simple_display_name(name: str) -> str | None:
    """Fast path for names without braces or commands ("Family, Given", "Family, Jr, Given", "Given Family")."""
    if "{" in name or "\\" in name:
        return None
    parts = [part.strip() for part in name.split(",")]
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return f"{parts[1]} {parts[0]}".strip()
    if len(parts) == 3:
        return " ".join(part for part in (parts[2], parts[0], parts[1]) if part)
    return None


# --------------------------------------------------------------------------------------------- file fields


def _split_unescaped(text: str, separator: str) -> list[str]:
    parts, current, index = [], [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in (separator, "\\"):
            current.append(char + text[index + 1])
            index += 2
            continue
        if char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


def _unescape(text: str) -> str:
    return text.replace("\\:", ":").replace("\\;", ";").replace("\\\\", "\\")


def parse_file_field(value: str, bib_folder: str) -> list[str]:
    """PDF paths in a `file` field (JabRef, Zotero/Better BibTeX, Mendeley forms), resolved against the .bib folder."""
    value = value.replace("$\\backslash$", "\\").replace("{\\textbackslash}", "\\").strip().strip("{}")
    paths: list[str] = []
    for item in _split_unescaped(value, ";"):
        item = item.strip()
        if "file://" in item:
            item = re.sub(r"file://(localhost)?", "", item)
        if not item or "://" in item:  # a web link, not a local file
            continue
        parts = _split_unescaped(item, ":")
        if len(parts) >= 3:
            parts = parts[1:-1]  # description : path : type
        elif len(parts) == 2 and not (len(parts[0]) == 1 and parts[0].isalpha()):
            # "path:type" or "description:path"; a one-letter first part is a Windows drive instead
            if "." in parts[1] or "/" in parts[1]:
                parts = parts[1:]
            else:
                parts = parts[:1]  # path : type
        path = _unescape(":".join(parts)).strip()
        # An unescaped Windows drive ("C:/x.pdf") was split off as its own part above and joined back here.
        if not path or "://" in path:
            continue
        if not path.lower().endswith(".pdf"):  # only PDFs are read and opened ("Open PDF"), whatever the type says
            continue
        if not (os.path.isabs(path) or re.match(r"^[A-Za-z]:[\\/]", path)):
            path = os.path.normpath(os.path.join(bib_folder, path))
        paths.append(path)
    return paths


# --------------------------------------------------------------------------------------------- parsing


def _failed_entry_description(raw: str | None) -> tuple[str | None, str]:
    """The key of a failed block (or a snippet of it) for the error message."""
    text = raw or ""
    match = _ENTRY_START.search(text)
    if match and match.group(2):
        return match.group(2), match.group(1).lower()
    snippet = _SPACES.sub(" ", text.strip())[:60]
    return (snippet or None), ""


def _error_reason(error: Exception) -> str:
    reason = getattr(error, "abort_reason", None) or getattr(error, "message", None) or str(error)
    return _SPACES.sub(" ", str(reason)).strip() or type(error).__name__


def _stray_entries(comment: str) -> list[tuple[int, str]]:
    """Entry starts ("@article{key") the splitter swallowed into a comment: they must be reported, not lost."""
    found = []
    for match in _ENTRY_START.finditer(comment):
        kind = match.group(1).lower()
        if kind in ("comment", "preamble", "string"):
            continue
        found.append((comment.count("\n", 0, match.start()), match.group(2) or match.group(0).strip()))
    return found


def _entry_from_block(block, path: str, macros: dict[str, str], warnings: list[str]) -> _RawEntry:  # noqa: ANN001
    fields: dict[str, str] = {}
    for item in block.fields:
        name = item.key.strip().lower()
        if name in fields:
            warnings.append(f"duplicate field {name!r}: kept the first")
            continue
        fields[name] = _expand(str(item.value), macros, warnings, month_field=name == "month")
    return _RawEntry(
        path=path, line=(block.start_line or 0) + 1, entry_type=block.entry_type.strip().lower(),
        key=block.key.strip(), fields=fields, warnings=warnings,
    )  # fmt: skip


def parse_bibtex_files(paths: Sequence[str | Path], encoding: str | None = None) -> BibtexParseResult:
    """Parse .bib files together (shared @string macros and crossref targets). Never raises for bad input.

    `encoding` reads every file with that encoding instead of detecting it (an unknown name fails each file)."""
    from bibtexparser import model
    from bibtexparser.splitter import Splitter

    errors: list[IngestError] = []
    notices: list[IngestError] = []
    file_warnings: dict[str, list[str]] = {}
    libraries = []
    for raw_path in paths:
        path = Path(raw_path)
        decoded = decode_file(path, encoding, errors, notices)
        if decoded is None:
            continue
        text, warning = decoded.text, decoded.entry_warning()
        file_warnings[str(path)] = [warning] if warning else []
        splitter_logger = logging.getLogger("bibtexparser.splitter")
        previous_level = splitter_logger.level
        splitter_logger.setLevel(logging.CRITICAL)  # its complaints come back to the caller as IngestErrors
        try:
            libraries.append((str(path), Splitter(text).split()))
        except Exception as exc:  # the splitter is robust, but a crash must stay a per-file error
            errors.append(IngestError(str(path), f"cannot parse file: {exc}"))
        finally:
            splitter_logger.setLevel(previous_level)

    # Pass 1: macros from every file, in order, so a later file may use an earlier file's strings.
    macros: dict[str, str] = {}
    for _path, library in libraries:
        for block in library.blocks:
            if isinstance(block, model.String):
                macros[block.key.strip().lower()] = _expand(str(block.value), macros, [])

    # Pass 2: entries.
    entries_seen = 0
    raw_entries: list[_RawEntry] = []
    for path, library in libraries:
        for block in library.blocks:
            if isinstance(block, model.Entry):
                entries_seen += 1
                raw_entries.append(_entry_from_block(block, path, macros, list(file_warnings[path])))
            elif isinstance(block, model.ParsingFailedBlock):
                recovered = block.ignore_error_block
                if isinstance(recovered, model.Entry):
                    entries_seen += 1
                    warnings = list(file_warnings[path])
                    if isinstance(block, model.DuplicateBlockKeyBlock):
                        warnings.append(f"citation key {recovered.key!r} appears more than once in the file")
                    raw_entries.append(_entry_from_block(recovered, path, macros, warnings))
                    continue
                if isinstance(recovered, model.String | model.Preamble | model.ExplicitComment):
                    continue
                key, kind = _failed_entry_description(block.raw)
                if kind in ("comment", "preamble", "string"):
                    continue
                entries_seen += 1
                errors.append(IngestError(path, f"malformed entry: {_error_reason(block.error)}", entry=key,
                                          line=(block.start_line or 0) + 1))  # fmt: skip
            elif isinstance(block, model.ImplicitComment):
                for offset, key in _stray_entries(block.comment):
                    entries_seen += 1
                    errors.append(IngestError(path, "malformed entry: not recognised as an entry (check braces and"
                                              " the comma after the key)", entry=key,
                                              line=(block.start_line or 0) + 1 + offset))  # fmt: skip

    by_key: dict[str, _RawEntry] = {}
    for entry in raw_entries:
        by_key.setdefault(entry.key.lower(), entry)
    # A biblatex @set groups entries defined on their own: its members are the papers, the set itself is none.
    sets = [entry for entry in raw_entries if entry.entry_type == "set"]
    for entry in sets:
        members = [m.strip() for m in (entry.fields.get("entryset") or "").split(",") if m.strip()]
        missing = [m for m in members if m.lower() not in by_key or by_key[m.lower()].entry_type == "set"]
        if missing or not members:
            what = f"members not found: {', '.join(missing)}" if missing else "no entryset field"
            errors.append(IngestError(entry.path, f"@set {what}", entry=entry.key or None, line=entry.line))
        else:
            entries_seen -= 1  # not a paper: its members are counted as the entries they are
    records = [_to_parsed_paper(entry, _inherited_fields(entry, by_key)) for entry in raw_entries
               if entry.entry_type != "set"]  # fmt: skip
    return BibtexParseResult(records=records, errors=errors, entries_seen=entries_seen, notices=notices)


def _inherited_fields(entry: _RawEntry, by_key: dict[str, _RawEntry]) -> dict[str, str]:
    """The entry's fields plus those its crossref/xdata parents supply (recursively; cycles and gaps warned)."""
    fields = dict(entry.fields)
    seen = {entry.key.lower()}
    pending = [(entry, 0)]
    while pending:
        child, depth = pending.pop(0)
        targets = []
        if child.fields.get("crossref"):
            targets.append(("crossref", child.fields["crossref"].strip()))
        for xdata in (child.fields.get("xdata") or "").split(","):
            if xdata.strip():
                targets.append(("xdata", xdata.strip()))
        for kind, target in targets:
            parent = by_key.get(target.lower())
            if parent is None:
                entry.warnings.append(f"{kind} target {target!r} not found")
                continue
            if target.lower() in seen:
                entry.warnings.append(f"{kind} cycle through {target!r} ignored")
                continue
            seen.add(target.lower())
            for name, value in parent.fields.items():
                if name in _TITLE_TO_BOOKTITLE and kind == "crossref":
                    name = _TITLE_TO_BOOKTITLE[name]
                    if name not in fields:
                        fields[name] = value
                    continue
                if name not in _NOT_INHERITED and name not in fields:
                    fields[name] = value
            if depth < 20:
                pending.append((parent, depth + 1))
    return fields


def _first(fields: dict[str, str], *names: str) -> str | None:
    for name in names:
        value = fields.get(name)
        if value and value.strip():
            return value
    return None


def year_from_fields(fields: dict[str, str]) -> int | None:
    """The year of an entry's fields: `year`, else biblatex's `date` (and event/original dates)."""
    for name in ("year", "date", "eventdate", "origdate"):
        match = _YEAR.search(fields.get(name) or "")
        if match:
            return int(match.group(1))
    return None


def arxiv_id_from_fields(fields: dict[str, str]) -> str | None:
    """arXiv id from eprint + archivePrefix/eprinttype, an arXiv DOI, or an arXiv URL/journal/note."""
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().lower()
    if fields.get("eprint") and prefix == "arxiv":
        arxiv_id = normalize_arxiv(fields["eprint"])
        if arxiv_id:
            return arxiv_id
    doi = fields.get("doi") or ""
    if "arxiv." in doi.lower():
        arxiv_id = normalize_arxiv(doi.lower().split("arxiv.", 1)[1])
        if arxiv_id:
            return arxiv_id
    for name in ("url", "journal", "journaltitle", "note", "howpublished", "eprint"):
        value = fields.get(name)
        if value and "arxiv" in value.lower():
            arxiv_id = find_arxiv(value.replace("{", "").replace("}", ""))
            if arxiv_id:
                return arxiv_id
    return None


def doi_from_fields(fields: dict[str, str]) -> str | None:
    """The normalised DOI of the `doi` field, else of a doi.org URL."""
    doi = normalize_doi((fields.get("doi") or "").replace("\\_", "_"))
    if doi:
        return doi
    url = fields.get("url") or ""
    if "doi.org/" in url.lower():
        return normalize_doi(url.replace("\\_", "_"))
    return None


def _to_parsed_paper(entry: _RawEntry, fields: dict[str, str]) -> ParsedPaper:
    warnings = entry.warnings
    title_raw = _first(fields, "title")
    title = latex_to_unicode(title_raw) if title_raw else None
    if title and fields.get("subtitle") and not entry.fields.get("title", "").endswith(":"):
        title = f"{title}: {latex_to_unicode(fields['subtitle'])}"
    authors: list[str] = []
    author_raw = _first(fields, "author", "editor")
    if author_raw:
        authors, truncated = split_authors(author_raw)
        if truncated:
            warnings.append("author list ends in 'and others'")
    abstract_raw = _first(fields, "abstract")
    venue_raw = _first(fields, *_VENUE_FIELDS)
    keywords_raw = _first(fields, "keywords", "keyword")
    file_paths: list[str] = []
    if fields.get("file"):
        file_paths = parse_file_field(fields["file"], os.path.dirname(os.path.abspath(entry.path)))
    if not title:
        warnings.append("entry has no title")
    if not entry.key:
        warnings.append("entry has no citation key")
    values: dict[str, object] = {
        "title": title or None,
        "authors": tuple(authors),
        "abstract": latex_to_unicode(abstract_raw) if abstract_raw else None,
        "year": year_from_fields(fields),
        "venue": latex_to_unicode(venue_raw) if venue_raw else None,
        "doi": doi_from_fields(fields),
        "arxiv_id": arxiv_id_from_fields(fields),
        "keywords": latex_to_unicode(keywords_raw) if keywords_raw else None,
    }
    return ParsedPaper(
        source="bibtex",
        abstract_source="bibtex" if abstract_raw else None,
        entry_type=entry.entry_type,
        citation_key=entry.key or None,
        original_fields=fields,
        file_paths=tuple(dict.fromkeys(file_paths)),
        warnings=tuple(dict.fromkeys(warnings)),
        origin=f"{entry.path}:{entry.line}",
        confidence={name: 1.0 for name, value in values.items() if value},
        **values,  # type: ignore[arg-type]
    )
