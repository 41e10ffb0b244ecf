"""`litreview eval --synergy DIR`: simulate screening on a review in the SYNERGY layout through the app's own
import, embedding and ranking code, and score it (metrics in litreview.analysis.screening).

The folder holds `labels.csv` (openalex_id, doi, pmid, label_included) and `works_*.zip` (OpenAlex result pages).
The works are imported into a library (a temporary one, or `workdir/<review>.sqlite`, which keeps the vectors for
the next run), embedded with the given embedder, and screened from priors: per seed, one included and one excluded
record picked by numpy's default_rng(seed), or read from a priors file {"0": [included_id, excluded_id], ...} with
OpenAlex ids. Labels are revealed in the order the ranker asks until every included record is found.
"""

from __future__ import annotations

import csv
import json
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from litreview.core.progress import Progress

__all__ = ["PreparedReview", "SynergyFormatError", "SynergyReview", "load_labels", "load_screening_data",
           "pick_priors", "prepare_review", "prior_rows", "reference_links", "run_synergy_eval"]


class SynergyFormatError(Exception):
    """A folder that is not a readable SYNERGY review."""


@dataclass(frozen=True)
class SynergyReview:
    name: str
    labels: dict[str, int]  # OpenAlex work id ("W123") -> 0/1
    works: list[Path]


def load_labels(folder: Path | str) -> SynergyReview:
    from litreview.ingest.openalex import openalex_key

    folder = Path(folder)
    labels_path = folder / "labels.csv"
    works = sorted(folder.glob("works_*.zip"))
    if not labels_path.is_file() or not works:
        raise SynergyFormatError(f"not a SYNERGY review folder: {folder} needs labels.csv and works_*.zip")
    labels: dict[str, int] = {}
    with open(labels_path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"openalex_id", "label_included"} <= set(reader.fieldnames):
            raise SynergyFormatError(f"{labels_path}: expected the columns openalex_id and label_included")
        for number, row in enumerate(reader, start=2):
            key = openalex_key(row["openalex_id"])
            if key is None or row["label_included"].strip() not in ("0", "1"):
                raise SynergyFormatError(f"{labels_path}:{number}: expected an OpenAlex id and a 0/1 label")
            labels[key] = int(row["label_included"])
    return SynergyReview(folder.name, labels, works)


def _paper_of_work(library) -> dict[str, int]:
    """OpenAlex work id -> the paper it was imported into (or merged into), from the import log."""
    mapping: dict[str, int] = {}
    for path, paper_id in library.conn.execute(
            "SELECT path, paper_id FROM import_log WHERE paper_id IS NOT NULL AND path LIKE '%#W%' ORDER BY id"):
        mapping[path.rsplit("#", 1)[1]] = int(paper_id)
    for paper_id, external in library.conn.execute("SELECT id, external_ids FROM papers"):
        key = json.loads(external or "{}").get("openalex")
        if key:
            mapping.setdefault(key, int(paper_id))
    return mapping


def reference_links(library, paper_ids: Sequence[int]) -> dict[int, list[str]]:
    """paper id -> its links in the parsed-reference graph (litreview.analysis.citations): "ref:p<id>" for each
    library paper it cites and "ref:w<id>" for each external work, plus its own "ref:p<id>" when it has
    references or is cited, so that citing, being cited and sharing a reference all link two papers."""
    wanted = {int(p) for p in paper_ids}
    links: dict[int, list[str]] = {}
    for citing, cited, work in library.conn.execute(
            "SELECT paper_id, cited_paper_id, work_id FROM paper_references"
            " WHERE cited_paper_id IS NOT NULL OR work_id IS NOT NULL"):
        if citing in wanted:
            links.setdefault(int(citing), []).append(f"ref:p{cited}" if cited is not None else f"ref:w{work}")
        if cited is not None and cited in wanted:
            links.setdefault(int(cited), [])
    for paper_id, tokens in links.items():
        tokens.append(f"ref:p{paper_id}")
    return links


