"""The layout the docked panels share: rows of widgets top to bottom inside the app's 4 px margin."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget


def panel_rows(panel: QWidget, *rows: QWidget | Sequence[QWidget]) -> QVBoxLayout:
    """Lay `panel` out: a sequence is a row whose first widget (a status line, a chooser) takes the spare width and
    the rest (buttons) their own; a single widget (the panel's table or view) takes the spare height."""
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(4, 4, 4, 4)
    for row in rows:
        if isinstance(row, QWidget):
            layout.addWidget(row, 1)
            continue
        line = QHBoxLayout()
        for position, widget in enumerate(row):
            line.addWidget(widget, 1 if position == 0 else 0)
        layout.addLayout(line)
    return layout
