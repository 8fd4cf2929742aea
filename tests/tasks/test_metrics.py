import numpy as np
import pytest

from videobert.tasks.metrics import markdown_table, median_rank, ranks_of_targets, recall_at_k, topk_accuracy


def test_ranks_and_topk_by_hand():
    scores = np.array([
        [0.1, 0.9, 0.5, 0.3],  # target 1 is best        -> rank 1
        [0.8, 0.1, 0.5, 0.7],  # target 2 is third       -> rank 3
        [0.2, 0.3, 0.4, 0.1],  # target 3 is last        -> rank 4
    ])
    targets = np.array([1, 2, 3])
    assert ranks_of_targets(scores, targets).tolist() == [1, 3, 4]
    assert topk_accuracy(scores, targets, 1) == pytest.approx(1 / 3)
    assert topk_accuracy(scores, targets, 3) == pytest.approx(2 / 3)
    assert topk_accuracy(scores, targets, 4) == 1.0


def test_ties_count_against_the_target():
    scores = np.zeros((2, 5))  # a constant scorer must not beat chance
    assert ranks_of_targets(scores, np.array([0, 4])).tolist() == [5, 5]
    assert topk_accuracy(scores, np.array([0, 4]), 1) == 0.0


def test_recall_and_median_rank():
    ranks = np.array([1, 2, 6, 11, 30])
    assert recall_at_k(ranks, 1) == 0.2
    assert recall_at_k(ranks, 5) == 0.4
    assert recall_at_k(ranks, 10) == 0.6
    assert median_rank(ranks) == 6.0
    assert median_rank(np.array([1, 2, 3, 4])) == 2.5
    with pytest.raises(ValueError):
        recall_at_k(ranks, 0)


def test_bad_shapes_raise():
    with pytest.raises(ValueError):
        ranks_of_targets(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError):
        ranks_of_targets(np.zeros(3), np.array([0]))


def test_markdown_table():
    t = markdown_table(["a", "b"], [["x", 0.5], ["y", float("nan")]])
    assert t.splitlines() == ["| a | b |", "|---|---|", "| x | 0.5000 |", "| y | n/a |"]
