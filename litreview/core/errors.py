"""One way to turn an exception into a line a user reads (status bar, import log, CLI)."""

from __future__ import annotations


def error_message(exc: BaseException) -> str:
    """A one-line reason: "Type: text"; our own "nothing to show yet" LookupErrors read as plain sentences."""
    text = str(exc).strip()
    if type(exc) is LookupError and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
