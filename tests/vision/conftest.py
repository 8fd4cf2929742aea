"""Tiny synthetic videos whose colour decides the visual token, and a corpus + vocabulary over them."""
from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

# Clip class -> RGB colour. Each 1.5 s clip of a video shows one class (plus a moving square,
# so frames are not constant).
COLOURS = np.array([[220, 30, 30], [30, 200, 40], [40, 60, 230], [230, 220, 40]], dtype=np.uint8)
FPS, CLIP_S = 20, 1.5


def make_video(path: Path, classes: list[int], size=(64, 48), seed: int = 0) -> Path:
    """An MPEG-4 video: 1.5 s (30 frames at 20 fps) per entry of `classes`."""
    rng = np.random.default_rng(seed)
    w, h = size
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"qscale": "2"}
        for c in classes:
            for i in range(int(FPS * CLIP_S)):
                img = np.empty((h, w, 3), np.uint8)
                img[:] = COLOURS[c]
                x = (i * 2 + int(rng.integers(0, 8))) % (w - 10)
                img[10:20, x : x + 10] = 255 - COLOURS[c]
                for pkt in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                    out.mux(pkt)
        for pkt in stream.encode():
            out.mux(pkt)
    return path


def clip_feature(c: int, rng: np.random.Generator) -> np.ndarray:
    """Teacher feature with a two-level structure: coarse = c // 2 (far apart), leaf = c % 2 (near).

    1024-d like S3D's (only 8 dims carry the class), so S3D can stand in for the teacher in timing.
    """
    f = np.zeros(1024, np.float32)
    f[c // 2] = 10.0
    f[4 + c % 2] = 1.0
    return f + rng.normal(0, 0.01, 1024).astype(np.float32)


@pytest.fixture(scope="session")
def colour_corpus(tmp_path_factory) -> tuple[Path, Path]:
    """8 videos x 4 clips; a 2 x 2 vocabulary whose 4 tokens are exactly the 4 colours. -> (corpus, vocab dir)"""
    from videobert.corpus import Corpus, VideoRecord
    from videobert.ingest.config import IngestConfig
    from videobert.ingest.decode import ClipReader
    from videobert.vocab import VocabConfig, build_vocab

    root = tmp_path_factory.mktemp("vision_corpus")
    corpus = Corpus(root / "corpus")
    corpus.init(IngestConfig(backbone="s3d", weights="random", size=32).to_dict())
    rng = np.random.default_rng(0)
    for v in range(8):
        classes = [int(c) for c in rng.permutation(4)]  # every video shows all 4 colours
        path = make_video(root / f"vid{v}.mp4", classes, seed=v)
        reader = ClipReader(str(path), 32)
        assert len(list(reader)) == len(classes)
        corpus.write(VideoRecord(
            video_id=f"vid{v}", source=str(path), duration=float(reader.duration),
            clip_starts=np.array([float(s) for s in reader.clip_starts()]),
            features=np.stack([clip_feature(c, rng) for c in classes]).astype(np.float16),
            sentences=[], meta={"classes": classes},
        ))
    vocab_dir = root / "corpus" / "vocab"
    vocab = build_vocab(corpus.root, VocabConfig(levels=2, k=2, iters=10), vocab_dir)
    assert vocab.num_tokens == 4 and vocab.num_coarse == 2
    return corpus.root, vocab_dir
