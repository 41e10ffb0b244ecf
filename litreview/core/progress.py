"""Progress values and a thread-safe cancel flag shared by the pipeline, the CLI and the worker."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


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
