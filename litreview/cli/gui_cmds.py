"""`litreview gui` (and `litreview` with no command): open the main window."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("gui", help="open the main window (the default with no command)")
    parser.set_defaults(handler=run_gui)


def run_gui(args: argparse.Namespace) -> int:
    from litreview.app import run
    from litreview.cli import CommandError
    from litreview.library.db import LibraryError

    try:
        return run(args.library)
    except LibraryError as exc:
        raise CommandError(str(exc)) from exc
