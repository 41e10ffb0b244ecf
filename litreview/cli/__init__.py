"""The command line (docs/cli.md). Each command group lives in its own module with `register(subparsers)`.

Only argparse and the standard library are imported here, so `litreview --help` is instant; command modules
import heavy libraries inside their handlers.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# Modules under litreview.cli that each add their subcommands.
COMMAND_MODULES = (
    "library_cmds",
    "import_cmds",
    "extract_cmds",
    "embed_cmds",
    "index_cmds",
    "lists_cmds",
    "screen_cmds",
    "cluster_cmds",
    "refs_cmds",
    "gui_cmds",
    "selftest_cmds",
    "backup_cmds",
    "trash_cmds",
    "merge_cmds",
)


INTERRUPTED = "litreview: interrupted; what was done is kept. Run the same command again to finish."


class CommandError(Exception):
    """A command could not do its job; main() prints the message on one line and exits 1."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="litreview", description="Local-first literature review.")
    parser.add_argument(
        "--library", metavar="PATH", help="library file (default: $LITREVIEW_LIBRARY or the user data folder)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"litreview.cli.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C at any moment, start-up included: every write is a committed step
        print(INTERRUPTED, file=sys.stderr)
        return 130
    except BrokenPipeError:  # `litreview list | head`: the reader has gone; nothing more to say (Python's advice)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--self-test"]:  # the flag packagers and CI call; same as `litreview self-test`
        argv = ["self-test", *argv[1:]]
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # plain `litreview` (with or without --library) opens the window
        from litreview.cli.gui_cmds import run_gui

        args.handler = run_gui
    from litreview.library.ownership import set_program

    set_program(f"litreview {args.command}" if args.command else "the window")
    try:
        return int(args.handler(args) or 0)
    except CommandError as exc:
        print(f"litreview: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        from litreview.embedding.errors import RemoteEmbeddingError

        if not isinstance(exc, RemoteEmbeddingError):
            raise
        print(f"litreview: {exc}", file=sys.stderr)  # a server's failure is one line that says what to do
        return 1
