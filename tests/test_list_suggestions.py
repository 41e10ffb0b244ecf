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
