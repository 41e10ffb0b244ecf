"""DOI and arXiv identifiers found in text, validated and normalised."""

from __future__ import annotations

import pytest

from litreview.core.identifiers import find_arxiv, find_doi, normalize_arxiv, normalize_doi
from litreview.core.text import family_name, normalize_title


@pytest.mark.parametrize(
    ("text", "doi"),
    [
        ("https://doi.org/10.1038/NATURE14539", "10.1038/nature14539"),
        ("doi:10.1000/x_(y)", "10.1000/x_(y)"),
        ("DOI 10.1145/3292500.3330701.", "10.1145/3292500.3330701"),
        ("(see 10.1371/journal.pone.0123456)", "10.1371/journal.pone.0123456"),
        ("not a doi 10.12/abc", None),
        # SICI DOIs: two papers of one issue differ only after "<"; cut there, they became one paper.
        ("10.1002/(SICI)1521-3951(199911)216:1<5::AID-PSSB5>3.3.CO;2-6",
         "10.1002/(sici)1521-3951(199911)216:1<5::aid-pssb5>3.3.co;2-6"),
        ("https://doi.org/10.1002/(SICI)1521-396X(199911)176:1<301::AID-PSSA301>3.0.CO;2-H",
         "10.1002/(sici)1521-396x(199911)176:1<301::aid-pssa301>3.0.co;2-h"),
        ("", None),
    ],
)
def test_normalize_doi(text, doi):
    assert normalize_doi(text) == doi


def test_find_doi_in_running_text():
    assert find_doi("Published 2020. https://doi.org/10.3389/fpls.2020.00001; received") == "10.3389/fpls.2020.00001"


@pytest.mark.parametrize(
    ("text", "arxiv_id"),
    [
        ("arXiv:2101.12345v2", "2101.12345"),
        ("https://arxiv.org/abs/0704.0001", "0704.0001"),
        ("hep-th/9901001v3", "hep-th/9901001"),
        ("1313.12345", None),  # month 13
        ("0612.1234", None),  # four-digit ids began in April 2007
        ("1412.12345", None),  # five-digit ids began in 2015
    ],
)
def test_normalize_arxiv(text, arxiv_id):
    assert normalize_arxiv(text) == arxiv_id


def test_find_arxiv_needs_a_marker():
    assert find_arxiv("Preprint arXiv: 1706.03762 [cs.CL]") == "1706.03762"
    assert find_arxiv("Tel. 2101.12345") is None


def test_titles_and_names_normalise():
    assert normalize_title("  Déjà-vu: A {Study} of  Things! ") == "deja vu a study of things"
    assert family_name("Doe, Jane") == family_name("Jane Doe") == "doe"


def test_counts_are_in_the_right_number() -> None:
    from litreview.core.text import count_of

    assert [count_of(n, "paper") for n in (0, 1, 2, 5817)] == ["0 papers", "1 paper", "2 papers", "5,817 papers"]
    assert count_of(1, "match", "matches") == "1 match" and count_of(3, "match", "matches") == "3 matches"


def test_no_message_puts_a_count_before_a_fixed_plural() -> None:
    """"1 papers": every user-facing count goes through count_of (the issue's grep, kept as a test)."""
    import re
    from pathlib import Path

    nouns = "papers|results|topics|matches|files|entries|duplicates|clusters|groups|items"
    fixed_plural = re.compile(r"\{[^{}]*\} (" + nouns + r")\b")
    root = Path(__file__).resolve().parent.parent / "litreview"
    offenders = [f"{path.relative_to(root)}:{number}" for path in sorted(root.rglob("*.py"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if fixed_plural.search(line)]  # fmt: skip
    assert offenders == []
