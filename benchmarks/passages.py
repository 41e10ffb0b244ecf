"""Full-text passages (issue 19): retrieval, coverage, window, cost and bad input, printed figure by figure.

1. Builds a library from the shared PDFs ($LITREVIEW_TEST_DATA/pdfs: ground-truth, multilingual, plain) with the offline
   default model on the CPU: `run_import(..., fulltext=True)`, timing the passage stage (split, embed).
2. Known-item retrieval: 300 body sentences sampled with a fixed seed from PyMuPDF's own page text (clipped to
   the page minus its top and bottom 6 %, so running heads and footers are out; the text after a document's
   reference-list heading is left out; sentences of 12-60 words, mostly letters), each degraded by dropping
   30 % of its words and swapping two clauses; hit = the right paper AND page in the top 5, for hybrid,
   keyword and semantic passage search.
3. Coverage: per page, the share of the words of that clipped PyMuPDF text (hyphenated line ends joined)
   found in the page's passages; and every passage counted with the model's own tokenizer against its window.
4. Cost: passages/s split and embedded on this machine's cores; the ratio to sentence-transformers on the same
   passages (via benchmarks/embed.py --corpus); library growth per 1,000 PDFs (the library VACUUMed with and
   without its passages, extrapolated linearly); passage query p95 at 100k synthetic passages.
5. Bad input: a 1,000-page generated PDF bounded by the setting; PDFs without a text layer give no passages.
6. The reader (--reader-only): time from asking for a page to the page shown, highlights painted.
7. GUI stall (--stall-only): the longest GUI-thread gap while the main window's worker splits and embeds
   passages (benchmarks/ui_stall.py's heartbeat, per worker stage).

    .venv/bin/python benchmarks/passages.py [--limit N] [--keep DIR] [--skip-scale] [--skip-st]
    .venv/bin/python benchmarks/passages.py --scale-only      # passage query p95 at --scale passages
    .venv/bin/python benchmarks/passages.py --reader-only     # reader: page shown time
    .venv/bin/python benchmarks/passages.py --stall-only [--limit N]  # GUI stall while passages are split, embedded
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.data_location import data_dir  # noqa: E402

DEFAULT_DATA = data_dir() / "pdfs"
SEED = 19
SAMPLES = 300
BAND = 0.06  # top and bottom share of a page left out of the reference text
_REFERENCES_HEADING = re.compile(r"^\s*(?:\d+\.?\s*)?(references|bibliography|literature cited)\s*$", re.I | re.M)
_AUTHOR_LIST = re.compile(r"\b[A-Z][\w'-]+ [A-Z]{1,3}[,:] [A-Z]")  # "Smith JA, Cohen SA: ..." (a reference entry)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def page_texts(path: Path) -> list[str]:
    """PyMuPDF's text of each page, clipped to leave out the running-head and footer bands, line-end
    hyphenation joined."""
    import pymupdf

    texts = []
    with pymupdf.open(path) as doc:
        for page in doc:
            rect = page.rect
            clip = pymupdf.Rect(rect.x0, rect.y0 + BAND * rect.height, rect.x1, rect.y1 - BAND * rect.height)
            try:
                text = page.get_text("text", clip=clip)
            except Exception:  # noqa: BLE001 - a damaged page has no reference text
                text = ""
            texts.append(re.sub(r"(\w)-\n(\w)", r"\1\2", text))
    return texts


def sample_sentences(pdfs: dict[Path, int], rng: random.Random) -> list[tuple[int, int, str]]:
    """(paper id, page from 1, sentence) candidates from every PDF's body pages."""
    candidates = []
    for path, paper_id in pdfs.items():
        texts = page_texts(path)
        for number, text in enumerate(texts):
            heading = _REFERENCES_HEADING.search(text) if number >= len(texts) * 0.2 else None
            flat = re.sub(r"\s+", " ", text[: heading.start()] if heading else text)
            for sentence in _SENTENCE.split(flat):
                words = sentence.split()
                alpha = sum(1 for w in words if re.fullmatch(r"[^\W\d_]+[.,;:]?", w))
                if (12 <= len(words) <= 60 and alpha >= 0.7 * len(words) and "http" not in sentence
                        and not _AUTHOR_LIST.search(sentence)):
                    candidates.append((paper_id, number + 1, sentence.strip()))
            if heading:  # the reference list follows: not body text
                break
    rng.shuffle(candidates)
    return candidates


