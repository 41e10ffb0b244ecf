"""A remote embedding endpoint: OpenAI-compatible `POST /v1/embeddings` or text-embeddings-inference `POST /embed`.

Standard library only (urllib). Texts go in batches; each request has a timeout and is retried with
exponential backoff on connection errors, timeouts, 429 and 5xx. Vectors are truncated to `dim` (MRL) and
L2-normalised here, so the result matches a local embedder of the same model.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from litreview.core.progress import CancelToken
from litreview.embedding.errors import RemoteEmbeddingError

RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}


def parse_remote_name(name: str) -> tuple[str, dict[str, str]]:
    """Split "http://host:port/v1/embeddings?model=X&api=openai" into the endpoint URL and its options."""
    parts = urllib.parse.urlsplit(name)
    options = dict(urllib.parse.parse_qsl(parts.query))
    url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return url, options


class RemoteEmbedder:
    """Embeds through an HTTP server (TEI, vLLM, an OpenAI-compatible gateway)."""

    device = "remote"

    def __init__(
        self,
        url: str,
        *,
        api: str | None = None,
        model: str | None = None,
        dim: int | None = None,
        query_prompt: str = "",
        document_prompt: str = "",
        batch_size: int = 32,
        timeout: float = 60.0,
        retries: int = 3,
        backoff: float = 0.5,
        api_key: str | None = None,
        max_length: int = 512,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"not an http(s) URL: {url!r}")
        path = parts.path.rstrip("/")
        if api is None:
            api = "tei" if path.endswith("/embed") else "openai"
        if api not in ("openai", "tei"):
            raise ValueError(f"api must be openai or tei, not {api!r}")
        if not path or path == "":
            path = "/v1/embeddings" if api == "openai" else "/embed"
        self.url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))
        self.api = api
        self.model = model
        # The vector-store key, written to the library's settings: never the URL's credentials.
        host = parts.netloc.rpartition("@")[2]
        self.model_id = model or urllib.parse.urlunsplit((parts.scheme, host, path, "", ""))
        self.query_prompt = query_prompt
        self.document_prompt = document_prompt
        self.batch_size = max(1, int(batch_size))
        self.timeout = float(timeout)
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.api_key = api_key or os.environ.get("LITREVIEW_EMBED_API_KEY")
        self.max_length = max_length
        self._dim = int(dim) if dim else None

    @property
    def dim(self) -> int:
        """The output dim: as configured, else the server's (asked once with a one-word request)."""
        if self._dim is None:
            self._dim = int(self._request(["dimension probe"]).shape[1])
        return self._dim

    def embed_documents(
        self,
        texts: Sequence[str],
        *,
        progress: Callable[[int, int], None] | None = None,
        cancel: CancelToken | None = None,
    ) -> np.ndarray:
        return self._embed([self.document_prompt + t for t in texts], progress, cancel)

    def embed_queries(
        self,
        texts: Sequence[str],
        *,
        progress: Callable[[int, int], None] | None = None,
        cancel: CancelToken | None = None,
    ) -> np.ndarray:
        return self._embed([self.query_prompt + t for t in texts], progress, cancel)

    def _embed(
        self, texts: list[str], progress: Callable[[int, int], None] | None, cancel: CancelToken | None
    ) -> np.ndarray:
        total = len(texts)
        chunks: list[np.ndarray] = []
        if progress is not None:
            progress(0, total)
        for start in range(0, total, self.batch_size):
            if cancel is not None:
                cancel.raise_if_cancelled()
            chunks.append(self._request(texts[start : start + self.batch_size]))
            if progress is not None:
                progress(min(total, start + self.batch_size), total)
        if not chunks:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        matrix = np.concatenate(chunks)
        dim = self.dim if self._dim is not None else matrix.shape[1]
        if dim > matrix.shape[1]:
            raise RemoteEmbeddingError(f"server returned {matrix.shape[1]}-d vectors, fewer than dim {dim}")
        matrix = matrix[:, :dim]
        self._dim = dim
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)

    def _payload(self, texts: list[str]) -> dict[str, Any]:
        if self.api == "tei":
            return {"inputs": texts, "truncate": True, "normalize": False}
        payload: dict[str, Any] = {"input": texts, "encoding_format": "float"}
        if self.model:
            payload["model"] = self.model
        return payload

    def _parse(self, body: Any, count: int) -> np.ndarray:
        if self.api == "tei":
            rows = body
        else:
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, list):
                raise RemoteEmbeddingError("response has no 'data' list")
            rows = [item["embedding"] for item in sorted(data, key=lambda item: item.get("index", 0))]
        if not isinstance(rows, list) or len(rows) != count:
            raise RemoteEmbeddingError(f"expected {count} vectors, got {len(rows) if isinstance(rows, list) else 0}")
        matrix = np.asarray(rows, dtype=np.float32)
        if matrix.ndim != 2 or not np.isfinite(matrix).all():
            raise RemoteEmbeddingError("response vectors are not a finite matrix")
        return matrix

    def _request(self, texts: list[str]) -> np.ndarray:
        data = json.dumps(self._payload(texts)).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        last_error = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    body = json.loads(response.read().decode("utf-8"))
                return self._parse(body, len(texts))
            except urllib.error.HTTPError as exc:
                last_error = f"HTTP {exc.code} {exc.reason}"
                exc.close()
                if exc.code not in RETRY_STATUSES:
                    break
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                last_error = str(getattr(exc, "reason", exc))
            except ValueError as exc:  # invalid JSON
                raise RemoteEmbeddingError(f"{self.url}: invalid JSON response: {exc}") from exc
        raise RemoteEmbeddingError(f"{self.url}: {last_error} (after {attempt + 1} attempt(s))")
