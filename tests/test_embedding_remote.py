"""The remote backend against a small local HTTP server speaking the OpenAI and TEI embedding APIs."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import numpy as np
import pytest
from local_http import serving

from litreview.core.progress import Cancelled, CancelToken
from litreview.embedding import PRESETS, RemoteEmbeddingError, load_embedder
from litreview.embedding.remote import RemoteEmbedder

DIM = 256


def fake_vector(text: str, dim: int = DIM) -> list[float]:
    """A deterministic, unnormalised vector for a text (what a server would compute)."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
    return (np.random.default_rng(seed).normal(size=dim) * 3).tolist()


class StandIn:
    """State shared with the handler: requests seen, failures to inject."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict]] = []
        self.fail_next: list[int] = []  # HTTP statuses to answer before succeeding
        self.delay = 0.0
        self.dim = DIM  # the served model's width
        self.served: list[str] | None = None  # model names a multi-model server accepts (None: any)
        self.lock = threading.Lock()


def make_handler(state: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence the test log
            pass

        def _send(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with state.lock:
                state.requests.append((self.path, payload))
                status = state.fail_next.pop(0) if state.fail_next else 200
            if state.delay:
                time.sleep(state.delay)
            if status != 200:
                self._send(status, {"error": "injected"})
            elif self.path == "/v1/embeddings" and state.served and payload.get("model") not in state.served:
                self._send(400, {"detail": f"Available model names are {state.served}"})  # infinity's wording
            elif self.path == "/v1/embeddings":
                items = [
                    {"object": "embedding", "index": i, "embedding": fake_vector(t, state.dim)}
                    for i, t in enumerate(payload["input"])
                ]
                self._send(200, {"object": "list", "data": items[::-1], "model": payload.get("model")})  # out of order
            elif self.path == "/embed":
                self._send(200, [fake_vector(t, state.dim) for t in payload["inputs"]])
            else:
                self._send(404, {"error": "not found"})

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[str, StandIn]]:
    state = StandIn()
    with serving(make_handler(state), name="stand-in") as url:
        yield url, state


def expected(texts: list[str], dim: int = DIM) -> np.ndarray:
    matrix = np.array([fake_vector(t) for t in texts], dtype=np.float64)[:, :dim]
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


TEXTS = [f"abstract number {i}" for i in range(7)]


def test_openai_api_batches_and_restores_order(server) -> None:
    url, state = server
    # The app's precision setting is for local models: a server keeps its own.
    embedder = load_embedder(f"{url}/v1/embeddings?model=my-model&batch_size=3", allow_remote=True, dtype="bfloat16")
    vectors = embedder.embed_documents(TEXTS)
    np.testing.assert_allclose(vectors, expected(TEXTS), atol=1e-6)
    assert vectors.dtype == np.float32 and embedder.dim == DIM and embedder.model_id == "my-model"
    # Batches are sent from several threads at once: they may reach the server in any order.
    assert sorted(len(p["input"]) for _, p in state.requests) == [1, 3, 3]
    assert all(p["model"] == "my-model" for _, p in state.requests)


def test_tei_api_with_mrl_dim_and_progress(server) -> None:
    url, state = server
    seen: list[tuple[int, int]] = []
    embedder = load_embedder(f"{url}/embed?concurrency=1", dim=16, batch_size=4, allow_remote=True)
    vectors = embedder.embed_documents(TEXTS, progress=lambda d, t: seen.append((d, t)))
    np.testing.assert_allclose(vectors, expected(TEXTS, 16), atol=1e-6)
    # from 0 to all, never backwards; batches that finish together may be reported as one step
    assert seen[0] == (0, 7) and seen[-1] == (7, 7) and {total for _, total in seen} == {7}
    assert [done for done, _ in seen] == sorted(done for done, _ in seen) and set(seen) <= {(0, 7), (4, 7), (7, 7)}
    assert state.requests[0][0] == "/embed" and state.requests[0][1]["inputs"] == TEXTS[:4]


def test_served_preset_keeps_its_query_prompt_and_the_name_as_given(server) -> None:
    url, state = server
    state.dim = 1024
    embedder = load_embedder(f"{url}/v1/embeddings?model=qwen3-0.6b-academic", dim=128, allow_remote=True)
    queries = embedder.embed_queries(["dark matter halos"])
    embedder.embed_documents(["dark matter halos"])
    prompt = PRESETS["qwen3-0.6b-academic"].query_prompt
    assert state.requests[0][1] == {
        "input": [prompt + "dark matter halos"],
        "encoding_format": "float",
        "model": "qwen3-0.6b-academic",  # sent as the user wrote it: the server decides what it serves
    }
    assert state.requests[1][1]["input"] == ["dark matter halos"]
    # MRL: truncated to 128, then re-normalised, as the local path does.
    np.testing.assert_allclose(queries, expected([prompt + "dark matter halos"], 128), atol=1e-6)
    assert embedder.model_id == "LinerAI/Qwen3-Embedding-0.6B-academic" and embedder.dim == 128
    with pytest.raises(ValueError):
        load_embedder(f"{url}/v1/embeddings?model=qwen3-0.6b-academic", dim=100, allow_remote=True)


def test_preset_declares_the_seed_model_served_under_another_name(server) -> None:
    url, state = server
    state.dim = 1024
    embedder = load_embedder(
        f"{url}/v1/embeddings?model=my-qwen&preset=qwen3-0.6b-academic&dim=256", allow_remote=True
    )
    embedder.embed_queries(["q"])
    prompt = PRESETS["qwen3-0.6b-academic"].query_prompt
    assert state.requests[0][1] == {"input": [prompt + "q"], "encoding_format": "float", "model": "my-qwen"}
    assert embedder.dim == 256 and embedder.model_id == "LinerAI/Qwen3-Embedding-0.6B-academic"
    # A server whose vectors are not the declared model's width is named, with what to do.
    state.dim = 384
    with pytest.raises(RemoteEmbeddingError, match=r"returned 384-d vectors, but qwen3-0.6b-academic .* gives 1024"):
        embedder.embed_documents(["x"])
    with pytest.raises(ValueError, match="unknown preset"):
        load_embedder(f"{url}/v1/embeddings?preset=nope", allow_remote=True)


def test_minilm_name_is_not_rewritten_and_the_servers_explanation_is_kept(server) -> None:
    url, state = server
    state.dim = 384
    state.served = ["minilm", "bge-small"]
    embedder = load_embedder(f"{url}/v1/embeddings?model=minilm", allow_remote=True)
    embedder.embed_documents(["a"])
    assert state.requests[-1][1]["model"] == "minilm"
    assert embedder.model_id == "sentence-transformers/all-MiniLM-L6-v2" and embedder.dim == 384
    wrong = load_embedder(f"{url}/v1/embeddings?model=all-minilm", dim=384, allow_remote=True)
    with pytest.raises(RemoteEmbeddingError) as caught:
        wrong.embed_documents(["a"])
    message = str(caught.value)
    assert "\n" not in message and f"{url}/v1/embeddings" in message
    assert "HTTP 400" in message and "Available model names are ['minilm', 'bge-small']" in message
    assert "check the model name" in message


def test_retries_server_errors_with_backoff(server) -> None:
    url, state = server
    state.fail_next = [503, 429]
    embedder = RemoteEmbedder(f"{url}/v1/embeddings", dim=DIM, retries=2, backoff=0.01, concurrency=1)
    np.testing.assert_allclose(embedder.embed_documents(TEXTS[:2]), expected(TEXTS[:2]), atol=1e-6)
    assert len(state.requests) == 3


def test_gives_up_after_retries_and_on_client_errors(server) -> None:
    url, state = server
    state.fail_next = [500, 500, 500]
    embedder = RemoteEmbedder(f"{url}/v1/embeddings", dim=DIM, retries=2, backoff=0.01)
    with pytest.raises(RemoteEmbeddingError, match="HTTP 500.*3 attempt"):
        embedder.embed_documents(["x"])
    state.requests.clear()
    with pytest.raises(RemoteEmbeddingError, match="nowhere has no embeddings API at this path .HTTP 404"):
        RemoteEmbedder(f"{url}/nowhere", api="openai", dim=DIM, retries=3, backoff=0.01).embed_documents(["x"])
    assert len(state.requests) == 1  # a 404 is not retried


def test_timeout_is_retried_then_reported(server) -> None:
    url, state = server
    state.delay = 0.5
    embedder = RemoteEmbedder(f"{url}/embed", dim=DIM, timeout=0.1, retries=1, backoff=0.01)
    with pytest.raises(RemoteEmbeddingError, match="2 attempt"):
        embedder.embed_documents(["slow"])
    assert len(state.requests) == 2


def test_unreachable_server_and_cancel() -> None:
    embedder = RemoteEmbedder("http://127.0.0.1:9/v1/embeddings", dim=DIM, retries=1, backoff=0.01, timeout=1)
    with pytest.raises(RemoteEmbeddingError):
        embedder.embed_documents(["x"])
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        embedder.embed_documents(["x"], cancel=token)


def test_dim_is_probed_from_the_server(server) -> None:
    url, state = server
    embedder = load_embedder(f"{url}/v1/embeddings", allow_remote=True)
    assert embedder.dim == DIM and len(state.requests) == 1
