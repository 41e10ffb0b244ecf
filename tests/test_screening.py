"""Screening: projects, decisions, undo, exports, PRISMA counts, the ranker, metrics and `eval --synergy`."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from data_location import data_part

from litreview.analysis import screening as scr
from litreview.core.paper import ParsedPaper
from litreview.library import screening
from litreview.pipeline import add_records

ROOT = Path(__file__).resolve().parent.parent

TOPICS = {
    "heart": "cardiac arrest resuscitation heart failure outcomes in hospital patients",
    "soil": "soil microbiome nitrogen fixation crop rotation field trial",
}


NAMES = ("aardvark badger camel dingo eagle ferret gecko heron ibis jackal koala lemur marmot newt ocelot panda quail "
         "raven sloth tapir urchin vole walrus yak zebra bison cobra donkey egret finch").split()


def _papers(library, count: int = 40) -> list[int]:
    records = []
    for i in range(count):
        topic = "heart" if i % 4 == 0 else "soil"
        records.append(ParsedPaper(source="test", title=f"Study {i} of {topic} number {i * 7}",
                                   abstract=f"{TOPICS[topic]} variant {i}", year=2000 + i % 20))
    summary = add_records(library, records)
    return summary.paper_ids


def test_metrics_follow_the_issue_formulas() -> None:
    # 12 records, 4 included: N = 10, n = 3, k = ceil(2.85) = 3
    positions = [1, 2, 5]
    assert scr.wss_at_95(positions, 12, 4) == pytest.approx(1 - 5 / 10 - 0.05)
    assert scr.rrf_at_10(positions, 12, 4) == pytest.approx(1 / 3)  # floor(0.1 * 10) = 1
    assert scr.atd(positions, 12, 4) == pytest.approx((1 + 2 + 5) / 3 / 10)
    with pytest.raises(ValueError):
        scr.wss_at_95([1], 12, 4)


def test_decisions_undo_and_exports(library) -> None:
    ids = _papers(library, 8)
    project = screening.create_project(library, "review", ids)
    with pytest.raises(screening.ScreeningError):
        screening.create_project(library, "review", ids)
    screening.decide(library, project, ids[0], "include", "on topic")
    screening.decide(library, project, ids[1], "exclude")
    screening.decide(library, project, ids[2], "maybe")
    screening.decide(library, project, ids[1], "include", "second look")
    with pytest.raises(screening.ScreeningError):
        screening.decide(library, project, ids[3], "perhaps")
    current = screening.current_decisions(library, project)
    assert {p: d.decision for p, d in current.items()} == {ids[0]: "include", ids[2]: "maybe", ids[1]: "include"}
    undone = screening.undo_last_decision(library, project)
    assert (undone.paper_id, undone.decision) == (ids[1], "include")
    assert screening.current_decisions(library, project)[ids[1]].decision == "exclude"
    counts = screening.prisma_counts(library, project)
    assert counts["records_screened"] == 3 and counts["records_excluded"] == 1 and counts["reports_sought"] == 1
    assert counts["records_maybe"] == 1 and counts["records_not_screened"] == 5
    rows = list(csv.DictReader(io.StringIO(screening.decisions_csv(library, project))))
    assert [r["decision"] for r in rows[:3]] == ["include", "exclude", "maybe"] and len(rows) == 8
    assert rows[0]["reason"] == "on topic" and rows[0]["decided_at"]
    assert screening.labelled(library, project) == ([ids[0], ids[1]], [1, 0])
    for _ in range(3):
        screening.undo_last_decision(library, project)
    assert screening.current_decisions(library, project) == {}
    assert screening.undo_last_decision(library, project) is None


def test_decisions_survive_reopening(library_path: Path) -> None:
    from litreview.library import open_library

    library = open_library(library_path)
    ids = _papers(library, 5)
    project = screening.create_project(library, "r", ids)
    screening.decide(library, project, ids[0], "include")
    library.close()
    library = open_library(library_path)
    try:
        assert screening.current_decisions(library, project)[ids[0]].decision == "include"
    finally:
        library.close()


def test_ranker_learns_and_cold_starts(library) -> None:
    from litreview.analysis.screening_eval import load_screening_data

    ids = _papers(library, 40)
    data = load_screening_data(library, ids)
    truth = np.array([1 if i % 4 == 0 else 0 for i in range(40)])
    ranker = scr.Ranker(data)
    cold = ranker.rank([0], [1])  # inclusions only: by similarity
    assert set(cold[:9]) == {i for i in range(4, 40, 4)}
    learned = ranker.rank([0, 1], [1, 0])
    assert set(learned[:9]) == {i for i in range(4, 40, 4)}
    positions = scr.simulate(ranker, truth, [0, 1])
    assert positions == list(range(1, 10))
    assert scr.wss_at_95(positions, 40, 10) == pytest.approx(1 - 9 / 38 - 0.05)


def test_citations_link_papers_that_share_references(library) -> None:
    texts = [f"unrelated words {w}" for w in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta")]
    cited = {0: ["openalex:W1", "openalex:W2"], 1: ["openalex:W1", "openalex:W2"], 2: ["openalex:W9"],
             3: ["openalex:W8"], 4: ["openalex:W8"], 5: []}
    data = scr.build_data(range(6), texts, cited=cited, own_ids={i: f"openalex:W10{i}" for i in range(6)})
    order = scr.Ranker(data, scr.RankerConfig(use_tfidf=False)).rank([0, 3], [1, 0])
    assert order[0] == 1


def test_embedding_block_is_centred_and_adds_to_the_kernel() -> None:
    texts = ["heart failure trial", "heart failure outcomes", "soil nitrogen", "soil crops", "no vector here"]
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(5, 8)).astype(np.float32) + 3.0  # a large shared component, as sentence vectors have
    vectors[4] = 0.0  # a paper not embedded yet
    data = scr.build_data(range(5), texts, vectors=vectors)
    plain = scr.Ranker(data)
    mixed = scr.Ranker(data, scr.RankerConfig(embedding_weight=0.5))
    block = mixed.dense / 0.5
    unit = vectors[:4] / np.linalg.norm(vectors[:4], axis=1, keepdims=True)
    centred = unit - unit.mean(axis=0)  # less the mean of the papers that have a vector
    assert np.allclose(block[:4], centred / np.linalg.norm(centred, axis=1, keepdims=True), atol=1e-6)
    assert not block[4].any()
    rows = np.array([0, 2])
    assert np.allclose(mixed._kernel(rows), plain._kernel(rows) + 0.25 * block @ block[rows].T)


def test_cold_start_ranks_rows_without_a_vector_by_their_text(library) -> None:
    texts = ["heart failure trial", "heart failure outcomes registry", "soil nitrogen crops", "heart failure drugs"]
    vectors = np.eye(4, dtype=np.float32)
    vectors[3] = 0.0  # row 3 has no vector: scored in the TF-IDF space, where it shares "heart failure"
    data = scr.build_data(range(4), texts, vectors=vectors)
    ranker = scr.Ranker(data)
    scores = ranker.scores([0], [1])
    assert scores[1] == scores[2] == 0.0  # orthogonal vectors
    assert scores[3] == pytest.approx(float(ranker._kernel(np.array([0]))[3, 0])) and scores[3] > 0


def test_parsed_references_link_papers_and_missing_works(library) -> None:
    from litreview.analysis.screening_eval import load_screening_data
    from litreview.core.reference import Reference
    from litreview.library.references import store_references

    ids = _papers(library, 4)
    shared = Reference(raw="Smith J. A shared classic. 1990.", authors=("Smith, J",), title="A shared classic work",
                       year=1990)
    with library.transaction() as conn:
        store_references(conn, ids[0], [shared])
        store_references(conn, ids[2], [shared])
    work = {"work_id": int(library.conn.execute("SELECT id FROM external_works").fetchone()[0]),
            "title": "A shared classic work"}
    data = load_screening_data(library, ids, works=[work])
    assert list(data.paper_ids) == [*ids, -work["work_id"]]
    links = (data.citations @ data.citations.T).toarray()
    assert links[0, 2] > 0 and links[0, 4] > 0 and links[2, 4] > 0  # co-citing, and citing the work itself
    assert links[1, 0] == 0 and links[3, 4] == 0


def _cli(capsys, *argv: str) -> str:
    from litreview.cli import main

    capsys.readouterr()
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_screen_cli(tmp_path: Path, capsys) -> None:
    lib = str(tmp_path / "lib.sqlite")
    ris = tmp_path / "search.ris"
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima".split()
    ris.write_text("".join(f"TY  - JOUR\nTI  - {'Heart' if i % 3 == 0 else 'Soil'} {words[i]} findings\n"
                           f"AB  - {TOPICS['heart' if i % 3 == 0 else 'soil']} {i}\nPY  - 2020\nER  - \n\n"
                           for i in range(12)), encoding="utf-8")

    def cli(*argv: str) -> str:
        return _cli(capsys, "--library", lib, *argv)

    cli("import", "--no-embed", str(ris))
    assert json.loads(cli("screen", "new", "r", "--last-import", "--json"))["candidates"] == 12
    first = json.loads(cli("screen", "next", "r", "--json", "--no-embed"))
    heart = next(item["id"] for item in first if item["title"].startswith("Heart"))
    soil = next(item["id"] for item in first if item["title"].startswith("Soil"))
    cli("screen", "include", "r", str(heart))
    cli("screen", "exclude", "r", str(soil), "--reason", "off topic")
    ranked = json.loads(cli("screen", "next", "r", "-n", "3", "--json", "--no-embed"))
    assert all(item["title"].startswith("Heart") for item in ranked[:3])
    prisma = json.loads(cli("screen", "prisma", "r", "--json"))
    assert prisma["records_identified"] == 12 and prisma["records_screened"] == 2
    assert json.loads(cli("screen", "undo", "r", "--json"))["undone"]["id"] == soil
    out = tmp_path / "decisions.csv"
    cli("screen", "export", "r", "-o", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 12 and [r["decision"] for r in rows if r["decision"]] == ["include"]
    bib = tmp_path / "included.bib"
    cli("screen", "export", "r", "--format", "bibtex", "-o", str(bib))
    assert bib.read_text(encoding="utf-8").count("@") == 1
    assert json.loads(cli("screen", "list", "--json"))[0]["included"] == 1


def _tiny_synergy(folder: Path, count: int = 30) -> None:
    """A SYNERGY-layout review: every 5th work is about screening and included, the rest about soil."""
    import zipfile

    folder.mkdir()
    works, labels = [], ["openalex_id,doi,pmid,label_included"]
    for i in range(count):
        included = i % 5 == 0
        words = (TOPICS["heart"] if included else TOPICS["soil"]).split()
        works.append({"id": f"https://openalex.org/W{100 + i}", "title": f"{words[0]} report on {NAMES[i]}",
                      "abstract_inverted_index": {w: [k] for k, w in enumerate(words)},
                      "referenced_works": ["https://openalex.org/W1"] if included else []})
        labels.append(f"https://openalex.org/W{100 + i},,,{int(included)}")
    (folder / "labels.csv").write_text("\n".join(labels) + "\n", encoding="utf-8")
    with zipfile.ZipFile(folder / "works_1.zip", "w") as archive:
        archive.writestr("works_0_30.json", json.dumps(works))


def test_eval_synergy_small(tmp_path: Path, capsys) -> None:
    _tiny_synergy(tmp_path / "Tiny_2024")
    result = json.loads(_cli(capsys, "eval", "--synergy", str(tmp_path), "--seeds", "2", "--json"))
    assert (result["dataset"], result["records"], result["included"], result["seeds"]) == ("Tiny_2024", 30, 6, 2)
    assert [s["seed"] for s in result["per_seed"]] == ["0", "1"]
    assert result["wss@95"] == pytest.approx(1 - 5 / 28 - 0.05, abs=1e-4)  # the 5 left come first
    assert result["rrf@10"] == pytest.approx(2 / 5) and "svm" in result["model"]
    plain = json.loads(_cli(capsys, "eval", "--synergy", str(tmp_path / "Tiny_2024"), "--seeds", "1"))
    assert "per_seed" not in plain


@pytest.fixture(scope="module")
def donners(shared_data: Path) -> Path:
    return data_part(shared_data, "synergy/Donners_2021", "the SYNERGY review Donners_2021")


@pytest.mark.slow
def test_eval_synergy_real_review(donners: Path, tmp_path: Path) -> None:
    with open(donners / "labels.csv", encoding="utf-8") as handle:
        labels = list(csv.DictReader(handle))
    inc = next(r["openalex_id"] for r in labels if r["label_included"] == "1")
    exc = next(r["openalex_id"] for r in labels if r["label_included"] == "0")
    priors = tmp_path / "priors.json"
    priors.write_text(json.dumps({"0": [inc, exc]}), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "litreview", "eval", "--synergy", str(donners), "--priors",
                           str(priors), "--no-embed", "--json"], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert {"dataset", "records", "included", "seeds", "wss@95", "rrf@10", "atd", "model", "seconds",
            "per_seed"} <= set(result)
    assert (result["dataset"], result["records"], result["included"], result["seeds"]) == ("Donners_2021", 258, 15, 1)
    assert result["per_seed"][0]["priors"] and 0.3 < result["wss@95"] < 0.95  # far better than random (0)
