"""Importers by format: a registry of readers, chosen by a file's suffix (and, where a suffix is shared, a sniff
of its content). Pure: a reader turns paths into records or errors and never writes to a library.

A reader is one module in `litreview/ingest/readers/` that calls `register(Reader(...))` when imported; the
registry imports every module of that package on first use, so adding a format is adding one module
(docs/extending.md). Two kinds of readers:

- record readers (`read(paths) -> ReadResult`): files holding many entries (BibTeX, RIS, ...), read together so
  cross-file references (BibTeX @string, crossref) resolve; the import stores them in chunks.
- file readers (`read_file(path)`): one paper per file (PDF). The import hashes each file, skips known ones,
  reads the rest one at a time (in a child process when `in_child`) and records the file with its paper.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from litreview.core.paper import IngestError, ParsedPaper

READERS_PACKAGE = "litreview.ingest.readers"


@dataclass(frozen=True)
class ReadResult:
    """What one read of a set of files found: every entry seen is in `records` or in `errors`."""

    records: list[ParsedPaper] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)
    entries_seen: int = 0
    notices: list[IngestError] = field(default_factory=list)  # per file: how it was read (a guessed encoding)


FileRead = Callable[[Path], ParsedPaper | IngestError]


@dataclass(frozen=True)
class Reader:
    """One importable format.

    `name` is what users read ("PDF", "BibTeX"); `suffixes` are lower-case with the dot. `sniff(path)`, when
    given, must accept a file's content before this reader takes it (for suffixes that several formats share,
    such as .txt or .json). Give `read` (many entries per file; called as `read(paths, encoding=None)`, where an
    encoding the user named replaces detection) or `read_file` (one paper per file, a module-level function so it
    can run in a child process; `in_child` asks for that isolation).
    """

    name: str
    suffixes: frozenset[str]
    read: Callable[..., ReadResult] | None = None
    read_file: FileRead | None = None
    sniff: Callable[[Path], bool] | None = None
    in_child: bool = False

    def __post_init__(self) -> None:
        if (self.read is None) == (self.read_file is None):
            raise ValueError(f"reader {self.name!r} needs exactly one of read or read_file")
        object.__setattr__(self, "suffixes", frozenset(s.lower() for s in self.suffixes))

    @property
    def per_file(self) -> bool:
        return self.read_file is not None

    def read_all(self, paths: Sequence[Path], encoding: str | None = None) -> ReadResult:
        """Read `paths` in this process, whatever the kind of reader."""
        if self.read is not None:
            return self.read(paths, encoding=encoding)
        assert self.read_file is not None
        result = ReadResult(entries_seen=len(paths))
        for path in paths:
            found = self.read_file(path)
            (result.errors if isinstance(found, IngestError) else result.records).append(found)
        return result


class Registry:
    """The readers the import chooses from, in registration order (the first that accepts a file wins)."""

    def __init__(self, readers: Iterable[Reader] = ()) -> None:
        self._readers: dict[str, Reader] = {}
        for reader in readers:
            self.register(reader)

    def register(self, reader: Reader) -> Reader:
        """Add a reader (a reader of the same name is replaced). Returns it."""
        self._readers[reader.name] = reader
        return reader

    @property
    def readers(self) -> list[Reader]:
        return list(self._readers.values())

    def suffixes(self) -> frozenset[str]:
        """Every suffix some reader takes (what a drop or the file dialog may offer)."""
        return frozenset(suffix for reader in self._readers.values() for suffix in reader.suffixes)

    def accepts_name(self, path: Path) -> bool:
        """A cheap check on the name alone (no reading): could some reader take this file?"""
        return path.suffix.lower() in self.suffixes()

    def reader_for(self, path: Path) -> Reader | None:
        """The reader for this file: the first whose suffixes match and whose sniff (if any) accepts it."""
        suffix = path.suffix.lower()
        for reader in self._readers.values():
            if suffix in reader.suffixes and (reader.sniff is None or _sniffs(reader, path)):
                return reader
        return None

    def describe(self) -> str:
        """The formats in words, for messages: "PDF (.pdf), BibTeX (.bib, .bibtex)"."""
        return ", ".join(f"{reader.name} ({', '.join(sorted(reader.suffixes))})" for reader in self._readers.values())

    def file_filter(self) -> str:
        """A file-dialog filter for every importable suffix: "Papers (*.bib *.pdf);;All files (*)"."""
        patterns = " ".join(f"*{suffix}" for suffix in sorted(self.suffixes()))
        return f"Papers ({patterns});;All files (*)"


def _sniffs(reader: Reader, path: Path) -> bool:
    assert reader.sniff is not None
    try:
        return bool(reader.sniff(path))
    except OSError:
        return False


_DEFAULT = Registry()
_loaded = False
_lock = threading.Lock()


def register(reader: Reader) -> Reader:
    """Register a reader with the default registry (call it at the top level of a module in ingest/readers/)."""
    return _DEFAULT.register(reader)


def default_registry() -> Registry:
    """The registry with every reader module of litreview.ingest.readers imported (once)."""
    global _loaded
    with _lock:
        if not _loaded:
            package = importlib.import_module(READERS_PACKAGE)
            for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name):
                importlib.import_module(f"{READERS_PACKAGE}.{module.name}")
            _loaded = True
    return _DEFAULT
