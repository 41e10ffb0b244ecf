"""Title-only records in semantic search and related: SciFact with the abstracts of 20 % of the documents removed.

    PYTHONPATH=. .venv/bin/python benchmarks/title_only.py [--data DIR] [--vectors CACHE.npz]

Every 5th document of beir/scifact/corpus.jsonl (sorted by id, so 20 %) loses its abstract and is embedded
from its title alone, as the app embeds a record without one (pipeline.embedding_text). The corpus goes into a
temporary library (one paper per document), its vectors (the offline default model, TransformerEmbedder) into the
vector store, and the 300 test claims are searched through litreview.index.search:

- before: the nearest papers by cosine (IndexService.search, what semantic search did);
- after:  semantic_search, which puts title-only papers on the scale of the others (search.like_with_like).

Printed: nDCG@10 and Recall@10 of both, the share of title-only papers among the top 10 and at rank 1 (20 % of
the corpus is title-only), and the same shares for `related` on 300 papers with an abstract. Embedding the
corpus takes minutes on a CPU; `--vectors` keeps them in a file for the next run (recomputed when missing).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.data_location import data_dir, missing_reason  # noqa: E402


class CachedQueries:
    """An embedder stand-in that returns the query vectors computed once."""

    def __init__(self, model_id: str, dim: int, vectors: dict[str, np.ndarray]) -> None:
        self.model_id, self.dim, self.vectors = model_id, dim, vectors

    def embed_queries(self, texts):  # noqa: ANN001, ANN201
        return np.stack([self.vectors[text] for text in texts])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=data_dir(), metavar="DIR")
    parser.add_argument("--vectors", type=Path, help="cache of the document and query vectors (.npz)")
    args = parser.parse_args()
    folder = args.data / "beir" / "scifact"
    if not (folder / "corpus.jsonl").is_file():
        parser.error(missing_reason(args.data))

    from litreview.analysis.evaluation import load_beir, ndcg_at_k, recall_at_k
    from litreview.core.paper import ParsedPaper
    from litreview.index.search import semantic_search, title_only_ids
    from litreview.index.service import IndexService
    from litreview.index.vectors import VectorStore, text_hash
    from litreview.library import open_library
    from litreview.library.papers import PaperRepository
    from litreview.pipeline import embedding_text

    dataset = load_beir(folder)
    doc_ids = sorted(dataset.corpus)
    bare = set(doc_ids[::5])
    texts = [embedding_text(dataset.corpus[d][0], None if d in bare else dataset.corpus[d][1]) for d in doc_ids]
    queries = {qid: dataset.queries[qid] for qid in dataset.qrels}
    if args.vectors and args.vectors.is_file():
        cache = np.load(args.vectors)
        model_id, documents, query_vectors = str(cache["model_id"]), cache["documents"], cache["queries"]
    else:
        from litreview.embedding import load_embedder

        embedder = load_embedder(None, device="cpu")
        model_id = embedder.model_id
        documents = embedder.embed_documents(texts)
        query_vectors = embedder.embed_queries(list(queries.values()))
        if args.vectors:
            np.savez(args.vectors, model_id=model_id, documents=documents, queries=query_vectors)
    dim = documents.shape[1]
    stub = CachedQueries(model_id, dim, dict(zip(queries.values(), query_vectors, strict=True)))

    with tempfile.TemporaryDirectory() as tmp, open_library(Path(tmp) / "library.sqlite") as library:
        repo = PaperRepository(library)
        with library.transaction():  # every document its own paper: this measures ranking, not merging
            paper_of = {d: repo.insert(ParsedPaper(source="beir", title=dataset.corpus[d][0],
                                                   abstract=None if d in bare else dataset.corpus[d][1]))
                        for d in doc_ids}  # fmt: skip
        doc_of = {pid: doc for doc, pid in paper_of.items()}
        VectorStore(library).put(model_id, dim, [paper_of[d] for d in doc_ids], documents,
                                 [text_hash(t) for t in texts])  # fmt: skip
        service = IndexService(library)
        title_only = title_only_ids(library)
        print(f"{len(doc_ids)} documents, {len(title_only)} title-only ({len(title_only) / len(doc_ids):.0%}), "
              f"{len(queries)} queries, {model_id}")
        for name in ("before", "after"):
            ndcg, recall, bare_top10, bare_first = [], [], 0, 0
            for qid, text in queries.items():
                if name == "before":
                    hits = service.search(model_id, dim, stub.embed_queries([text])[0], 10)
                else:
                    hits = semantic_search(library, service, stub, text, k=10)
                ranking = [doc_of[pid] for pid, _ in hits]
                ndcg.append(ndcg_at_k(ranking, dataset.qrels[qid], 10))
                recall.append(recall_at_k(ranking, dataset.qrels[qid], 10))
                bare_top10 += sum(pid in title_only for pid, _ in hits)
                bare_first += bool(hits) and hits[0][0] in title_only
            print(f"search  {name:<6} nDCG@10 {np.mean(ndcg):.4f}  Recall@10 {np.mean(recall):.4f}  title-only: "
                  f"{bare_top10 / (10 * len(queries)):.1%} of top 10, {bare_first / len(queries):.1%} at rank 1")
        from litreview.index.search import related_papers

        sources = [paper_of[d] for d in doc_ids if d not in bare][:300]
        for name in ("before", "after"):
            top10 = first = 0
            for pid in sources:
                if name == "before":
                    hits = service.related(pid, model_id, dim, k=10)
                else:
                    hits = related_papers(library, service, pid, model_id, dim, k=10)
                top10 += sum(h in title_only for h, _ in hits)
                first += bool(hits) and hits[0][0] in title_only
            print(f"related {name:<6} title-only: {top10 / (10 * len(sources)):.1%} of top 10, "
                  f"{first / len(sources):.1%} at rank 1 ({len(sources)} papers with an abstract)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
