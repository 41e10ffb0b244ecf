"""`litreview embed` (vectors for texts) and `litreview models [download NAME]` (presets, offline availability)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from litreview.cli.common import add_command, add_model_flag, handle_ctrl_c, model_name, print_json, warn


def register(subparsers: argparse._SubParsersAction) -> None:
    embed = add_command(subparsers, "embed", run_embed, "vectors for texts (documents unless --query)")
    embed.add_argument(
        "texts", nargs="*", metavar="TEXT", help="texts to embed ('-' reads one text per line from stdin)"
    )
    add_model_flag(embed, "preset, local folder, cached HF repo id or http(s) URL", "-m")
    embed.add_argument("--query", action="store_true", help="embed as queries (with the model's query prompt)")
    embed.add_argument("--dim", type=int, default=None, help="MRL truncation (before L2 normalisation)")
    embed.add_argument("--device", default=None, help="cuda, mps or cpu (default: best available)")
    add_option_flag(embed)

    models = add_command(subparsers, "models", run_models, "model presets and what is available offline")
    actions = models.add_subparsers(dest="models_action", metavar="ACTION")
    download = add_command(actions, "download", run_download, "fetch a model through huggingface_hub (resumable)")
    download.add_argument("name", help="preset name or Hugging Face repo id")
    download.add_argument("--endpoint", default=None, help="hub URL (default: $HF_ENDPOINT or huggingface.co)")
    download.add_argument("--revision", default=None)


_INT_OPTIONS = {"max_length", "token_budget", "max_batch_size", "threads", "batch_size", "retries"}
_FLOAT_OPTIONS = {"timeout", "backoff"}
_BOOL_OPTIONS = {"include_prompt"}


def add_option_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--option",
        "-o",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="embedder option, e.g. task=..., pooling=mean, max_length=512, dtype=bfloat16",
    )


def parse_options(pairs: list[str]) -> dict[str, Any]:
    """KEY=VALUE strings as load_embedder options, with numbers and booleans converted."""
    from litreview.cli import CommandError

    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CommandError(f"option {pair!r} is not KEY=VALUE")
        key = key.strip().replace("-", "_")
        value = value.encode("utf-8").decode("unicode_escape") if "prompt" in key else value
        try:
            if key in _INT_OPTIONS:
                options[key] = int(value)
            elif key in _FLOAT_OPTIONS:
                options[key] = float(value)
            elif key in _BOOL_OPTIONS:
                options[key] = value.lower() in ("1", "true", "yes")
            else:
                options[key] = value
        except ValueError as exc:
            raise CommandError(f"option {key}: {exc}") from exc
    return options


def run_embed(args: argparse.Namespace) -> int:
    from litreview.cli import CommandError
    from litreview.embedding import ModelNotAvailable, load_embedder

    texts = list(args.texts)
    if texts == ["-"]:
        texts = [line.rstrip("\n") for line in sys.stdin if line.strip()]
    if not texts:
        raise CommandError("no texts to embed")
    options = parse_options(args.option)
    args.model = model_name(args.model)
    try:
        with handle_ctrl_c():  # Ctrl-C while torch loads ends the command cleanly
            embedder = load_embedder(args.model, device=args.device, dim=args.dim, **options)
        vectors = embedder.embed_queries(texts) if args.query else embedder.embed_documents(texts)
    except ModelNotAvailable as exc:
        raise CommandError(str(exc)) from exc
    except (ValueError, TypeError, OSError) as exc:
        raise CommandError(f"cannot embed with {args.model or 'the default model'}: {exc}") from exc
    if args.json:
        print_json({"model": embedder.model_id, "dim": int(embedder.dim), "vectors": vectors.tolist()})
    else:
        warn(f"{embedder.model_id} dim={embedder.dim} device={embedder.device}")
        for row in vectors:
            print(" ".join(f"{x:.7g}" for x in row))
    return 0


def run_models(args: argparse.Namespace) -> int:
    from litreview.embedding import list_models

    models = list_models()
    if args.json:
        print_json(models)
        return 0
    for model in models:
        where = "offline" if model["offline"] else "download needed"
        mark = "*" if model.get("default") else " "
        print(
            f"{mark} {model['name']:<22} {model['model_id']:<40} dim {model['dim']:<5} {model['size_mb']:>5} MB  "
            f"~{model['est_cpu_docs_per_s']:g} docs/s on CPU  {where}"
        )
    return 0


def run_download(args: argparse.Namespace) -> int:
    from litreview.cli import CommandError
    from litreview.embedding import ModelNotAvailable, download_model

    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5 or (total and done >= total):
            last[0] = now
            percent = f"{100 * done / total:5.1f}%" if total else ""
            print(f"\rdownloading {args.name}: {done / 1e6:8.1f} MB {percent}", end="", file=sys.stderr, flush=True)

    try:
        folder = download_model(args.name, progress=report, endpoint=args.endpoint, revision=args.revision)
    except ModelNotAvailable as exc:
        raise CommandError(str(exc)) from exc
    print(file=sys.stderr)
    if args.json:
        print_json({"name": args.name, "path": str(folder)})
    else:
        print(folder)
    return 0
