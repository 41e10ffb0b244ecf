"""The long-lived worker QObject that lives on its own QThread (QtCore only).

It owns the library's services (a `LibrarySession`: write connection, embedder, index), runs long jobs one step
per event-loop turn and runs queries between those steps. It knows no feature: jobs and queries arrive as
callables (litreview.core.ops) through two slots, and leave as one JobOutcome or one Reply each.
The GUI never talks to it directly: `litreview.workers.client.WorkerClient` relays both ways.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot

from litreview.core.errors import error_message
from litreview.core.ops import Job, Query, Services
from litreview.workers.messages import JobOutcome, JobProgress, Reply
from litreview.workers.runner import JobRunner, bind
from litreview.workers.session import LibrarySession

log = logging.getLogger(__name__)


def answer(services: Services, request_id: int, channel: str, query: Query) -> Reply:
    """Run one query and wrap its value or its error: the one place a query's failure is caught."""
    try:
        return Reply(request_id, channel, value=query(services))
    except Exception as exc:
        log.debug("query %s failed", channel or request_id, exc_info=True)
        return Reply(request_id, channel, error=error_message(exc))


def after_job(session: LibrarySession, outcome: JobOutcome) -> bool:
    """Forget what was derived from the papers; True when the GUI should re-read them."""
    if not outcome.kind.touches_papers:
        return False
    session.papers_changed()
    return outcome.kind != "cluster" or outcome.status == "finished"


class LibraryWorker(QObject):
    """Runs on the worker thread (after `moveToThread`). Every slot is invoked through queued connections.

    Signals carry plain immutable values from litreview.workers.messages. The GUI thread cancels jobs through
    `runner` (its cancel calls are thread-safe).
    """

    sig_progress = Signal(object)  # JobProgress
    sig_job_done = Signal(object)  # JobOutcome
    sig_reply = Signal(object)  # Reply
    sig_papers_changed = Signal()
    sig_error = Signal(str)
    sig_closed = Signal()

    def __init__(self, session: LibrarySession, *, progress_interval: float = 0.1,
                 superseded: Callable[[int, str], bool] = lambda request_id, channel: False) -> None:
        super().__init__()
        self.session = session
        self.superseded = superseded  # (request id, channel) -> a newer latest-only request replaced it
        self.runner = JobRunner(
            on_progress=self._emit_progress, on_done=self._emit_done, progress_interval=progress_interval
        )
        self._step_scheduled = False
        self._closed = False

    @Slot(int, object)
    def start_job(self, job_id: int, job: Job) -> None:
        """Queue a long job; it runs one batch per event-loop turn after the jobs before it."""
        if self._closed:
            return
        self.runner.submit(job_id, job.kind, bind(job, self.session))
        self._schedule_step()

    @Slot(int, str, bool, object)
    def run_query(self, request_id: int, channel: str, latest_only: bool, query: Query) -> None:
        """Answer a query now (between two batches of the running job). A query sent `latest_only` that a newer
        request on its channel replaced while it waited (selections made during a long batch) is not run: its reply
        would be dropped, and running the backlog would hold the GIL while the window wants to paint."""
        if self._closed:
            return
        if latest_only and self.superseded(request_id, channel):
            self.sig_reply.emit(Reply(request_id, channel, error="superseded by a newer request"))
        else:
            self.sig_reply.emit(answer(self.session, request_id, channel, query))

    def _schedule_step(self) -> None:
        if not self._step_scheduled and not self._closed:
            self._step_scheduled = True
            QTimer.singleShot(0, self._step)

    @Slot()
    def _step(self) -> None:
        """One batch of the running job, then yield to the event loop so queued requests run first."""
        self._step_scheduled = False
        if self._closed:
            return
        if self.runner.step():
            self._schedule_step()

    def _emit_progress(self, progress: JobProgress) -> None:
        self.sig_progress.emit(progress)

    def _emit_done(self, outcome: JobOutcome) -> None:
        changed = after_job(self.session, outcome)
        self.sig_job_done.emit(outcome)
        if changed:
            self.sig_papers_changed.emit()

    # -- shutdown ----------------------------------------------------------------------------------------------
    @Slot()
    def shutdown(self) -> None:
        """Cancel everything, let the running job stop at its batch boundary (the pipeline saves the index),
        close the library, hand this object back to the main thread and stop this thread's event loop."""
        self.runner.cancel_up_to(2**62)
        try:
            self.runner.run_to_end()
        finally:
            self._closed = True
            try:
                self.session.close()
            except Exception as exc:
                log.exception("closing the library failed")
                self.sig_error.emit(f"Closing the library failed: {error_message(exc)}")
            self.sig_closed.emit()
            thread = self.thread()
            app = QCoreApplication.instance()
            if app is not None:
                self.moveToThread(app.thread())
            thread.quit()
