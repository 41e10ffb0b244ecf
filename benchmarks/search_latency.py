"""Wall and CPU time of one `litreview search --mode semantic|hybrid` call, a fresh process each time.

    PYTHONPATH=. .venv/bin/python benchmarks/search_latency.py [--data DIR] [--papers 200] [--runs 5]

Builds a library of SciFact abstracts (beir/scifact of the real test data) embedded with the offline default
model, then runs the CLI search in a new process `--runs` times per mode and prints the median wall time and
CPU time (user + system, from the children's rusage). "torch path" runs the same search with the query
embedded by TransformerEmbedder (torch + transformers, what the CLI did before); "CLI" is the command as it is
now (a plain BERT model's query runs in numpy: embedding.query_encoder). Wall time depends on what else runs
on the machine; CPU time much less, so both are printed with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.data_location import data_dir, missing_reason  # noqa: E402

QUERY = "vitamin D deficiency and the risk of cardiovascular disease"
TORCH_PATH = """
import sys
from litreview.embedding import load_embedder
from litreview.index.search import search
from litreview.index.service import IndexService, current_model
from litreview.library import open_library
with open_library(sys.argv[1]) as library:
    model_id, dim = current_model(library)
    embedder = load_embedder(library.get_setting("model") or model_id, dim=dim)
    hits = search(library, IndexService(library), embedder, sys.argv[3], k=10, mode=sys.argv[2])
print(len(hits))
"""


def timed(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds of `runs` runs of `command`."""
    walls, cpus = [], []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=data_dir(), metavar="DIR")
    parser.add_argument("--papers", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    corpus = args.data / "beir" / "scifact" / "corpus.jsonl"
    if not corpus.is_file():
        parser.error(missing_reason(args.data))

    from litreview.core.paper import ParsedPaper
    from litreview.embedding import load_embedder
    from litreview.library import open_library
    from litreview.pipeline import add_records, drive, embed_pending

    with tempfile.TemporaryDirectory() as tmp:
        library_path = Path(tmp) / "library.sqlite"
        records = []
        with corpus.open(encoding="utf-8") as handle:
            for line in handle:
                doc = json.loads(line)
                records.append(ParsedPaper(source="beir", title=doc["title"], abstract=doc["text"]))
                if len(records) >= args.papers:
                    break
        with open_library(library_path) as library:
            add_records(library, records)
            drive(embed_pending(library, load_embedder(None, device="cpu")))
        print(f"{args.papers} SciFact abstracts, {args.runs} runs each, load average {os.getloadavg()[0]:.1f}")
        for mode in ("semantic", "hybrid"):
            cli = [sys.executable, "-m", "litreview", "--library", str(library_path), "search", QUERY, "--mode", mode]
            torch_path = [sys.executable, "-c", TORCH_PATH, str(library_path), mode, QUERY]
            for name, command in (("torch path", torch_path), ("CLI", cli)):
                wall, cpu = timed(command, args.runs)
                print(f"{mode:<9} {name:<11} median wall {wall:5.2f} s   median CPU {cpu:5.2f} s")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
