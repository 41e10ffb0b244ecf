"""Related work: does fusing citation signals with text similarity find a paper's same-topic papers better?

On SYNERGY systematic reviews ($LITREVIEW_TEST_DATA/synergy): every review's records (the search results the
reviewers screened) are imported through litreview's own import into a library (kept in --workdir so the vectors
are computed once), with their citation links (OpenAlex `referenced_works`), and embedded with the offline default
model on CPU. Each included record is a query; the other included records of its review are its same-topic
papers, to be found among every record of the review (all on the review's broad topic, so the task is hard). For
each ranking rule it prints, over all queries of a review, precision@10 and mean average precision, and the
same for the queries with at least one citation tie (the others rank as text alone by construction).

Rules: text (cosine of the serving model's vectors: what Related showed before), citations (coupling and
co-citation strength alone, ties by cosine), cosine + w * strength for several w (analysis.related.fuse, the rule
the app uses with w = CITATION_WEIGHT), and reciprocal rank fusion of the text and citation rankings.

    .venv/bin/python benchmarks/related.py [--data DIR] [--workdir DIR] [--reviews Donners_2021,Nelson_2002]

Measured (2026-12-02, shared 2-core machine, load 6-12, `benchmarks/related.py --workdir /tmp/refs_wt/related
--reviews Donners_2021,Nelson_2002` then `--reviews Meijboom_2021`; minilm vectors; P@10 / MAP over all queries):

| review (records, incl) | text        | citations   | +0.25 x cit | +0.5 x cit  | +1 x cit    | rrf         |
|------------------------|-------------|-------------|-------------|-------------|-------------|-------------|
| Donners_2021 (258, 15) | 0.187/0.180 | 0.573/0.557 | 0.467/0.415 | 0.553/0.496 | 0.587/0.541 | 0.487/0.468 |
| Nelson_2002 (365, 79)  | 0.594/0.420 | 0.633/0.440 | 0.676/0.446 | 0.701/0.453 | 0.681/0.455 | 0.620/0.439 |
| Meijboom_2021 (880, 37)| 0.284/0.194 | 0.222/0.162 | 0.319/0.214 | 0.332/0.214 | 0.303/0.206 | 0.335/0.211 |
| mean                   | 0.355/0.265 | 0.476/0.386 | 0.487/0.358 | 0.529/0.388 | 0.524/0.401 | 0.481/0.373 |

Fusion beats text alone on each of these three reviews; citations alone lose to text on Meijboom. w = 0.5 has the
best mean P@10, beats text on each review by the widest worst-case margin (+0.048 P@10 on Meijboom) and is the app's
CITATION_WEIGHT (chosen on these three reviews: in-sample for that one parameter).

Checked later on the two reviews not used to choose (2026-12-02, same script, `--reviews Chou_2004,Menon_2022`;
P@10 / MAP): Chou_2004 (1630 records, 9 included) text 0.044/0.031, +0.5 x cit 0.044/0.028; Menon_2022 (975, 74)
text 0.484/0.299, +0.5 x cit 0.489/0.301. Over all five reviews the mean P@10 is 0.318 for text, 0.423 for the app's
rule, 0.426 for w = 1.

A direct citation between the two papers as a third signal (rule "+ direct 0.25": strength 1 - (1 - coupling and
co-citation strength)(1 - 0.25 if one cites the other)) gave P@10 0.600 / 0.319 / 0.687 on Donners / Meijboom /
Nelson against 0.547 / 0.332 / 0.703 without, and the same as without on Chou and Menon: better on one review, worse
on two (mean P@10 over the five 0.428 against 0.423), so the app does not rank by it; its "why" says when one paper
cites the other.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.data_location import data_dir  # noqa: E402

WEIGHTS = (0.1, 0.25, 0.5, 1.0, 2.0)
DIRECT_WEIGHT = 0.25
RRF_K = 60


def average_precision(ranked: list[int], relevant: set[int]) -> float:
    hits, total = 0, 0.0
    for rank, pid in enumerate(ranked, start=1):
        if pid in relevant:
            hits += 1
            total += hits / rank
    return total / len(relevant) if relevant else 0.0


def rankings(query: int, others: list[int], cosine: dict[int, float], links: dict,
             direct: set[int] = frozenset()) -> dict[str, list[int]]:
    from litreview.analysis.related import CITATION_WEIGHT, fuse

    text = sorted(others, key=lambda pid: (-cosine[pid], pid))
    strength = {pid: link.strength for pid, link in links.items()}
    cited = sorted(others, key=lambda pid: (-strength.get(pid, 0.0), -cosine[pid], pid))
    ranked = {"text": text, "citations": cited}
    for weight in WEIGHTS:
        ranked[f"text + {weight:g} x cit"] = [pid for pid, _ in fuse(cosine, links, len(others), weight=weight)]
    tied = [pid for pid in cited if strength.get(pid, 0.0) > 0]
    rrf: dict[int, float] = {}
    for order in (text, tied):
        for rank, pid in enumerate(order, start=1):
            rrf[pid] = rrf.get(pid, 0.0) + 1.0 / (RRF_K + rank)
    ranked["rrf(text, cit)"] = sorted(others, key=lambda pid: (-rrf.get(pid, 0.0), pid))
    # A direct citation between the two as a third signal (not in the app: see the module docstring)
    with_direct = {pid: 1 - (1 - strength.get(pid, 0.0)) * (1 - DIRECT_WEIGHT * (pid in direct)) for pid in others}
    ranked[f"+ direct {DIRECT_WEIGHT:g}"] = sorted(
        others, key=lambda pid: (-(cosine[pid] + CITATION_WEIGHT * with_direct[pid]), pid))
    return ranked


def evaluate(library, paper_ids: list[int], truth: np.ndarray, model_id: str, dim: int) -> dict[str, dict]:
    from litreview.analysis.citations import CitationGraph
    from litreview.index.vectors import VectorStore

    ids, matrix = VectorStore(library).get(model_id, dim, paper_ids)
    ids = [int(p) for p in ids]
    matrix = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    row = {pid: i for i, pid in enumerate(ids)}
    included = [pid for pid, label in zip(paper_ids, truth, strict=True) if label and pid in row]
    graph = CitationGraph.load(library.conn)
    scores: dict[str, dict[str, list[float]]] = {}
    for query in included:
        sims = matrix @ matrix[row[query]]
        others = [pid for pid in ids if pid != query]
        cosine = {pid: float(sims[row[pid]]) for pid in others}
        links = {pid: link for pid, link in graph.links(query).items() if pid in cosine}
        direct = (graph.cited_papers(query) | graph.citing_papers(query)) & cosine.keys()
        relevant = set(included) - {query}
        for rule, ranked in rankings(query, others, cosine, links, direct).items():
            for subset in ("all", "tied") if links else ("all",):
                entry = scores.setdefault(subset, {}).setdefault(rule, [])
                entry.append((sum(pid in relevant for pid in ranked[:10]) / 10, average_precision(ranked, relevant)))
    return {subset: {rule: np.mean(values, axis=0).tolist() + [len(values)] for rule, values in by_rule.items()}
            for subset, by_rule in scores.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=data_dir() / "synergy")
    parser.add_argument("--workdir", type=Path, help="keep the review libraries (and their vectors) here")
    parser.add_argument("--reviews", help="comma-separated review names (default: all)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from litreview.analysis.related import CITATION_WEIGHT
    from litreview.analysis.screening_eval import prepare_review
    from litreview.cli.screen_cmds import synergy_folders
    from litreview.embedding import load_embedder
    from litreview.library.db import open_library

    folders = synergy_folders(args.data)
    if args.reviews:
        wanted = set(args.reviews.split(","))
        folders = [folder for folder in folders if folder.name in wanted]
    if not folders:
        print(f"no SYNERGY reviews in {args.data} (see docs/test-data.md)", file=sys.stderr)
        return 2
    embedder = load_embedder(None, device="cpu")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="litreview-related-"))
    totals: dict[str, dict[str, list]] = {}
    print(f"app rule: text + {CITATION_WEIGHT:g} x citation strength; P@10 / MAP of the other included records")
    for folder in folders:
        start = time.perf_counter()
        prepared = prepare_review(folder, embedder=embedder, workdir=workdir)
        library = open_library(workdir / f"{prepared.name}.sqlite")
        try:
            result = evaluate(library, prepared.paper_ids, prepared.truth, embedder.model_id, embedder.dim)
        finally:
            library.close()
        print(f"\n{prepared.name}: {len(prepared.paper_ids)} records, {int(prepared.truth.sum())} included,"
              f" {time.perf_counter() - start:.0f} s")
        print(f"  {'rule':20} {'all P@10':>9} {'all MAP':>8} {'tied P@10':>10} {'tied MAP':>9}  queries all/tied")
        for rule, (p10, ap, n) in result["all"].items():
            tied = result.get("tied", {}).get(rule, [0.0, 0.0, 0])
            print(f"  {rule:20} {p10:9.4f} {ap:8.4f} {tied[0]:10.4f} {tied[1]:9.4f}  {n}/{tied[2]}")
            for subset, values in (("all", (p10, ap, n)), ("tied", tied)):
                totals.setdefault(subset, {}).setdefault(rule, []).append(values)
    print("\nmean over reviews (each review weighs the same)")
    print(f"  {'rule':20} {'all P@10':>9} {'all MAP':>8} {'tied P@10':>10} {'tied MAP':>9}")
    for rule, values in totals["all"].items():
        tied = totals["tied"].get(rule, [])
        row = np.mean([v[:2] for v in values], axis=0)
        tied_row = np.mean([v[:2] for v in tied if v[2]], axis=0) if any(v[2] for v in tied) else (0.0, 0.0)
        print(f"  {rule:20} {row[0]:9.4f} {row[1]:8.4f} {tied_row[0]:10.4f} {tied_row[1]:9.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