def degrade(sentence: str, rng: random.Random) -> str:
    """Drop 30 % of the words, then swap two clauses (split at , or ;, else at the middle)."""
    words = sentence.split()
    drop = set(rng.sample(range(len(words)), round(0.3 * len(words))))
    kept = " ".join(word for i, word in enumerate(words) if i not in drop)
    clauses = [c.strip() for c in re.split(r"[,;]", kept) if c.strip()]
    if len(clauses) >= 2:
        i, j = rng.sample(range(len(clauses)), 2)
        clauses[i], clauses[j] = clauses[j], clauses[i]
        return ", ".join(clauses)
    half = kept.split()
    middle = len(half) // 2
    return " ".join(half[middle:] + half[:middle])


def build_library(pdf_dirs: list[Path], library_path: Path, limit: int | None) -> dict:
    from litreview.library import open_library
    from litreview.pipeline import drive, open_embedder, run_import
    from litreview.pipeline.fulltext import index_passages

    pdfs = sorted(p for folder in pdf_dirs for p in folder.rglob("*.pdf"))
    if limit:
        pdfs = sorted(random.Random(SEED).sample(pdfs, min(limit, len(pdfs))))
    staged = library_path.parent / "pdfs"
    staged.mkdir(exist_ok=True)
    for path in pdfs:
        target = staged / f"{path.parent.name}__{path.name}"
        if not target.exists():
            target.symlink_to(path)
    with open_library(library_path) as library:
        embedder = open_embedder(library, None, device="cpu")
        start = time.perf_counter()
        drive(run_import(library, [staged], embedder=embedder))
        abstracts_s = time.perf_counter() - start
        from litreview.pipeline.fulltext import embed_pending_passages, split_pending

        start = time.perf_counter()
        summary = drive(split_pending(library, embedder))
        split_s = time.perf_counter() - start
        start = time.perf_counter()
        embedded = drive(embed_pending_passages(library, embedder))
        embed_s = time.perf_counter() - start
        drive(index_passages(library, embedder))  # nothing left: a no-op check
    return {
        "pdfs": len(pdfs),
        "abstracts_s": abstracts_s,
        "split_papers": summary.papers,
        "passages": summary.passages,
        "split_s": split_s,
        "embedded": embedded,
        "embed_s": embed_s,
        "warnings": summary.warnings,
    }


def known_item(library, embedder, rng: random.Random) -> None:
    from litreview.index.passage_search import search_passages
    from litreview.index.service import passage_index

    pdfs: dict[Path, int] = {}
    for row in library.query("SELECT path, paper_id FROM files WHERE paper_id IN (SELECT paper_id FROM passages)"):
        pdfs.setdefault(Path(row["path"]).resolve(), row["paper_id"])
    candidates = sample_sentences(pdfs, rng)
    samples = candidates[:SAMPLES]
    queries = [(paper_id, page, degrade(sentence, rng)) for paper_id, page, sentence in samples]
    index = passage_index(library)
    start = time.perf_counter()
    vectors = embedder.embed_queries([query for _, _, query in queries])  # one batch, timed on its own
    embed_s = time.perf_counter() - start
    print(f"known-item: {len(samples)} sentences sampled (seed {SEED}) from {len(candidates)} candidates "
          f"in {len(pdfs)} PDFs")
    for mode in ("hybrid", "keyword", "semantic"):
        hits = paper_hits = 0
        latencies = []
        for (paper_id, page, query), vector in zip(queries, vectors, strict=True):
            start = time.perf_counter()
            found = search_passages(library, index, embedder, query, k=5, mode=mode, vector=vector)
            latencies.append(time.perf_counter() - start)
            hits += any(h.passage.paper_id == paper_id and h.passage.page == page for h in found)
            paper_hits += any(h.passage.paper_id == paper_id for h in found)
        print(f"  {mode:8} paper+page in top 5: {hits / len(queries):.1%}   paper in top 5: "
              f"{paper_hits / len(queries):.1%}   search p50 {np.percentile(latencies, 50) * 1000:.1f} ms")
    print(f"  queries embedded in one batch: {len(queries) / embed_s:.0f} queries/s")
    print("  floor: hybrid paper+page >= 95 %")


