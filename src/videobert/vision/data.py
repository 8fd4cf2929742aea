"""Frames for the student: decode, cache, augment (DeiT's RandAugment, Mixup/CutMix, random erasing).

Frames come from the corpus videos' source files through ingest's `ClipReader`, on the
corpus' own clip grid (same fps / clip length / last-clip policy), so clip i of the student is
clip i of the teacher. Of each clip's 30 grid frames the student keeps F evenly spaced ones
(`frame_indices`), resized (short side) and center-cropped to its input size.
"""
from __future__ import annotations

import dataclasses
import logging
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..corpus import Corpus, shard_of
from ..ingest.decode import ClipReader
from ..utils.io import atomic_save_npy
from ..utils.lazy import require
from ..utils.media import locate
from .backbones import frame_indices

log = logging.getLogger(__name__)

GRID_KEYS = ("fps", "clip_frames", "min_last_clip_frames")  # ingest fields that define the clip grid


def decode_clip_frames(path: str, size: int, frames: int, grid: dict) -> tuple[np.ndarray, np.ndarray]:
    """A video's clips as F frames each: -> (clip_starts (N,) float64 s, uint8 (N, F, size, size, 3))."""
    reader = ClipReader(path, size, resize=size, **{k: grid[k] for k in GRID_KEYS})
    idx = frame_indices(grid["clip_frames"], frames).numpy()
    clips = [clip[idx] for clip in reader]  # each (F, size, size, 3)
    starts = np.array([float(s) for s in reader.clip_starts()], dtype=np.float64)
    return starts, np.stack(clips)


class FrameCache:
    """uint8 (N, F, S, S, 3) frames per video under ``root/<S>px_<F>f/<shard>/<video_id>.npy``, decoded once."""

    def __init__(self, root: str | Path, size: int, frames: int, grid: dict):
        self.root, self.size, self.frames, self.grid = Path(root) / f"{size}px_{frames}f", size, frames, grid

    def get(self, video_id: str, source: str, num_clips: int) -> np.ndarray:
        path = self.root / shard_of(video_id) / f"{video_id}.npy"
        if not path.is_file():
            _, frames = decode_clip_frames(source, self.size, self.frames, self.grid)
            if len(frames) != num_clips:
                raise ValueError(f"video {video_id!r}: {source} now decodes to {len(frames)} clips but the corpus "
                                 f"has {num_clips}; was the source file changed after ingest?")
            atomic_save_npy(path, frames)
        return np.load(path, mmap_mode="r")


class ClipAugment:
    """RandAugment (timm) applied identically to every frame of a clip. uint8 (F, H, W, 3) -> same.

    timm draws the ops and magnitudes from Python's and NumPy's global RNGs; replaying the same
    RNG state for each frame gives the same ops on all frames, so the clip stays coherent.
    """

    def __init__(self, config_str: str, img_size: int, mean: tuple[float, ...]):
        aa = require("timm.data.auto_augment", "vision", "RandAugment")
        hparams = {"translate_const": int(img_size * 0.45), "img_mean": tuple(round(255 * m) for m in mean)}
        self.op = aa.rand_augment_transform(config_str, hparams)
        for op in self.op.ops:  # timm's posterize levels reach 0 bits, which Pillow >= 10 rejects: keep >= 1
            if op.aug_fn is aa.posterize:
                op.aug_fn = lambda img, bits, **kw: aa.posterize(img, max(1, bits), **kw)

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        from PIL import Image

        py_state, np_state = random.getstate(), np.random.get_state()
        out = []
        for f in frames:
            random.setstate(py_state)
            np.random.set_state(np_state)
            out.append(np.asarray(self.op(Image.fromarray(np.ascontiguousarray(f)))))
        return np.stack(out)


