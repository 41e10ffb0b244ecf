"""File dialogs that never open the files they list.

The platform's dialogs (and Qt's default icon provider) tell a file's type by reading its first bytes when the
name leaves it ambiguous. Reading the library's .sqlite file that way, then closing the descriptor, drops every
SQLite lock this process holds on it (POSIX advisory locks belong to the process, not to the descriptor), which
lets another process delete the library's WAL under us (issue #14). These dialogs are Qt's own widgets with an icon
provider that looks at names and stat() only.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QFileInfo
from PySide6.QtGui import QAbstractFileIconProvider, QIcon
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget


class NameOnlyIconProvider(QAbstractFileIconProvider):
    """Icons and type names from the file name and kind only; never reads a file's contents."""

    def icon(self, what: QAbstractFileIconProvider.IconType | QFileInfo) -> QIcon:  # noqa: D102
        if isinstance(what, QFileInfo):
            kind = QAbstractFileIconProvider.IconType
            what = kind.Folder if what.isDir() else kind.File
        return super().icon(what)

    def type(self, info: QFileInfo) -> str:  # noqa: D102
        if info.isDir():
            return "Folder"
        suffix = info.suffix()
        return f"{suffix.upper()} file" if suffix else "File"


def make_dialog(parent: QWidget | None, caption: str, directory: str = "", name_filter: str = "") -> QFileDialog:
    """A non-native QFileDialog that lists files without opening them."""
    dialog = QFileDialog(parent, caption, directory, name_filter)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    provider = NameOnlyIconProvider()
    dialog.setIconProvider(provider)
    dialog._icon_provider = provider  # the dialog does not own it; keep it alive as long as the dialog
    return dialog


def open_file_names(parent: QWidget | None, caption: str, name_filter: str, directory: str = "") -> list[str]:
    dialog = make_dialog(parent, caption, directory, name_filter)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    return dialog.selectedFiles() if dialog.exec() else []


def existing_directory(parent: QWidget | None, caption: str, directory: str = "") -> str:
    dialog = make_dialog(parent, caption, directory)
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    files = dialog.selectedFiles() if dialog.exec() else []
    return files[0] if files else ""


def path_row(
    parent: QWidget, line: QLineEdit, caption: str,
    choose: Callable[[QWidget | None, str, str], str] = existing_directory, then: Callable[[], object] | None = None,
) -> QHBoxLayout:
    """`line` with a "Browse…" button after it that puts the path chosen with `choose(parent, caption, line's
    text)` (a folder by default; or save_file_name) into it, then calls `then()`."""

    def browse() -> None:
        path = choose(parent, caption, line.text())
        if path:
            line.setText(path)
            if then is not None:
                then()

    button = QPushButton("Browse…")
    button.clicked.connect(browse)
    row = QHBoxLayout()
    row.addWidget(line, 1)
    row.addWidget(button)
    return row


def save_file_name(parent: QWidget | None, caption: str, directory: str = "") -> str:
    dialog = make_dialog(parent, caption, directory)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    files = dialog.selectedFiles() if dialog.exec() else []
    return files[0] if files else ""
