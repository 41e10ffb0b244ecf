"""One owner of "which model serves this library": the worker and the CLI load and serve the same model, and a
model switch serves the old vectors until the new model's embedding run completes."""

from __future__ import annotations

import json

import numpy as np
import pytest
from qt_helpers import SAMPLE_PAPERS, FakeBackend, write_text_papers

from litreview.cli import main
from litreview.index.vectors import VectorStore
from litreview.library import settings
from litreview.library.settings import ModelChoice
from litreview.pipeline.jobs import change_model_job, import_job
from litreview.workers.client import SyncWorkerClient


def test_choice_round_trips_and_the_model_is_recorded_when_it_loads(library):
    assert settings.model_choice(library) == ModelChoice()
    settings.choose(library, ModelChoice(name="not-yet", device="cpu", dtype="bfloat16"))
    assert settings.model_choice(library) == ModelChoice(device="cpu", dtype="bfloat16")  # the name waits for a load
    settings.record_loaded(library, "minilm", "sentence-transformers/all-MiniLM-L6-v2", 384)
    assert settings.model_choice(library) == ModelChoice("minilm", "cpu", 384, "bfloat16")
    assert settings.recorded_model(library) == ("sentence-transformers/all-MiniLM-L6-v2", 384)
    settings.choose(library, ModelChoice(name="minilm"))
    assert settings.model_choice(library) == ModelChoice("minilm", dim=384)
    assert library.get_setting(settings.DEVICE) is None


def test_the_model_to_load_keeps_the_librarys_dimension_only_for_its_own_model(library):
    assert settings.model_to_load(library, None, None, default="minilm") == ("minilm", None)
    settings.record_loaded(library, "https://host/v1/embeddings?model=m", "m", 256)
    stored_form = {"https://host/v1/embeddings?model=m&api_key=K": "https://host/v1/embeddings?model=m"}
    assert settings.model_to_load(library, None, None, default="minilm") == ("https://host/v1/embeddings?model=m", 256)
    assert settings.model_to_load(library, "https://host/v1/embeddings?model=m&api_key=K", None, default="x",
                                  storable=lambda name: stored_form.get(name, name))[1] == 256
    assert settings.model_to_load(library, "qwen3-0.6b", None, default="minilm") == ("qwen3-0.6b", None)
    assert settings.model_to_load(library, None, 128, default="minilm")[1] == 128


def test_a_switch_serves_the_old_vectors_until_the_new_embedding_completes(library):
    with library.transaction() as conn:
        conn.executemany("INSERT INTO papers(id, title) VALUES (?, ?)", [(1, "a"), (2, "b")])
    rng = np.random.default_rng(0)
    settings.record_loaded(library, "old", "old/model", 8)
    VectorStore(library).put("old/model", 8, [1, 2], rng.standard_normal((2, 8)).astype(np.float32), ["a", "b"])
    assert settings.serving_model(library) == ("old/model", 8)
    settings.record_loaded(library, "new", "new/model", 4)  # the new model loaded; nothing embedded with it yet
    assert settings.serving_model(library) == ("old/model", 8)
    VectorStore(library).put("new/model", 4, [1], rng.standard_normal((1, 4)).astype(np.float32), ["a"])
    settings.embedding_completed(library, "old/model", 8)  # not the library's model: changes nothing
    assert settings.serving_model(library) == ("old/model", 8)
    settings.embedding_completed(library, "new/model", 4)
    assert settings.serving_model(library) == ("new/model", 4)


@pytest.mark.gui
def test_the_worker_and_the_cli_serve_the_same_model_through_a_cancelled_switch(qtbot, library_path, tmp_path,
                                                                              capsys):
    client = SyncWorkerClient(library_path, backend=FakeBackend())
    outcomes, related = [], []
    client.sig_job_done.connect(outcomes.append)
    client.start(import_job(write_text_papers(tmp_path / "in", SAMPLE_PAPERS)))
    switch = change_model_job(ModelChoice(name="fake-other", dim=32))

    def cancelled_switch(services, cancel):
        steps = switch.run(services, cancel)
        for progress in steps:
            cancel.cancel()  # the new model loads, then the re-embedding stops before its first batch
            yield progress

    client.start(type(switch)(switch.kind, cancelled_switch))
    assert outcomes[-1].status == "cancelled"
    assert settings.recorded_model(client.session.library) == ("fake-other", 32)  # the new model did load
    from litreview.analysis.related import find_related

    client.query(lambda services: find_related(services, 1, 2), related.append)
    assert related[-1].error == "" and related[-1].value.model == "fake-bow"  # the old model still serves
    client.shutdown()
    assert main(["--library", str(library_path), "related", "1", "-k", "2", "--json"]) == 0
    cli_ids = [row["id"] for row in json.loads(capsys.readouterr().out)]
    assert cli_ids == [result.paper_id for result in related[-1].value.results]
