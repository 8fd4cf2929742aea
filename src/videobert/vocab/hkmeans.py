"""Hierarchical k-means: the tree behind the visual vocabulary (no corpus code here).

A tree of depth ``levels`` is stored level by level: ``centroids[l]`` is an (n_l, D) float32
array of the nodes at depth l+1 and ``parents[l]`` (n_l,) int64 gives, for each of them, its
parent's row in ``centroids[l - 1]`` (``parents[0]`` is all -1: the root is implicit).
Nodes are ordered by parent, so the children of a node are one contiguous block and the
leaves (the last level) are numbered in depth-first tree order.

Fitting uses faiss k-means (k-means++ init) per node, one OpenMP thread per node and the
sibling nodes of a level in parallel threads; assignment (`walk`) uses numpy matmuls.

Small nodes: a node whose points number n <= k is not clustered; its children are its
distinct points (so it gets between 1 and n children, each point its own centroid). A child
that ends up with no points after the final assignment is dropped, so every node has at
least one point and at least one child: every leaf sits at the last level, and a tree built
from N points has at most min(N, k**levels) leaves.
"""
from __future__ import annotations

import contextlib
import functools
import logging
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

log = logging.getLogger(__name__)


def single_threaded_numpy_blas(fn):
    """Run `fn` with numpy's BLAS on one thread.

    The tree work is thousands of small matmuls interleaved with faiss calls, parallel over
    nodes instead (fit_tree); numpy's OpenBLAS threads busy-waiting against those threads
    made the 4x12 fit 3x slower on 2 cores, while the largest matmul here (N x D x k) takes
    well under a second on one core.
    """
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # only slower without it
            limit = contextlib.nullcontext()
        else:
            libs = ThreadpoolController().select(user_api="blas")
            numpy_blas = [lib.filepath for lib in libs.lib_controllers if "numpy" in lib.filepath]
            limit = libs.select(filepath=numpy_blas).limit(limits=1)
        with limit:
            return fn(*args, **kwargs)

    return wrapper


def nearest(x: np.ndarray, c: np.ndarray, c_sq: np.ndarray | None = None) -> np.ndarray:
    """Row index of the nearest centroid (squared L2) for each point: (N, D), (m, D) -> (N,)."""
    if c_sq is None:
        c_sq = np.einsum("md,md->m", c, c)
    # ||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2; ||x||^2 does not change the argmin.
    return np.argmin(c_sq[None, :] - 2.0 * (x @ c.T), axis=1)  # (N,)


def child_offsets(parents: np.ndarray, num_parents: int) -> np.ndarray:
    """(num_parents + 1,) offsets: the children of node p are rows [off[p], off[p + 1])."""
    return np.concatenate([[0], np.cumsum(np.bincount(parents, minlength=num_parents))]).astype(np.int64)


def _groups(node: np.ndarray):
    """Yield (node id, row indices) for each distinct value of `node`, in increasing node order."""
    order = np.argsort(node, kind="stable")
    bounds = np.flatnonzero(np.diff(node[order])) + 1
    for rows in np.split(order, bounds):
        yield int(node[rows[0]]), rows


@single_threaded_numpy_blas
def walk(
    x: np.ndarray, centroids: list[np.ndarray], parents: list[np.ndarray], return_path: bool = False
) -> np.ndarray:
    """Leaf id of each point, choosing the nearest of the <= k children at every level.

    x: (N, D) float32. Returns (N,) int64, or (N, levels) node ids per level with `return_path`.
    Points are grouped by their current node so each level costs N * k * D multiply-adds.
    """
    sq = [np.einsum("md,md->m", c, c) for c in centroids]
    node = nearest(x, centroids[0], sq[0]).astype(np.int64)  # (N,)
    path = [node]
    for lvl in range(1, len(centroids)):
        off = child_offsets(parents[lvl], len(centroids[lvl - 1]))
        nxt = np.empty_like(node)
        for p, rows in _groups(node):
            lo, hi = off[p], off[p + 1]
            nxt[rows] = lo + nearest(x[rows], centroids[lvl][lo:hi], sq[lvl][lo:hi])
        node = nxt
        path.append(node)
    return np.stack(path, axis=1) if return_path else node


