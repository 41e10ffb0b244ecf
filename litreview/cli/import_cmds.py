"""`litreview import`: files in every registered format (litreview.ingest.registry) and folders, through the
same pipeline the GUI worker drives."""

from __future__ import annotations

import argparse
import sys
import time

from litreview.cli.common import add_json_flag, add_model_flag, handle_ctrl_c, model_name, open_from_args, print_json
from litreview.core.text import count_of

WARNINGS_SHOWN = 20  # notes (missing attachments, items left in Zotero's trash) printed without --json


def register(subparsers: argparse._SubParsersAction) -> None:
    from litreview.ingest.registry import default_registry

    formats = default_registry().describe()
    p = subparsers.add_parser(
        "import",
        help=f"import files ({formats}), folders (recursively) and Zotero libraries, then embed",
        description="PATH: files, folders (searched recursively), or a Zotero data directory or its zotero.sqlite "
        "(read without locking it; importing it again applies what changed in Zotero since).",
    )
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--no-embed", action="store_true", help="store the papers without embedding them")
    p.add_argument("--no-fulltext", action="store_true",
                   help="skip full-text passages (split, embedded and indexed after the abstracts by default)")
    add_model_flag(p, "embedding model (preset, local folder or URL); default: the library's model")
    p.add_argument("--device", help="cpu, cuda or mps (default: the best available)")
    p.add_argument(
        "--resume", action="store_true",
        help="also import the files an interrupted import left queued, and embed the papers that have no vector",
    )
    p.add_argument("--watch", action="store_true",
                   help="keep watching the one folder given: import new or changed PDFs and .bib files once they are "
                   "completely written (until Ctrl-C)")  # fmt: skip
    p.add_argument("--interval", type=float, default=None, metavar="S", help="seconds between looks with --watch")
    p.add_argument("--encoding", metavar="E",
                   help="read BibTeX and other text files with this encoding (e.g. gbk, cp949) instead of detecting it")
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
    from litreview.embedding.errors import RemoteEmbeddingError
    from litreview.pipeline import drive, queued_paths, run_import

    if args.watch:
        return _watch(args)
    with open_from_args(args) as library:
        paths = list(args.paths)
        if args.resume or not paths:
            paths += [p for p in queued_paths(library) if p not in paths]
        if not paths and not args.resume:
            raise CommandError("nothing to import: give PDFs, folders or .bib files")
        if args.encoding:
            import codecs

            try:
                codecs.lookup(args.encoding)
            except LookupError as exc:
                raise CommandError(f"unknown encoding {args.encoding!r}") from exc
        bar = ProgressBar(enabled=True)
        cancel = CancelToken()
        try:
            with handle_ctrl_c():
                embedder = _embedder_for(library, args)
            with handle_ctrl_c(cancel):
                steps = run_import(library, paths, embedder=embedder, cancel=cancel, encoding=args.encoding,
                                   fulltext=not args.no_fulltext)
                summary = drive(steps, bar)
        except (KeyboardInterrupt, Cancelled):
            bar.close()
            print(
                "litreview: import interrupted; what was done is kept. Run the same command again to finish "
                "(or 'litreview import --resume' for the PDFs it had queued).",
                file=sys.stderr,
            )
            return 130
        except RemoteEmbeddingError as exc:  # the server stopped, refused or answered nonsense: one line, no trace
            bar.close()
            print(
                f"litreview: {exc}. The import stopped; what was done is kept. Run the same command again to finish.",
                file=sys.stderr,
            )
            return 1
        bar.close()
    if args.json:
        print_json(summary.to_json())
    else:
        print(
            f"imported {summary.imported}, updated {summary.updated}, duplicates {summary.duplicates}, "
            f"failed {len(summary.failed)}, embedded {summary.embedded}"
            + (f", removed {summary.removed}" if summary.removed else "")
            + (f", passages {summary.fulltext['passages']}" if summary.fulltext else "")
        )
        for notice in summary.notices:
            print(f"  {notice.path}: {notice.reason}")
        for warning in (summary.fulltext or {}).get("warnings", []):
            print(f"  full text: {warning}")
        for error in summary.failed:
            where = error.path + (f":{error.line}" if error.line else "") + (f" [{error.entry}]" if error.entry else "")
            print(f"  failed: {where}: {error.reason}")
        shown = summary.warnings[:WARNINGS_SHOWN]
        for warning in shown:
            print(f"  note: {warning.entry or warning.path}: {warning.reason}")
        if len(summary.warnings) > len(shown):
            print(f"  ... and {len(summary.warnings) - len(shown)} more notes (all of them with --json)")
    return 0


def _watch(args: argparse.Namespace) -> int:
    from contextlib import suppress
    from pathlib import Path

    from litreview.cli import CommandError
    from litreview.core.progress import Cancelled, CancelToken
    from litreview.watch import POLL_INTERVAL_S, watch_folder

    if len(args.paths) != 1 or not Path(args.paths[0]).expanduser().is_dir():
        raise CommandError("--watch needs exactly one folder")
    interval = args.interval if args.interval is not None else POLL_INTERVAL_S
    if interval <= 0:
        raise CommandError("--interval must be more than 0 seconds")

    def report(paths, summary) -> None:  # noqa: ANN001 - list[Path], ImportSummary
        if args.json:
            print_json({"files": [str(path) for path in paths], **summary.to_json()})
        else:
            print(f"{count_of(len(paths), 'file')}: imported {summary.imported}, updated {summary.updated}, "
                  f"duplicates {summary.duplicates}, failed {len(summary.failed)}, embedded {summary.embedded}")
            for error in summary.failed:
                print(f"  failed: {error.path}: {error.reason}")
        sys.stdout.flush()

    with open_from_args(args) as library:
        with handle_ctrl_c():
            embedder = _embedder_for(library, args)
        print(f"watching {args.paths[0]} every {interval:g} s (Ctrl-C to stop)", file=sys.stderr)
        cancel = CancelToken()
        with handle_ctrl_c(cancel), suppress(Cancelled):  # Cancelled: Ctrl-C in the middle of an import
            watch_folder(library, args.paths[0], cancel, interval_s=interval, on_batch=report, embedder=embedder)
        print("litreview: stopped watching; every file imported so far is kept.", file=sys.stderr)
    return 0


def _embedder_for(library, args: argparse.Namespace):  # noqa: ANN202 - an Embedder, or None with --no-embed
    """The embedder an import uses: the library's model (or --model), None with --no-embed."""
    if args.no_embed:
        return None
    from litreview.cli import CommandError
    from litreview.embedding import ModelNotAvailable
    from litreview.pipeline import open_embedder

    try:
        return open_embedder(library, model_name(args.model), device=args.device)
    except ModelNotAvailable as exc:
        raise CommandError(str(exc)) from exc
