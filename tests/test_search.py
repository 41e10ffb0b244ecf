"""Keyword (FTS5 BM25), semantic and hybrid search, and the two fusion rules."""

from __future__ import annotations

import json
import re

import pytest
from fakes import BagOfWordsEmbedder

from litreview.index.search import (
    fts_query,
    hybrid_search,
    keyword_search,
    reciprocal_rank_fusion,
    search,
    semantic_search,
    weighted_score_fusion,
)
from litreview.index.service import IndexService
from litreview.index.vectors import VectorStore, text_hash

PAPERS = [
    ("Graph neural networks for molecules", "Message passing over molecular graphs predicts properties."),
    ("Protein folding with deep learning", "Attention models predict protein structure from sequence."),
    ("Bayesian optimisation of hyperparameters", "Gaussian processes guide the search for good settings."),
    ("Molecular property prediction", "Graph networks and fingerprints for chemistry."),
    ('Quoting "AND" OR NOT: a NEAR(miss)', "Operators and col:umns in user text must be harmless*."),
]


@pytest.fixture
def indexed(library):
    embedder = BagOfWordsEmbedder()
    with library.transaction() as conn:
        ids = [
            int(conn.execute("INSERT INTO papers(title, abstract) VALUES (?, ?)", paper).lastrowid) for paper in PAPERS
        ]
    texts = [f"{t} {a}" for t, a in PAPERS]
    VectorStore(library).put(embedder.model_id, embedder.dim, ids, embedder.embed_documents(texts),
                             [text_hash(t) for t in texts])
    return library, IndexService(library), embedder, ids


def test_fts_query_quotes_every_word() -> None:
    assert fts_query('graph "neural" AND nets*') == '"graph" OR "neural" OR "and" OR "nets"'
    assert fts_query("NEAR(a b) col:umn -x ^y") == '"near" OR "a" OR "b" OR "col" OR "umn" OR "x" OR "y"'
    assert fts_query("  ...  ") == ""
    assert fts_query("Graph graph GRAPH") == '"graph"'


def test_keyword_search_ranks_by_bm25_with_positive_scores(indexed) -> None:
    library, _, _, ids = indexed
    hits = keyword_search(library, "molecular graph", k=10)
    assert {pid for pid, _ in hits} == {ids[0], ids[3]}
    assert all(score > 0 for _, score in hits)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert [pid for pid, _ in keyword_search(library, "protein", k=1)] == [ids[1]]
    assert keyword_search(library, "protein", k=0) == []


@pytest.mark.parametrize("text", ['"AND" OR NOT', "NEAR(miss)", "col:umns*", 'a"b', "(", "-", "*"])
def test_keyword_search_treats_fts_syntax_as_plain_words(indexed, text: str) -> None:
    library, _, _, ids = indexed
    hits = keyword_search(library, text, k=10)
    if re.search(r"\w", text):
        assert hits and hits[0][0] == ids[4]
    else:
        assert hits == []


def test_semantic_search_uses_the_query_prompt_path(indexed) -> None:
    library, service, embedder, ids = indexed
    hits = semantic_search(library, service, embedder, "protein structure sequence", k=2)
    assert hits[0][0] == ids[1]
    assert embedder.query_calls == [["protein structure sequence"]]
    assert -1.0 <= hits[1][1] <= hits[0][1] <= 1.0 + 1e-6


def test_hybrid_and_dispatch(indexed) -> None:
    library, service, embedder, ids = indexed
    for fusion in ("weighted", "rrf"):
        hits = hybrid_search(library, service, embedder, "molecular graph networks", k=3, fusion=fusion)
        assert {pid for pid, _ in hits[:2]} == {ids[0], ids[3]}
    assert search(library, None, None, "protein", k=1, mode="keyword")[0][0] == ids[1]
    with pytest.raises(ValueError, match="needs an embedding model"):
        search(library, None, None, "protein", mode="semantic")
    with pytest.raises(ValueError, match="unknown"):
        hybrid_search(library, service, embedder, "x", fusion="max")


def test_reciprocal_rank_fusion_by_hand() -> None:
    fused = reciprocal_rank_fusion([[(1, 9.0), (2, 5.0)], [(2, 0.9), (3, 0.8)]], k=3)
    assert [pid for pid, _ in fused] == [2, 1, 3]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[1][1] == pytest.approx(1 / 61)


