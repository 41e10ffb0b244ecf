"""Topic clusters of a library's embeddings, their labels and the 2-D map, stored with stable ids.

`cluster_library` (on the thread owning the library) loads the vectors of one (model, dim), picks the number
of clusters (best silhouette of k-means on a sample, over a range of k sized for topics of at most a few hundred
papers) unless the user gives one, clusters with k-means, labels each cluster by class-based TF-IDF over titles and
abstracts, lays the papers out in 2-D and stores it all in `clusters` / `cluster_members`. Re-clustering
matches the new clusters to the stored ones by centroid cosine similarity (Hungarian assignment), so a
cluster that persists keeps its id and the label the user gave it, and the map starts from the old
positions: the picture does not reshuffle under the user.

`load_map`, `load_clusters` and `rename_cluster` are the read/edit API of the Map panel and the CLI.
Why k-means rather than HDBSCAN: every paper gets a topic (HDBSCAN leaves many sentence embeddings as noise),
k is easy for the user to override, and centroids make matching across runs well defined.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from litreview.core.ops import Job, JobGenerator, JobKind, Services
from litreview.core.progress import CancelToken, Progress, ProgressSink, drive
from litreview.library import settings
from litreview.library.db import Library

if TYPE_CHECKING:
    import numpy as np

STAGE = "clusters"
MAX_AUTO_K = 30
MAX_TOPIC_SIZE = 300
"""The automatic choice looks for topics of at most about this many papers (see choose_k)."""
MIN_TOPIC_SIZE = 25
PREFER_MARGIN = 0.01
"""Silhouette difference within which re-clustering keeps the stored number of clusters."""
LABEL_SAMPLE = 5000
"""Larger libraries are labelled from a sample of this many papers, spread over the clusters."""
SELECTION_SAMPLE = 2000
MATCH_THRESHOLD = 0.8
"""Cosine similarity of unit centroids above which a new cluster inherits an old cluster's id and user label."""

_STEPS = ("loading vectors", "choosing the number of clusters", "clustering", "labelling", "laying out", "saving")


@dataclass(frozen=True)
class ClusterInfo:
    """One stored cluster: `label` is what to show (the user's label when set, else `auto_label`)."""

    cluster_id: int
    label: str
    paper_ids: list[int]
    auto_label: str = ""
    user_label: str | None = None

    @property
    def size(self) -> int:
        return len(self.paper_ids)


@dataclass(frozen=True)
class MapPoint:
    paper_id: int
    x: float
    y: float
    cluster_id: int


@dataclass(frozen=True)
class MapCluster:
    """A cluster as drawn: its label goes at (x, y), the median position of its papers."""

    cluster_id: int
    label: str
    size: int
    x: float
    y: float
    user_label: str | None = None


def _empty(dtype: str) -> np.ndarray:
    import numpy as np

    return np.zeros(0, dtype=dtype)


@dataclass(frozen=True)
class MapData:
    """The library map of one (model, dim) as parallel arrays (coordinates in [-1, 1]), plus the clusters.

    Plain data, safe to send from the worker to the GUI. Empty when the library was never clustered.
    """

    model_id: str
    dim: int
    paper_ids: np.ndarray = field(default_factory=lambda: _empty("int64"))
    x: np.ndarray = field(default_factory=lambda: _empty("float32"))
    y: np.ndarray = field(default_factory=lambda: _empty("float32"))
    cluster_ids: np.ndarray = field(default_factory=lambda: _empty("int64"))
    titles: list[str] = field(default_factory=list)
    clusters: list[MapCluster] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.paper_ids)

    def points(self) -> list[MapPoint]:
        return [
            MapPoint(int(p), float(x), float(y), int(c))
            for p, x, y, c in zip(self.paper_ids, self.x, self.y, self.cluster_ids, strict=True)
        ]


