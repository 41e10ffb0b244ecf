"""More like this reading list: the list's topical neighbours rank first; a dismissed suggestion drops out."""

from __future__ import annotations

from litreview.analysis.list_suggestions import dismiss, dismissed, more_like_list
from litreview.app import ensure_library
from litreview.core.paper import ParsedPaper
from litreview.library.db import open_library
from litreview.library.lists import ReadingLists
from litreview.pipeline import add_records

PAPERS = {
    "fold1": ("Protein folding by deep learning", "Neural networks predict protein structure from sequence."),
    "fold2": ("Protein structure prediction", "Deep neural networks fold protein sequences into structures."),
    "fold3": ("Predicting protein contacts with neural networks", "Protein structure from coevolution and deep nets."),
    "fold4": ("Protein structure models", "Deep learning of protein folding and structure prediction."),
    "mal1": ("Malaria vaccine in children", "A randomised trial of a malaria vaccine in African children."),
    "mal2": ("Malaria transmission by mosquitoes", "Mosquito control lowers malaria transmission in villages."),
    "soil": ("Soil carbon under grassland", "Grazing changes soil carbon stocks in temperate grassland."),
}


def test_neighbours_first_and_dismissed_drop_out(tmp_path) -> None:
    path = ensure_library(tmp_path / "library.sqlite")
    with open_library(path) as library:
        add_records(library, [ParsedPaper(source="test", title=t, abstract=a, origin=f"test:{name}")
                              for name, (t, a) in PAPERS.items()], batch="test")
        id_of = {r[1]: int(r[0]) for r in library.conn.execute("SELECT id, title FROM papers")}
        name_of = {id_of[t]: name for name, (t, _) in PAPERS.items()}
        lists = ReadingLists(library)
        list_id = lists.create("Folding")
        lists.add(list_id, [id_of[PAPERS["fold1"][0]], id_of[PAPERS["fold2"][0]]])

        answer = more_like_list(library, "Folding", isolated=False)
        ranked = [name_of[r.paper_id] for r in answer.results]
        assert answer.list_id == list_id and "fold1" not in ranked and "fold2" not in ranked
        assert set(ranked[:2]) == {"fold3", "fold4"}  # the list's topical neighbours first
        assert any("protein" in term for term in answer.results[0].why)

        top = answer.results[0].paper_id
        assert dismiss(library, list_id, [top]) == [top] == dismissed(library, list_id)
        after = [r.paper_id for r in more_like_list(library, list_id, isolated=False).results]
        assert top not in after and name_of[after[0]] in {"fold3", "fold4"}


def _library_with_references(tmp_path):
    """PAPERS, a list "Folding" of fold1 + fold2, and parsed references: fold1 and fold2 cite a folding work the
    library lacks, mal1 and mal2 a malaria work it lacks, soil a grassland one."""
    from litreview.core.reference import Reference
    from litreview.library.references import store_references

    library = open_library(ensure_library(tmp_path / "library.sqlite"))
    add_records(library, [ParsedPaper(source="test", title=t, abstract=a, origin=f"test:{name}")
                          for name, (t, a) in PAPERS.items()], batch="test")
    id_of = {name: int(library.conn.execute("SELECT id FROM papers WHERE title = ?", (t,)).fetchone()[0])
             for name, (t, _) in PAPERS.items()}
    folding = Reference(raw="Jumper J. Highly accurate protein structure prediction. Nature 2021.",
                        authors=("Jumper, J",), title="Highly accurate protein structure prediction with deep learning",
                        year=2021, venue="Nature")
    malaria = Reference(raw="Alonso P. Malaria vaccine efficacy in African infants. Lancet 2004.",
                        authors=("Alonso, P",), title="Malaria vaccine efficacy in African infants", year=2004)
    grass = Reference(raw="Conant R. Grassland management and soil carbon. 2001.", authors=("Conant, R",),
                      title="Grassland management and soil carbon sequestration", year=2001)
    with library.transaction() as conn:
        for name, refs in {"fold1": [folding], "fold2": [folding], "mal1": [malaria], "mal2": [malaria],
                           "soil": [grass]}.items():
            store_references(conn, id_of[name], refs)
    lists = ReadingLists(library)
    list_id = lists.create("Folding")
    lists.add(list_id, [id_of["fold1"], id_of["fold2"]])
    return library, list_id, id_of


def test_missing_works_ranked_apart_dismissed_and_added_as_placeholder(tmp_path) -> None:
    from litreview.analysis.placeholders import add_placeholder

    library, list_id, id_of = _library_with_references(tmp_path)
    with library:
        answer = more_like_list(library, list_id, isolated=False)
        papers = {int(r[0]) for r in library.conn.execute("SELECT id FROM papers")}
        assert {r.paper_id for r in answer.results} <= papers  # the library's rows hold library papers only
        titles = [w.title for w in answer.missing]
        assert len(titles) == 3 and titles[0].startswith("Highly accurate protein structure")  # the list cites it
        top = answer.missing[0]
        assert top.cited_by == 2 and top.year == 2021 and "protein" in " ".join(top.why)
        assert top.work["work_id"] == top.work_id and top.dismiss_id == -top.work_id
        assert not library.conn.execute("SELECT 1 FROM papers WHERE title = ?", (top.title,)).fetchone()

        dismiss(library, list_id, [top.dismiss_id])
        after = more_like_list(library, list_id, isolated=False)
        assert top.work_id not in [w.work_id for w in after.missing] and len(after.missing) == 2

        paper_id = add_placeholder(library, dict(after.missing[0].work))  # now a library paper: no longer missing
        final = more_like_list(library, list_id, isolated=False)
        assert after.missing[0].work_id not in [w.work_id for w in final.missing]
        assert paper_id in [r.paper_id for r in final.results]


def test_features_built_once_per_library_state(tmp_path, monkeypatch) -> None:
    from litreview.analysis import list_suggestions

    built = []
    real = list_suggestions.build_features
    monkeypatch.setattr(list_suggestions, "_CACHE", {})
    monkeypatch.setattr(list_suggestions, "build_features", lambda *a, **kw: built.append(1) or real(*a, **kw))
    library, list_id, id_of = _library_with_references(tmp_path)
    with library:
        first = more_like_list(library, list_id, isolated=False)
        dismiss(library, list_id, [first.results[0].paper_id])  # a dismissal changes the labels, not the features
        second = more_like_list(library, list_id, isolated=False)
        assert len(built) == 1 and first.results[0].paper_id not in [r.paper_id for r in second.results]

        add_records(library, [ParsedPaper(source="test", title="Protein folding kinetics",
                                          abstract="Folding kinetics of small proteins.", origin="test:new")],
                    batch="test2")
        third = more_like_list(library, list_id, isolated=False)
        assert len(built) == 2 and "Protein folding kinetics" in [r.title for r in third.results]
        library.conn.execute("UPDATE papers SET abstract = 'Soil and grass.' WHERE id = ?", (id_of["fold4"],))
        more_like_list(library, list_id, isolated=False)
        assert len(built) == 3  # an edited abstract is a new state
