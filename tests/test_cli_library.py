"""init, info, list, show, doctor through the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from litreview.cli import main
from litreview.core.paper import ParsedPaper
from litreview.library import open_library
from litreview.library.papers import PaperRepository


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_then_info_json(capsys, library_path):
    code, out, _ = run_cli(capsys, "--library", str(library_path), "init", "--json")
    assert code == 0
    init = json.loads(out)
    assert init["library"] == str(library_path) and init["schema_version"] >= 1
    code, out, _ = run_cli(capsys, "--library", str(library_path), "info", "--json")
    info = json.loads(out)
    assert code == 0
    assert info["papers"] == 0 and info["files"] == 0 and info["models"] == []
    assert info["schema_version"] == init["schema_version"]


def test_env_variable_names_the_library(capsys, library_path, monkeypatch):
    monkeypatch.setenv("LITREVIEW_LIBRARY", str(library_path))
    assert run_cli(capsys, "init", "--json")[0] == 0
    assert library_path.exists()


def test_info_on_missing_library_fails_with_one_line(capsys, tmp_path):
    code, out, err = run_cli(capsys, "--library", str(tmp_path / "nope.sqlite"), "info", "--json")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "no library" in err


def test_list_and_show(capsys, library_path):
    with open_library(library_path) as library, library.transaction():
        repo = PaperRepository(library)
        paper_id = repo.insert(
            ParsedPaper(
                source="bibtex",
                title="Attention Is All You Need",
                authors=("Ashish Vaswani",),
                year=2017,
                doi="10.5555/3295222.3295349",
                citation_key="vaswani2017",
            )
        )
        repo.add_file(paper_id, "/papers/attention.pdf", "0" * 64, 1234, 15)
    code, out, _ = run_cli(capsys, "--library", str(library_path), "list", "--json")
    papers = json.loads(out)
    assert code == 0 and len(papers) == 1
    assert set(papers[0]) >= {"id", "title", "authors", "year", "venue", "doi", "arxiv_id", "abstract", "files"}
    assert papers[0]["authors"] == ["Ashish Vaswani"] and papers[0]["files"] == ["/papers/attention.pdf"]
    code, out, _ = run_cli(capsys, "--library", str(library_path), "show", str(paper_id), "--json")
    shown = json.loads(out)
    assert shown["citation_key"] == "vaswani2017" and shown["year"] == 2017
    code, _, err = run_cli(capsys, "--library", str(library_path), "show", "999", "--json")
    assert code == 1 and "no paper with id 999" in err


def test_doctor_reports_integrity(capsys, library_path):
    open_library(library_path).close()
    code, out, _ = run_cli(capsys, "--library", str(library_path), "doctor", "--json")
    report = json.loads(out)
    assert code == 0
    assert report["integrity"] == "ok" and report["papers"] == 0 and report["index_consistent"] is True


def test_doctor_finds_no_problem_in_a_library_imported_without_embedding(capsys, library_path, tmp_path):
    from test_import_pipeline import make_pdf

    pdf = make_pdf(tmp_path / "paper.pdf", title="Grazing and the flowering of alpine meadows")
    assert run_cli(capsys, "--library", str(library_path), "import", str(pdf), "--no-embed")[0] == 0
    code, out, _ = run_cli(capsys, "--library", str(library_path), "doctor", "--json")
    report = json.loads(out)
    assert code == 0 and report["papers"] == 1 and report["problems"] == []


def test_output_cut_short_by_its_reader_ends_quietly(library_path):
    with open_library(library_path) as library, library.transaction():
        repo = PaperRepository(library)
        for n in range(3000):  # far more than a pipe holds
            repo.insert(ParsedPaper(source="test", title=f"Grazing and the flowering of alpine meadows, part {n}"))
    with subprocess.Popen([sys.executable, "-m", "litreview", "--library", str(library_path), "list"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        assert "Grazing" in process.stdout.readline()  # `litreview list | head -1`
        process.stdout.close()
        err = process.stderr.read()
        assert process.wait(timeout=60) == 141 and "Traceback" not in err, err


@pytest.mark.parametrize("argv", [["--help"], ["import", "--help"]])
def test_console_script_help(argv):
    result = subprocess.run([sys.executable, "-m", "litreview", *argv], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "usage: litreview" in result.stdout
