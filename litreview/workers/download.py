"""The "download a model" job: `litreview.embedding.download_model` as a cancellable, steppable job (Qt-free).

download_model blocks until every file has arrived, so it runs on a helper thread while the generator yields
its byte counts every `poll_s`; the worker keeps answering requests between steps and the JobRunner throttles
the progress it relays to the GUI.
"""

from __future__ import annotations

import threading

from litreview.core.ops import Job, JobGenerator, JobKind
from litreview.core.progress import CancelToken, Progress, ProgressSink, run_beside

STAGE = "downloading"
CANCEL_GRACE_S = 2.0  # how long a cancelled job waits for the helper to notice before it lets go of it


def download(name: str, *, endpoint: str | None = None, cache_dir: str | None = None) -> Job:
    """The job that downloads model `name` (the Settings dialog's Download button)."""
    options = {key: value for key, value in (("endpoint", endpoint), ("cache_dir", cache_dir)) if value}
    return Job(JobKind.DOWNLOAD, lambda services, cancel: download_job(name, cancel, **options))


def download_job(name: str, cancel: CancelToken, *, endpoint: str | None = None, cache_dir: str | None = None,
                 revision: str | None = None, poll_s: float = 0.05) -> JobGenerator:
    """Download model `name` (a preset or a Hugging Face repo id); yields Progress(bytes done, bytes total).

    Returns the folder (as a str). Cancelling stops the transfer at its next chunk; the partial files stay in
    the cache so the next download resumes. Errors (no network, unknown model) surface as ModelNotAvailable.
    """
    from litreview.embedding import download_model

    cancel.raise_if_cancelled()
    counts = [0, 0]  # (done, total) bytes so far; both only grow (the hub's total grows as files are listed)
    lock = threading.Lock()

    def work(report: ProgressSink) -> str:
        def on_bytes(done: int, total: int) -> None:
            # called from the hub's download threads, not always in order: keep the largest counts seen
            with lock:
                counts[:] = [max(counts[0], done), max(counts[1], total)]
                report(Progress(STAGE, counts[0], counts[1], current=name, message=f"Downloading {name}"))

        return str(download_model(name, progress=on_bytes, cancel=cancel, endpoint=endpoint, cache_dir=cache_dir,
                                  revision=revision))

    waiting = Progress(STAGE, 0, 0, current=name, message=f"Downloading {name}")
    folder = yield from run_beside(work, cancel, name="litreview-download", waiting=waiting, poll_s=poll_s,
                                   abandon_on_cancel=True, grace_s=CANCEL_GRACE_S)
    done, total = counts
    if total:
        yield Progress(STAGE, total, total, current=name, message=f"Downloaded {name}")
    return folder
