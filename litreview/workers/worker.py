"""The long-lived worker QObject that lives on its own QThread (QtCore only).

It owns the library's write connection, the embedder and the index (through a `LibrarySession`), runs long jobs
one step per event-loop turn and answers "find related" and "search" between those steps.
The GUI never talks to it directly: `litreview.workers.client.WorkerClient` relays both ways.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot

from litreview.workers.messages import JobOutcome, JobProgress, ModelChoice, RelatedAnswer, SearchAnswer
from litreview.workers.runner import JobRunner, error_message
from litreview.workers.session import LibrarySession

log = logging.getLogger(__name__)


class LibraryWorker(QObject):
    """Runs on the worker thread (after `moveToThread`). Every slot is invoked through queued connections.

    Signals carry plain immutable values from litreview.workers.messages.
    """

    sig_progress = Signal(object)  # JobProgress
    sig_job_done = Signal(object)  # JobOutcome
    sig_related_ready = Signal(object)  # RelatedAnswer
    sig_search_ready = Signal(object)  # SearchAnswer
    sig_papers_changed = Signal()
    sig_lists_changed = Signal(int, str, object)  # request id, error ("" when done), result
    sig_map_ready = Signal(int, object, str)  # request id, MapData or None, error
    sig_error = Signal(str)
    sig_closed = Signal()

    def __init__(self, session: LibrarySession, *, progress_interval: float = 0.1) -> None:
        super().__init__()
        self.session = session
        self.runner = JobRunner(
            on_progress=self._emit_progress, on_done=self._emit_done, progress_interval=progress_interval
        )
        self._step_scheduled = False
        self._closed = False

    # -- long jobs ---------------------------------------------------------------------------------------------
    @Slot(int, object, bool)
    def start_import(self, job_id: int, paths: tuple[str, ...], embed: bool) -> None:
        if self._closed:
            return
        self.runner.submit(job_id, "import", lambda token: self.session.import_job(paths, token, embed=embed))
        self._schedule_step()

    @Slot(int)
    def start_embed(self, job_id: int) -> None:
        if self._closed:
            return
        self.runner.submit(job_id, "embed", self.session.embed_job)
        self._schedule_step()

    @Slot(int, int, object)
    def start_edit(self, job_id: int, paper_id: int, fields: dict) -> None:
        if self._closed:
            return
        self.runner.submit(job_id, "edit", lambda token: self.session.edit_job(paper_id, dict(fields), token))
        self._schedule_step()

    @Slot(int)
    def start_resume(self, job_id: int) -> None:
        if self._closed:
            return
        self.runner.submit(job_id, "resume", self.session.resume_job)
        self._schedule_step()

    @Slot(int)
    def start_cluster(self, job_id: int) -> None:
        if self._closed:
            return
        self.runner.submit(job_id, "cluster", self.session.cluster_job)
        self._schedule_step()

    @Slot(int, object)
    def change_model(self, job_id: int, choice: ModelChoice) -> None:
        """Store the new model choice, then re-embed the library with it in the background."""
        if self._closed:
            return
        try:
            self.session.set_model(choice)
        except Exception as exc:
            self.sig_error.emit(f"Could not change the model: {error_message(exc)}")
            return
        self.start_embed(job_id)

    @Slot(int, str, object)
    def start_download(self, job_id: int, name: str, options: dict) -> None:
        """Download model `name` into the Hugging Face cache (options: endpoint, cache_dir, revision)."""
        if self._closed:
            return
        from litreview.workers.download import download_job

        self.runner.submit(job_id, "download", lambda token: download_job(name, token, **dict(options)))
        self._schedule_step()

    def cancel_job(self, job_id: int) -> None:
        """Thread-safe (called directly from the GUI thread): cancel this one job at its next step."""
        self.runner.cancel_job(job_id)

    def cancel_up_to(self, job_id: int) -> None:
        """Thread-safe (called directly from the GUI thread): cancel jobs up to `job_id` at the next batch."""
        self.runner.cancel_up_to(job_id)

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
        if outcome.kind == "download":  # touches no paper
            self.sig_job_done.emit(outcome)
            return
        self.session.papers_changed()
        self.sig_job_done.emit(outcome)
        if outcome.kind != "cluster" or outcome.status == "finished":
            self.sig_papers_changed.emit()

    # -- interactive requests ----------------------------------------------------------------------------------
    @Slot(int, int, int)
    def find_related(self, request_id: int, paper_id: int, k: int) -> None:
        if self._closed:
            return
        try:
            model, results = self.session.related(paper_id, k)
        except Exception as exc:
            answer = RelatedAnswer(request_id, paper_id, error=error_message(exc))
        else:
            answer = RelatedAnswer(request_id, paper_id, results, model=model)
        self.sig_related_ready.emit(answer)

    @Slot(int, str, str, int)
    def search(self, request_id: int, query: str, mode: str, k: int) -> None:
        if self._closed:
            return
        try:
            answer = self.session.search(request_id, query, mode, k)
        except Exception as exc:
            answer = SearchAnswer(request_id, query, mode, error=error_message(exc))
        self.sig_search_ready.emit(answer)

    @Slot(int, str, object)
    def edit_lists(self, request_id: int, op: str, args: dict) -> None:
        """A small reading-list write, done at once (between job batches)."""
        if self._closed:
            return
        try:
            result = self.session.reading_list_op(op, dict(args))
        except Exception as exc:
            self.sig_lists_changed.emit(request_id, error_message(exc), None)
        else:
            self.sig_lists_changed.emit(request_id, "", result)

    @Slot(int)
    def load_map(self, request_id: int) -> None:
        if self._closed:
            return
        try:
            data = self.session.map_data()
        except Exception as exc:
            self.sig_map_ready.emit(request_id, None, error_message(exc))
        else:
            self.sig_map_ready.emit(request_id, data, "")

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
