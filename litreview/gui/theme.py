"""Light and dark palettes that follow the system's colour scheme (Fusion style).

Qt >= 6.5 reports the desktop's scheme through QStyleHints.colorScheme(); Fusion picks it up on most desktops,
but not everywhere (some Linux desktops, the offscreen platform), so the dark palette is also set explicitly.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette


def dark_palette() -> QPalette:
    palette = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    colors = {
        role.Window: "#2b2d30",
        role.WindowText: "#e6e6e6",
        role.Base: "#1f2023",
        role.AlternateBase: "#26282b",
        role.ToolTipBase: "#3a3d41",
        role.ToolTipText: "#e6e6e6",
        role.Text: "#e6e6e6",
        role.Button: "#33363a",
        role.ButtonText: "#e6e6e6",
        role.BrightText: "#ff6b6b",
        role.Link: "#6cb4ff",
        role.LinkVisited: "#b48cff",
        role.Highlight: "#2f74c0",
        role.HighlightedText: "#ffffff",
        role.PlaceholderText: "#8c8f94",
        role.Mid: "#4a4d52",
        role.Midlight: "#3d4045",
        role.Dark: "#1a1b1d",
        role.Light: "#505359",
    }
    for color_role, value in colors.items():
        palette.setColor(color_role, QColor(value))
    for color_role in (role.Text, role.WindowText, role.ButtonText):
        palette.setColor(group.Disabled, color_role, QColor("#7a7d82"))
    return palette


def apply_palette(app: QGuiApplication, *, dark: bool | None = None) -> bool:
    """Set the palette for `dark` (None: what the system says). Returns whether the dark one was set."""
    if dark is None:
        dark = app.styleHints().colorScheme() == Qt.ColorScheme.Dark
    app.setPalette(dark_palette() if dark else app.style().standardPalette())
    return dark


def follow_system_scheme(app: QGuiApplication) -> None:
    """Apply the system's scheme now and whenever it changes."""
    apply_palette(app)
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_palette(app))
