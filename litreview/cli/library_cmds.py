"""init, info, list, show, doctor: the library itself."""

from __future__ import annotations

import argparse
import json
import sqlite3

from litreview.cli.common import add_command, open_from_args, print_json
from litreview.core.text import count_of


def register(subparsers: argparse._SubParsersAction) -> None:
    add_command(subparsers, "init", cmd_init, "create an empty library")

    add_command(subparsers, "info", cmd_info, "library path, counts, schema version, models indexed")

    p = add_command(subparsers, "list", cmd_list, "list the papers")
    p.add_argument("--limit", type=int, default=None, help="at most this many papers")

    p = add_command(subparsers, "show", cmd_show, "one paper in full")
    p.add_argument("id", type=int)

    add_command(subparsers, "doctor", cmd_doctor, "check the library's integrity, vectors and index")


def cmd_init(args: argparse.Namespace) -> int:
    with open_from_args(args) as library:
        result = {"library": str(library.path), "schema_version": library.schema_version}
    if args.json:
        print_json(result)
    else:
        print(f"library {result['library']} ready (schema version {result['schema_version']})")
    return 0


def _models(library) -> list[dict]:
    rows = library.query("SELECT model_id, dim, count(*) AS n FROM vectors GROUP BY model_id, dim ORDER BY model_id")
    return [{"model": r["model_id"], "dim": r["dim"], "vectors": r["n"]} for r in rows]


def cmd_info(args: argparse.Namespace) -> int:
    from litreview.library.settings import model_choice

    with open_from_args(args, create=False, reads_only=True) as library:
        conn = library.conn
        result = {
            "library": str(library.path),
            "schema_version": library.schema_version,
            "papers": conn.execute("SELECT count(*) FROM papers").fetchone()[0],
            "files": conn.execute("SELECT count(*) FROM files").fetchone()[0],
            "reading_lists": conn.execute("SELECT count(*) FROM reading_lists").fetchone()[0],
            "model": model_choice(library).name,
            "models": _models(library),
        }
    if args.json:
        print_json(result)
    else:
        print(f"library:  {result['library']} (schema {result['schema_version']})")
        print(f"papers:   {result['papers']}   files: {result['files']}   reading lists: {result['reading_lists']}")
        for model in result["models"]:
            print(f"vectors:  {model['vectors']} from {model['model']} ({model['dim']} dims)")
    return 0


def _files_by_paper(library) -> dict[int, list[str]]:
    files: dict[int, list[str]] = {}
    for paper_id, path in library.conn.execute(
        "SELECT paper_id, path FROM files WHERE paper_id IS NOT NULL ORDER BY id"
    ):
        files.setdefault(paper_id, []).append(path)
    return files


