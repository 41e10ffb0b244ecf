"""GUI stories for the citation graph (#16) and translations (#22): the details pane's reference counts and lists,
the "Missing from your library" dock, its export and "Add as placeholder"."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from qt_helpers import FakeBackend

from litreview.analysis.citations import resolve_references
from litreview.analysis.placeholders import PLACEHOLDER_WARNING
from litreview.app import ensure_library
from litreview.core.paper import ParsedPaper
from litreview.core.reference import Reference
from litreview.gui.details_pane import reference_label, reference_summary
from litreview.library.db import open_library
from litreview.library.papers import PaperRepository
from litreview.library.references import store_references
from litreview.library.translations import store_translations

pytestmark = [pytest.mark.gui]

SHARED = Reference(raw="Okafor N, Lindqvist B. Shared ancestry of citation graphs. J Graphs. 2015;4:1-9.",
                   authors=("Okafor, N", "Lindqvist, B"), title="Shared ancestry of citation graphs",
                   venue="J Graphs", year=2015, doi="10.5555/shared.2015")
ONCE = Reference(raw="Tanaka H. A work cited only once. Rev Once. 2012;1:2-3.", authors=("Tanaka, H",),
                 title="A work cited only once", venue="Rev Once", year=2012)


def _build_library(path) -> dict[str, int]:
    """Three papers: A and B both cite the in-library paper C and the external SHARED work; A also cites ONCE.
    A is Portuguese with an English title and abstract as translations."""
    ensure_library(path)
    library = open_library(path)
    try:
        repo = PaperRepository(library)
        with library.transaction() as conn:
            c = repo.insert(ParsedPaper(source="bibtex", title="Graph methods for literature review",
                                        authors=("Mbeki, Sara",), year=2018, doi="10.5555/graph.2018"))
            a = repo.insert(ParsedPaper(
                source="pdf", title="Redes de citação em revisões", authors=("Silva, Ana",), year=2021,
                language="pt", abstract="Estudamos redes de citação.",
                translations=(("title", "en", "Citation networks in reviews"),
                              ("abstract", "en", "We study citation networks.")),
            ))
            b = repo.insert(ParsedPaper(source="pdf", title="Coupling and co-citation", authors=("Ng, Wei",),
                                        year=2022))
            to_c = Reference(raw="Mbeki S. Graph methods for literature review. 2018. doi:10.5555/graph.2018",
                             authors=("Mbeki, S",), title="Graph methods for literature review", year=2018,
                             doi="10.5555/graph.2018")
            store_references(conn, a, [to_c, SHARED, ONCE])
            store_references(conn, b, [SHARED, to_c])
            store_translations(conn, a, [])  # already stored by insert; a no-op must not fail
            resolve_references(conn)
    finally:
        library.close()
    return {"a": a, "b": b, "c": c}


class BibTeXBackend(FakeBackend):
    """The fake models with the real readers, so a BibTeX file imports as in the app."""

    def readers(self):
        from litreview.ingest.registry import default_registry

        return default_registry()


@pytest.fixture
def window(library_path, make_window):
    ids = _build_library(library_path)
    win = make_window(BibTeXBackend())
    win.ids = ids
    return win


def test_reference_summary_and_label_read_the_stored_fields():
    paper = {"references": [{"paper_id": 3, "authors": ["Mbeki, S"], "year": 2018, "title": "Graph methods"},
                            {"paper_id": None, "authors": [], "title": None, "raw": "Raw text only."}],
             "cited_by": [(1, "x"), (2, "y")]}
    assert reference_summary(paper) == ("References (2, 1 in library)", "Cited by in library (2)")
    assert reference_label(paper["references"][0]) == "Mbeki (2018). Graph methods"
    assert reference_label(paper["references"][1]) == "Raw text only."
    physics = {"authors": ["Riess, A G", "Filippenko, A V"], "year": 1998, "title": None, "venue": "Astron. J",
               "volume": "116", "pages": "1009", "raw": "Riess A G et al, 1998 Astron. J. 116 1009 [SPIRES]"}
    assert reference_label(physics) == "Riess et al. (1998). Astron. J 116, 1009"
    assert reference_summary({}) == ("References (0, 0 in library)", "Cited by in library (0)")


def test_details_show_counts_translations_and_navigate_to_a_cited_paper(qtbot, window):
    details = window.details
    window.select_paper(window.ids["a"])
    assert details.references_button.text() == "References (3, 1 in library)"
    assert details.cited_by_button.text() == "Cited by in library (0)"
    text = details.text()
    assert "Citation networks in reviews" in text and "Title (en)" in text
    assert "We study citation networks." in text and "Abstract (en)" in text
    assert "Estudamos redes de citação." in text  # the original stays the paper's own abstract

    details.references_button.click()
    assert details.citation_list.isVisible()
    items = [details.citation_list.item(i) for i in range(details.citation_list.count())]
    assert len(items) == 3
    assert [item.data(Qt.ItemDataRole.UserRole) for item in items] == [window.ids["c"], None, None]
    assert "Shared ancestry of citation graphs" in items[1].text()
    assert items[0].text().startswith("● 1. Mbeki") and items[1].text().startswith("2. ")  # numbered in order

    window.search_box.blockSignals(True)
    window.search_box.setText("redes")  # a filter that hides C
    window.search_box.blockSignals(False)
    window.table_model.set_filter("redes")
    assert window.table_model.row_of(window.ids["c"]) is None
    details.citation_list.itemClicked.emit(items[1])  # an external work: nothing to go to
    details.citation_list.itemClicked.emit(items[0])
    qtbot.waitUntil(lambda: window.current_paper_id() == window.ids["c"], timeout=5_000)
    assert window.search_box.text() == "" and window.statusBar().currentMessage() == "Search cleared to show the paper"
    assert window.back_action.isEnabled()
    window.back_action.trigger()  # back along the citation chain
    assert window.current_paper_id() == window.ids["a"] and not window.back_action.isEnabled()
    window.select_paper(window.ids["c"])
    assert details.paper_id == window.ids["c"]
    assert details.cited_by_button.text() == "Cited by in library (2)"
    # the open list follows the selection: now C's (empty) reference list
    assert details.citation_list.isVisible() and details.citation_list.item(0).text() == "(none)"
    details.cited_by_button.click()
    citing = [details.citation_list.item(i) for i in range(details.citation_list.count())]
    assert sorted(item.data(Qt.ItemDataRole.UserRole) for item in citing) == sorted([window.ids["a"],
                                                                                      window.ids["b"]])
    details.cited_by_button.click()
    assert not details.citation_list.isVisible()


def test_missing_panel_lists_the_shared_work_exports_it_and_adds_a_placeholder(qtbot, window, tmp_path):
    panel = window.missing
    window.missing_dock.raise_()  # tabbed behind Related work: showing it computes the list on the worker
    qtbot.waitUntil(lambda: bool(panel.works), timeout=10_000)
    assert [work["title"] for work in panel.works] == ["Shared ancestry of citation graphs"]  # ONCE: cited once
    assert panel.works[0]["cited_by"] == sorted([window.ids["a"], window.ids["b"]])
    assert panel.table.item(0, 3).text() == "10.5555/shared.2015"
    assert panel.table.item(0, 4).text() == "2"

    assert panel.table.item(0, 1).text() == "N Okafor, B Lindqvist"  # as the library writes names
    assert panel.table.item(0, 4).toolTip() == ("Cited by:\n• Redes de citação em revisões\n"
                                                "• Coupling and co-citation")
    out = window.export_missing(panel.works, fmt="ris", destination=tmp_path / "missing.ris")
    ris = out.read_text(encoding="utf-8")
    assert "Shared ancestry of citation graphs" in ris and "10.5555/shared.2015" in ris
    assert "AU  - Okafor, N\n" in ris and "AU  - Lindqvist, B\n" in ris  # family first, once
    bibtex = window.export_missing(panel.works, fmt="bibtex", destination=tmp_path / "missing.bib")
    assert "author = {Okafor, N and Lindqvist, B}" in bibtex.read_text(encoding="utf-8")
    assert "@article{okafor2015" in bibtex.read_text(encoding="utf-8")

    panel.table.selectRow(0)
    assert panel.placeholder_button.isEnabled()
    panel.placeholder_button.click()
    qtbot.waitUntil(lambda: window.reader.count() == 4, timeout=10_000)
    qtbot.waitUntil(lambda: panel.works == [] and "Nothing missing" in panel.status.text(), timeout=10_000)
    row = window.reader.library.query("SELECT id, external_ids, warnings FROM papers WHERE doi = ?",
                                      ("10.5555/shared.2015",))[0]
    assert json.loads(row["external_ids"]) == {"placeholder": "1"}
    assert PLACEHOLDER_WARNING in json.loads(row["warnings"])
    vector = "SELECT 1 FROM vectors WHERE paper_id = ?"
    qtbot.waitUntil(lambda: bool(window.reader.library.query(vector, (row["id"],))),
                    timeout=10_000)  # embedded by its title, as `doctor` expects of every paper
    qtbot.waitUntil(lambda: window.current_paper_id() == row["id"], timeout=5_000)
    assert window.details.cited_by_button.text() == "Cited by in library (2)"
    window.select_paper(window.ids["a"])
    assert window.details.references_button.text() == "References (3, 2 in library)"

    # the real BibTeX entry arrives later: it merges into the placeholder, which stops being one
    bib = tmp_path / "shared.bib"
    bib.write_text("@article{okafor2015, title={Shared Ancestry of Citation Graphs}, author={Okafor, Nkechi and "
                   "Lindqvist, Britt}, journal={Journal of Graphs}, year={2015}, doi={10.5555/shared.2015}}\n",
                   encoding="utf-8")
    with qtbot.waitSignals([window.client.sig_job_done, window.client.sig_papers_changed], timeout=30_000):
        window.import_paths([bib])
    qtbot.waitUntil(lambda: not window._related_timer.isActive(), timeout=5_000)  # the selected paper's refresh
    assert window.reader.count() == 4
    merged = window.reader.paper(row["id"])
    assert json.loads(merged["external_ids"]) == {}
    assert merged["warnings"] == [] and merged["venue"] == "Journal of Graphs"
    assert [pid for pid, _ in merged["cited_by"]] == sorted([window.ids["a"], window.ids["b"]])


def test_missing_panel_scope_is_a_reading_list(qtbot, window):
    from litreview.library.lists import ReadingLists

    panel = window.missing
    window.missing_dock.raise_()
    qtbot.waitUntil(lambda: bool(panel.works), timeout=10_000)
    library = open_library(window.reader.library.path)
    try:
        ReadingLists(library).add(ReadingLists(library).create("only A"), [window.ids["a"]])
    finally:
        library.close()
    panel.scope.sig_about_to_show.emit()  # what opening the popup does: read the lists afresh
    assert panel.scope.count() == 2
    panel.scope.setCurrentIndex(1)  # only A: nothing in it is cited by two papers of the list
    qtbot.waitUntil(lambda: panel.works == [] and "Nothing missing" in panel.status.text(), timeout=10_000)


def test_a_work_without_title_or_identifier_makes_no_placeholder(library):
    from litreview.analysis.placeholders import add_placeholder, placeholder_record

    with pytest.raises(ValueError, match="neither a title nor an identifier"):
        placeholder_record({"title": "  ", "authors": ["Tanaka, H"], "year": 2012})
    record = placeholder_record({"title": None, "doi": "10.5555/x", "authors": ["Tanaka, H"]})
    assert record.external_ids == {"placeholder": "1"} and record.source == "placeholder"
    first = add_placeholder(library, {"title": "A work", "doi": "10.5555/x", "authors": []})
    assert add_placeholder(library, {"title": "A work", "doi": "10.5555/x", "authors": []}) == first  # no twin
    assert library.conn.execute("SELECT count(*) FROM papers").fetchone()[0] == 1


def test_imported_pdfs_that_share_references_are_related_and_the_why_names_one(qtbot, tmp_path, make_window):
    """Import three PDFs: A and B share three references, C shares none with A. Related for A puts B first,
    and its "why" names a shared reference."""
    from test_references import WORKS, numbered_two_column_pdf, vancouver

    folder = tmp_path / "pdfs"
    folder.mkdir()
    a = numbered_two_column_pdf(folder / "a.pdf", "Outcomes of prophylaxis", [vancouver(w) for w in WORKS[:5]])
    b = numbered_two_column_pdf(folder / "b.pdf", "Anticoagulation after trauma", [vancouver(w) for w in WORKS[2:7]])
    c = numbered_two_column_pdf(folder / "c.pdf", "Screening for thrombosis", [vancouver(w) for w in WORKS[6:]])
    win = make_window(BibTeXBackend())
    with qtbot.waitSignal(win.client.sig_job_done, timeout=60_000):
        win.import_paths([a, b, c])
    ids = {row["path"].rsplit("/", 1)[-1]: row["paper_id"]
           for row in win.reader.library.query("SELECT path, paper_id FROM files")}
    win.select_paper(ids["a.pdf"])
    qtbot.waitUntil(lambda: len(win.related.model.results) == 2, timeout=10_000)
    first = win.related.model.results[0]
    assert first.paper_id == ids["b.pdf"]
    shared_titles = {work[1] for work in WORKS[2:5]}
    assert set(first.shared_references) <= shared_titles and first.shared_references
    assert any(item == f"both cite: {title}" for item in first.why for title in shared_titles)
    why_cell = win.related.model.index(0, 2).data()
    assert f"both cite: {first.shared_references[0]}" in why_cell
    assert win.related.model.results[1].shared_references == ()  # C: text alone


def test_a_missing_work_without_doi_says_so_on_double_click(qtbot) -> None:
    from litreview.gui.missing_panel import MissingPanel

    panel = MissingPanel()
    qtbot.addWidget(panel)
    panel.set_works([{"title": "A report without identifiers", "authors": ["Tanaka, H"], "year": 2012,
                      "doi": None, "cited_by": [1, 2], "citing_titles": ["One", "Two"]}])
    panel.table.cellDoubleClicked.emit(0, 0)
    assert panel.status.text() == "No DOI to open for this work: export the list, or search for its title"
    panel.set_works([{"title": "Cited by many", "authors": [], "doi": None, "cited_by": list(range(12)),
                      "citing_titles": [f"Paper {n}" for n in range(12)]}])
    assert panel.table.item(0, 4).toolTip().endswith("• Paper 9\n… and 2 more")  # ten named


def test_a_new_missing_list_selects_nothing(qtbot) -> None:
    """After "Add as placeholder" the list comes back without the added work: the selected row would now be the
    next work, added by a second click."""
    from litreview.gui.missing_panel import MissingPanel

    panel = MissingPanel()
    qtbot.addWidget(panel)
    works = [{"title": f"Work {n}", "authors": [], "doi": None, "cited_by": [1, 2]} for n in range(3)]
    panel.set_works(works)
    panel.table.selectRow(0)
    assert panel.placeholder_button.isEnabled()
    panel.set_works(works[1:])
    assert panel.selected_work() is None and not panel.placeholder_button.isEnabled()
