"""The embedding model in a child process, behind the same interface as an in-process embedder.

Why: importing torch and transformers and loading a model hold the GIL for hundreds of milliseconds at a time
(dlopen of libtorch, Cython module initialisation in scipy, which transformers imports), even on a worker
thread, and every Python slot of the GUI thread waits meanwhile (benchmarks/ui_stall.py measured 0.8 s stalls).
In a child process none of that touches the app's GIL: the worker thread only waits on a pipe (which releases
the GIL) and copies float32 bytes.

Protocol (stdin/stdout of the child, no pickle): each message is a 4-byte big-endian length and a UTF-8 JSON
header; an array answer's header has "rows" and "dim" and is followed by rows*dim little-endian float32 values.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import select
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import IO, Any

DEFAULT_FACTORY = "litreview.embedding:load_embedder"
_LENGTH = struct.Struct(">I")


class EmbeddingProcessError(RuntimeError):
    """The child could not load the model, failed on a request, or ended."""


def child_command(config: str) -> list[str]:
    """The command line that starts the child with its JSON `config`.

    In a frozen (PyInstaller) app sys.executable is the app itself, which has no `-m`: its launcher
    (packaging/launcher.py) routes `--embedding-child CONFIG` to main() here instead.
    """
    if getattr(sys, "frozen", False):
        return [sys.executable, "--embedding-child", config]
    return [sys.executable, "-m", "litreview.workers.embedding_process", "--serve", config]


def _write_message(stream: IO[bytes], header: dict[str, Any], payload: bytes = b"") -> None:
    data = json.dumps(header).encode("utf-8")
    stream.write(_LENGTH.pack(len(data)) + data + payload)
    stream.flush()


def _read_exact(stream: IO[bytes], size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError("the embedding process closed its pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_message(stream: IO[bytes]) -> dict[str, Any]:
    (length,) = _LENGTH.unpack(_read_exact(stream, _LENGTH.size))
    return json.loads(_read_exact(stream, length).decode("utf-8"))


class EmbeddingProcess:
    """An embedder whose model runs in a child Python process. Thread affinity: the thread that created it.

    The constructor only starts the child; `poll_ready` lets a caller stay responsive while the model loads,
    and everything else waits for it.

    `factory` is "module:function" called in the child as function(name, device=..., dim=...), plus dtype=... when
    one is chosen, and must return an object with model_id, dim, embed_documents(texts) and embed_queries(texts).
    `allow_remote` passes on the user's choice of a remote endpoint `name` (embedding.loader.remote_allowed), which
    the child cannot see.
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        device: str | None = None,
        dim: int | None = None,
        dtype: str | None = None,
        factory: str = DEFAULT_FACTORY,
        env: dict[str, str] | None = None,
        allow_remote: bool = False,
    ) -> None:
        config = {"name": name, "device": device, "dim": dim, "dtype": dtype, "factory": factory,
                  "allow_remote": allow_remote}
        child_env = {**os.environ, **(env or {})}
        # Leave a core to the app: torch's CPU threads (OpenMP) default to every core.
        child_env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 2) - 1)))
        self._proc = subprocess.Popen(
            child_command(json.dumps(config)),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=child_env,
        )
        self.name = name
        self._lock = threading.Lock()
        self._ready: dict[str, Any] | None = None

    def poll_ready(self, timeout: float = 0.0) -> bool:
        """True once the child has loaded the model (waits at most `timeout` s); raises if loading failed."""
        if self._ready is None:
            assert self._proc.stdout is not None
            readable, _, _ = select.select([self._proc.stdout], [], [], timeout)
            if not readable:
                return False
            ready = self._receive()
            if not ready.get("ok"):
                self.close()
                raise EmbeddingProcessError(ready.get("error") or "the embedding model could not be loaded")
            self._ready = ready
        return True

    def wait_ready(self) -> None:
        while not self.poll_ready(1.0):
            pass

    @property
    def model_id(self) -> str:
        self.wait_ready()
        assert self._ready is not None
        return str(self._ready["model_id"])

    @property
    def dim(self) -> int:
        self.wait_ready()
        assert self._ready is not None
        return int(self._ready["dim"])

    @property
    def max_length(self) -> int | None:
        """The model's window in tokens (None when the child did not say)."""
        self.wait_ready()
        assert self._ready is not None
        return self._ready.get("max_length")

    @property
    def document_prompt(self) -> str:
        self.wait_ready()
        assert self._ready is not None
        return str(self._ready.get("document_prompt") or "")

    @property
    def tokenizer_file(self) -> str | None:
        """The model's fast tokenizer saved as `tokenizers` JSON, for counting passage tokens (embedding.tokens)."""
        self.wait_ready()
        assert self._ready is not None
        return self._ready.get("tokenizer_file")

    def _receive(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        try:
            return _read_message(self._proc.stdout)
        except (EOFError, OSError, ValueError) as exc:
            code = self._proc.poll()
            raise EmbeddingProcessError(f"the embedding process ended (exit status {code}): {exc}") from exc

    def _request(self, op: str, texts: Sequence[str]):
        import numpy as np

        self.wait_ready()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            assert self._proc.stdin is not None and self._proc.stdout is not None
            try:
                _write_message(self._proc.stdin, {"op": op, "texts": list(texts)})
            except (BrokenPipeError, OSError) as exc:
                raise EmbeddingProcessError(f"the embedding process is gone: {exc}") from exc
            header = self._receive()
            if not header.get("ok"):
                raise EmbeddingProcessError(header.get("error") or "embedding failed")
            rows, dim = int(header["rows"]), int(header["dim"])
            payload = _read_exact(self._proc.stdout, rows * dim * 4)
        return np.frombuffer(payload, dtype="<f4").reshape(rows, dim).astype(np.float32)

    def embed_documents(self, texts: Sequence[str], progress: Any = None, cancel: Any = None):
        """L2-normalised float32 (len(texts), dim); `cancel` is checked before the batch is sent."""
        if cancel is not None:
            cancel.raise_if_cancelled()
        vectors = self._request("documents", texts)
        if progress is not None:
            progress(len(texts), len(texts))
        return vectors

    def embed_queries(self, texts: Sequence[str]):
        return self._request("queries", texts)

    def close(self, timeout: float = 10.0) -> None:
        """Ask the child to quit and wait for it (killed if it does not stop in time)."""
        proc = self._proc
        if proc.poll() is None:
            try:
                assert proc.stdin is not None
                _write_message(proc.stdin, {"op": "quit"})
                proc.stdin.close()
            except (BrokenPipeError, OSError, ValueError):
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None and not stream.closed:
                stream.close()

    def __del__(self) -> None:
        proc = getattr(self, "_proc", None)
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()


def _serve(config: dict[str, Any]) -> int:
    """The child: load the model, then answer requests until "quit" or end of input."""
    # Keep the protocol's stdout private: anything a library prints goes to stderr instead.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    if hasattr(os, "nice"):
        os.nice(10)  # background work: when cores are busy, the app's GUI thread goes first
    source = sys.stdin.buffer
    try:
        if config.get("allow_remote"):
            from litreview.embedding.loader import allow_remote_endpoint

            allow_remote_endpoint(config.get("name"))
        module_name, _, function_name = config["factory"].partition(":")
        factory = getattr(importlib.import_module(module_name), function_name)
        options = {"dtype": config["dtype"]} if config.get("dtype") else {}
        embedder = factory(config.get("name"), device=config.get("device"), dim=config.get("dim"), **options)
    except Exception as exc:
        _write_message(out, {"ok": False, "error": f"{type(exc).__name__}: {exc}"})
        return 1
    from litreview.embedding.tokens import tokenizer_file

    spec = getattr(embedder, "spec", None)
    tokenizer = getattr(embedder, "tokenizer", None)
    _write_message(out, {
        "ok": True, "model_id": embedder.model_id, "dim": int(embedder.dim),
        # What passage splitting needs to count tokens as the model does (embedding.tokens).
        "max_length": getattr(embedder, "max_length", None),
        "document_prompt": getattr(embedder, "document_prompt", None) or getattr(spec, "document_prompt", None),
        "tokenizer_file": tokenizer_file(tokenizer) if tokenizer is not None else None,
    })
    while True:
        try:
            request = _read_message(source)
        except EOFError:
            return 0
        if request.get("op") == "quit":
            return 0
        try:
            import numpy as np

            texts = request["texts"]
            if request["op"] == "documents":
                vectors = embedder.embed_documents(texts)
            elif request["op"] == "queries":
                vectors = embedder.embed_queries(texts)
            else:
                raise ValueError(f"unknown request {request['op']!r}")
            array = np.ascontiguousarray(np.asarray(vectors, dtype="<f4"))
        except Exception as exc:
            _write_message(out, {"ok": False, "error": f"{type(exc).__name__}: {exc}"})
            continue
        _write_message(out, {"ok": True, "rows": int(array.shape[0]), "dim": int(array.shape[1])}, array.tobytes())


def main(argv: list[str] | None = None) -> int:
    """`--serve CONFIG`: run as the child (the frozen app's launcher calls this for `--embedding-child`)."""
    parser = argparse.ArgumentParser(description="litreview's embedding child process (started by the app)")
    parser.add_argument("--serve", required=True, help="JSON configuration")
    args = parser.parse_args(argv)
    return _serve(json.loads(args.serve))


if __name__ == "__main__":
    raise SystemExit(main())
