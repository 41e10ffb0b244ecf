"""Embedding engine: the seed models exactly, an offline default, GPU/CPU, and a remote backend.

Importing this package is cheap: torch and transformers are imported only when a local embedder is built.
"""

from __future__ import annotations

from litreview.embedding.base import Embedder
from litreview.embedding.errors import ModelNotAvailable, RemoteEmbeddingError
from litreview.embedding.loader import download_model, load_embedder, load_query_embedder
from litreview.embedding.presets import DEFAULT_MODEL, PRESETS, ModelPreset, describe_model, list_models

__all__ = [
    "DEFAULT_MODEL",
    "PRESETS",
    "Embedder",
    "ModelNotAvailable",
    "ModelPreset",
    "RemoteEmbeddingError",
    "describe_model",
    "download_model",
    "list_models",
    "load_embedder",
    "load_query_embedder",
]
