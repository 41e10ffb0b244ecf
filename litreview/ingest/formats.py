"""Which record reader (RIS, MEDLINE, OpenAlex, CSV/TSV) reads a file: by suffix, confirmed by content.

A stand-in for the importer registry: `reader_for(path)` returns the reader module (with `read(paths) ->
ReadResult`) or None when no record reader claims the file.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from types import ModuleType

__all__ = ["RECORD_SUFFIXES", "reader_for"]

RECORD_SUFFIXES = frozenset({".ris", ".nbib", ".medline", ".txt", ".json", ".jsonl", ".zip", ".csv", ".tsv", ".tab"})
_HEAD_BYTES = 64 * 1024


def _head(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(_HEAD_BYTES)
    except OSError:
        return ""
    return raw.decode("utf-8", errors="replace")


def _zip_head(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            name = next((n for n in archive.namelist() if n.lower().endswith((".json", ".jsonl"))), None)
            if name is None:
                return ""
            with archive.open(name) as member:
                return member.read(_HEAD_BYTES).decode("utf-8", errors="replace")
    except (OSError, zipfile.BadZipFile):
        return ""


def reader_for(path: Path) -> ModuleType | None:
    """The reader module for `path`, or None. Content decides for .txt (RIS or MEDLINE) and JSON/zip (OpenAlex)."""
    from litreview.ingest import medline, openalex, ris, table

    suffix = path.suffix.lower()
    if suffix not in RECORD_SUFFIXES:
        return None
    if suffix == ".ris":
        return ris
    if suffix in (".nbib", ".medline"):
        return medline
    if suffix in (".csv", ".tsv", ".tab"):
        return table
    if suffix == ".zip":
        return openalex if openalex.sniff(_zip_head(path)) else None
    head = _head(path)
    if suffix in (".json", ".jsonl"):
        return openalex if openalex.sniff(head) else None
    for module in (ris, medline):  # .txt
        if module.sniff(head):
            return module
    return None
