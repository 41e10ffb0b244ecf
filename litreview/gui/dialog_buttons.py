"""The button row every dialog of the app ends with."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox


def accept_cancel(dialog: QDialog, accept: QDialogButtonBox.StandardButton) -> QDialogButtonBox:
    """`accept` (Save, Ok...) and Cancel, wired to the dialog's accept() and reject(); the caller places the row."""
    buttons = QDialogButtonBox(accept | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons
