"""Shared test fixtures: a tiny narrated corpus with a fitted visual vocabulary (no network, random init).

Each package's conftest.py adds its own (tests/vision: colour-coded videos; tests/tasks: a tiny
model; tests/ingest: video makers)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

WORDS = "cut the onion slice tomato stir pan add salt pour oil mix bowl fry egg".split()
FEATURE_DIM = 8


def make_corpus(root: Path, n_videos: int = 4, n_clips: int = 24, seed: int = 0):
    """A corpus whose clip features cluster by the object named in the narration."""
    from videobert.corpus import Corpus, Sentence, VideoRecord

    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((len(WORDS), FEATURE_DIM)) * 3
    corpus = Corpus(root)
    corpus.init({"fps": 20, "clip_frames": 30, "backbone": "s3d", "weights": "random", "size": 112})
    for v in range(n_videos):
        feats, sents = [], []
        for c in range(0, n_clips, 3):
            w = rng.integers(len(WORDS))
            feats += [centers[w] + rng.standard_normal(FEATURE_DIM) * 0.3 for _ in range(3)]
            if rng.random() < 0.8:
                sents.append(Sentence(f"now {WORDS[w]} the {WORDS[(w + 1) % len(WORDS)]}", c * 1.5, c * 1.5 + 4.0))
        feats = np.asarray(feats[:n_clips], dtype=np.float16)
        corpus.write(VideoRecord(f"video{v:02d}", f"video{v:02d}.mp4", n_clips * 1.5, np.arange(n_clips) * 1.5,
                                 feats, sents))
    return corpus


def build_vocab(corpus, vocab_dir: Path, k: int = 4, levels: int = 2):
    """Fit a small visual vocabulary and write every video's tokens (the vocab stage's API)."""
    from videobert.vocab import VocabConfig, build_vocab as build

    return build(corpus.root, VocabConfig(levels=levels, k=k, iters=5), vocab_dir)


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    corpus = make_corpus(root)
    build_vocab(corpus, root / "vocab")
    return corpus
