"""BibTeX export: original keys and field text kept; generated entries escaped. Non-ASCII is written as UTF-8
(biber/biblatex and BibTeX 0.99d+ read it; LaTeX with inputenc or any modern engine typesets it)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from litreview.core.paper import Paper
from litreview.export.common import entry_type_of, translated_title, zotero_key_line
from litreview.export.keys import assign_citation_keys
from litreview.ingest.bibtex import arxiv_id_from_fields, doi_from_fields, year_from_fields

_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
             "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}  # fmt: skip
_SPECIALS_RE = re.compile(r"[\\&%$#_{}~^]")
_MONTHS = frozenset({"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"})
# Words a BibTeX style must not lower-case: acronyms and words with inner capitals ("BERT", "iPhone", "GPT-4").
_CASE_SENSITIVE_WORD = re.compile(r"(?<![\w{])(\w*[A-Z]\w*[A-Z0-9]\w*|[a-z]+[A-Z]\w*)(?![\w}])")
_VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "eventtitle", "publisher", "school", "institution",
                 "organization", "howpublished")  # fmt: skip


def escape_latex(text: str) -> str:
    """Plain text to BibTeX field text: the LaTeX special characters escaped, spacing collapsed; a brace
    without its partner is spelled out so BibTeX's brace counting stays balanced."""
    return balance_braces(_SPECIALS_RE.sub(lambda match: _SPECIALS[match.group(0)], " ".join(text.split())))


def _protect_case(escaped_title: str) -> str:
    return _CASE_SENSITIVE_WORD.sub(lambda match: "{" + match.group(1) + "}", escaped_title)


def balance_braces(value: str) -> str:
    """Replace braces that have no partner, so the field cannot swallow the rest of the file.

    BibTeX and biber count braces whether or not a backslash stands before them, so `\\{` counts too, and an
    unmatched one becomes `\\textbraceleft{}` / `\\textbraceright{}` (balanced, and the same character in print).
    """
    out: list[str] = []
    open_positions: list[int] = []
    index = 0
    while index < len(value):
        escaped = value[index] == "\\" and value[index + 1 : index + 2] in ("{", "}")
        token = value[index : index + 2] if escaped else value[index]
        brace = token[-1]
        if brace == "{":
            open_positions.append(len(out))
            out.append(token)
        elif brace == "}":
            if open_positions:
                open_positions.pop()
                out.append(token)
            else:
                out.append(r"\textbraceright{}")
        else:
            out.append(token)
        index += len(token)
    for position in open_positions:
        out[position] = r"\textbraceleft{}"
    return "".join(out)


def _file_field(paths: Sequence[str]) -> str:
    """JabRef's `file` form, which Zotero and JabRef import: ":path:PDF;..." with ':' ';' '\\' escaped."""

    def escape(path: str) -> str:
        return path.replace("\\", "\\\\").replace(":", "\\:").replace(";", "\\;")

    return ";".join(f":{escape(path)}:PDF" for path in paths)


def entry_fields(paper: Paper) -> tuple[str, list[tuple[str, str]]]:
    """The entry type and (name, BibTeX text) fields for one paper: its original fields first, then what the
    library knows that the original lacks (or every field, escaped, for a paper that came from a PDF)."""
    original = dict(paper.original_fields or {})
    fields: list[tuple[str, str]] = list(original.items())
    present = {name.lower() for name in original}

    def add(name: str, value: str | None) -> None:
        if value and name not in present:
            fields.append((name, value))
            present.add(name)

    if paper.title:
        add("title", _protect_case(escape_latex(paper.title)))
        translated = translated_title(paper)
        if translated:  # biblatex (and biblatex-apa) print a title's translation from titleaddon
            add("titleaddon", _protect_case(escape_latex(translated[1])))
    if paper.authors and "editor" not in present:
        add("author", " and ".join(_bibtex_name(author) for author in paper.authors))
    if paper.year and year_from_fields(original) != paper.year:
        add("year", str(paper.year))
    entry_type = entry_type_of(paper)
    if paper.venue and not present.intersection(_VENUE_FIELDS):
        venue_field = {"article": "journal", "inproceedings": "booktitle", "incollection": "booktitle",
                       "conference": "booktitle", "phdthesis": "school", "mastersthesis": "school",
                       "techreport": "institution"}.get(entry_type, "howpublished")  # fmt: skip
        add(venue_field, escape_latex(paper.venue))
    add("volume", escape_latex(paper.volume or ""))
    add("number", escape_latex(paper.issue or ""))
    add("pages", escape_latex(re.sub(r"\s*[-–—]+\s*", "--", paper.page_range or "")))
    if paper.doi and doi_from_fields(original) != paper.doi:
        add("doi", paper.doi)
    add("pmid", paper.pmid)
    add("url", escape_latex(paper.url or ""))
    if paper.arxiv_id and arxiv_id_from_fields(original) != paper.arxiv_id and "eprint" not in present:
        add("eprint", paper.arxiv_id)
        add("archiveprefix", "arXiv")
    if paper.abstract:
        add("abstract", escape_latex(paper.abstract))
    if paper.keywords and "keyword" not in present:
        add("keywords", escape_latex(paper.keywords))
    zotero = zotero_key_line(paper)
    if zotero:  # Zotero's BibTeX import keeps `note` (as a child note); the key is appended to an existing note
        notes = [i for i, (name, _) in enumerate(fields) if name.lower() == "note"]
        if notes:
            name, value = fields[notes[0]]
            if zotero not in value:
                fields[notes[0]] = (name, f"{value}. {zotero}")
        else:
            fields.append(("note", escape_latex(zotero)))
    if paper.note:
        # The reading list's note, in the field Zotero and JabRef write annotations to (not printed by styles).
        note = escape_latex(paper.note)
        fields = [(name, value) for name, value in fields if name.lower() != "annote"]
        kept = original.get("annote") or next((v for k, v in original.items() if k.lower() == "annote"), "")
        fields.append(("annote", note if not kept or note in kept else f"{kept}\n\n{note}"))
    if paper.files:
        # The library's resolved paths replace a relative `file` field, which would break in another folder.
        fields = [(name, value) for name, value in fields if name.lower() != "file"]
        fields.append(("file", _file_field(paper.files)))
    return entry_type, fields


def _bibtex_name(display: str) -> str:
    from litreview.export.names import split_display_name

    name = split_display_name(display)
    if name.literal:
        return "{" + escape_latex(name.literal) + "}"
    return escape_latex(name.family_first())


def _field_text(name: str, value: str) -> str:
    if name == "month" and value.strip().lower() in _MONTHS:
        return value.strip()  # the month macro, bare (macros are case-insensitive)
    return "{" + balance_braces(value) + "}"


def write_bibtex(papers: Sequence[Paper]) -> str:
    """A .bib file for the papers, through bibtexparser v2's writer (values already enclosed here)."""
    import bibtexparser
    from bibtexparser import model
    from bibtexparser.writer import BibtexFormat

    keys = assign_citation_keys(papers)
    blocks = []
    for paper, key in zip(papers, keys, strict=True):
        entry_type, fields = entry_fields(paper)
        blocks.append(
            model.Entry(entry_type, key, [model.Field(name, _field_text(name, value)) for name, value in fields])
        )
    library = bibtexparser.Library(blocks)
    bibtex_format = BibtexFormat()
    bibtex_format.indent = "  "
    bibtex_format.block_separator = "\n"
    text = bibtexparser.write_string(library, unparse_stack=[], bibtex_format=bibtex_format)
    return text if text.endswith("\n") else text + "\n"
