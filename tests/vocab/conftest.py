"""Tiny corpora of synthetic clip features (Gaussian blobs) written straight through `Corpus`."""
from __future__ import annotations

import numpy as np
import pytest

from videobert.corpus import Corpus, VideoRecord


def write_blob_corpus(root, n_videos=6, clips=40, dim=16, centers=6, seed=0, spread=0.3, source=None) -> Corpus:
    """`n_videos` videos of `clips` clips whose features lie around `centers` random points."""
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centers, dim)) * 3.0
    corpus = Corpus(root)
    corpus.init({"backbone": "synthetic", "feature_dim": dim})
    for v in range(n_videos):
        feats = c[rng.integers(centers, size=clips)] + rng.normal(size=(clips, dim)) * spread
        corpus.write(VideoRecord(
            video_id=f"vid{v:02d}", source=source or f"/nonexistent/vid{v:02d}.mp4", duration=clips * 1.5,
            clip_starts=np.arange(clips) * 1.5, features=feats.astype(np.float16), sentences=[],
        ))
    return corpus


@pytest.fixture
def blob_corpus(tmp_path):
    """Factory: blob_corpus(name="c", **kwargs) -> Corpus under tmp_path."""
    def make(name="corpus", **kwargs):
        return write_blob_corpus(tmp_path / name, **kwargs)
    return make


def _brute_force_walk(x, centroids, parents):
    """Reference: float64, one point at a time, children found by scanning the parent arrays."""
    out = []
    for p in x.astype(np.float64):
        node = int(np.argmin(((centroids[0] - p) ** 2).sum(1)))
        for lvl in range(1, len(centroids)):
            kids = np.flatnonzero(parents[lvl] == node)
            node = int(kids[np.argmin(((centroids[lvl][kids] - p) ** 2).sum(1))])
        out.append(node)
    return np.array(out)


@pytest.fixture
def brute_force_walk():
    """Reference tree walk: float64, one point at a time, children found by scanning parent arrays."""
    return _brute_force_walk
