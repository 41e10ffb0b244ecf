"""The Qt-free pipeline the worker and the CLI both drive: the import job (importer.py: files → readers of
litreview.ingest.registry → papers), the embed step (embed.py) and the worker's jobs over them (jobs.py).

Every step is a generator of Progress that checks a CancelToken between batches; `drive` runs one to its end.
The names below are imported on first use, so the GUI thread can name a job (pipeline.jobs) cheaply.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "drive": "litreview.core.progress",
    "queued_paths": "litreview.library.jobs",
    "embed_pending": "litreview.pipeline.embed",
    "embedding_text": "litreview.pipeline.embed",
    "english_versions": "litreview.pipeline.embed",
    "open_embedder": "litreview.pipeline.embed",
    "pending_embeddings": "litreview.pipeline.embed",
    "ImportSummary": "litreview.pipeline.importer",
    "add_records": "litreview.pipeline.importer",
    "run_import": "litreview.pipeline.importer",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
