"""`litreview lists ...` (reading lists) and `litreview export` (docs/cli.md).

Positions on the command line are 1-based (1 = top of the list); the Python API is 0-based.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from litreview.cli.common import add_command, open_from_args, print_json, warn
from litreview.core.text import count_of

_EXPORT_FORMATS = ("bibtex", "ris", "csljson", "markdown", "csv")


def register(subparsers: argparse._SubParsersAction) -> None:
    lists = subparsers.add_parser("lists", help="reading lists: create, add, remove, move, reorder, note, show, ...")
    actions = lists.add_subparsers(dest="lists_command", metavar="ACTION", required=True)

    add_command(actions, "create", _create, "create an empty reading list", "name")
    add_command(actions, "rename", _rename, "rename a reading list", "old", "new")
    add_command(actions, "delete", _delete, "delete a reading list (the papers stay in the library)", "name")
    add_command(actions, "add", _add, "append papers to a list", "name", "ids").add_argument(
        "--note", default="", help="note for the added papers"
    )
    add_command(actions, "remove", _remove, "take papers out of a list", "name", "ids")
    add_command(actions, "move", _move, "move a paper to a position in the list (1 = top)", "name", "id", "position")
    add_command(
        actions, "reorder", _reorder, "put these papers first, in this order (the rest keep theirs)", "name", "ids"
    )
    add_command(actions, "note", _note, "set the note of a paper in a list ('' clears it)", "name", "id", "text")
    show = add_command(actions, "show", _show, "all lists, or the papers of one list")
    show.add_argument("name", nargs="?")

    export = add_command(
        subparsers, "export", _export, "write a reading list, some papers or the whole library to a file"
    )
    source = export.add_mutually_exclusive_group()
    source.add_argument("--list", dest="list_name", metavar="NAME", help="export this reading list (with notes)")
    source.add_argument("--ids", metavar="ID", type=int, nargs="+", help="export these papers")
    export.add_argument("--format", required=True, choices=_EXPORT_FORMATS)
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="output file ('-' for stdout)")
    export.add_argument("--title", help="heading of a Markdown reading list (default: the list name)")


def _lists(args: argparse.Namespace, *, read_only: bool = False):
    from litreview.library.lists import ReadingLists

    library = open_from_args(args, read_only=read_only)
    return library, ReadingLists(library)


def _run(args: argparse.Namespace, action, *, read_only: bool = False) -> int:  # noqa: ANN001
    """Run `action(lists)` with reading-list errors turned into one-line command errors."""
    from litreview.cli import CommandError
    from litreview.library.lists import ReadingListError

    library, lists = _lists(args, read_only=read_only)
    try:
        result, message = action(lists)
    except ReadingListError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        library.close()
    if args.json:
        print_json(result)
    elif message:
        print(message)
    return 0


def _create(args: argparse.Namespace) -> int:
    def action(lists):  # noqa: ANN001, ANN202
        list_id = lists.create(args.name)
        return {"id": list_id, "name": lists.name(list_id)}, f"created list {lists.name(list_id)!r} (id {list_id})"

    return _run(args, action)


def _rename(args: argparse.Namespace) -> int:
    def action(lists):  # noqa: ANN001, ANN202
        lists.rename(args.old, args.new)
        list_id = lists.resolve(args.new)
        return {"id": list_id, "name": lists.name(list_id)}, f"renamed {args.old!r} to {lists.name(list_id)!r}"

    return _run(args, action)


def _delete(args: argparse.Namespace) -> int:
    def action(lists):  # noqa: ANN001, ANN202
        name = lists.name(args.name)
        lists.delete(args.name)
        return {"deleted": name}, f"deleted list {name!r}"

    return _run(args, action)


def _add(args: argparse.Namespace) -> int:
    def action(lists):  # noqa: ANN001, ANN202
        added = lists.add(args.name, args.ids, note=args.note)
        name = lists.name(args.name)
        return {"list": name, "added": added, "count": len(lists.items(name))}, f"added {added} to {name!r}"

    return _run(args, action)


def _remove(args: argparse.Namespace) -> int:
    def action(lists):  # noqa: ANN001, ANN202
        removed = lists.remove(args.name, args.ids)
        name = lists.name(args.name)
        return {"list": name, "removed": removed, "count": len(lists.items(name))}, f"removed {removed} from {name!r}"

    return _run(args, action)


def _move(args: argparse.Namespace) -> int:
    def action(lists):  # noqa: ANN001, ANN202
        lists.move(args.name, args.id, args.position - 1)
        order = [paper_id for paper_id, _, _ in lists.items(args.name)]
        return {
            "list": lists.name(args.name),
            "ids": order,
        }, f"paper {args.id} is now at position {order.index(args.id) + 1}"

    return _run(args, action)


def _reorder(args: argparse.Namespace) -> int:
    def action(lists):  # noqa: ANN001, ANN202
        lists.reorder(args.name, args.ids)
        order = [paper_id for paper_id, _, _ in lists.items(args.name)]
        return {"list": lists.name(args.name), "ids": order}, "order: " + " ".join(map(str, order))

    return _run(args, action)


def _note(args: argparse.Namespace) -> int:
    def action(lists):  # noqa: ANN001, ANN202
        lists.set_note(args.name, args.id, args.text)
        return {"list": lists.name(args.name), "id": args.id, "note": args.text}, None

    return _run(args, action)


def _show(args: argparse.Namespace) -> int:
    def action(lists):  # noqa: ANN001, ANN202
        if args.name is None:
            rows = lists.lists()
            text = "\n".join(f"{row['id']:>4}  {row['name']}  ({count_of(row['count'], 'paper')})" for row in rows)
            return rows, text or "no reading lists"
        from litreview.library.lists import load_papers

        name = lists.name(args.name)
        papers = load_papers(lists.library, list_name=name)
        items = [
            {"position": position, "id": paper.id, "title": paper.title, "authors": list(paper.authors),
             "year": paper.year, "note": paper.note}
            for position, paper in enumerate(papers, start=1)
        ]  # fmt: skip
        lines = [f"{name} ({count_of(len(items), 'paper')})"]
        for item in items:
            lines.append(f"{item['position']:>4}. [{item['id']}] {item['title'] or '(untitled)'}"
                         + (f" ({item['year']})" if item["year"] else ""))  # fmt: skip
            if item["note"]:
                lines.append(f"        note: {item['note']}")
        return {"id": lists.resolve(name), "name": name, "items": items}, "\n".join(lines)

    return _run(args, action, read_only=True)


def _export(args: argparse.Namespace) -> int:
    from litreview.cli import CommandError
    from litreview.export import export_papers
    from litreview.library.lists import ReadingListError, load_papers

    if args.output == "-" and args.json:
        raise CommandError("--json prints the summary on stdout; give -o FILE to write the export to a file")
    library = open_from_args(args, read_only=True)
    try:
        papers = load_papers(library, ids=args.ids, list_name=args.list_name)
    except ReadingListError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        library.close()
    data = export_papers(papers, args.format, title=args.title or args.list_name)
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    output = Path(args.output).expanduser()
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(data)
    except OSError as exc:
        raise CommandError(f"cannot write {output}: {exc.strerror or exc}") from exc
    if args.json:
        print_json({"written": str(output), "count": len(papers), "format": args.format})
    else:
        warn(f"wrote {count_of(len(papers), 'paper')} to {output}")
    return 0
