"""Query vectors without torch (embedding.query_encoder): the same numbers as TransformerEmbedder, and a CLI
search that never imports torch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from tiny_models import SENTENCES, tiny_models  # noqa: F401

from litreview.embedding import load_embedder, load_query_embedder
from litreview.embedding.query_encoder import BertQueryEncoder

ROOT = Path(__file__).resolve().parent.parent
QUERIES = [SENTENCES[0], "cat", " ".join(SENTENCES), "dense retrieval"]


def test_tiny_bert_queries_match_the_transformers_embedder(tiny_models) -> None:  # noqa: F811
    folder = str(tiny_models["bert"])
    light = load_query_embedder(folder)
    assert isinstance(light, BertQueryEncoder)
    full = load_embedder(folder)
    assert (light.model_id, light.dim) == (full.model_id, full.dim)
    np.testing.assert_allclose(light.embed_queries(QUERIES), full.embed_queries(QUERIES), atol=1e-5)
    short = load_query_embedder(folder, dim=16)
    np.testing.assert_allclose(short.embed_queries(QUERIES), load_embedder(folder, dim=16).embed_queries(QUERIES),
                               atol=1e-5)  # fmt: skip


def test_offline_default_queries_match_the_transformers_embedder() -> None:
    light = load_query_embedder(None)
    assert isinstance(light, BertQueryEncoder)
    queries = ["gene expression in T cells", "Ambulatory blood pressure monitoring " * 80, "x"]  # one truncated
    cosine = (light.embed_queries(queries) * load_embedder(None, device="cpu").embed_queries(queries)).sum(axis=1)
    assert cosine.min() > 0.9999


def test_decoders_and_options_keep_the_transformers_embedder(tiny_models) -> None:  # noqa: F811
    assert not isinstance(load_query_embedder(str(tiny_models["qwen3"])), BertQueryEncoder)
    assert not isinstance(load_query_embedder(str(tiny_models["bert"]), pooling="max"), BertQueryEncoder)


def test_cli_semantic_search_does_not_import_torch(tmp_path: Path) -> None:
    from litreview.core.paper import ParsedPaper
    from litreview.library import open_library
    from litreview.pipeline import add_records, drive, embed_pending

    library_path = tmp_path / "library.sqlite"
    with open_library(library_path) as library:
        add_records(library, [ParsedPaper(source="test", title=t, abstract=t) for t in SENTENCES[:6]])
        drive(embed_pending(library, load_embedder(None, device="cpu")))
    script = (
        "import sys\nfrom litreview.cli import main\n"
        f"code = main(['--library', {str(library_path)!r}, 'search', 'dogs', '--mode', 'hybrid', '--json'])\n"
        "print('torch' in sys.modules, 'transformers' in sys.modules, code, file=sys.stderr)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert result.stderr.strip().splitlines()[-1] == "False False 0", result.stderr
    assert '"score"' in result.stdout
