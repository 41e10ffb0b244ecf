"""The window's undoable paper actions (issue #14): Delete (to the trash), the Trash view, Edit paper, Undo, Redo.

Kept out of main_window.py: the window creates one `PaperActions(window)` and puts its QActions in its menus.
Every write runs on the worker (`client.query`); the table and lists are re-read when the reply arrives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack

from litreview.core.text import count_of
from litreview.gui.undo import (
    JobCommand,
    WorkerCommand,
    delete_command,
    edit_command,
    empty_trash,
    list_command,
    restore_command,
)
from litreview.workers.messages import Reply

if TYPE_CHECKING:
    from litreview.gui.edit_dialog import EditPaperDialog
    from litreview.gui.main_window import MainWindow
    from litreview.gui.trash_panel import TrashPanel


class PaperActions(QObject):
    """Owns the undo stack and the Trash view of one window (the view and the Edit paper dialog, with their
    modules, are made when first opened: start-up time, #20)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.client = window.client
        self.undo_stack = QUndoStack(self)
        self._trash_panel: TrashPanel | None = None

        self.delete_action = QAction("&Delete (move to the trash)", window)
        self.delete_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Delete), QKeySequence("Backspace")])
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.delete_action.triggered.connect(self.delete_selected)
        window.table.addAction(self.delete_action)  # Delete acts on the table, not in the search box
        self.undo_action = self.undo_stack.createUndoAction(window, "&Undo")
        self.undo_action.setShortcut(QKeySequence("Ctrl+Z"))
        self.redo_action = self.undo_stack.createRedoAction(window, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.trash_action = QAction("&Trash…", window)
        self.trash_action.triggered.connect(self.show_trash)
        self.edit_paper_action = QAction("Edit &paper…", window)
        self.edit_paper_action.setShortcut(QKeySequence("Shift+F2"))
        self.edit_paper_action.triggered.connect(lambda: self.open_editor())
        self.editor: EditPaperDialog | None = None
        for action in (self.undo_action, self.redo_action, self.trash_action, self.edit_paper_action):
            window.addAction(action)

    @property
    def trash_panel(self) -> TrashPanel:
        if self._trash_panel is None:
            from litreview.gui.trash_panel import TrashPanel

            self._trash_panel = TrashPanel(self.window)
            self._trash_panel.sig_restore_requested.connect(self.restore)
            self._trash_panel.sig_empty_requested.connect(self.empty)
        return self._trash_panel

    def menu_actions(self) -> list[QAction]:
        return [self.undo_action, self.redo_action, self.edit_paper_action, self.delete_action, self.trash_action]

    def table_actions(self) -> list[QAction]:
        """For the paper table's context menu."""
        return [self.edit_paper_action, self.delete_action]

    def push(self, command: WorkerCommand | JobCommand) -> None:
        """Do a write now (on the worker) and remember it for Ctrl+Z."""
        self.undo_stack.push(command)

    def edit_list(self, text: str, list_id: int, edit, on_reply) -> int:
        """An undoable reading-list change (`edit(ReadingLists)` on the worker); returns its request id."""
        command = list_command(self.client, text, list_id, edit, on_reply)
        self.push(command)
        return command.request_id

    # -- editing -----------------------------------------------------------------------------------------------
    def open_editor(self, paper_id: int | None = None) -> EditPaperDialog | None:
        """Open the Edit paper dialog (window-modal, not blocking) on a paper, the current one by default."""
        pid = paper_id if paper_id is not None else self.window.current_paper_id()
        paper = self.window.reader.paper(pid) if pid is not None else None
        if paper is None:
            return None
        if self.editor is not None:
            self.editor.deleteLater()
        from litreview.gui.edit_dialog import EditPaperDialog

        self.editor = dialog = EditPaperDialog(paper, self.window)
        dialog.accepted.connect(lambda: self.save_edit(paper, dialog.values))
        dialog.open()
        return dialog

    def save_edit(self, paper: dict, values: dict) -> bool:
        """Save what changed (on the worker, undoable); returns whether anything had."""
        from litreview.gui.edit_dialog import changed_fields

        changes = changed_fields(paper, values)
        if not changes:
            self.window.statusBar().showMessage("Nothing changed", 5_000)
            return False
        self.push(edit_command(self.client, paper, changes))
        return True

    # -- delete and the trash ----------------------------------------------------------------------------------
    def delete_selected(self) -> None:
        ids = self.window.selected_paper_ids()
        if ids:
            self.delete(ids)

    def delete(self, paper_ids: Sequence[int]) -> None:
        self.push(delete_command(self.client, list(paper_ids), self._on_trash_reply))

    def _on_trash_reply(self, reply: Reply) -> None:
        if reply.error:
            self.window.statusBar().showMessage(f"Trash: {reply.error}", 15_000)
        elif isinstance(reply.value, list):
            self.window.statusBar().showMessage(
                f"Moved {count_of(len(reply.value), 'paper')} to the trash (Ctrl+Z to undo)", 15_000)
        else:
            self.window.statusBar().showMessage(f"Restored {count_of(len(reply.value), 'paper')}", 15_000)
        self._refresh()

    def show_trash(self) -> None:
        self.refresh_trash()
        self.trash_panel.show()
        self.trash_panel.activateWindow()

    def refresh_trash(self) -> None:
        from litreview.library.trash import entries

        self.trash_panel.set_entries(entries(self.window.reader.library))

    def restore(self, paper_ids: Sequence[int]) -> None:
        """Bring papers back from the trash (undoable: Ctrl+Z trashes them again)."""
        self.push(restore_command(self.client, list(paper_ids), self._on_trash_reply))

    def empty(self) -> int:
        self.undo_stack.clear()  # deletes cannot be undone once their papers are gone for good
        return self.client.query(empty_trash, self._on_emptied, channel="trash")

    def _on_emptied(self, reply: Reply) -> None:
        message = f"Trash: {reply.error}" if reply.error else f"Deleted {count_of(reply.value, 'paper')} for good"
        self.window.statusBar().showMessage(message, 15_000)
        self._refresh()

    def _refresh(self) -> None:
        self.window.on_papers_changed()
        if self.window.current_paper_id() is None:  # the paper shown went to the trash
            self.window.details.show_paper(None)
        if self._trash_panel is not None and self._trash_panel.isVisible():
            self.refresh_trash()
