"""The Qt-free pipeline the worker and the CLI both drive: the import job (importer.py: files → readers of
litreview.ingest.registry → papers), the embed step (embed.py) and the worker's jobs over them (jobs.py).

Every step is a generator of Progress that checks a CancelToken between batches; `drive` runs one to its end.
"""

from litreview.core.progress import drive
from litreview.library.jobs import queued_paths
from litreview.pipeline.embed import embed_pending, embedding_text, open_embedder, pending_embeddings
from litreview.pipeline.importer import ImportSummary, add_records, run_import

__all__ = [
    "ImportSummary", "add_records", "drive", "embed_pending", "embedding_text", "open_embedder",
    "pending_embeddings", "queued_paths", "run_import",
]  # fmt: skip
