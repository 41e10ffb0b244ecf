"""Errors of the embedding layer (no heavy imports)."""

from __future__ import annotations


class ModelNotAvailable(Exception):
    """The model is neither installed, in the Hugging Face cache, nor a local folder; nothing was downloaded."""


class RemoteEmbeddingError(Exception):
    """A remote embedding endpoint failed after its retries, or answered something unusable."""
