"""Passage keyword search at any size (issue 19): which words BM25 ranks by, within a bounded number of passages,
and the kind filter applied after ranking."""

from __future__ import annotations

import pytest

from litreview.index import passage_search
from litreview.index.passage_search import keyword_plan, passage_keyword_search


def add_passages(library, texts: list[str], kinds: list[str] | None = None) -> None:
    kinds = kinds or ["body"] * len(texts)
    with library.transaction() as conn:
        conn.execute("INSERT INTO papers (id, title) VALUES (1, 'paper')")
        conn.executemany(
            "INSERT INTO passages (id, paper_id, seq, page, kind, text) VALUES (?, 1, ?, 1, ?, ?)",
            [(i + 1, i, kind, text) for i, (text, kind) in enumerate(zip(texts, kinds, strict=True))],
        )


@pytest.fixture
def corpus(library):
    """60 passages: 'common' in all, 'frequent' in every second ('odd' in the others), 'scarce' in every tenth,
    'unique' in one."""
    texts = []
    for i in range(60):
        words = ["common", "filler"]
        words += ["frequent"] if i % 2 == 0 else ["odd"]
        words += ["scarce"] if i % 10 == 0 else []
        words += ["unique"] if i == 30 else []
        texts.append(" ".join(words))
    add_passages(library, texts)
    return library


def test_rare_words_are_ranked_and_common_ones_left_out(corpus) -> None:
    plan = keyword_plan(corpus, "common unique scarce")
    assert plan is not None and plan.recent is None
    assert plan.match == '"unique" OR "scarce" OR "common"'  # the rarest first, topped up to MIN_TERMS
    plan = keyword_plan(corpus, "common frequent filler unique scarce")
    assert plan.match == '"unique" OR "scarce" OR "frequent"'  # 'common' and 'filler' are in every passage
    assert passage_keyword_search(corpus, "common unique scarce", k=3)[0][0] == 31


def test_the_budget_keeps_the_rarest_words_that_fit(corpus, monkeypatch) -> None:
    monkeypatch.setattr(passage_search, "POSTINGS_BUDGET", 10)
    plan = keyword_plan(corpus, "frequent unique scarce")
    assert plan.match == '"unique" OR "scarce"'  # 1 + 6 passages fit, 'frequent' (30 more) does not
    ranked = passage_keyword_search(corpus, "frequent unique scarce", k=10)
    assert ranked[0][0] == 31 and {pid for pid, _ in ranked} <= {1, 11, 21, 31, 41, 51}


def test_a_query_of_common_words_only_ranks_the_passages_holding_them_all(corpus, monkeypatch) -> None:
    monkeypatch.setattr(passage_search, "POSTINGS_BUDGET", 5)
    monkeypatch.setattr(passage_search, "AND_BUDGET", 1000)
    plan = keyword_plan(corpus, "common frequent scarce")
    assert plan.match == '"scarce" AND "frequent" AND "common"'
    # Six passages hold them all, more than the budget: the newest five are ranked.
    assert plan.recent == 5
    assert {pid for pid, _ in passage_keyword_search(corpus, "common frequent scarce", k=10)} == {11, 21, 31, 41, 51}
    # No passage holds them all: words are dropped, the commonest first, until some passage does.
    plan = keyword_plan(corpus, "frequent odd")
    assert plan.match == '"frequent"' and plan.recent == 5
    assert {pid for pid, _ in passage_keyword_search(corpus, "frequent odd", k=10)} == {51, 53, 55, 57, 59}


def test_no_words_no_plan(corpus) -> None:
    assert keyword_plan(corpus, " ,;- ") is None
    assert passage_keyword_search(corpus, "...", k=5) == []


def test_the_kind_filter_fetches_more_when_references_rank_first(library) -> None:
    texts = ["alpha beta"] * 40 + ["alpha"] * 5
    add_passages(library, texts, ["references"] * 40 + ["body"] * 5)
    ranked = passage_keyword_search(library, "alpha beta", k=5)
    assert sorted(pid for pid, _ in ranked) == [41, 42, 43, 44, 45]
    assert len(passage_keyword_search(library, "alpha beta", k=50, kinds=("references", "body", "caption"))) == 45


def test_counts_are_recounted_after_the_library_changes(corpus) -> None:
    assert keyword_plan(corpus, "unique scarce common frequent").match == '"unique" OR "scarce" OR "frequent"'
    with corpus.transaction() as conn:  # 'unique' is not rare any more
        conn.executemany("INSERT INTO passages (id, paper_id, seq, page, kind, text) VALUES (?, 1, ?, 2, 'body', "
                         "'unique')", [(100 + i, 100 + i) for i in range(40)])
    assert keyword_plan(corpus, "unique scarce common frequent").match == '"scarce" OR "frequent" OR "unique"'
