"""Helpers every command module shares: opening the library, printing JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def open_from_args(args: argparse.Namespace, *, read_only: bool = False, create: bool = True):
    """The library named by --library, $LITREVIEW_LIBRARY or the default, as a CommandError on failure."""
    from litreview.cli import CommandError
    from litreview.library.db import LibraryError, open_library

    try:
        library = open_library(args.library, read_only=read_only, create=create)
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
