"""Advance queued long jobs one step at a time, throttle their progress and turn their ends into outcomes.

Qt-free: the threaded worker calls `step()` once per event-loop turn (so requests are answered in between),
the synchronous client calls it in a loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from litreview.core.errors import error_message
from litreview.core.ops import Job, JobGenerator, JobKind, WithWarning
from litreview.core.progress import Cancelled, CancelToken, Progress
from litreview.workers.messages import ImportCounts, JobOutcome, JobProgress

log = logging.getLogger(__name__)

JobFactory = Callable[[CancelToken], JobGenerator]


@dataclass
class _Job:
    job_id: int
    kind: JobKind
    factory: JobFactory
    token: CancelToken = field(default_factory=CancelToken)
    generator: JobGenerator | None = None
    stage: str = ""
    stage_started: float = 0.0
    stage_first_done: int = 0
    last_emit: float = float("-inf")


class JobRunner:
    """A FIFO of jobs; `step()` advances the running one by one batch.

    `cancel_up_to(job_id)` may be called from any thread: it sets the tokens of every job with an id up to
    `job_id` (the running one stops at its next batch boundary; queued ones end as cancelled without running).
    """

    def __init__(
        self,
        *,
        on_progress: Callable[[JobProgress], None],
        on_done: Callable[[JobOutcome], None],
        progress_interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._on_progress = on_progress
        self._on_done = on_done
        self._interval = progress_interval
        self._clock = clock
        self._queue: deque[_Job] = deque()
        self._active: _Job | None = None
        self._lock = threading.Lock()
        self._cancelled_up_to = 0
        self._cancelled_ids: set[int] = set()  # single jobs cancelled by id (cancel_job), even before submit

    @property
    def busy(self) -> bool:
        return self._active is not None or bool(self._queue)

    def submit(self, job_id: int, kind: JobKind, factory: JobFactory) -> None:
        """Queue a job: `factory(token)` makes its generator when its turn comes."""
        job = _Job(job_id, JobKind(kind), factory)
        with self._lock:
            if job_id <= self._cancelled_up_to or job_id in self._cancelled_ids:
                job.token.cancel()
            self._queue.append(job)

    def cancel_up_to(self, job_id: int) -> None:
        """Thread-safe: cancel every job whose id is <= job_id, running or queued."""
        with self._lock:
            self._cancelled_up_to = max(self._cancelled_up_to, job_id)
            jobs = list(self._queue) + ([self._active] if self._active is not None else [])
        for job in jobs:
            if job.job_id <= job_id:
                job.token.cancel()

    def cancel_job(self, job_id: int) -> None:
        """Thread-safe: cancel this one job (running, queued or not yet submitted), leaving the others."""
        with self._lock:
            self._cancelled_ids.add(job_id)
            jobs = list(self._queue) + ([self._active] if self._active is not None else [])
        for job in jobs:
            if job.job_id == job_id:
                job.token.cancel()

    def step(self) -> bool:
        """Advance the running job one step (starting the next queued job if none runs). True if work remains."""
        job = self._active
        if job is None:
            with self._lock:
                if not self._queue:
                    return False
                job = self._active = self._queue.popleft()
            if job.token.cancelled:
                self._finish(job, "cancelled")
                return self.busy
            try:
                job.generator = job.factory(job.token)
            except Exception as exc:  # a job that cannot even start is a failed job, not a crash
                log.exception("job %s could not start", job.kind)
                self._finish(job, "failed", error=error_message(exc))
                return self.busy
            job.stage_started = self._clock()
        assert job.generator is not None
        try:
            progress = next(job.generator)
        except StopIteration as stop:
            self._finish(job, "finished", summary=stop.value)
        except Cancelled:
            self._finish(job, "cancelled")
        except Exception as exc:
            log.exception("job %s failed", job.kind)
            self._finish(job, "failed", error=error_message(exc))
        else:
            self._report(job, progress)
        return self.busy

    def run_to_end(self) -> None:
        """Run every queued job to its end (the synchronous client; shutdown after cancel_up_to)."""
        while self.step():
            pass

    def _report(self, job: _Job, progress: Progress) -> None:
        now = self._clock()
        if progress.stage != job.stage:
            job.stage, job.stage_started, job.stage_first_done = progress.stage, now, progress.done
            job.last_emit = float("-inf")
        finished_stage = progress.total > 0 and progress.done >= progress.total
        if now - job.last_emit < self._interval and not finished_stage:
            return
        job.last_emit = now
        eta = None
        done_in_stage = progress.done - job.stage_first_done
        if progress.total > 0 and done_in_stage > 0 and now > job.stage_started:
            rate = done_in_stage / (now - job.stage_started)
            eta = max(0.0, (progress.total - progress.done) / rate)
        self._on_progress(
            JobProgress(
                job_id=job.job_id,
                kind=job.kind,
                stage=progress.stage,
                done=progress.done,
                total=progress.total,
                current=progress.current,
                message=progress.message,
                eta_seconds=eta,
            )
        )

    def _finish(self, job: _Job, status: str, *, summary: Any = None, error: str = "") -> None:
        self._active = None
        if job.generator is not None:
            job.generator.close()
        warning = ""
        if isinstance(summary, WithWarning):
            summary, warning = summary.summary, summary.warning
        self._on_done(JobOutcome(job.job_id, job.kind, status, error=error, warning=warning, result=plain(summary)))


def plain(result: Any) -> ImportCounts | int | str | None:
    """A job's result as an immutable value for the GUI: an ImportSummary becomes ImportCounts."""
    if result is None or isinstance(result, int | str):
        return result
    return ImportCounts(
        imported=int(getattr(result, "imported", 0)),
        updated=int(getattr(result, "updated", 0)),
        duplicates=int(getattr(result, "duplicates", 0)),
        failed=tuple((_failure_label(error), str(getattr(error, "reason", error)))
                     for error in getattr(result, "failed", ()) or ()),
        paper_ids=tuple(int(pid) for pid in getattr(result, "paper_ids", ()) or ()),
        removed=int(getattr(result, "removed", 0)),
    )


def _failure_label(error: Any) -> str:
    path, entry = str(getattr(error, "path", "") or ""), getattr(error, "entry", None)
    return f"{path} [{entry}]" if entry else path


def bind(job: Job, services: Any) -> JobFactory:
    """The runner's factory for a Job run with `services`."""
    return lambda token: job.run(services, token)
