"""Notes on papers: the child notes a Zotero item brings (kept in step with Zotero) and the user's own.

Writes happen inside `library.transaction()` on the thread owning the library.
"""

from __future__ import annotations

from collections.abc import Sequence

from litreview.library.db import Library

USER = "user"


class PaperNotes:
    """Read and replace the notes of papers, per origin ('user' or 'zotero:<library uid>')."""

    def __init__(self, library: Library) -> None:
        self.library = library

    def notes(self, paper_id: int) -> list[tuple[str, str]]:
        """(origin, text) of the paper's notes, imported ones first in their source order, then the user's."""
        rows = self.library.conn.execute(
            "SELECT origin, text FROM paper_notes WHERE paper_id = ? ORDER BY origin = 'user', origin, position, id",
            (paper_id,),
        ).fetchall()
        return [(origin, text) for origin, text in rows]

    def add(self, paper_id: int, text: str, origin: str = USER) -> None:
        with self.library.transaction() as conn:
            position = conn.execute(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM paper_notes WHERE paper_id = ? AND origin = ?",
                (paper_id, origin),
            ).fetchone()[0]
            conn.execute("INSERT INTO paper_notes (paper_id, origin, text, position) VALUES (?, ?, ?, ?)",
                         (paper_id, origin, text, position))  # fmt: skip

    def replace(self, paper_id: int, origin: str, texts: Sequence[str]) -> bool:
        """Make the paper's notes of `origin` exactly `texts` (an import's notes); the user's are never touched.
        Returns whether anything changed."""
        if origin == USER:
            raise ValueError("imported notes cannot replace the user's own")
        current = [text for o, text in self.notes(paper_id) if o == origin]
        if current == list(texts):
            return False
        with self.library.transaction() as conn:
            conn.execute("DELETE FROM paper_notes WHERE paper_id = ? AND origin = ?", (paper_id, origin))
            conn.executemany("INSERT INTO paper_notes (paper_id, origin, text, position) VALUES (?, ?, ?, ?)",
                             [(paper_id, origin, text, i) for i, text in enumerate(texts)])  # fmt: skip
        return True

    def has_user_notes(self, paper_id: int) -> bool:
        return self.library.conn.execute(
            "SELECT 1 FROM paper_notes WHERE paper_id = ? AND origin = 'user' LIMIT 1", (paper_id,)
        ).fetchone() is not None
