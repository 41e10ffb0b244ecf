"""Import bookkeeping: the `jobs` table (files an import queued, so an interrupted one resumes) and the
`import_log` (what happened to every file and entry, with the reason). Call inside `library.transaction()`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from litreview.library.db import Library


def queue_files(library: Library, paths: Iterable[Path], batch: str) -> None:
    """Queue files for an import (those already queued by an unfinished import are not queued twice). One row per
    file: a re-import replaces the file's finished row instead of adding another."""
    paths = list(paths)
    library.conn.executemany("DELETE FROM jobs WHERE path = ? AND state != 'queued'", [(str(p),) for p in paths])
    queued = {row[0] for row in library.conn.execute("SELECT path FROM jobs WHERE state = 'queued'")}
    library.conn.executemany(
        "INSERT INTO jobs (path, state, batch) VALUES (?, 'queued', ?)",
        [(str(p), batch) for p in paths if str(p) not in queued],
    )


def finish_file(library: Library, path: str, state: str, paper_id: int | None, reason: str | None) -> None:
    """A queued file was read ("extracted") or not ("failed")."""
    library.conn.execute(
        "UPDATE jobs SET state = ?, paper_id = ?, reason = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
        "WHERE path = ? AND state = 'queued'",
        (state, paper_id, reason, path),
    )


def queued_paths(library: Library) -> list[str]:
    """Files an interrupted import had queued but not finished: what resuming should import."""
    return [row[0] for row in library.conn.execute("SELECT DISTINCT path FROM jobs WHERE state = 'queued' ORDER BY id")]


def mark_embedded(conn: sqlite3.Connection, paper_ids: Iterable[int]) -> None:
    conn.executemany(
        "UPDATE jobs SET state = 'embedded' WHERE paper_id = ? AND state = 'extracted'", [(i,) for i in paper_ids]
    )


def mark_indexed(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE jobs SET state = 'indexed' WHERE state = 'embedded'")


def log_import(library: Library, batch: str, path: str, outcome: str, *, paper_id: int | None = None,
               reason: str | None = None, entry: str | None = None, line: int | None = None) -> None:
    """One line of the import log: outcome is imported, updated, duplicate, failed or warning."""
    library.conn.execute(
        "INSERT INTO import_log (batch, path, entry, line, outcome, paper_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (batch, path, entry, line, outcome, paper_id, reason),
    )


def close_jobs_without_work(library: Library, pending: set[int]) -> None:
    """Jobs whose paper has nothing left to embed (a re-imported duplicate, no text) are finished."""
    rows = library.conn.execute("SELECT id, paper_id FROM jobs WHERE state IN ('extracted', 'embedded')").fetchall()
    finished = [(job_id,) for job_id, paper_id in rows if paper_id not in pending]
    if finished:
        with library.transaction() as conn:
            conn.executemany("UPDATE jobs SET state = 'indexed' WHERE id = ?", finished)
