"""The "download a model" job: `litreview.embedding.download_model` as a cancellable, steppable job (Qt-free).

download_model blocks until every file has arrived, so it runs on a helper thread while the generator yields
its byte counts every `poll_s`; the worker keeps answering requests between steps and the JobRunner throttles
the progress it relays to the GUI.
"""

from __future__ import annotations

import threading
from typing import Any

from litreview.core.progress import Cancelled, CancelToken, Progress
from litreview.workers.session import JobGenerator

STAGE = "downloading"
CANCEL_GRACE_S = 2.0  # how long a cancelled job waits for the helper to notice before it lets go of it


def download_job(
    name: str,
    cancel: CancelToken,
    *,
    endpoint: str | None = None,
    cache_dir: str | None = None,
    revision: str | None = None,
    poll_s: float = 0.05,
) -> JobGenerator:
    """Download model `name` (a preset or a Hugging Face repo id); yields Progress(bytes done, bytes total).

    Returns the folder (as a str). Cancelling stops the transfer at its next chunk; the partial files stay in
    the cache so the next download resumes. Errors (no network, unknown model) surface as ModelNotAvailable.
    """
    from litreview.embedding import download_model

    cancel.raise_if_cancelled()
    counts = [0, 0]  # (done, total) bytes so far; both only grow (the hub's total grows as files are listed)
    lock = threading.Lock()
    result: dict[str, Any] = {}

    def on_bytes(done: int, total: int) -> None:
        # called from the hub's download threads, not always in order: keep the largest counts seen
        with lock:
            counts[:] = [max(counts[0], done), max(counts[1], total)]

    def run() -> None:
        try:
            result["folder"] = download_model(
                name, progress=on_bytes, cancel=cancel, endpoint=endpoint, cache_dir=cache_dir, revision=revision
            )
        except BaseException as exc:  # handed to the generator, which re-raises it on the worker thread
            result["error"] = exc

    helper = threading.Thread(target=run, name="litreview-download", daemon=True)
    helper.start()
    try:
        while helper.is_alive():
            helper.join(poll_s)
            if cancel.cancelled:  # a stalled connection must not keep the worker busy: stop waiting now
                raise Cancelled()
            with lock:
                done, total = counts
            yield Progress(STAGE, done, total, current=name, message=f"Downloading {name}")
    finally:
        if helper.is_alive():  # cancelled or closed early (shutdown): the helper stops at its next chunk
            cancel.cancel()
            helper.join(CANCEL_GRACE_S)
    if "error" in result:
        raise result["error"]
    done, total = counts
    if total:
        yield Progress(STAGE, total, total, current=name, message=f"Downloaded {name}")
    return str(result["folder"])