def to_input(frames: np.ndarray | torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """uint8 (B, F, H, W, 3) -> normalized float (B, F, 3, H, W); mean/std (3,)."""
    x = torch.as_tensor(np.asarray(frames)).permute(0, 1, 4, 2, 3).float().div_(255.0)  # (B, F, 3, H, W)
    return (x - mean.view(1, 1, 3, 1, 1)) / std.view(1, 1, 3, 1, 1)


class BatchMixer:
    """timm's Mixup/CutMix and random erasing on a batch of clips, mixing every label set alike.

    The frames of a clip are stacked as channels (B, F*3, H, W), so CutMix cuts the same box
    out of every frame and erasing blanks the same rectangle. The labels: timm's Mixup mixes
    one target tensor; to mix several (coarse ids, leaf ids, teacher soft targets) with the
    same lambda and pairing, it is asked to "mix" the identity (num_classes = batch size),
    which returns the (B, B) mixing matrix M; every dense target T becomes M @ T.
    """

    def __init__(self, mixup: float, cutmix: float, prob: float, erase_prob: float):
        td = require("timm.data", "vision", "Mixup/CutMix")
        from timm.data.random_erasing import RandomErasing

        self.mix = td.Mixup(mixup_alpha=mixup, cutmix_alpha=cutmix, prob=prob, label_smoothing=0.0,
                            mode="batch") if (mixup > 0 or cutmix > 0) and prob > 0 else None
        self.erase = RandomErasing(erase_prob, mode="pixel", device="cpu") if erase_prob > 0 else None

    def __call__(self, x: torch.Tensor, targets: list[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
        B, F, C, H, W = x.shape
        x = x.reshape(B, F * C, H, W)
        if self.mix is not None and B % 2 == 0:  # timm pairs sample i with B-1-i
            self.mix.num_classes = B
            x, m = self.mix(x, torch.arange(B))  # m: (B, B) mixing matrix
            targets = [m @ t for t in targets]
        if self.erase is not None:
            x = self.erase(x)
        return x.reshape(B, F, C, H, W), targets


def one_hot(ids: torch.Tensor, n: int, smoothing: float = 0.0) -> torch.Tensor:
    """(B,) -> (B, n) with label smoothing (timm's convention: off = s/n, on = 1 - s + s/n)."""
    off = smoothing / n
    return torch.full((len(ids), n), off).scatter_(1, ids.view(-1, 1), 1.0 - smoothing + off)


@dataclasses.dataclass
class ClipSet:
    """Every clip of some videos: frames on demand, teacher leaf ids, clip features."""

    frames: list[np.ndarray]  # per video (N_v, F, S, S, 3) uint8 (memory-mapped cache)
    index: np.ndarray  # (N, 2) int64: (video position, clip index)
    leaves: torch.Tensor  # (N,) int64 teacher tokens
    features: torch.Tensor  # (N, D) float32 teacher features (D = 0 when not loaded)

    def batch_frames(self, rows: np.ndarray) -> np.ndarray:
        return np.stack([self.frames[v][c] for v, c in self.index[rows]])  # (B, F, S, S, 3)


def load_clips(corpus: Corpus, vocab_dir: Path, video_ids: list[str], cache: FrameCache, progress: bool = False,
               features: bool = False, vocab: Any = None) -> ClipSet:
    """Frames (cached), teacher tokens and, with `features`, the teacher's clip features (for soft
    targets), normalized as `vocab` (the teacher's VisualVocab) clusters them."""
    from ..vocab import read_tokens

    frames, index, leaves, feats = [], [], [], []
    it = video_ids
    if progress:
        from ..utils.progress import progress as reporter

        it = reporter(video_ids, desc="decoding frames", unit="video")
    for i, vid in enumerate(it):
        rec = corpus.read(vid)
        tok = read_tokens(vocab_dir, vid)
        if len(tok) != rec.num_clips:
            raise ValueError(f"video {vid!r}: {len(tok)} tokens in {vocab_dir} but {rec.num_clips} clips in {corpus.root}")
        frames.append(cache.get(vid, locate(rec.source), rec.num_clips))  # moved since ingest: --video-dir
        index.append(np.stack([np.full(rec.num_clips, i), np.arange(rec.num_clips)], 1))
        leaves.append(np.asarray(tok, dtype=np.int64))
        feats.append(vocab.prepare(rec.features) if features else np.zeros((rec.num_clips, 0), np.float32))
    if not frames:
        raise ValueError("no videos to load")
    return ClipSet(frames, np.concatenate(index), torch.from_numpy(np.concatenate(leaves)),
                   torch.from_numpy(np.concatenate(feats)))
