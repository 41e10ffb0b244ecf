"""The model in a child process: same vectors as in-process, errors as exceptions, clean exit."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from qt_helpers import FakeEmbedder
from tiny_models import tiny_models  # noqa: F401 - fixture

from litreview.core.progress import Cancelled, CancelToken
from litreview.workers.embedding_process import EmbeddingProcess, EmbeddingProcessError, child_command

TESTS = Path(__file__).resolve().parent
ENV = {"PYTHONPATH": os.pathsep.join([str(TESTS), str(TESTS.parent), os.environ.get("PYTHONPATH", "")])}
FACTORY = "qt_helpers:make_fake_embedder"


def test_child_process_embeds_like_the_model_in_process():
    child = EmbeddingProcess("any", dim=32, factory=FACTORY, env=ENV)
    try:
        assert child.poll_ready(30.0)
        assert (child.model_id, child.dim) == ("fake-bow", 32)
        texts = ["dark matter halos", "protein folding", ""]
        expected = FakeEmbedder(32).embed_documents(texts)
        got = child.embed_documents(texts)
        assert got.dtype == np.float32 and got.shape == (3, 32)
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(child.embed_queries(["protein"]), FakeEmbedder(32).embed_queries(["protein"]))
        assert child.embed_documents([]).shape == (0, 32)
        token = CancelToken()
        token.cancel()
        with pytest.raises(Cancelled):
            child.embed_documents(["x"], cancel=token)
    finally:
        child.close()
    assert child._proc.returncode == 0


def test_a_model_that_cannot_load_raises_with_the_reason():
    child = EmbeddingProcess("missing-model", factory=FACTORY, env=ENV)
    with pytest.raises(EmbeddingProcessError, match="no model called missing-model"):
        child.wait_ready()
    assert child._proc.poll() is not None


def test_a_frozen_app_starts_the_child_through_its_launcher(tmp_path, monkeypatch, tiny_models):  # noqa: F811
    """In a PyInstaller build sys.executable is the app (packaging/launcher.py), which has no `-m`: the child is
    started as `APP --embedding-child CONFIG`. Here the "app" is a script running the launcher, as the build does."""
    app = tmp_path / "litreview-app"
    launcher = TESTS.parent / "packaging" / "launcher.py"
    app.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{launcher}" "$@"\n')
    app.chmod(0o755)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(app))
    assert child_command("{}") == [str(app), "--embedding-child", "{}"]

    child = EmbeddingProcess(str(tiny_models["bert"]), env=ENV)  # the real model factory, a tiny model
    try:
        assert child.poll_ready(120.0)
        assert child.dim > 0 and child.model_id
        vectors = child.embed_documents(["dark matter halos", "protein folding"])
        assert vectors.shape == (2, child.dim) and vectors.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
        assert not np.allclose(vectors[0], vectors[1])
        # Passage splitting counts tokens with the child's model tokenizer and window (embedding.tokens).
        from litreview.embedding import load_embedder
        from litreview.embedding.tokens import TokenizerCounter, document_token_counter

        count, window, key = document_token_counter(child)
        assert isinstance(count, TokenizerCounter) and window == child.max_length and key.startswith("tokenizer:")
        in_process = load_embedder(str(tiny_models["bert"]))
        text = "Dark matter halos, in the cold dark matter model."
        assert count(text) == len(in_process.tokenizer(text)["input_ids"])
    finally:
        child.close()
    assert child._proc.returncode == 0
    assert child._proc.args[:2] == [str(app), "--embedding-child"]


def test_the_chosen_precision_reaches_the_child(tiny_models):  # noqa: F811
    """dtype=bfloat16 loads the model in bfloat16 in the child: vectors close to float32's but not the same."""
    from litreview.embedding import load_embedder

    texts = ["dark matter halos", "protein folding in the cell"]
    float32 = load_embedder(str(tiny_models["bert"])).embed_documents(texts)
    child = EmbeddingProcess(str(tiny_models["bert"]), dtype="bfloat16", env=ENV)
    try:
        assert child.poll_ready(120.0)
        bfloat16 = child.embed_documents(texts)
    finally:
        child.close()
    assert bfloat16.shape == float32.shape and bfloat16.dtype == np.float32
    assert not np.array_equal(bfloat16, float32)
    assert (bfloat16 * float32).sum(axis=1).min() > 0.99
