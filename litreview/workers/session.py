"""The worker's services: the library's one write connection, its embedder and its ANN index (Qt-free).

`LibrarySession` implements litreview.core.ops.Services. The threaded worker and the synchronous client both
hand it to the jobs and queries they run; it holds no feature logic of its own. `Backend` is where the heavy
parts come from (the model, the index, the importable formats): tests replace it with small fakes.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any, Protocol, TypeVar

from litreview.core.progress import CancelToken, Progress, ProgressSink, run_beside
from litreview.library import settings
from litreview.library.settings import ModelChoice

T = TypeVar("T")

class Backend(Protocol):
    """Where the worker's heavy services come from: the model, the ANN index and the importable formats.

    `LocalBackend` is the app's; tests give small fakes (tests/qt_helpers.py: a bag-of-words model, a brute-force
    index and a reader of little text files).
    """

    def load_embedder(self, library: Any, choice: ModelChoice) -> Any:
        """The chosen model, maybe still loading (then it has poll_ready/wait_ready)."""
        ...

    def model_ready(self, library: Any, embedder: Any) -> None:
        """A model loaded by load_embedder is ready (record it in the library's settings if not yet done)."""
        ...

    def make_index(self, library: Any) -> Any:
        """The ANN index service over the library's vectors."""
        ...

    def readers(self) -> Any:
        """The importable formats (a litreview.ingest.registry.Registry)."""
        ...


class LocalBackend:
    """The app's backend, imported lazily so that torch and hnswlib load only when first needed."""

    def __init__(self, *, model_in_child_process: bool = True) -> None:
        self.model_in_child_process = model_in_child_process

    def load_embedder(self, library: Any, choice: ModelChoice) -> Any:
        """The chosen model (None = the library's model, else the offline default); records it in the library's
        settings (litreview.library.settings) as pipeline.embed.open_embedder does, so the CLI agrees with the GUI.

        By default the model runs in a child process (see litreview.workers.embedding_process for why).
        A remote endpoint the user did not choose in this app instance (one read from the library's settings)
        raises embedding.loader.RemoteNotAllowed before anything is started or sent.
        """
        if not self.model_in_child_process:
            from litreview.pipeline.embed import open_embedder

            return open_embedder(library, choice.name, device=choice.device, dim=choice.dim, dtype=choice.dtype)
        from litreview.embedding import DEFAULT_MODEL
        from litreview.embedding.loader import check_remote_allowed, is_remote, storable_model_name
        from litreview.workers.embedding_process import EmbeddingProcess

        name, dim = settings.model_to_load(library, choice.name, choice.dim, default=DEFAULT_MODEL,
                                           storable=storable_model_name)
        check_remote_allowed(name)
        return EmbeddingProcess(
            name, device=choice.device, dim=dim, dtype=choice.dtype, allow_remote=is_remote(name)
        )

    def model_ready(self, library: Any, embedder: Any) -> None:
        """Record a loaded child-process model in the settings (in-process loading did it already); a remote
        URL is stored without its api_key."""
        from litreview.embedding.loader import storable_model_name

        name = getattr(embedder, "name", None)
        if name is None or not hasattr(embedder, "poll_ready"):
            return
        settings.record_loaded(library, storable_model_name(name), embedder.model_id, embedder.dim)

    def make_index(self, library: Any) -> Any:
        from litreview.index.service import IndexService

        return IndexService(library)

    def readers(self) -> Any:
        """The importable formats (litreview.ingest.registry.Registry)."""
        from litreview.ingest.registry import default_registry

        return default_registry()


class LibrarySession:
    """Runs on the worker thread: the one writer of a library, its embedder and its ANN index.

    The embedder is built on first need (never at start, so torch is not imported before the window shows).
    Which model serves related and semantic answers is litreview.library.settings.serving_model's to say.
    """

    def __init__(self, library_path: Path | str, *, backend: Backend | None = None) -> None:
        self.library_path = Path(library_path)
        self.backend = backend or LocalBackend()
        self._library: Any = None
        self._embedder: Any = None
        self._index: Any = None
        self._model: ModelChoice | None = None
        self._cache: dict[str, Any] = {}

    def papers_changed(self) -> None:
        """A job or an edit changed papers: forget what was derived from them."""
        self._cache.clear()

    def cached(self, key: str, factory: Callable[[], T]) -> T:
        if key not in self._cache:
            self._cache[key] = factory()
        return self._cache[key]

    def offload(self, work: Callable[[ProgressSink], T], cancel: CancelToken, *, name: str,
                waiting: Progress) -> Generator[Progress, None, T]:
        return run_beside(work, cancel, name=name, waiting=waiting)

    # -- owned resources --------------------------------------------------------------------------------------
    @property
    def library(self) -> Any:
        if self._library is None:
            from litreview.library.db import open_library

            self._library = open_library(self.library_path)
        return self._library

    @property
    def model_choice(self) -> ModelChoice:
        """The model chosen in the library's settings (None name = the offline default)."""
        if self._model is None:
            self._model = settings.model_choice(self.library)
        return self._model

    def embedder(self) -> Any:
        """The embedder, loaded on first call and waited for (blocks while the model loads)."""
        if self._embedder is None:
            embedder = self.backend.load_embedder(self.library, self.model_choice)
            try:
                if hasattr(embedder, "wait_ready"):
                    embedder.wait_ready()
                self.backend.model_ready(self.library, embedder)
            except BaseException:
                _close(embedder)
                raise
            self._embedder = embedder
        return self._embedder

    def embedder_steps(self, cancel: CancelToken, *, poll_s: float = 0.05) -> Generator[Progress, None, Any]:
        """The embedder, loaded while yielding progress every `poll_s` so that requests are answered meanwhile
        (a model in a child process takes seconds to load). Returns the embedder."""
        if self._embedder is not None:
            return self._embedder
        loading = Progress("loading model", 0, 0, message="Loading the embedding model…")
        yield loading
        embedder = self.backend.load_embedder(self.library, self.model_choice)
        try:
            while hasattr(embedder, "poll_ready") and not embedder.poll_ready(poll_s):
                cancel.raise_if_cancelled()
                yield loading
            self.backend.model_ready(self.library, embedder)
        except BaseException:
            _close(embedder)
            raise
        self._embedder = embedder
        return embedder

    @property
    def embedder_loaded(self) -> bool:
        return self._embedder is not None

    def readers(self) -> Any:
        """The importable formats (a litreview.ingest.registry.Registry)."""
        return self.backend.readers()

    def index(self) -> Any:
        if self._index is None:
            self._index = self.backend.make_index(self.library)
        return self._index

    def forget_index(self) -> None:
        """Drop the in-memory ANN index (papers left or came back): the next use reloads it from its snapshot."""
        self._index = None

    def set_model(self, choice: ModelChoice) -> None:
        """Remember a new model; the next job loads it (and records it in the settings). The serving model
        stays until the new one's embedding run has completed (litreview.library.settings). Choosing a remote
        endpoint here is the user's consent to send abstracts there (for this app instance)."""
        from litreview.embedding.loader import allow_remote_endpoint

        allow_remote_endpoint(choice.name)
        settings.choose(self.library, choice)
        self._model = choice
        old, self._embedder = self._embedder, None
        _close(old)

    def close(self) -> None:
        """Close the write connection (the pipeline saves index snapshots at the end of each job)."""
        embedder, self._embedder = self._embedder, None
        _close(embedder)  # ends the model's child process
        if self._library is not None:
            self._library.close()
            self._library = None
        self._index = None


def _close(embedder: Any) -> None:
    close = getattr(embedder, "close", None)
    if close is not None:
        close()
