"""Related work fused with the citation graph: bibliographic coupling and co-citation from PDF reference lists and
records' citation links, the fusion rule, and the "why" naming the shared references (also in CLI `related`)."""

from __future__ import annotations

import json
import math

import pytest
from fakes import BagOfWordsEmbedder

from litreview.analysis.citations import CitationGraph, CitationLink, cocitation, coupling, resolve_references
from litreview.analysis.related import fuse, related_results
from litreview.core.paper import ParsedPaper
from litreview.core.reference import Reference
from litreview.index.service import IndexService
from litreview.index.vectors import VectorStore, text_hash
from litreview.library.citations import add_cited
from litreview.library.references import store_references
from litreview.pipeline import add_records, embedding_text

FILLER = "The study was conducted over 14 days; furthermore patients were discussed and outcomes reported."


def _ref(surname: str, title: str, year: int) -> Reference:
    return Reference(raw=f"{surname} A. {title}. J Tests. {year};1:1-9.", authors=(f"{surname}, A",), title=title,
                     venue="J Tests", year=year)


SHARED_RARE = _ref("Okafor", "Shared ancestry of citation graphs", 2015)
SHARED_COMMON = _ref("Lindqvist", "A method everybody cites in this field", 2010)


def _embed(library) -> BagOfWordsEmbedder:
    embedder = BagOfWordsEmbedder()
    rows = library.query("SELECT id, title, abstract FROM papers ORDER BY id")
    texts = [embedding_text(row["title"], row["abstract"]) for row in rows]
    VectorStore(library).put(embedder.model_id, embedder.dim, [row["id"] for row in rows],
                             embedder.embed_documents(texts), [text_hash(t) for t in texts])  # fmt: skip
    return embedder


@pytest.fixture
def papers(library):
    """Q (the query) shares a topic's words with T and two references with C, whose text is about something else;
    D cites Q and E together; filler papers make the term statistics meaningful."""
    records = [ParsedPaper(source="test", title=f"{topic.title()} cohort {i}", abstract=f"{topic} {FILLER}")
               for i in range(4) for topic in ("kidney", "malaria", "asthma", "sepsis", "gout")]  # fmt: skip
    records += [
        ParsedPaper(source="test", title="Zebrafish fin regeneration after amputation",
                    abstract=f"Zebrafish fin regeneration needs blastema cells. {FILLER}"),
        ParsedPaper(source="test", title="Blastema signalling in zebrafish fin regeneration",
                    abstract=f"We traced blastema cells during fin regeneration. {FILLER}"),
        ParsedPaper(source="test", title="Axolotl limb wound healing", abstract=f"Axolotl limbs heal. {FILLER}"),
        ParsedPaper(source="test", title="Citing survey", abstract=f"A survey. {FILLER}"),
        ParsedPaper(source="test", title="Cocited classic", abstract=f"Classic paper. {FILLER}"),
    ]  # fmt: skip
    add_records(library, records)
    ids = [row["id"] for row in library.query("SELECT id FROM papers ORDER BY id")]
    q, t, c, d, e = ids[-5:]
    others = [_ref(f"Author{i}", f"Unshared reference number {i} of the list", 2000 + i) for i in range(6)]
    with library.transaction() as conn:
        store_references(conn, q, [SHARED_RARE, SHARED_COMMON, *others[:3]])
        store_references(conn, c, [SHARED_COMMON, SHARED_RARE, *others[3:]])
        store_references(conn, ids[0], [SHARED_COMMON])  # the common one is cited by a third paper too
        store_references(conn, d, [_ref("Zed", "Zebrafish fin regeneration after amputation", 0),
                                   _ref("Ek", "Cocited classic", 0)])
        resolve_references(conn)
    return library, {"q": q, "t": t, "c": c, "d": d, "e": e, "first": ids[0]}


