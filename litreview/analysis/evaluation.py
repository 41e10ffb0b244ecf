"""Retrieval evaluation on BEIR folders: loading, the standard metrics, and a run through the app's own pipeline.

Metrics follow the BEIR toolkit (pytrec_eval for nDCG@k and Recall@k, BEIR's own MRR@k):
- ranking: by score, best first; ties broken by document id in reverse string order, as trec_eval does;
- nDCG@k: graded gains (the qrels score), log2(rank + 1) discount, ideal DCG from the query's qrels;
- Recall@k: relevant documents in the top k / all relevant documents of the query (qrels score > 0);
- MRR@k: 1 / rank of the first relevant document in the top k, 0 when none.
Every query with judgements counts; a query with no results scores 0 (pytrec_eval would skip it).
"""

from __future__ import annotations

import csv
import json
import math
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from litreview.core.paper import ParsedPaper
from litreview.core.progress import CancelToken, Progress

Run = Mapping[str, Mapping[str, float]]  # query id -> {doc id: score}
Qrels = Mapping[str, Mapping[str, int]]  # query id -> {doc id: relevance}

EVAL_MODES = ("keyword", "semantic", "hybrid")
RETRIEVE_DEPTH = 100  # documents retrieved per query: enough for Recall@100


class BeirFormatError(Exception):
    """A folder that is not a readable BEIR dataset."""


@dataclass(frozen=True)
class BeirDataset:
    corpus: dict[str, tuple[str, str]]  # doc id -> (title, text)
    queries: dict[str, str]  # query id -> text, only queries with judgements, in file order
    qrels: dict[str, dict[str, int]]


def load_beir(folder: Path | str, split: str = "test") -> BeirDataset:
    """corpus.jsonl, queries.jsonl and qrels/<split>.tsv of a BEIR folder."""
    folder = Path(folder)
    paths = {name: folder / name for name in ("corpus.jsonl", "queries.jsonl")}
    qrels_path = folder / "qrels" / f"{split}.tsv"
    for path in (*paths.values(), qrels_path):
        if not path.is_file():
            raise BeirFormatError(f"not a BEIR folder: {path} is missing")
    corpus = {str(r["_id"]): (r.get("title") or "", r.get("text") or "") for r in _jsonl(paths["corpus.jsonl"])}
    qrels: dict[str, dict[str, int]] = {}
    with open(qrels_path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader, None)
        if header is None or [h.strip() for h in header[:3]] != ["query-id", "corpus-id", "score"]:
            raise BeirFormatError(f"{qrels_path}: expected the header 'query-id corpus-id score'")
        for row in reader:
            if len(row) >= 3:
                qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    queries = {str(r["_id"]): r.get("text") or "" for r in _jsonl(paths["queries.jsonl"]) if str(r["_id"]) in qrels}
    missing = set(qrels) - set(queries)
    if missing:
        raise BeirFormatError(f"{len(missing)} judged queries are missing from queries.jsonl")
    return BeirDataset(corpus=corpus, queries=queries, qrels=qrels)


def _jsonl(path: Path) -> Iterable[dict]:
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise BeirFormatError(f"{path}:{number}: not JSON ({exc.msg})") from exc


# --- metrics ----------------------------------------------------------------------------------------
def ranked(scores: Mapping[str, float]) -> list[str]:
    """Doc ids best first; ties by doc id in reverse string order (trec_eval's order)."""
    return [doc for doc, _ in sorted(scores.items(), key=lambda item: (item[1], item[0]), reverse=True)]


def ndcg_at_k(ranking: Sequence[str], relevance: Mapping[str, int], k: int) -> float:
    gains = [max(relevance.get(doc, 0), 0) for doc in ranking[:k]]
    dcg = sum(g / math.log2(rank + 2) for rank, g in enumerate(gains))
    ideal = sorted((r for r in relevance.values() if r > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 2) for rank, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(ranking: Sequence[str], relevance: Mapping[str, int], k: int) -> float:
    relevant = {doc for doc, r in relevance.items() if r > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranking[:k])) / len(relevant)


def mrr_at_k(ranking: Sequence[str], relevance: Mapping[str, int], k: int) -> float:
    for rank, doc in enumerate(ranking[:k], start=1):
        if relevance.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


