"""The level-synchronous k-means builds the same kind of tree as the faiss-per-node one (the
small-node rules are tested for both in test_hkmeans.py)."""
import numpy as np
import pytest
import torch

from videobert.vocab.batched_kmeans import fit_tree_batched
from videobert.vocab.hkmeans import fit_tree, walk


def blobs(n=3000, dim=16, centers=40, seed=1):
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centers, dim)) * 4
    return (c[rng.integers(centers, size=n)] + rng.normal(size=(n, dim))).astype(np.float32)


def msd(x, centroids, parents):
    leaf = walk(x, centroids, parents)
    return float(((x - centroids[-1][leaf]) ** 2).sum(1).mean())


def test_tree_is_contiguous_and_walkable(brute_force_walk):
    x = blobs(600, 8)
    centroids, parents = fit_tree_batched(x, levels=3, k=4, seed=0, iters=10)
    assert len(parents[0]) == len(centroids[0]) and np.all(parents[0] == -1)
    for lvl in range(1, 3):
        assert np.all(np.diff(parents[lvl]) >= 0)  # children of a node are one contiguous block
        assert set(parents[lvl]) == set(range(len(centroids[lvl - 1])))  # no childless node
        assert np.bincount(parents[lvl]).max() <= 4
        assert centroids[lvl].dtype == np.float32 and parents[lvl].dtype == np.int64
    np.testing.assert_array_equal(walk(x, centroids, parents), brute_force_walk(x, centroids, parents))


def test_distortion_matches_the_faiss_path():
    # one seed varies by +-20% on data this small (either path); the mean over four does not
    x = blobs(6000, 32, centers=200)
    ours = np.mean([msd(x, *fit_tree_batched(x, 3, 6, seed=s)) for s in range(4)])
    faiss = np.mean([msd(x, *fit_tree(x, 3, 6, seed=s, workers=1)) for s in range(4)])
    assert ours <= 1.05 * faiss, (ours, faiss)  # measured 0.99x; bench/kmeans.py checks 1.02 at scale


def test_deterministic_for_a_seed_and_the_seed_matters():
    x = blobs(2000, 16)
    a, b, c = (fit_tree_batched(x, 3, 5, seed=s, iters=5) for s in (7, 7, 8))
    for u, v in zip(a[0] + a[1], b[0] + b[1]):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0][0], c[0][0])


def test_zero_points_is_an_error():
    with pytest.raises(ValueError, match="zero points"):
        fit_tree_batched(np.zeros((0, 4), np.float32), 2, 3)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu_distortion():
    x = blobs(4000, 16)
    cpu, gpu = msd(x, *fit_tree_batched(x, 2, 6, seed=0)), msd(x, *fit_tree_batched(x, 2, 6, seed=0, device="cuda"))
    assert gpu <= 1.02 * cpu