def test_links_measure_coupling_and_cocitation(papers) -> None:
    library, ids = papers
    links = CitationGraph.load(library.conn).links(ids["q"])
    # Q: 5 references, C: 5, two shared: Salton's cosine 2 / sqrt(5 * 5)
    assert links[ids["c"]].coupling == pytest.approx(2 / 5)
    assert links[ids["c"]].cocitation == 0.0
    # the rarer shared work (cited by two papers) is named before the common one (three)
    titles = [row[0] for row in library.conn.execute("SELECT title FROM external_works ORDER BY id")]
    assert [titles[int(key[1:]) - 1] for key in links[ids["c"]].shared] == [SHARED_RARE.title, SHARED_COMMON.title]
    assert links[ids["first"]].coupling == pytest.approx(1 / math.sqrt(5))
    # D cites Q and E: co-cited once, each cited by D alone
    assert links[ids["e"]] == CitationLink(cocitation=1.0, cocited_by=1)
    assert links[ids["e"]].strength == 1.0 and links[ids["c"]].strength == pytest.approx(0.4)
    assert coupling(library.conn, ids["q"])[0] == (ids["c"], 2, [SHARED_RARE.title, SHARED_COMMON.title])
    assert cocitation(library.conn, ids["q"]) == [(ids["e"], 1)]


def test_record_citation_links_couple_too(library) -> None:
    add_records(library, [ParsedPaper(source="openalex", title=f"Record {n}", external_ids={"openalex": f"W{n}"})
                          for n in range(3)])  # fmt: skip
    a, b, c = (row["id"] for row in library.query("SELECT id FROM papers ORDER BY id"))
    with library.transaction() as conn:
        add_cited(conn, a, ["openalex:W9", "openalex:W2"])
        add_cited(conn, b, ["openalex:W9", "openalex:W2", "openalex:W8"])
    links = CitationGraph.load(library.conn).links(a)
    assert links[b].coupling == pytest.approx(2 / math.sqrt(6))
    assert set(links[b].shared) == {"o:openalex:W9", f"p{c}"}  # W2 is a library paper, W9 is not
    assert c not in links  # a cites c: a direct citation, neither coupling nor co-citation


def test_the_why_names_shared_works_by_title_and_counts_those_known_by_an_identifier_only(library) -> None:
    add_records(library, [ParsedPaper(source="openalex", title=title, abstract=f"Grazing of meadows. {FILLER}",
                                      external_ids={"openalex": f"W{n}"})
                          for n, title in enumerate(["Grazing meadows", "Grazed meadows", "Meadow flowers"])])
    a, b, _ = (row["id"] for row in library.query("SELECT id FROM papers ORDER BY id"))
    with library.transaction() as conn:
        add_cited(conn, a, ["openalex:W7", "openalex:W8", "openalex:W2"])
        add_cited(conn, b, ["openalex:W7", "openalex:W8", "openalex:W2"])
    embedder = _embed(library)
    results = related_results(library, IndexService(library), a, embedder.model_id, embedder.dim, k=2)
    coupled = next(result for result in results if result.paper_id == b)
    assert coupled.shared_references == ("Meadow flowers",)  # W2 is paper c; W7 and W8 have no title to show
    assert coupled.why[:2] == ("both cite: Meadow flowers", "2 more shared references")
    assert not any("openalex:" in reason for result in results for reason in result.why)
    with library.transaction() as conn:
        conn.execute("DELETE FROM cited_works WHERE cited_id = 'openalex:W2'")
    results = related_results(library, IndexService(library), a, embedder.model_id, embedder.dim, k=2)
    assert next(result for result in results if result.paper_id == b).why[0] == "2 shared references"


