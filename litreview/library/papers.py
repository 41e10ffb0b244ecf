"""The paper repository: insert parsed records, detect duplicates, merge, and read papers back.

All writes happen inside `library.transaction()` and run on the one writer thread (worker or CLI).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from litreview.core.paper import Paper, ParsedPaper
from litreview.core.text import family_name, normalize_title
from litreview.library.db import Library
from litreview.library.placeholders import settle_placeholder
from litreview.library.translations import papers_with_title_key, store_translations

# Fields a record may bring; the order is the papers table's.
_FIELDS = (
    "title", "year", "venue", "doi", "arxiv_id", "abstract", "abstract_source", "language",
    "keywords", "full_text", "entry_type", "citation_key", "volume", "issue", "page_range", "pmid", "url",
)
_RECORD_FIELDS = (*(name for name in _FIELDS if name != "full_text"), "authors")  # what a record of a file says
TITLE_MATCH_MIN = 95  # rapidfuzz ratio (0..100) of normalised titles that counts as the same title


@dataclass(frozen=True)
class Duplicate:
    """An existing paper that a new record duplicates, and why."""

    paper_id: int
    reason: str


def _json_value(text: str | None, default: Any) -> Any:
    """A JSON column, or `default` when it is empty or not the expected kind (a library edited by hand)."""
    if not text:
        return default
    try:
        value = json.loads(text)
    except ValueError:
        return default
    return value if isinstance(value, type(default)) else default


def _json_list(text: str | None) -> tuple[str, ...]:
    return tuple(str(item) for item in _json_value(text, []))


def _first_author_key(authors: tuple[str, ...] | list[str]) -> str:
    return family_name(authors[0]) if authors else ""


SHORT_TITLE = 12  # normalised titles shorter than this ("Introduction", "Reviewing") identify nothing alone
ABSTRACT_OVERLAP_MIN = 0.2  # Jaccard of content words below which two abstracts are two different papers
_CONTENT_WORD = re.compile(r"[^\W\d_]{4,}")


def _content_words(text: str) -> set[str]:
    return set(_CONTENT_WORD.findall(normalize_title(text[:2000])))


_NUMBER_TOKEN = re.compile(r"\b(\d+|[ivx]+)\b")
_ROMAN = {"i": 1, "v": 5, "x": 10}


def _roman(token: str) -> int | None:
    values = [_ROMAN[char] for char in token]
    total = sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))
    return total if 0 < total < 40 else None


def title_numbers(key: str) -> list[int | str]:
    """The numbers in a normalised title, Roman ones as integers: "theory ii" and "theory 2" give [2]."""
    numbers: list[int | str] = []
    for token in _NUMBER_TOKEN.findall(key):
        numbers.append(int(token) if token.isdigit() else (_roman(token) or token))
    return sorted(numbers, key=str)


def abstracts_differ(a: str | None, b: str | None) -> bool:
    """Whether two abstracts (both long enough to judge) share too few words to describe one paper."""
    if not a or not b:
        return False
    words_a, words_b = _content_words(a), _content_words(b)
    if min(len(words_a), len(words_b)) < 15:
        return False
    return len(words_a & words_b) / len(words_a | words_b) < ABSTRACT_OVERLAP_MIN


def same_work(record: ParsedPaper, other: ParsedPaper, *, key: str | None = None, other_key: str | None = None) -> bool:
    """Whether two records without a shared identifier describe the same work, by title, first author and year.

    Titles must match (rapidfuzz ratio >= TITLE_MATCH_MIN, with the same numbers: "Part I" is not "Part II");
    two different DOIs, two different years or two different first authors mean two works. What is missing
    cannot corroborate: when either side has no author, the two are one work only if their abstracts (where
    both have one) agree, since generic titles ("Corresponding author:", "Editorial") recur across unrelated
    papers. A short title ("Reviewing") must match exactly, with the same first author and year on both sides.
    """
    key = normalize_title(record.title) if key is None else key
    other_key = normalize_title(other.title) if other_key is None else other_key
    if not key or not other_key:
        return False
    if record.doi and other.doi and record.doi != other.doi:
        return False  # two DOIs that differ are two papers, whatever the titles say
    if record.year and other.year and record.year != other.year:
        return False
    author, other_author = _first_author_key(record.authors), _first_author_key(other.authors)
    if author and other_author and fuzz.ratio(author, other_author) < 85:
        return False
    same_author = bool(author and other_author)  # present on both sides, and they matched above
    if len(key) < SHORT_TITLE or len(other_key) < SHORT_TITLE:
        if key != other_key or not (same_author and record.year and other.year):
            return False
        return not (record.venue and other.venue and fuzz.token_set_ratio(record.venue, other.venue) < 80)
    if fuzz.ratio(key, other_key) < TITLE_MATCH_MIN or title_numbers(key) != title_numbers(other_key):
        return False  # "... Part I" and "... Part II" are two papers however alike the rest reads
    return same_author or not abstracts_differ(record.abstract, other.abstract)


# Identifiers that make two records one paper, checked in this order: (column of papers and ParsedPaper, name).
_IDENTIFIERS = (("doi", "DOI"), ("arxiv_id", "arXiv id"), ("pmid", "PMID"))


class PaperRepository:
    """Reads and writes papers and their files in one library."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.conn = library.conn

    # -- duplicate detection -------------------------------------------------------------------------
    def find_duplicate(self, record: ParsedPaper, *, sha256: str | None = None) -> Duplicate | None:
        """The paper `record` duplicates: same file hash, DOI, arXiv id, or title + first author + year."""
        if sha256:
            row = self.conn.execute(
                "SELECT paper_id FROM files WHERE sha256 = ? AND paper_id IS NOT NULL LIMIT 1", (sha256,)
            ).fetchone()
            if row:
                return Duplicate(row[0], f"same file content (sha256) as paper {row[0]}")
        for column, name in _IDENTIFIERS:
            value = getattr(record, column)
            row = value and self.conn.execute(
                f"SELECT id FROM papers WHERE {column} = ? LIMIT 1", (value,)  # column: one of _IDENTIFIERS
            ).fetchone()
            if row:
                return Duplicate(row[0], f"same {name} {value} as paper {row[0]}")
        return self._same_title_author_year(record)

    def _same_title_author_year(self, record: ParsedPaper) -> Duplicate | None:
        """Same title (in any of the languages either record prints it in), first author and year; see
        `same_work` for what else must hold."""
        own = normalize_title(record.title)
        keys = [own] + [normalize_title(text) for field, _, text in record.translations if field == "title"]
        for key in dict.fromkeys(keys):
            if not key:
                continue
            prefix = key[:10]
            candidates = [
                (paper_id, title_key)
                for paper_id, title_key in self.conn.execute(
                    "SELECT id, title_key FROM papers WHERE title_key >= ? AND title_key < ?",
                    (prefix, prefix + "\uffff"),
                )
            ]
            # A BibTeX entry with the English title and a PDF printed in Portuguese with its English translation.
            candidates += papers_with_title_key(self.conn, prefix)
            for paper_id, title_key in candidates:
                authors_json, year, doi, venue, abstract = self.conn.execute(
                    "SELECT authors, year, doi, venue, abstract FROM papers WHERE id = ?", (paper_id,)
                ).fetchone()
                other = ParsedPaper(source="", title=title_key, authors=_json_list(authors_json), year=year,
                                    doi=doi, venue=venue, abstract=abstract)  # fmt: skip
                if not same_work(record, other, key=key, other_key=title_key):
                    continue
                language = "" if key == own and title_key == normalize_title(self._title(paper_id)) else " (translated)"
                return Duplicate(paper_id, f"same title{language}, first author and year as paper {paper_id}")
        return None

    def _title(self, paper_id: int) -> str | None:
        row = self.conn.execute("SELECT title FROM papers WHERE id = ?", (paper_id,)).fetchone()
        return row[0] if row else None

    def find_by_citation_key(self, citation_key: str, origin_file: str, *, exclude: Collection[int] = ()) -> int | None:
        """A BibTeX paper imported earlier from the same file under the same key (a re-import).

        `exclude`: papers already matched in this import, so two entries that share a key in one file map to
        two papers instead of the second overwriting the first.
        """
        rows = self.conn.execute(
            "SELECT id FROM papers WHERE citation_key = ? AND (origin = ? OR substr(origin, 1, ?) = ?) ORDER BY id",
            (citation_key, origin_file, len(origin_file) + 1, origin_file + ":"),
        ).fetchall()
        return next((row[0] for row in rows if row[0] not in exclude), None)

    def records_from_file(self, origin_file: str) -> dict[tuple, list[int]]:
        """The papers imported from `origin_file`, by the fields of their record (`record_fields`), oldest first:
        what tells a record imported again from that file where find_duplicate cannot (no title, or a short one
        without author and year)."""
        columns = ", ".join(_RECORD_FIELDS)
        found: dict[tuple, list[int]] = {}
        for paper_id, *values in self.conn.execute(
            f"SELECT id, {columns} FROM papers WHERE origin = ? OR (origin >= ? AND origin < ?) ORDER BY id",
            (origin_file, origin_file + ":", origin_file + ";"),  # "file:line", ";" sorting right after ":"
        ):
            found.setdefault(tuple(values), []).append(int(paper_id))
        return found

    @classmethod
    def record_fields(cls, record: ParsedPaper) -> tuple:
        """The stored values of `record`'s own fields, as records_from_file keys them."""
        values = cls._row_values(record)
        return tuple(values[name] for name in _RECORD_FIELDS)

    def find_by_origin(self, origin: str, *, exclude: Collection[int] = ()) -> int | None:
        """The paper first imported from `origin` (a file and the line its record starts on), not in `exclude`."""
        rows = self.conn.execute("SELECT id FROM papers WHERE origin = ? ORDER BY id", (origin,)).fetchall()
        return next((row[0] for row in rows if row[0] not in exclude), None)

    # -- writes ---------------------------------------------------------------------------------------
    def insert(self, record: ParsedPaper) -> int:
        values = self._row_values(record)
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cursor = self.conn.execute(f"INSERT INTO papers ({columns}) VALUES ({marks})", tuple(values.values()))
        paper_id = int(cursor.lastrowid)
        store_translations(self.conn, paper_id, self._other_languages(paper_id, record))
        return paper_id

    def _other_languages(self, paper_id: int, record: ParsedPaper) -> list[tuple[str, str, str]]:
        """`record`'s translations that are not in the stored paper's own language (a record merged into a paper
        of another language brings its own title and abstract as translations too)."""
        if not record.translations:
            return []
        row = self.conn.execute("SELECT language, title, abstract FROM papers WHERE id = ?", (paper_id,)).fetchone()
        language, title, abstract = row if row else (None, None, None)
        items = list(record.translations)
        if record.translations and record.language and record.language != language:
            items += [(name, record.language, getattr(record, name) or "") for name in ("title", "abstract")]
        own = {normalize_title(title), normalize_title(abstract)}
        return [item for item in items if item[1] != language and normalize_title(item[2]) not in own]

    def replace_metadata(self, paper_id: int, record: ParsedPaper) -> bool:
        """Overwrite metadata with `record`'s non-empty fields (BibTeX wins); keep what it lacks. Returns whether
        the metadata changed: a new `origin` alone (the entry moved to another line of the file) is stored but
        is not a change."""
        current = self.get_row(paper_id)
        edited_by_user = set(_json_value(current.get("user_fields"), []))
        values = {
            k: v for k, v in self._row_values(record).items()
            if v not in (None, "", "[]", "{}") and k not in edited_by_user
        }
        if "title" in edited_by_user:
            values.pop("title_key", None)
        if "external_ids" in values:  # ids from other systems accumulate; the new record's win on conflict
            merged = {**_json_value(current.get("external_ids"), {}), **record.external_ids}
            values["external_ids"] = json.dumps(merged, ensure_ascii=False)
        if "title" in values and values.get("title_key") != current.get("title_key"):
            self._switch_language(paper_id, current, values)
        settle_placeholder(current, values, record.source)  # the real record arrived (#16)
        changed = {k for k, v in values.items() if current.get(k) != v}
        self._update(paper_id, current, values)
        translated = store_translations(self.conn, paper_id, self._other_languages(paper_id, record), replace=True)
        return bool(changed - {"origin"}) or translated

    def _switch_language(self, paper_id: int, current: dict[str, Any], values: dict[str, Any]) -> None:
        """A record that names the paper by one of its translated titles (a BibTeX entry with the English title of
        a paper stored in Portuguese) makes that language the paper's own: the stored title, abstract and
        keywords become translations, and the translation's abstract and keywords fill what the record lacks."""
        key = values["title_key"]
        rows = self.conn.execute(
            "SELECT language, title_key FROM paper_translations WHERE paper_id = ? AND field = 'title'", (paper_id,)
        ).fetchall()
        language = next((lang for lang, title_key in rows if fuzz.ratio(key, title_key) >= TITLE_MATCH_MIN), None)
        if language is None:
            return
        old = current.get("language")
        if old:
            kept = [(name, old, current.get(name) or "") for name in ("title", "abstract", "keywords")]
            store_translations(self.conn, paper_id, kept, replace=True)
        for name, text in self.conn.execute(
            "SELECT field, text FROM paper_translations WHERE paper_id = ? AND language = ?", (paper_id, language)
        ).fetchall():
            if name in ("abstract", "keywords") and not values.get(name):
                values[name] = text
        for name in ("abstract", "keywords"):
            values[name] = values.get(name) or None  # never leave the old language's text under the new title
        self.conn.execute("DELETE FROM paper_translations WHERE paper_id = ? AND language = ?", (paper_id, language))
        values["language"] = language

    def fill_missing(self, paper_id: int, record: ParsedPaper) -> bool:
        """Fill the fields the paper lacks from `record` (a PDF adding an abstract to a BibTeX entry)."""
        current = self.get_row(paper_id)
        values = {}
        for name, value in self._row_values(record).items():
            if name in ("source", "origin", "confidence", "warnings", "original_fields", "external_ids"):
                continue
            if value not in (None, "", "[]", "{}") and current.get(name) in (None, "", "[]", "{}"):
                values[name] = value
        if record.translations and normalize_title(record.title) != current.get("title_key"):
            # The paper is stored in another language than the record's own (a BibTeX entry with the English title,
            # a PDF printed in Portuguese and English): fill it in the stored title's language.
            stored = next(
                (lang for name, lang, text in record.translations
                 if name == "title" and normalize_title(text) == current.get("title_key")),
                None,
            )
            for name in ("language", "abstract", "keywords"):
                values.pop(name, None)
            if stored and not current.get("language"):
                values["language"] = stored
            for name in ("abstract", "keywords"):
                text = next((t for field, lang, t in record.translations if field == name and lang == stored), None)
                if stored and text and not current.get(name):
                    values[name] = text
        if "abstract" in values and record.abstract_source:
            values["abstract_source"] = record.abstract_source
        known = _json_value(current.get("external_ids"), {})
        if set(record.external_ids) - set(known):
            values["external_ids"] = json.dumps({**record.external_ids, **known}, ensure_ascii=False)
        settle_placeholder(current, values, record.source)  # the real record arrived (#16)
        changed = self._update(paper_id, current, values)
        return store_translations(self.conn, paper_id, self._other_languages(paper_id, record)) or changed

    def update_fields(self, paper_id: int, *, by_user: bool = False, **fields: Any) -> bool:
        """Change fields (title, abstract, ...). A user's edit (`by_user`) is remembered, so re-importing the
        paper's BibTeX entry keeps it. Returns whether anything changed."""
        current = self.get_row(paper_id)
        if by_user:
            edited = sorted(set(_json_value(current.get("user_fields"), [])) | set(fields))
            fields["user_fields"] = json.dumps(edited)
        if "authors" in fields:
            fields["authors"] = json.dumps(list(fields["authors"]), ensure_ascii=False)
        if "title" in fields:
            fields["title_key"] = normalize_title(fields["title"])
        return self._update(paper_id, current, fields)

    def _update(self, paper_id: int, current: dict[str, Any], values: dict[str, Any]) -> bool:
        changed = {k: v for k, v in values.items() if current.get(k) != v}
        if not changed:
            return False
        assignments = ", ".join(f"{name} = ?" for name in changed)
        self.conn.execute(
            f"UPDATE papers SET {assignments}, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
            (*changed.values(), paper_id),
        )
        return True

    def add_file(self, paper_id: int | None, path: str, sha256: str, size: int, pages: int | None) -> None:
        exists = self.conn.execute(
            "SELECT 1 FROM files WHERE paper_id IS ? AND sha256 = ? AND path = ?", (paper_id, sha256, path)
        ).fetchone()
        if not exists:
            self.conn.execute(
                "INSERT INTO files (paper_id, path, sha256, size, pages) VALUES (?, ?, ?, ?, ?)",
                (paper_id, path, sha256, size, pages),
            )

    def delete(self, paper_ids: list[int]) -> None:
        self.conn.executemany("DELETE FROM papers WHERE id = ?", [(i,) for i in paper_ids])

    @staticmethod
    def _row_values(record: ParsedPaper) -> dict[str, Any]:
        values: dict[str, Any] = {name: getattr(record, name) for name in _FIELDS}
        values["authors"] = json.dumps(list(record.authors), ensure_ascii=False)
        values["original_fields"] = json.dumps(record.original_fields, ensure_ascii=False)
        values["external_ids"] = json.dumps(record.external_ids, ensure_ascii=False)
        values["confidence"] = json.dumps(record.confidence)
        values["warnings"] = json.dumps(list(record.warnings), ensure_ascii=False)
        values["source"] = record.source
        values["origin"] = record.origin
        values["title_key"] = normalize_title(record.title)
        return values

    # -- reads ----------------------------------------------------------------------------------------
    def get_row(self, paper_id: int) -> dict[str, Any]:
        rows = self.library.query("SELECT * FROM papers WHERE id = ?", (paper_id,))
        if not rows:
            raise KeyError(f"no paper with id {paper_id}")
        return rows[0]

    def files_of(self, paper_id: int) -> list[dict[str, Any]]:
        return self.library.query(
            "SELECT path, sha256, size, pages FROM files WHERE paper_id = ? ORDER BY id", (paper_id,)
        )

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM papers").fetchone()[0])

    def ids(self) -> list[int]:
        return [row[0] for row in self.conn.execute("SELECT id FROM papers ORDER BY id")]


