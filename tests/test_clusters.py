"""Clusters, labels and the library map (issue #9): synthetic topics with known answers, plus real arXiv text."""

from __future__ import annotations

import ast
import csv
import itertools
import json

import numpy as np
import pytest

from litreview.analysis.clusters import (
    choose_k,
    cluster_library,
    load_clusters,
    load_map,
    match_clusters,
    rename_cluster,
)
from litreview.analysis.labels import FALLBACK_LABEL, LABEL_SEPARATOR, cluster_labels
from litreview.analysis.layout import layout_2d
from litreview.core.progress import Cancelled, CancelToken, Progress
from litreview.index.vectors import VectorStore

MODEL, DIM = "test-model", 32
TOPICS = {
    "folding": ("Protein folding dynamics", "protein folding structure molecular chaperone residues"),
    "galaxy": ("Galaxy formation survey", "galaxy formation dark matter halo redshift stellar"),
    "graph": ("Graph coloring bounds", "graph coloring chromatic number vertices edges planar"),
}


def _topic_centres(seed: int = 7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {name: rng.normal(size=DIM) for name in TOPICS}


def _add_papers(library, topic: str, count: int, *, seed: int, centre=None, text=None) -> list[int]:
    """Insert `count` papers about `topic` with vectors near the topic's centre; returns their ids."""
    centre = _topic_centres()[topic] if centre is None else centre
    rng = np.random.default_rng(seed)
    title, words = text or TOPICS[topic]
    ids = []
    with library.transaction() as conn:
        for i in range(count):
            vocabulary = words.split()
            abstract = " ".join(rng.choice(vocabulary, size=12)) + " we study this case"
            cursor = conn.execute(
                "INSERT INTO papers(title, abstract, title_key) VALUES (?, ?, ?)",
                (f"{title} {i}", abstract, f"{topic}{seed}{i}"),
            )
            ids.append(int(cursor.lastrowid))
    vectors = centre + rng.normal(scale=0.15, size=(count, DIM))
    VectorStore(library).put(MODEL, DIM, ids, vectors.astype(np.float32), [f"h{i}" for i in ids])
    return ids


@pytest.fixture
def topical_library(library):
    """A library with 3 well separated topics of 25 papers each: {topic: paper ids}."""
    ids = {topic: _add_papers(library, topic, 25, seed=n) for n, topic in enumerate(TOPICS)}
    return library, ids


def _cluster_of(clusters, paper_id: int) -> int:
    return next(c.cluster_id for c in clusters if paper_id in c.paper_ids)


def test_finds_the_topics_labels_them_and_reports_progress(topical_library):
    library, ids = topical_library
    steps: list[Progress] = []
    clusters = cluster_library(library, MODEL, DIM, progress=steps.append)

    assert len(clusters) == 3
    for topic, members in ids.items():
        matching = [c for c in clusters if set(c.paper_ids) == set(members)]
        assert len(matching) == 1, f"topic {topic} is not exactly one cluster"
        label = matching[0].label
        assert topic in label, label
        assert 1 <= len(label.split(LABEL_SEPARATOR)) <= 3
        assert not {"study", "case", "we"} & set(label.replace(LABEL_SEPARATOR, " ").split())
    assert [s.done for s in steps] == list(range(steps[-1].total + 1))
    assert all(s.stage == "clusters" for s in steps)
    assert load_clusters(library, MODEL, DIM) == clusters


def test_k_override_and_clamp(topical_library):
    library, ids = topical_library
    assert len(cluster_library(library, MODEL, DIM, k=2)) == 2
    one = cluster_library(library, MODEL, DIM, k=1)
    assert len(one) == 1 and sorted(one[0].paper_ids) == sorted(sum(ids.values(), []))
    assert len(cluster_library(library, MODEL, DIM, k=500)) == 75
    with pytest.raises(ValueError):
        cluster_library(library, MODEL, DIM, k=0)


def test_reclustering_keeps_ids_and_user_labels(topical_library):
    library, ids = topical_library
    first = cluster_library(library, MODEL, DIM)
    folding_id = _cluster_of(first, ids["folding"][0])
    rename_cluster(library, folding_id, "  my proteins ")
    old_ids = {topic: _cluster_of(first, members[0]) for topic, members in ids.items()}

    new_folding = _add_papers(library, "folding", 5, seed=11)
    second = cluster_library(library, MODEL, DIM, random_state=3)

    assert {topic: _cluster_of(second, members[0]) for topic, members in ids.items()} == old_ids
    folding = next(c for c in second if c.cluster_id == folding_id)
    assert folding.label == "my proteins" and folding.user_label == "my proteins"
    assert "folding" in folding.auto_label
    assert set(new_folding) <= set(folding.paper_ids)


def test_new_topic_gets_a_new_id_and_a_vanished_one_is_dropped(topical_library):
    library, ids = topical_library
    first = cluster_library(library, MODEL, DIM, k=3)
    old = {topic: _cluster_of(first, members[0]) for topic, members in ids.items()}

    with library.transaction() as conn:
        conn.executemany("DELETE FROM papers WHERE id = ?", [(p,) for p in ids["graph"]])
    quantum = _add_papers(
        library,
        "quantum",
        25,
        seed=42,
        centre=np.random.default_rng(99).normal(size=DIM),
        text=("Quantum error correction", "qubit surface code decoder logical error"),
    )
    second = cluster_library(library, MODEL, DIM, k=3)

    assert _cluster_of(second, ids["folding"][0]) == old["folding"]
    assert _cluster_of(second, ids["galaxy"][0]) == old["galaxy"]
    quantum_id = _cluster_of(second, quantum[0])
    assert quantum_id not in old.values()
    assert set(c.cluster_id for c in second) == {old["folding"], old["galaxy"], quantum_id}
    stored = {r["id"] for r in library.query("SELECT id FROM clusters")}
    assert stored == {old["folding"], old["galaxy"], quantum_id}


def test_map_data_for_the_gui(topical_library):
    library, ids = topical_library
    clusters = cluster_library(library, MODEL, DIM)
    rename_cluster(library, clusters[0].cluster_id, "first")
    data = load_map(library, MODEL, DIM)

    every = sorted(sum(ids.values(), []))
    assert data.paper_ids.tolist() == every and len(data) == 75
    assert np.abs(data.x).max() <= 1.0 + 1e-6 and np.abs(data.y).max() <= 1.0 + 1e-6
    assert data.titles[0].startswith("Protein folding dynamics")
    assert {c.cluster_id for c in data.clusters} == {c.cluster_id for c in clusters}
    assert data.clusters[0].label == "first" and sum(c.size for c in data.clusters) == 75
    points = data.points()
    assert points[0].paper_id == every[0] and points[0].cluster_id == _cluster_of(clusters, every[0])

    # Papers of one topic sit together: each cluster's points are nearer their own label than any other label.
    for cluster in data.clusters:
        inside = data.cluster_ids == cluster.cluster_id
        own = np.hypot(data.x[inside] - cluster.x, data.y[inside] - cluster.y)
        for other in data.clusters:
            if other.cluster_id != cluster.cluster_id:
                assert np.median(own) < np.median(np.hypot(data.x[inside] - other.x, data.y[inside] - other.y))

    assert len(load_map(library, "other-model", DIM)) == 0


def test_rename_cluster_restores_and_rejects_unknown(topical_library):
    library, _ = topical_library
    cluster = cluster_library(library, MODEL, DIM)[0]
    rename_cluster(library, cluster.cluster_id, "mine")
    assert load_clusters(library, MODEL, DIM)[0].label == "mine"
    rename_cluster(library, cluster.cluster_id, " ")
    restored = load_clusters(library, MODEL, DIM)[0]
    assert restored.label == cluster.auto_label and restored.user_label is None
    with pytest.raises(KeyError):
        rename_cluster(library, 10_000, "x")


def test_cancel_leaves_stored_clusters_alone(topical_library):
    library, _ = topical_library
    before = cluster_library(library, MODEL, DIM)
    token = CancelToken()

    def cancel_while_labelling(step: Progress) -> None:
        if step.message == "labelling":
            token.cancel()

    with pytest.raises(Cancelled):
        cluster_library(library, MODEL, DIM, k=2, progress=cancel_while_labelling, cancel=token)
    assert load_clusters(library, MODEL, DIM) == before


def test_library_without_vectors_has_no_clusters(library):
    assert cluster_library(library, MODEL, DIM) == []
    assert len(load_map(library, MODEL, DIM)) == 0


def test_match_clusters_pairs_by_centroid_similarity():
    old = np.eye(4, dtype=np.float32)[:3]
    new = np.array([[0, 0.1, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1]], dtype=np.float32)
    assert match_clusters(old, new) == {0: 2, 1: 0}  # row 2 (e4) resembles no old cluster
    assert match_clusters(old, np.zeros((0, 4), np.float32)) == {}


def test_labels_merge_bigrams_and_fall_back():
    documents = ["protein folding protein folding kinetics"] * 3 + ["galaxy survey galaxy clusters"] * 3 + ["", "42"]
    labels = cluster_labels(documents, [0, 0, 0, 1, 1, 1, 2, 2])
    assert labels[0].split(LABEL_SEPARATOR)[0] == "protein folding"
    assert "protein" not in labels[0].split(LABEL_SEPARATOR)
    assert "galaxy" in labels[1]
    assert labels[2] == FALLBACK_LABEL


def test_labels_skip_other_languages_stop_words_and_never_share_a_lead():
    """#15: a German cluster is not labelled "der", and a word three clusters use ("cells") leads one at most."""
    german = ["Der Einfluss der Temperatur auf die Faltung der Proteine in der Zelle und in den Geweben"] * 4
    biology = ["cells tumour growth cells metastasis cells", "cells stem differentiation cells niche cells",
               "cells immune response cells cytokine cells"]
    documents = german + [text for text in biology for _ in range(4)]
    labels = cluster_labels(documents, [0] * 4 + [1] * 4 + [2] * 4 + [3] * 4)
    words = {word for label in labels.values() for term in label.split(LABEL_SEPARATOR) for word in term.split()}
    assert not words & {"der", "die", "auf", "den", "und"}, labels
    assert "temperatur" in labels[0].split(LABEL_SEPARATOR)[0] or "faltung" in labels[0], labels
    leads = [label.split(LABEL_SEPARATOR)[0] for label in labels.values()]
    assert len(set(leads)) == len(leads), labels
    assert [("tumour" in labels[1]), ("stem" in labels[2]), ("immune" in labels[3])] == [True] * 3, labels


def test_a_frequent_phrase_replaces_its_word_whatever_its_spelling():
    """#15: "stem" is said as "stem cell" or "stem cells": the label names the phrase, not the bare word."""
    documents = ["embryonic stem cells renew", "stem cell niche renew", "embryonic stem cells divide",
                 "stem cell fate renew"] + ["galaxy survey redshift"] * 4
    terms = cluster_labels(documents, [0] * 4 + [1] * 4)[0].split(LABEL_SEPARATOR)
    assert any(term.startswith("stem cell") for term in terms) and "stem" not in terms, terms


def test_landmark_layout_and_warm_start_keep_neighbourhoods():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(4, DIM)) * 3
    truth = np.repeat(np.arange(4), 60)
    vectors = (centres[truth] + rng.normal(size=(240, DIM))).astype(np.float32)

    positions = layout_2d(vectors, max_tsne_points=80)
    assert positions.shape == (240, 2) and np.abs(positions).max() == pytest.approx(1.0)
    nearest = np.argsort(np.linalg.norm(positions[:, None] - positions[None], axis=2), axis=1)[:, 1:6]
    assert (truth[nearest] == truth[:, None]).mean() > 0.95

    previous = positions.copy()
    previous[::10] = np.nan  # a tenth of the papers are new
    again = layout_2d(vectors, previous=previous, max_tsne_points=80, random_state=5)
    centre_before = np.array([positions[truth == t].mean(axis=0) for t in range(4)])
    centre_after = np.array([again[truth == t].mean(axis=0) for t in range(4)])
    # The warm start keeps which topics neighbour which: the same topic pairs are closest before and after.
    closest = lambda c: np.argsort(np.linalg.norm(c[:, None] - c[None], axis=2), axis=1)[:, 1]  # noqa: E731
    assert closest(centre_before).tolist() == closest(centre_after).tolist()