def evaluate(run: Run, qrels: Qrels) -> dict[str, float]:
    """Mean nDCG@10, Recall@10, Recall@100 and MRR@10 over the judged queries of `qrels`."""
    totals = {"ndcg@10": 0.0, "recall@10": 0.0, "recall@100": 0.0, "mrr@10": 0.0}
    for query_id, relevance in qrels.items():
        ranking = ranked(run.get(query_id, {}))
        totals["ndcg@10"] += ndcg_at_k(ranking, relevance, 10)
        totals["recall@10"] += recall_at_k(ranking, relevance, 10)
        totals["recall@100"] += recall_at_k(ranking, relevance, 100)
        totals["mrr@10"] += mrr_at_k(ranking, relevance, 10)
    count = max(len(qrels), 1)
    return {name: round(value / count, 5) for name, value in totals.items()}


# --- a run through the app's pipeline -----------------------------------------------------------------
def beir_records(dataset: BeirDataset) -> Iterable[ParsedPaper]:
    """The corpus as parsed records; origin "beir:<id>" lets the import log map papers back to doc ids."""
    for doc_id, (title, text) in dataset.corpus.items():
        yield ParsedPaper(
            source="beir", title=title, abstract=text, original_fields={"beir_id": doc_id}, origin=f"beir:{doc_id}"
        )


def run_beir_eval(
    folder: Path | str,
    *,
    modes: Sequence[str] = EVAL_MODES,
    embedder=None,
    model: str | None = None,
    limit_queries: int | None = None,
    split: str = "test",
    progress: Callable[[Progress], None] | None = None,
    cancel: CancelToken | None = None,
) -> list[dict]:
    """Import a BEIR folder into a temporary library through the app's import → embed → index path, run every
    query in each mode and score it. One result dict per mode: model, mode, queries, documents and metrics.

    `embedder` (or `model`, loaded with litreview.embedding.load_embedder) is needed by semantic and hybrid.
    """
    from litreview import pipeline
    from litreview.index.search import search
    from litreview.index.service import IndexService
    from litreview.library.db import open_library

    for mode in modes:
        if mode not in EVAL_MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(EVAL_MODES)}")
    dataset = load_beir(folder, split)
    query_items = list(dataset.queries.items())[: limit_queries or None]
    qrels = {qid: dataset.qrels[qid] for qid, _ in query_items}
    needs_vectors = any(mode != "keyword" for mode in modes)
    if needs_vectors and embedder is None:
        from litreview.embedding import load_embedder

        embedder = load_embedder(model)

    with tempfile.TemporaryDirectory(prefix="litreview-eval-") as tmp:
        library = open_library(Path(tmp) / "eval.sqlite")
        try:
            summary = pipeline.add_records(library, beir_records(dataset), batch="beir")
            if summary.failed:
                raise BeirFormatError(f"{len(summary.failed)} corpus documents failed to import")
            doc_ids = _doc_ids_by_paper(library)
            index = IndexService(library)
            if needs_vectors:
                steps = pipeline.embed_pending(library, embedder, index=index, cancel=cancel)
                pipeline.drive(steps, progress)
            results = []
            for mode in modes:
                run: dict[str, dict[str, float]] = {}
                for done, (query_id, text) in enumerate(query_items, start=1):
                    if cancel is not None:
                        cancel.raise_if_cancelled()
                    hits = search(library, index, embedder, text, RETRIEVE_DEPTH, mode)
                    run[query_id] = {doc: score for pid, score in hits for doc in doc_ids.get(pid, ())}
                    if progress is not None and (done % 25 == 0 or done == len(query_items)):
                        progress(Progress(f"eval {mode}", done, len(query_items)))
                results.append(
                    {
                        "model": getattr(embedder, "model_id", None) if mode != "keyword" else None,
                        "mode": mode,
                        "queries": len(query_items),
                        "documents": len(dataset.corpus),
                        "papers": len(doc_ids),
                        **evaluate(run, qrels),
                    }
                )
            return results
        finally:
            library.close()


def _doc_ids_by_paper(library) -> dict[int, list[str]]:
    """paper id -> BEIR doc ids stored in it (more than one when the importer merged duplicates)."""
    mapping: dict[int, list[str]] = {}
    rows = library.conn.execute(
        "SELECT paper_id, path FROM import_log WHERE path LIKE 'beir:%' AND paper_id IS NOT NULL ORDER BY id"
    )
    for paper_id, path in rows:
        mapping.setdefault(int(paper_id), []).append(path[len("beir:") :])
    return mapping
