"""Runs ASReview LAB's simulation for benchmarks/screening.py, inside the Python environment that has `asreview`
(kept out of litreview's own environment: it would replace rispy). Not part of litreview; imports no litreview code.

stdin: JSON {"title": [...], "abstract": [...], "labels": [0/1 ...], "priors": [[included_row, excluded_row], ...],
"model": "elas_u4"}. stdout: JSON {"asreview": version, "model": name, "runs": [{"positions": [...],
"seconds": s}, ...]}: per prior pair, the 1-based positions (after the priors) at which the included records were
found, labelling in the order ASReview's model asks until the last included record is found.
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    import numpy as np
    import pandas as pd
    from asreview import __version__
    from asreview.learner import ActiveLearningCycle
    from asreview.models.models import get_ai_config
    from asreview.simulation.simulate import Simulate

    job = json.load(sys.stdin)
    frame = pd.DataFrame({"title": job["title"], "abstract": job["abstract"]})
    labels = np.asarray(job["labels"], dtype=int)
    model = job.get("model", "elas_u4")
    runs = []
    for seed, priors in enumerate(job["priors"]):
        np.random.seed(seed)
        start = time.perf_counter()
        cycle = ActiveLearningCycle.from_meta(get_ai_config(model)["value"])
        sim = Simulate(frame, labels, [cycle], print_progress=False)
        sim.label(list(priors))
        sim.review()
        order = [int(r) for r in sim._results["record_id"].tolist()][len(priors):]
        positions = [i for i, row in enumerate(order, start=1) if labels[row] == 1]
        runs.append({"positions": positions, "seconds": time.perf_counter() - start})
    json.dump({"asreview": __version__, "model": model, "runs": runs}, sys.stdout)


if __name__ == "__main__":
    main()
