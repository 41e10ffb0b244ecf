"""The BibTeX reader: macros across files, inheritance, LaTeX, encodings, file fields, malformed entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from litreview.ingest.bibtex import parse_bibtex_files, parse_file_field, split_authors


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def by_key(result) -> dict:
    return {record.citation_key: record for record in result.records}


def assert_none_vanish(result) -> None:
    assert result.entries_seen == len(result.records) + len(result.errors)


# ------------------------------------------------------------------------------------------ macros, inheritance


def test_string_macros_defined_in_another_file_resolve(tmp_path: Path) -> None:
    strings = write(
        tmp_path, "strings.bib", '@string{jml = "Journal of Machine Learning"}\n@string{doe = "Doe, Jane"}\n'
    )
    papers = write(
        tmp_path,
        "papers.bib",
        "@article{a1, author = doe # { and Roe, Richard}, title = {Nets}, journal = jml, year = 2020}\n",
    )
    together = parse_bibtex_files([strings, papers])
    record = by_key(together)["a1"]
    assert record.venue == "Journal of Machine Learning"
    assert record.authors == ("Jane Doe", "Richard Roe")
    assert record.original_fields["journal"] == "Journal of Machine Learning"
    assert not record.warnings

    alone = by_key(parse_bibtex_files([papers]))["a1"]
    assert any("undefined macro" in warning and "jml" in warning for warning in alone.warnings)


def test_month_macros(tmp_path: Path) -> None:
    path = write(tmp_path, "m.bib", '@misc{m1, title = {T}, month = jan, note = feb # " 2020", year = {2020}}\n')
    record = by_key(parse_bibtex_files([path]))["m1"]
    assert record.original_fields["month"] == "jan"  # written back bare on export
    assert record.original_fields["note"] == "February 2020"


def test_crossref_and_xdata_inheritance(tmp_path: Path) -> None:
    parent = write(
        tmp_path,
        "procs.bib",
        "@proceedings{conf20, title = {Proceedings of Conf 2020}, year = 2020, publisher = {ACM}, doi = {10.1/procs}}\n"
        "@xdata{acmdata, location = {New York}}\n",
    )
    child = write(
        tmp_path,
        "papers.bib",
        "@inproceedings{p1, title = {A Paper}, author = {Doe, Jane}, crossref = {conf20}, xdata = {acmdata}}\n"
        "@inproceedings{p2, title = {Orphan}, crossref = {nowhere}}\n",
    )
    result = parse_bibtex_files([child, parent])
    records = by_key(result)
    p1 = records["p1"]
    assert p1.title == "A Paper"  # the parent's title becomes the child's booktitle, never its title
    assert p1.venue == "Proceedings of Conf 2020"
    assert p1.year == 2020
    assert p1.original_fields["publisher"] == "ACM"
    assert p1.original_fields["location"] == "New York"
    assert p1.doi is None  # the proceedings' DOI is not the paper's
    assert any("not found" in warning for warning in records["p2"].warnings)
    assert_none_vanish(result)


def test_crossref_cycles_and_missing_targets_are_warnings(shared_data: Path) -> None:
    folder = shared_data / "bibtex" / "bibtexparser_v1_edge_cases"
    result = parse_bibtex_files(
        [
            folder / "crossref_cascading_cycle.bib",
            folder / "crossref_missing_entries.bib",
            folder / "xref_missing_entries.bib",
        ]
    )
    assert result.errors == []
    records = by_key(result)
    assert any("cycle" in warning for warning in records["circ1"].warnings)
    assert any("not found" in warning for record in result.records for warning in record.warnings)
    assert_none_vanish(result)


def test_aibasel_files_only_make_sense_together(shared_data: Path) -> None:
    folder = shared_data / "bibtex" / "aibasel_crossref"
    result = parse_bibtex_files([folder / "abbrv.bib", folder / "crossref.bib", folder / "literatur.bib"])
    assert_none_vanish(result)
    assert result.errors == []
    assert result.entries_seen == 2679  # 393 + 2286 entries; the 29 @string blocks are not entries
    assert not [w for record in result.records for w in record.warnings if "undefined macro" in w]
    record = by_key(result)["abbe-et-al-neurips2024"]
    assert record.venue and "NeurIPS 2024" in record.venue
    assert record.authors[0] == "Emmanuel Abbe"
    assert record.year == 2024
    children = [record for record in result.records if "crossref" in record.original_fields]
    assert len(children) > 1200
    assert all(child.venue for child in children)


# ------------------------------------------------------------------------------------------ text


def test_latex_to_unicode_and_protective_braces(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "latex.bib",
        r"""@article{l1,
  title = {The {\"U}ber {BERT} $\alpha$-Model for {C}af{\'e}s \& Bars},
  author = {M{\"u}ller, Hans and {World Health Organization} and Ludwig van Beethoven and others},
  journal = {Zeitschrift f{\"u}r {KI}},
  abstract = {We show that 50\% of {\em all} models\ldots},
  year = {2021},
}
""",
    )
    record = by_key(parse_bibtex_files([path]))["l1"]
    assert record.title == "The Über BERT α-Model for Cafés & Bars"
    assert record.authors == ("Hans Müller", "World Health Organization", "Ludwig van Beethoven")
    assert any("others" in warning for warning in record.warnings)
    assert record.venue == "Zeitschrift für KI"
    assert record.abstract == "We show that 50% of all models…"
    assert record.original_fields["title"] == r"The {\"U}ber {BERT} $\alpha$-Model for {C}af{\'e}s \& Bars"
    assert record.confidence["title"] == 1.0 and record.confidence["authors"] == 1.0


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"{\TeX}: The Program", "TeX: The Program"),
        (r"The {\TeX book}", "The TeXbook"),
        (r"{\LaTeX}: A Document Preparation System", "LaTeX: A Document Preparation System"),
        (r"{\AmS}-\LaTeX{} and \BibTeX", "AMS-LaTeX and BibTeX"),
        (r"Fitting with {\mbox{MATLAB}}", "Fitting with MATLAB"),
        (r"The \acronym{XML} data model", "The XML data model"),
        (r"A \frobnicate\ tool", "A frobnicate tool"),
    ],
)
def test_tex_macros_keep_their_text(latex: str, text: str) -> None:
    """Known macros give their printed text, unknown ones their name or argument: no word of a title vanishes."""
    from litreview.ingest.bibtex import latex_to_unicode

    assert latex_to_unicode(latex) == text


def test_biblatex_set_entries_expand_into_their_members(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "set.bib",
        "@set{kant, entryset = {kant:ku, kant:kpv}}\n"
        "@book{kant:ku, title = {Kritik der Urtheilskraft}, author = {Kant, Immanuel}, year = 1790}\n"
        "@book{kant:kpv, title = {Kritik der praktischen Vernunft}, author = {Kant, Immanuel}, year = 1788}\n"
        "@set{lost, entryset = {nowhere}}\n",
    )
    result = parse_bibtex_files([path])
    assert sorted(by_key(result)) == ["kant:kpv", "kant:ku"]
    assert all(record.title for record in result.records)
    assert [(e.entry, e.reason) for e in result.errors] == [("lost", "@set members not found: nowhere")]
    assert_none_vanish(result)


def test_biblatex_extended_name_format() -> None:
    names, _ = split_authors(
        "family=Gogh, given=Vincent, prefix=van, useprefix=true and given={Jean-Paul}, family={Sartre} and "
        "family=Ford, given=Henry, suffix=Jr. and Doe, Jane"
    )
    assert names == ["Vincent van Gogh", "Jean-Paul Sartre", "Henry Ford Jr.", "Jane Doe"]


def test_author_forms() -> None:
    names, truncated = split_authors("Doe, Jane and John Smith and von Neumann, John and Ford, Jr., Henry")
    assert names == ["Jane Doe", "John Smith", "John von Neumann", "Henry Ford Jr."]
    assert truncated is False


def test_identifiers(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ids.bib",
        "@misc{a, title = {A}, eprint = {1706.03762v5}, archivePrefix = {arXiv}}\n"
        "@article{b, title = {B}, journal = {arXiv preprint arXiv:1810.04805}}\n"
        "@article{c, title = {C}, doi = {https://doi.org/10.1000/ABC.123}}\n"
        "@article{d, title = {D}, url = {https://dx.doi.org/10.1145/3292500.3330701}}\n"
        "@article{e, title = {E}, date = {2019-05-01}}\n",
    )
    records = by_key(parse_bibtex_files([path]))
    assert records["a"].arxiv_id == "1706.03762"
    assert records["b"].arxiv_id == "1810.04805"
    assert records["c"].doi == "10.1000/abc.123"
    assert records["d"].doi == "10.1145/3292500.3330701"
    assert records["e"].year == 2019


# ------------------------------------------------------------------------------------------ encodings


def test_utf8_bom(shared_data: Path) -> None:
    result = parse_bibtex_files([shared_data / "bibtex" / "bibtexparser_v1_edge_cases" / "article_start_with_bom.bib"])
    assert len(result.records) == 1
    assert result.records[0].citation_key and not result.records[0].citation_key.startswith("\ufeff")
    assert not result.records[0].warnings


def test_latin_file(shared_data: Path) -> None:
    record = parse_bibtex_files(
        [shared_data / "bibtex" / "bibtex_tidy_realworld" / "biber_encoding1_latin1.bib"]
    ).records[0]
    assert record.title == "Šome title"  # latin-9, announced by an Emacs coding line


@pytest.mark.parametrize(
    ("encoding", "title", "author"),
    [
        ("cp1251", "Теория вероятностей и математическая статистика", "Иванов, Иван Петрович"),
        ("gbk", "深度学习在自然语言处理中的应用研究", "王小明"),
        ("latin-1", "Über die Möglichkeit einer ästhetischen Erfahrung", "Müller, Jürgen"),
    ],
)
def test_detected_encodings(tmp_path: Path, encoding: str, title: str, author: str) -> None:
    text = (
        f"@article{{k1,\n  title = {{{title}}},\n  author = {{{author}}},\n"
        f"  journal = {{{title[:12]}}},\n  year = 2020\n}}\n"
    )
    path = write(tmp_path, "x.bib", text, encoding)
    record = parse_bibtex_files([path]).records[0]
    assert record.title == title
    assert record.original_fields["author"] == author


GBK_ENTRY = (
    "@article{{k1,\n  author = {{{author}}},\n  journal = {{{journal}}},\n  title = {{{title}}},\n  year = 2020\n}}\n"
)


@pytest.mark.parametrize(
    ("author", "journal", "title"),
    [
        ("李娜", "软件学报", "A study of graphs"),
        ("杨帆", "物理学报", "超导材料"),
        ("刘洋", "电子学报", "Radar signals"),
    ],
)
def test_short_gbk_file_is_chinese_not_korean(tmp_path: Path, author: str, journal: str, title: str) -> None:
    """Short GBK files also decode as CP949; the mixed Hangul/Hanja that gives is not Korean text."""
    path = write(tmp_path, "gbk.bib", GBK_ENTRY.format(author=author, journal=journal, title=title), "gbk")
    result = parse_bibtex_files([path])
    record = result.records[0]
    assert (record.authors, record.venue, record.title) == ((author,), journal, title)
    assert [notice.path for notice in result.notices] == [str(path)]
    assert "gb18030" in result.notices[0].reason


def test_korean_file_stays_korean_and_a_language_field_decides(tmp_path: Path) -> None:
    korean = GBK_ENTRY.format(author="김철수", journal="한국정보과학회논문지", title="딥러닝 기반 자연어 처리")
    record = parse_bibtex_files([write(tmp_path, "ko.bib", korean, "cp949")]).records[0]
    assert record.authors == ("김철수",) and record.venue == "한국정보과학회논문지"
    # Two characters cannot tell the scripts apart; the entry's language field can.
    hinted = GBK_ENTRY.format(author="周杰", journal="数学", title="Graphs")
    hinted = hinted.replace("year", "language = {chinese},\n  year")
    record = parse_bibtex_files([write(tmp_path, "zh.bib", hinted, "gbk")]).records[0]
    assert record.authors == ("周杰",) and record.venue == "数学"


def test_low_confidence_guess_warns_and_encoding_can_be_given(tmp_path: Path) -> None:
    path = write(tmp_path, "short.bib", GBK_ENTRY.format(author="周杰", journal="数学", title="Graphs"), "gbk")
    result = parse_bibtex_files([path])
    assert "--encoding" in result.notices[0].reason and "--encoding" in result.records[0].warnings[0]
    given = parse_bibtex_files([path], encoding="gbk")
    assert given.records[0].authors == ("周杰",) and given.records[0].venue == "数学"
    assert given.notices[0].reason == "read as gbk (as asked)" and not given.records[0].warnings
    wrong = parse_bibtex_files([path], encoding="no-such-codec")
    assert wrong.records == [] and "cannot decode" in wrong.errors[0].reason


def test_jabref_encoding_header(tmp_path: Path) -> None:
    text = "% Encoding: windows-1252\n\n@book{k, title = {Caf\u00e9 \u2013 na\u00efve}, year = 1999}\n"
    record = parse_bibtex_files([write(tmp_path, "j.bib", text, "cp1252")]).records[0]
    assert record.title == "Café – naïve"


# ------------------------------------------------------------------------------------------ structure, errors


JABREF = r"""% This file was created with JabRef 5.1.
% Encoding: UTF-8

@preamble{"\newcommand{\noop}[1]{}"}

@Article{Good1,
  author   = {Doe, Jane and Smith, John},
  title    = {A {Good} Title},
  year     = {2020},
  abstract = {An abstract with 100\% LaTeX.},
  groups   = {Reviews},
}

@article{bad1,
  title = {Unbalanced {brace,
  year = 2019
}

@article{good2,
  title = "Second",
  author = "Roe, Richard",
  year = {2021},
}

@article{bad2
  title = {no comma after key}
}

@article{good3, title = {Third}, year = {2022}}

@Comment{jabref-meta: databaseType:bibtex;}

@Comment{jabref-meta: grouping:
0 AllEntriesGroup:;
1 StaticGroup:Reviews\;0\;1\;0x8a8a8aff\;\;\;;
}
"""


def test_malformed_entries_are_reported_and_the_rest_imports(tmp_path: Path) -> None:
    path = write(tmp_path, "lib.bib", JABREF)
    result = parse_bibtex_files([path])
    assert sorted(record.citation_key for record in result.records) == ["Good1", "good2", "good3"]
    assert [(error.entry, error.line) for error in result.errors] == [("bad1", 14), ("bad2", 25)]
    assert all(error.path == str(path) and error.reason.startswith("malformed entry") for error in result.errors)
    assert result.entries_seen == 5
    good = by_key(result)["Good1"]
    assert good.title == "A Good Title"
    assert good.abstract == "An abstract with 100% LaTeX."
    assert good.origin == f"{path}:6"
    assert good.entry_type == "article"


def test_unreadable_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    result = parse_bibtex_files([tmp_path / "missing.bib"])
    assert result.records == [] and result.entries_seen == 0
    assert len(result.errors) == 1 and result.errors[0].entry is None


def test_duplicate_fields_keep_the_first_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "d.bib", "@article{d, title = {First}, title = {Second}, year = 2000}\n")
    result = parse_bibtex_files([path])
    assert result.records[0].title == "First"
    assert any("duplicate field" in warning for warning in result.records[0].warnings)


# ------------------------------------------------------------------------------------------ file fields


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (":papers/x.pdf:PDF", ["{folder}/papers/x.pdf"]),  # JabRef
        ("files/12/Doe - 2020.pdf", ["{folder}/files/12/Doe - 2020.pdf"]),  # Better BibTeX
        ("Full Text:files/1/x.pdf:application/pdf;Snapshot:files/1/x.html:text/html", ["{folder}/files/1/x.pdf"]),
        (r":C$\backslash$:/Users/me/x.pdf:pdf", ["C:/Users/me/x.pdf"]),  # Mendeley
        (":/abs/a.pdf:PDF;:rel/b.pdf:PDF", ["/abs/a.pdf", "{folder}/rel/b.pdf"]),
        (r"Paper:C\:\\docs\\y.pdf:PDF", [r"C:\docs\y.pdf"]),  # JabRef on Windows
        ("https://example.org/x.pdf", []),
    ],
)
def test_file_field_forms(tmp_path: Path, value: str, expected: list[str]) -> None:
    assert parse_file_field(value, str(tmp_path)) == [item.format(folder=tmp_path) for item in expected]


def test_file_field_in_entry_is_resolved_against_the_bib_folder(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    path = write(tmp_path / "sub", "f.bib", "@article{f, title = {F}, file = {:pdfs/f.pdf:PDF}}\n")
    assert parse_bibtex_files([path]).records[0].file_paths == (str(tmp_path / "sub" / "pdfs" / "f.pdf"),)


# ------------------------------------------------------------------------------------------ real data floors


@pytest.mark.parametrize("folder", ["aibasel_crossref", "bibtex_tidy_realworld", "bibtexparser_v1_edge_cases"])
def test_no_entry_vanishes_in_real_folders(shared_data: Path, folder: str) -> None:
    files = sorted((shared_data / "bibtex" / folder).glob("*.bib"))
    result = parse_bibtex_files(files)
    assert_none_vanish(result)
    assert result.entries_seen > 0
    assert all(record.origin and record.source == "bibtex" for record in result.records)
    if folder == "bibtex_tidy_realworld":
        large = [r for r in result.records if r.origin and "bbt_large_user_library" in r.origin]
        assert len(large) == 7166
        assert sum(1 for record in large if record.title) > 7100


def test_wrong_entry_type_and_empty_file(shared_data: Path) -> None:
    folder = shared_data / "bibtex" / "bibtexparser_v1_edge_cases"
    result = parse_bibtex_files([folder / "wrong.bib", folder / "empty.bib", folder / "multiline_comments.bib"])
    assert sorted(record.citation_key for record in result.records) == ["bar", "foo"]
    assert result.errors == []
    assert result.entries_seen == 2


def test_bare_percent_and_ampersand_are_characters_not_latex(tmp_path: Path, shared_data: Path) -> None:
    path = write(
        tmp_path, "p.bib", r"@article{p, title = {50% of {GaN} Films \`a la Smith & Sons}, year = 2000}" + "\n"
    )
    assert parse_bibtex_files([path]).records[0].title == "50% of GaN Films à la Smith & Sons"
    real = shared_data / "bibtex" / "bibtex_tidy_realworld" / "bbt_percent_sign_preamble_95_96.bib"
    record = parse_bibtex_files([real]).records[0]
    assert record.abstract and record.abstract.endswith("to 51% and 21Ânm, respectively.")


def test_import_logs_the_encoding_and_takes_encoding_option(tmp_path: Path, capsys) -> None:
    import json

    from litreview.cli import main as cli_main
    from litreview.library import open_library

    path = write(tmp_path, "short.bib", GBK_ENTRY.format(author="周杰", journal="数学", title="Graphs"), "gbk")
    library_path = tmp_path / "library.sqlite"
    args = ["--library", str(library_path), "import", str(path), "--no-embed", "--json"]
    assert cli_main([*args, "--encoding", "gbk"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["notices"] == [{"path": str(path), "reason": "read as gbk (as asked)"}]
    with open_library(library_path) as library:
        row = library.query("SELECT authors, venue FROM papers")[0]
        logged = library.query("SELECT outcome, reason FROM import_log WHERE path = ? AND entry IS NULL", [str(path)])
    assert "周杰" in row["authors"] and row["venue"] == "数学"
    assert [(r["outcome"], r["reason"]) for r in logged] == [("warning", "read as gbk (as asked)")]
    assert cli_main([*args, "--encoding", "klingon"]) == 1
    assert "unknown encoding 'klingon'" in capsys.readouterr().err
