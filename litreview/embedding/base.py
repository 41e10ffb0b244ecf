"""The interface every embedder offers (local transformers model or remote endpoint)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from litreview.core.progress import CancelToken


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of shape (n, dim), in input order.

    `model_id` and `dim` together key the vector store, so they must be stable for the same weights and MRL
    truncation. Long calls check `cancel` between batches (raising core.progress.Cancelled) and report
    `progress(done, total)`.
    """

    model_id: str
    dim: int
    max_length: int
    device: str

    def embed_documents(
        self,
        texts: Sequence[str],
        *,
        progress: Callable[[int, int], None] | None = None,
        cancel: CancelToken | None = None,
    ) -> np.ndarray: ...

    def embed_queries(
        self,
        texts: Sequence[str],
        *,
        progress: Callable[[int, int], None] | None = None,
        cancel: CancelToken | None = None,
    ) -> np.ndarray: ...