def coverage(library, embedder) -> None:
    from litreview.embedding.tokens import document_token_counter
    from litreview.ingest.pdf.passages import body_words

    by_page: dict[tuple[int, int], set[str]] = defaultdict(set)
    for row in library.query("SELECT paper_id, page, text FROM passages"):
        by_page[(row["paper_id"], row["page"])].update(body_words(row["text"]))
    sources = {r["paper_id"]: r for r in library.query("SELECT paper_id, truncated, skipped FROM passage_sources")}
    files: dict[int, Path] = {}
    for row in library.query("SELECT path, paper_id FROM files"):
        files.setdefault(row["paper_id"], Path(row["path"]))
    shares, total, found, below = [], 0, 0, []
    for paper_id, source in sources.items():
        if source["truncated"]:
            continue
        skipped = {page for page, _ in json.loads(source["skipped"])}
        for number, text in enumerate(page_texts(files[paper_id]), start=1):
            words = body_words(text)
            if len(words) < 20 or number in skipped:
                continue
            have = by_page.get((paper_id, number), set())
            hit = sum(1 for word in words if word in have)
            shares.append(hit / len(words))
            total += len(words)
            found += hit
            if hit / len(words) < 0.98:
                below.append((files[paper_id].name, number, round(hit / len(words), 3)))
    shares_a = np.array(shares)
    print(f"coverage: {len(shares)} pages with >= 20 words; words found {found / total:.2%} overall; per page "
          f"mean {shares_a.mean():.2%}, min {shares_a.min():.2%}, pages >= 98 %: {(shares_a >= 0.98).mean():.1%}")
    for name, page, share in sorted(below, key=lambda item: item[2])[:8]:
        print(f"    below 98 %: {name} p.{page}: {share:.1%}")
    count, window, _ = document_token_counter(embedder)
    lengths = [count(row["text"]) for row in library.query("SELECT text FROM passages")]
    over = sum(1 for n in lengths if n > window)
    print(f"window: {len(lengths)} passages, tokens (model's tokenizer, specials included) max {max(lengths)}, "
          f"median {int(np.median(lengths))}, window {window}; over the window: {over}")