def test_weighted_score_fusion_by_hand() -> None:
    keyword = [(1, 10.0), (2, 6.0), (3, 2.0)]  # normalised 1, 0.5, 0
    semantic = [(3, 0.9), (4, 0.5)]  # normalised 1, 0
    fused = dict(weighted_score_fusion(keyword, semantic, k=10, weight=0.5))
    assert fused == pytest.approx({1: 0.5, 2: 0.25, 3: 0.5, 4: 0.0})
    assert weighted_score_fusion([(5, 3.0)], [], k=1, weight=0.5) == [(5, 0.5)]


def test_every_match_is_returned_with_a_score_and_counted(library, tmp_path, capsys) -> None:
    """150 papers match: nothing is cut at 100, and the count says how many there are."""
    from litreview.cli import main as cli_main
    from litreview.index.search import count_matches, search_with_count

    embedder = BagOfWordsEmbedder()
    texts = [(f"Pollinator study {i}", f"Bees and flowers in meadow {i}.") for i in range(150)]
    texts += [(f"Glacier survey {i}", "Ice retreat measured by drones.") for i in range(30)]
    with library.transaction() as conn:
        ids = [int(conn.execute("INSERT INTO papers(title, abstract) VALUES (?, ?)", t).lastrowid) for t in texts]
    joined = [f"{t} {a}" for t, a in texts]
    VectorStore(library).put(embedder.model_id, embedder.dim, ids, embedder.embed_documents(joined),
                             [text_hash(t) for t in joined])
    service = IndexService(library)
    keyword = keyword_search(library, "pollinator bees", k=None)
    assert len(keyword) == 150 and all(isinstance(score, float) for _, score in keyword)
    assert count_matches(library, None, "pollinator bees", "keyword") == 150
    page = search_with_count(library, None, None, "pollinator bees", k=10, mode="keyword")
    assert (len(page.hits), page.total) == (10, 150)
    assert [pid for pid, _ in page.hits] == [pid for pid, _ in keyword[:10]]
    for mode in ("semantic", "hybrid"):
        everything = search_with_count(library, service, embedder, "pollinator bees", k=None, mode=mode)
        assert len(everything.hits) == everything.total == 180
        assert len({pid for pid, _ in everything.hits}) == 180
    library_path = library.path
    library.close()
    assert cli_main(["--library", str(library_path), "search", "pollinator", "bees", "--mode", "keyword",
                     "--json"]) == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)) == 10 and "the best 10 of 150 matches" in captured.err
    assert cli_main(["--library", str(library_path), "search", "pollinator", "--mode", "keyword", "--all",
                     "--json"]) == 0
    captured = capsys.readouterr()
    rows = json.loads(captured.out)
    assert len(rows) == 150 and set(rows[0]) == {"id", "title", "score"} and "all 150 matches" in captured.err


def test_title_only_papers_are_compared_like_with_like(library) -> None:
    """A bare title ("Cell physics") sits closer to a short query than any title + abstract; rescaled onto
    the abstracts' scale it no longer comes first, while the order within each group is kept."""
    from litreview.index.search import like_with_like, related_papers, title_only_ids

    embedder = BagOfWordsEmbedder(dim=256)
    filler = "we measured samples in the laboratory over several weeks with standard protocols and controls"
    full = [(f"Cell mechanics study {i}", f"Cell physics of membranes {i} {filler}") for i in range(12)]
    bare = [("Cell physics", None)] + [(f"Physics note {i}", None) for i in range(11)]
    with library.transaction() as conn:
        ids = [int(conn.execute("INSERT INTO papers(title, abstract) VALUES (?, ?)", p).lastrowid)
               for p in full + bare]  # fmt: skip
    texts = [" ".join(part for part in p if part) for p in full + bare]
    VectorStore(library).put(embedder.model_id, embedder.dim, ids, embedder.embed_documents(texts),
                             [text_hash(t) for t in texts])  # fmt: skip
    service = IndexService(library)
    title_only = title_only_ids(library)
    assert title_only == set(ids[12:])
    query = "cell physics"
    raw = service.search(embedder.model_id, embedder.dim, embedder.embed_queries([query])[0], 24)
    assert raw[0][0] == ids[12]  # the bare title wins on raw cosine
    hits = semantic_search(library, service, embedder, query, k=24)
    assert hits[0][0] not in title_only
    assert [pid for pid, _ in hits if pid in title_only] == [pid for pid, _ in raw if pid in title_only]
    assert dict(hits)[ids[0]] == dict(raw)[ids[0]]  # scores of papers with an abstract are unchanged
    # Too few of a kind to compare: the hits come back as they are.
    assert like_with_like(raw[:5], title_only) == raw[:5]
    related = related_papers(library, service, ids[0], embedder.model_id, embedder.dim, k=5)
    assert related and all(pid not in title_only for pid, _ in related[:3])
