"""`litreview refs ID`, `litreview citing ID`, `litreview missing` and `litreview update-references`
(docs/cli.md): the library's citation graph from its PDFs' reference lists."""

from __future__ import annotations

import argparse
import json
import sys

from litreview.cli.common import add_command, open_from_args, print_json, warn
from litreview.core.text import count_of


def register(subparsers: argparse._SubParsersAction) -> None:
    refs = add_command(subparsers, "refs", cmd_refs, "a paper's references, with the library papers they resolve to")
    refs.add_argument("id", type=int, metavar="ID")

    citing = add_command(subparsers, "citing", cmd_citing, "the library papers whose references cite a paper")
    citing.add_argument("id", type=int, metavar="ID")

    missing = add_command(subparsers, "missing", cmd_missing, "works cited by library papers but not in the library")
    missing.add_argument("--list", metavar="NAME", help="only what the papers of this reading list cite")
    missing.add_argument("-k", type=int, default=50, metavar="N", help="how many works (default 50)")
    missing.add_argument("--min-citing", type=int, default=2, metavar="N", help="cited by at least N papers")

    add_command(subparsers, "update-references", cmd_update,
                "read the reference lists still queued (older libraries) and resolve them")


def _paper(library, paper_id: int) -> dict:
    from litreview.cli import CommandError

    row = library.conn.execute("SELECT id, title, authors, year, doi FROM papers WHERE id = ?", (paper_id,)).fetchone()
    if row is None:
        raise CommandError(f"no paper with id {paper_id}")
    return {"title": row[1], "authors": json.loads(row[2] or "[]"), "year": row[3], "doi": row[4], "paper_id": row[0]}


def cmd_refs(args: argparse.Namespace) -> int:
    from litreview.library.references import references_of

    with open_from_args(args, read_only=True, create=False) as library:
        _paper(library, args.id)
        references = references_of(library.conn, args.id)
    out = [
        {"title": ref["title"], "authors": ref["authors"], "year": ref["year"], "doi": ref["doi"],
         "paper_id": ref["paper_id"], "venue": ref["venue"], "position": ref["position"] + 1, "raw": ref["raw"]}
        for ref in references
    ]
    if args.json:
        print_json(out)
        return 0
    in_library = sum(1 for ref in out if ref["paper_id"] is not None)
    print(f"{count_of(len(out), 'reference')}, {in_library} in the library")
    for ref in out:
        mark = f"[paper {ref['paper_id']}] " if ref["paper_id"] is not None else ""
        print(f"{ref['position']:4d}. {mark}{ref['raw']}")
    return 0


def cmd_citing(args: argparse.Namespace) -> int:
    from litreview.library.references import citing_papers

    with open_from_args(args, read_only=True, create=False) as library:
        _paper(library, args.id)
        out = [_paper(library, paper_id) for paper_id in citing_papers(library.conn, args.id)]
    if args.json:
        print_json(out)
        return 0
    print(f"{count_of(len(out), 'library paper')} {'cites' if len(out) == 1 else 'cite'} paper {args.id}")
    for paper in out:
        print(f"{paper['paper_id']:6d}  {paper['title']} ({paper['year'] or 'n.d.'})")
    return 0


def cmd_missing(args: argparse.Namespace) -> int:
    from litreview.analysis.citations import missing_work_details, ranked_missing_works
    from litreview.cli import CommandError

    if args.k < 1:
        raise CommandError("-k must be at least 1")
    with open_from_args(args, read_only=True, create=False) as library:
        paper_ids = None
        if args.list:
            from litreview.library.lists import ReadingListError, ReadingLists

            try:
                paper_ids = [paper_id for paper_id, _, _ in ReadingLists(library).items(args.list)]
            except ReadingListError as exc:
                raise CommandError(str(exc)) from exc
        ranked = ranked_missing_works(library.conn, paper_ids=paper_ids, min_citing=args.min_citing)
        works = missing_work_details(library.conn, ranked[: args.k])
    if len(ranked) > len(works):
        warn(f"the {len(works)} most cited of {len(ranked)} missing works; -k {len(ranked)} lists them all")
    if args.json:
        print_json([
            {"title": w["title"], "authors": w["authors"], "year": w["year"], "doi": w["doi"], "venue": w["venue"],
             "cited_by": w["cited_by"]}
            for w in works
        ])
        return 0
    if not works:
        cited = {1: "once", 2: "twice"}.get(args.min_citing, f"{args.min_citing} times")
        print(f"nothing missing: no work outside the library is cited at least {cited} in the reference lists of "
              + (f"the papers of '{args.list}'" if args.list else "library papers") + " (read from their PDFs)")
    for work in works:
        first = work["authors"][0].split(",")[0] if work["authors"] else "?"
        doi = f"  https://doi.org/{work['doi']}" if work["doi"] else ""
        print(f"{len(work['cited_by']):3d}x  {first} {work['year'] or ''}: {work['title']}{doi}")
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    from litreview.analysis.citations import reference_step
    from litreview.pipeline import drive

    def report(progress) -> None:
        print(f"\rreferences {progress.done}/{progress.total}", end="", file=sys.stderr)

    with open_from_args(args, create=False) as library:
        read = drive(reference_step(library), None if args.json else report)
        resolved = library.conn.execute("SELECT count(cited_paper_id), count(*) FROM paper_references").fetchone()
    if args.json:
        print_json({"read": read, "references": resolved[1], "resolved": resolved[0]})
    else:
        print(f"\nread {read} PDFs; {resolved[1]} references, {resolved[0]} resolved to library papers")
    return 0
