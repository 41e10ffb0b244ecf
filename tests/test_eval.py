"""BEIR evaluation: metrics against hand-computed cases, loading, and a run through the app's pipeline."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from fakes import BagOfWordsEmbedder
from tiny_models import tiny_models  # noqa: F401 - fixture

from litreview.analysis.evaluation import (
    BeirFormatError,
    evaluate,
    load_beir,
    mrr_at_k,
    ndcg_at_k,
    ranked,
    recall_at_k,
    run_beir_eval,
)


def test_ranking_breaks_ties_like_trec_eval() -> None:
    assert ranked({"a": 1.0, "b": 1.0, "c": 2.0}) == ["c", "b", "a"]


def test_ndcg_uses_graded_gains_and_the_ideal_from_qrels() -> None:
    relevance = {"d1": 2, "d2": 1, "d3": 0}
    ranking = ["d2", "dx", "d1"]
    dcg = 1 / math.log2(2) + 2 / math.log2(4)
    idcg = 2 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at_k(ranking, relevance, 10) == pytest.approx(dcg / idcg)
    assert ndcg_at_k(ranking, relevance, 1) == pytest.approx(1 / 2)  # ideal@1 is the grade-2 document
    assert ndcg_at_k(["d1", "d2"], relevance, 10) == pytest.approx(1.0)
    assert ndcg_at_k(["d3"], relevance, 10) == 0.0


def test_recall_and_mrr_cut_at_k() -> None:
    relevance = {"d1": 1, "d2": 1, "d0": 0}
    ranking = ["x1", "d0", "d2", *[f"y{i}" for i in range(10)], "d1"]
    assert recall_at_k(ranking, relevance, 10) == pytest.approx(0.5)
    assert recall_at_k(ranking, relevance, 100) == pytest.approx(1.0)
    assert mrr_at_k(ranking, relevance, 10) == pytest.approx(1 / 3)
    assert mrr_at_k(ranking, relevance, 2) == 0.0
    assert mrr_at_k(["d2"], relevance, 10) == 1.0


def test_evaluate_averages_over_judged_queries_and_scores_missing_runs_zero() -> None:
    qrels = {"q1": {"d1": 2, "d2": 1}, "q2": {"d9": 1}}
    run = {"q1": {"d2": 0.9, "dx": 0.8, "d1": 0.7}, "unjudged": {"d1": 1.0}}
    ndcg_q1 = (1 + 2 / math.log2(4)) / (2 + 1 / math.log2(3))
    scores = evaluate(run, qrels)
    assert scores["ndcg@10"] == pytest.approx(ndcg_q1 / 2, abs=1e-5)
    assert scores["recall@10"] == pytest.approx(0.5) and scores["recall@100"] == pytest.approx(0.5)
    assert scores["mrr@10"] == pytest.approx(0.5)


CORPUS = [
    {"_id": "10", "title": "Aspirin and heart attacks", "text": "Daily aspirin lowers myocardial infarction risk."},
    {"_id": "11", "title": "Vitamin D and bones", "text": "Vitamin D supplements increase bone density."},
    {"_id": "12", "title": "Sleep and memory", "text": "Sleep consolidates memory in adolescents."},
    {"_id": "13", "title": "Coffee consumption", "text": "Coffee drinking is linked with lower diabetes risk."},
    {"_id": "14", "title": "Exercise and mood", "text": "Aerobic exercise improves depressive symptoms."},
]
QUERIES = [
    {"_id": "1", "text": "aspirin myocardial infarction"},
    {"_id": "2", "text": "vitamin D bone density"},
    {"_id": "3", "text": "sleep memory consolidation"},
    {"_id": "4", "text": "an unjudged query about coffee"},
]
QRELS = "query-id\tcorpus-id\tscore\n1\t10\t1\n2\t11\t1\n3\t12\t1\n"


@pytest.fixture
def beir_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps(r) for r in CORPUS) + "\n", encoding="utf-8")
    (folder / "queries.jsonl").write_text("\n".join(json.dumps(r) for r in QUERIES) + "\n", encoding="utf-8")
    (folder / "qrels" / "test.tsv").write_text(QRELS, encoding="utf-8")
    return folder


def test_load_beir_keeps_judged_queries(beir_dir: Path) -> None:
    data = load_beir(beir_dir)
    assert list(data.queries) == ["1", "2", "3"]
    assert data.corpus["12"] == ("Sleep and memory", "Sleep consolidates memory in adolescents.")
    assert data.qrels["2"] == {"11": 1}
    with pytest.raises(BeirFormatError, match="missing"):
        load_beir(beir_dir, split="dev")


def test_run_beir_eval_through_the_pipeline(beir_dir: Path) -> None:
    embedder = BagOfWordsEmbedder()
    results = run_beir_eval(beir_dir, modes=("keyword", "semantic", "hybrid"), embedder=embedder)
    assert [r["mode"] for r in results] == ["keyword", "semantic", "hybrid"]
    for result in results:
        assert (result["queries"], result["documents"], result["papers"]) == (3, 5, 5)
        assert result["ndcg@10"] == 1.0 and result["mrr@10"] == 1.0 and result["recall@100"] == 1.0
    assert results[0]["model"] is None and results[1]["model"] == embedder.model_id
    assert len(embedder.query_calls) == 6  # every judged query, once per semantic-using mode


def test_run_beir_eval_limits_queries_and_needs_no_model_for_keyword(beir_dir: Path) -> None:
    [result] = run_beir_eval(beir_dir, modes=("keyword",), limit_queries=2)
    assert result["queries"] == 2 and result["ndcg@10"] == 1.0
    with pytest.raises(ValueError, match="unknown mode"):
        run_beir_eval(beir_dir, modes=("fuzzy",))


def test_eval_command_prints_the_contract_keys(beir_dir: Path, capsys) -> None:
    from litreview.cli import main

    assert main(["eval", "--beir", str(beir_dir), "--mode", "keyword", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"model", "mode", "queries", "ndcg@10", "recall@10", "recall@100", "mrr@10"} <= set(result)
    assert result["mode"] == "keyword" and result["queries"] == 3
    assert main(["eval", "--beir", str(beir_dir / "nope"), "--mode", "keyword"]) == 1
    assert "not a BEIR folder" in capsys.readouterr().err


def test_eval_command_passes_embedder_options(beir_dir: Path, tiny_models, capsys) -> None:  # noqa: F811
    from litreview.cli import main

    model = str(tiny_models["bert"])
    assert main(["eval", "--beir", str(beir_dir), "--model", model, "-o", "dtype=bfloat16", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["mode"] == "semantic" and result["queries"] == 3 and 0 <= result["ndcg@10"] <= 1
    assert main(["eval", "--beir", str(beir_dir), "--model", model, "-o", "dtype=float8"]) == 1
    assert "dtype must be float32, float16 or bfloat16" in capsys.readouterr().err


@pytest.mark.slow
def test_scifact_floors_with_the_offline_default_model(shared_data: Path) -> None:
    """Published SciFact nDCG@10: all-MiniLM-L6-v2 0.645 (±0.01), BM25 0.665 (±0.02); hybrid ≥ both."""
    from litreview.embedding import load_embedder

    results = {r["mode"]: r for r in run_beir_eval(shared_data / "beir" / "scifact", embedder=load_embedder())}
    assert results["semantic"]["queries"] == 300
    assert abs(results["semantic"]["ndcg@10"] - 0.645) <= 0.01
    assert abs(results["keyword"]["ndcg@10"] - 0.665) <= 0.02
    assert results["hybrid"]["ndcg@10"] >= max(results["semantic"]["ndcg@10"], results["keyword"]["ndcg@10"])
