"""self-test: the end-to-end check an installed or frozen app runs on itself (litreview.selftest)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "self-test",
        help="import a generated PDF and .bib into a temporary library, embed, find related papers, export",
        description="Checks the app end to end without a window and without the network; exits 0 when it works. "
        "Never touches your own library.",
    )
    p.add_argument("--model", default=None, help="embedding model preset (default: the offline default model)")
    p.add_argument("--keep", metavar="DIR", type=Path, default=None,
                   help="work in DIR and keep its files (library, PDF, .bib, export) instead of a temporary folder")
    p.set_defaults(handler=cmd_self_test)


def cmd_self_test(args: argparse.Namespace) -> int:
    from litreview.selftest import run_self_test

    return run_self_test(model=args.model, workdir=args.keep)
