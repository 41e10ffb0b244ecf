"""Wall time, CPU time and peak memory of fresh `litreview` processes that read PDFs: `litreview extract --json` of
one PDF, and `litreview import --no-embed` of `--pdfs` PDFs into a new library (read in the PDF reader child).

    .venv/bin/python benchmarks/pdf_startup.py [--data DIR] [--pdfs 10] [--runs 5] [--compare-with CHECKOUT]

--compare-with runs the same commands with another checkout's code (e.g. `git worktree add --detach ../before
b85690f`, the commit before PyMuPDF's extras were left out: ingest/mupdf.py), alternating with this one;
the medians are printed. CPU time is that of the process and its children.
"""

from __future__ import annotations

import argparse
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

PEAK = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL);"
        " print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def run(checkout: Path, argv: list[str]) -> tuple[float, float, float]:
    """(wall s, CPU s, peak MB of the largest process) of `litreview argv...` run with `checkout`'s code."""
    command = [sys.executable, "-c", "import sys; from litreview.cli import main; sys.exit(main(sys.argv[1:]))", *argv]
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    start = time.perf_counter()
    # A wrapper process, so that the peak is this command's alone (ru_maxrss of RUSAGE_CHILDREN is the largest child)
    done = subprocess.run([sys.executable, "-c", PEAK, *command], check=True, capture_output=True, text=True,
                          cwd=checkout, env=env)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, usage.ru_utime + usage.ru_stime, int(done.stdout.split()[-1]) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=data_dir() / "pdfs")
    parser.add_argument("--pdfs", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare-with", type=Path, help="another checkout of the project to time too")
    args = parser.parse_args()
    pdfs = [str(path) for path in sorted((args.data / "ground-truth").glob("*.pdf"))[: args.pdfs]]
    if not pdfs:
        print(missing_reason(args.data.parent))
        return 1
    checkouts = {"this checkout": ROOT, **({str(args.compare_with): args.compare_with.resolve()}
                                           if args.compare_with else {})}
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for number in range(args.runs):
            for side, (name, checkout) in enumerate(checkouts.items()):
                library = str(Path(folder) / f"{number}-{side}.sqlite")  # a new library for every import
                tasks = {
                    "extract --json, 1 PDF": ["extract", "--json", pdfs[0]],
                    f"import --no-embed, {len(pdfs)} PDFs": ["--library", library, "import", "--no-embed", *pdfs],
                }
                for task, argv in tasks.items():
                    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    wall, cpu_after, peak = run(checkout, argv)
                    cpu = cpu_after - cpu_before.ru_utime - cpu_before.ru_stime
                    results.setdefault((task, name), []).append((wall, cpu, peak))
    print(f"{len(pdfs)} PDFs, {args.runs} runs each, alternating; load average {os.getloadavg()[0]:.1f}")
    for (task, name), values in sorted(results.items()):
        wall, cpu, peak = (statistics.median(value[index] for value in values) for index in range(3))
        print(f"  {task:28} {name:24} wall {wall:5.2f} s   CPU {cpu:5.2f} s   peak {peak:4.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