def test_a_records_citation_links_are_its_reference_list_and_cite_library_papers(library, capsys) -> None:
    from litreview.cli import main as cli_main
    from litreview.library.references import citing_papers, references_of

    add_records(library, [ParsedPaper(source="openalex", title=f"Record {n}", authors=("Ada Okafor",), year=2020 + n,
                                      external_ids={"openalex": f"W{n}"}) for n in range(2)])
    a, b = (row["id"] for row in library.query("SELECT id FROM papers ORDER BY id"))
    with library.transaction() as conn:
        add_cited(conn, a, ["openalex:W9", "openalex:W1"])
        conn.execute("INSERT INTO papers (title, external_ids) VALUES ('Broken ids', '{\"openalex\": W9')")  # no JSON
    references = references_of(library.conn, a)
    assert [(ref["raw"], ref["paper_id"], ref["title"]) for ref in references] == [
        ("Record 1 (openalex:W1)", b, "Record 1"), ("openalex:W9", None, None)]
    assert references[0]["authors"] == ["Ada Okafor"] and references[0]["year"] == 2021
    assert citing_papers(library.conn, b) == [a]
    assert references_of(library.conn, b) == [] and citing_papers(library.conn, a) == []
    path = library.path
    library.close()
    assert cli_main(["--library", str(path), "refs", str(a), "--json"]) == 0
    assert [ref["paper_id"] for ref in json.loads(capsys.readouterr().out)] == [b, None]
    assert cli_main(["--library", str(path), "citing", str(b), "--json"]) == 0
    assert [paper["paper_id"] for paper in json.loads(capsys.readouterr().out)] == [a]


def test_fusion_adds_citation_strength_and_keeps_text_alone_unchanged() -> None:
    text = {1: 0.8, 2: 0.7, 3: 0.1}
    links = {3: CitationLink(coupling=0.9), 2: CitationLink()}
    assert fuse(text, {}, 3) == sorted(text.items(), key=lambda item: -item[1])
    fused = dict(fuse(text, links, 3, weight=1.0))
    assert fused[3] == pytest.approx(1.0) and fused[1] == 0.8 and fused[2] == 0.7
    assert [pid for pid, _ in fuse(text, links, 2, weight=1.0)] == [3, 1]


def test_citations_lift_a_coupled_paper_and_the_why_names_the_shared_reference(papers) -> None:
    library, ids = papers
    embedder = _embed(library)
    index = IndexService(library)
    text_only = [pid for pid, _ in index.related(ids["q"], embedder.model_id, embedder.dim, k=30)]
    results = related_results(library, index, ids["q"], embedder.model_id, embedder.dim, k=5)
    ranked = [result.paper_id for result in results]
    assert ranked.index(ids["c"]) < text_only.index(ids["c"])  # coupling moved C up
    assert ids["t"] in ranked  # the text neighbour stays
    coupled = results[ranked.index(ids["c"])]
    assert coupled.shared_references == (SHARED_RARE.title, SHARED_COMMON.title)
    assert coupled.why[0] == f"both cite: {SHARED_RARE.title}"
    cocited = next(result for result in results if result.paper_id == ids["e"])
    assert "cited together by 1 library paper" in cocited.why
    text_match = results[ranked.index(ids["t"])]
    assert text_match.shared_references == () and "fin regeneration" in text_match.why


def test_the_why_says_when_one_paper_cites_the_other_and_is_never_empty(papers) -> None:
    from litreview.analysis.related import explain

    library, ids = papers
    graph = CitationGraph.load(library.conn)
    [citing] = explain(library, ids["q"], [(ids["d"], 0.1)], graph=graph)  # D's list cites Q
    assert citing.why[0] == "cites this paper"
    [cited] = explain(library, ids["d"], [(ids["q"], 0.1)], graph=graph)
    assert cited.why[0] == "cited by this paper"
    add_records(library, [ParsedPaper(source="test", title="Glacier melt", abstract="Ice sheets thin."),
                          ParsedPaper(source="test", title="Opera houses", abstract="Acoustics of halls.")])
    first, second = (row["id"] for row in library.query("SELECT id FROM papers ORDER BY id DESC LIMIT 2"))
    [unexplained] = explain(library, first, [(second, 0.1)], graph=graph)
    assert unexplained.why == ("similar in meaning; no distinctive terms in common",)


def test_cli_related_json_why_names_shared_references(papers, capsys) -> None:
    from litreview.cli import main as cli_main

    library, ids = papers
    _embed(library)
    path = library.path
    library.close()
    assert cli_main(["--library", str(path), "related", str(ids["q"]), "-k", "5", "--json"]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert f"both cite: {SHARED_RARE.title}" in rows[ids["c"]]["why"]
    assert set(rows[ids["c"]]) == {"id", "title", "score", "why"}