def load_screening_data(library, paper_ids: Sequence[int], *, model_id: str | None = None, dim: int | None = None,
                        isolated: bool = False, works: Sequence[Mapping] = ()):
    """ScreeningData for these papers from what the library stores: title + abstract, the vectors of
    (model_id, dim) when given, citation links (OpenAlex `referenced_works` and the parsed-reference graph) and
    OpenAlex ids. `works`: external works the library lacks (`citations.missing_works` items), appended as rows
    with id -work_id: their title for TF-IDF, no vector, and their "ref:w<id>" link to the papers citing them."""
    from litreview.analysis.screening import build_data
    from litreview.library.citations import cited_by_paper
    from litreview.pipeline import embedding_text

    ids = [int(p) for p in paper_ids]
    rows = {int(r[0]): r[1:] for r in library.conn.execute("SELECT id, title, abstract, external_ids FROM papers")}
    texts = [embedding_text(*rows[p][:2]) if p in rows else "" for p in ids]
    cited = cited_by_paper(library, ids)
    for paper_id, tokens in reference_links(library, ids).items():
        cited.setdefault(paper_id, []).extend(tokens)
    for work in works:
        ids.append(-int(work["work_id"]))
        texts.append(embedding_text(work.get("title") or "", ""))
        cited[-int(work["work_id"])] = [f"ref:w{int(work['work_id'])}"]
    own = {}
    for p in ids:
        key = json.loads((rows.get(p) or (None, None, "{}"))[2] or "{}").get("openalex")
        if key:
            own[p] = f"openalex:{key}"
    vectors = None
    if model_id and dim:
        from litreview.index.vectors import VectorStore

        found_ids, matrix = VectorStore(library).get(model_id, dim, ids)
        if len(found_ids):
            vectors = np.zeros((len(ids), dim), dtype=np.float32)
            where = {int(p): i for i, p in enumerate(found_ids)}
            for row, p in enumerate(ids):
                if p in where:
                    vectors[row] = matrix[where[p]]
    return build_data(ids, texts, vectors=vectors, cited=cited, own_ids=own, model=model_id, isolated=isolated)


def pick_priors(truth: np.ndarray, seed: int) -> list[int]:
    """One included and one excluded row, picked by numpy's default_rng(seed)."""
    rng = np.random.default_rng(seed)
    return [int(rng.choice(np.flatnonzero(truth == 1))), int(rng.choice(np.flatnonzero(truth == 0)))]


@dataclass
class PreparedReview:
    """A review imported (and embedded) into a library: its candidate papers, their truth and features."""

    name: str
    paper_ids: list[int]
    truth: np.ndarray  # 0/1 per candidate row
    titles: list[str]
    abstracts: list[str]
    data: object  # analysis.screening.ScreeningData
    row_of_work: dict[str, int]  # OpenAlex id -> candidate row
    model_id: str | None
    seconds: float  # import + embedding + feature time


def prepare_review(
    folder: Path | str,
    *,
    embedder=None,
    workdir: Path | str | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> PreparedReview:
    """Import the review's works through the app's import (once per `workdir` library), embed what has no vector
    yet with `embedder`, and build the screening features from what the library stores."""
    from litreview import pipeline
    from litreview.library.db import open_library

    review = load_labels(folder)
    started = time.perf_counter()
    with ExitStack() as stack:
        if workdir is None:
            base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="litreview-screen-")))
        else:
            base = Path(workdir)
            base.mkdir(parents=True, exist_ok=True)
        library = open_library(base / f"{review.name}.sqlite")
        stack.callback(library.close)
        work_paper = _paper_of_work(library)
        if not set(review.labels) <= set(work_paper):
            summary = pipeline.drive(pipeline.run_import(library, review.works), progress)
            if summary.failed:
                reasons = "; ".join(f"{e.entry or e.path}: {e.reason}" for e in summary.failed[:3])
                raise SynergyFormatError(f"{len(summary.failed)} works failed to import ({reasons})")
            work_paper = _paper_of_work(library)
        missing = set(review.labels) - set(work_paper)
        if missing:
            raise SynergyFormatError(f"{len(missing)} labelled works are not in the zips (e.g. {sorted(missing)[0]})")
        model_id = dim = None
        if embedder is not None:
            pipeline.drive(pipeline.embed_pending(library, embedder), progress)
            model_id, dim = embedder.model_id, embedder.dim
        paper_ids = sorted({work_paper[w] for w in review.labels})
        row_of = {p: i for i, p in enumerate(paper_ids)}
        truth = np.zeros(len(paper_ids), dtype=np.int64)
        for work, label in review.labels.items():
            truth[row_of[work_paper[work]]] |= label  # a paper merged from several works is included if any is
        data = load_screening_data(library, paper_ids, model_id=model_id, dim=dim)
        rows = library.conn.execute("SELECT id, title, abstract FROM papers")
        text = {int(r[0]): (r[1] or "", r[2] or "") for r in rows}
    return PreparedReview(
        name=review.name, paper_ids=paper_ids, truth=truth, titles=[text[p][0] for p in paper_ids],
        abstracts=[text[p][1] for p in paper_ids], data=data,
        row_of_work={w: row_of[work_paper[w]] for w in review.labels}, model_id=model_id,
        seconds=time.perf_counter() - started,
    )


