"""Reading lists (API and CLI), load_papers, and `litreview export`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from litreview.cli import main
from litreview.library.lists import (
    DuplicateListName,
    PaperNotInList,
    ReadingListError,
    ReadingLists,
    UnknownList,
    UnknownPaper,
    load_papers,
)


def insert_papers(library, count: int = 4) -> list[int]:
    """Papers written directly with SQL (the import pipeline is tested elsewhere)."""
    ids = []
    with library.transaction() as conn:
        for number in range(1, count + 1):
            cursor = conn.execute(
                "INSERT INTO papers(title, authors, year, venue, doi, entry_type, citation_key, original_fields, "
                "warnings, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    f"Paper {number}",
                    json.dumps([f"Author {number}", "Jane Doe"]),
                    2000 + number,
                    "Journal",
                    f"10.1000/p{number}",
                    "article" if number % 2 else None,
                    f"key{number}" if number % 2 else None,
                    json.dumps({"title": f"Paper {{{number}}}", "journal": "Journal"}) if number % 2 else "{}",
                    json.dumps(["a warning"]) if number == 1 else "[]",
                    "bibtex" if number % 2 else "pdf",
                ),
            )
            ids.append(int(cursor.lastrowid))
        conn.execute(
            "INSERT INTO files(paper_id, path, sha256, size) VALUES (?, ?, ?, ?)", (ids[1], "/pdfs/two.pdf", "ab", 10)
        )
    return ids


# ------------------------------------------------------------------------------------------ API


def test_create_rename_delete_and_errors(library) -> None:
    lists = ReadingLists(library)
    list_id = lists.create("  To   read ")
    assert lists.lists() == [{"id": list_id, "name": "To read", "count": 0}]
    assert lists.resolve("To read") == list_id == lists.resolve("to READ") == lists.resolve(list_id)
    with pytest.raises(DuplicateListName):
        lists.create("To read")
    other = lists.create("Other")
    with pytest.raises(DuplicateListName):
        lists.rename(other, "To read")
    lists.rename("To read", "Thesis")
    assert [row["name"] for row in lists.lists()] == ["Other", "Thesis"]
    lists.delete("Thesis")
    with pytest.raises(UnknownList):
        lists.resolve("Thesis")
    with pytest.raises(ReadingListError):
        lists.create("   ")
    assert issubclass(UnknownList, ValueError)


def test_add_remove_reorder_move_and_notes(library) -> None:
    ids = insert_papers(library)
    lists = ReadingLists(library)
    lists.create("L")
    assert lists.add("L", [ids[0], ids[1], ids[0]], note="first batch") == 2
    assert lists.add("L", [ids[2], ids[3], ids[1]]) == 2  # ids[1] is already there: kept, note unchanged
    assert lists.items("L") == [
        (ids[0], 0, "first batch"),
        (ids[1], 1, "first batch"),
        (ids[2], 2, ""),
        (ids[3], 3, ""),
    ]
    with pytest.raises(UnknownPaper):
        lists.add("L", [999])

    lists.move("L", ids[3], 0)
    assert [item[0] for item in lists.items("L")] == [ids[3], ids[0], ids[1], ids[2]]
    lists.move("L", ids[3], 99)  # clamped to the end
    assert [item[0] for item in lists.items("L")] == [ids[0], ids[1], ids[2], ids[3]]

    lists.reorder("L", [ids[2], ids[0]])
    assert [(item[0], item[1]) for item in lists.items("L")] == [(ids[2], 0), (ids[0], 1), (ids[1], 2), (ids[3], 3)]
    with pytest.raises(PaperNotInList):
        lists.reorder("L", [999])

    lists.set_note("L", ids[1], "key paper")
    assert dict((item[0], item[2]) for item in lists.items("L"))[ids[1]] == "key paper"
    with pytest.raises(PaperNotInList):
        lists.set_note("L", 999, "x")

    assert lists.remove("L", [ids[0], 999]) == 1
    assert [(item[0], item[1]) for item in lists.items("L")] == [(ids[2], 0), (ids[1], 1), (ids[3], 2)]
    assert lists.lists()[0]["count"] == 3


def test_deleting_a_paper_removes_it_from_lists(library) -> None:
    ids = insert_papers(library, 2)
    lists = ReadingLists(library)
    lists.create("L")
    lists.add("L", ids)
    with library.transaction() as conn:
        conn.execute("DELETE FROM papers WHERE id = ?", (ids[0],))
    assert [item[0] for item in lists.items("L")] == [ids[1]]


def test_load_papers(library) -> None:
    ids = insert_papers(library)
    everything = load_papers(library)
    assert [paper.id for paper in everything] == ids
    first, second = everything[0], everything[1]
    assert first.authors == ("Author 1", "Jane Doe")
    assert first.original_fields == {"title": "Paper {1}", "journal": "Journal"}
    assert first.citation_key == "key1" and first.entry_type == "article" and first.warnings == ("a warning",)
    assert second.files == ("/pdfs/two.pdf",) and second.original_fields == {}

    assert [paper.id for paper in load_papers(library, [ids[2], ids[0]])] == [ids[2], ids[0]]
    with pytest.raises(UnknownPaper):
        load_papers(library, [ids[0], 999])

    lists = ReadingLists(library)
    lists.create("L")
    lists.add("L", [ids[3], ids[1]], note="why")
    from_list = load_papers(library, list_name="L")
    assert [(paper.id, paper.note) for paper in from_list] == [(ids[3], "why"), (ids[1], "why")]
    assert [paper.id for paper in load_papers(library, [ids[1]], list_name="L")] == [ids[1]]


# ------------------------------------------------------------------------------------------ CLI


def run_cli(library_path: Path, *argv: str, capsys) -> tuple[int, str, str]:
    code = main(["--library", str(library_path), *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_lists_cli(library, library_path: Path, capsys) -> None:
    ids = [str(paper_id) for paper_id in insert_papers(library)]
    code, out, _ = run_cli(library_path, "lists", "create", "Thesis", "--json", capsys=capsys)
    assert code == 0 and json.loads(out)["name"] == "Thesis"
    code, out, _ = run_cli(library_path, "lists", "add", "Thesis", *ids[:3], "--note", "ch. 2", "--json", capsys=capsys)
    assert code == 0 and json.loads(out) == {"list": "Thesis", "added": 3, "count": 3}
    assert run_cli(library_path, "lists", "move", "Thesis", ids[2], "1", capsys=capsys)[0] == 0
    code, out, _ = run_cli(library_path, "lists", "reorder", "Thesis", ids[1], ids[2], "--json", capsys=capsys)
    assert json.loads(out)["ids"] == [int(ids[1]), int(ids[2]), int(ids[0])]
    assert run_cli(library_path, "lists", "move", "Thesis", ids[1], "3", capsys=capsys)[0] == 0
    assert run_cli(library_path, "lists", "note", "Thesis", ids[0], "=start here", capsys=capsys)[0] == 0
    code, out, _ = run_cli(library_path, "lists", "remove", "Thesis", ids[1], "--json", capsys=capsys)
    assert json.loads(out)["removed"] == 1
    code, out, _ = run_cli(library_path, "lists", "show", "Thesis", "--json", capsys=capsys)
    shown = json.loads(out)
    assert [(item["position"], item["id"], item["note"]) for item in shown["items"]] == [
        (1, int(ids[2]), "ch. 2"),
        (2, int(ids[0]), "=start here"),
    ]
    code, out, _ = run_cli(library_path, "lists", "show", "--json", capsys=capsys)
    assert json.loads(out) == [{"id": shown["id"], "name": "Thesis", "count": 2}]
    code, out, _ = run_cli(library_path, "lists", "rename", "Thesis", "Chapter 2", capsys=capsys)
    assert code == 0
    code, out, _ = run_cli(library_path, "lists", "show", capsys=capsys)
    assert "Chapter 2" in out and "(2 papers)" in out

    code, out, err = run_cli(library_path, "lists", "add", "Chapter 2", "999", capsys=capsys)
    assert code == 1 and out == "" and "999" in err and len(err.strip().splitlines()) == 1
    code, _, err = run_cli(library_path, "lists", "show", "nope", capsys=capsys)
    assert code == 1 and "nope" in err
    code, _, err = run_cli(library_path, "lists", "create", "chapter 2", capsys=capsys)
    assert code == 0  # names differ in case: allowed, resolve() then prefers the exact name
    assert run_cli(library_path, "lists", "delete", "Chapter 2", capsys=capsys)[0] == 0
    code, out, _ = run_cli(library_path, "lists", "show", "--json", capsys=capsys)
    assert [row["name"] for row in json.loads(out)] == ["chapter 2"]


def test_export_cli(library, library_path: Path, tmp_path: Path, capsys) -> None:
    ids = insert_papers(library)
    lists = ReadingLists(library)
    lists.create("Thesis")
    lists.add("Thesis", [ids[2], ids[0]], note="=cmd")

    output = tmp_path / "out" / "thesis.bib"
    code, out, _ = run_cli(library_path, "export", "--list", "Thesis", "--format", "bibtex", "-o", str(output),
                           "--json", capsys=capsys)  # fmt: skip
    assert code == 0 and json.loads(out) == {"written": str(output), "count": 2, "format": "bibtex"}
    text = output.read_text(encoding="utf-8")
    assert text.index("@article{key3,") < text.index("@article{key1,")
    assert "title = {Paper {1}}" in text  # the original field text

    output = tmp_path / "some.csv"
    code, out, _ = run_cli(library_path, "export", "--ids", str(ids[1]), str(ids[0]), "--format", "csv", "-o",
                           str(output), "--json", capsys=capsys)  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(output.read_text(encoding="utf-8-sig"))))
    assert [row["id"] for row in rows] == [str(ids[1]), str(ids[0])]

    output = tmp_path / "all.md"
    code, _, err = run_cli(library_path, "export", "--format", "markdown", "-o", str(output), capsys=capsys)
    assert code == 0 and "wrote 4 papers" in err
    assert output.read_text(encoding="utf-8").count("**Paper ") == 4

    output = tmp_path / "list.md"
    run_cli(library_path, "export", "--list", "Thesis", "--format", "markdown", "-o", str(output), capsys=capsys)
    markdown = output.read_text(encoding="utf-8")
    assert markdown.startswith("# Thesis") and "> =cmd" in markdown

    code, out, _ = run_cli(library_path, "export", "--ids", str(ids[0]), "--format", "ris", "-o", "-", capsys=capsys)
    assert code == 0 and out.startswith("TY  - JOUR")

    code, out, err = run_cli(library_path, "export", "--list", "nope", "--format", "ris", "-o", str(tmp_path / "x"),
                             capsys=capsys)  # fmt: skip
    assert code == 1 and out == "" and "nope" in err and not (tmp_path / "x").exists()