def _node_seed(seed: int, level: int, node: int) -> int:
    return int(np.random.SeedSequence([seed, level, node]).generate_state(1)[0] & 0x7FFFFFFF)


def fit_node(x: np.ndarray, k: int, seed: int, iters: int) -> np.ndarray:
    """Centroids (m, D), m <= k, for the points (n, D) of one node (see the module docstring)."""
    if len(x) <= k:
        return np.unique(x, axis=0)  # sorted, so deterministic regardless of point order
    import faiss  # a core dependency; imported here so that loading a vocabulary does not need it

    # One OpenMP thread per node: parallelism comes from fitting sibling nodes at once (see
    # fit_tree). faiss's threads spinning against other busy threads made nodes 2-20x slower
    # on a shared 2-core machine (measured: 0.20 s vs 0.69 s for the root, 0.6 vs 17 ms at 116 points).
    threads = faiss.omp_get_max_threads()  # this thread's setting
    faiss.omp_set_num_threads(1)
    try:
        return _faiss_kmeans(faiss, x, k, seed, iters)
    finally:
        faiss.omp_set_num_threads(threads)


def _faiss_kmeans(faiss, x: np.ndarray, k: int, seed: int, iters: int) -> np.ndarray:
    km = faiss.Kmeans(
        x.shape[1], k, niter=iters, seed=seed, verbose=False,
        # k-means++ init: better partitions than faiss's uniform default at little cost for k=12.
        init_method=faiss.ClusteringInitMethod_KMEANS_PLUS_PLUS,
        min_points_per_centroid=1,  # small nodes are expected here; silence faiss's warning
    )
    km.train(np.ascontiguousarray(x, dtype=np.float32))
    return km.centroids.copy()


def _split(x: np.ndarray, rows: np.ndarray, k: int, seed: int, iters: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Fit one node on x[rows]: its children's centroids (m, D) and each child's point rows."""
    xs = x if len(rows) == len(x) else x[rows]  # the root needs no copy
    c = fit_node(xs, k, seed, iters)
    lab = nearest(xs, c)
    used = np.bincount(lab, minlength=len(c)) > 0
    if not used.all():  # drop empty children: no node may have zero points
        c, lab = c[used], (np.cumsum(used) - 1)[lab]
    return c, [rows[r] for _, r in _groups(lab)]


@single_threaded_numpy_blas
def fit_tree(x: np.ndarray, levels: int, k: int, seed: int = 0, iters: int = 20, workers: int | None = None):
    """Fit the tree on points x (N, D) float32. Returns (centroids, parents) lists, one per level.

    The nodes of a level are fitted in parallel by `workers` threads (default: the usable
    CPUs; faiss and numpy release the GIL). Deterministic for a seed whatever the number of
    workers: each node gets its own seed derived from (seed, level, node).
    """
    if len(x) == 0:
        raise ValueError("cannot fit a vocabulary on zero points")
    workers = workers or len(os.sched_getaffinity(0))
    centroids: list[np.ndarray] = []
    parents: list[np.ndarray] = []
    groups = [np.arange(len(x))]  # point rows of each node at the current depth
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for lvl in range(levels):
            fits = list(pool.map(lambda pr: _split(x, pr[1], k, _node_seed(seed, lvl, pr[0]), iters), enumerate(groups)))
            centroids.append(np.concatenate([c for c, _ in fits]).astype(np.float32))
            parents.append(np.concatenate([np.full(len(c), p if lvl else -1, np.int64) for p, (c, _) in enumerate(fits)]))
            groups = [g for _, gs in fits for g in gs]
            log.debug("level %d: %d nodes", lvl + 1, len(centroids[-1]))
    return centroids, parents
