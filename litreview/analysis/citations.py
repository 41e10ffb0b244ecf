"""The library's citation graph: references resolved to library papers, bibliographic coupling, co-citation,
and the works the library is missing.

Resolution: DOI, arXiv id or PMID equal, else a fuzzy title match (rapidfuzz) backed by the first author's
surname and the year. Thresholds: benchmarks/references.py --resolution measures them on the shared ground truth.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Collection, Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litreview.core.progress import CancelToken, Progress
from litreview.core.text import family_name, normalize_title

if TYPE_CHECKING:
    from litreview.library.db import Library

TITLE_ALONE = 95  # rapidfuzz ratio of normalised titles that resolves on its own (with a compatible year)
TITLE_WITH_AUTHOR = 85  # ratio that resolves when the first author's surname and the year agree too
MIN_TITLE_CHARS = 12  # shorter normalised titles ("Introduction") never resolve by title


# ---------------------------------------------------------------------------------------------------- resolution


class _Catalogue:
    """The library's papers, indexed for matching references to them."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.by_doi: dict[str, int] = {}
        self.by_arxiv: dict[str, int] = {}
        self.by_pmid: dict[str, int] = {}
        self.ids: list[int] = []
        self.titles: list[str] = []
        self.surnames: list[str] = []
        self.years: list[int | None] = []
        for paper_id, doi, arxiv_id, title, authors, year, original in conn.execute(
            "SELECT id, doi, arxiv_id, title, authors, year, original_fields FROM papers"
        ):
            if doi:
                self.by_doi.setdefault(doi.lower(), paper_id)
            if arxiv_id:
                self.by_arxiv.setdefault(arxiv_id.lower(), paper_id)
            fields = _json(original, {})
            pmid = next((str(value).strip() for key, value in fields.items() if key.lower() == "pmid"), "")
            if pmid:
                self.by_pmid.setdefault(pmid, paper_id)
            key = normalize_title(title)
            if len(key) >= MIN_TITLE_CHARS:
                names = _json(authors, [])
                self.ids.append(paper_id)
                self.titles.append(key)
                self.surnames.append(family_name(str(names[0])) if names else "")
                self.years.append(year)

    def match(self, reference: dict[str, Any], citing: int) -> tuple[int, float] | None:
        """(paper id, confidence) of the library paper `reference` denotes, if any."""
        for value, index in ((reference.get("doi"), self.by_doi), (reference.get("arxiv_id"), self.by_arxiv),
                             (reference.get("pmid"), self.by_pmid)):
            if value and str(value).lower() in index and index[str(value).lower()] != citing:
                return index[str(value).lower()], 1.0
        title = normalize_title(reference.get("title"))
        if len(title) < MIN_TITLE_CHARS or not self.titles:
            return None
        from rapidfuzz import fuzz, process

        authors = reference.get("authors") or []
        surname = family_name(str(authors[0])) if authors else ""
        year = reference.get("year")
        best: tuple[int, float] | None = None
        for _, score, position in process.extract(
            title, self.titles, scorer=fuzz.ratio, score_cutoff=TITLE_WITH_AUTHOR, limit=5
        ):
            paper_id = self.ids[position]
            if paper_id == citing:
                continue
            their_year = self.years[position]
            year_ok = not year or not their_year or abs(int(year) - int(their_year)) <= 1
            author_ok = bool(surname) and surname == self.surnames[position]
            if year_ok and (score >= TITLE_ALONE or author_ok):
                if best is None or score > best[1] * 100:
                    best = (paper_id, round(score / 100, 3))
        return best


def _json(text: str | None, default: Any) -> Any:
    try:
        value = json.loads(text) if text else default
    except ValueError:
        return default
    return value if isinstance(value, type(default)) else default


def resolve_references(conn: sqlite3.Connection, *, unresolved_only: bool = True) -> int:
    """Point stored references at the library papers they denote; returns how many were newly resolved.

    Run after every import: a paper imported later picks up the references that already point to it."""
    catalogue = _Catalogue(conn)
    where = " WHERE cited_paper_id IS NULL" if unresolved_only else ""
    cursor = conn.execute(
        f"SELECT id, paper_id, authors, title, year, doi, arxiv_id, pmid FROM paper_references{where}"
    )
    updates = []
    for ref_id, citing, authors, title, year, doi, arxiv_id, pmid in cursor.fetchall():
        reference = {"authors": _json(authors, []), "title": title, "year": year, "doi": doi,
                     "arxiv_id": arxiv_id, "pmid": pmid}
        found = catalogue.match(reference, citing)
        if found is not None:
            updates.append((found[0], found[1], ref_id))
        elif not unresolved_only:
            updates.append((None, None, ref_id))
    conn.executemany("UPDATE paper_references SET cited_paper_id = ?, match_confidence = ? WHERE id = ?", updates)
    return sum(1 for paper_id, _, _ in updates if paper_id is not None)


