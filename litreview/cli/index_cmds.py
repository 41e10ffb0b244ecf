"""related, search, reindex, eval: the vector index, search modes and the built-in BEIR evaluation."""

from __future__ import annotations

import argparse
import sys

from litreview.cli.common import NO_EMBEDDINGS, add_command, handle_ctrl_c, open_from_args, print_json, warn
from litreview.cli.embed_cmds import add_option_flag, parse_options
from litreview.core.text import count_of

SEARCH_MODES = ("keyword", "semantic", "hybrid")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(
        subparsers, "related", cmd_related, "papers most similar to one paper, with the distinctive terms shared"
    )
    p.add_argument("paper_id", type=int, metavar="ID")
    p.add_argument("-k", type=int, default=10, help="how many papers (default 10)")

    p = add_command(subparsers, "search", cmd_search, "keyword, semantic or hybrid search")
    p.add_argument("query", nargs="+", metavar="QUERY")
    p.add_argument("--mode", choices=SEARCH_MODES, default="hybrid",
                   help="default hybrid (keyword when the library has no vectors)")
    p.add_argument("-k", type=int, default=10, help="how many papers (default 10)")
    p.add_argument("--all", action="store_true", help="every match, best first (overrides -k)")
    p.add_argument("--passages", action="store_true",
                   help="search full-text passages: paper, page and text of each match")
    p.add_argument("--device", help="cpu, cuda or mps for embedding the query")

    add_command(subparsers, "reindex", cmd_reindex, "rebuild the ANN index from the stored vectors")

    p = add_command(subparsers, "eval", cmd_eval, "score retrieval on a BEIR folder or screening on SYNERGY reviews "
                                                  "(imported into a temporary library)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--beir", metavar="DIR", help="folder with corpus.jsonl, queries.jsonl, qrels/")
    source.add_argument("--synergy", metavar="DIR", help="a SYNERGY review (labels.csv, works_*.zip) or a folder of "
                                                         "them: simulate screening (litreview/analysis/screening.py)")
    p.add_argument("--seeds", type=int, default=5, help="--synergy: prior pairs drawn by seeds 0..N-1 (default 5)")
    p.add_argument("--priors", metavar="FILE", help='--synergy: JSON {"0": [included_id, excluded_id], ...} '
                                                    "with OpenAlex ids, instead of drawn priors")
    p.add_argument("--no-embed", action="store_true", help="--synergy: rank without embedding vectors")
    p.add_argument("--workdir", metavar="DIR", help="--synergy: keep each review's library here and reuse its "
                                                    "vectors next time (default: a temporary folder)")
    p.add_argument("--model", help="embedding model (default: the offline default model)")
    p.add_argument("--mode", choices=(*SEARCH_MODES, "all"), default="semantic")
    p.add_argument("--split", default="test", help="qrels file to score (default test)")
    p.add_argument("--limit-queries", type=int, metavar="N", help="score only the first N judged queries")
    p.add_argument("--device", help="cpu, cuda or mps")
    add_option_flag(p)


def _titles(library, ids: list[int]) -> dict[int, str | None]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = library.query(f"SELECT id, title FROM papers WHERE id IN ({marks})", ids)
    return {row["id"]: row["title"] for row in rows}


def _print_hits(library, hits: list[tuple[int, float]], as_json: bool, why: dict[int, list[str]] | None = None) -> None:
    titles = _titles(library, [pid for pid, _ in hits])
    rows = [{"id": pid, "title": titles.get(pid), "score": round(score, 6)} for pid, score in hits]
    if why is not None:
        for row in rows:
            row["why"] = why.get(row["id"], [])
    if as_json:
        print_json(rows)
    elif not rows:
        print("no results")
    else:
        for row in rows:
            print(f"{row['id']:>7}  {row['score']:.4f}  {row['title'] or '(untitled)'}")
            if row.get("why"):
                print(f"{'':>16}why: {'; '.join(row['why'])}")


def _current_model_or_fail(library) -> tuple[str, int]:
    from litreview.cli import CommandError
    from litreview.library.settings import serving_model

    model = serving_model(library)
    if model is None:
        raise CommandError(NO_EMBEDDINGS)
    return model


def cmd_related(args: argparse.Namespace) -> int:
    from litreview.analysis.related import related_results
    from litreview.cli import CommandError
    from litreview.index.service import IndexService

    if args.k < 1:
        raise CommandError("-k must be at least 1")
    with open_from_args(args, create=False, reads_only=True) as library:
        if not library.query("SELECT 1 FROM papers WHERE id = ?", [args.paper_id]):
            raise CommandError(f"no paper with id {args.paper_id}")
        model_id, dim = _current_model_or_fail(library)
        try:
            results = related_results(library, IndexService(library), args.paper_id, model_id, dim, k=args.k)
        except KeyError as exc:
            raise CommandError(
                f"paper {args.paper_id} has no embedding for {model_id} (it has no title or abstract, or the import "
                "was interrupted: run 'litreview import --resume')"
            ) from exc
        hits = [(result.paper_id, result.score) for result in results]  # text and citations fused
        _print_hits(library, hits, args.json, why={result.paper_id: list(result.why) for result in results})
    return 0


def _load_query_embedder(library, model_id: str, dim: int, device: str | None):
    """The embedder whose vectors the library holds, loaded from the library's model setting."""
    from litreview.cli import CommandError
    from litreview.embedding import ModelNotAvailable, load_query_embedder
    from litreview.embedding.loader import RemoteNotAllowed
    from litreview.library.settings import model_choice

    name = model_choice(library).name or model_id
    try:
        with handle_ctrl_c():  # Ctrl-C while torch loads ends the command cleanly
            embedder = load_query_embedder(name, device=device, dim=dim)
    except RemoteNotAllowed:
        raise  # the caller may fall back to keyword search
    except ModelNotAvailable as exc:
        raise CommandError(str(exc)) from exc
    if (embedder.model_id, embedder.dim) != (model_id, dim):
        raise CommandError(f"model {name} gives {embedder.model_id} ({embedder.dim} dims), "
                           f"but the library's vectors are {model_id} ({dim} dims)")
    return embedder