Offload = Callable[[Callable[[], Generator[Progress, None, Any]]], Generator[Progress, None, Any]]
"""Runs a pure computation (a generator of Progress, touching no library) and yields its progress: in line by
default, beside the worker thread in the worker (Services.offload), so the worker keeps answering requests."""


def in_line(steps: Callable[[], Generator[Progress, None, Any]]) -> Generator[Progress, None, Any]:
    return (yield from steps())


def cluster_library(
    library: Library,
    model_id: str,
    dim: int,
    k: int | None = None,
    progress: ProgressSink | None = None,
    cancel: CancelToken | None = None,
    *,
    random_state: int = 0,
) -> list[ClusterInfo]:
    """Cluster, label, lay out and store the papers that have a vector for (model_id, dim).

    `k` overrides the automatic choice (clamped to the number of papers). Progress goes to `progress` and the
    `cancel` token is checked between stages; a cancelled run raises `Cancelled` and leaves the stored clusters as
    they were. Returns the clusters, largest first. Runs on the thread that owns the library (the CLI).
    """
    steps = cluster_steps(library, model_id, dim, k, cancel, random_state=random_state)
    return drive(steps, progress)


def cluster_steps(library: Library, model_id: str, dim: int, k: int | None = None, cancel: CancelToken | None = None,
                  *, random_state: int = 0, offload: Offload = in_line) -> Generator[Progress, None, list[ClusterInfo]]:
    """cluster_library as a generator of its stages. The library is read and written only here, on the calling
    thread (its one writer); the heavy computations in between go through `offload` with plain arrays."""
    if k is not None and k < 1:
        raise ValueError(f"the number of clusters must be at least 1, got {k}")
    from litreview.index.vectors import VectorStore, normalize_rows

    step = _Steps(cancel)
    yield step.next()
    paper_ids, vectors = VectorStore(library).load(model_id, dim)
    vectors = normalize_rows(vectors)
    if len(paper_ids) == 0:
        with library.transaction() as conn:
            _delete_clusters(conn, model_id, dim)
        yield step.done()
        return []
    prefer = _stored_count(library, model_id, dim)
    previous = _previous_positions(library, model_id, dim, paper_ids)

    reduced, assignments, centroids = yield from offload(
        lambda: _partition(vectors, k, step, prefer=prefer, random_state=random_state)
    )
    yield step.next()
    sample = _label_sample(assignments, random_state)
    documents = _documents(library, paper_ids[sample])
    labels, positions = yield from offload(
        lambda: _describe(vectors, reduced, documents, assignments[sample], previous, step, cancel, random_state)
    )
    yield step.next()
    clusters = _store(library, model_id, dim, paper_ids, assignments, centroids, labels, positions)
    yield step.done()
    return clusters