def prior_rows(prepared: PreparedReview, seeds: int = 5,
               priors: Mapping[str, Sequence[str]] | None = None) -> dict[str, list[int]]:
    """seed -> [included row, excluded row]: drawn by pick_priors, or read from `priors` (OpenAlex ids)."""
    from litreview.ingest.openalex import openalex_key

    if priors is None:
        return {str(seed): pick_priors(prepared.truth, seed) for seed in range(seeds)}
    rows_by_seed = {}
    for seed, pair in priors.items():
        keys = [openalex_key(w) for w in pair] if isinstance(pair, list) else []
        if len(keys) != 2 or any(k not in prepared.row_of_work for k in keys):
            raise SynergyFormatError(f"priors for seed {seed}: expected [included id, excluded id] of this review")
        rows = [prepared.row_of_work[k] for k in keys]
        if prepared.truth[rows[0]] != 1 or prepared.truth[rows[1]] != 0:
            raise SynergyFormatError(f"priors for seed {seed}: the first must be included, the second excluded")
        rows_by_seed[str(seed)] = rows
    return rows_by_seed


def run_synergy_eval(
    folder: Path | str,
    *,
    seeds: int = 5,
    priors: Mapping[str, Sequence[str]] | None = None,
    embedder=None,
    config=None,
    workdir: Path | str | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> dict:
    """Import, embed (when `embedder` is given) and simulate one review; returns the issue's result object with
    `per_seed` (each with the screening positions of the included records). `priors`: seed -> [included
    OpenAlex id, excluded OpenAlex id] (overrides `seeds`)."""
    from litreview.analysis.screening import Ranker, RankerConfig, screening_metrics, simulate

    started = time.perf_counter()
    config = config or RankerConfig()
    prepared = prepare_review(folder, embedder=embedder, workdir=workdir, progress=progress)
    rows_by_seed = prior_rows(prepared, seeds, priors)
    ranker = Ranker(prepared.data, config)
    truth, paper_ids = prepared.truth, prepared.paper_ids
    per_seed = []
    for seed, rows in rows_by_seed.items():
        start = time.perf_counter()
        positions = simulate(ranker, truth, rows)
        metrics = screening_metrics(positions, len(truth), int(truth.sum()))
        per_seed.append({"seed": seed, "priors": [int(paper_ids[r]) for r in rows], **_rounded(metrics),
                         "seconds": round(time.perf_counter() - start, 2), "positions": positions})
        if progress is not None:
            progress(Progress("screen", len(per_seed), len(rows_by_seed), current=prepared.name))
    model_id = prepared.model_id
    model = config.name + (f" + {model_id}" if model_id and config.embedding_weight > 0 else "")
    return {
        "dataset": prepared.name,
        "records": len(truth),
        "included": int(truth.sum()),
        "seeds": len(per_seed),
        **{k: round(float(np.mean([s[k] for s in per_seed])), 4) for k in ("wss@95", "rrf@10", "atd")},
        "model": model,
        "seconds": round(time.perf_counter() - started, 1),
        "per_seed": per_seed,
    }


def _rounded(metrics: Mapping[str, float]) -> dict[str, float]:
    return {k: round(float(v), 4) for k, v in metrics.items()}
