"""The GUI's handle on the worker: a QObject living in the GUI thread that submits jobs and queries and relays
what comes back.

Two calls cover every feature: `start(job)` for a long job (litreview.core.ops.Job; progress and the outcome
arrive as `sig_progress` / `sig_job_done`) and `query(fn, on_reply, channel=...)` for a short one (`fn(services)`
runs on the worker; its Reply comes back to `on_reply` and `sig_replied`, on the GUI thread). A latest-only
channel ("related", "search", "map") drops every reply but the newest request's.

`WorkerClient` runs a `LibraryWorker` on its own QThread; `SyncWorkerClient` has the same interface and runs
every job to its end inside the call (tests, scripts).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from litreview.core.ops import Job, Query
from litreview.workers.messages import JobOutcome, JobProgress, Reply
from litreview.workers.runner import JobRunner, bind
from litreview.workers.session import Backend, LibrarySession
from litreview.workers.worker import LibraryWorker, after_job, answer

ReplyHandler = Callable[[Reply], None]


class _ClientBase(QObject):
    """Signals the GUI connects to (all emitted on the GUI thread), request bookkeeping and the stale filter."""

    sig_progress = Signal(object)  # JobProgress
    sig_job_done = Signal(object)  # JobOutcome: finished, cancelled or failed
    sig_replied = Signal(object)  # Reply, after its handler ran (stale replies of latest-only channels dropped)
    sig_papers_changed = Signal()
    sig_error = Signal(str)
    sig_busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._latest: dict[str, int] = {}  # latest-only channel -> newest request id
        self._handlers: dict[int, ReplyHandler | None] = {}
        self._running_jobs: set[int] = set()
        self.last_job_id = 0

    @property
    def busy(self) -> bool:
        return bool(self._running_jobs)

    def _new_job(self) -> int:
        job_id = next(self._ids)
        self.last_job_id = job_id
        was_busy = self.busy
        self._running_jobs.add(job_id)
        if not was_busy:
            self.sig_busy_changed.emit(True)
        return job_id

    def _new_request(self, on_reply: ReplyHandler | None, channel: str, latest_only: bool) -> int:
        request_id = next(self._ids)
        self._handlers[request_id] = on_reply
        if latest_only:
            self._latest[channel] = request_id
        return request_id

    def start(self, job: Job) -> int:
        """Queue a long job; returns its id (progress and the outcome carry it)."""
        job_id = self._new_job()
        self._send_job(job_id, job)
        return job_id

    def query(self, query: Query, on_reply: ReplyHandler | None = None, *, channel: str = "",
              latest_only: bool = False) -> int:
        """Run `query(services)` on the worker between job batches; returns the request id of its Reply."""
        request_id = self._new_request(on_reply, channel, latest_only)
        self._send_query(request_id, channel, latest_only, query)
        return request_id

    def cancel(self) -> None:
        """Cancel the running and queued jobs; each ends with a "cancelled" outcome at its next batch."""
        self._runner_of_jobs().cancel_up_to(self.last_job_id)

    def cancel_job(self, job_id: int) -> None:
        """Cancel one job (e.g. a download) and leave the others running."""
        self._runner_of_jobs().cancel_job(job_id)

    def _send_job(self, job_id: int, job: Job) -> None:
        raise NotImplementedError

    def _send_query(self, request_id: int, channel: str, latest_only: bool, query: Query) -> None:
        raise NotImplementedError

    def _runner_of_jobs(self) -> JobRunner:
        raise NotImplementedError

    def superseded(self, request_id: int, channel: str) -> bool:
        """Whether a newer latest-only request on `channel` (or `invalidate`) replaced `request_id`: its reply is
        dropped, and the worker does not run it if it was sent latest-only. Also called on the worker thread
        (one dict read; ids only grow)."""
        latest = self._latest.get(channel)
        return latest is not None and request_id != latest

    def invalidate(self, channel: str) -> None:
        """Forget the pending request of a latest-only channel (e.g. the selection was cleared)."""
        self._latest[channel] = next(self._ids)

    # -- relays (GUI thread) -----------------------------------------------------------------------------------
    @Slot(object)
    def _on_progress(self, progress: JobProgress) -> None:
        if progress.job_id in self._running_jobs:
            self.sig_progress.emit(progress)

    @Slot(object)
    def _on_job_done(self, outcome: JobOutcome) -> None:
        self._running_jobs.discard(outcome.job_id)
        self.sig_job_done.emit(outcome)
        if not self._running_jobs:
            self.sig_busy_changed.emit(False)

    @Slot(object)
    def _on_reply(self, reply: Reply) -> None:
        handler = self._handlers.pop(reply.request_id, None)
        if self.superseded(reply.request_id, reply.channel):
            return
        if handler is not None:
            handler(reply)
        self.sig_replied.emit(reply)

    @Slot()
    def _on_papers_changed(self) -> None:
        self.sig_papers_changed.emit()

    @Slot(str)
    def _on_error(self, message: str) -> None:
        self.sig_error.emit(message)


class WorkerClient(_ClientBase):
    """Starts the worker thread on construction; call `shutdown()` before the application quits.

    Lives in the GUI thread. Requests are queued signals into the worker; answers come back through this
    object's slots, so every public signal is emitted on the GUI thread.
    """

    _req_job = Signal(int, object)
    _req_query = Signal(int, str, bool, object)
    _req_shutdown = Signal()

    def __init__(self, library_path: Path | str, *, backend: Backend | None = None, progress_interval: float = 0.1,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("litreview-worker")
        self._worker = LibraryWorker(LibrarySession(library_path, backend=backend), progress_interval=progress_interval,
                                     superseded=self.superseded)
        self._worker.moveToThread(self._thread)
        worker = self._worker
        for signal, slot in ((worker.sig_progress, self._on_progress), (worker.sig_job_done, self._on_job_done),
                             (worker.sig_reply, self._on_reply), (worker.sig_papers_changed, self._on_papers_changed),
                             (worker.sig_error, self._on_error), (self._req_job, worker.start_job),
                             (self._req_query, worker.run_query), (self._req_shutdown, worker.shutdown)):
            signal.connect(slot)
        self._stopped = False
        self._thread.start()

    def _send_job(self, job_id: int, job: Job) -> None:
        self._req_job.emit(job_id, job)

    def _send_query(self, request_id: int, channel: str, latest_only: bool, query: Query) -> None:
        self._req_query.emit(request_id, channel, latest_only, query)

    def _runner_of_jobs(self) -> JobRunner:
        return self._worker.runner  # its cancel calls are thread-safe

    def shutdown(self, timeout_ms: int = 60_000) -> bool:
        """Cancel, let the worker stop at a batch boundary and close the library, then join the thread.

        Blocks the GUI thread for at most one batch. Returns False if the thread did not stop in time.
        """
        if self._stopped:
            return True
        self._stopped = True
        self.cancel()
        self._req_shutdown.emit()
        stopped = self._thread.wait(timeout_ms)
        return bool(stopped)

    @property
    def worker_thread(self) -> QThread:
        return self._thread


class SyncWorkerClient(_ClientBase):
    """The same interface as WorkerClient, but every request runs to its end before the call returns.

    For tests and scripts: deterministic, no thread. Progress is not throttled.
    """

    def __init__(self, library_path: Path | str, *, backend: Backend | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = LibrarySession(library_path, backend=backend)
        self._runner = JobRunner(on_progress=self._on_progress, on_done=self._done, progress_interval=0.0)

    def _done(self, outcome: JobOutcome) -> None:
        changed = after_job(self.session, outcome)
        self._on_job_done(outcome)
        if changed:
            self.sig_papers_changed.emit()

    def _send_job(self, job_id: int, job: Job) -> None:
        self._runner.submit(job_id, job.kind, bind(job, self.session))
        self._runner.run_to_end()

    def _send_query(self, request_id: int, channel: str, latest_only: bool, query: Query) -> None:
        self._on_reply(answer(self.session, request_id, channel, query))

    def _runner_of_jobs(self) -> JobRunner:
        return self._runner

    def shutdown(self, timeout_ms: int = 0) -> bool:
        self.session.close()
        return True
