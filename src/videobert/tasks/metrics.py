"""Ranking metrics shared by the evaluations: pure functions of scores and targets.

Conventions: ``scores`` is (N, C), one row per query, higher = better; ``targets`` is (N,)
the index of the correct column. Ranks are 1-based (rank 1 = the best-scored column).
Ties count against the target (a tie with a wrong column ranks the target behind it),
so a constant scorer never looks better than chance.
"""
from __future__ import annotations

import numpy as np


def ranks_of_targets(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """1-based rank of each row's target column, ties counted pessimistically. (N,) int64."""
    scores = np.asarray(scores, dtype=np.float64)  # (N, C)
    targets = np.asarray(targets, dtype=np.int64)  # (N,)
    if scores.ndim != 2 or targets.shape != (scores.shape[0],):
        raise ValueError(f"scores must be (N, C) and targets (N,); got {scores.shape} and {targets.shape}")
    if len(targets) and (targets.min() < 0 or targets.max() >= scores.shape[1]):
        raise ValueError(f"targets must lie in [0, {scores.shape[1]})")
    target_scores = scores[np.arange(len(targets)), targets][:, None]  # (N, 1)
    better_or_tied = (scores >= target_scores).sum(axis=1)  # includes the target itself
    return better_or_tied.astype(np.int64)


def topk_accuracy(scores: np.ndarray, targets: np.ndarray, k: int) -> float:
    """Fraction of rows whose target is among the k best-scored columns."""
    return recall_at_k(ranks_of_targets(scores, targets), k)


def recall_at_k(ranks: np.ndarray, k: int) -> float:
    """Fraction of 1-based ranks <= k (R@k in retrieval, top-k accuracy in classification)."""
    ranks = np.asarray(ranks)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    return float((ranks <= k).mean()) if ranks.size else float("nan")


def median_rank(ranks: np.ndarray) -> float:
    ranks = np.asarray(ranks)
    return float(np.median(ranks)) if ranks.size else float("nan")


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    """A GitHub-style Markdown table; floats printed with 4 significant decimals."""

    def fmt(v: object) -> str:
        if isinstance(v, float):
            return "n/a" if np.isnan(v) else f"{v:.4f}"
        return str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(fmt(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)
