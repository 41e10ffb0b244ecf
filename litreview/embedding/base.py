"""The interface every embedder offers (local transformers model or remote endpoint)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from litreview.core.progress import CancelToken


class EmbedTexts(Protocol):
    """`embed(texts, progress=..., cancel=...)`: one vector per text, as an (n, dim) float32 array."""

    def __call__(
        self,
        texts: Sequence[str],
        *,
        progress: Callable[[int, int], None] | None = None,
        cancel: CancelToken | None = None,
    ) -> np.ndarray: ...


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
    embed_documents: EmbedTexts
    embed_queries: EmbedTexts


class PromptedEmbedder:
    """The two Embedder calls of a model whose documents and queries differ only in the prompt put before them;
    a subclass embeds in `_embed_with_prompt(texts, query, progress, cancel)` (`query`: False for documents)."""

    def _embed_with_prompt(
        self, texts: Sequence[str], query: bool, progress: Callable[[int, int], None] | None,
        cancel: CancelToken | None,
    ) -> np.ndarray:
        raise NotImplementedError

    def embed_documents(self, texts: Sequence[str], *, progress: Callable[[int, int], None] | None = None,
                        cancel: CancelToken | None = None) -> np.ndarray:
        """Document vectors (with the model's document prompt, where it has one)."""
        return self._embed_with_prompt(texts, False, progress, cancel)

    def embed_queries(self, texts: Sequence[str], *, progress: Callable[[int, int], None] | None = None,
                      cancel: CancelToken | None = None) -> np.ndarray:
        """Query vectors, with the model's query prompt prepended."""
        return self._embed_with_prompt(texts, True, progress, cancel)
