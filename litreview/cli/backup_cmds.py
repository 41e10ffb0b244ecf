"""backup, backups, restore: copies of the library through SQLite's backup API (issue #14)."""

from __future__ import annotations

import argparse
from pathlib import Path

from litreview.cli.common import add_command, open_from_args, print_json, print_result, print_rows


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(subparsers, "backup", cmd_backup, "copy the library (into its backups folder, or to PATH)")
    p.add_argument("path", nargs="?", type=Path, help="where to write the copy (default: the backups folder)")
    add_command(subparsers, "backups", cmd_backups, "list the library's backups, newest first")
    p = add_command(
        subparsers, "restore", cmd_restore, "replace the library by a backup (the current one is kept aside)"
    )
    p.add_argument("path", type=Path, help="the backup to restore")


def _library_path(args: argparse.Namespace) -> Path:
    from litreview.library.db import default_library_path

    return Path(args.library).expanduser() if args.library else default_library_path()


def cmd_backup(args: argparse.Namespace) -> int:
    from litreview.cli import CommandError
    from litreview.library.backup import copy_database, take_backup

    # Read-only: a backup never needs ownership, so it also works while the window has the library open.
    with open_from_args(args, read_only=True) as library:
        if args.path is None:
            written = take_backup(library.conn, library.path, "manual")
        else:
            target = args.path.expanduser()
            if target.exists():
                raise CommandError(f"{target} exists; choose a new file name")
            written = copy_database(library.conn, target)
    result = {"library": str(library.path), "backup": str(written), "bytes": written.stat().st_size}
    return print_result(
        args, result, f"backed up {result['library']} to {result['backup']} ({result['bytes'] / 2**20:.1f} MiB)"
    )


def cmd_backups(args: argparse.Namespace) -> int:
    from litreview.library.backup import backups_of

    found = [
        {"path": str(b.path), "taken_at": b.taken_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "reason": b.reason,
         "bytes": b.size}
        for b in backups_of(_library_path(args))
    ]
    print_rows(args, found, lambda b: f"{b['taken_at']}  {b['reason']:<14} {b['bytes'] / 2**20:8.1f} MiB  {b['path']}",
               "no backups yet")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from litreview.cli import CommandError
    from litreview.library.backup import restore
    from litreview.library.errors import LibraryError

    try:
        result = restore(args.path.expanduser(), _library_path(args))
    except LibraryError as exc:
        raise CommandError(str(exc)) from exc
    if args.json:
        print_json(result)
    else:
        print(f"restored {result['library']} from {result['restored_from']}")
        if "previous_saved_as" in result:
            print(f"the library as it was is saved as {result['previous_saved_as']}")
        if "damaged_moved_to" in result:
            print(f"the damaged library was moved to {result['damaged_moved_to']}")
    return 0