def _partition(vectors: np.ndarray, k: int | None, step: _Steps, *, prefer: int | None, random_state: int,
               ) -> Generator[Progress, None, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Reduce, choose k and run k-means: (reduced vectors, assignments, unit centroids). Pure."""
    from threadpoolctl import threadpool_limits

    from litreview.analysis.layout import THREADS, reduce_dimensions

    with threadpool_limits(limits=THREADS):
        reduced = reduce_dimensions(vectors, random_state=random_state)
    yield step.next()
    with threadpool_limits(limits=THREADS):
        chosen = k if k is not None else choose_k(reduced, random_state=random_state, prefer=prefer)
    yield step.next()
    with threadpool_limits(limits=THREADS):
        assignments, centroids = _kmeans(vectors, min(chosen, len(vectors)), random_state)
    return reduced, assignments, centroids


def _describe(vectors: np.ndarray, reduced: np.ndarray, documents: list[str], sample_assignments: np.ndarray,
              previous: np.ndarray | None, step: _Steps, cancel: CancelToken | None, random_state: int,
              ) -> Generator[Progress, None, tuple[dict[int, str], np.ndarray]]:
    """Label the clusters from the sampled documents and lay the papers out in 2-D. Pure."""
    from threadpoolctl import threadpool_limits

    from litreview.analysis.labels import cluster_labels
    from litreview.analysis.layout import THREADS, layout_2d

    with threadpool_limits(limits=THREADS):
        labels = cluster_labels(documents, sample_assignments)
    yield step.next()
    with threadpool_limits(limits=THREADS):
        positions = layout_2d(vectors, previous=previous, random_state=random_state, cancel=cancel, reduced=reduced)
    return labels, positions


def cluster_job() -> Job:
    """Cluster the library with the serving model's vectors (a worker job).

    The computations run beside the worker while the job yields their progress, so the worker keeps answering
    "related" and "search" meanwhile; the vectors are read and the clusters written by the worker itself.
    Cancel is checked between stages.
    """
    return Job(JobKind.CLUSTER, _cluster)


def _cluster(services: Services, cancel: CancelToken) -> JobGenerator:
    model = settings.serving_model(services.library)
    if model is None:
        raise LookupError("nothing is embedded yet: import papers first")
    waiting = Progress(STAGE, 0, 0, message=f"clustering with {model[0]}")

    def beside(steps: Callable[[], Generator[Progress, None, Any]]) -> Generator[Progress, None, Any]:
        return services.offload(lambda report: drive(steps(), report), cancel, name="litreview-cluster",
                                waiting=waiting)

    clusters = yield from cluster_steps(services.library, model[0], model[1], cancel=cancel, offload=beside)
    return len(clusters)


def serving_map(services: Services) -> MapData | None:
    """The stored map of the serving model (a worker query); None when nothing is embedded."""
    model = settings.serving_model(services.library)
    return None if model is None else load_map(services.library, model[0], model[1])


def choose_k(
    points: np.ndarray,
    *,
    k_max: int = MAX_AUTO_K,
    sample: int = SELECTION_SAMPLE,
    random_state: int = 0,
    prefer: int | None = None,
) -> int:
    """The number of clusters with the best silhouette (cosine) of k-means on a sample of `points`, searched over
    k from ceil(n / MAX_TOPIC_SIZE) (at least 2) to max(sqrt(n / 2), n / MIN_TOPIC_SIZE) (at most `k_max`).

    Why that range: on sentence embeddings the silhouette peaks at a handful of very broad clusters (on the
    6,397 arXiv records of the benchmark, k=4: math, CS, physics, astronomy), and a map of four topics says
    nothing about a library of thousands of papers; asking for topics of at most a few hundred papers and
    letting the silhouette choose inside that range gives a useful map. Libraries of fewer than 6 papers get 1.
    `prefer` (the k of the stored clusters) wins when its silhouette is within PREFER_MARGIN of the best, so
    re-clustering a grown library does not change k for a difference within sampling noise.
    """
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    count = len(points)
    if count < 6:
        return 1
    lower = max(2, -(-count // MAX_TOPIC_SIZE))
    upper = min(k_max, count - 1, max(lower, int(np.sqrt(count / 2)), count // MIN_TOPIC_SIZE))
    lower = min(lower, upper)
    if lower == upper:
        return lower
    rng = np.random.default_rng(random_state)
    chosen = rng.choice(count, sample, replace=False) if count > sample else np.arange(count)
    subset = np.asarray(points[chosen], dtype=np.float64)
    from threadpoolctl import threadpool_limits

    from litreview.analysis.layout import THREADS

    scores: dict[int, float] = {}
    for candidate in range(lower, upper + 1):
        with _quiet_duplicates(), threadpool_limits(limits=THREADS):
            labels = KMeans(n_clusters=candidate, n_init=2, random_state=random_state).fit_predict(subset)
        if len(set(labels.tolist())) >= 2:
            scores[candidate] = float(silhouette_score(subset, labels, metric="cosine"))
    if not scores:
        return lower
    best_k = max(scores, key=lambda candidate: (scores[candidate], -candidate))
    if prefer in scores and scores[prefer] >= scores[best_k] - PREFER_MARGIN:
        return prefer
    return best_k


def load_clusters(library: Library, model_id: str, dim: int) -> list[ClusterInfo]:
    """The stored clusters of (model_id, dim), largest first (ties by id); [] when never clustered."""
    rows = library.conn.execute(
        "SELECT id, label, user_label FROM clusters WHERE model_id = ? AND dim = ? ORDER BY size DESC, id",
        (model_id, dim),
    ).fetchall()
    members: dict[int, list[int]] = {int(r[0]): [] for r in rows}
    for cluster_id, paper_id in library.conn.execute(
        "SELECT m.cluster_id, m.paper_id FROM cluster_members m JOIN clusters c ON c.id = m.cluster_id "
        "WHERE c.model_id = ? AND c.dim = ? ORDER BY m.paper_id",
        (model_id, dim),
    ):
        members[int(cluster_id)].append(int(paper_id))
    return [
        ClusterInfo(int(cid), user_label or label, members[int(cid)], auto_label=label, user_label=user_label)
        for cid, label, user_label in rows
    ]


def load_map(library: Library, model_id: str, dim: int) -> MapData:
    """The stored map of (model_id, dim): points ordered by paper id, clusters largest first. Read only."""
    import numpy as np
    rows = library.conn.execute(
        "SELECT m.paper_id, m.x, m.y, m.cluster_id, coalesce(p.title, '') FROM cluster_members m "
        "JOIN clusters c ON c.id = m.cluster_id JOIN papers p ON p.id = m.paper_id "
        "WHERE c.model_id = ? AND c.dim = ? ORDER BY m.paper_id",
        (model_id, dim),
    ).fetchall()
    if not rows:
        return MapData(model_id, dim)
    paper_ids = np.array([r[0] for r in rows], dtype=np.int64)
    xs = np.array([r[1] for r in rows], dtype=np.float32)
    ys = np.array([r[2] for r in rows], dtype=np.float32)
    cluster_ids = np.array([r[3] for r in rows], dtype=np.int64)
    clusters = []
    for info in load_clusters(library, model_id, dim):
        inside = cluster_ids == info.cluster_id
        if not inside.any():
            continue
        clusters.append(
            MapCluster(
                info.cluster_id,
                info.label,
                int(inside.sum()),
                float(np.median(xs[inside])),
                float(np.median(ys[inside])),
                user_label=info.user_label,
            )
        )
    return MapData(model_id, dim, paper_ids, xs, ys, cluster_ids, [r[4] for r in rows], clusters)


def rename_cluster(library: Library, cluster_id: int, label: str | None) -> None:
    """Give a cluster the user's own label (kept across re-clustering); an empty label or None restores the
    automatic one. Raises KeyError for an unknown cluster."""
    label = (label or "").strip() or None
    with library.transaction() as conn:
        cursor = conn.execute("UPDATE clusters SET user_label = ? WHERE id = ?", (label, cluster_id))
        if cursor.rowcount == 0:
            raise KeyError(f"no cluster {cluster_id}")


def match_clusters(
    old_centroids: np.ndarray, new_centroids: np.ndarray, *, threshold: float = MATCH_THRESHOLD
) -> dict[int, int]:
    """new row -> old row for the one-to-one pairing of most total cosine similarity (Hungarian), keeping only
    pairs at least `threshold` similar."""
    from scipy.optimize import linear_sum_assignment

    if len(old_centroids) == 0 or len(new_centroids) == 0:
        return {}
    similarity = _unit(new_centroids) @ _unit(old_centroids).T
    rows, cols = linear_sum_assignment(similarity, maximize=True)
    return {int(r): int(c) for r, c in zip(rows, cols, strict=True) if similarity[r, c] >= threshold}


# -- internals -------------------------------------------------------------------------------------------------


class _Steps:
    """One Progress per stage; the cancel token is checked between stages."""

    def __init__(self, cancel: CancelToken | None) -> None:
        self.cancel, self.index = cancel, 0

    def next(self) -> Progress:
        if self.cancel is not None:
            self.cancel.raise_if_cancelled()
        self.index += 1
        return Progress(STAGE, self.index - 1, len(_STEPS), message=_STEPS[self.index - 1])

    def done(self) -> Progress:
        return Progress(STAGE, len(_STEPS), len(_STEPS), message="done")


def _kmeans(vectors: np.ndarray, k: int, random_state: int) -> tuple[np.ndarray, np.ndarray]:
    """k-means assignments and unit-length centroids (mean direction of each cluster)."""
    import numpy as np
    if k == 1:
        return np.zeros(len(vectors), dtype=np.int64), _unit(vectors.mean(axis=0, keepdims=True))
    from sklearn.cluster import KMeans

    with _quiet_duplicates():
        model = KMeans(n_clusters=k, n_init=3, random_state=random_state).fit(vectors)
    # Identical vectors can leave a cluster empty: keep the clusters that got papers, numbered 0..k'-1.
    _, assignments = np.unique(model.labels_, return_inverse=True)
    assignments = assignments.astype(np.int64)
    centroids = np.vstack([vectors[assignments == c].mean(axis=0) for c in range(int(assignments.max()) + 1)])
    return assignments, _unit(centroids)


@contextmanager
def _quiet_duplicates() -> Iterator[None]:
    """k-means warns when duplicate papers leave fewer distinct points than clusters; that case is handled."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _stored_count(library: Library, model_id: str, dim: int) -> int | None:
    row = library.conn.execute("SELECT COUNT(*) FROM clusters WHERE model_id = ? AND dim = ?", (model_id, dim))
    return int(row.fetchone()[0]) or None


def _label_sample(assignments: np.ndarray, random_state: int) -> np.ndarray:
    """Sorted indices of at most about LABEL_SAMPLE papers, each cluster in proportion to its size (at least 25
    papers, or all of a smaller one): labels from 5,000 abstracts read the same as from 10,000, in half the time."""
    import numpy as np
    count = len(assignments)
    if count <= LABEL_SAMPLE:
        return np.arange(count)
    rng = np.random.default_rng(random_state)
    picked = []
    for cluster in np.unique(assignments):
        members = np.flatnonzero(assignments == cluster)
        share = min(len(members), max(MIN_TOPIC_SIZE, round(len(members) * LABEL_SAMPLE / count)))
        picked.append(rng.choice(members, share, replace=False))
    return np.sort(np.concatenate(picked))


def _documents(library: Library, paper_ids: np.ndarray) -> list[str]:
    """Title and abstract of each paper, in the order of `paper_ids`."""
    wanted = {int(p) for p in paper_ids}
    texts = {
        int(pid): f"{title or ''} {abstract or ''}".strip()
        for pid, title, abstract in library.conn.execute("SELECT id, title, abstract FROM papers")
        if int(pid) in wanted
    }
    return [texts.get(int(p), "") for p in paper_ids]


def _previous_positions(library: Library, model_id: str, dim: int, paper_ids: np.ndarray) -> np.ndarray | None:
    """(n, 2) earlier map positions of `paper_ids` (NaN where none), or None when there is no earlier map."""
    import numpy as np
    rows = library.conn.execute(
        "SELECT m.paper_id, m.x, m.y FROM cluster_members m JOIN clusters c ON c.id = m.cluster_id "
        "WHERE c.model_id = ? AND c.dim = ?",
        (model_id, dim),
    ).fetchall()
    if not rows:
        return None
    known = {int(p): (x, y) for p, x, y in rows}
    return np.array([known.get(int(p), (np.nan, np.nan)) for p in paper_ids], dtype=np.float32)


def _store(
    library: Library,
    model_id: str,
    dim: int,
    paper_ids: np.ndarray,
    assignments: np.ndarray,
    centroids: np.ndarray,
    labels: dict[int, str],
    positions: np.ndarray,
) -> list[ClusterInfo]:
    """Replace the stored clusters of (model_id, dim), keeping the ids and user labels of matched old clusters."""
    import numpy as np
    sizes = np.bincount(assignments, minlength=len(centroids))
    order = sorted(range(len(centroids)), key=lambda c: (-sizes[c], c))  # new clusters get ids largest first
    with library.transaction() as conn:
        old = conn.execute(
            "SELECT id, centroid, user_label FROM clusters WHERE model_id = ? AND dim = ? ORDER BY id", (model_id, dim)
        ).fetchall()
        old_ids = [int(r[0]) for r in old]
        old_user_labels = {int(r[0]): r[2] for r in old}
        old_centroids = (
            np.vstack([np.frombuffer(r[1], dtype="<f4") for r in old]) if old else np.zeros((0, dim), np.float32)
        )
        if old_centroids.shape[1:] != (centroids.shape[1],):
            old_centroids = np.zeros((0, centroids.shape[1]), dtype=np.float32)
        matches = match_clusters(old_centroids, centroids)

        marks = ",".join("?" * len(old_ids))
        if old_ids:
            conn.execute(f"DELETE FROM cluster_members WHERE cluster_id IN ({marks})", old_ids)
        id_of: dict[int, int] = {}
        for cluster in order:
            blob = np.asarray(centroids[cluster], dtype="<f4").tobytes()
            if cluster in matches:
                cluster_id = old_ids[matches[cluster]]
                conn.execute(
                    "UPDATE clusters SET label = ?, centroid = ?, size = ? WHERE id = ?",
                    (labels[cluster], blob, int(sizes[cluster]), cluster_id),
                )
            else:  # inserted before the unmatched old rows go, so a new id never repeats one just removed
                cursor = conn.execute(
                    "INSERT INTO clusters(model_id, dim, label, centroid, size) VALUES (?, ?, ?, ?, ?)",
                    (model_id, dim, labels[cluster], blob, int(sizes[cluster])),
                )
                cluster_id = int(cursor.lastrowid)
            id_of[cluster] = cluster_id
        kept = set(id_of.values())
        gone = [cid for cid in old_ids if cid not in kept]
        conn.executemany("DELETE FROM clusters WHERE id = ?", [(cid,) for cid in gone])
        conn.executemany(
            "INSERT INTO cluster_members(cluster_id, paper_id, x, y) VALUES (?, ?, ?, ?)",
            [
                (id_of[int(c)], int(p), float(xy[0]), float(xy[1]))
                for p, c, xy in zip(paper_ids, assignments, positions, strict=True)
            ],
        )
    members: dict[int, list[int]] = {c: [] for c in range(len(centroids))}
    for paper_id, cluster in zip(paper_ids.tolist(), assignments.tolist(), strict=True):
        members[cluster].append(int(paper_id))
    result = []
    for cluster in order:
        cluster_id = id_of[cluster]
        user_label = old_user_labels.get(cluster_id) if cluster in matches else None
        result.append(
            ClusterInfo(cluster_id, user_label or labels[cluster], members[cluster], labels[cluster], user_label)
        )
    return result


def _delete_clusters(conn, model_id: str, dim: int) -> None:
    conn.execute("DELETE FROM clusters WHERE model_id = ? AND dim = ?", (model_id, dim))


def _unit(matrix: np.ndarray) -> np.ndarray:
    import numpy as np
    matrix = np.asarray(matrix, dtype=np.float32)
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


__all__: Sequence[str] = (
    "ClusterInfo",
    "MapCluster",
    "MapData",
    "MapPoint",
    "choose_k",
    "cluster_job",
    "cluster_library",
    "cluster_steps",
    "load_clusters",
    "load_map",
    "match_clusters",
    "rename_cluster",
    "serving_map",
)
