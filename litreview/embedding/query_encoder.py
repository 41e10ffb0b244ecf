"""Query vectors for BERT-family models without torch: one short text through the encoder in numpy.

A search from the command line embeds one query; importing torch and transformers for it costs more than 3 s
of CPU, the forward pass of a 6-layer MiniLM on ten tokens a few milliseconds. For plain BERT encoders (the
offline default all-MiniLM-L6-v2, astrobert) with mean or CLS pooling this module reads the same safetensors
weights and tokenizer.json and computes the same vectors (cosine >= 0.9999 with TransformerEmbedder, tested).
Anything else (decoders, prompts excluded from pooling, other activations, a GPU) uses TransformerEmbedder.
Only the tokenizers and safetensors packages (which transformers already requires) and numpy are imported.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from litreview.embedding.spec import ModelSpec

_PREFIXES = ("bert.", "model.")


def light_query_supported(folder: Path, spec: ModelSpec) -> bool:
    """Whether `folder` holds a plain BERT encoder this module computes exactly as transformers does."""
    try:
        config = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(config, dict)
        and config.get("model_type") == "bert"
        and config.get("hidden_act", "gelu") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and spec.pooling in ("mean", "cls")
        and (spec.include_prompt or not spec.query_prompt)
        and (Path(folder) / "tokenizer.json").is_file()
        and (Path(folder) / "model.safetensors").is_file()
    )


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to about 1e-7 (Abramowitz and Stegun 7.1.26), enough for BERT's exact GELU in float32."""
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class BertQueryEncoder:
    """embed_queries() of a BERT encoder in numpy float32, one text at a time (no padding needed)."""

    def __init__(self, folder: Path, spec: ModelSpec, *, dim: int | None = None) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        folder = Path(folder)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.folder = folder
        self.spec = spec
        self.model_id = spec.model_id
        self.max_length = min(spec.max_length, int(config.get("max_position_embeddings", 512)))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.native_dim = int(config["hidden_size"])
        self.dim = dim or self.native_dim
        if not 0 < self.dim <= self.native_dim:
            raise ValueError(f"dim {self.dim} is not between 1 and the model's {self.native_dim}")
        weights = load_file(str(folder / "model.safetensors"))
        self.w: dict[str, np.ndarray] = {}
        for name, value in weights.items():
            for prefix in _PREFIXES:
                name = name.removeprefix(prefix)
            self.w[name] = value.astype(np.float32) if value.dtype != np.float32 else value
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=self.max_length)

    def describe(self) -> dict[str, Any]:
        return {"model": self.model_id, "dim": self.dim, "device": "cpu", "engine": "numpy (queries only)",
                "pooling": self.spec.pooling, "max_length": self.max_length, "path": str(self.folder)}  # fmt: skip

    def embed_queries(self, texts: Sequence[str], **_: Any) -> np.ndarray:
        """Query vectors with the card's query prompt, L2-normalised (MRL truncation first)."""
        from threadpoolctl import threadpool_limits

        result = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Small products: BLAS threads only spin against each other (and other jobs) on a busy 2-core machine.
        with threadpool_limits(limits=1, user_api="blas"):
            for row, text in enumerate(texts):
                ids = self.tokenizer.encode(self.spec.query_prompt + text).ids
                pooled = self._encode(np.asarray(ids, dtype=np.int64))[: self.dim]
                norm = float(np.linalg.norm(pooled))
                result[row] = pooled / norm if norm > 0 else pooled
        return result

    def embed_documents(self, texts: Sequence[str], **_: Any) -> np.ndarray:
        raise NotImplementedError("BertQueryEncoder embeds queries only; documents go through TransformerEmbedder")

    def _encode(self, ids: np.ndarray) -> np.ndarray:
        w, n = self.w, len(ids)
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
             + w["embeddings.token_type_embeddings.weight"][0])  # fmt: skip
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        head = self.native_dim // self.heads
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}."

            def dense(v: np.ndarray, name: str, p: str = p) -> np.ndarray:
                return v @ w[p + name + ".weight"].T + w[p + name + ".bias"]

            q, k, v = (dense(x, f"attention.self.{part}").reshape(n, self.heads, head).transpose(1, 0, 2)
                       for part in ("query", "key", "value"))  # fmt: skip
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(head)
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, self.native_dim)
            x = _layer_norm(dense(context, "attention.output.dense") + x, w[p + "attention.output.LayerNorm.weight"],
                            w[p + "attention.output.LayerNorm.bias"], self.eps)  # fmt: skip
            hidden = dense(x, "intermediate.dense")
            hidden = 0.5 * hidden * (1.0 + _erf(hidden / np.sqrt(2.0)))
            x = _layer_norm(dense(hidden, "output.dense") + x, w[p + "output.LayerNorm.weight"],
                            w[p + "output.LayerNorm.bias"], self.eps)  # fmt: skip
        return x[0] if self.spec.pooling == "cls" else x.mean(axis=0)
