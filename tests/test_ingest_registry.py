"""Importers by format: the registry chooses readers by suffix and content, and the import, the drop check and the
file dialog all take their formats from it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from litreview.core.paper import IngestError, ParsedPaper
from litreview.core.progress import drive
from litreview.ingest.registry import Reader, ReadResult, Registry, default_registry
from litreview.pipeline.importer import collect_paths, run_import


def read_lines(paths: Sequence[Path], encoding: str | None = None) -> ReadResult:
    """A record reader: one paper per 'title<TAB>abstract' line; a line without a tab is an error."""
    result = ReadResult()
    seen = 0
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            seen += 1
            title, tab, abstract = line.partition("\t")
            if not tab:
                result.errors.append(IngestError(str(path), "no tab on this line", line=number))
            else:
                result.records.append(ParsedPaper(source="lines", title=title, abstract=abstract,
                                                  origin=f"{path}:{number}"))
    return ReadResult(result.records, result.errors, seen)


def looks_like_lines(path: Path) -> bool:
    return "\t" in path.read_text(encoding="utf-8")[:200]


def test_the_default_registry_finds_the_reader_modules():
    readers = default_registry()
    assert {reader.name for reader in readers.readers} >= {"PDF", "BibTeX"}
    assert readers.suffixes() >= {".pdf", ".bib", ".bibtex"}
    assert readers.reader_for(Path("paper.PDF")).name == "PDF"
    assert readers.reader_for(Path("refs.bib")).name == "BibTeX"
    assert readers.reader_for(Path("notes.docx")) is None
    assert "*.pdf" in readers.file_filter() and "*.bibtex" in readers.file_filter()


def test_a_new_reader_is_one_registration_and_imports_end_to_end(library, tmp_path):
    readers = Registry(default_registry().readers)
    readers.register(Reader("Lines", frozenset({".txt"}), read=read_lines, sniff=looks_like_lines))
    good = tmp_path / "list.txt"
    good.write_text("Dark matter halos\tRotation curves.\nno tab here\nProtein folding\tGraph networks.\n")
    prose = tmp_path / "notes.txt"
    prose.write_text("Just some notes, not a list of papers.\n")

    found = collect_paths([tmp_path], readers)
    assert found.files == {"Lines": [good.resolve()]}  # the sniff turned the prose away
    summary = drive(run_import(library, [good, prose], readers=readers))
    assert summary.imported == 2
    failed = {Path(error.path).name: (error.reason, error.line) for error in summary.failed}
    assert failed["list.txt"] == ("no tab on this line", 2)
    assert "Lines (.txt)" in failed["notes.txt"][0]  # named on its own, prose is refused with the formats
    assert len(failed) == 2
    titles = {row["title"] for row in library.query("SELECT title FROM papers")}
    assert titles == {"Dark matter halos", "Protein folding"}


def test_the_main_windows_drop_check_follows_the_registry(tmp_path, monkeypatch):
    from litreview.gui import main_window
    from litreview.ingest import registry

    dropped = [tmp_path / "a.pdf", tmp_path / "b.bibtex", tmp_path / "c.ris", tmp_path / "d.lines", tmp_path]
    assert main_window.importable_paths(dropped) == [dropped[0], dropped[1], dropped[2], tmp_path]
    extended = Registry(default_registry().readers)
    extended.register(Reader("Lines", frozenset({".lines"}), read=read_lines))
    monkeypatch.setattr(registry, "default_registry", lambda: extended)
    assert main_window.importable_paths(dropped) == dropped
