"""Screening projects in the library: named candidate sets and the include / exclude / maybe decisions on them.

Every write is one transaction (a crash loses at most the act in flight). Decisions are an append-only log:
a paper's current decision is its latest act not undone; `undo_last_decision` marks the project's latest act
undone, so the history stays and undo can be repeated act by act.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from litreview.library.db import Library

__all__ = [
    "DECISIONS", "Decision", "ScreeningError", "add_candidates", "batch_paper_ids", "candidates", "create_project",
    "current_decisions", "decide", "decisions_csv", "delete_project", "prisma_counts", "project_id", "projects",
    "undo_last_decision",
]  # fmt: skip

DECISIONS = ("include", "exclude", "maybe")


class ScreeningError(ValueError):
    """A screening request that cannot be done (unknown project, paper not a candidate, bad decision)."""


@dataclass(frozen=True)
class Decision:
    paper_id: int
    decision: str
    reason: str | None
    at: str
    act: int  # the act's id: increasing over the project's history


def create_project(library: Library, name: str, paper_ids: Iterable[int] = (), *, source: str | None = None) -> int:
    """A new project called `name` with these candidates (in this order). Raises ScreeningError if it exists."""
    name = name.strip()
    if not name:
        raise ScreeningError("a screening project needs a name")
    with library.transaction() as conn:
        if conn.execute("SELECT 1 FROM screening_projects WHERE name = ?", (name,)).fetchone():
            raise ScreeningError(f"a screening project called {name!r} exists already")
        project = int(conn.execute("INSERT INTO screening_projects (name, source) VALUES (?, ?)",
                                   (name, source)).lastrowid)
    add_candidates(library, project, paper_ids)
    return project


def add_candidates(library: Library, project: int, paper_ids: Iterable[int]) -> int:
    """Add papers to a project's candidates (papers already there, or unknown, are skipped). Returns how many."""
    ids = list(dict.fromkeys(int(p) for p in paper_ids))
    with library.transaction() as conn:
        known = {row[0] for row in conn.execute("SELECT id FROM papers")}
        start = conn.execute("SELECT coalesce(max(position), 0) FROM screening_candidates WHERE project_id = ?",
                             (project,)).fetchone()[0]
        before = conn.total_changes
        conn.executemany(
            "INSERT OR IGNORE INTO screening_candidates (project_id, paper_id, position) VALUES (?, ?, ?)",
            [(project, pid, start + i) for i, pid in enumerate((p for p in ids if p in known), start=1)],
        )
        return conn.total_changes - before


