"""The library layer's exceptions (a module of their own so that db.py and its helpers can share them)."""

from __future__ import annotations


class LibraryError(Exception):
    """The library file cannot be opened or is from a newer version of the app."""


class LibraryInUse(LibraryError):
    """Another process owns the library (has it open for writing); its message is one line saying which."""

    def __init__(self, message: str, owner: dict | None = None) -> None:
        super().__init__(message)
        self.owner = owner or {}
