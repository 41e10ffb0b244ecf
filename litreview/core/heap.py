"""Keep the cyclic garbage collector's full passes short beside the window.

A full collection walks every tracked object while holding the GIL, so one that runs on the worker stops the
window for as long: 20 ms just after start-up (benchmarks/ui_stall.py), ~80 ms with 5,000 screening candidates'
features loaded (benchmarks/screening_stall.py --watch showed 130 ms collections inside the worst gaps).
"""

from __future__ import annotations

import gc


def freeze_heap() -> None:
    """Exempt every object alive now (modules, the window, loaded features: what lives as long as the app) from
    the cyclic garbage collector; later full passes walk only what was made since. Reference counting still frees
    these objects; what is never collected is a reference cycle among them that becomes garbage later."""
    gc.freeze()
