"""`litreview extract PDF...`: run the PDF extractor and print what it found; writes nothing."""

from __future__ import annotations

import argparse
from pathlib import Path

from litreview.cli.common import add_command, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(
        subparsers, "extract", cmd_extract, "extract title, authors and abstract from PDFs (writes nothing)"
    )
    p.add_argument("paths", nargs="+", metavar="PDF", help="PDF files or folders (searched recursively)")
    p.add_argument("--references", action="store_true", help="also extract each PDF's reference list")


def _pdf_paths(paths: list[str]) -> list[Path]:
    """The given files, and the *.pdf files under the given folders, in a stable order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                sorted(child for child in path.rglob("*") if child.suffix.lower() == ".pdf" and child.is_file())
            )
        else:
            found.append(path)
    return found


def cmd_extract(args: argparse.Namespace) -> int:
    from litreview.cli import CommandError
    from litreview.ingest.pdf import extraction_json

    paths = _pdf_paths(args.paths)
    if not paths:
        raise CommandError("no PDF found in the given folders")
    for path in paths:
        result = extraction_json(path, references=args.references)
        if args.json:
            print_json(result)
        else:
            _print_human(result)
    return 0


def _print_human(result: dict) -> None:
    print(result["path"])
    if result["error"]:
        print(f"  error: {result['error']}")
        return
    print(f"  title:    {result['title']}")
    print(f"  authors:  {'; '.join(result['authors'])}")
    print(f"  year:     {result['year']}   doi: {result['doi']}   arXiv: {result['arxiv_id']}")
    print(f"  language: {result['language']}")
    abstract = result["abstract"] or ""
    print(f"  abstract: {abstract[:300]}{'...' if len(abstract) > 300 else ''}")
    for warning in result["warnings"]:
        print(f"  warning:  {warning}")
    if "references" in result:
        print(f"  references: {len(result['references'])}")
        for number, reference in enumerate(result["references"], start=1):
            print(f"    {number:3d}. {reference['raw'][:160]}")
