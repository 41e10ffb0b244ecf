"""The remote backend against a real server: infinity-emb on 127.0.0.1 serving the packaged all-MiniLM-L6-v2, a tiny
random BERT and a seed-shaped tiny Qwen3 (1024 wide, the academic card's query prompt) saved by the test.

Remote vectors equal the local path's to 1e-5 for documents and queries, with the seed card's query instruction and
an MRL dimension applied by litreview; the server's own errors reach the user in one line; an import whose server
is killed at a random moment stops in one line with status 1 and the re-run finishes (5 runs). Slow: run with
`-m slow`; skipped when infinity-emb is not installed (see tests/infinity_server.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from infinity_server import HOW_TO_GET, infinity, infinity_executable, kill_during_imports, packaged_minilm
from test_import_pipeline import make_pdf
from tiny_models import QWEN3_ACADEMIC_QUERY_PROMPT, SENTENCES, build_tiny_bert, build_tiny_qwen3

from litreview.embedding import PRESETS, RemoteEmbeddingError, load_embedder
from litreview.embedding.loader import _preset_spec
from litreview.embedding.local import TransformerEmbedder

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(infinity_executable() is None, reason=HOW_TO_GET),
]

# The long one is 560 tokens for the tiny Qwen3 and past MiniLM's 256: truncation is compared too. No text starts or
# ends with whitespace: infinity strips it (litreview's document texts never have any; see pipeline.embedding_text).
DOCUMENTS = [*SENTENCES, ("A longer abstract. " * 40).strip(), "ünïcode — dashes and “quotes”", "x"]
QUERIES = ["dark matter halos", "which clustering method labels topics?", "protein folding"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    folders = {
        "minilm": packaged_minilm(),
        "tiny-bert": build_tiny_bert(root / "bert"),
        # Seed-shaped: the academic card's width, query prompt and maximum length (the server truncates there).
        "tiny-qwen": build_tiny_qwen3(root / "qwen", query_prompt=QWEN3_ACADEMIC_QUERY_PROMPT, seed=3,
                                      hidden_size=1024, max_seq_length=PRESETS["qwen3-0.6b-academic"].max_length),
    }
    with infinity([(folder, name) for name, folder in folders.items()], log=root / "infinity.log") as server:
        yield server, folders


def max_diff(a: np.ndarray, b: np.ndarray) -> float:
    assert a.shape == b.shape
    return float(np.abs(a - b).max())


def test_packaged_minilm_remote_equals_local(served) -> None:
    server, _ = served
    remote = load_embedder(f"{server.url}/embeddings?model=minilm", allow_remote=True)
    local = load_embedder("minilm", device="cpu", dtype="float32")
    assert remote.model_id == local.model_id and remote.dim == local.dim == 384
    assert max_diff(remote.embed_documents(DOCUMENTS), local.embed_documents(DOCUMENTS)) <= 1e-5
    assert max_diff(remote.embed_queries(QUERIES), local.embed_queries(QUERIES)) <= 1e-5


def test_tiny_bert_remote_equals_local(served) -> None:
    server, folders = served
    remote = load_embedder(f"{server.url}/embeddings?model=tiny-bert", allow_remote=True)
    local = load_embedder(str(folders["tiny-bert"]), device="cpu", dtype="float32")
    assert max_diff(remote.embed_documents(DOCUMENTS), local.embed_documents(DOCUMENTS)) <= 1e-5


@pytest.mark.parametrize("dim", [1024, 256, 128])
def test_seed_shaped_qwen3_with_its_card_remote_equals_local(served, dim: int) -> None:
    """?preset= declares the served model as the academic seed: its query instruction and MRL dims apply."""
    server, folders = served
    preset = PRESETS["qwen3-0.6b-academic"]
    remote = load_embedder(f"{server.url}/embeddings?model=tiny-qwen&preset={preset.name}&dim={dim}&batch_size=4",
                           allow_remote=True)
    # The local path of that preset, with the tiny weights in place of the seed's.
    folder = folders["tiny-qwen"]
    local = TransformerEmbedder(folder, _preset_spec(preset, folder), dim=dim, device="cpu", dtype="float32")
    assert remote.query_prompt == local.spec.query_prompt == preset.query_prompt
    assert remote.dim == local.dim == dim
    remote_queries, local_queries = remote.embed_queries(QUERIES), local.embed_queries(QUERIES)
    assert max_diff(remote_queries, local_queries) <= 1e-5
    assert max_diff(remote.embed_documents(DOCUMENTS), local.embed_documents(DOCUMENTS)) <= 1e-5
    # The instruction matters: without it the vectors differ, so the check above is not vacuous.
    assert max_diff(remote_queries, local.embed_documents(QUERIES)) > 1e-3


def test_the_servers_own_words_reach_the_user(served) -> None:
    server, _ = served
    with pytest.raises(RemoteEmbeddingError) as caught:
        load_embedder(f"{server.url}/embeddings?model=all-minilm", dim=384, allow_remote=True).embed_documents(["x"])
    message = str(caught.value)
    assert "\n" not in message and f"{server.url}/embeddings" in message
    assert "HTTP 400" in message and "minilm" in message and "tiny-qwen" in message  # the served names
    base = server.url.removesuffix("/v1")
    with pytest.raises(RemoteEmbeddingError) as caught:
        load_embedder(f"{base}/embeddings?model=minilm", dim=384, allow_remote=True).embed_documents(["x"])
    assert "HTTP 404" in str(caught.value) and f"try {base}/v1/embeddings" in str(caught.value)


# ------------------------------------------------------------------------------------ a server killed mid-import


@pytest.mark.timeout(1800)
def test_server_killed_at_random_moments_during_an_import(tmp_path: Path) -> None:
    """5 runs: each killed import ends in one line with status 1; the re-run finishes; doctor is clean."""
    pdfs = tmp_path / "pdfs"
    for i in range(40):
        make_pdf(pdfs / f"p{i:02d}.pdf", title=f"Paper {i} about sparse retrieval of plant traits",
                 doi=f"10.5555/kill.{i}", abstract=f"Abstract {i}. " + "We embed herbarium records. " * (5 + i % 7))
    for record in kill_during_imports(pdfs, tmp_path, runs=5):
        lines = record["stderr"].strip().splitlines()
        print(f"run {record['run']}: killed at {record['killed_at_papers']} papers, {record['killed_after_s']:.1f} s: "
              f"{lines[0] if lines else ''}")
        assert record["status"] == 1, record
        assert len(lines) == 1 and "Run the same command again to finish" in lines[0], record
        assert "Traceback" not in record["stderr"]
        assert record["rerun_status"] == 0, record
        doctor = record["doctor"]
        assert doctor["problems"] == [] and doctor["integrity"] == "ok", doctor
        assert doctor["papers"] == 40 and doctor["vectors"] == 40, doctor  # no paper or vector twice
