"""The embedding engine against independent implementations of the seed cards' snippets, on tiny models."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tiny_models import QWEN3_ACADEMIC_QUERY_PROMPT, QWEN3_BASE_QUERY_PROMPT, SENTENCES, tiny_models  # noqa: F401

from litreview.core.progress import Cancelled, CancelToken
from litreview.embedding import (
    DEFAULT_MODEL,
    PRESETS,
    Embedder,
    ModelNotAvailable,
    describe_model,
    list_models,
    load_embedder,
)
from litreview.embedding.presets import find_preset, packaged_model_dir
from litreview.embedding.spec import read_model_spec

ROOT = Path(__file__).resolve().parent.parent

# Mixed lengths, including one far longer than the rest, so batches pad a lot.
TEXTS = [
    SENTENCES[0],
    "cat",
    SENTENCES[2] + " " + SENTENCES[3] + " " + SENTENCES[7],
    "dense retrieval",
    SENTENCES[8],
    "the dog slept",
    " ".join(SENTENCES),
]


# -- independent reference implementations (the model cards' snippets) -----------------------------------------


def qwen3_card_embed(folder: Path, texts: list[str], *, max_length: int = 512, dim: int | None = None) -> np.ndarray:
    """The Qwen3-Embedding card's transformers snippet: left padding, last_token_pool, MRL, F.normalize.

    The card uses max_length 8192; the tiny folders' sentence_bert_config.json says 512, so that is the default.
    """
    import torch
    import torch.nn.functional as F  # noqa: N812
    from transformers import AutoModel, AutoTokenizer

    def last_token_pool(last_hidden_states, attention_mask):
        left_padding = attention_mask[:, -1].sum() == attention_mask.shape[0]
        if left_padding:
            return last_hidden_states[:, -1]
        sequence_lengths = attention_mask.sum(dim=1) - 1
        batch_size = last_hidden_states.shape[0]
        return last_hidden_states[torch.arange(batch_size, device=last_hidden_states.device), sequence_lengths]

    tokenizer = AutoTokenizer.from_pretrained(str(folder), padding_side="left")
    model = AutoModel.from_pretrained(str(folder)).eval()
    batch_dict = tokenizer(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    with torch.no_grad():
        outputs = model(**batch_dict)
    embeddings = last_token_pool(outputs.last_hidden_state, batch_dict["attention_mask"])
    if dim is not None:
        embeddings = embeddings[:, :dim]
    return F.normalize(embeddings, p=2, dim=1).numpy()


def minilm_card_embed(folder: Path, texts: list[str], *, max_length: int) -> np.ndarray:
    """The all-MiniLM-L6-v2 card's transformers snippet: mean pooling over the attention mask, F.normalize."""
    import torch
    import torch.nn.functional as F  # noqa: N812
    from transformers import AutoModel, AutoTokenizer

    def mean_pooling(model_output, attention_mask):
        token_embeddings = model_output[0]
        input_mask_expanded = attention_mask.unsqueeze(-1).expand(token_embeddings.size()).float()
        return torch.sum(token_embeddings * input_mask_expanded, 1) / torch.clamp(input_mask_expanded.sum(1), min=1e-9)

    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModel.from_pretrained(str(folder)).eval()
    encoded_input = tokenizer(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    with torch.no_grad():
        model_output = model(**encoded_input)
    return F.normalize(mean_pooling(model_output, encoded_input["attention_mask"]), p=2, dim=1).numpy()


def get_detailed_instruct(task_description: str, query: str) -> str:
    return f"Instruct: {task_description}\nQuery:{query}"


# -- import hygiene -----------------------------------------------------------------------------------------------


def test_importing_the_package_does_not_import_torch() -> None:
    code = (
        "import sys, litreview.embedding as e, litreview.cli.embed_cmds; "
        "e.describe_model('minilm'); e.list_models(); "
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


# -- Qwen3: last-token pooling, left padding, prompts, MRL ----------------------------------------------------------


@pytest.fixture(scope="module")
def qwen3(tiny_models):  # noqa: F811
    return load_embedder(str(tiny_models["qwen3"]), token_budget=64)


def test_qwen3_documents_match_card_for_every_batch_size(tiny_models, qwen3) -> None:  # noqa: F811
    folder = tiny_models["qwen3"]
    singles = np.concatenate([qwen3_card_embed(folder, [text]) for text in TEXTS])
    batched = qwen3_card_embed(folder, TEXTS)
    np.testing.assert_allclose(batched, singles, atol=1e-5)  # the card itself: padding changes nothing
    assert qwen3.spec.pooling == "lasttoken" and qwen3.spec.padding_side == "left"
    for budget in (16, 64, 100_000):
        qwen3.token_budget = budget
        ours = qwen3.embed_documents(TEXTS)
        assert ours.dtype == np.float32 and ours.shape == (len(TEXTS), 32)
        np.testing.assert_allclose(ours, singles, atol=1e-5)
    qwen3.token_budget = 64


def test_qwen3_queries_use_the_base_card_prompt(tiny_models, qwen3) -> None:  # noqa: F811
    task = "Given a web search query, retrieve relevant passages that answer the query"
    queries = ["dense retrieval of claims", "cat"]
    reference = qwen3_card_embed(tiny_models["qwen3"], [get_detailed_instruct(task, q) for q in queries])
    np.testing.assert_allclose(qwen3.embed_queries(queries), reference, atol=1e-5)
    assert qwen3.spec.query_prompt == QWEN3_BASE_QUERY_PROMPT
    # documents carry no prompt, so a query vector differs from the same text's document vector
    assert np.abs(qwen3.embed_documents(queries) - reference).max() > 1e-3


def test_qwen3_custom_task_prompt(tiny_models) -> None:  # noqa: F811
    task = "Given a claim, retrieve abstracts that support or refute it"
    embedder = load_embedder(str(tiny_models["qwen3"]), task=task)
    reference = qwen3_card_embed(tiny_models["qwen3"], [get_detailed_instruct(task, "coffee causes cancer")])
    np.testing.assert_allclose(embedder.embed_queries(["coffee causes cancer"]), reference, atol=1e-5)


def test_academic_prompt_keeps_its_space_after_query(tiny_models) -> None:  # noqa: F811
    folder = tiny_models["qwen3-academic"]
    embedder = load_embedder(str(folder))
    card = "Instruct: Given a query, retrieve relevant passages that answer the query\nQuery: {query}"
    queries = ["gravitational waves", "protein folding"]
    reference = qwen3_card_embed(folder, [card.format(query=q) for q in queries])
    np.testing.assert_allclose(embedder.embed_queries(queries), reference, atol=1e-5)
    no_space = qwen3_card_embed(
        folder,
        [f"Instruct: Given a query, retrieve relevant passages that answer the query\nQuery:{q}" for q in queries],
    )
    assert np.abs(no_space - reference).max() > 1e-4  # the one space matters to the model


@pytest.mark.parametrize("dim", [8, 16, 31])
def test_qwen3_mrl_truncates_before_normalising(tiny_models, dim: int) -> None:  # noqa: F811
    embedder = load_embedder(str(tiny_models["qwen3"]), dim=dim)
    ours = embedder.embed_documents(TEXTS)
    assert embedder.dim == dim and ours.shape == (len(TEXTS), dim)
    np.testing.assert_allclose(ours, qwen3_card_embed(tiny_models["qwen3"], TEXTS, dim=dim), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-6)
    queries = embedder.embed_queries(["cat"])
    np.testing.assert_allclose(
        queries, qwen3_card_embed(tiny_models["qwen3"], [QWEN3_BASE_QUERY_PROMPT + "cat"], dim=dim), atol=1e-5
    )


def test_max_length_truncates_like_the_card(tiny_models) -> None:  # noqa: F811
    embedder = load_embedder(str(tiny_models["qwen3"]), max_length=12)
    reference = qwen3_card_embed(tiny_models["qwen3"], TEXTS, max_length=12)
    np.testing.assert_allclose(embedder.embed_documents(TEXTS), reference, atol=1e-5)


# -- BERT: mean pooling over the attention mask --------------------------------------------------------------------


def test_bert_mean_pooling_matches_card(tiny_models) -> None:  # noqa: F811
    folder = tiny_models["bert"]
    embedder = load_embedder(str(folder), token_budget=40)
    assert embedder.spec.pooling == "mean" and embedder.max_length == 64  # from sentence_bert_config.json
    singles = np.concatenate([minilm_card_embed(folder, [t], max_length=64) for t in TEXTS])
    for budget in (8, 40, 100_000):
        embedder.token_budget = budget
        np.testing.assert_allclose(embedder.embed_documents(TEXTS), singles, atol=1e-5)
    np.testing.assert_allclose(embedder.embed_queries(TEXTS[:3]), singles[:3], atol=1e-5)  # no query prompt


def test_the_cpu_runs_through_onednn_with_the_cards_numbers(tiny_models, qwen3) -> None:  # noqa: F811
    """The fused oneDNN linears (bias and BERT's GELU inside the product) are on in float32, where the card tests
    above check the numbers, and in bfloat16 where the CPU runs oneDNN's bfloat16 product (elsewhere, an AVX2-only
    AMD EPYC for one, the kernel fails on the probe and PyTorch's linears stay); bfloat16's vectors stay close to
    float32's either way."""
    import torch

    if not torch.backends.mkldnn.is_available():
        pytest.skip("this torch build has no oneDNN")
    bert = load_embedder(str(tiny_models["bert"]))
    assert bert.describe()["onednn_linears"] is True
    assert all(
        isinstance(layer.intermediate.intermediate_act_fn, torch.nn.Identity) for layer in bert.model.encoder.layer
    )
    assert qwen3.describe()["onednn_linears"] is True
    bfloat16 = load_embedder(str(tiny_models["bert"]), dtype="bfloat16")
    assert bfloat16.model.dtype == torch.bfloat16
    assert bfloat16.describe()["onednn_linears"] is torch.ops.mkldnn._is_mkldnn_bf16_supported()
    cosine = (bfloat16.embed_documents(TEXTS) * bert.embed_documents(TEXTS)).sum(axis=1)
    assert cosine.min() > 0.99


def tiny_bert_hidden_states(model):
    """A BERT model's last hidden states for two fixed rows, the second padded."""
    import torch

    ids = torch.tensor([[5, 6, 7, 8], [9, 10, 11, 0]])
    with torch.inference_mode():
        return model(input_ids=ids, attention_mask=(ids > 0).long()).last_hidden_state


def test_onednn_swap_is_undone_when_the_probe_differs(tiny_models, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    import torch
    from transformers import AutoModel
    from transformers.activations import GELUActivation

    from litreview.embedding import onednn

    hidden = tiny_bert_hidden_states
    model = AutoModel.from_pretrained(str(tiny_models["bert"])).eval()
    before = hidden(model)
    monkeypatch.setitem(onednn.PROBE_TOLERANCE, "float32", -1.0)  # no result can pass
    assert onednn.use_onednn_linears(model) is False
    assert all(isinstance(layer.intermediate.intermediate_act_fn, GELUActivation) for layer in model.encoder.layer)
    assert all("forward" not in vars(m) for m in model.modules() if isinstance(m, torch.nn.Linear))
    assert torch.equal(hidden(model), before)


def test_onednn_swap_is_undone_when_the_kernel_fails_and_is_not_applied_twice(
    tiny_models, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    import torch
    from transformers import AutoModel

    from litreview.embedding import onednn

    hidden = tiny_bert_hidden_states

    def failing(kernel, linear, activation):
        def forward(x):
            raise ValueError("not this kernel")

        return forward

    model = AutoModel.from_pretrained(str(tiny_models["bert"])).eval()
    before = hidden(model)
    with monkeypatch.context() as patch:
        patch.setattr(onednn, "_fused_forward", failing)
        assert onednn.use_onednn_linears(model) is False
    assert torch.equal(hidden(model), before)

    assert onednn.use_onednn_linears(model) is True
    swapped = hidden(model)
    assert onednn.use_onednn_linears(model) is False  # every linear is swapped already: nothing left to do
    assert torch.equal(hidden(model), swapped)
    torch.testing.assert_close(swapped, before, rtol=0, atol=1e-5)


def test_the_worker_backend_loads_the_chosen_precision(tiny_models, library) -> None:  # noqa: F811
    from litreview.library.settings import ModelChoice
    from litreview.workers.session import LocalBackend

    backend = LocalBackend(model_in_child_process=False)
    embedder = backend.load_embedder(library, ModelChoice(name=str(tiny_models["bert"]), dtype="bfloat16"))
    assert embedder.describe()["dtype"] == "bfloat16"
    assert backend.load_embedder(library, ModelChoice(name=str(tiny_models["bert"]))).describe()["dtype"] == "float32"


def test_options_override_the_folder(tiny_models) -> None:  # noqa: F811
    embedder = load_embedder(str(tiny_models["bert"]), query_prompt="query: ", max_length=20)
    reference = minilm_card_embed(tiny_models["bert"], ["query: " + TEXTS[0]], max_length=20)
    np.testing.assert_allclose(embedder.embed_queries([TEXTS[0]]), reference, atol=1e-5)
    with pytest.raises(ValueError, match="pooling"):
        load_embedder(str(tiny_models["bert"]), pooling="median")
    with pytest.raises(ValueError, match="dtype"):
        load_embedder(str(tiny_models["bert"]), dtype="int4")


def test_read_model_spec_reads_sentence_transformers_files(tiny_models) -> None:  # noqa: F811
    spec = read_model_spec(tiny_models["qwen3-academic"])
    assert (spec.pooling, spec.padding_side, spec.max_length) == ("lasttoken", "left", 512)
    assert spec.query_prompt == QWEN3_ACADEMIC_QUERY_PROMPT and spec.document_prompt == ""
    assert spec.model_id.startswith("local:")
    minilm = packaged_model_dir(PRESETS["minilm"])
    assert minilm is not None
    spec = read_model_spec(minilm)
    assert (spec.pooling, spec.max_length, spec.padding_side, spec.hidden_size) == ("mean", 256, "right", 384)


# -- batching, order, progress, cancel -------------------------------------------------------------------------------


def test_order_is_restored_and_empty_input(tiny_models) -> None:  # noqa: F811
    embedder = load_embedder(str(tiny_models["bert"]), token_budget=8)
    forward = embedder.embed_documents(TEXTS)
    backward = embedder.embed_documents(TEXTS[::-1])
    np.testing.assert_allclose(backward[::-1], forward, atol=1e-6)
    assert embedder.embed_documents([]).shape == (0, 32)
    batches = embedder._batches([5, 50, 1, 20])
    assert sorted(i for b in batches for i in b) == [0, 1, 2, 3] and batches[0] == [1]


def test_progress_reaches_total_and_cancel_stops_between_batches(tiny_models) -> None:  # noqa: F811
    embedder = load_embedder(str(tiny_models["bert"]), token_budget=8)
    seen: list[tuple[int, int]] = []
    embedder.embed_documents(TEXTS, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, len(TEXTS)) and seen[-1] == (len(TEXTS), len(TEXTS))
    assert len(seen) > 2 and all(a[0] <= b[0] for a, b in zip(seen, seen[1:], strict=False))

    token = CancelToken()

    def cancel_after_first(done: int, total: int) -> None:
        if done > 0:
            token.cancel()

    calls: list[int] = []
    with pytest.raises(Cancelled):
        embedder.embed_documents(TEXTS, progress=lambda d, t: (calls.append(d), cancel_after_first(d, t)), cancel=token)
    assert 0 < max(calls) < len(TEXTS)


# -- presets, the offline default, errors ----------------------------------------------------------------------------


def test_presets_follow_the_cards() -> None:
    assert PRESETS["qwen3-0.6b"].query_prompt == QWEN3_BASE_QUERY_PROMPT
    assert PRESETS["qwen3-0.6b-academic"].query_prompt == QWEN3_ACADEMIC_QUERY_PROMPT
    assert PRESETS["qwen3-0.6b"].check_dim(32) == 32 and PRESETS["qwen3-0.6b"].check_dim(1000) == 1000
    with pytest.raises(ValueError):
        PRESETS["qwen3-0.6b"].check_dim(16)
    assert PRESETS["qwen3-0.6b-academic"].check_dim(256) == 256
    with pytest.raises(ValueError, match="1024, 768, 512, 256, 128"):
        PRESETS["qwen3-0.6b-academic"].check_dim(300)
    with pytest.raises(ValueError):
        PRESETS["minilm"].check_dim(128)
    assert PRESETS["astrobert-small"].max_length == 512 and PRESETS["astrobert-small"].pooling == "mean"
    assert find_preset("Qwen/Qwen3-Embedding-0.6B") is PRESETS["qwen3-0.6b"]


def test_list_models_reports_the_offline_default() -> None:
    models = {m["name"]: m for m in list_models()}
    assert set(models) == set(PRESETS)
    default = models[DEFAULT_MODEL]
    assert default["offline"] is True and default["dim"] == 384 and default["source"] == "package"
    assert default["model_id"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert describe_model(None)["name"] == DEFAULT_MODEL
    json.dumps(models)


def test_offline_default_weights_are_the_published_ones() -> None:
    folder = packaged_model_dir(PRESETS["minilm"])
    assert folder is not None
    for name, expected in PRESETS["minilm"].sha256.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == expected, name


def test_missing_model_names_the_offline_choices(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailable, match=r"offline choices: .*minilm"):
        load_embedder("someone/not-a-cached-model")
    with pytest.raises(ModelNotAvailable, match="offline choices"):
        load_embedder(str(tmp_path))  # a folder without a model


def test_offline_default_matches_sentence_transformers() -> None:
    """The packaged all-MiniLM-L6-v2 gives sentence-transformers' own vectors (cosine >= 0.9999)."""
    from sentence_transformers import SentenceTransformer

    folder = packaged_model_dir(PRESETS["minilm"])
    embedder = load_embedder(token_budget=256)
    assert isinstance(embedder, Embedder)
    assert (embedder.model_id, embedder.dim, embedder.max_length) == (
        "sentence-transformers/all-MiniLM-L6-v2",
        384,
        256,
    )
    texts = [*TEXTS, "word " * 400]  # the last one is truncated at 256 tokens
    ours = embedder.embed_documents(texts)
    theirs = SentenceTransformer(str(folder), device="cpu").encode(texts, batch_size=3, convert_to_numpy=True)
    cosine = (ours * theirs).sum(1) / np.linalg.norm(theirs, axis=1)
    assert cosine.min() >= 0.9999
    assert np.abs(ours - theirs).max() < 1e-4
