"""Merge selected papers (issue #14): two selected papers become one, on the worker, through the undo stack
(Ctrl+Z splits the merge back). The paper the table's current row shows is the one kept."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from litreview.gui.undo import WorkerCommand, _reset_index
from litreview.workers.messages import Reply

if TYPE_CHECKING:
    from litreview.gui.main_window import MainWindow
    from litreview.library.merge import MergeRecord


def merge_on_worker(services: Any, keep_id: int, other_id: int) -> MergeRecord:
    """Worker side of a merge; the index snapshots follow the vectors."""
    from litreview.index.upkeep import index_in_step
    from litreview.library.merge import merge_papers

    with index_in_step(services.library):
        record = merge_papers(services.library, keep_id, other_id)
    _reset_index(services)
    return record


def split_on_worker(services: Any, merge_id: int) -> tuple[int, int]:
    """Worker side of a split: (kept id, the other's id now)."""
    from litreview.index.upkeep import index_in_step
    from litreview.library.merge import split_merge

    with index_in_step(services.library):
        ids = split_merge(services.library, merge_id)
    _reset_index(services)
    return ids


def merge_command(client, keep_id: int, other_id: int, on_reply) -> WorkerCommand:  # noqa: ANN001
    """Merge `other_id` into `keep_id`; undo splits it (a redo merges again, under a new merge record)."""
    state: dict[str, int] = {"other": other_id}

    def do(services: Any) -> MergeRecord:
        record = merge_on_worker(services, keep_id, state["other"])
        state["merge"] = record.merge_id
        return record

    def undo(services: Any) -> tuple[int, int]:
        _, state["other"] = split_on_worker(services, state["merge"])
        return keep_id, state["other"]

    return WorkerCommand(client, f"Merge paper {other_id} into {keep_id}", do, undo, on_reply, channel="merge")


class MergeAction(QObject):
    """The "Merge selected papers" action of one window (enabled when exactly two papers are selected)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.action = QAction("&Merge selected papers", window)
        self.action.setToolTip("Make the two selected papers one (the current one is kept); Ctrl+Z splits them")
        self.action.triggered.connect(self.merge_selected)

    def pair(self) -> tuple[int, int] | None:
        """(kept, merged) for the selection, or None unless exactly two papers are selected."""
        ids = self.window.selected_paper_ids()
        if len(ids) != 2:
            return None
        keep = self.window.current_paper_id()
        keep = keep if keep in ids else ids[0]
        return keep, next(pid for pid in ids if pid != keep)

    def refresh(self) -> None:
        self.action.setEnabled(self.pair() is not None)

    def merge_selected(self) -> None:
        pair = self.pair()
        if pair is not None:
            self.window.paper_actions.push(merge_command(self.window.client, *pair, self._on_reply))

    def _on_reply(self, reply: Reply) -> None:
        bar = self.window.statusBar()
        if reply.error:
            bar.showMessage(f"Merge: {reply.error}", 15_000)
        elif isinstance(reply.value, tuple):
            bar.showMessage(f"Split papers {reply.value[0]} and {reply.value[1]} apart again", 15_000)
        else:
            record = reply.value
            bar.showMessage(f"Merged paper {record.other_id} into {record.keep_id} (Ctrl+Z to split)", 15_000)
            self.window.embed_missing()  # re-embeds it if its text changed (a split puts the old vectors back)
        self.window.on_papers_changed()
