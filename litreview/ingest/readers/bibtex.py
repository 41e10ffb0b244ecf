"""BibTeX: many entries per file; the files of one import are read together so @string macros and crossref
targets resolve across them (litreview.ingest.bibtex)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from litreview.ingest.registry import Reader, ReadResult, register


def read(paths: Sequence[Path], encoding: str | None = None) -> ReadResult:
    from litreview.ingest.bibtex import parse_bibtex_files

    parsed = parse_bibtex_files(paths, encoding=encoding)
    return ReadResult(parsed.records, parsed.errors, parsed.entries_seen, list(parsed.notices))


READER = register(Reader("BibTeX", frozenset({".bib", ".bibtex"}), read=read))
