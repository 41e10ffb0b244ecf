"""How to embed with a model folder: pooling, prompts, maximum length, padding side (no torch import).

Read from the sentence-transformers files a model repository carries when present (`modules.json`,
`1_Pooling/config.json`, `config_sentence_transformers.json`, `sentence_bert_config.json`, a `Normalize`
module), then overridden by a preset or by explicit options.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

POOLING_MODES = ("mean", "lasttoken", "cls", "max")

# 1_Pooling/config.json key -> our pooling name.
_POOLING_KEYS = {
    "pooling_mode_lasttoken": "lasttoken",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
}


@dataclass(frozen=True)
class ModelSpec:
    """Everything the embedder needs besides the weights."""

    model_id: str
    pooling: str = "mean"
    max_length: int = 512
    query_prompt: str = ""
    document_prompt: str = ""
    padding_side: str = "right"
    include_prompt: bool = True  # sentence-transformers Pooling.include_prompt (mean pooling only)
    hidden_size: int | None = None
    normalize: bool = True  # the app always L2-normalises; recorded for information

    def with_options(self, **options: Any) -> ModelSpec:
        known = {k: v for k, v in options.items() if k in self.__dataclass_fields__ and v is not None}
        spec = replace(self, **known)
        if spec.pooling not in POOLING_MODES:
            raise ValueError(f"unknown pooling {spec.pooling!r}; choose one of {', '.join(POOLING_MODES)}")
        if spec.padding_side not in ("left", "right"):
            raise ValueError(f"padding_side must be left or right, not {spec.padding_side!r}")
        return spec


def _read_json(path: Path) -> dict[str, Any] | list[Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def folder_model_id(folder: Path) -> str:
    """A stable vector-store key for a local folder: "org/name" for a Hugging Face cache snapshot, else its path."""
    resolved = Path(folder).resolve()
    parts = resolved.parts
    if len(parts) >= 3 and parts[-2] == "snapshots" and parts[-3].startswith("models--"):
        return parts[-3][len("models--") :].replace("--", "/")
    return f"local:{resolved}"


def read_model_spec(folder: Path, model_id: str | None = None) -> ModelSpec:
    """The spec a sentence-transformers style folder describes; plain transformers folders get defaults."""
    folder = Path(folder)
    config = _read_json(folder / "config.json") or {}
    model_type = str(config.get("model_type", "")) if isinstance(config, dict) else ""
    decoder = model_type.startswith(("qwen", "llama", "mistral", "gemma"))
    pooling = "lasttoken" if decoder else "mean"
    padding_side = "left" if decoder else "right"
    include_prompt = True
    max_length = int(config.get("max_position_embeddings", 512)) if isinstance(config, dict) else 512
    hidden = config.get("hidden_size") if isinstance(config, dict) else None

    modules = _read_json(folder / "modules.json")
    pooling_dir = folder / "1_Pooling"
    if isinstance(modules, list):
        for module in modules:
            if isinstance(module, dict) and str(module.get("type", "")).endswith("Pooling"):
                pooling_dir = folder / str(module.get("path", "1_Pooling"))
    pooling_config = _read_json(pooling_dir / "config.json")
    if isinstance(pooling_config, dict):
        for key, mode in _POOLING_KEYS.items():
            if pooling_config.get(key):
                pooling = mode
                break
        if isinstance(pooling_config.get("pooling_mode"), str):
            pooling = {"mean": "mean", "lasttoken": "lasttoken", "cls": "cls", "max": "max"}.get(
                pooling_config["pooling_mode"], pooling
            )
        include_prompt = bool(pooling_config.get("include_prompt", True))

    sbert = _read_json(folder / "sentence_bert_config.json")
    if isinstance(sbert, dict) and sbert.get("max_seq_length"):
        max_length = int(sbert["max_seq_length"])

    tokenizer_config = _read_json(folder / "tokenizer_config.json")
    if isinstance(tokenizer_config, dict) and tokenizer_config.get("padding_side") in ("left", "right"):
        padding_side = tokenizer_config["padding_side"]
    if pooling == "lasttoken":
        padding_side = "left"  # last-token pooling reads position -1 (the cards' left padding)

    query_prompt = document_prompt = ""
    st_config = _read_json(folder / "config_sentence_transformers.json")
    if isinstance(st_config, dict) and isinstance(st_config.get("prompts"), dict):
        prompts = st_config["prompts"]
        query_prompt = str(prompts.get("query", "") or "")
        document_prompt = str(prompts.get("document", prompts.get("passage", "")) or "")

    return ModelSpec(
        model_id=model_id or folder_model_id(folder),
        pooling=pooling,
        max_length=max_length,
        query_prompt=query_prompt,
        document_prompt=document_prompt,
        padding_side=padding_side,
        include_prompt=include_prompt,
        hidden_size=int(hidden) if hidden else None,
    )
