"""The 2-D library map: PCA to 50 dimensions, then t-SNE on a sample of landmark papers, the rest placed by
their nearest landmarks.

Why landmarks: scikit-learn's Barnes-Hut t-SNE on 10,000 points takes minutes on a 2-core CPU, far over the
30 s budget, while t-SNE on 1,000 points takes seconds. Every other paper is put at the similarity-weighted
mean of its nearest landmarks (in the PCA space), the way openTSNE initialises new points, so it lands among
the papers it is most like; the map is a picture, not a measurement, and this keeps its neighbourhoods.

Why an initial layout: when the map is redrawn after new papers arrive, t-SNE starts from the old positions
(new papers start next to their nearest old neighbours), so the picture keeps its overall arrangement.
Runs on the worker thread; scikit-learn is imported inside the functions.
"""

from __future__ import annotations

import numpy as np

from litreview.core.progress import CancelToken

PCA_DIMENSIONS = 50
MAX_TSNE_POINTS = 1000
NEIGHBOURS = 8
TSNE_ITERATIONS = 500
THREADS = 1
"""Threads for BLAS and OpenMP while clustering and laying out. One, because OpenMP threads spin while other
processes hold the cores: on this project's busy 2-core machine the 10,000-paper benchmark took 57 s with two
threads and 9 s with one (benchmarks/clusters.py); on an idle machine two threads would gain less than 2x."""
_PLACEMENT_TEMPERATURE = 0.05
_BLOCK = 2048


def reduce_dimensions(vectors: np.ndarray, *, components: int = PCA_DIMENSIONS, random_state: int = 0) -> np.ndarray:
    """PCA to at most `components` dimensions (float32), or the vectors themselves when already that small."""
    from sklearn.decomposition import PCA

    vectors = np.asarray(vectors, dtype=np.float32)
    components = min(components, vectors.shape[0], vectors.shape[1])
    if components >= vectors.shape[1] or vectors.shape[0] < 2:
        return vectors - vectors.mean(axis=0, keepdims=True)
    return PCA(n_components=components, svd_solver="randomized", random_state=random_state).fit_transform(vectors)


def place_by_neighbours(
    queries: np.ndarray, anchors: np.ndarray, anchor_positions: np.ndarray, *, neighbours: int = NEIGHBOURS
) -> np.ndarray:
    """2-D positions for `queries`: the softmax-weighted mean position of each one's most cosine-similar anchors."""
    if len(queries) == 0:
        return np.zeros((0, 2), dtype=np.float32)
    neighbours = min(neighbours, len(anchors))
    query_units = _unit_rows(queries)
    anchor_units = _unit_rows(anchors)
    positions = np.empty((len(queries), 2), dtype=np.float32)
    for start in range(0, len(queries), _BLOCK):
        similarity = query_units[start : start + _BLOCK] @ anchor_units.T
        nearest = np.argpartition(-similarity, neighbours - 1, axis=1)[:, :neighbours]
        nearest_similarity = np.take_along_axis(similarity, nearest, axis=1)
        weights = np.exp((nearest_similarity - nearest_similarity.max(axis=1, keepdims=True)) / _PLACEMENT_TEMPERATURE)
        weights /= weights.sum(axis=1, keepdims=True)
        positions[start : start + _BLOCK] = np.einsum("qk,qkd->qd", weights, anchor_positions[nearest])
    return positions


def layout_2d(
    vectors: np.ndarray,
    *,
    previous: np.ndarray | None = None,
    max_tsne_points: int = MAX_TSNE_POINTS,
    random_state: int = 0,
    cancel: CancelToken | None = None,
    reduced: np.ndarray | None = None,
) -> np.ndarray:
    """An (n, 2) float32 layout of `vectors`, centred and scaled into [-1, 1].

    `previous` is an (n, 2) array of earlier positions with NaN rows for papers that had none; when at least
    half the papers have one, t-SNE starts from them. `reduced` may pass the PCA of `vectors` when the caller
    already has it.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    count = len(vectors)
    if count == 0:
        return np.zeros((0, 2), dtype=np.float32)
    if count <= 3:
        return _normalised(_leading_components(vectors))
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=THREADS):
        return _layout(vectors, previous, max_tsne_points, random_state, cancel, reduced)


def _layout(
    vectors: np.ndarray,
    previous: np.ndarray | None,
    max_tsne_points: int,
    random_state: int,
    cancel: CancelToken | None,
    reduced: np.ndarray | None,
) -> np.ndarray:
    count = len(vectors)
    if reduced is None:
        reduced = reduce_dimensions(vectors, random_state=random_state)
    rng = np.random.default_rng(random_state)
    if count <= max_tsne_points:
        landmarks = np.arange(count)
    else:
        landmarks = np.sort(rng.choice(count, max_tsne_points, replace=False))
    initial = _initial_positions(reduced, previous)
    if cancel is not None:
        cancel.raise_if_cancelled()
    landmark_positions = _tsne(reduced[landmarks], initial[landmarks], random_state)
    if len(landmarks) == count:
        return _normalised(landmark_positions)
    if cancel is not None:
        cancel.raise_if_cancelled()
    positions = np.empty((count, 2), dtype=np.float32)
    positions[landmarks] = landmark_positions
    others = np.setdiff1d(np.arange(count), landmarks, assume_unique=True)
    positions[others] = place_by_neighbours(reduced[others], reduced[landmarks], landmark_positions)
    return _normalised(positions)


def _tsne(points: np.ndarray, initial: np.ndarray, random_state: int) -> np.ndarray:
    from sklearn.manifold import TSNE

    # scikit-learn scales its own PCA initialisation to a standard deviation of 1e-4; do the same for ours.
    spread = float(np.std(initial[:, 0])) or 1.0
    tsne = TSNE(
        n_components=2,
        perplexity=min(30.0, (len(points) - 1) / 3.0),
        init=(initial / spread * 1e-4).astype(np.float32),
        learning_rate="auto",
        max_iter=TSNE_ITERATIONS,
        random_state=random_state,
        n_jobs=-1,
    )
    return tsne.fit_transform(points).astype(np.float32)


def _initial_positions(reduced: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """Earlier positions where known (the others next to their nearest known neighbours), else the first two PCs."""
    if previous is not None:
        previous = np.asarray(previous, dtype=np.float32)
        known = ~np.isnan(previous).any(axis=1)
        if known.sum() >= max(2, len(previous) / 2):
            initial = previous.copy()
            if not known.all():
                initial[~known] = place_by_neighbours(reduced[~known], reduced[known], previous[known])
            return initial
    return _leading_components(reduced)


def _leading_components(points: np.ndarray) -> np.ndarray:
    """The first two principal components (zero-padded when there are fewer)."""
    centred = points - points.mean(axis=0, keepdims=True)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    projected = centred @ components[:2].T
    if projected.shape[1] < 2:
        projected = np.hstack([projected, np.zeros((len(points), 2 - projected.shape[1]), dtype=projected.dtype)])
    return projected.astype(np.float32)


def _normalised(positions: np.ndarray) -> np.ndarray:
    centred = positions - positions.mean(axis=0, keepdims=True)
    extent = float(np.abs(centred).max())
    return (centred / extent if extent > 0 else centred).astype(np.float32)


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)
