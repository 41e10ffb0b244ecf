"""Where the GUI thread was when a heartbeat came late: a watchdog thread for the stall benchmarks.

The benchmark's heartbeat calls `beat()` on the GUI thread every 10 ms. A daemon thread looks every 5 ms; when the
last beat is older than `threshold_ms` it records the GUI thread's Python stack (and the other threads' innermost
frames, since a stall can be another thread holding the GIL) once per late beat. `report()` prints the distinct
stacks, most frequent first. Sampling needs the GIL, so a stall inside one long C call is seen when the call ends.
"""

from __future__ import annotations

import collections
import sys
import threading
import time
import traceback


class StallTracer:
    def __init__(self, threshold_ms: float = 50.0) -> None:
        self.threshold = threshold_ms / 1000
        self.gui_thread = threading.get_ident()
        self.last_beat = time.perf_counter()
        self.samples: collections.Counter[str] = collections.Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="stall-trace", daemon=True)

    def start(self) -> StallTracer:
        self._thread.start()
        return self

    def beat(self) -> None:
        self.last_beat = time.perf_counter()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        sampled_for = 0.0
        while not self._stop.wait(0.005):
            last = self.last_beat
            if time.perf_counter() - last < self.threshold or last == sampled_for:
                continue
            sampled_for = last
            frames = sys._current_frames()
            gui = frames.get(self.gui_thread)
            stack = "".join(traceback.format_stack(gui, limit=12)) if gui is not None else "(no GUI frame)\n"
            others = [f"  thread {ident}: {frame.f_code.co_filename}:{frame.f_lineno} {frame.f_code.co_name}"
                      for ident, frame in frames.items() if ident not in (self.gui_thread, threading.get_ident())]
            self.samples[stack + "other threads:\n" + "\n".join(others)] += 1

    def report(self, most: int = 5) -> None:
        print(f"\n{sum(self.samples.values())} late heartbeat(s) (> {self.threshold * 1000:.0f} ms), GUI stacks:",
              file=sys.stderr)
        for stack, count in self.samples.most_common(most):
            print(f"--- {count}x\n{stack}", file=sys.stderr)


def run_timed(app, timers, tracer: StallTracer | None, before_exec=None) -> tuple[float, float]:  # noqa: ANN001
    """Start `timers` (the heartbeat first) and the tracer, run `app`'s event loop (after `before_exec()`), stop
    them, print the tracer's report; returns when the loop started (perf_counter) and the seconds it ran."""
    for timer in timers:
        timer.start()
    if tracer is not None:
        tracer.start()
    started = time.perf_counter()
    if before_exec is not None:
        before_exec()
    app.exec()
    elapsed = time.perf_counter() - started
    for timer in timers:
        timer.stop()
    if tracer is not None:
        tracer.stop()
        tracer.report()
    return started, elapsed


def heartbeat_probe(tracer: StallTracer | None = None):  # noqa: ANN201 - a QObject subclass, Qt imported lazily
    """The base of a benchmark's GUI-thread probe: a slot `beat()` for a 10 ms QTimer that records when it ran
    (and tells `tracer`). Subclass it for the job watching."""
    from PySide6.QtCore import QObject, Slot

    class HeartbeatProbe(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.beats: list[float] = []

        @Slot()
        def beat(self) -> None:
            self.beats.append(time.perf_counter())
            if tracer is not None:
                tracer.beat()

    return HeartbeatProbe
