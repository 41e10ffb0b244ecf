"""clusters: cluster the library's embeddings into labelled topics and store them (and the 2-D map)."""

from __future__ import annotations

import argparse
import sys

from litreview.cli.common import NO_EMBEDDINGS, add_command, open_from_args, print_json
from litreview.core.text import count_of


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(subparsers, "clusters", cmd_clusters, "cluster the library into labelled topics and store the map")
    p.add_argument("--k", type=int, metavar="N", help="number of clusters (default: chosen automatically)")
    p.add_argument("--model", metavar="MODEL_ID", help="vectors of this model id (default: the library's model)")
    p.add_argument("--dim", type=int, help="vector dimension, with --model (default: the one with most vectors)")


def cmd_clusters(args: argparse.Namespace) -> int:
    """Clusters the vectors of one (model, dim), stores the clusters and prints them largest first."""
    from litreview.analysis.clusters import cluster_library
    from litreview.cli import CommandError
    from litreview.core.progress import Progress

    if args.k is not None and args.k < 1:
        raise CommandError("--k must be at least 1")

    def report(step: Progress) -> None:
        if not args.json and sys.stderr.isatty():
            print(f"\r{step.message:<40} {step.done}/{step.total}", end="", file=sys.stderr, flush=True)

    with open_from_args(args, create=False) as library:
        model_id, dim = _model_or_fail(library, args.model, args.dim)
        clusters = cluster_library(library, model_id, dim, k=args.k, progress=report)
    if not args.json and sys.stderr.isatty():
        print(file=sys.stderr)
    rows = [{"cluster": c.cluster_id, "label": c.label, "paper_ids": c.paper_ids} for c in clusters]
    if args.json:
        print_json(rows)
    elif not rows:
        print("no papers with vectors to cluster")
    else:
        papers = count_of(sum(len(r["paper_ids"]) for r in rows), "paper")
        print(f"{count_of(len(rows), 'cluster')} of {papers} ({model_id}, {dim})")
        for row in rows:
            print(f"{row['cluster']:>6}  {count_of(len(row['paper_ids']), 'paper'):>12}  {row['label']}")
    return 0


def _model_or_fail(library, model: str | None, dim: int | None) -> tuple[str, int]:
    """(model_id, dim) named on the command line, else the library's current model."""
    from litreview.cli import CommandError
    from litreview.index.vectors import VectorStore
    from litreview.library.settings import serving_model

    if model is None:
        if dim is not None:
            raise CommandError("--dim needs --model")
        found = serving_model(library)
        if found is None:
            raise CommandError(NO_EMBEDDINGS)
        return found
    dims = [entry["dim"] for entry in VectorStore(library).models() if entry["model"] == model]
    if not dims or (dim is not None and dim not in dims):
        raise CommandError(f"no vectors stored for model {model}" + (f" with dim {dim}" if dim else ""))
    return model, dim if dim is not None else dims[0]
