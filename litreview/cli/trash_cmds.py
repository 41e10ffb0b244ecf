"""rm, trash, trash restore, trash empty: deleting papers, recoverably (issue #14)."""

from __future__ import annotations

import argparse

from litreview.cli.common import add_json_flag, open_from_args, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("rm", help="move papers to the trash (restore them with 'litreview trash restore')")
    p.add_argument("ids", metavar="ID", type=int, nargs="+")
    add_json_flag(p)
    p.set_defaults(handler=cmd_rm)

    trash = subparsers.add_parser("trash", help="list the trash; restore or empty it")
    add_json_flag(trash)
    trash.set_defaults(handler=cmd_trash_list)
    actions = trash.add_subparsers(dest="trash_command", metavar="ACTION")

    p = actions.add_parser("restore", help="bring papers back from the trash")
    p.add_argument("ids", metavar="ID", type=int, nargs="+")
    add_json_flag(p)
    p.set_defaults(handler=cmd_trash_restore)

    p = actions.add_parser("empty", help="delete what is in the trash for good")
    p.add_argument("--older-than", metavar="DAYS", type=float, default=None,
                   help="only papers deleted more than DAYS days ago")
    add_json_flag(p)
    p.set_defaults(handler=cmd_trash_empty)


def _changing_vectors(library):  # noqa: ANN001, ANN202 - a context manager keeping the ANN snapshots in step
    from litreview.index.upkeep import index_in_step

    return index_in_step(library)


def cmd_rm(args: argparse.Namespace) -> int:
    from litreview.cli import CommandError
    from litreview.library import trash

    with open_from_args(args, create=False) as library:
        try:
            with _changing_vectors(library):
                moved = trash.move_to_trash(library, args.ids)
            trash.empty_expired(library)
        except trash.UnknownPaper as exc:
            raise CommandError(exc.args[0]) from exc
    if args.json:
        print_json({"trashed": moved})
    else:
        print(f"moved {len(moved)} paper(s) to the trash (undo with: litreview trash restore "
              f"{' '.join(map(str, moved))})")
    return 0


def cmd_trash_list(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from litreview.library import trash

    with open_from_args(args, create=False, reads_only=True) as library:
        found = trash.entries(library)
    if args.json:
        print_json([asdict(entry) for entry in found])
    else:
        for e in found:
            print(f"{e.paper_id:>6}  {e.deleted_at}  {e.year or '----'}  {e.title or '(untitled)'}")
        if not found:
            print("the trash is empty")
    return 0


def cmd_trash_restore(args: argparse.Namespace) -> int:
    from litreview.cli import CommandError
    from litreview.library import trash

    with open_from_args(args, create=False) as library:
        try:
            with _changing_vectors(library):
                restored = trash.restore(library, args.ids)
        except trash.NotInTrash as exc:
            raise CommandError(exc.args[0]) from exc
    if args.json:
        print_json({"restored": [{"id": old, "now": new} for old, new in restored.items()]})
    else:
        for old, new in restored.items():
            print(f"restored paper {old}" + (f" as paper {new} (its id was taken)" if new != old else ""))
    return 0


def cmd_trash_empty(args: argparse.Namespace) -> int:
    from litreview.library import trash

    with open_from_args(args, create=False) as library:
        removed = trash.empty(library, older_than_days=args.older_than)
    if args.json:
        print_json({"deleted": removed})
    else:
        print(f"deleted {removed} paper(s) for good")
    return 0
