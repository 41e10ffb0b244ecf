"""Which embedding model serves a library, and how it runs: the one owner of the model's settings.

The window, the worker and the CLI all read and write the model through these functions, so they always load
and serve the same model. Keys in the `settings` table:

- `model`: the name the user chose (a preset, a local folder, or a URL stored without its api_key);
- `model_id`, `dim`: the id and dimension the library's vectors are stored under, recorded once the model loads;
- `embedding.device`, `embedding.dtype`: where and at what precision it runs (None: float16 on a GPU, else
  float32; the best device);
- `embedding.previous`: while the library switches models, the (model_id, dim) that keeps answering related
  and semantic search until an embedding run of the new model completes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litreview.library.db import Library

MODEL = "model"
MODEL_ID = "model_id"
DIM = "dim"
DEVICE = "embedding.device"
PRECISION = "embedding.dtype"
PREVIOUS = "embedding.previous"


@dataclass(frozen=True)
class ModelChoice:
    """The embedding model a library uses: `name` None is the offline default, `dim` None the model's own (or
    the library's), `device` None the best available, `dtype` (precision) None float16 on a GPU, float32 else."""

    name: str | None = None
    device: str | None = None
    dim: int | None = None
    dtype: str | None = None


def model_choice(library: Any) -> ModelChoice:
    """The model chosen in a library's settings (anything with get_setting: the GUI's read-only handle too)."""
    dim = library.get_setting(DIM)
    return ModelChoice(
        name=library.get_setting(MODEL) or None,
        device=library.get_setting(DEVICE) or None,
        dim=int(dim) if dim else None,
        dtype=library.get_setting(PRECISION) or None,
    )


def choose(library: Library, choice: ModelChoice) -> None:
    """Store where and at what precision the model runs; the model itself is recorded when it loads."""
    with library.transaction():
        _put(library, DEVICE, choice.device)
        _put(library, PRECISION, choice.dtype)


def model_to_load(library: Any, name: str | None, dim: int | None, *, default: str,
                  storable: Callable[[str], str] = str) -> tuple[str, int | None]:
    """The model to load: `name`, else the library's model, else `default`; with the library's dimension when it
    is the library's model and no dimension was asked for. `storable(name)` is the name as stored (a URL
    without its api_key), to recognise the library's model."""
    stored = library.get_setting(MODEL)
    name = name or stored or default
    if dim is None and storable(name) == stored and library.get_setting(DIM):
        dim = int(library.get_setting(DIM) or 0) or None
    return name, dim


def record_loaded(library: Library, stored_name: str, model_id: str, dim: int) -> None:
    """The model loaded: it becomes the library's model (never store an api_key: pass the storable name). When it
    replaces a model that has vectors, that one keeps serving until the new one's embedding run completes."""
    with library.transaction():
        old = (library.get_setting(MODEL_ID), library.get_setting(DIM))
        if old != (model_id, str(dim)) and old[0] and old[1] and not library.get_setting(PREVIOUS):
            if _vector_counts(library).get((old[0], int(old[1]))):
                _put(library, PREVIOUS, f"{old[1]}:{old[0]}")
        _put(library, MODEL, stored_name)
        _put(library, MODEL_ID, model_id)
        _put(library, DIM, str(dim))


def recorded_model(library: Any) -> tuple[str, int] | None:
    """(model_id, dim) of the library's model as last loaded; None before any model loaded."""
    model_id, dim = library.get_setting(MODEL_ID), library.get_setting(DIM)
    return (model_id, int(dim)) if model_id and dim else None


def embedding_completed(library: Library, model_id: str, dim: int) -> None:
    """An embedding run of (model_id, dim) went to its end: if it is the library's model, it now serves."""
    if library.get_setting(PREVIOUS) and recorded_model(library) == (model_id, int(dim)):
        with library.transaction():
            _put(library, PREVIOUS, None)


def serving_model(library: Library) -> tuple[str, int] | None:
    """(model_id, dim) whose vectors answer related and semantic search: the previous model while a switch is
    being embedded, else the library's model, else the model with the most vectors, else None."""
    counts = _vector_counts(library)
    previous = library.get_setting(PREVIOUS)
    if previous:
        dim, _, model_id = previous.partition(":")
        if counts.get((model_id, int(dim))):
            return model_id, int(dim)
    model = library.get_setting(MODEL_ID) or library.get_setting(MODEL)
    dim = library.get_setting(DIM)
    if model and dim:
        return model, int(dim)
    if model:
        for model_id, model_dim in counts:
            if model_id == model:
                return model, model_dim
    return next(iter(counts), None)


def _vector_counts(library: Library) -> dict[tuple[str, int], int]:
    """(model_id, dim) -> vectors stored, most first."""
    rows = library.conn.execute(
        "SELECT model_id, dim, COUNT(*) FROM vectors GROUP BY model_id, dim ORDER BY COUNT(*) DESC, model_id, dim"
    ).fetchall()
    return {(str(model_id), int(dim)): int(count) for model_id, dim, count in rows}


def _put(library: Library, key: str, value: str | None) -> None:
    if value:
        library.set_setting(key, value)
    else:
        library.conn.execute("DELETE FROM settings WHERE key = ?", (key,))
