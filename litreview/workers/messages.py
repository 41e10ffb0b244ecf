"""Plain immutable values the worker sends to the GUI (never rows, widgets or connections)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from litreview.core.ops import JobKind

T = TypeVar("T")


@dataclass(frozen=True)
class JobProgress:
    """A throttled progress report of the running job: `done` of `total` in `stage`, with an ETA when known."""

    job_id: int
    kind: JobKind
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
class ImportCounts:
    """What an import did, as plain values: `failed` holds (path or entry, reason) pairs."""

    imported: int = 0
    updated: int = 0
    duplicates: int = 0
    failed: tuple[tuple[str, str], ...] = ()
    paper_ids: tuple[int, ...] = ()
    removed: int = 0  # papers moved to the trash because their Zotero item went (issue #17)


@dataclass(frozen=True)
class JobOutcome:
    """A job ended. `status` is "finished", "cancelled" or "failed"; `result` is what a finished job returned
    (ImportCounts for an import, papers embedded, clusters made, a downloaded folder, or None); `warning` is what
    the user must know besides. litreview.gui.presenters turns it into a sentence."""

    job_id: int
    kind: JobKind
    status: str
    error: str = ""
    warning: str = ""
    result: ImportCounts | int | str | None = None

    @property
    def counts(self) -> ImportCounts:
        return self.result if isinstance(self.result, ImportCounts) else ImportCounts()

    @property
    def imported(self) -> int:
        return self.counts.imported

    @property
    def updated(self) -> int:
        return self.counts.updated

    @property
    def duplicates(self) -> int:
        return self.counts.duplicates

    @property
    def failed(self) -> tuple[tuple[str, str], ...]:
        return self.counts.failed

    @property
    def paper_ids(self) -> tuple[int, ...]:
        return self.counts.paper_ids


@dataclass(frozen=True)
class Reply(Generic[T]):
    """The one answer to a query: its `value`, or the `error` that stopped it. `channel` is the tag the client
    gave the request (e.g. "related"); with a latest-only channel, only the newest request's reply arrives."""

    request_id: int
    channel: str = ""
    value: T | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error
