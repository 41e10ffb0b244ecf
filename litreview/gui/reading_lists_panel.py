"""The reading-lists panel: lists (create, rename, delete, export), their papers (drag in, reorder, notes).

It only renders and emits `sig_*_requested`; the main window sends the writes to the worker and calls
`set_lists` / `set_items` with fresh data read from the library afterwards.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QSplitter,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from litreview.core.text import count_of
from litreview.gui.paper_table_model import PAPER_IDS_MIME, decode_paper_ids

IdRole = Qt.ItemDataRole.UserRole + 1
NoteRole = Qt.ItemDataRole.UserRole + 2


class _DropTargetList(QListWidget):
    """A list widget that accepts papers dragged from the library table or the related panel."""

    sig_papers_dropped = Signal(object, object)  # paper ids, the item dropped on (or None)

    def _external(self, event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> bool:
        return event.source() is not self and event.mimeData().hasFormat(PAPER_IDS_MIME)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._external(event):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._external(event):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        if self._external(event):
            item = self.itemAt(event.position().toPoint())
            self.sig_papers_dropped.emit(decode_paper_ids(event.mimeData()), item)
            event.acceptProposedAction()
        else:
            super().dropEvent(event)


class ReadingListsPanel(QWidget):
    sig_create_requested = Signal(str)
    sig_rename_requested = Signal(int, str)
    sig_delete_requested = Signal(int)
    sig_add_requested = Signal(int, object)  # list id, paper ids
    sig_remove_requested = Signal(int, object)
    sig_reorder_requested = Signal(int, object)  # list id, paper ids in the new order
    sig_note_requested = Signal(int, int, str)  # list id, paper id, note
    sig_export_requested = Signal(int)
    sig_list_selected = Signal(int)  # -1 when none
    sig_navigate_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        style = self.style()
        self.lists = _DropTargetList()
        self.lists.setAcceptDrops(True)
        self.lists.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.lists.currentItemChanged.connect(self._list_changed)
        self.items = _DropTargetList()
        self.items.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.items.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.items.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.items.setWordWrap(True)
        self.items.setAlternatingRowColors(True)
        self.items.model().rowsMoved.connect(self._order_changed)
        self.items.currentItemChanged.connect(self._item_changed)
        self.items.itemDoubleClicked.connect(self._item_activated)
        self.lists.sig_papers_dropped.connect(self._dropped_on_lists)
        self.items.sig_papers_dropped.connect(self._dropped_on_items)
        self.note = QLineEdit()
        self.note.setPlaceholderText("Note (Enter saves)")
        self.note.setEnabled(False)
        self.note.returnPressed.connect(self._save_note)

        def tool(text: str, icon: QStyle.StandardPixmap, slot, *, with_text: bool = False) -> QToolButton:
            button = QToolButton()
            button.setText(text)
            button.setToolTip(text)
            button.setIcon(style.standardIcon(icon))
            button.setAutoRaise(True)
            button.setToolButtonStyle(
                Qt.ToolButtonStyle.ToolButtonTextBesideIcon if with_text else Qt.ToolButtonStyle.ToolButtonIconOnly
            )
            button.clicked.connect(slot)
            return button

        self.new_button = tool("New list", QStyle.StandardPixmap.SP_FileDialogNewFolder, self._new_list,
                               with_text=True)
        self.rename_button = tool("Rename", QStyle.StandardPixmap.SP_FileDialogDetailedView, self._rename_list)
        self.delete_button = tool("Delete", QStyle.StandardPixmap.SP_TrashIcon, self._delete_list)
        self.export_button = tool("Export…", QStyle.StandardPixmap.SP_DialogSaveButton, self._export_list,
                                  with_text=True)
        self.remove_button = tool("Remove paper", QStyle.StandardPixmap.SP_DialogDiscardButton, self._remove_items)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.rename_button, self.delete_button, self.export_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.lists)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        self.items_label = QLabel("Drag papers here; drag to reorder.")
        self.items_label.setWordWrap(True)
        bottom_layout.addWidget(self.items_label)
        bottom_layout.addWidget(self.items, 1)
        note_row = QHBoxLayout()
        note_row.addWidget(self.note, 1)
        note_row.addWidget(self.remove_button)
        bottom_layout.addLayout(note_row)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setSizes([120, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)
        self._update_buttons()

    # -- data in -----------------------------------------------------------------------------------------------
    def current_list_id(self) -> int | None:
        item = self.lists.currentItem()
        return int(item.data(IdRole)) if item is not None else None

    def current_list_name(self) -> str:
        item = self.lists.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole + 3)) if item is not None else ""

    def set_lists(self, lists: list[dict[str, Any]], *, select: int | None = None) -> None:
        keep = select if select is not None else self.current_list_id()
        self.lists.blockSignals(True)
        self.lists.clear()
        for entry in lists:
            item = QListWidgetItem(f"{entry['name']}  ({entry['size']})")
            item.setData(IdRole, int(entry["id"]))
            item.setData(Qt.ItemDataRole.UserRole + 3, entry["name"])
            self.lists.addItem(item)
            if entry["id"] == keep:
                self.lists.setCurrentItem(item)
        if self.lists.currentItem() is None and self.lists.count():
            self.lists.setCurrentRow(0)
        self.lists.blockSignals(False)
        self._update_buttons()
        self.sig_list_selected.emit(self.current_list_id() or -1)

    def set_items(self, items: list[dict[str, Any]]) -> None:
        self.items.blockSignals(True)
        self.items.clear()
        for entry in items:
            text = entry["title"] or "(untitled)"
            if entry.get("year"):
                text += f" ({entry['year']})"
            if entry.get("note"):
                text += f"\n    ✎ {entry['note']}"
            item = QListWidgetItem(text)
            item.setData(IdRole, int(entry["paper_id"]))
            item.setData(NoteRole, entry.get("note") or "")
            self.items.addItem(item)
        self.items.blockSignals(False)
        name = self.current_list_name()
        self.items_label.setText(
            f"{count_of(len(items), 'paper')} in “{name}”. Drag papers here; drag to reorder." if name
            else "Create a list, then drag papers into it."
        )
        self._item_changed(self.items.currentItem(), None)

    def item_ids(self) -> list[int]:
        return [int(self.items.item(row).data(IdRole)) for row in range(self.items.count())]

    # -- user actions ------------------------------------------------------------------------------------------
    def _update_buttons(self) -> None:
        has_list = self.current_list_id() is not None
        for button in (self.rename_button, self.delete_button, self.export_button):
            button.setEnabled(has_list)
        self.items.setAcceptDrops(has_list)

    @Slot(QListWidgetItem, QListWidgetItem)
    def _list_changed(self, current: QListWidgetItem | None, previous: QListWidgetItem | None) -> None:
        self._update_buttons()
        self.sig_list_selected.emit(int(current.data(IdRole)) if current is not None else -1)

    @Slot(QListWidgetItem, QListWidgetItem)
    def _item_changed(self, current: QListWidgetItem | None, previous: QListWidgetItem | None) -> None:
        self.note.setEnabled(current is not None)
        self.remove_button.setEnabled(current is not None)
        self.note.setText(str(current.data(NoteRole)) if current is not None else "")

    @Slot(QListWidgetItem)
    def _item_activated(self, item: QListWidgetItem) -> None:
        self.sig_navigate_requested.emit(int(item.data(IdRole)))

    @Slot()
    def _new_list(self) -> None:
        name, ok = QInputDialog.getText(self, "New reading list", "Name:")
        if ok and name.strip():
            self.sig_create_requested.emit(name.strip())

    @Slot()
    def _rename_list(self) -> None:
        list_id = self.current_list_id()
        if list_id is None:
            return
        name, ok = QInputDialog.getText(self, "Rename reading list", "Name:", text=self.current_list_name())
        if ok and name.strip():
            self.sig_rename_requested.emit(list_id, name.strip())

    @Slot()
    def _delete_list(self) -> None:
        list_id = self.current_list_id()
        if list_id is None:
            return
        answer = QMessageBox.question(self, "Delete reading list", f"Delete “{self.current_list_name()}”? "
                                      "The papers stay in the library.")
        if answer == QMessageBox.StandardButton.Yes:
            self.sig_delete_requested.emit(list_id)

    @Slot()
    def _export_list(self) -> None:
        list_id = self.current_list_id()
        if list_id is not None:
            self.sig_export_requested.emit(list_id)

    @Slot()
    def _remove_items(self) -> None:
        list_id = self.current_list_id()
        ids = [int(item.data(IdRole)) for item in self.items.selectedItems()]
        if list_id is not None and ids:
            self.sig_remove_requested.emit(list_id, ids)

    @Slot()
    def _save_note(self) -> None:
        list_id, item = self.current_list_id(), self.items.currentItem()
        if list_id is not None and item is not None:
            self.sig_note_requested.emit(list_id, int(item.data(IdRole)), self.note.text().strip())

    @Slot()
    def _order_changed(self, *args: object) -> None:
        list_id = self.current_list_id()
        if list_id is not None:
            self.sig_reorder_requested.emit(list_id, self.item_ids())

    @Slot(object, object)
    def _dropped_on_lists(self, ids: list[int], item: QListWidgetItem | None) -> None:
        target = item if item is not None else self.lists.currentItem()
        if target is not None and ids:
            self.sig_add_requested.emit(int(target.data(IdRole)), ids)

    @Slot(object, object)
    def _dropped_on_items(self, ids: list[int], item: QListWidgetItem | None) -> None:
        list_id = self.current_list_id()
        if list_id is not None and ids:
            self.sig_add_requested.emit(list_id, ids)
