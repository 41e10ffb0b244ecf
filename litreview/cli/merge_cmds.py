"""merge, merges, split: two papers that are one work become one, and back (issue #14)."""

from __future__ import annotations

import argparse

from litreview.cli.common import add_command, changing_papers, list_rows, print_result


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(subparsers, "merge", cmd_merge, "merge paper OTHER_ID into KEEP_ID (undo with 'litreview split')")
    p.add_argument("keep_id", metavar="KEEP_ID", type=int)
    p.add_argument("other_id", metavar="OTHER_ID", type=int)
    add_command(subparsers, "merges", cmd_merges, "the merges that can be split back")
    p = add_command(subparsers, "split", cmd_split, "undo a merge: both papers back as they were")
    p.add_argument("merge_id", metavar="MERGE_ID", type=int)


def cmd_merge(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from litreview.library import merge

    with changing_papers(args, merge.MergeError) as library:
        record = merge.merge_papers(library, args.keep_id, args.other_id)
    changed = ", ".join(record.changed_fields) or "no field"
    return print_result(args, asdict(record), f"merged paper {record.other_id} into {record.keep_id} ({changed} "
                                              f"taken from it); undo with: litreview split {record.merge_id}")


def cmd_merges(args: argparse.Namespace) -> int:
    from litreview.library import merge

    return list_rows(args, merge.merges, lambda r: f"{r.merge_id:>5}  {r.merged_at}  {r.other_id} -> {r.keep_id}  "
                                                   f"{r.title or '(untitled)'}", "no merges to split")


def cmd_split(args: argparse.Namespace) -> int:
    from litreview.library import merge

    with changing_papers(args, merge.MergeError) as library:
        keep_id, other_id = merge.split_merge(library, args.merge_id)
    return print_result(args, {"keep_id": keep_id, "other_id": other_id},
                        f"split merge {args.merge_id}: papers {keep_id} and {other_id} are apart again")