# ---------------------------------------------------------------------------------------------------- the step


def reference_step(library: Library, *, cancel: CancelToken | None = None) -> Generator[Progress, None, int]:
    """The resumable reference step: read the reference lists of queued papers' PDFs (papers imported before
    the step existed, or whose reading was interrupted), then resolve every unresolved reference. Each paper
    commits on its own, so a killed run resumes where it stopped. Returns how many papers were read."""
    from litreview.core.paper import IngestError
    from litreview.library.references import mark_failed, queue_missing, queued, store_references

    cancel = cancel or CancelToken()
    with library.transaction() as conn:
        queue_missing(conn)
    todo = queued(library.conn)
    if todo:  # the PDF readers (160 ms to import on the worker, beside the window) only when there is one to read
        from litreview.ingest.pdf import read_references
    for done, (paper_id, paths) in enumerate(todo, start=1):
        cancel.raise_if_cancelled()
        existing = [path for path in paths if Path(path).is_file()]
        result = read_references(existing[0]) if existing else IngestError(paths[0], "PDF not found")
        with library.transaction() as conn:
            if isinstance(result, IngestError):
                mark_failed(conn, paper_id, result.reason)
            else:
                store_references(conn, paper_id, result)
        yield Progress("references", done, len(todo), current=Path(paths[0]).name)
    with library.transaction() as conn:
        resolve_references(conn)
    return len(todo)


# ---------------------------------------------------------------------------------------------------- the graph


def coupling(conn: sqlite3.Connection, paper_id: int, *, k: int = 10) -> list[tuple[int, int, list[str]]]:
    """Bibliographic coupling: library papers sharing references with `paper_id`, most shared first, as
    (paper id, shared count, titles of up to three shared works, the rarest first)."""
    links = CitationGraph.load(conn).links(paper_id)
    scored = sorted(((other, link) for other, link in links.items() if link.shared),
                    key=lambda item: (-len(item[1].shared), item[0]))
    return [(other, len(link.shared), work_titles(conn, link.shared, 3)) for other, link in scored[:k]]


def cocitation(conn: sqlite3.Connection, paper_id: int, *, k: int = 10) -> list[tuple[int, int]]:
    """Co-citation: library papers cited together with `paper_id` by library papers, as (paper id, times)."""
    links = CitationGraph.load(conn).links(paper_id)
    counts = Counter({other: link.cocited_by for other, link in links.items() if link.cocited_by})
    return counts.most_common(k)


def work_titles(conn: sqlite3.Connection, keys: Sequence[str], limit: int) -> list[str]:
    """The titles of the first `limit` CitationGraph keys whose work has one: a work known only by an identifier
    (an OpenAlex citation link, "openalex:W1986364825") or without a title is not named."""
    titles: list[str] = []
    for key in keys:
        if len(titles) == limit:
            break
        if key.startswith("o:"):
            continue
        table = "papers" if key.startswith("p") else "external_works"  # from CitationGraph: a fixed name
        row = conn.execute(f"SELECT title FROM {table} WHERE id = ?", (int(key[1:]),)).fetchone()
        if row and row[0]:
            titles.append(row[0])
    return titles


def missing_works(
    conn: sqlite3.Connection, *, paper_ids: Collection[int] | None = None, min_citing: int = 2, k: int | None = None
) -> list[dict[str, Any]]:
    """External works cited by at least `min_citing` library papers (or papers of `paper_ids`, a reading list)
    that resolve to no library paper, most cited first; ties go to the work that couples more strongly with
    the citing set (cited by papers with shorter reference lists, so each citation weighs more)."""
    ranked = ranked_missing_works(conn, paper_ids=paper_ids, min_citing=min_citing)
    return missing_work_details(conn, ranked if k is None else ranked[:k])


def ranked_missing_works(
    conn: sqlite3.Connection, *, paper_ids: Collection[int] | None = None, min_citing: int = 2
) -> list[tuple[int, set[int]]]:
    """missing_works' order, as (external work id, ids of the papers citing it): cheap, to count them all."""
    in_library = {
        row[0]
        for row in conn.execute(
            "SELECT DISTINCT work_id FROM paper_references WHERE work_id IS NOT NULL AND cited_paper_id IS NOT NULL"
        )
    }
    list_size = Counter(row[0] for row in conn.execute("SELECT paper_id FROM paper_references"))
    citers: dict[int, set[int]] = defaultdict(set)
    wanted = set(paper_ids) if paper_ids is not None else None
    for work, citing in conn.execute(
        "SELECT work_id, paper_id FROM paper_references WHERE work_id IS NOT NULL AND cited_paper_id IS NULL"
    ):
        if work in in_library or wanted is not None and citing not in wanted:
            continue
        citers[work].add(citing)
    return sorted(
        ((work, ids) for work, ids in citers.items() if len(ids) >= min_citing),
        key=lambda item: (-len(item[1]), -sum(1 / max(1, list_size[c]) for c in item[1]), item[0]),
    )


