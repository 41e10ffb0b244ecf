"""Keeping the ANN index snapshots in step when papers leave or come back outside an embedding run (trash, restore,
merge and split, from the CLI or the window's worker): the indexes of papers and of PDF passages are loaded before
the change and saved after it, so they follow the vector tables incrementally and `litreview doctor` finds them
consistent at once, not only after the worker's next embedding run has written a snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from litreview.library.db import Library


@contextmanager
def index_in_step(library: Library) -> Iterator[None]:
    """`with index_in_step(library): <change vectors>`: every (model, dim) index of papers and of passages is
    snapshotted afterwards, and a snapshot whose vectors are all gone is dropped."""
    from litreview.index.service import IndexService, passage_index

    services = (IndexService(library), passage_index(library))
    for service in services:
        for entry in service.store.models():
            service.load(entry["model"], entry["dim"])
    yield
    for service in services:
        for entry in service.store.models():
            service.save(entry["model"], entry["dim"])
        service.drop_orphan_snapshots()
