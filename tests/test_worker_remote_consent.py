"""A remote embedding endpoint named by a library file is never used on its own: opening, resuming, searching
or importing sends nothing until the user chooses it in this app instance (Settings or `--model`), and the
library never stores an api_key. A local stand-in server counts every request."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from test_embedding_remote import server  # noqa: F401 - the counting stand-in server fixture

from litreview.cli import main
from litreview.embedding import loader
from litreview.embedding.loader import (
    RemoteNotAllowed,
    allow_remote_endpoint,
    load_embedder,
    remote_allowed,
    storable_model_name,
)
from litreview.embedding.remote import RemoteEmbedder
from litreview.gui.presenters import describe_outcome
from litreview.index.search import answer_search
from litreview.index.vectors import VectorStore
from litreview.library import settings
from litreview.pipeline.jobs import change_model_job, embed_job, resume_job
from litreview.workers.client import SyncWorkerClient
from litreview.workers.session import LocalBackend

ROOT = Path(__file__).resolve().parent.parent
ABSTRACTS = [
    ("Dark matter in dwarf galaxies", "Rotation curves of dwarf galaxies constrain dark matter halos."),
    ("Protein folding with graphs", "Graph networks predict protein structures from sequences."),
    ("Galaxy clusters and lensing", "Weak lensing maps the dark matter of galaxy clusters."),
]


@pytest.fixture(autouse=True)
def no_choice_yet(monkeypatch):
    """Each test starts as a fresh app instance: no endpoint chosen, nothing remote on the command line."""
    monkeypatch.setattr(loader, "_CHOSEN_ENDPOINTS", set())
    monkeypatch.setattr(sys, "argv", ["litreview"])


@pytest.fixture
def remote_library(library, server):  # noqa: F811 - the imported fixture
    """A library whose settings name the stand-in endpoint and whose papers have no vectors yet."""
    url, state = server
    with library.transaction() as conn:
        for title, abstract in ABSTRACTS:
            conn.execute("INSERT INTO papers(title, abstract) VALUES (?, ?)", (title, abstract))
        settings.record_loaded(library, f"{url}/v1/embeddings?model=m", "m", 8)
    return library, url, state


def refusal_for(url: str) -> str:
    return f"this library uses the remote embedding service at {url.removeprefix('http://')}; choose it again in"


def all_settings(library) -> str:
    return json.dumps(library.query("SELECT key, value FROM settings"))


def test_loader_refuses_an_endpoint_nobody_chose_and_sends_nothing(server) -> None:  # noqa: F811
    url, state = server
    name = f"{url}/v1/embeddings?model=m"
    with pytest.raises(RemoteNotAllowed, match="remote embedding service at 127.0.0.1:"):
        load_embedder(name, dim=8)
    assert not remote_allowed(name)
    allow_remote_endpoint(f"{url}/v1/embeddings?model=other&api_key=K")  # the endpoint counts, not its options
    embedder = load_embedder(name, dim=8)
    assert embedder.embed_queries(["dark matter"]).shape == (1, 8)
    assert len(state.requests) == 1


@pytest.mark.parametrize("argv", [["--model", "URL"], ["--model=URL"]])
def test_an_endpoint_on_the_command_line_is_the_users_choice(monkeypatch, argv) -> None:
    url = "http://127.0.0.1:9/v1/embeddings?model=m"
    monkeypatch.setattr(sys, "argv", ["litreview", "import", *(a.replace("URL", url) for a in argv)])
    assert remote_allowed(url) and remote_allowed("http://127.0.0.1:9/v1/embeddings")
    assert not remote_allowed("http://127.0.0.1:10/v1/embeddings")  # another port is another service
    assert not remote_allowed("http://evil.example/v1/embeddings")


def test_stored_names_lose_their_api_key_and_credentials() -> None:
    stored = storable_model_name("https://user:pw@host:8443/v1/embeddings?model=m&api_key=SECRET&batch_size=4")
    assert stored == "https://host:8443/v1/embeddings?model=m&batch_size=4"
    assert storable_model_name("qwen3-0.6b") == "qwen3-0.6b"
    assert RemoteEmbedder("http://user:pw@host:81/v1/embeddings").model_id == "http://host:81/v1/embeddings"


def test_resume_and_search_send_nothing_until_the_user_chooses_the_endpoint(qtbot, remote_library) -> None:
    library, url, state = remote_library
    client = SyncWorkerClient(library.path, backend=LocalBackend())  # the real backend: model in a child process
    outcomes, searches = [], []
    client.sig_job_done.connect(outcomes.append)
    client.sig_replied.connect(searches.append)

    def search(mode: str) -> None:
        client.query(partial(answer_search, query="dark matter", mode=mode))

    try:
        client.start(resume_job())  # what the window does when it opens the library
        assert outcomes[-1].status == "finished"
        summary = describe_outcome(outcomes[-1])
        assert refusal_for(url) in summary and "Settings → Model" in summary
        search("hybrid")
        assert searches[-1].error == "" and searches[-1].value.mode == "keyword"  # fell back to keywords
        assert {pid for pid, _ in searches[-1].value.hits} == {1, 3}
        search("semantic")
        assert refusal_for(url) in searches[-1].error
        assert state.requests == []

        # Choosing it in Settings is consent: now the abstracts go there, with the key as a header only.
        client.start(change_model_job(settings.ModelChoice(name=f"{url}/v1/embeddings?model=m&api_key=SECRET", dim=8)))
        assert outcomes[-1].status == "finished", outcomes[-1].error
        assert describe_outcome(outcomes[-1]) == "Embedded 3 papers"
        assert len(state.requests) >= 1
        assert VectorStore(client.session.library).text_hashes("m", 8).keys() == {1, 2, 3}
        assert "SECRET" not in all_settings(client.session.library)
        assert client.session.library.get_setting("model") == f"{url}/v1/embeddings?model=m"
    finally:
        client.shutdown()


def test_in_process_model_loading_refuses_too(qtbot, remote_library) -> None:
    library, url, state = remote_library
    client = SyncWorkerClient(library.path, backend=LocalBackend(model_in_child_process=False))
    outcomes = []
    client.sig_job_done.connect(outcomes.append)
    try:
        client.start(embed_job())
        assert outcomes[-1].status == "failed" and refusal_for(url) in outcomes[-1].error
    finally:
        client.shutdown()
    assert state.requests == []


def test_cli_related_search_and_import_send_nothing_to_a_stored_endpoint(remote_library, capsys, tmp_path) -> None:
    library, url, state = remote_library
    rng = np.random.default_rng(0)
    VectorStore(library).put("m", 8, [1, 2, 3], rng.standard_normal((3, 8)).astype(np.float32), ["a", "b", "c"])
    path = str(library.path)

    assert main(["--library", path, "related", "1", "--json"]) == 0
    assert {row["id"] for row in json.loads(capsys.readouterr().out)} == {2, 3}
    assert main(["--library", path, "search", "dark", "matter", "--mode", "semantic"]) == 1
    assert refusal_for(url) in capsys.readouterr().err
    assert main(["--library", path, "search", "dark", "matter", "--json"]) == 0  # hybrid falls back to keyword
    out, err = capsys.readouterr()
    assert refusal_for(url) in err and "keyword only" in err
    assert {row["id"] for row in json.loads(out)} == {1, 3}
    bib = tmp_path / "one.bib"
    bib.write_text("@article{a, title={Cosmic voids}, abstract={Voids trace dark energy.}, year={2020}}\n")
    assert main(["--library", path, "import", str(bib)]) == 1
    assert refusal_for(url) in capsys.readouterr().err
    assert main(["--library", path, "search", "dark", "--mode", "keyword", "--json"]) == 0
    assert {row["id"] for row in json.loads(capsys.readouterr().out)} == {1, 3}
    assert state.requests == []


def test_cli_model_given_on_the_command_line_is_used_and_its_key_not_stored(library, server, tmp_path) -> None:  # noqa: F811
    url, state = server
    library.close()
    bib = tmp_path / "one.bib"
    bib.write_text("@article{a, title={Cosmic voids}, abstract={Voids trace dark energy.}, year={2020}}\n")
    model = f"{url}/v1/embeddings?model=m&dim=8&api_key=SECRET"
    done = subprocess.run(
        [sys.executable, "-m", "litreview", "--library", str(library.path), "import", "--model", model, str(bib)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "embedded 1" in done.stdout
    assert len(state.requests) >= 1 and "Voids trace dark energy." in json.dumps(state.requests)
    from litreview.library.db import open_library

    with open_library(library.path) as reopened:
        assert "SECRET" not in all_settings(reopened)
        assert reopened.get_setting("model") == f"{url}/v1/embeddings?model=m&dim=8"
