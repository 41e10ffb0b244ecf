"""Search results and other tools' exports: RIS (Scopus, Web of Science, Embase, PubMed, Ovid, ProQuest, Zotero),
PubMed MEDLINE, OpenAlex works JSON (API pages, JSONL, zips of pages) and CSV/TSV tables with title and abstract
columns. The parsing lives in litreview.ingest.{ris, medline, openalex, table}; this module tells the registry
which files each takes. Suffixes that several formats share (.txt, .json, .jsonl, .zip) are decided by content.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from types import ModuleType

from litreview.ingest import medline, openalex, ris, table
from litreview.ingest.registry import Reader, register

_HEAD_BYTES = 64 * 1024
_AMBIGUOUS = {".txt", ".json", ".jsonl", ".zip"}


def _head(path: Path) -> str:
    """The first bytes of a file as text (of the first JSON member for a zip); "" when unreadable."""
    try:
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as archive:
                name = next((n for n in archive.namelist() if n.lower().endswith((".json", ".jsonl"))), None)
                if name is None:
                    return ""
                with archive.open(name) as member:
                    return member.read(_HEAD_BYTES).decode("utf-8", errors="replace")
        with open(path, "rb") as handle:
            return handle.read(_HEAD_BYTES).decode("utf-8", errors="replace")
    except (OSError, zipfile.BadZipFile):
        return ""


def _register(name: str, module: ModuleType) -> Reader:
    def sniff(path: Path) -> bool:
        return path.suffix.lower() not in _AMBIGUOUS or bool(module.sniff(_head(path)))

    return register(Reader(name, module.SUFFIXES, read=module.read, sniff=sniff))


RIS = _register("RIS", ris)
MEDLINE = _register("MEDLINE", medline)
OPENALEX = _register("OpenAlex", openalex)
TABLE = _register("CSV/TSV", table)
