"""merge, merges, split: two papers that are one work become one, and back (issue #14)."""

from __future__ import annotations

import argparse

from litreview.cli.common import add_json_flag, open_from_args, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("merge", help="merge paper OTHER_ID into KEEP_ID (undo with 'litreview split')")
    p.add_argument("keep_id", metavar="KEEP_ID", type=int)
    p.add_argument("other_id", metavar="OTHER_ID", type=int)
    add_json_flag(p)
    p.set_defaults(handler=cmd_merge)

    p = subparsers.add_parser("merges", help="the merges that can be split back")
    add_json_flag(p)
    p.set_defaults(handler=cmd_merges)

    p = subparsers.add_parser("split", help="undo a merge: both papers back as they were")
    p.add_argument("merge_id", metavar="MERGE_ID", type=int)
    add_json_flag(p)
    p.set_defaults(handler=cmd_split)


def cmd_merge(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from litreview.cli import CommandError
    from litreview.index.upkeep import index_in_step
    from litreview.library import merge

    with open_from_args(args, create=False) as library:
        try:
            with index_in_step(library):
                record = merge.merge_papers(library, args.keep_id, args.other_id)
        except merge.MergeError as exc:
            raise CommandError(str(exc)) from exc
    if args.json:
        print_json(asdict(record))
    else:
        changed = ", ".join(record.changed_fields) or "no field"
        print(f"merged paper {record.other_id} into {record.keep_id} ({changed} taken from it); "
              f"undo with: litreview split {record.merge_id}")
    return 0


def cmd_merges(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from litreview.library import merge

    with open_from_args(args, create=False, reads_only=True) as library:
        found = merge.merges(library)
    if args.json:
        print_json([asdict(record) for record in found])
    else:
        for r in found:
            print(f"{r.merge_id:>5}  {r.merged_at}  {r.other_id} -> {r.keep_id}  {r.title or '(untitled)'}")
        if not found:
            print("no merges to split")
    return 0


def cmd_split(args: argparse.Namespace) -> int:
    from litreview.cli import CommandError
    from litreview.index.upkeep import index_in_step
    from litreview.library import merge

    with open_from_args(args, create=False) as library:
        try:
            with index_in_step(library):
                keep_id, other_id = merge.split_merge(library, args.merge_id)
        except merge.MergeError as exc:
            raise CommandError(str(exc)) from exc
    if args.json:
        print_json({"keep_id": keep_id, "other_id": other_id})
    else:
        print(f"split merge {args.merge_id}: papers {keep_id} and {other_id} are apart again")
    return 0
