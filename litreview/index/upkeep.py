"""Keeping the ANN index snapshots in step when papers leave or come back outside the worker (the trash
commands): the indexes are loaded before the change and saved after it, so they follow the vectors table
incrementally and `litreview doctor` finds them consistent."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from litreview.library.db import Library


@contextmanager
def index_in_step(library: Library) -> Iterator[None]:
    """`with index_in_step(library): <change vectors>`: every (model, dim) index is snapshotted afterwards, and a
    snapshot whose vectors are all gone is dropped."""
    from litreview.index.service import IndexService

    service = IndexService(library)
    for entry in service.store.models():
        service.load(entry["model"], entry["dim"])
    yield
    for entry in service.store.models():
        service.save(entry["model"], entry["dim"])
    with library.transaction() as conn:
        conn.execute(
            "DELETE FROM index_snapshots WHERE NOT EXISTS (SELECT 1 FROM vectors v "
            "WHERE v.model_id = index_snapshots.model_id AND v.dim = index_snapshots.dim)"
        )
