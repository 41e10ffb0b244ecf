"""The CUDA path (float16, device auto-selection) against the cards' float32 CPU snippets; skipped without a GPU."""

from __future__ import annotations

import numpy as np
import pytest
from test_embedding import TEXTS, minilm_card_embed, qwen3_card_embed
from tiny_models import QWEN3_BASE_QUERY_PROMPT, tiny_models  # noqa: F401

from litreview.embedding import load_embedder


@pytest.fixture(scope="module", autouse=True)
def needs_cuda() -> None:
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_qwen3_on_cuda_is_float16_and_matches_the_card(tiny_models) -> None:  # noqa: F811
    embedder = load_embedder(str(tiny_models["qwen3"]))
    assert (
        embedder.device == "cuda"
        and embedder.dtype == "float16"
        and embedder.attention in ("sdpa", "flash_attention_2")
    )
    reference = qwen3_card_embed(tiny_models["qwen3"], TEXTS)
    for budget in (16, 100_000):
        embedder.token_budget = budget
        ours = embedder.embed_documents(TEXTS)
        assert ours.dtype == np.float32
        assert cosines(ours, reference).min() > 0.999
    queries = embedder.embed_queries(["cat", "dense retrieval"])
    reference = qwen3_card_embed(
        tiny_models["qwen3"], [QWEN3_BASE_QUERY_PROMPT + q for q in ["cat", "dense retrieval"]]
    )
    assert cosines(queries, reference).min() > 0.999


def test_bert_on_cuda_matches_the_card_and_float32_override(tiny_models) -> None:  # noqa: F811
    reference = minilm_card_embed(tiny_models["bert"], TEXTS, max_length=64)
    fp16 = load_embedder(str(tiny_models["bert"]), token_budget=40)
    assert cosines(fp16.embed_documents(TEXTS), reference).min() > 0.999
    fp32 = load_embedder(str(tiny_models["bert"]), dtype="float32")
    assert fp32.dtype == "float32"
    np.testing.assert_allclose(fp32.embed_documents(TEXTS), reference, atol=1e-4)  # TF32-free float32 on the GPU
    cpu = load_embedder(str(tiny_models["bert"]), device="cpu")
    assert cpu.device == "cpu" and cpu.dtype == "float32"
    np.testing.assert_allclose(cpu.embed_documents(TEXTS), reference, atol=1e-5)