def batch_paper_ids(library: Library, batch: str | None = None) -> list[int]:
    """The papers an import batch brought (imported or merged), in log order; the latest batch when None."""
    if batch is None:
        row = library.conn.execute(
            "SELECT batch FROM import_log WHERE paper_id IS NOT NULL ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            return []
        batch = row[0]
    rows = library.conn.execute(
        "SELECT paper_id FROM import_log WHERE batch = ? AND paper_id IS NOT NULL "
        "AND outcome IN ('imported', 'updated', 'duplicate') ORDER BY id", (batch,))
    return list(dict.fromkeys(int(r[0]) for r in rows))


def projects(library: Library) -> list[dict]:
    """Every project with its counts: candidates, included, excluded, maybe, unscreened."""
    out = []
    for pid, name, source, created in library.conn.execute(
            "SELECT id, name, source, created_at FROM screening_projects ORDER BY id").fetchall():
        out.append({"id": pid, "name": name, "source": source, "created_at": created, **_counts(library, pid)})
    return out


def project_id(library: Library, name_or_id: str | int) -> int:
    """The id of the project with this name (or id); ScreeningError when there is none."""
    row = library.conn.execute("SELECT id FROM screening_projects WHERE name = ?", (str(name_or_id),)).fetchone()
    if row is None and str(name_or_id).isdigit():
        row = library.conn.execute("SELECT id FROM screening_projects WHERE id = ?", (int(name_or_id),)).fetchone()
    if row is None:
        raise ScreeningError(f"no screening project {name_or_id!r}")
    return int(row[0])


def delete_project(library: Library, project: int) -> None:
    with library.transaction() as conn:
        conn.execute("DELETE FROM screening_projects WHERE id = ?", (project,))


def candidates(library: Library, project: int) -> list[int]:
    """The project's candidate papers in the order they were added."""
    rows = library.conn.execute(
        "SELECT paper_id FROM screening_candidates WHERE project_id = ? ORDER BY position", (project,))
    return [int(r[0]) for r in rows]


def decide(library: Library, project: int, paper_id: int, decision: str, reason: str | None = None) -> int:
    """Record a decision on a candidate; returns the act's id. A later decision on the same paper replaces it."""
    if decision not in DECISIONS:
        raise ScreeningError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    with library.transaction() as conn:
        if not conn.execute("SELECT 1 FROM screening_candidates WHERE project_id = ? AND paper_id = ?",
                            (project, paper_id)).fetchone():
            raise ScreeningError(f"paper {paper_id} is not a candidate of this project")
        return int(conn.execute(
            "INSERT INTO screening_decisions (project_id, paper_id, decision, reason) VALUES (?, ?, ?, ?)",
            (project, paper_id, decision, (reason or "").strip() or None)).lastrowid)


def undo_last_decision(library: Library, project: int) -> Decision | None:
    """Undo the project's latest act still in force; returns it (None when there is nothing to undo)."""
    with library.transaction() as conn:
        row = conn.execute(
            "SELECT id, paper_id, decision, reason, at FROM screening_decisions "
            "WHERE project_id = ? AND undone_at IS NULL ORDER BY id DESC LIMIT 1", (project,)).fetchone()
        if row is None:
            return None
        conn.execute("UPDATE screening_decisions SET undone_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
                     (row[0],))
    return Decision(paper_id=int(row[1]), decision=row[2], reason=row[3], at=row[4], act=int(row[0]))


def current_decisions(library: Library, project: int) -> dict[int, Decision]:
    """paper id -> its decision in force, in the order the decisions were made."""
    rows = library.conn.execute(
        "SELECT d.id, d.paper_id, d.decision, d.reason, d.at FROM screening_decisions d "
        "JOIN screening_candidates c ON c.project_id = d.project_id AND c.paper_id = d.paper_id "
        "WHERE d.project_id = ? AND d.undone_at IS NULL ORDER BY d.id", (project,))
    latest: dict[int, Decision] = {}
    for act, paper_id, decision, reason, at in rows:
        latest.pop(int(paper_id), None)  # re-insert so the dict keeps the order of the latest acts
        latest[int(paper_id)] = Decision(int(paper_id), decision, reason, at, int(act))
    return dict(sorted(latest.items(), key=lambda item: item[1].act))


def _counts(library: Library, project: int) -> dict[str, int]:
    decided = current_decisions(library, project)
    total = len(candidates(library, project))
    counts = {name: sum(1 for d in decided.values() if d.decision == name) for name in DECISIONS}
    return {"candidates": total, "included": counts["include"], "excluded": counts["exclude"],
            "maybe": counts["maybe"], "unscreened": total - len(decided)}


def prisma_counts(library: Library, project: int) -> dict[str, int | None]:
    """The screening-stage counts of a PRISMA 2020 flow diagram for this project.

    records_identified: rows the import batch read (when the project came from one; else the candidates);
    duplicates_removed: of those, merged into papers already there; records_screened: candidates decided;
    records_excluded; records_maybe (awaiting a second look); reports_sought (included: to read in full);
    records_not_screened."""
    counts = _counts(library, project)
    source = library.conn.execute("SELECT source FROM screening_projects WHERE id = ?", (project,)).fetchone()[0]
    identified, duplicates = counts["candidates"], None
    if source and source.startswith("import "):
        batch = source.split(" ", 1)[1]
        rows = dict(library.conn.execute(
            "SELECT outcome, count(*) FROM import_log WHERE batch = ? GROUP BY outcome", (batch,)).fetchall())
        identified = sum(rows.get(k, 0) for k in ("imported", "updated", "duplicate"))
        duplicates = identified - counts["candidates"] if identified >= counts["candidates"] else None
    screened = counts["included"] + counts["excluded"] + counts["maybe"]
    return {
        "records_identified": identified,
        "duplicates_removed": duplicates,
        "records_screened": screened,
        "records_excluded": counts["excluded"],
        "records_maybe": counts["maybe"],
        "reports_sought": counts["included"],
        "records_not_screened": counts["unscreened"],
    }


def decisions_csv(library: Library, project: int) -> str:
    """Every candidate with its decision in force, reason and time (UTF-8 CSV; undecided rows left blank)."""
    from litreview.export.csv_writer import neutralise_formula

    decided = current_decisions(library, project)
    ids = candidates(library, project)
    titles = dict(library.conn.execute("SELECT id, title FROM papers").fetchall())
    meta = {row[0]: row[1:] for row in library.conn.execute("SELECT id, year, doi, pmid FROM papers")}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["paper_id", "title", "year", "doi", "pmid", "decision", "reason", "decided_at"])
    for pid in sorted(ids, key=lambda p: (decided[p].act if p in decided else 1 << 62, ids.index(p))):
        d = decided.get(pid)
        year, doi, pmid = meta.get(pid, (None, None, None))
        writer.writerow([pid, neutralise_formula(titles.get(pid) or ""), year or "", doi or "", pmid or "",
                         d.decision if d else "", neutralise_formula(d.reason or "") if d else "", d.at if d else ""])
    return out.getvalue()


def decided_ids(library: Library, project: int, decision: str) -> list[int]:
    """The papers with this decision in force, in decision order."""
    return [pid for pid, d in current_decisions(library, project).items() if d.decision == decision]


def labelled(library: Library, project: int) -> tuple[Sequence[int], Sequence[int]]:
    """(paper ids, 1/0) of the include/exclude decisions in force ("maybe" does not train the ranker)."""
    pairs = [(pid, 1 if d.decision == "include" else 0) for pid, d in current_decisions(library, project).items()
             if d.decision != "maybe"]
    return [p for p, _ in pairs], [y for _, y in pairs]
