"""Helpers every command module shares: opening the library, printing JSON."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from litreview.core.progress import CancelToken


def open_from_args(
    args: argparse.Namespace, *, read_only: bool = False, create: bool = True, reads_only: bool = False
):
    """The library named by --library, $LITREVIEW_LIBRARY or the default, as a CommandError on failure.

    `reads_only`: the command only reads, so when another process owns the library it reads through a read-only
    connection (which can never delete the owner's WAL) instead of being refused.
    """
    from litreview.cli import CommandError
    from litreview.library.db import LibraryError, LibraryInUse, open_library

    try:
        try:
            library = open_library(args.library, read_only=read_only, create=create)
        except LibraryInUse:
            if not reads_only:
                raise
            library = open_library(args.library, read_only=True)
    except LibraryError as exc:
        raise CommandError(str(exc)) from exc
    if getattr(library, "damage", None):
        warn(f"litreview: {library.damage}")
    return library


@contextmanager
def handle_ctrl_c(cancel: CancelToken | None = None) -> Iterator[None]:
    """While the block runs, Ctrl-C sets `cancel`: the job stops at its next check, cleaning up as it goes. Without a
    token (a step that writes nothing and checks none, like loading a model), or once it is set, Ctrl-C ends the
    process at once with status 130: every step commits, so that is as safe as a kill. An ignored SIGINT (a
    background job) stays ignored.

    Python's own KeyboardInterrupt is raised wherever the main thread is, which can end the process badly even when
    the CLI catches it: inside torch's C++, pybind11 calls std::terminate (status -6), and once it has passed through
    code run by exec() (a dataclass made while torch is imported), Python kills itself with SIGINT at exit (-2)."""
    from litreview.cli import INTERRUPTED

    def say(line: str) -> None:  # not print(): the handler may run while the main thread writes to sys.stderr
        os.write(2, (("\n" if os.isatty(2) else "") + line + "\n").encode())  # on a terminal, below the bar

    def on_ctrl_c(signum: int, frame: Any) -> None:
        if cancel is None or cancel.cancelled:
            say(INTERRUPTED)
            os._exit(130)
        cancel.cancel()
        say("litreview: stopping after the current step (Ctrl-C again to stop now)")

    previous = signal.getsignal(signal.SIGINT)
    if previous is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=None)
    sys.stdout.write("\n")


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON on stdout")


# How positional arguments several commands share are read; any other name is a plain string.
POSITIONALS: dict[str, dict[str, Any]] = {
    "ids": {"metavar": "ID", "type": int, "nargs": "+"},
    "id": {"type": int},
    "position": {"metavar": "POS", "type": int},
}


def add_command(
    subparsers: argparse._SubParsersAction, command: str, handler: Callable[[argparse.Namespace], int],
    help_text: str, *positionals: str, json_flag: bool = True, **defaults: Any,
) -> argparse.ArgumentParser:
    """A subcommand that runs `handler`, with the positional arguments named (read as in POSITIONALS) and --json
    (unless `json_flag` is False); add its other arguments to the parser it returns."""
    parser = subparsers.add_parser(command, help=help_text)
    for positional in positionals:
        parser.add_argument(positional, **POSITIONALS.get(positional, {}))
    if json_flag:
        add_json_flag(parser)
    parser.set_defaults(handler=handler, **defaults)
    return parser


@contextmanager
def changing_papers(args: argparse.Namespace, *errors: type[Exception]) -> Iterator[Any]:
    """The existing library, for a write that keeps the ANN snapshots in step; the `errors` the write raises become a
    CommandError with their message."""
    from litreview.cli import CommandError
    from litreview.index.upkeep import index_in_step

    try:
        with open_from_args(args, create=False) as library, index_in_step(library):
            yield library
    except errors as exc:  # a KeyError's str() quotes its message, so take the message itself
        raise CommandError(exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)) from exc


def print_result(args: argparse.Namespace, value: Any, text: str) -> int:
    """`value` as JSON with --json, else `text` (if any); 0, the exit status."""
    if args.json:
        print_json(value)
    elif text:
        print(text)
    return 0


def list_rows(
    args: argparse.Namespace, fetch: Callable[[Any], Sequence[Any]], line: Callable[[Any], str], empty: str
) -> int:
    """The rows `fetch(library)` reads, printed by print_rows; 0, the exit status."""
    with open_from_args(args, create=False, reads_only=True) as library:
        rows = fetch(library)
    print_rows(args, rows, line, empty)
    return 0


def print_rows(args: argparse.Namespace, rows: Sequence[Any], line: Callable[[Any], str], empty: str) -> None:
    """Rows as one JSON list with --json (dataclasses as dicts), else one `line(row)` each, or `empty` for none."""
    if args.json:
        from dataclasses import asdict, is_dataclass

        print_json([asdict(row) if is_dataclass(row) else row for row in rows])
        return
    for row in rows:
        print(line(row))
    if not rows:
        print(empty)


NO_EMBEDDINGS = "the library has no embeddings yet; run 'litreview import --resume' to embed its papers"


def warn(message: str) -> None:
    print(message, file=sys.stderr)


def add_model_flag(parser: argparse.ArgumentParser, help_text: str, *short: str) -> None:
    """--model, repeatable: several http(s) endpoints serving one model are used together."""
    parser.add_argument(
        "--model", *short, action="append", default=None,
        help=f"{help_text}; repeat --model URL to spread the work over several embedding servers",
    )


def model_name(value: list[str] | str | None) -> str | None:
    """The model name --model gave: several endpoint URLs are joined with spaces (as Settings stores a list)."""
    if not value or isinstance(value, str):
        return value or None
    if len(value) > 1 and not all(part.strip().lower().startswith(("http://", "https://")) for part in value):
        from litreview.cli import CommandError

        raise CommandError("--model may be repeated only for http(s) endpoints serving one model")
    return " ".join(part.strip() for part in value)
