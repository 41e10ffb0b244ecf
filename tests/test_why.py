"""Why two papers are related: distinctive shared terms (IDF against the library, stop words, phrases), also in
the CLI's `related`."""

from __future__ import annotations

import json

from fakes import BagOfWordsEmbedder

from litreview.analysis.related import explain
from litreview.analysis.why import phrases, shared_terms
from litreview.core.paper import ParsedPaper
from litreview.index.vectors import VectorStore, text_hash
from litreview.pipeline import add_records, embedding_text

FILLER = "The study was conducted over 14 days; furthermore patients were discussed and outcomes reported."
TOPICS = ["kidney", "malaria", "asthma", "glaucoma", "sepsis", "migraine", "psoriasis", "anemia", "leprosy", "gout"]


def _library_with_a_pair(library) -> tuple[int, int]:
    records = [ParsedPaper(source="test", title=f"{topic.title()} cohort {i}", abstract=f"{topic} {FILLER}")
               for i in range(5) for topic in TOPICS]  # fmt: skip
    records += [
        ParsedPaper(source="test", title="Zebrafish fin regeneration after amputation",
                    abstract=f"Zebrafish fin regeneration needs blastema cells. {FILLER}"),
        ParsedPaper(source="test", title="Blastema signalling in zebrafish fin regeneration",
                    abstract=f"We traced blastema cells during fin regeneration. {FILLER}"),
    ]  # fmt: skip
    add_records(library, records)
    ids = [row["id"] for row in library.query("SELECT id FROM papers ORDER BY id")]
    return ids[-2], ids[-1]


def test_generic_words_never_explain_a_match(library) -> None:
    first, second = _library_with_a_pair(library)
    [result] = explain(library, first, [(second, 0.9)])
    why = result.why
    assert why and set(why) <= {"fin regeneration", "zebrafish fin", "blastema cells", "zebrafish", "blastema"}
    generic = {"conducted", "days", "furthermore", "patients", "discussed", "outcomes", "reported"}
    assert not generic & {word for term in why for word in term.split()}


def test_phrases_stand_for_their_words() -> None:
    assert phrases("Dark matter halos, of the dark matter kind") == ["dark matter", "matter halos", "dark matter",
                                                                      "matter kind"]  # fmt: skip
    corpus = ["dark energy survey", "matter of fact", "dark skies"]
    found = shared_terms("dark matter halos in dwarfs", "halo cores of dark matter", corpus=corpus)
    assert found[0] == "dark matter" and "dark" not in found and "matter" not in found


def test_cli_related_shows_the_shared_terms(library, capsys) -> None:
    from litreview.cli import main as cli_main

    first, second = _library_with_a_pair(library)
    embedder = BagOfWordsEmbedder()
    rows = library.query("SELECT id, title, abstract FROM papers ORDER BY id")
    texts = [embedding_text(row["title"], row["abstract"]) for row in rows]
    VectorStore(library).put(embedder.model_id, embedder.dim, [row["id"] for row in rows],
                             embedder.embed_documents(texts), [text_hash(t) for t in texts])  # fmt: skip
    path = library.path
    library.close()
    assert cli_main(["--library", str(path), "related", str(first), "-k", "3", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result[0]["id"] == second and set(result[0]) == {"id", "title", "score", "why"}
    assert "fin regeneration" in result[0]["why"]
    assert cli_main(["--library", str(path), "related", str(first), "-k", "1"]) == 0
    assert "why: fin regeneration" in capsys.readouterr().out
