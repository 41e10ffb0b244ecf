"""Helpers every command module shares: opening the library, printing JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


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


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=None)
    sys.stdout.write("\n")


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON on stdout")


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
