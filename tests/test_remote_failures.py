"""Remote embedding failures a user understands, several endpoints at once, and an import whose server dies.

Against the loopback stand-in of test_embedding_remote (a real HTTP server on 127.0.0.1 speaking the OpenAI and
TEI APIs); the real-server checks are in test_embedding_remote_real.py (slow).
"""

from __future__ import annotations

import json
import socket
import sys
from collections import Counter
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import numpy as np
import pytest
from local_http import serving
from test_embedding_remote import DIM as DIM_OF_STAND_IN
from test_embedding_remote import TEXTS, StandIn, expected, make_handler
from test_import_pipeline import bib_entry, make_pdf

from litreview.cli import main
from litreview.embedding import RemoteEmbeddingError, load_embedder
from litreview.embedding.remote import RemoteEmbedder


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class HangUp(BaseHTTPRequestHandler):
    """Reads the request and closes the connection without an answer (a server that crashed mid-request)."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)


def one_line_naming(exc: pytest.ExceptionInfo, endpoint: str, *words: str) -> str:
    message = str(exc.value)
    assert "\n" not in message and endpoint in message, message
    for word in words:
        assert word in message, message
    return message


def test_refused_connection_names_the_endpoint_and_what_to_do() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1/embeddings"
    with pytest.raises(RemoteEmbeddingError) as caught:
        RemoteEmbedder(url, dim=8, retries=1, backoff=0.01).embed_documents(["x"])
    one_line_naming(caught, url, "connection refused", "after 2 attempts", "start it or check the URL")


def test_lost_connection() -> None:
    with serving(HangUp) as base:
        url = f"{base}/v1/embeddings"
        with pytest.raises(RemoteEmbeddingError) as caught:
            RemoteEmbedder(url, dim=8, retries=0).embed_documents(["x"])
    one_line_naming(caught, url, "lost the connection", "is it still running?")


@pytest.fixture
def server():
    state = StandIn()
    with serving(make_handler(state)) as url:
        yield url, state


def test_server_error_quotes_the_body_and_timeout_says_what_to_change(server) -> None:
    base, state = server
    state.fail_next = [500, 500]
    url = f"{base}/v1/embeddings"
    with pytest.raises(RemoteEmbeddingError) as caught:
        RemoteEmbedder(url, dim=8, retries=1, backoff=0.01).embed_documents(["x"])
    one_line_naming(caught, url, "HTTP 500", "injected", "after 2 attempts", "server's log")
    state.delay = 0.4
    with pytest.raises(RemoteEmbeddingError) as caught:
        RemoteEmbedder(url, dim=8, retries=0, timeout=0.1).embed_documents(["x"])
    one_line_naming(caught, url, "did not answer within 0.1 s", "?timeout=")


def test_404_suggests_the_other_mount_point(server) -> None:
    base, _ = server
    with pytest.raises(RemoteEmbeddingError) as caught:
        RemoteEmbedder(f"{base}/embeddings", dim=8).embed_documents(["x"])
    one_line_naming(caught, f"{base}/embeddings", "HTTP 404", f"try {base}/v1/embeddings")
    with pytest.raises(RemoteEmbeddingError) as caught:
        RemoteEmbedder(f"{base}/api/v1/embeddings", dim=8).embed_documents(["x"])
    one_line_naming(caught, f"{base}/api/v1/embeddings", f"try {base}/api/embeddings")


def test_wrong_dimension(server) -> None:
    base, _ = server
    url = f"{base}/v1/embeddings"
    with pytest.raises(RemoteEmbeddingError) as caught:
        load_embedder(url, dim=512, allow_remote=True).embed_documents(["x"])
    one_line_naming(caught, url, "returned 256-d vectors, fewer than the 512 dimensions", "dim ≤ 256")


# ------------------------------------------------------------------------------------------ several endpoints


def test_several_endpoints_share_the_batches_in_order() -> None:
    first, second = StandIn(), StandIn()
    with serving(make_handler(first)) as a, serving(make_handler(second)) as b:
        texts = [f"abstract {i}" for i in range(40)]
        embedder = load_embedder(f"{a}/v1/embeddings?model=m {b}/v1/embeddings?model=m", batch_size=4,
                                 allow_remote=True)
        np.testing.assert_allclose(embedder.embed_documents(texts), expected(texts), atol=1e-6)
        assert first.requests and second.requests
        sent = Counter(t for state in (first, second) for _, payload in state.requests for t in payload["input"])
        assert set(sent) == set(texts)
        assert sum(sent.values()) <= 1.25 * len(texts)  # at most a straggler or two re-sent, not the whole tail


def test_a_dead_endpoint_is_drained_and_its_batches_retried_elsewhere() -> None:
    state = StandIn()
    dead = f"http://127.0.0.1:{closed_port()}/v1/embeddings"
    with serving(make_handler(state)) as base:
        texts = [f"abstract {i}" for i in range(12)]
        embedder = RemoteEmbedder([dead, f"{base}/v1/embeddings"], dim=DIM_OF_STAND_IN, batch_size=2, backoff=0.01)
        np.testing.assert_allclose(embedder.embed_documents(texts), expected(texts), atol=1e-6)
        assert sorted(t for _, p in state.requests for t in p["input"]) == sorted(texts)
        # The failed endpoint sits out later calls for a while instead of costing a refused connection each time.
        state.requests.clear()
        embedder.embed_documents(texts[:4])
        assert len(state.requests) >= 1


def test_a_failing_and_a_slow_endpoint() -> None:
    failing, slow, fast = StandIn(), StandIn(), StandIn()
    failing.fail_next = [503] * 100
    slow.delay = 1.0
    with serving(make_handler(failing)) as f, serving(make_handler(slow)) as s, serving(make_handler(fast)) as q:
        texts = [f"abstract {i}" for i in range(30)]
        urls = [f"{f}/v1/embeddings", f"{s}/v1/embeddings", f"{q}/v1/embeddings"]
        embedder = RemoteEmbedder(urls, dim=DIM_OF_STAND_IN, batch_size=3, retries=2, backoff=0.01)
        np.testing.assert_allclose(embedder.embed_documents(texts), expected(texts), atol=1e-6)
        served_fast = sum(len(p["input"]) for _, p in fast.requests)
        served_slow = sum(len(p["input"]) for _, p in slow.requests)
        assert served_fast > served_slow  # the slow one got fewer batches; its last ones were re-sent elsewhere


def test_every_endpoint_failing_is_one_line_per_endpoint(server) -> None:
    base, state = server
    state.fail_next = [500] * 10
    dead = f"http://127.0.0.1:{closed_port()}/v1/embeddings"
    with pytest.raises(RemoteEmbeddingError) as caught:
        RemoteEmbedder([dead, f"{base}/v1/embeddings"], dim=8, retries=0).embed_documents(TEXTS)
    message = one_line_naming(caught, dead, "every embedding server failed", "connection refused", "HTTP 500")
    assert f"{base}/v1/embeddings" in message


# ------------------------------------------------------------------------------- the import when a server dies


class DiesAfter(StandIn):
    """Answers `left` requests, then hangs up on every one (the server was killed)."""

    def __init__(self, left: int) -> None:
        super().__init__()
        self.left = left


def dying_handler(state: DiesAfter) -> type[BaseHTTPRequestHandler]:
    base = make_handler(state)

    class Handler(base):  # type: ignore[misc, valid-type]
        def do_POST(self) -> None:  # noqa: N802
            with state.lock:
                state.left -= 1
                alive = state.left >= 0
            if alive:
                super().do_POST()
            else:
                HangUp.do_POST(self)

    return Handler


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def doctor(capsys, library_path: Path) -> dict:
    code, out, _ = run_cli(capsys, "--library", str(library_path), "doctor", "--json")
    assert code == 0
    return json.loads(out)


def test_import_whose_server_dies_stops_in_one_line_and_the_rerun_finishes(tmp_path, capsys, monkeypatch) -> None:
    pdfs = [make_pdf(tmp_path / "pdfs" / f"p{i}.pdf", title=f"Paper number {i} on sparse retrieval",
                     doi=f"10.1234/test.{i}") for i in range(6)]
    library_path = tmp_path / "lib.sqlite"
    state = DiesAfter(left=1)  # the dimension probe, then it dies before the first batch
    with serving(dying_handler(state)) as base:
        url = f"{base}/v1/embeddings?model=m&retries=0&batch_size=2"
        monkeypatch.setattr(sys, "argv", ["litreview", "--model", url])  # the user's choice of endpoint
        argv = ["--library", str(library_path), "import", str(tmp_path / "pdfs"), "--model", url]
        code, out, err = run_cli(capsys, *argv)
        assert code == 1 and out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert "lost the connection" in lines[0] and "Run the same command again to finish" in lines[0]
        assert "Traceback" not in err
        report = doctor(capsys, library_path)
        assert report["papers"] == 6 and report["vectors"] == 0 and report["papers_without_vectors"] == 6
        assert any("no vector for the library's model m" in p for p in report["problems"])

        state.left = 10**6  # the server is back
        code, out, err = run_cli(capsys, *argv)
        assert code == 0, err
        assert "imported 0" in out and "duplicates 6" in out and "embedded 6" in out
        report = doctor(capsys, library_path)
        assert report["problems"] == [] and report["papers"] == 6 and report["vectors"] == 6

        # Re-imports add no job rows and leave none in progress.
        from litreview.library import open_library

        def jobs() -> list[tuple[str, int]]:
            with open_library(library_path) as library:
                return library.query("SELECT state, count(*) AS n FROM jobs GROUP BY state")

        before = jobs()
        for _ in range(2):
            assert run_cli(capsys, *argv)[0] == 0
        assert jobs() == before == [{"state": "indexed", "n": len(pdfs)}]
        assert doctor(capsys, library_path)["problems"] == []


def test_doctor_reports_papers_without_vectors_and_resume_embeds_them(tmp_path, capsys, monkeypatch, server) -> None:
    base, _ = server
    pdfs = [make_pdf(tmp_path / "pdfs" / f"p{i}.pdf", title=f"Paper number {i} on plant traits",
                     doi=f"10.1234/other.{i}") for i in range(3)]
    library_path = tmp_path / "lib.sqlite"
    url = f"{base}/v1/embeddings?model=m"
    monkeypatch.setattr(sys, "argv", ["litreview", "--model", url])
    lib = ["--library", str(library_path)]
    assert run_cli(capsys, *lib, "import", str(pdfs[0]), "--model", url)[0] == 0
    assert run_cli(capsys, *lib, "import", str(pdfs[1]), str(pdfs[2]), "--no-embed")[0] == 0
    report = doctor(capsys, library_path)
    assert report["papers_without_vectors"] == 2
    assert any("2 papers have no vector" in p and "import --resume" in p for p in report["problems"])
    assert not any("left in progress" in p for p in report["problems"])  # said once, by the line above
    code, out, err = run_cli(capsys, *lib, "import", "--resume", "--model", url)
    assert code == 0 and "embedded 2" in out, err
    assert doctor(capsys, library_path)["problems"] == []


def test_server_dying_between_embedding_steps_keeps_the_vectors_already_stored(tmp_path, capsys, monkeypatch) -> None:
    """150 papers are embedded 64 per step: the server dies after the first step; the re-run embeds the other 86."""
    bib = tmp_path / "refs.bib"
    words = ("sparse dense retrieval herbarium flowering traits galaxy protein folding cluster topic lensing "
             "matter halo graph network claim evidence corpus label query model server vector index").split()
    rng = np.random.default_rng(5)
    titles = {" ".join(rng.choice(words, size=7, replace=False)).capitalize() for _ in range(400)}
    entries = [bib_entry(f"key{i}", title=title, doi=f"10.1/{i}", year=1950 + i % 70,
                         extra=f"  abstract = {{Abstract {i} about {title.lower()}.}},\n")
               for i, title in enumerate(sorted(titles)[:150])]
    bib.write_text("".join(entries), encoding="utf-8")
    library_path = tmp_path / "lib.sqlite"
    state = DiesAfter(left=1 + 2)  # the dimension probe, then the first step's two requests of 32
    with serving(dying_handler(state)) as base:
        url = f"{base}/v1/embeddings?model=m&retries=0&batch_size=32&concurrency=1"
        monkeypatch.setattr(sys, "argv", ["litreview", "--model", url])
        argv = ["--library", str(library_path), "import", str(bib), "--model", url]
        code, out, err = run_cli(capsys, *argv)
        assert code == 1 and len(err.strip().splitlines()) == 1 and "Run the same command again" in err, (out, err)
        report = doctor(capsys, library_path)
        assert (report["papers"], report["vectors"], report["papers_without_vectors"]) == (150, 64, 86)
        assert report["index_consistent"], report  # what was stored is indexed, nothing half-written
        state.left = 10**6
        code, out, err = run_cli(capsys, *argv)
        assert code == 0 and "embedded 86" in out, err
        report = doctor(capsys, library_path)
        assert report["problems"] == [] and (report["papers"], report["vectors"]) == (150, 150)


def test_repeated_model_flags_spread_one_command_over_several_servers(capsys, monkeypatch) -> None:
    first, second = StandIn(), StandIn()
    with serving(make_handler(first)) as a, serving(make_handler(second)) as b:
        urls = [f"{a}/v1/embeddings?model=m&batch_size=2", f"{b}/v1/embeddings?model=m&batch_size=2"]
        monkeypatch.setattr(sys, "argv", ["litreview", "embed", "--model", urls[0], "--model", urls[1]])
        code, out, err = run_cli(capsys, "embed", *TEXTS, "--model", urls[0], "--model", urls[1], "--json")
        assert code == 0, err
        np.testing.assert_allclose(np.array(json.loads(out)["vectors"]), expected(TEXTS), atol=1e-6)
        assert first.requests and second.requests
        code, _, err = run_cli(capsys, "embed", "x", "--model", "minilm", "--model", urls[1])
        assert code == 1 and "only for http(s) endpoints" in err
