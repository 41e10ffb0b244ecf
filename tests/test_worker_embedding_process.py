"""The model in a child process: same vectors as in-process, errors as exceptions, clean exit."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from qt_helpers import FakeEmbedder

from litreview.core.progress import Cancelled, CancelToken
from litreview.workers.embedding_process import EmbeddingProcess, EmbeddingProcessError

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
