"""rm, trash, trash restore, trash empty: deleting papers, recoverably (issue #14)."""

from __future__ import annotations

import argparse

from litreview.cli.common import add_command, changing_papers, list_rows, open_from_args, print_result
from litreview.core.text import count_of


def register(subparsers: argparse._SubParsersAction) -> None:
    add_command(
        subparsers, "rm", cmd_rm, "move papers to the trash (restore them with 'litreview trash restore')", "ids"
    )
    trash = add_command(subparsers, "trash", cmd_trash_list, "list the trash; restore or empty it")
    actions = trash.add_subparsers(dest="trash_command", metavar="ACTION")
    add_command(actions, "restore", cmd_trash_restore, "bring papers back from the trash", "ids")
    p = add_command(actions, "empty", cmd_trash_empty, "delete what is in the trash for good")
    p.add_argument("--older-than", metavar="DAYS", type=float, default=None,
                   help="only papers deleted more than DAYS days ago")


def cmd_rm(args: argparse.Namespace) -> int:
    from litreview.library import trash

    with changing_papers(args, trash.UnknownPaper) as library:
        moved = trash.move_to_trash(library, args.ids)
        trash.empty_expired(library)
    undo = f"undo with: litreview trash restore {' '.join(map(str, moved))}"
    return print_result(args, {"trashed": moved}, f"moved {count_of(len(moved), 'paper')} to the trash ({undo})")


def cmd_trash_list(args: argparse.Namespace) -> int:
    from litreview.library import trash

    return list_rows(args, trash.entries, lambda e: f"{e.paper_id:>6}  {e.deleted_at}  {e.year or '----'}  "
                                                    f"{e.title or '(untitled)'}", "the trash is empty")


def cmd_trash_restore(args: argparse.Namespace) -> int:
    from litreview.library import trash

    with changing_papers(args, trash.NotInTrash) as library:
        restored = trash.restore(library, args.ids)
    return print_result(
        args, {"restored": [{"id": old, "now": new} for old, new in restored.items()]},
        "\n".join(f"restored paper {old}" + (f" as paper {new} (its id was taken)" if new != old else "")
                  for old, new in restored.items()),
    )


def cmd_trash_empty(args: argparse.Namespace) -> int:
    from litreview.library import trash

    with open_from_args(args, create=False) as library:
        removed = trash.empty(library, older_than_days=args.older_than)
    return print_result(args, {"deleted": removed}, f"deleted {count_of(removed, 'paper')} for good")