def cmd_list(args: argparse.Namespace) -> int:
    from litreview.library.papers import paper_summary

    with open_from_args(args, create=False, reads_only=True) as library:
        files = _files_by_paper(library)
        sql = "SELECT * FROM papers ORDER BY id" + (" LIMIT ?" if args.limit is not None else "")
        rows = library.query(sql, (args.limit,) if args.limit is not None else ())
        papers = [paper_summary(row, files.get(row["id"], [])) for row in rows]
    if args.json:
        print_json(papers)
    else:
        for paper in papers:
            authors = ", ".join(paper["authors"][:3]) + (" et al." if len(paper["authors"]) > 3 else "")
            print(f"{paper['id']:>6}  {paper['year'] or '----'}  {paper['title'] or '(untitled)'}  — {authors}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from litreview.cli import CommandError
    from litreview.library.papers import PaperRepository, paper_summary

    with open_from_args(args, create=False, reads_only=True) as library:
        repo = PaperRepository(library)
        try:
            row = repo.get_row(args.id)
        except KeyError as exc:
            from litreview.library.trash import in_trash

            if in_trash(library, args.id):
                raise CommandError(f"paper {args.id} is in the trash (litreview trash restore {args.id})") from exc
            raise CommandError(f"no paper with id {args.id}") from exc
        files = repo.files_of(args.id)
        paper = paper_summary(row, [f["path"] for f in files])
        for key, value in row.items():
            if key in ("original_fields", "confidence"):
                paper[key] = json.loads(value or "{}")
            elif key == "warnings":
                paper[key] = json.loads(value or "[]")
            elif key not in paper and key != "full_text":
                paper[key] = value
        paper["file_details"] = files
    if args.json:
        print_json(paper)
    else:
        for key, value in paper.items():
            if value not in (None, "", [], {}):
                print(f"{key}: {value}")
    return 0


def _papers_without_vectors(library) -> set[int]:
    """Papers with a title or abstract whose current text has no vector for the library's model and dim (none
    while the library has no model: nothing was ever embedded, as after imports with --no-embed only)."""
    model_id, dim = library.get_setting("model_id"), library.get_setting("dim")
    if not model_id or not dim:
        return set()
    from litreview.pipeline import pending_embeddings

    return {paper_id for paper_id, _, _ in pending_embeddings(library, model_id, int(dim))}


def _stale_job_rows(library, waiting: set[int]) -> list[str]:
    """Job rows an import left behind: finished files still marked in progress, and extra rows for one file.
    A file whose paper is `waiting` for its vector (or, in a library that never embedded, was only read) is not
    finished: the vectors' own problem line says what to run."""
    rows = library.conn.execute("SELECT state, paper_id FROM jobs WHERE state IN ('extracted', 'embedded')")
    never_embedded = not library.get_setting("model_id")
    unfinished = sum(
        1 for state, paper_id in rows
        if state == "embedded" or not (paper_id in waiting or never_embedded)
    )
    problems = []
    if unfinished:
        problems.append(
            f"{count_of(unfinished, 'import job row')} left in progress (extracted or embedded, never indexed); "
            "run 'litreview import --resume' to finish them"
        )
    extra = library.conn.execute("SELECT count(*) - count(DISTINCT path) FROM jobs").fetchone()[0]
    if extra:
        problems.append(
            f"{extra} extra import job rows for files imported more than once; importing those files again tidies them"
        )
    return problems


def cmd_doctor(args: argparse.Namespace) -> int:
    with open_from_args(args, create=False) as library:
        integrity = library.conn.execute("PRAGMA integrity_check").fetchall()
        integrity_text = "ok" if [r[0] for r in integrity] == ["ok"] else "; ".join(r[0] for r in integrity)
        problems: list[str] = []
        fk = library.conn.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            problems.append(f"{len(fk)} rows break foreign keys")
        try:
            library.conn.execute("INSERT INTO papers_fts(papers_fts, rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError as exc:
            problems.append(f"full-text index out of sync: {exc}")
        queued = library.conn.execute("SELECT count(*) FROM jobs WHERE state = 'queued'").fetchone()[0]
        if queued:
            problems.append(f"{queued} queued files from an interrupted import (run the import again to resume)")
        waiting = _papers_without_vectors(library)
        if waiting:
            problems.append(
                f"{count_of(len(waiting), 'paper')} {'has' if len(waiting) == 1 else 'have'} no vector for the "
                f"library's model {library.get_setting('model_id')} ({library.get_setting('dim')} dims); "
                "run 'litreview import --resume' to embed them"
            )
        problems.extend(_stale_job_rows(library, waiting))
        result = {
            "integrity": integrity_text,
            "papers": library.conn.execute("SELECT count(*) FROM papers").fetchone()[0],
            "vectors": library.conn.execute("SELECT count(*) FROM vectors").fetchone()[0],
            "trash": library.conn.execute("SELECT count(*) FROM trash").fetchone()[0],
            "index_consistent": True,
            "papers_without_vectors": len(waiting),
            "problems": problems,
        }
        try:
            from litreview.index.service import index_problems
        except ImportError:
            index_problems = None
        if index_problems is not None:
            index_report = index_problems(library)
            result["index_consistent"] = bool(index_report["index_consistent"])
            problems.extend(index_report["problems"])
    if args.json:
        print_json(result)
    else:
        print(f"integrity: {result['integrity']}")
        print(f"papers: {result['papers']}   vectors: {result['vectors']}   in the trash: {result['trash']}", end="   ")
        print(f"index consistent: {result['index_consistent']}")
        for problem in problems:
            print(f"problem: {problem}")
    return 0 if integrity_text == "ok" else 1
