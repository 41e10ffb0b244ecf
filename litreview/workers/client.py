"""The GUI's handle on the worker: a QObject living in the GUI thread that sends requests and relays answers.

`WorkerClient` runs a `LibraryWorker` on its own QThread; `SyncWorkerClient` has the same interface and runs
every job to its end inside the call (tests, scripts). Both filter out stale answers: only the answer to the
latest "related" and the latest "search" request is re-emitted.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from litreview.workers.messages import JobOutcome, JobProgress, ModelChoice, RelatedAnswer, SearchAnswer
from litreview.workers.runner import JobRunner, error_message
from litreview.workers.session import Backend, LibrarySession
from litreview.workers.worker import LibraryWorker


class _ClientBase(QObject):
    """Signals the GUI connects to (all emitted on the GUI thread) and the stale-answer filter."""

    sig_progress = Signal(object)  # JobProgress
    sig_job_done = Signal(object)  # JobOutcome: finished, cancelled or failed
    sig_related_ready = Signal(object)  # RelatedAnswer, latest request only
    sig_search_ready = Signal(object)  # SearchAnswer, latest request only
    sig_papers_changed = Signal()
    sig_lists_changed = Signal(int, str, object)  # request id, error ("" when done), result
    sig_map_ready = Signal(object, str)  # MapData or None, error; latest request only
    sig_error = Signal(str)
    sig_busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._latest_related = 0
        self._latest_search = 0
        self._latest_map = 0
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
    def _on_related(self, answer: RelatedAnswer) -> None:
        if answer.request_id == self._latest_related:
            self.sig_related_ready.emit(answer)

    @Slot(object)
    def _on_search(self, answer: SearchAnswer) -> None:
        if answer.request_id == self._latest_search:
            self.sig_search_ready.emit(answer)

    @Slot()
    def _on_papers_changed(self) -> None:
        self.sig_papers_changed.emit()

    @Slot(int, str, object)
    def _on_lists_changed(self, request_id: int, error: str, result: object) -> None:
        self.sig_lists_changed.emit(request_id, error, result)

    @Slot(int, object, str)
    def _on_map(self, request_id: int, data: object, error: str) -> None:
        if request_id == self._latest_map:
            self.sig_map_ready.emit(data, error)

    @Slot(str)
    def _on_error(self, message: str) -> None:
        self.sig_error.emit(message)

    def invalidate_related(self) -> None:
        """Forget the pending related request (e.g. the selection was cleared): its answer will be dropped."""
        self._latest_related = next(self._ids)


class WorkerClient(_ClientBase):
    """Starts the worker thread on construction; call `shutdown()` before the application quits.

    Lives in the GUI thread. Requests are queued signals into the worker; answers come back through this
    object's slots, so every public signal is emitted on the GUI thread.
    """

    _req_import = Signal(int, object, bool)
    _req_embed = Signal(int)
    _req_edit = Signal(int, int, object)
    _req_cluster = Signal(int)
    _req_resume = Signal(int)
    _req_model = Signal(int, object)
    _req_related = Signal(int, int, int)
    _req_search = Signal(int, str, str, int)
    _req_lists = Signal(int, str, object)
    _req_map = Signal(int)
    _req_shutdown = Signal()
    _req_download = Signal(int, str, object)

    def __init__(
        self,
        library_path: Path | str,
        *,
        backend: Backend | None = None,
        progress_interval: float = 0.1,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("litreview-worker")
        self._worker = LibraryWorker(LibrarySession(library_path, backend=backend), progress_interval=progress_interval)
        self._worker.moveToThread(self._thread)
        worker = self._worker
        worker.sig_progress.connect(self._on_progress)
        worker.sig_job_done.connect(self._on_job_done)
        worker.sig_related_ready.connect(self._on_related)
        worker.sig_search_ready.connect(self._on_search)
        worker.sig_papers_changed.connect(self._on_papers_changed)
        worker.sig_error.connect(self._on_error)
        worker.sig_lists_changed.connect(self._on_lists_changed)
        worker.sig_map_ready.connect(self._on_map)
        self._req_import.connect(worker.start_import)
        self._req_embed.connect(worker.start_embed)
        self._req_edit.connect(worker.start_edit)
        self._req_cluster.connect(worker.start_cluster)
        self._req_resume.connect(worker.start_resume)
        self._req_model.connect(worker.change_model)
        self._req_related.connect(worker.find_related)
        self._req_search.connect(worker.search)
        self._req_lists.connect(worker.edit_lists)
        self._req_map.connect(worker.load_map)
        self._req_shutdown.connect(worker.shutdown)
        self._req_download.connect(worker.start_download)
        self._stopped = False
        self._thread.start()

    # -- requests ----------------------------------------------------------------------------------------------
    def import_paths(self, paths: Iterable[str | Path], *, embed: bool = True) -> int:
        job_id = self._new_job()
        self._req_import.emit(job_id, tuple(str(p) for p in paths), embed)
        return job_id

    def embed_pending(self) -> int:
        job_id = self._new_job()
        self._req_embed.emit(job_id)
        return job_id

    def edit_paper(self, paper_id: int, *, title: str | None = None, abstract: str | None = None) -> int:
        fields = {key: value for key, value in (("title", title), ("abstract", abstract)) if value is not None}
        job_id = self._new_job()
        self._req_edit.emit(job_id, paper_id, fields)
        return job_id

    def cluster(self) -> int:
        job_id = self._new_job()
        self._req_cluster.emit(job_id)
        return job_id

    def resume(self) -> int:
        """Finish an interrupted import, else embed what the library's model is missing (run at start)."""
        job_id = self._new_job()
        self._req_resume.emit(job_id)
        return job_id

    def change_model(self, choice: ModelChoice) -> int:
        job_id = self._new_job()
        self._req_model.emit(job_id, choice)
        return job_id

    def find_related(self, paper_id: int, k: int = 10) -> int:
        request_id = self._latest_related = next(self._ids)
        self._req_related.emit(request_id, paper_id, k)
        return request_id

    def search(self, query: str, mode: str = "hybrid", k: int = 50) -> int:
        request_id = self._latest_search = next(self._ids)
        self._req_search.emit(request_id, query, mode, k)
        return request_id

    def edit_lists(self, op: str, **args: object) -> int:
        """A reading-list write (create, rename, delete, add, remove, reorder, set_note); answered by
        `sig_lists_changed(request_id, error, result)`."""
        request_id = next(self._ids)
        self._req_lists.emit(request_id, op, args)
        return request_id

    def request_map(self) -> int:
        """Ask for the stored map (MapData) of the serving model; answered by `sig_map_ready`."""
        request_id = self._latest_map = next(self._ids)
        self._req_map.emit(request_id)
        return request_id

    def cancel(self) -> None:
        """Cancel the running and queued jobs; each ends with a "cancelled" outcome at its next batch."""
        self._worker.cancel_up_to(self.last_job_id)

    # -- model download (the Settings dialog) ------------------------------------------------------------------
    def download_model(self, name: str, *, endpoint: str | None = None, cache_dir: str | None = None) -> int:
        """Download a model in the background: sig_progress (kind "download", bytes) then sig_job_done."""
        job_id = self._new_job()
        options = {key: value for key, value in (("endpoint", endpoint), ("cache_dir", cache_dir)) if value}
        self._req_download.emit(job_id, name, options)
        return job_id

    def cancel_job(self, job_id: int) -> None:
        """Cancel one job (e.g. a download) and leave the others running."""
        self._worker.cancel_job(job_id)

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

    def __init__(
        self, library_path: Path | str, *, backend: Backend | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.session = LibrarySession(library_path, backend=backend)
        self._runner = JobRunner(on_progress=self._on_progress, on_done=self._done, progress_interval=0.0)

    def _done(self, outcome: JobOutcome) -> None:
        self.session.papers_changed()
        self._on_job_done(outcome)
        self.sig_papers_changed.emit()

    def _run(self, kind: str, factory) -> int:
        job_id = self._new_job()
        self._runner.submit(job_id, kind, factory)
        self._runner.run_to_end()
        return job_id

    def import_paths(self, paths: Iterable[str | Path], *, embed: bool = True) -> int:
        items = tuple(str(p) for p in paths)
        return self._run("import", lambda token: self.session.import_job(items, token, embed=embed))

    def embed_pending(self) -> int:
        return self._run("embed", self.session.embed_job)

    def edit_paper(self, paper_id: int, *, title: str | None = None, abstract: str | None = None) -> int:
        fields = {key: value for key, value in (("title", title), ("abstract", abstract)) if value is not None}
        return self._run("edit", lambda token: self.session.edit_job(paper_id, fields, token))

    def cluster(self) -> int:
        return self._run("cluster", self.session.cluster_job)

    def resume(self) -> int:
        return self._run("resume", self.session.resume_job)

    def change_model(self, choice: ModelChoice) -> int:
        self.session.set_model(choice)
        return self.embed_pending()

    def find_related(self, paper_id: int, k: int = 10) -> int:
        request_id = self._latest_related = next(self._ids)
        try:
            model, results = self.session.related(paper_id, k)
            answer = RelatedAnswer(request_id, paper_id, results, model=model)
        except Exception as exc:
            answer = RelatedAnswer(request_id, paper_id, error=error_message(exc))
        self._on_related(answer)
        return request_id

    def search(self, query: str, mode: str = "hybrid", k: int = 50) -> int:
        request_id = self._latest_search = next(self._ids)
        try:
            answer = self.session.search(request_id, query, mode, k)
        except Exception as exc:
            answer = SearchAnswer(request_id, query, mode, error=error_message(exc))
        self._on_search(answer)
        return request_id

    def edit_lists(self, op: str, **args: object) -> int:
        request_id = next(self._ids)
        try:
            result = self.session.reading_list_op(op, dict(args))
        except Exception as exc:
            self._on_lists_changed(request_id, error_message(exc), None)
        else:
            self._on_lists_changed(request_id, "", result)
        return request_id

    def request_map(self) -> int:
        request_id = self._latest_map = next(self._ids)
        try:
            data, error = self.session.map_data(), ""
        except Exception as exc:
            data, error = None, error_message(exc)
        self._on_map(request_id, data, error)
        return request_id

    def cancel(self) -> None:
        self._runner.cancel_up_to(self.last_job_id)

    def download_model(self, name: str, *, endpoint: str | None = None, cache_dir: str | None = None) -> int:
        from litreview.workers.download import download_job

        options = {key: value for key, value in (("endpoint", endpoint), ("cache_dir", cache_dir)) if value}
        job_id = self._new_job()
        self._runner.submit(job_id, "download", lambda token: download_job(name, token, **options))
        self._runner.run_to_end()
        return job_id

    def cancel_job(self, job_id: int) -> None:
        self._runner.cancel_job(job_id)

    def shutdown(self, timeout_ms: int = 0) -> bool:
        self.session.close()
        return True
