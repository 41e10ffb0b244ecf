"""The one way in to the worker: building a job or a query on the GUI thread imports nothing heavy (the window
stays smooth), and what comes back is one typed value or one error."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from litreview.core.ops import JobKind
from litreview.gui.presenters import describe_outcome
from litreview.workers.messages import ImportCounts, JobOutcome


def test_naming_jobs_and_queries_imports_nothing_heavy():
    code = textwrap.dedent(
        """
        import sys
        from functools import partial
        from litreview.analysis.clusters import cluster_job, serving_map
        from litreview.analysis.related import find_related
        from litreview.index.search import answer_search
        from litreview.ingest.registry import default_registry
        from litreview.pipeline.jobs import change_model_job, edit_job, embed_job, import_job, resume_job
        from litreview.workers.download import download
        jobs = [cluster_job(), import_job(["x.pdf"]), embed_job(), edit_job(1, title="t"), resume_job(),
                download("minilm")]
        queries = [serving_map, partial(find_related, paper_id=1), partial(answer_search, query="q", mode="hybrid")]
        default_registry().suffixes()
        heavy = ("numpy", "sklearn", "torch", "hnswlib", "fitz", "rapidfuzz", "bibtexparser", "PySide6")
        print(sorted(name for name in heavy if name in sys.modules))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_outcome_sentences():
    counts = ImportCounts(imported=3, duplicates=1, failed=(("a.pdf", "damaged PDF"),))
    assert describe_outcome(JobOutcome(1, JobKind.IMPORT, "finished", result=counts)) == (
        "Import done: 3 imported, 1 duplicate, 1 failed (see the import log)")
    assert describe_outcome(JobOutcome(2, JobKind.RESUME, "finished", warning="not embedded: no model")) == (
        "Not embedded: no model")
    assert describe_outcome(JobOutcome(3, JobKind.EDIT, "finished", result=2,
                                       warning="not embedded: x")) == "Embedded 2 papers; not embedded: x"
    assert describe_outcome(JobOutcome(4, JobKind.CLUSTER, "failed", error="LookupError")) == (
        "Cluster failed: LookupError")
    assert describe_outcome(JobOutcome(5, JobKind.DOWNLOAD, "finished", result="/cache/m")) == (
        "Downloaded the model to /cache/m")
