"""What the worker runs, typed and Qt-free: jobs (long, stepped between batches) and queries (short, answered
at once), both given the worker's `Services`.

This is the one way in to the worker (in the spirit of Anki's CollectionOp/QueryOp and datasette's
execute_write_fn): the GUI submits a `Job` or a query callable through `litreview.workers.client`, the worker
runs it on its thread with its services, and one typed answer or error comes back. Feature logic lives in its
own layer (pipeline, analysis, index, library) and needs nothing but the protocol below, so a new feature is a
function in its module plus the GUI code that submits it (docs/architecture.md has a worked example).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from litreview.core.progress import CancelToken, Progress, ProgressSink

if TYPE_CHECKING:
    from litreview.library.db import Library

T = TypeVar("T")
JobGenerator = Generator[Progress, None, Any]


class JobKind(StrEnum):
    """What a long job does (shown in progress and outcome texts; equal to its plain string)."""

    IMPORT = "import"
    EMBED = "embed"
    EDIT = "edit"
    RESUME = "resume"
    CLUSTER = "cluster"
    DOWNLOAD = "download"

    @property
    def touches_papers(self) -> bool:
        """Whether the job may change papers, vectors or clusters (the GUI then re-reads them)."""
        return self is not JobKind.DOWNLOAD


class Services(Protocol):
    """What a job or query gets on the thread that owns the library (the worker, or the CLI).

    `library` is the one write connection. The embedder and the ANN index are built on first need; the
    embedder's model is the library's choice (litreview.library.settings). Runs on the owning thread only.
    """

    @property
    def library(self) -> Library: ...

    def index(self) -> Any:
        """The ANN index service (litreview.index.service.IndexService or a stand-in with its contract)."""
        ...

    def embedder(self) -> Any:
        """The embedder, loaded (blocking) on first call."""
        ...

    def embedder_steps(self, cancel: CancelToken) -> Generator[Progress, None, Any]:
        """The embedder, loaded while yielding progress so requests are answered meanwhile."""
        ...

    @property
    def embedder_loaded(self) -> bool: ...

    def readers(self) -> Any:
        """The importable formats (a litreview.ingest.registry.Registry)."""
        ...

    def set_model(self, choice: Any) -> None:
        """Choose another model (a litreview.library.settings.ModelChoice); the next job loads it."""
        ...

    def cached(self, key: str, factory: Callable[[], T]) -> T:
        """A value derived from the papers, kept until a job or an edit changes them."""
        ...

    def offload(self, work: Callable[[ProgressSink], T], cancel: CancelToken, *, name: str,
                waiting: Progress) -> Generator[Progress, None, T]:
        """Run a pure computation (no library access) beside the owning thread, yielding its progress."""
        ...


@dataclass(frozen=True)
class Job:
    """A long operation: `run(services, cancel)` is a generator of Progress that checks `cancel` between
    batches and returns its result (an ImportSummary, a count, a folder, None, or a WithWarning of one)."""

    kind: JobKind
    run: Callable[[Services, CancelToken], JobGenerator]


Query = Callable[[Services], Any]
"""A short operation run once between job batches; its return value (or exception) is the answer."""


@dataclass(frozen=True)
class WithWarning:
    """A job's result plus something the user must know (e.g. imported but not embedded, and why)."""

    summary: Any
    warning: str