def paper_summary(row: dict[str, Any], files: list[str]) -> dict[str, Any]:
    """The CLI's `list` object for one papers row."""
    return {
        "id": row["id"],
        "title": row["title"],
        "authors": list(_json_list(row["authors"])),
        "year": row["year"],
        "venue": row["venue"],
        "doi": row["doi"],
        "arxiv_id": row["arxiv_id"],
        "abstract": row["abstract"],
        "files": files,
    }


def paper_from_row(
    row: dict[str, Any],
    files: tuple[str, ...] = (),
    note: str = "",
    translations: tuple[tuple[str, str, str], ...] = (),
) -> Paper:
    """A papers row as the immutable Paper record used by export and display."""
    return Paper(
        id=row["id"],
        title=row["title"],
        authors=_json_list(row["authors"]),
        year=row["year"],
        venue=row["venue"],
        doi=row["doi"],
        arxiv_id=row["arxiv_id"],
        abstract=row["abstract"],
        keywords=row["keywords"],
        entry_type=row["entry_type"],
        citation_key=row["citation_key"],
        original_fields={str(k): str(v) for k, v in _json_value(row["original_fields"], {}).items()},
        files=files,
        language=row["language"],
        warnings=_json_list(row["warnings"]),
        note=note,
        volume=row.get("volume"),
        issue=row.get("issue"),
        page_range=row.get("page_range"),
        pmid=row.get("pmid"),
        url=row.get("url"),
        external_ids={str(k): str(v) for k, v in _json_value(row.get("external_ids"), {}).items()},
        translations=translations,
    )
