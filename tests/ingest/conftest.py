"""Tiny videos with known content and timing, made with PyAV.

Frame ``i`` is a flat gray image of level ``level(i)``, so a decoded grid frame tells which
source frame it came from (codecs keep flat images within a few levels).
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import torch

from videobert.ingest import IngestConfig

CODECS = {"mp4": "libx264", "mkv": "libx264", "mov": "libx264", "webm": "libvpx-vp9", "avi": "mpeg4",
          "mts": "libx264", "m2ts": "libx264", "vob": "mpeg2video"}  # AVCHD camcorder, DVD
AUDIO = {"mp4": "aac", "mkv": "aac", "mov": "aac", "webm": "libopus", "avi": "mp2", "mts": "aac", "m2ts": "aac",
         "vob": "mp2"}


def level(i: int) -> int:
    return 16 + (i * 6) % 224


def _make_video(
    path: str | Path,
    fps: Fraction | int = 25,
    n_frames: int = 50,
    size: tuple[int, int] = (64, 48),
    pts_ms: list[int] | None = None,
    audio: bool | np.ndarray = False,
) -> Path:
    """Write a video. `pts_ms`: explicit (variable) frame times in milliseconds.
    `audio`: True for a 440 Hz tone, or int16 mono 16 kHz samples."""
    path = Path(path)
    ext = path.suffix[1:]
    w, h = size
    c = av.open(str(path), "w")
    s = c.add_stream(CODECS[ext], rate=fps)
    s.width, s.height, s.pix_fmt = w, h, "yuv420p"
    if pts_ms is not None:
        s.codec_context.time_base = s.time_base = Fraction(1, 1000)
        n_frames = len(pts_ms)
    a = None
    if audio is not False:
        samples = audio if isinstance(audio, np.ndarray) else (
            3000 * np.sin(2 * np.pi * 440 * np.arange(int(16000 * n_frames / float(fps))) / 16000)).astype(np.int16)
        rate = 48000 if ext == "webm" else 16000
        a = c.add_stream(AUDIO[ext], rate=rate)
        a.layout = "mono"
    for i in range(n_frames):
        f = av.VideoFrame.from_ndarray(np.full((h, w, 3), level(i), np.uint8), format="rgb24")
        if pts_ms is not None:
            f.pts, f.time_base = pts_ms[i], Fraction(1, 1000)
        for p in s.encode(f):
            c.mux(p)
    for p in s.encode():
        c.mux(p)
    if a is not None:
        af = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        af.sample_rate = 16000
        resampler = av.AudioResampler(format=a.codec_context.format.name, layout="mono", rate=a.codec_context.sample_rate)
        frames = resampler.resample(af) + resampler.resample(None)
        for fr in frames:
            for p in a.encode(fr):
                c.mux(p)
        for p in a.encode():
            c.mux(p)
    c.close()
    return path


@pytest.fixture
def make_video():
    return _make_video


@pytest.fixture
def frame_level():
    return level


@pytest.fixture
def tiny_config() -> IngestConfig:
    return IngestConfig(weights="random", size=32, batch_size=4, device="cpu")


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # The test machine is shared: OpenMP threads spinning on busy cores make tiny convolutions
    # 20x slower, so these tests run torch single-threaded.
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