def library_growth(library_path: Path, pdfs_with_passages: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with_copy, without_copy = Path(tmp) / "with.sqlite", Path(tmp) / "without.sqlite"
        source = sqlite3.connect(library_path)
        for target in (with_copy, without_copy):
            out = sqlite3.connect(target)
            source.backup(out)
            out.close()
        source.close()
        conn = sqlite3.connect(without_copy)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("DELETE FROM passage_vectors")
        conn.execute("DELETE FROM passages")
        conn.execute("DELETE FROM passage_index_snapshots")
        conn.execute("INSERT INTO passages_fts(passages_fts) VALUES ('rebuild')")
        conn.commit()
        conn.execute("VACUUM")
        conn.close()
        conn = sqlite3.connect(with_copy)
        conn.execute("VACUUM")
        conn.close()
        grow = with_copy.stat().st_size - without_copy.stat().st_size
    per_1000 = grow / max(1, pdfs_with_passages) * 1000
    print(f"library growth: {grow / 1e6:.1f} MB for {pdfs_with_passages} PDFs with passages -> "
          f"{per_1000 / 1e9:.2f} GB per 1,000 PDFs (linear extrapolation)")


def query_at_scale(n: int, dim: int, embedder) -> None:
    """p95 of passage search at n synthetic passages (random unit vectors, Zipf-distributed words)."""
    from litreview.index.passage_search import search_passages
    from litreview.index.service import passage_index
    from litreview.library import open_library

    rng = np.random.default_rng(SEED)
    vocabulary = [f"w{i}" for i in range(20000)]
    ranks = np.minimum(rng.zipf(1.3, size=(n, 60)), len(vocabulary)) - 1
    with tempfile.TemporaryDirectory() as tmp, open_library(Path(tmp) / "scale.sqlite") as library:
        with library.transaction() as conn:
            conn.execute("INSERT INTO papers (id, title) VALUES (1, 'synthetic')")
            conn.executemany(
                "INSERT INTO passages (id, paper_id, seq, page, kind, text) VALUES (?, 1, ?, ?, 'body', ?)",
                [(i + 1, i, i // 10 + 1, " ".join(vocabulary[r] for r in ranks[i])) for i in range(n)],
            )
        vectors = rng.standard_normal((n, dim)).astype(np.float32)
        index = passage_index(library)
        model_id = "synthetic/model"
        with library.transaction():
            index.store.put(model_id, dim, list(range(1, n + 1)), vectors, [str(i) for i in range(n)])
        start = time.perf_counter()
        index.rebuild(model_id, dim)
        build_s = time.perf_counter() - start

        class Cached:
            """The query vector computed outside the timing (the embedding is timed on its own below)."""

            def __init__(self) -> None:
                self.model_id, self.dim, self.vector = model_id, dim, None

            def embed_queries(self, texts):
                return self.vector[None, :]

        cached = Cached()
        for mode in ("keyword", "semantic", "hybrid"):
            latencies = []
            for q in range(200):
                words = " ".join(vocabulary[int(r)] for r in rng.choice(ranks[q * 7 % n], 12))
                cached.vector = rng.standard_normal(dim).astype(np.float32)
                cached.vector /= np.linalg.norm(cached.vector)
                start = time.perf_counter()
                search_passages(library, index, cached, words, k=10, mode=mode)
                latencies.append(time.perf_counter() - start)
            print(f"  {n:,} passages {mode:8} p50 {np.percentile(latencies, 50) * 1000:.1f} ms  "
                  f"p95 {np.percentile(latencies, 95) * 1000:.1f} ms")
        print(f"  (HNSW build of {n:,} x {dim} took {build_s:.1f} s)")
    if embedder is not None:
        latencies = []
        for q in range(50):
            start = time.perf_counter()
            embedder.embed_queries([f"how does the method {q} compare with the baseline on small samples"])
            latencies.append(time.perf_counter() - start)
        print(f"  query embedding ({embedder.model_id}): p95 {np.percentile(latencies, 95) * 1000:.1f} ms")
    print("  floor: p95 < 50 ms at 100k passages")


def bad_input(tmp: Path) -> None:
    import pymupdf

    from litreview.ingest.pdf.passages import read_passages, word_count_tokens

    path = tmp / "book.pdf"
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_textbox(pymupdf.Rect(72, 72, 520, 760), "Text of a page of a long book. " * 40, fontsize=10)
    one = pymupdf.open("pdf", doc.tobytes())
    for _ in range(999):
        doc.insert_pdf(one)
    doc.save(path)
    start = time.perf_counter()
    result = read_passages(path, word_count_tokens, 256, max_passages=300)
    seconds = time.perf_counter() - start
    print(f"bad input: 1,000-page PDF -> {len(result.passages)} passages (bound 300), pages 1-{result.last_page} "
          f"read, truncated={result.truncated}, {seconds:.1f} s")


def reader_timing(data: Path, dwell_s: float = 1.0) -> None:
    """Time from asking the reader for a page to the page shown (rendered, highlighted), offscreen Qt: each PDF
    opened at page 1, then pages 2-6 turned, once at once (no time for the neighbours to be rendered ahead)
    and once with `dwell_s` seconds on each page before the next (a reader reading; not timed)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from litreview.gui.reader import ReaderWidget

    app = QApplication.instance() or QApplication([])
    pdfs = sorted((data / "ground-truth").glob("*.pdf"))[:20]

    def dwell(seconds: float) -> None:
        until = time.perf_counter() + seconds
        while time.perf_counter() < until:
            app.processEvents()
            time.sleep(0.005)

    for pause in (0.0, dwell_s):
        reader = ReaderWidget()
        reader.resize(1000, 1200)
        reader.show()
        dwell(2.0)  # the window is up (and the prefetch child started on the first page) before timing
        opened, turned = [], []
        for path in pdfs:
            start = time.perf_counter()
            if not reader.open(path, 1, [(72, 100, 300, 112)]):
                continue
            app.processEvents()
            opened.append(time.perf_counter() - start)
            for page in range(2, min(reader.page_count, 6) + 1):
                dwell(pause)
                start = time.perf_counter()
                reader.go_to(page)
                app.processEvents()
                turned.append(time.perf_counter() - start)
        zoom = reader.zoom
        reader.close()
        times = opened + turned
        label = "pages turned at once" if not pause else f"pages turned after {pause:g} s on each"
        print(f"reader ({label}): {len(times)} pages shown from {len(pdfs)} PDFs at {zoom:.0%}: p50 "
              f"{np.percentile(times, 50) * 1000:.0f} ms, p95 {np.percentile(times, 95) * 1000:.0f} ms, max "
              f"{max(times) * 1000:.0f} ms (floor < 300 ms); opened at page 1: p95 "
              f"{np.percentile(opened, 95) * 1000:.0f} ms; turned: p95 {np.percentile(turned, 95) * 1000:.0f} ms")


def stall_while_passages_embed(data: Path, limit: int | None, trace: bool = False) -> None:
    """The real main window (offscreen) imports --limit ground-truth PDFs with the real worker, model child
    process and full text on, while a 10 ms heartbeat on the GUI thread records the gaps (benchmarks/ui_stall.py);
    prints the longest gap in each worker stage, the passage stages ("passages": split, "embed passages") first."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from stall_trace import StallTracer
    from ui_stall import measure_stall

    stall = measure_stall(data / "ground-truth", None, limit, StallTracer() if trace else None)
    stages = stall["longest_gap_ms_by_stage"]
    passage_gap = max((stages.get(name, 0.0) for name in ("passages", "embed passages")), default=0.0)
    print(f"GUI stall: {stall['pdfs']} PDFs imported with full text in {stall['import_s']} s ({stall['status']}: "
          f"{stall['summary']})")
    for name in ("passages", "embed passages"):
        print(f"  longest gap while the worker was in '{name}': {stages.get(name, 'no beats')} ms")
    others = {name: gap for name, gap in stages.items() if name not in ("passages", "embed passages")}
    print(f"  other stages: {json.dumps(others)}")
    print(f"  worst gaps: {json.dumps(stall['worst_gaps'])}")
    print(f"  longest gap while passages were split or embedded: {passage_gap} ms; overall {stall['longest_gap_ms']} ms"
          f" (floor < 100 ms)")


def main() -> int:
    from litreview.ingest.mupdf import load_pymupdf

    load_pymupdf()  # PyMuPDF as the app's processes have it, before anything here imports it
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, help="only the first N PDFs")
    parser.add_argument("--keep", type=Path, help="build (or reuse) the library in this folder")
    parser.add_argument("--skip-scale", action="store_true", help="skip the 100k-passage query test")
    parser.add_argument("--skip-st", action="store_true", help="skip the sentence-transformers comparison")
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--scale-only", action="store_true", help="only the query-at-scale test")
    parser.add_argument("--reader-only", action="store_true", help="only the reader's page-shown time")
    parser.add_argument("--stall-only", action="store_true",
                        help="only the GUI stall while passages embed (the main window imports --limit PDFs)")
    parser.add_argument("--trace", action="store_true", help="--stall-only: where the GUI thread was at late beats")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"PDFs not found at {args.data} (see docs/test-data.md)", file=sys.stderr)
        return 1
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from litreview.library import open_library
    from litreview.pipeline import open_embedder

    if args.reader_only:
        reader_timing(args.data)
        return 0
    if args.stall_only:
        stall_while_passages_embed(args.data, args.limit, args.trace)
        return 0
    if args.scale_only:
        from litreview.embedding import load_embedder

        print("passage query at scale (synthetic vectors and words; query vector precomputed):")
        query_at_scale(args.scale, 384, load_embedder(None, device="cpu"))
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        library_path = folder / "library.sqlite"
        cores = len(os.sched_getaffinity(0))
        if not library_path.exists():
            built = build_library([args.data / "ground-truth", args.data / "multilingual", args.data / "plain"],
                                  library_path, args.limit)
            print(f"built: {built['pdfs']} PDFs ({cores} cores); abstracts stage {built['abstracts_s']:.1f} s")
            print(f"passages: {built['passages']} from {built['split_papers']} PDFs; split {built['split_s']:.1f} s "
                  f"({built['passages'] / built['split_s']:.0f} passages/s, "
                  f"{built['split_papers'] / built['split_s']:.2f} PDFs/s); embedded {built['embedded']} in "
                  f"{built['embed_s']:.1f} s ({built['embedded'] / built['embed_s']:.1f} passages/s); overall "
                  f"{built['passages'] / (built['split_s'] + built['embed_s']):.1f} passages/s")
            for warning in built["warnings"][:10]:
                print(f"    import log: {warning}")
        with open_library(library_path) as library:
            embedder = open_embedder(library, None, device="cpu")
            known_item(library, embedder, random.Random(SEED))
            coverage(library, embedder)
            with_passages = library.query("SELECT COUNT(*) AS n FROM passage_sources WHERE passages > 0")[0]["n"]
            no_text = library.query("SELECT COUNT(*) AS n FROM passage_sources WHERE passages = 0")[0]["n"]
            print(f"no passages (no text layer or unreadable): {no_text} PDFs")
            texts = [row["text"] for row in library.query("SELECT text FROM passages ORDER BY id LIMIT 1000")]
        library_growth(library_path, with_passages)
        if not args.skip_st:
            corpus = folder / "passages_corpus.jsonl"
            corpus.write_text("".join(json.dumps({"_id": str(i), "title": "", "text": t}) + "\n"
                                      for i, t in enumerate(texts)))
            print(f"sentence-transformers vs litreview on {min(400, len(texts))} passages (benchmarks/embed.py):")
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "embed.py"), "--corpus", str(corpus),
                            "--rounds", "1", "--limit", "400"], check=False)
        bad_input(folder)
        if not args.skip_scale:
            print("passage query at scale (synthetic vectors and words; query vector precomputed):")
            query_at_scale(args.scale, embedder.dim, embedder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
