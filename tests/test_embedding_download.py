"""`download_model` through huggingface_hub against a local stand-in of the hub's HTTP API (127.0.0.1).

The stand-in serves a tiny model in the hub's URL layout: `GET /api/models/{repo}/revision/{rev}` (repo info),
`GET /api/models/{repo}/tree/{sha}` (file list), `HEAD`/`GET /{repo}/resolve/{sha}/{file}` with ETag,
X-Repo-Commit and Range support, so snapshot_download runs its real code path, resume included.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import numpy as np
import pytest
from local_http import serving
from tiny_models import tiny_models  # noqa: F401

from litreview.core.progress import Cancelled, CancelToken
from litreview.embedding import ModelNotAvailable, download_model, load_embedder

REPO = "tiny-org/tiny-bert-embeddings"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


class HubStandIn:
    def __init__(self, folder: Path) -> None:
        self.files = {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
        self.log: list[tuple[str, str, str | None]] = []  # (method, path, Range header)
        self.cut_once: set[str] = set()  # files whose first full GET is cut off half-way
        self.lock = threading.Lock()


def make_handler(hub: HubStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def _json(self, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _not_found(self) -> None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.send_header("X-Error-Code", "RepoNotFound")
            self.end_headers()

        def _serve(self, head: bool) -> None:
            path = self.path.split("?", 1)[0]
            with hub.lock:
                hub.log.append((self.command, path, self.headers.get("Range")))
            if path.startswith(f"/api/models/{REPO}/revision/"):
                return self._json({"id": REPO, "sha": COMMIT, "siblings": [{"rfilename": f} for f in hub.files]})
            if path.startswith(f"/api/models/{REPO}/tree/{COMMIT}"):
                return self._json(
                    [
                        {"type": "file", "path": f, "size": len(data), "oid": hashlib.sha1(data).hexdigest()}
                        for f, data in hub.files.items()
                    ]
                )
            match = re.fullmatch(rf"/{re.escape(REPO)}/resolve/[^/]+/(.+)", path)
            if not match or match.group(1) not in hub.files:
                return self._not_found()
            name = match.group(1)
            data = hub.files[name]
            start = 0
            ranged = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
            if ranged:
                start = int(ranged.group(1))
            self.send_response(206 if ranged else 200)
            self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
            self.send_header("Content-Length", str(len(data) - start))
            if ranged:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            if head:
                return
            body = data[start:]
            with hub.lock:
                cut = name in hub.cut_once and not ranged
                hub.cut_once.discard(name) if cut else None
            if cut:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            self._serve(head=False)

        def do_HEAD(self) -> None:  # noqa: N802
            self._serve(head=True)

    return Handler


@pytest.fixture
def hub(tiny_models) -> Iterator[tuple[str, HubStandIn]]:  # noqa: F811
    state = HubStandIn(tiny_models["bert"])
    with serving(make_handler(state), name="hub-stand-in") as url:
        yield url, state


def test_download_fetches_every_file_with_progress_and_loads(hub, tiny_models, tmp_path: Path) -> None:  # noqa: F811
    url, state = hub
    seen: list[tuple[int, int]] = []
    folder = download_model(REPO, endpoint=url, cache_dir=tmp_path, progress=lambda d, t: seen.append((d, t)))
    assert folder.parent.name == "snapshots" and folder.name == COMMIT
    for name, data in state.files.items():
        assert (folder / name).read_bytes() == data, name
    total = sum(len(d) for d in state.files.values())
    assert seen and seen[-1] == (total, total)
    # the downloaded folder embeds exactly like the original
    original = load_embedder(str(tiny_models["bert"])).embed_documents(["a test sentence"])
    np.testing.assert_allclose(load_embedder(str(folder)).embed_documents(["a test sentence"]), original, atol=1e-6)
    assert load_embedder(str(folder)).model_id == REPO  # an HF cache snapshot keys vectors by repo id


def test_download_resumes_a_cut_transfer(hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    # Small chunks, so the half that arrived before the cut is on disk (the real chunk is 10 MB).
    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 4096)
    url, state = hub
    state.cut_once.add("model.safetensors")
    size = len(state.files["model.safetensors"])
    try:
        folder = download_model(REPO, endpoint=url, cache_dir=tmp_path)
    except ModelNotAvailable:  # this hub client version did not retry within the call: the second call resumes
        folder = download_model(REPO, endpoint=url, cache_dir=tmp_path)
    assert (folder / "model.safetensors").read_bytes() == state.files["model.safetensors"]
    ranges = [r for method, path, r in state.log if method == "GET" and path.endswith("/model.safetensors") and r]
    assert ranges and 0 < int(ranges[-1].removeprefix("bytes=").rstrip("-")) < size  # asked for the rest only


def test_download_can_be_cancelled(hub, tmp_path: Path) -> None:
    url, _state = hub
    token = CancelToken()
    seen: list[int] = []
    with pytest.raises(Cancelled):  # cancelled as soon as the first bytes arrive
        download_model(
            REPO, endpoint=url, cache_dir=tmp_path, cancel=token, progress=lambda d, t: (seen.append(d), token.cancel())
        )
    assert len(seen) == 1
    with pytest.raises(Cancelled):  # and before anything is asked when already cancelled
        download_model(REPO, endpoint=url, cache_dir=tmp_path / "other", cancel=token)
    assert not (tmp_path / "other").exists()


def test_unknown_repo_and_unreachable_hub_name_the_offline_choices(hub, tmp_path: Path) -> None:
    url, _state = hub
    with pytest.raises(ModelNotAvailable, match="offline choices"):
        download_model("tiny-org/missing", endpoint=url, cache_dir=tmp_path)
    with pytest.raises(ModelNotAvailable, match="offline choices"):
        download_model("qwen3-0.6b", endpoint="http://127.0.0.1:9", cache_dir=tmp_path)


def test_packaged_default_needs_no_download() -> None:
    folder = download_model("minilm", endpoint="http://127.0.0.1:9")
    assert (folder / "model.safetensors").is_file()
