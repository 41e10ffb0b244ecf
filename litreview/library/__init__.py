"""The library: one SQLite file, the one source of truth. No Qt."""

from litreview.library.db import Library, default_library_path, open_library

__all__ = ["Library", "default_library_path", "open_library"]
