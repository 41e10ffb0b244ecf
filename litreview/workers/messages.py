"""Plain immutable values the worker sends to the GUI (never rows, widgets or connections)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class JobProgress:
    """A throttled progress report of the running job: `done` of `total` in `stage`, with an ETA when known."""

    job_id: int
    kind: str  # "import" | "embed" | "cluster" | "edit"
    stage: str
    done: int
    total: int
    current: str = ""
    message: str = ""
    eta_seconds: float | None = None

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total > 0 else 0.0


@dataclass(frozen=True)
class JobOutcome:
    """A job ended. `status` is "finished", "cancelled" or "failed"; `summary` is a short human sentence."""

    job_id: int
    kind: str
    status: str
    summary: str = ""
    error: str = ""
    imported: int = 0
    updated: int = 0
    duplicates: int = 0
    failed: tuple[tuple[str, str], ...] = ()  # (path or entry, reason)
    paper_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class RelatedResult:
    """One paper similar to the query paper, with the distinctive terms both share."""

    paper_id: int
    score: float
    title: str
    year: int | None = None
    why: tuple[str, ...] = ()


@dataclass(frozen=True)
class RelatedAnswer:
    """The answer to a "find related" request; `request_id` lets the GUI drop stale answers."""

    request_id: int
    paper_id: int
    results: tuple[RelatedResult, ...] = ()
    model: str = ""
    error: str = ""


@dataclass(frozen=True)
class SearchAnswer:
    """The answer to a search request: (paper_id, score) pairs, best first."""

    request_id: int
    query: str
    mode: str
    hits: tuple[tuple[int, float], ...] = ()
    error: str = ""


@dataclass(frozen=True)
class ModelChoice:
    """The embedding model the worker should use (None name = the offline default; None dtype = float16 on a GPU,
    float32 on the CPU)."""

    name: str | None = None
    device: str | None = None
    dim: int | None = None
    dtype: str | None = None
