"""Stand-ins shared by tests that need an embedder but not a model."""

from __future__ import annotations

import hashlib
import re

import numpy as np


class BagOfWordsEmbedder:
    """A deterministic stand-in model: hashed word counts, L2-normalised. Queries and documents alike."""

    model_id = "test/bag-of-words"
    word = re.compile(r"\w+")

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.query_calls: list[list[str]] = []

    def embed_documents(self, texts, progress=None, cancel=None) -> np.ndarray:
        matrix = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in self.word.findall(text.lower()):
                matrix[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return matrix / norms

    def embed_queries(self, texts) -> np.ndarray:
        self.query_calls.append(list(texts))
        return self.embed_documents(texts)
