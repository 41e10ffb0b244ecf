"""The screening features built in a child process are the very ones built in-process (refs #18)."""

from __future__ import annotations

import numpy as np

from litreview.analysis.screening import INCLUDE, Ranker, build_data

TEXTS = ["Deep learning for protein folding", "Protein structure prediction with neural networks",
         "Malaria vaccine trial in children", "A randomised trial of a malaria vaccine", "",
         "Neural networks predict protein contacts"]
CITED = {1: ["openalex:W9", "openalex:W8"], 2: ["openalex:W9"], 3: ["openalex:W7"], 4: ["openalex:W7", "openalex:W8"]}
OWN = {1: "openalex:W1", 5: "openalex:W5"}


def test_child_features_and_ranking_match_in_process() -> None:
    ids = list(range(1, 7))
    here = build_data(ids, TEXTS, cited=CITED, own_ids=OWN)
    child = build_data(ids, TEXTS, cited=CITED, own_ids=OWN, isolated=True)
    assert here.terms == child.terms and "protein" in here.terms
    assert (here.tfidf != child.tfidf).nnz == 0 and here.tfidf.shape == child.tfidf.shape
    assert (here.citations != child.citations).nnz == 0
    labeled, labels = [0, 2], [INCLUDE, 0]
    np.testing.assert_array_equal(Ranker(here).scores(labeled, labels), Ranker(child).scores(labeled, labels))
    assert Ranker(child).rank(labeled, labels)[0] in (1, 5)  # a protein paper ranks first


def test_driving_terms_are_the_positive_terms_the_record_holds() -> None:
    data = build_data(list(range(1, 7)), TEXTS)
    ranker = Ranker(data)
    ranker.scores([0, 2], [INCLUDE, 0])  # protein paper in, malaria paper out
    terms = ranker.driving_terms([1, 3, 5], k=3)
    assert "protein" in terms[1] and "protein" in terms[5]
    assert all(t in data.terms for t in terms[1]) and len(terms[1]) <= 3
    assert not any("malaria" in t for t in terms[3])  # the excluded topic never drives a score up


def test_highlight_html_marks_terms_and_escapes() -> None:
    from litreview.gui.screening_view import highlight_html

    out = highlight_html("Protein, folding <fast> and protein-folding", ["protein folding", "fast"])
    assert out.count("<b ") == 3 and "&lt;" in out
    assert '<b style="background-color:#fff2a8">Protein, folding</b>' in out
    assert highlight_html("a < b", []) == "a &lt; b"
