"""BibTeX round-trip check: export parsed records, parse the export again, count the fields that stayed equal.

Used by the benchmark and the tests (the floor: >= 99 % of fields equal on real files).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from litreview.core.paper import Paper, ParsedPaper

COMPARED_ATTRIBUTES = ("title", "authors", "year", "venue", "doi", "arxiv_id", "abstract", "keywords", "entry_type",
                       "citation_key", "file_paths")  # fmt: skip


@dataclass
class RoundTripReport:
    records: int
    fields_compared: int
    fields_equal: int
    lost_entries: int  # records that did not come back at all
    changed: Counter = field(default_factory=Counter)  # field name -> how many records changed it

    @property
    def share_equal(self) -> float:
        return self.fields_equal / self.fields_compared if self.fields_compared else 1.0


def paper_from_record(record: ParsedPaper, paper_id: int) -> Paper:
    """The Paper the library would hold for a freshly imported record (no merge)."""
    return Paper(
        id=paper_id, title=record.title, authors=record.authors, year=record.year, venue=record.venue,
        doi=record.doi, arxiv_id=record.arxiv_id, abstract=record.abstract, keywords=record.keywords,
        entry_type=record.entry_type, citation_key=record.citation_key, original_fields=dict(record.original_fields),
        files=record.file_paths, language=record.language,
    )  # fmt: skip


def _fields(record: ParsedPaper) -> dict[str, object]:
    values: dict[str, object] = {name: getattr(record, name) for name in COMPARED_ATTRIBUTES}
    for name, value in record.original_fields.items():
        values[f"original.{name}"] = value
    return {name: value for name, value in values.items() if value not in (None, "", (), [])}


def bibtex_round_trip(records: Sequence[ParsedPaper]) -> RoundTripReport:
    """Export `records` to BibTeX, parse the result, and compare record by record (export keeps the order)."""
    from litreview.export import export_papers
    from litreview.ingest.bibtex import parse_bibtex_files

    papers = [paper_from_record(record, index + 1) for index, record in enumerate(records)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.bib"
        path.write_bytes(export_papers(papers, "bibtex"))
        again = parse_bibtex_files([path])
    report = RoundTripReport(records=len(records), fields_compared=0, fields_equal=0,
                             lost_entries=max(0, len(records) - len(again.records)))  # fmt: skip
    for before, after in zip(records, again.records, strict=False):
        old, new = _fields(before), _fields(after)
        for name in old.keys() | new.keys():
            report.fields_compared += 1
            if old.get(name) == new.get(name):
                report.fields_equal += 1
            else:
                report.changed[name] += 1
    for before in records[len(again.records) :]:
        report.fields_compared += len(_fields(before))
    return report
