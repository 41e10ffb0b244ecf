"""SciFact-style check of the embedding text for papers printed in two languages (issue #22).

The six bilingual articles of $LITREVIEW_TEST_DATA/pdfs/multilingual are read from their PDFs and stored with
--distractors SciFact abstracts in a temporary library; the English default model (MiniLM) embeds what
`pending_embeddings` chooses. For each article a query made from its English title must find it in the top 3.
For contrast the same is measured with the original text (title and abstract in the article's own language)
embedded instead.

    .venv/bin/python benchmarks/multilingual_retrieval.py [--data DIR] [--distractors N]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.data_location import data_dir  # noqa: E402

DEFAULT_DATA = data_dir()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--distractors", type=int, default=1000, help="SciFact abstracts stored alongside")
    args = parser.parse_args()

    from litreview.core.paper import ParsedPaper
    from litreview.embedding.loader import load_embedder
    from litreview.ingest.pdf import read_pdf
    from litreview.ingest.pdf_language import guess_short_language
    from litreview.library import open_library
    from litreview.pipeline import add_records, embedding_text, pending_embeddings

    folder = args.data / "pdfs" / "multilingual"
    truth = [json.loads(line) for line in (folder / "ground_truth.jsonl").read_text().splitlines() if line]
    corpus = args.data / "beir" / "scifact" / "corpus.jsonl"
    distractors = []
    with corpus.open() as handle:
        for line in handle:
            if len(distractors) >= args.distractors:
                break
            doc = json.loads(line)
            distractors.append(ParsedPaper(source="beir", title=doc["title"], abstract=doc["text"], origin=doc["_id"]))
    embedder = load_embedder("minilm")
    with tempfile.TemporaryDirectory() as tmp:
        library = open_library(Path(tmp) / "library.sqlite")
        records = [read_pdf(folder / record["pdf"]) for record in truth]
        ids = add_records(library, [r for r in records if isinstance(r, ParsedPaper)]).paper_ids
        add_records(library, distractors)
        start = time.perf_counter()
        chosen = pending_embeddings(library, embedder.model_id, embedder.dim)
        paper_ids = [paper_id for paper_id, _, _ in chosen]
        vectors = embedder.embed_documents([text for _, text, _ in chosen])
        rows = {pid: (title, abstract) for pid, title, abstract in library.conn.execute(
            "SELECT id, title, abstract FROM papers")}  # fmt: skip
        original = vectors.copy()
        position = {pid: index for index, pid in enumerate(paper_ids)}
        own = embedder.embed_documents([embedding_text(*rows[pid]) for pid in ids])
        for pid, vector in zip(ids, own, strict=True):
            original[position[pid]] = vector
        elapsed = time.perf_counter() - start
        library.close()
    queries = []
    for record in truth:
        # The truth's language labels are not always right: the title's own words say which one is English.
        titles = [record["title"], *(text for _, text in record.get("trans_titles") or [])]
        queries.append(next((text for text in titles if guess_short_language(text) == "en"), record["title"]))
    query_vectors = embedder.embed_queries(queries)
    print(f"{len(truth)} bilingual articles + {len(distractors)} SciFact abstracts, MiniLM, {elapsed:.0f} s to embed")
    print(f"{'article':10} {'label':5} {'rank, cosine (English chosen)':>30} {'rank, cosine (original)':>24}  query")
    hits = {"chosen": 0, "original": 0}
    for record, paper_id, query, vector in zip(truth, ids, queries, query_vectors, strict=True):
        ranks = {}
        for name, matrix in (("chosen", vectors), ("original", original)):
            scores = matrix @ np.asarray(vector, dtype=np.float32)
            order = np.argsort(-scores)
            rank = int(np.nonzero(order == position[paper_id])[0][0]) + 1
            ranks[name] = f"{rank}, {scores[position[paper_id]]:.3f}"
            hits[name] += rank <= 3
        print(f"{record['pdf']:10} {record['language']:5} {ranks['chosen']:>30} {ranks['original']:>24}  {query[:60]}")
    n = len(truth)
    print(f"top-3: English text chosen {hits['chosen']}/{n}; original text {hits['original']}/{n}")
    return 0 if hits["chosen"] == n else 1


if __name__ == "__main__":
    raise SystemExit(main())
