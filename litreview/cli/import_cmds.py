"""`litreview import`: PDFs, folders and BibTeX files through the same pipeline the GUI worker drives."""

from __future__ import annotations

import argparse
import sys
import time

from litreview.cli.common import add_json_flag, open_from_args, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("import", help="import PDFs, folders (recursively), .bib, RIS, MEDLINE (.nbib), OpenAlex "
                                             "works (.json, .zip) and CSV/TSV files, then embed")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--no-embed", action="store_true", help="store the papers without embedding them")
    p.add_argument("--model", help="embedding model (preset, local folder or URL); default: the library's model")
    p.add_argument("--device", help="cpu, cuda or mps (default: the best available)")
    p.add_argument("--resume", action="store_true", help="also import the files an interrupted import left queued")
    add_json_flag(p)
    p.set_defaults(handler=cmd_import)


class ProgressBar:
    """A one-line progress bar on stderr, redrawn at most ten times a second."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, progress) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.last < 0.1 and progress.done < progress.total):
            return
        self.last = now
        width = 30
        filled = int(width * progress.done / progress.total) if progress.total else width
        bar = "#" * filled + "." * (width - filled)
        line = f"\r{progress.stage:8} [{bar}] {progress.done}/{progress.total} {progress.current[:40]}"
        sys.stderr.write(line.ljust(100))
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def cmd_import(args: argparse.Namespace) -> int:
    from litreview.cli import CommandError
    from litreview.core.progress import Cancelled, CancelToken
    from litreview.pipeline import drive, open_embedder, queued_paths, run_import

    with open_from_args(args) as library:
        paths = list(args.paths)
        if args.resume or not paths:
            paths += [p for p in queued_paths(library) if p not in paths]
        if not paths:
            raise CommandError("nothing to import: give PDFs, folders or .bib files")
        bar = ProgressBar(enabled=True)
        try:
            embedder = None
            if not args.no_embed:
                from litreview.embedding import ModelNotAvailable

                try:
                    embedder = open_embedder(library, args.model, device=args.device)
                except ModelNotAvailable as exc:
                    raise CommandError(str(exc)) from exc
            summary = drive(run_import(library, paths, embedder=embedder, cancel=CancelToken()), bar)
        except (KeyboardInterrupt, Cancelled):
            bar.close()
            print(
                "litreview: import interrupted; what was done is kept. Run the same command again to finish "
                "(or 'litreview import --resume' for the PDFs it had queued).",
                file=sys.stderr,
            )
            return 130
        bar.close()
    if args.json:
        print_json(summary.to_json())
    else:
        print(
            f"imported {summary.imported}, updated {summary.updated}, duplicates {summary.duplicates}, "
            f"failed {len(summary.failed)}, embedded {summary.embedded}"
        )
        for error in summary.failed:
            where = error.path + (f":{error.line}" if error.line else "") + (f" [{error.entry}]" if error.entry else "")
            print(f"  failed: {where}: {error.reason}")
    return 0
