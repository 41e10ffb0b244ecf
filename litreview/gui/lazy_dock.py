"""A dock whose content is built the first time it is about to show (issue #20: start-up time).

Docks that start hidden (screening, the import log, passages, evidence, the reader) cost the window's start-up
their modules' imports and their widgets; a `LazyDock` exists from the start (so the View menu, `restoreState`
and `saveState` know it by its object name), but its content is made, by `build`, only when the dock is first
shown or when code asks for `content()`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDockWidget, QWidget


class LazyDock(QDockWidget):
    """A QDockWidget that calls `build()` for its widget once, just before it first shows (or on `content()`)."""

    def __init__(self, title: str, name: str, build: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.setObjectName(name)
        self._build: Callable[[], QWidget] | None = build

    @property
    def built(self) -> bool:
        return self._build is None

    def content(self) -> QWidget:
        """The dock's widget, built now if it was not yet."""
        if self._build is not None:
            build, self._build = self._build, None
            self.setWidget(build())
        return self.widget()

    def setVisible(self, visible: bool) -> None:  # noqa: N802 - Qt override: show(), the View menu, restoreState
        if visible:
            self.content()  # before the layout sizes the dock, as if the widget had always been there
        super().setVisible(visible)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        if self._build is not None:  # shown along with its parent without setVisible(True): build late, still once
            self.content()
        super().showEvent(event)