def cmd_search(args: argparse.Namespace) -> int:
    from litreview.cli import CommandError
    from litreview.index.search import search_with_count
    from litreview.index.service import IndexService
    from litreview.library.settings import serving_model

    if args.k < 1:
        raise CommandError("-k must be at least 1")
    query = " ".join(args.query)
    with open_from_args(args, create=False, reads_only=True) as library:
        mode, service, embedder = args.mode, None, None
        if mode != "keyword":
            model = serving_model(library)
            if model is None:
                if mode == "semantic":
                    raise CommandError(NO_EMBEDDINGS)
                warn("litreview: the library has no embeddings; searching by keyword only")
                mode = "keyword"
            else:
                from litreview.embedding.loader import RemoteNotAllowed

                try:
                    embedder = _load_query_embedder(library, *model, args.device)
                    service = IndexService(library)
                except RemoteNotAllowed as exc:
                    if mode == "semantic":
                        raise CommandError(str(exc)) from exc
                    warn(f"litreview: {exc}; searching by keyword only")
                    mode = "keyword"
        if args.passages:
            _search_passages(library, embedder, query, args.k, mode, args.json)
            return 0
        result = search_with_count(library, service, embedder, query, k=None if args.all else args.k, mode=mode)
        _print_hits(library, result.hits, args.json)
        noun = "match" if result.total == 1 else "matches"
        shown = f"all {result.total} {noun}" if len(result.hits) == result.total else (
            f"the best {len(result.hits)} of {result.total} {noun} (--all or -k N for more)")
        print(f"litreview: {mode} search: {shown}", file=sys.stderr)
    return 0


def _search_passages(library, embedder, query: str, k: int, mode: str, as_json: bool) -> None:
    from litreview.index.passage_search import search_passages
    from litreview.index.service import passage_index

    index = passage_index(library) if embedder is not None else None
    hits = search_passages(library, index, embedder, query, k=k, mode=mode)
    rows = [hit.to_json() for hit in hits]
    if as_json:
        print_json(rows)
    elif not rows:
        print("no results" if library.query("SELECT 1 FROM passages LIMIT 1") else
              "no passages yet: run 'litreview import' on the PDFs (without --no-fulltext)")
    else:
        titles = _titles(library, sorted({row["paper_id"] for row in rows}))
        for row in rows:
            text = row["text"] if len(row["text"]) <= 160 else row["text"][:157] + "..."
            print(f"{row['paper_id']:>7}  p.{row['page']:<4} {row['score']:.4f}  "
                  f"{titles.get(row['paper_id']) or '(untitled)'}\n         {text}")


def cmd_reindex(args: argparse.Namespace) -> int:
    from litreview.index.service import IndexService, passage_index

    with open_from_args(args, create=False) as library:
        results = IndexService(library).rebuild_all()
        passages = passage_index(library).rebuild_all()
    if args.json:
        print_json({"rebuilt": results, "rebuilt_passages": passages})
    elif not results and not passages:
        print("no vectors to index")
    else:
        for r in results:
            print(f"rebuilt {r['model']} ({r['dim']} dims): {count_of(r['vectors'], 'vector')} in {r['seconds']:.1f} s")
        for r in passages:
            print(f"rebuilt passages {r['model']} ({r['dim']} dims): {count_of(r['vectors'], 'vector')} in "
                  f"{r['seconds']:.1f} s")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    if args.synergy:
        from litreview.cli.screen_cmds import run_synergy_cli

        return run_synergy_cli(args)
    from litreview.analysis.evaluation import EVAL_MODES, BeirFormatError, run_beir_eval
    from litreview.cli import CommandError
    from litreview.core.progress import Cancelled

    if args.limit_queries is not None and args.limit_queries < 1:
        raise CommandError("--limit-queries must be at least 1")
    modes = EVAL_MODES if args.mode == "all" else (args.mode,)
    embedder = None
    if any(mode != "keyword" for mode in modes):
        from litreview.embedding import ModelNotAvailable, load_embedder

        try:
            with handle_ctrl_c():
                embedder = load_embedder(args.model, device=args.device, **parse_options(args.option))
        except (ModelNotAvailable, ValueError, TypeError) as exc:
            raise CommandError(str(exc)) from exc

    def report(progress) -> None:
        if sys.stderr.isatty():
            sys.stderr.write(f"\r{progress.stage:12} {progress.done}/{progress.total}".ljust(60))
            sys.stderr.flush()

    try:
        results = run_beir_eval(args.beir, modes=modes, embedder=embedder, limit_queries=args.limit_queries,
                                split=args.split, progress=report)
    except BeirFormatError as exc:
        raise CommandError(str(exc)) from exc
    except Cancelled:
        return 130
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    if args.json:
        print_json(results[0] if len(results) == 1 else results)
    else:
        for r in results:
            print(f"{r['mode']:8} {r['model'] or 'bm25 (fts5)'}: nDCG@10 {r['ndcg@10']:.4f}  "
                  f"Recall@10 {r['recall@10']:.4f}  Recall@100 {r['recall@100']:.4f}  MRR@10 {r['mrr@10']:.4f}  "
                  f"({r['queries']} queries, {r['documents']} documents)")
    return 0
