"""Progress values and a thread-safe cancel flag shared by the pipeline, the CLI and the worker."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

# full text's progress stages (pipeline.fulltext): no paper row changes in them (the window does not re-read)
SPLIT_PASSAGES_STAGE, EMBED_PASSAGES_STAGE = "passages", "embed passages"

T = TypeVar("T")


class Cancelled(Exception):
    """Raised inside a long job when its CancelToken was set."""


class CancelToken:
    """A flag set from any thread and checked between batches."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


@dataclass(frozen=True)
class Progress:
    """One step of a long job: `done` of `total` units in `stage`, with the item being worked on."""

    stage: str
    done: int
    total: int
    current: str = ""
    message: str = ""


ProgressCallback = Callable[[int, int], None]


ProgressSink = Callable[[Progress], None]


def run_beside(
    work: Callable[[ProgressSink], T],
    cancel: CancelToken,
    *,
    name: str,
    waiting: Progress,
    poll_s: float = 0.05,
    abandon_on_cancel: bool = False,
    grace_s: float = 2.0,
) -> Generator[Progress, None, T]:
    """Run `work(report)` on a helper thread and yield the latest Progress it reported (else `waiting`) every
    `poll_s`, so a worker that steps generators keeps answering requests while a call with no batches runs.

    Returns what `work` returned; re-raises what it raised. When the generator is closed early (shutdown) the
    token is cancelled and the helper joined. `abandon_on_cancel` (a download on a stalled connection) stops
    waiting as soon as the token is set, gives the helper `grace_s` to notice, and leaves it as a daemon.
    """
    updates: queue.SimpleQueue[Progress] = queue.SimpleQueue()
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = work(updates.put)
        except BaseException as exc:  # handed to the generator, which re-raises it on the caller's thread
            result["error"] = exc

    helper = threading.Thread(target=run, name=name, daemon=abandon_on_cancel)
    helper.start()
    latest = waiting
    try:
        while helper.is_alive():
            helper.join(poll_s)
            if abandon_on_cancel and cancel.cancelled:
                raise Cancelled()
            while not updates.empty():
                latest = updates.get()
            yield latest
    finally:
        if helper.is_alive():
            cancel.cancel()
            helper.join(grace_s if abandon_on_cancel else None)
    if "error" in result:
        raise result["error"]
    return result["value"]


def drive(steps: Generator[Progress, None, T], on_progress: ProgressSink | None = None) -> T:
    """Run a generator of Progress to its end (CLI, tests, a helper thread); returns its return value."""
    while True:
        try:
            progress = next(steps)
        except StopIteration as stop:
            return stop.value
        if on_progress is not None:
            on_progress(progress)
