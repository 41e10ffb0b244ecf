"""The passages of each paper's PDF (issue 19): stored, listed and read back with their page anchors."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from litreview.library.db import Library

MAX_PASSAGES_SETTING = "fulltext_max_passages"
DEFAULT_MAX_PASSAGES = 300


@dataclass(frozen=True)
class StoredPassage:
    id: int
    paper_id: int
    seq: int
    page: int  # from 1
    kind: str
    section: str | None
    text: str
    boxes: tuple[tuple[float, float, float, float], ...]


def max_passages(library: Library) -> int:
    """The library's bound on passages per PDF (setting `fulltext_max_passages`, default 300)."""
    value = library.get_setting(MAX_PASSAGES_SETTING)
    try:
        return max(1, int(value)) if value else DEFAULT_MAX_PASSAGES
    except ValueError:
        return DEFAULT_MAX_PASSAGES


class PassageRepository:
    """Reads and writes `passages` and `passage_sources`. Callers wrap writes in library.transaction()."""

    def __init__(self, library: Library) -> None:
        self.library = library

    def replace(
        self,
        paper_id: int,
        sha256: str,
        splitter: str,
        passages: Sequence[object],
        *,
        pages: int,
        truncated: bool,
        skipped: Sequence[tuple[int, str]],
    ) -> int:
        """Put `passages` (ingest.pdf.passages.Passage) in place of the paper's old ones; returns how many."""
        conn = self.library.conn
        conn.execute("DELETE FROM passages WHERE paper_id = ?", (paper_id,))
        conn.executemany(
            "INSERT INTO passages (paper_id, seq, page, kind, section, text, boxes) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (paper_id, seq, p.page, p.kind, p.section, p.text, json.dumps([list(box) for box in p.boxes]))
                for seq, p in enumerate(passages)
            ],
        )
        conn.execute(
            "INSERT OR REPLACE INTO passage_sources (paper_id, sha256, splitter, passages, pages, truncated, skipped) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (paper_id, sha256, splitter, len(passages), pages, int(truncated), json.dumps([list(s) for s in skipped])),
        )
        return len(passages)

    def sources(self) -> dict[int, tuple[str, str]]:
        """paper id -> (sha256, splitter) of every paper already split."""
        rows = self.library.conn.execute("SELECT paper_id, sha256, splitter FROM passage_sources").fetchall()
        return {int(pid): (str(sha), str(splitter)) for pid, sha, splitter in rows}

    def get(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        """The passages with these ids."""
        found: dict[int, StoredPassage] = {}
        unique = sorted({int(i) for i in ids})
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.library.conn.execute(
                f"SELECT id, paper_id, seq, page, kind, section, text, boxes FROM passages WHERE id IN ({marks})",
                chunk,
            ).fetchall()
            for row in rows:
                found[int(row[0])] = _stored(row)
        return found

    def of_paper(self, paper_id: int) -> list[StoredPassage]:
        rows = self.library.conn.execute(
            "SELECT id, paper_id, seq, page, kind, section, text, boxes FROM passages WHERE paper_id = ? ORDER BY seq",
            (paper_id,),
        ).fetchall()
        return [_stored(row) for row in rows]

    def texts(self) -> list[tuple[int, str]]:
        """(passage id, text) of every passage, by id."""
        return [(int(i), str(t)) for i, t in self.library.conn.execute("SELECT id, text FROM passages ORDER BY id")]

    def count(self) -> int:
        return int(self.library.conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0])


def _stored(row: Sequence) -> StoredPassage:
    boxes = tuple(tuple(float(v) for v in box) for box in json.loads(row[7] or "[]"))
    return StoredPassage(int(row[0]), int(row[1]), int(row[2]), int(row[3]), str(row[4]), row[5], str(row[6]), boxes)


# What full text costs, used until the library has split enough PDFs of its own to measure. Passages per PDF
# and bytes per passage: benchmarks/passages.py --limit 30 on the shared PDFs (2,535 passages from 30 PDFs,
# 14.2 MB with text, FTS5, boxes, 384-dim float32 vectors and the HNSW snapshot). Speed: the MiniLM preset's
# CPU figure for abstract-length texts (passages are about as long: median 199 tokens).
TYPICAL_PASSAGES_PER_PDF = 85
TYPICAL_BYTES_PER_PASSAGE = 5_600
TYPICAL_PASSAGES_PER_S = 20.0


def fulltext_cost(library: Library, pdf_count: int, *, passages_per_s: float | None = None) -> dict:
    """What turning full text on for `pdf_count` PDFs costs: {"passages", "bytes", "seconds", "measured"},
    from this library's own split PDFs when it has at least 5, else from the typical figures above."""
    row = library.conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(passages), 0) FROM passage_sources WHERE passages > 0"
    ).fetchone()
    per_pdf, per_passage, measured = float(TYPICAL_PASSAGES_PER_PDF), float(TYPICAL_BYTES_PER_PASSAGE), False
    if row[0] >= 5:
        per_pdf = min(row[1] / row[0], max_passages(library))
        measured = True
    passages = int(round(per_pdf * pdf_count))
    speed = passages_per_s or TYPICAL_PASSAGES_PER_S
    return {"passages": passages, "bytes": int(passages * per_passage), "seconds": passages / speed,
            "measured": measured}
