"""Remote embedding endpoints: OpenAI-compatible `POST /v1/embeddings` or text-embeddings-inference `POST /embed`.

Standard library only (urllib, a thread pool). The server only runs the network: the model name the user gave
is sent as given, and when the served model is a seed model (named, or declared with `?preset=`) the card's query
instruction, document handling, MRL truncation and L2 re-normalisation are applied here exactly as the local
path applies them.

Several endpoints serve one model together: each keeps `concurrency` requests in flight, batches are handed out
in order and put back in order, and a batch whose endpoint fails (refused, lost, timed out, 5xx) is retried on
another; an idle endpoint also re-sends the oldest batch still in flight elsewhere, so a slow endpoint cannot hold
up the end. Every failure is one line naming the endpoint and what to do.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

from litreview.core.progress import Cancelled, CancelToken
from litreview.core.text import count_of
from litreview.embedding.base import PromptedEmbedder
from litreview.embedding.errors import RemoteEmbeddingError

if TYPE_CHECKING:
    from litreview.embedding.presets import ModelPreset

RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}
HEDGE_AFTER = 3.0  # re-send a batch elsewhere once it has been in flight this many typical request times
DOWN_FOR_S = 30.0  # an endpoint that failed is skipped this long by later calls (unless every endpoint failed)
_BODY_CHARS = 300  # how much of a server's error body a message quotes


def parse_remote_name(name: str) -> tuple[str, dict[str, str]]:
    """Split "http://host:port/v1/embeddings?model=X&api=openai" into the endpoint URL and its options."""
    parts = urllib.parse.urlsplit(name)
    options = dict(urllib.parse.parse_qsl(parts.query))
    url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return url, options


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _BODY_CHARS else text[: _BODY_CHARS - 1] + "…"


def _server_explanation(raw: bytes) -> str:
    """The message in an error body: OpenAI {"error": {"message"}}, FastAPI {"detail"}, TEI {"error"}, or text."""
    text = raw.decode("utf-8", "replace").strip()
    try:
        body = json.loads(text)
    except ValueError:
        return _one_line(text)
    for key in ("error", "detail", "message"):
        value = body.get(key) if isinstance(body, dict) else None
        if isinstance(value, dict):
            value = value.get("message") or value.get("detail") or value
        if isinstance(value, list):  # FastAPI validation errors
            value = "; ".join(str(item.get("msg", item)) if isinstance(item, dict) else str(item) for item in value)
        if value:
            return _one_line(str(value))
    return _one_line(text)


class Endpoint:
    """One server URL: builds requests, parses answers, retries, and words its failures."""

    def __init__(
        self,
        url: str,
        *,
        api: str | None = None,
        model: str | None = None,
        timeout: float = 60.0,
        retries: int = 3,
        backoff: float = 0.5,
        api_key: str | None = None,
        concurrency: int = 2,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"not an http(s) URL: {url!r}")
        path = parts.path.rstrip("/")
        if api is None:
            api = "tei" if path.endswith("/embed") else "openai"
        if api not in ("openai", "tei"):
            raise ValueError(f"api must be openai or tei, not {api!r}")
        if not path:
            path = "/v1/embeddings" if api == "openai" else "/embed"
        self.url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))
        host = parts.netloc.rpartition("@")[2]
        self.shown = urllib.parse.urlunsplit((parts.scheme, host, path, "", ""))  # no credentials, for messages
        self.api = api
        self.model = model
        self.timeout = float(timeout)
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.api_key = api_key or os.environ.get("LITREVIEW_EMBED_API_KEY")
        self.concurrency = max(1, int(concurrency))
        self.down_until = 0.0

    def __repr__(self) -> str:
        return f"Endpoint({self.shown!r})"

    def payload(self, texts: list[str]) -> dict[str, Any]:
        if self.api == "tei":
            return {"inputs": texts, "truncate": True, "normalize": False}
        payload: dict[str, Any] = {"input": texts, "encoding_format": "float"}
        if self.model:
            payload["model"] = self.model
        return payload

    def parse(self, body: Any, count: int) -> np.ndarray:
        if self.api == "tei":
            rows = body
        else:
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, list):
                raise RemoteEmbeddingError(f"{self.shown} answered without a 'data' list: is this an embeddings API?")
            rows = [item["embedding"] for item in sorted(data, key=lambda item: item.get("index", 0))]
        if not isinstance(rows, list) or len(rows) != count:
            got = len(rows) if isinstance(rows, list) else 0
            raise RemoteEmbeddingError(f"{self.shown} returned {got} vectors for {count} texts; check the server")
        matrix = np.asarray(rows, dtype=np.float32)
        if matrix.ndim != 2 or not np.isfinite(matrix).all():
            raise RemoteEmbeddingError(f"{self.shown} returned vectors that are not a finite matrix; check the server")
        return matrix

    def _alternative_path(self) -> str:
        """Where else servers mount the API: /v1/embeddings <-> /embeddings (infinity without --url-prefix)."""
        parts = urllib.parse.urlsplit(self.shown)
        path = parts.path
        if self.api == "tei":
            path = path[: -len("/embed")] + "/v1/embeddings" if path.endswith("/embed") else "/v1/embeddings"
        elif path.endswith("/v1/embeddings"):
            path = path[: -len("/v1/embeddings")] + "/embeddings"
        elif path.endswith("/embeddings"):
            path = path[: -len("/embeddings")] + "/v1/embeddings"
        else:
            path = "/v1/embeddings"
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))

    def _http_failure(self, code: int, reason: str, explanation: str, attempts: int) -> str:
        said = f": {explanation}" if explanation else ""
        where = f"the embedding server at {self.shown}"
        if code == 404:
            return f"{where} has no embeddings API at this path (HTTP 404{said}); try {self._alternative_path()}"
        if code in (401, 403):
            return (f"{where} refused the request (HTTP {code} {reason}{said}); check the API key "
                    "(?api_key= or $LITREVIEW_EMBED_API_KEY)")
        if code == 413:
            return f"{where} refused a batch as too large (HTTP 413{said}); lower ?batch_size="
        if 400 <= code < 500:
            hint = "check the model name (?model=) against the server's" if self.model or "model" in said else (
                "check the URL and options")
            return f"{where} refused the request (HTTP {code} {reason}{said}); {hint}"
        return (f"{where} failed (HTTP {code} {reason}{said}, after {count_of(attempts, 'attempt')}); "
                "see the server's log, then run again")

    def request(self, texts: list[str], *, retries: int | None = None) -> np.ndarray:
        """Vectors for one batch, as the server computes them (not truncated or normalised)."""
        data = json.dumps(self.payload(texts)).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        retries = self.retries if retries is None else retries
        message = ""
        for attempt in range(1, retries + 2):
            if attempt > 1:
                time.sleep(self.backoff * 2 ** (attempt - 2))
            request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    raw = response.read()
            except urllib.error.HTTPError as exc:
                try:
                    explanation = _server_explanation(exc.read() or b"")
                except OSError:
                    explanation = ""
                exc.close()
                message = self._http_failure(exc.code, str(exc.reason), explanation, attempt)
                if exc.code not in RETRY_STATUSES:
                    break
                continue
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                message = self._connection_failure(exc, attempt)
                continue
            try:
                body = json.loads(raw.decode("utf-8"))
            except ValueError as exc:
                raise RemoteEmbeddingError(
                    f"{self.shown} answered something other than JSON ({exc}); is this an embeddings API?"
                ) from exc
            return self.parse(body, len(texts))
        raise RemoteEmbeddingError(message)

    def _connection_failure(self, exc: BaseException, attempts: int) -> str:
        reason = getattr(exc, "reason", exc)
        where = f"the embedding server at {self.shown}"
        tried = f"after {count_of(attempts, 'attempt')}"
        if isinstance(reason, (TimeoutError, socket.timeout)) or "timed out" in str(reason):
            return (f"{where} did not answer within {self.timeout:g} s ({tried}); it may be overloaded: "
                    "lower ?batch_size= or raise ?timeout=")
        if isinstance(reason, ConnectionRefusedError):
            return (f"cannot reach the embedding server at {self.shown}: connection refused ({tried}); "
                    "start it or check the URL")
        if isinstance(reason, (ConnectionError, http.client.HTTPException)):
            return (f"lost the connection to {where} ({type(reason).__name__}, {tried}); "
                    "is it still running? check it, then run again")
        if isinstance(reason, socket.gaierror):
            return (f"cannot find the embedding server's host in {self.shown} ({reason.strerror or reason}); "
                    "check the URL")
        return f"cannot reach the embedding server at {self.shown}: {reason} ({tried}); check the URL and the server"


class _Run:
    """The shared state of one embedding call over several endpoints (guarded by `cond`)."""

    def __init__(self, batches: list[list[str]]) -> None:
        self.batches = batches
        self.results: list[np.ndarray | None] = [None] * len(batches)
        self.pending: deque[int] = deque(range(len(batches)))
        self.running: dict[int, list[Endpoint]] = {}  # batch -> endpoints it is in flight on, oldest first
        self.started: dict[int, float] = {}
        self.done_texts = 0
        self.finished = 0
        self.stop = False
        self.errors: dict[Endpoint, str] = {}
        self.fatal: str | None = None  # a failure no other endpoint can mend
        self.cond = threading.Condition()


class RemoteEmbedder(PromptedEmbedder):
    """Embeds through one or more HTTP servers (infinity, TEI, vLLM, an OpenAI-compatible gateway)."""

    device = "remote"

    def __init__(
        self,
        url: str | Endpoint | Sequence[str | Endpoint],
        *,
        api: str | None = None,
        model: str | None = None,
        preset: ModelPreset | None = None,
        dim: int | None = None,
        query_prompt: str | None = None,
        document_prompt: str | None = None,
        batch_size: int = 32,
        timeout: float = 60.0,
        retries: int = 3,
        backoff: float = 0.5,
        api_key: str | None = None,
        max_length: int | None = None,
        concurrency: int = 2,
    ) -> None:
        given = [url] if isinstance(url, (str, Endpoint)) else list(url)
        if not given:
            raise ValueError("no endpoint given")
        self.endpoints = [
            item if isinstance(item, Endpoint) else Endpoint(
                item, api=api, model=model, timeout=timeout, retries=retries, backoff=backoff, api_key=api_key,
                concurrency=concurrency,
            )
            for item in given
        ]
        first = self.endpoints[0]
        self.url = first.url
        self.api = first.api
        self.model = first.model
        self.preset = preset
        # The vector-store key: a declared seed model's id (its vectors equal the local model's), else the model
        # name the user gave, else the first endpoint (never the URL's credentials).
        self.model_id = preset.model_id if preset is not None else (first.model or first.shown)
        self.query_prompt = query_prompt if query_prompt is not None else (preset.query_prompt if preset else "")
        self.document_prompt = (
            document_prompt if document_prompt is not None else (preset.document_prompt if preset else "")
        )
        self.native_dim = preset.dim if preset is not None else None
        if preset is not None:
            dim = preset.check_dim(dim)
        self.max_length = max_length or (preset.max_length if preset is not None else 512)
        self.batch_size = max(1, int(batch_size))
        self._dim = int(dim) if dim else None
        self._latency: float | None = None  # moving average of a successful request's seconds

    # -- the Embedder interface ------------------------------------------------------------------------------

    @property
    def dim(self) -> int:
        """The output dim: as configured, else the server's (asked once with a one-word request)."""
        if self._dim is None:
            self._dim = int(self._check_width(self._embed_raw(["dimension probe"], None, None)))
        return self._dim

    def _embed_with_prompt(
        self, texts: Sequence[str], query: bool, progress: Callable[[int, int], None] | None,
        cancel: CancelToken | None,
    ) -> np.ndarray:
        prompt = self.query_prompt if query else self.document_prompt
        return self._embed([prompt + t for t in texts], progress, cancel)

    def describe(self) -> dict[str, Any]:
        return {
            "model": self.model_id,
            "dim": self._dim,
            "device": self.device,
            "endpoints": [endpoint.shown for endpoint in self.endpoints],
            "preset": self.preset.name if self.preset is not None else None,
        }

    # -- internals -------------------------------------------------------------------------------------------

    def _check_width(self, matrix: np.ndarray) -> int:
        """The width of the server's vectors, checked against the declared seed model and the asked dim."""
        width = int(matrix.shape[1])
        shown = ", ".join(endpoint.shown for endpoint in self.endpoints)
        if self.native_dim is not None and width != self.native_dim:
            raise RemoteEmbeddingError(
                f"the embedding server at {shown} returned {width}-d vectors, but {self.preset.name} "  # type: ignore[union-attr]
                f"({self.model_id}) gives {self.native_dim}: it serves another model; serve {self.model_id} "
                "or drop ?preset="
            )
        if self._dim is not None and width < self._dim:
            raise RemoteEmbeddingError(
                f"the embedding server at {shown} returned {width}-d vectors, fewer than the {self._dim} dimensions "
                f"asked for (the library's or ?dim=); serve the library's model or choose dim ≤ {width}"
            )
        return width

    def _embed(
        self, texts: list[str], progress: Callable[[int, int], None] | None, cancel: CancelToken | None
    ) -> np.ndarray:
        total = len(texts)
        if progress is not None:
            progress(0, total)
        if total == 0:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        matrix = self._embed_raw(texts, progress, cancel)
        width = self._check_width(matrix)
        dim = self._dim or width
        self._dim = dim
        # As the local path: MRL truncation first, then L2 normalisation (in float32, like torch's normalize).
        matrix = matrix[:, :dim]
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)

    def _live_endpoints(self) -> list[Endpoint]:
        now = time.monotonic()
        live = [endpoint for endpoint in self.endpoints if endpoint.down_until <= now]
        return live or list(self.endpoints)  # all failed lately: try them all again (a restarted server)

    def _embed_raw(
        self, texts: list[str], progress: Callable[[int, int], None] | None, cancel: CancelToken | None
    ) -> np.ndarray:
        """The server's vectors for `texts`, in order, from every live endpoint at once."""
        if cancel is not None:
            cancel.raise_if_cancelled()
        endpoints = self._live_endpoints()
        slots = sum(endpoint.concurrency for endpoint in endpoints)
        # Small calls are split so every slot has work; never beyond batch_size texts per request.
        size = max(1, min(self.batch_size, math.ceil(len(texts) / slots)))
        run = _Run([texts[start : start + size] for start in range(0, len(texts), size)])
        # One pool per call: every request thread has ended when the call returns (or fails), except after a
        # cancel, which does not wait for requests in flight (they end within their timeout).
        pool = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="remote-embed")
        wait = True
        for endpoint in endpoints:
            for _ in range(endpoint.concurrency):
                pool.submit(self._work, run, endpoint, len(endpoints))
        reported = 0
        try:
            with run.cond:
                try:
                    while run.finished < len(run.batches):
                        if run.fatal is not None:
                            raise RemoteEmbeddingError(run.fatal)
                        if len(run.errors) >= len(endpoints):
                            raise RemoteEmbeddingError(self._failure(run))
                        if cancel is not None and cancel.cancelled:
                            raise Cancelled()
                        run.cond.wait(0.1)
                        if progress is not None and run.done_texts != reported:
                            reported = run.done_texts
                            run.cond.release()
                            try:
                                progress(reported, len(texts))
                            finally:
                                run.cond.acquire()
                finally:
                    run.stop = True
                    run.cond.notify_all()
        except (Cancelled, KeyboardInterrupt):
            wait = False  # do not sit out the requests in flight
            raise
        finally:
            pool.shutdown(wait=wait, cancel_futures=True)
        return np.concatenate(run.results)  # type: ignore[arg-type]

    def _failure(self, run: _Run) -> str:
        messages = list(dict.fromkeys(run.errors.values()))
        if len(messages) == 1:
            return messages[0]
        return f"every embedding server failed: {' | '.join(messages)}"

    def _next_batch(self, run: _Run, endpoint: Endpoint, others: int) -> int | None:
        """Under run.cond: a batch for `endpoint`, waiting while there is none; None when this worker is done."""
        while not run.stop and endpoint not in run.errors and run.finished < len(run.batches):
            if run.pending:
                return run.pending.popleft()
            if others > 1 and self._latency is not None:
                # A straggler: in flight on one other endpoint for much longer than a request usually takes.
                late = time.monotonic() - HEDGE_AFTER * self._latency
                stragglers = [
                    i for i, on in run.running.items()
                    if run.results[i] is None and len(on) == 1 and endpoint not in on and run.started[i] < late
                ]
                if stragglers:
                    return min(stragglers, key=lambda i: run.started[i])
            run.cond.wait(0.05)
        return None

    def _work(self, run: _Run, endpoint: Endpoint, others: int) -> None:
        while True:
            with run.cond:
                index = self._next_batch(run, endpoint, others)
                if index is None:
                    return
                run.running.setdefault(index, []).append(endpoint)
                run.started.setdefault(index, time.monotonic())
            try:
                # With other endpoints to fail over to, a refused or lost connection is not retried here.
                with run.cond:
                    alone = others - len(run.errors) <= 1
                began = time.monotonic()
                vectors = endpoint.request(run.batches[index], retries=None if alone else 0)
                took = time.monotonic() - began
            except RemoteEmbeddingError as exc:
                with run.cond:
                    run.running[index].remove(endpoint)
                    run.errors[endpoint] = str(exc)
                    endpoint.down_until = time.monotonic() + DOWN_FOR_S
                    if run.results[index] is None and not run.running[index]:
                        run.pending.appendleft(index)
                    run.cond.notify_all()
                return
            except BaseException as exc:  # noqa: BLE001 - a bug must not leave the caller waiting forever
                with run.cond:
                    run.running[index].remove(endpoint)
                    run.fatal = f"{endpoint.shown}: {type(exc).__name__}: {exc}"
                    run.cond.notify_all()
                return
            with run.cond:
                run.running[index].remove(endpoint)
                self._latency = took if self._latency is None else 0.8 * self._latency + 0.2 * took
                if run.results[index] is None:
                    widths = {r.shape[1] for r in run.results if r is not None}
                    if widths and vectors.shape[1] not in widths:
                        run.fatal = (
                            f"the embedding server at {endpoint.shown} returned {vectors.shape[1]}-d vectors, the "
                            f"others {widths.pop()}-d: they serve different models; serve one model everywhere"
                        )
                        run.cond.notify_all()
                        return
                    run.results[index] = vectors
                    run.finished += 1
                    run.done_texts += len(run.batches[index])
                    endpoint.down_until = 0.0
                run.cond.notify_all()
