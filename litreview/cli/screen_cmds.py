"""`litreview screen ...`: screening projects (candidates, decisions, undo, ranking, exports, PRISMA counts) and
the SYNERGY simulation behind `litreview eval --synergy`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from litreview.cli.common import add_command, handle_ctrl_c, open_from_args, print_json, warn
from litreview.core.text import count_of


def register(subparsers: argparse._SubParsersAction) -> None:
    screen = subparsers.add_parser("screen", help="screen candidates: include / exclude / maybe, ranked as you go")
    sub = screen.add_subparsers(dest="screen_command", metavar="ACTION", required=True)

    p = add_command(sub, "new", _new, "start a screening project", "name")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--last-import", action="store_true", help="the papers the latest import brought")
    which.add_argument("--batch", metavar="ID", help="the papers of this import batch")
    which.add_argument("--ids", metavar="ID", type=int, nargs="+", help="these papers")
    which.add_argument("--all", action="store_true", help="the whole library")
    add_command(sub, "list", _list, "screening projects and their counts")
    p = add_command(sub, "next", _next, "the undecided candidates, ranked by a model trained on the decisions so far",
                    "name")
    p.add_argument("-n", type=int, default=10, help="how many (default 10)")
    p.add_argument("--no-embed", action="store_true", help="rank without the library's embedding vectors")
    for decision in ("include", "exclude", "maybe"):
        p = add_command(sub, decision, _decide, f"decide '{decision}' on one or more papers", "name", "ids",
                        decision=decision)
        p.add_argument("--reason", help="why (kept with the decision)")
    add_command(sub, "undo", _undo, "undo the latest decision", "name")
    p = add_command(sub, "export", _export, "decisions as CSV, or the included papers as RIS / BibTeX", "name",
                    json_flag=False)
    p.add_argument("--format", choices=("csv", "ris", "bibtex"), default="csv",
                   help="csv: every candidate with its decision; ris/bibtex: the included papers")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="output file ('-' for stdout)")
    add_command(sub, "prisma", _prisma, "the screening-stage counts of a PRISMA flow diagram", "name")
    add_command(sub, "delete", _delete, "delete a screening project (the papers stay)", "name", json_flag=False)


def _project(library, name: str) -> int:
    from litreview.cli import CommandError
    from litreview.library.screening import ScreeningError, project_id

    try:
        return project_id(library, name)
    except ScreeningError as exc:
        raise CommandError(str(exc)) from exc


def _new(args: argparse.Namespace) -> int:
    from litreview.cli import CommandError
    from litreview.library import screening

    library = open_from_args(args)
    try:
        source = None
        if args.ids:
            ids = args.ids
        elif args.all:
            ids, source = [r[0] for r in library.conn.execute("SELECT id FROM papers ORDER BY id")], "library"
        else:
            batch = args.batch
            if batch is None:
                row = library.conn.execute(
                    "SELECT batch FROM import_log WHERE paper_id IS NOT NULL ORDER BY id DESC LIMIT 1").fetchone()
                if row is None:
                    raise CommandError("nothing imported yet")
                batch = row[0]
            ids, source = screening.batch_paper_ids(library, batch), f"import {batch}"
        if not ids:
            raise CommandError("no candidate papers")
        try:
            project = screening.create_project(library, args.name, ids, source=source)
        except screening.ScreeningError as exc:
            raise CommandError(str(exc)) from exc
        count = len(screening.candidates(library, project))
    finally:
        library.close()
    if args.json:
        print_json({"id": project, "name": args.name, "candidates": count})
    else:
        print(f"screening project {args.name!r}: {count} candidates")
    return 0


def _list(args: argparse.Namespace) -> int:
    from litreview.library.screening import projects

    library = open_from_args(args, read_only=True, create=False)
    try:
        rows = projects(library)
    finally:
        library.close()
    if args.json:
        print_json(rows)
    for r in rows if not args.json else ():
        print(f"{r['name']}: {r['included']} included, {r['excluded']} excluded, {r['maybe']} maybe, "
              f"{r['unscreened']} left of {r['candidates']}")
    return 0


def _next(args: argparse.Namespace) -> int:
    library = open_from_args(args, read_only=True, create=False)
    try:
        from litreview.analysis.screening_rank import rank_project

        project = _project(library, args.name)
        ranked = rank_project(library, project, use_vectors=not args.no_embed, isolated=False)[: max(args.n, 0)]
        titles = dict(library.conn.execute("SELECT id, title FROM papers").fetchall())
    finally:
        library.close()
    items = [{"id": p, "score": round(s, 4), "title": titles.get(p)} for p, s in ranked]
    if args.json:
        print_json(items)
    for item in items if not args.json else ():
        print(f"[{item['id']}] {item['score']:+.3f}  {item['title'] or '(untitled)'}")
    return 0


def _decide(args: argparse.Namespace) -> int:
    from litreview.cli import CommandError
    from litreview.library.screening import ScreeningError, decide

    library = open_from_args(args, create=False)
    try:
        project = _project(library, args.name)
        acts = []
        for paper_id in args.ids:
            try:
                acts.append(decide(library, project, paper_id, args.decision, args.reason))
            except ScreeningError as exc:
                raise CommandError(str(exc)) from exc
    finally:
        library.close()
    if args.json:
        print_json({"decision": args.decision, "ids": args.ids})
    else:
        warn(f"{args.decision}: {count_of(len(acts), 'paper')}")
    return 0


def _undo(args: argparse.Namespace) -> int:
    from litreview.library.screening import undo_last_decision

    library = open_from_args(args, create=False)
    try:
        undone = undo_last_decision(library, _project(library, args.name))
    finally:
        library.close()
    result = None if undone is None else {"id": undone.paper_id, "decision": undone.decision, "at": undone.at}
    if args.json:
        print_json({"undone": result})
    else:
        warn("nothing to undo" if result is None else f"undone: {result['decision']} of paper {result['id']}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from litreview.analysis.screening_rank import export_decisions
    from litreview.cli import CommandError

    library = open_from_args(args, read_only=True, create=False)
    try:
        data = export_decisions(library, _project(library, args.name), args.format)
    finally:
        library.close()
    if args.output == "-":
        sys.stdout.buffer.write(data)
        return 0
    try:
        Path(args.output).expanduser().write_bytes(data)
    except OSError as exc:
        raise CommandError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
    warn(f"wrote {args.output}")
    return 0


def _prisma(args: argparse.Namespace) -> int:
    from litreview.library.screening import prisma_counts

    library = open_from_args(args, read_only=True, create=False)
    try:
        counts = prisma_counts(library, _project(library, args.name))
    finally:
        library.close()
    if args.json:
        print_json(counts)
    for key, value in counts.items() if not args.json else ():
        print(f"{key.replace('_', ' ')}: {'-' if value is None else value}")
    return 0


def _delete(args: argparse.Namespace) -> int:
    from litreview.library.screening import delete_project

    library = open_from_args(args, create=False)
    try:
        delete_project(library, _project(library, args.name))
    finally:
        library.close()
    return 0


# --- eval --synergy ---------------------------------------------------------------------------------------
def synergy_folders(root: Path) -> list[Path]:
    """The review itself when `root` has labels.csv, else its sub-folders that do (sorted)."""
    if (root / "labels.csv").is_file():
        return [root]
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "labels.csv").is_file()) if root.is_dir() else []


def run_synergy_cli(args: argparse.Namespace) -> int:
    from litreview.analysis.screening_eval import SynergyFormatError, run_synergy_eval
    from litreview.cli import CommandError
    from litreview.core.progress import Cancelled

    folders = synergy_folders(Path(args.synergy).expanduser())
    if not folders:
        raise CommandError(f"no SYNERGY review (labels.csv + works_*.zip) in {args.synergy}")
    if args.seeds < 1:
        raise CommandError("--seeds must be at least 1")
    priors = None
    if args.priors:
        try:
            priors = json.loads(Path(args.priors).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read --priors {args.priors}: {exc}") from exc
        if not isinstance(priors, dict):
            raise CommandError('--priors: expected {"0": [included_id, excluded_id], ...}')
    from litreview.analysis.screening import RankerConfig

    embedder = None
    if not args.no_embed and RankerConfig().embedding_weight > 0:  # the default ranker may not use vectors
        from litreview.embedding import ModelNotAvailable, load_embedder

        try:
            with handle_ctrl_c():  # Ctrl-C while torch loads ends the command cleanly
                embedder = load_embedder(args.model, device=args.device or "cpu")
        except (ModelNotAvailable, ValueError, TypeError) as exc:
            raise CommandError(str(exc)) from exc
    for folder in folders:
        try:
            result = run_synergy_eval(folder, seeds=args.seeds, priors=priors, embedder=embedder,
                                      workdir=args.workdir)
        except SynergyFormatError as exc:
            raise CommandError(str(exc)) from exc
        except Cancelled:
            return 130
        if not args.json:
            result.pop("per_seed")
        print_json(result)
        sys.stdout.flush()
    return 0