def test_cli_clusters_json(topical_library, library_path, capsys):
    from litreview.cli import main

    library, ids = topical_library
    assert main(["--library", str(library_path), "clusters", "--k", "3", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {frozenset(r["paper_ids"]) for r in rows} == {frozenset(m) for m in ids.values()}
    assert all(set(r) == {"cluster", "label", "paper_ids"} and r["label"] for r in rows)

    assert main(["--library", str(library_path), "clusters", "--model", "nope"]) == 1
    assert "no vectors stored for model nope" in capsys.readouterr().err


def test_real_arxiv_labels_are_readable(shared_data, library):
    """Real titles and abstracts (TF-IDF + SVD vectors stand in for a model): every label is 2-3 real words."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    with open(shared_data / "arxiv" / "arxiv_2025-05_math_cs_3397.csv", newline="", encoding="utf-8") as handle:
        rows = list(itertools.islice(csv.DictReader(handle), 400))
    assert all(ast.literal_eval(r["tags"]) for r in rows)
    texts = [f"{r['title']} {r['abstract']}" for r in rows]
    with library.transaction() as conn:
        insert = "INSERT INTO papers(title, abstract) VALUES (?, ?)"
        ids = [int(conn.execute(insert, (r["title"], r["abstract"])).lastrowid) for r in rows]
    tfidf = TfidfVectorizer(stop_words="english", min_df=2).fit_transform(texts)
    vectors = TruncatedSVD(64, random_state=0).fit_transform(tfidf).astype(np.float32)
    VectorStore(library).put("tfidf", 64, ids, vectors, ["h"] * len(ids))

    clusters = cluster_library(library, "tfidf", 64, k=8)
    assert len(clusters) == 8 and sum(c.size for c in clusters) == 400
    labels = [c.label for c in clusters]
    assert len(set(labels)) == 8, labels
    assert len({label.split(LABEL_SEPARATOR)[0] for label in labels}) == 8, labels  # no shared lead (#15)
    for label in labels:
        terms = label.split(LABEL_SEPARATOR)
        assert 2 <= len(terms) <= 3, label
        for word in " ".join(terms).split():
            assert word.isalpha() or "-" in word, label
            assert word not in {"paper", "results", "using", "propose", "the", "and"}, label


def test_duplicate_papers_never_make_empty_clusters(library):
    """Ten copies of one paper and ten of another, asked for 5 clusters: only the 2 real ones come back."""
    with library.transaction() as conn:
        ids = [
            int(conn.execute("INSERT INTO papers(title, abstract) VALUES (?, ?)", (title, title)).lastrowid)
            for title in ["galaxy redshift survey"] * 10 + ["graph coloring bound"] * 10
        ]
    vectors = np.repeat(np.eye(2, DIM, dtype=np.float32), 10, axis=0)
    VectorStore(library).put(MODEL, DIM, ids, vectors, ["h"] * 20)
    clusters = cluster_library(library, MODEL, DIM, k=5)
    assert sorted(sorted(c.paper_ids) for c in clusters) == [ids[:10], ids[10:]]
    assert len(load_map(library, MODEL, DIM)) == 20


def test_choose_k_finds_separated_topics():
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(5, DIM)) * 4
    points = np.repeat(centres, 40, axis=0) + rng.normal(size=(200, DIM))
    assert choose_k(points) == 5
    assert choose_k(points, prefer=6) == 5  # the stored k does not override a clear winner
    assert choose_k(points[:5]) == 1