def missing_work_details(conn: sqlite3.Connection, ranked: list[tuple[int, set[int]]]) -> list[dict[str, Any]]:
    """The ranked missing works with what their reference lists say of them."""
    works = []
    for work, ids in ranked:
        row = conn.execute(
            "SELECT title, authors, year, doi, venue, arxiv_id, pmid FROM external_works WHERE id = ?", (work,)
        ).fetchone()
        title, authors, year, doi, venue, arxiv_id, pmid = row
        works.append({
            "work_id": work, "title": title, "authors": _json(authors, []), "year": year, "doi": doi,
            "venue": venue, "arxiv_id": arxiv_id, "pmid": pmid, "cited_by": sorted(ids),
        })
    return works


# ---------------------------------------------------------------------------------------------------- relatedness


@dataclass(frozen=True)
class CitationLink:
    """How strongly two library papers are tied by citations: bibliographic coupling (the references both
    cite, Salton's cosine over the two reference sets) and co-citation (library papers citing both)."""

    coupling: float = 0.0
    cocitation: float = 0.0
    shared: tuple[str, ...] = ()  # keys of the works both cite, the rarest in the library first
    cocited_by: int = 0

    @property
    def strength(self) -> float:
        """Coupling and co-citation as one value in [0, 1] (either alone counts; both count more)."""
        return 1.0 - (1.0 - self.coupling) * (1.0 - self.cocitation)


@dataclass
class CitationGraph:
    """Every library paper's cited works as keys: "p<id>" a library paper, "w<id>" an external work from a PDF's
    reference list, "o:<scheme:id>" a work a record's citation links name (OpenAlex) that is not in the library."""

    targets: dict[int, set[str]] = field(default_factory=dict)
    citers: dict[str, set[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> CitationGraph:
        graph = cls()
        for citing, key in _graph_edges(conn):
            graph.targets.setdefault(citing, set()).add(key)
            graph.citers.setdefault(key, set()).add(citing)
        return graph

    def cited_papers(self, paper_id: int) -> set[int]:
        """The library papers `paper_id` cites."""
        return {int(key[1:]) for key in self.targets.get(paper_id, ()) if key[0] == "p"}

    def citing_papers(self, paper_id: int) -> set[int]:
        """The library papers that cite `paper_id`."""
        return set(self.citers.get(f"p{paper_id}", ()))

    def links(self, paper_id: int) -> dict[int, CitationLink]:
        """The library papers tied to `paper_id` by coupling or co-citation."""
        mine = self.targets.get(paper_id, set())
        shared: dict[int, list[str]] = defaultdict(list)
        for key in mine:
            for other in self.citers.get(key, ()):
                if other != paper_id:
                    shared[other].append(key)
        my_citers = self.citers.get(f"p{paper_id}", set())
        cocited: Counter[int] = Counter()
        for citer in my_citers:
            cocited.update(int(key[1:]) for key in self.targets.get(citer, ()) if key[0] == "p"
                           and key != f"p{paper_id}")
        links = {}
        for other in shared.keys() | cocited.keys():
            keys = sorted(shared.get(other, ()), key=lambda key: (len(self.citers[key]), key))
            coupling = len(keys) / math.sqrt(len(mine) * len(self.targets[other])) if keys else 0.0
            together = cocited.get(other, 0)
            their_citers = self.citers.get(f"p{other}", set())
            cocitation = together / math.sqrt(len(my_citers) * len(their_citers)) if together else 0.0
            links[other] = CitationLink(min(1.0, coupling), min(1.0, cocitation), tuple(keys), together)
        return links


def _graph_edges(conn: sqlite3.Connection) -> Generator[tuple[int, str], None, None]:
    """(citing paper, cited-work key) from PDF reference lists and from records' citation links."""
    for citing, cited, work in conn.execute(
        "SELECT paper_id, cited_paper_id, work_id FROM paper_references"
        " WHERE cited_paper_id IS NOT NULL OR work_id IS NOT NULL"
    ):
        yield citing, (f"p{cited}" if cited is not None else f"w{work}")
    from litreview.library.citations import papers_by_link_id

    own = papers_by_link_id(conn)
    for citing, cited in conn.execute("SELECT paper_id, cited_id FROM cited_works"):
        paper = own.get(cited)
        yield citing, (f"p{paper}" if paper is not None else f"o:{cited}")


