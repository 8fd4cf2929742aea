import numpy as np
import pytest

from videobert.vocab.batched_kmeans import fit_tree_batched
from videobert.vocab.hkmeans import fit_tree, walk

BOTH_FITS = pytest.mark.parametrize("fit", [fit_tree, fit_tree_batched], ids=["faiss", "batched"])


def test_walk_equals_brute_force_and_tree_is_contiguous(brute_force_walk):
    rng = np.random.default_rng(1)
    x = (rng.normal(size=(40, 8)) * 4)[rng.integers(40, size=600)] + rng.normal(size=(600, 8))
    x = x.astype(np.float32)
    centroids, parents = fit_tree(x, levels=3, k=4, seed=0, iters=10)
    assert len(centroids[-1]) <= 4 ** 3
    for lvl in range(1, 3):
        assert np.all(np.diff(parents[lvl]) >= 0)  # children of a node are one contiguous block
        assert set(parents[lvl]) == set(range(len(centroids[lvl - 1])))  # no childless node
        assert np.bincount(parents[lvl]).max() <= 4
    np.testing.assert_array_equal(walk(x, centroids, parents), brute_force_walk(x, centroids, parents))
    path = walk(x, centroids, parents, return_path=True)
    for lvl in range(1, 3):
        np.testing.assert_array_equal(parents[lvl][path[:, lvl]], path[:, lvl - 1])


@BOTH_FITS
def test_small_nodes_get_their_distinct_points_as_children(fit):
    x = np.array([[0, 0], [0, 0], [5, 5], [9, 0], [0, 9]], np.float32)  # 4 distinct points, k = 12
    centroids, parents = fit(x, levels=3, k=12, seed=0)
    assert [len(c) for c in centroids] == [4, 4, 4]
    np.testing.assert_array_equal(np.sort(centroids[-1], axis=0), np.sort(np.unique(x, axis=0), axis=0))
    np.testing.assert_array_equal(walk(x, centroids, parents)[:2], [0, 0])  # duplicates share a leaf


@BOTH_FITS
def test_mixed_node_sizes_never_exceed_their_points(fit):
    rng = np.random.default_rng(2)
    # one big blob and a few stragglers: some first-level nodes hold fewer than k points
    x = np.concatenate([rng.normal(size=(200, 4)), rng.normal(size=(3, 4)) * 0.01 + 50]).astype(np.float32)
    centroids, parents = fit(x, levels=2, k=5, seed=3, iters=5)
    first = walk(x, centroids[:1], parents[:1])
    assert np.bincount(first).min() < 5  # the stragglers' node is smaller than k
    for node in range(len(centroids[0])):
        n = int((first == node).sum())
        assert 1 <= np.sum(parents[1] == node) <= min(n, 5)


def test_fit_is_deterministic_whatever_the_number_of_workers():
    x = np.random.default_rng(0).normal(size=(3000, 32)).astype(np.float32)
    one, two = fit_tree(x, 3, 5, seed=7, iters=5, workers=1), fit_tree(x, 3, 5, seed=7, iters=5, workers=2)
    for a, b in zip(one[0] + one[1], two[0] + two[1]):
        np.testing.assert_array_equal(a, b)
    other = fit_tree(x, 3, 5, seed=8, iters=5)
    assert not np.array_equal(other[0][0], one[0][0])  # the seed matters
