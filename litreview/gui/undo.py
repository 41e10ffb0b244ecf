"""Undo and redo for the window's writes (issue #14): each command runs its do and its undo on the worker thread
through `client.query`, never on the GUI thread; the QUndoStack only keeps their order.

A command's worker functions share a small state dict, read and written on the worker thread only: a delete that
is undone may bring a paper back under a new id (another paper took its id meanwhile), and a redo must then trash
that id. Queries run one after another on the worker, so the state is always the one the previous step left.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtGui import QUndoCommand

from litreview.workers.messages import Reply

Step = Callable[[Any], object]  # fn(services) on the worker thread


class WorkerCommand(QUndoCommand):
    """One undoable write: `do(services)` and `undo(services)` run on the worker; `on_reply(reply)` on the GUI
    thread after each. The first `redo` (QUndoStack.push calls it) does the write itself."""

    def __init__(self, client, text: str, do: Step, undo: Step, on_reply: Callable[[Reply], None] | None = None,
                 *, channel: str = "undo") -> None:
        super().__init__(text)
        self.client = client
        self._do, self._undo = do, undo
        self._on_reply = on_reply
        self.channel = channel

        self.request_id = 0  # of the latest do or undo sent

    def redo(self) -> None:
        self.request_id = self.client.query(self._do, self._on_reply, channel=self.channel)

    def undo(self) -> None:
        self.request_id = self.client.query(self._undo, self._on_reply, channel=self.channel)


def _reset_index(services: Any) -> None:
    """The worker's in-memory ANN index reloads from its snapshot the next time it is used."""
    forget = getattr(services, "forget_index", None)
    if forget is not None:
        forget()


def trash_papers(services: Any, paper_ids: Sequence[int]) -> list[int]:
    """Worker side of a delete: the papers go to the trash, the index snapshots follow."""
    from litreview.index.upkeep import index_in_step
    from litreview.library.trash import move_to_trash

    with index_in_step(services.library):
        moved = move_to_trash(services.library, paper_ids)
    _reset_index(services)
    return moved


def restore_papers(services: Any, paper_ids: Sequence[int]) -> dict[int, int]:
    """Worker side of a restore: {old id: id now}; the index snapshots follow."""
    from litreview.index.upkeep import index_in_step
    from litreview.library.trash import restore

    with index_in_step(services.library):
        restored = restore(services.library, paper_ids)
    _reset_index(services)
    return restored


def empty_trash(services: Any) -> int:
    """Worker side of Empty trash: how many papers were deleted for good."""
    from litreview.library.trash import empty

    return empty(services.library)


def delete_command(client, paper_ids: Sequence[int], on_reply: Callable[[Reply], None]) -> WorkerCommand:
    """Move papers to the trash; undo restores them (under their new ids if they had to change)."""
    return _trash_command(client, paper_ids, on_reply, restoring=False)


def restore_command(client, paper_ids: Sequence[int], on_reply: Callable[[Reply], None]) -> WorkerCommand:
    """Bring papers back from the trash; undo moves them to the trash again."""
    return _trash_command(client, paper_ids, on_reply, restoring=True)


def _trash_command(client, paper_ids: Sequence[int], on_reply: Callable[[Reply], None], *,
                   restoring: bool) -> WorkerCommand:
    from litreview.core.text import count_of

    state = {"ids": list(paper_ids)}

    def trash(services: Any) -> list[int]:
        state["ids"] = trash_papers(services, state["ids"])
        return state["ids"]

    def bring_back(services: Any) -> dict[int, int]:
        restored = restore_papers(services, state["ids"])
        state["ids"] = [restored[pid] for pid in state["ids"]]
        return restored

    what = count_of(len(paper_ids), "paper")
    if restoring:
        return WorkerCommand(client, f"Restore {what}", bring_back, trash, on_reply, channel="trash")
    return WorkerCommand(client, f"Delete {what}", trash, bring_back, on_reply, channel="trash")

ListItems = list[tuple[int, int, str]]  # (paper_id, position, note) in list order, as ReadingLists.items gives


def set_list_items(library: Any, list_id: int, items: ListItems) -> None:
    """Make a reading list hold exactly `items` (in that order, with those notes), in one transaction; papers
    that are no longer in the library (deleted meanwhile) are left out."""
    from litreview.library.lists import ReadingLists

    lists = ReadingLists(library)
    with library.transaction() as conn:
        wanted = [(pid, note) for pid, _, note in items
                  if conn.execute("SELECT 1 FROM papers WHERE id = ?", (pid,)).fetchone()]
        wanted_ids = [pid for pid, _ in wanted]
        current = [pid for pid, _, _ in lists.items(list_id)]
        lists.remove(list_id, [pid for pid in current if pid not in set(wanted_ids)])
        lists.add(list_id, [pid for pid in wanted_ids if pid not in set(current)])
        lists.reorder(list_id, wanted_ids)
        for pid, note in wanted:
            lists.set_note(list_id, pid, note)


def list_command(client, text: str, list_id: int, edit: Callable[[Any], object],
                 on_reply: Callable[[Reply], None] | None) -> WorkerCommand:
    """A change to one reading list (`edit(ReadingLists)`: add, remove, reorder, a note). The list's items are
    kept before and after the first do: undo puts the before back, redo the after."""
    state: dict[str, ListItems] = {}

    def do(services: Any) -> object:
        from litreview.library.lists import ReadingLists

        if "after" in state:
            set_list_items(services.library, list_id, state["after"])
            return None
        lists = ReadingLists(services.library)
        before = lists.items(list_id)
        result = edit(lists)
        state["before"], state["after"] = before, lists.items(list_id)
        return result

    def undo(services: Any) -> None:
        if "before" in state:  # else the do failed and changed nothing
            set_list_items(services.library, list_id, state["before"])

    return WorkerCommand(client, text, do, undo, on_reply, channel="lists")


class JobCommand(QUndoCommand):
    """An undoable write that is a long job (it may re-embed): `do()` and `undo()` build the Job to start."""

    def __init__(self, client, text: str, do: Callable[[], Any], undo: Callable[[], Any]) -> None:
        super().__init__(text)
        self.client = client
        self._do, self._undo = do, undo
        self.job_id = 0  # of the latest do or undo started

    def redo(self) -> None:
        self.job_id = self.client.start(self._do())

    def undo(self) -> None:
        self.job_id = self.client.start(self._undo())


def edit_command(client, paper: Mapping[str, Any], changes: Mapping[str, Any]) -> JobCommand:
    """Save a user's edit of a paper's fields (`changes`: the new values of the changed ones; `paper`: the row as
    it was). Undo writes the old values and the old record of user-edited fields back; a changed title or
    abstract re-embeds both ways."""
    from litreview.pipeline.jobs import edit_fields_job

    paper_id = int(paper["id"])
    after = dict(changes)
    before = {name: paper.get(name) for name in after}
    before["user_fields"] = paper.get("user_fields") or "[]"
    names = ", ".join(sorted(after))
    return JobCommand(client, f"Edit {names}", lambda: edit_fields_job(paper_id, after),
                      lambda: edit_fields_job(paper_id, before, by_user=False))
