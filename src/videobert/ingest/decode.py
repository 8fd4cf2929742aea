"""Streaming decode onto an exact 20 fps grid, cut into fixed-length clips.

Timing is exact: a frame's time is ``pts * time_base`` as a `Fraction`, never an accumulated
float, so 23.976/29.97 fps and variable-frame-rate (VFR) video land on the same grid. Times are
on the player's clock, which caption files and speech recognition use too: from the container's
start when that is positive (MPEG-TS / PS: a camcorder's .mts starts at ~1.4 s, a broadcast
recording hours in), else from 0 as stored.

Resampling (sample-and-hold, like a player): grid frame ``k`` is at ``t0 + k / fps`` where
``t0`` is the first frame's time, and shows the source frame on screen then, i.e. the last
frame with ``t <= t0 + k / fps``. Frame ``i`` is on screen until frame ``i + 1``; the last
frame for its own duration (from the container, else ``1 / average rate``), but not past the
end the header declares. So a video that lasts ``D = t_end - t0`` seconds has ``ceil(D * fps)``
grid frames. A frame held for long (a still, a VFR gap) fills many identical clips; each is a
copy of one converted image, and `extract_features` runs the backbone once for a run of them.

Clips: grid frames ``[c*i, c*i + c)`` (c = clip_frames = 30, 1.5 s), clip ``i`` starts at
``t0 + i * c / fps``. **Last partial clip policy**: a trailing clip with at least
``min_last_clip_frames`` (default 15, i.e. >= 0.75 s) real frames is kept and padded to
``c`` frames by repeating its last frame; a shorter tail is dropped. A video with no clip at
all is an error (`too_short`).

Frames are resized as the backbone's weights expect (``resize``: an int resizes the short
side, an ``(h, w)`` tuple resizes to exactly that) and center-cropped to ``size x size``;
only frames that land on the grid are converted, and with ``frames`` (the clip positions a
backbone reads, e.g. 3 of 30 for a frame backbone) only those: a clip is then just those frames,
in that order. Only the current clip is held in memory.
When a frame is shrunk 2x or more, H.264's in-loop deblocking is skipped (faster, and the
resize smooths more than deblocking would).
"""
from __future__ import annotations

import logging
import math
import os
from fractions import Fraction
from typing import Iterator, Sequence

import av
import av.logging
import av.video.reformatter
import numpy as np

from ..utils.media import main_stream, player_origin, quarter_turns

log = logging.getLogger(__name__)


class DecodeError(RuntimeError):
    """A video that cannot be ingested; `kind` is one of FAILURE_KINDS."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


FAILURE_KINDS = ("unreadable", "corrupt", "truncated", "no_video_stream", "zero_length", "too_short", "missing_media")
# A video whose decoded frames end this much before the duration its header declares is truncated.
_TRUNCATION_TOLERANCE_S = Fraction(1)


def _usable_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _is_mp4(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(8)[4:8] == b"ftyp"  # MP4/MOV files start with an 'ftyp' box


def resized_shape(width: int, height: int, resize: int | tuple[int, int]) -> tuple[int, int]:
    """(h, w) after a torchvision-style resize: int = short side (aspect kept), tuple = exact."""
    if isinstance(resize, (tuple, list)):
        return int(resize[0]), int(resize[1])
    short, long = (height, width) if height <= width else (width, height)
    new_long = int(resize * long / short)
    return (resize, new_long) if height <= width else (new_long, resize)


class ClipReader:
    """Iterate over uint8 clips ``(clip_frames, size, size, 3)`` of one video.

    After iteration: ``t0``, ``end`` (exact `Fraction` seconds), ``duration``,
    ``num_grid_frames``, ``num_clips``, ``last_clip_frames`` (real frames in the last clip),
    and ``info`` (source width/height/fps/codec, and ``rotation``: the display rotation, in degrees
    counterclockwise, applied to the frames so they are upright as a player shows them) are set.

    ``frames``: the positions within a clip (``0 <= i < clip_frames``, repeats allowed) that the
    consumer reads; clips are then ``(len(frames), size, size, 3)``, row ``j`` being grid frame
    ``frames[j]`` of the clip, and only those grid frames are colour-converted and resized. None:
    every frame. The grid, the clip count and the padding of the last clip do not change.
    """

    def __init__(
        self,
        path: str,
        size: int,
        resize: int | tuple[int, int] | None = None,
        fps: int = 20,
        clip_frames: int = 30,
        min_last_clip_frames: int = 15,
        frames: Sequence[int] | None = None,
    ):
        if frames is not None:
            frames = tuple(int(i) for i in frames)
            if not frames or not all(0 <= i < clip_frames for i in frames):
                raise ValueError(f"frames {frames!r}: need positions in [0, clip_frames={clip_frames})")
        self.frames = frames
        self.path = str(path)
        self.size = size
        self.resize = size if resize is None else resize
        self.fps = fps
        self.clip_frames = clip_frames
        self.min_last_clip_frames = min_last_clip_frames
        self.t0: Fraction | None = None
        self.end: Fraction | None = None
        self.num_grid_frames = 0
        self.num_clips = 0
        self.last_clip_frames = 0
        self.info: dict = {}
        self._quarter_turns = 0  # from the first frame's display matrix (phone videos: rotate=90)
        self._origin = Fraction(0)  # the player's clock starts here, in stream seconds (set per run)
        self._reformatter = av.video.reformatter.VideoReformatter()

    @property
    def duration(self) -> Fraction:
        return self.end - self.t0

    def clip_starts(self) -> list[Fraction]:
        step = Fraction(self.clip_frames, self.fps)
        return [self.t0 + i * step for i in range(self.num_clips)]

    # ---- decoding ---------------------------------------------------------------------
    def _open(self) -> av.container.InputContainer:
        p = self.path
        from .shards import is_shard_source, open_container

        if is_shard_source(p) and not os.path.isdir(p):  # SHARD.tar#KEY.mp4: read inside the tar, not unpacked
            return open_container(p)
        if not os.path.exists(p):
            if os.path.islink(p):
                raise DecodeError("unreadable", f"{p}: dangling symbolic link (its target {os.readlink(p)} "
                                                "does not exist); fix or remove the link")
            raise DecodeError("unreadable", f"{p}: no such file")
        if os.path.isdir(p):
            raise DecodeError("unreadable", f"{p}: is a directory, not a video file")
        if not os.access(p, os.R_OK):
            raise DecodeError("unreadable", f"{p}: permission denied")
        if os.path.getsize(p) == 0:
            raise DecodeError("zero_length", f"{p}: empty file (0 bytes)")
        level = av.logging.get_level()
        av.logging.set_level(av.logging.ERROR)  # PyAV drops FFmpeg's messages unless a level is set
        try:
            with av.logging.Capture(local=True):  # keeps FFmpeg's message off the console
                return av.open(p)
        except av.error.InvalidDataError as e:
            ff_msg = (getattr(e, "log", None) or (0, "", ""))[2]  # FFmpeg's own message
            if _is_mp4(p) and "moov atom not found" in ff_msg:  # MP4/MOV cut before its index
                raise DecodeError("truncated", f"{p}: truncated MP4/MOV file (no 'moov' index): {e}") from e
            raise DecodeError("corrupt", f"{p}: not a readable media container: {e}") from e
        except (av.error.FFmpegError, OSError) as e:
            raise DecodeError("unreadable", f"{p}: cannot open: {e}") from e
        finally:
            av.logging.set_level(level)

    def _convert(self, frame: av.VideoFrame) -> np.ndarray:
        quarter = self._quarter_turns  # display rotation: counterclockwise quarter turns
        fw, fh = (frame.height, frame.width) if quarter % 2 else (frame.width, frame.height)  # as displayed
        h, w = resized_shape(fw, fh, self.resize)
        sh, sw = (w, h) if quarter % 2 else (h, w)  # the same size in the stored orientation
        # One reformatter per video keeps FFmpeg's scaler (and its filter tables) across frames.
        img = self._reformatter.reformat(frame, sw, sh, "rgb24", interpolation="BILINEAR").to_ndarray()  # (sh, sw, 3)
        if quarter:
            img = np.rot90(img, quarter)  # (h, w, 3), upright as a player shows it
        top, left = int(round((h - self.size) / 2)), int(round((w - self.size) / 2))
        if top < 0 or left < 0:
            raise ValueError(f"resize {self.resize} gives {h}x{w}, smaller than the {self.size} crop")
        return img[top : top + self.size, left : left + self.size]

    def _frames(self, container) -> Iterator[tuple[Fraction, av.VideoFrame]]:
        """(exact time in seconds, frame) in presentation order; non-increasing times dropped."""
        stream = main_stream(container, "video")
        stream.thread_type = "AUTO"  # frame + slice threads in the decoder
        # More frames in flight than cores (FFmpeg's auto: cores + 1) keeps the cores busy while
        # this thread converts frames: ~15-20% faster on 2 cores. Capped: many threads on a
        # small video cost more than they give.
        stream.thread_count = min(8, 2 * _usable_cpus())
        h, w = resized_shape(stream.codec_context.width or 1, stream.codec_context.height or 1, self.resize)
        if stream.codec_context.height >= 2 * h:
            # Shrinking >= 2x smooths more than the in-loop deblocking filter does, so skip
            # that filter (~10-15% faster H.264 decoding).
            stream.codec_context.options = {"skip_loop_filter": "all"}
        tb = Fraction(stream.time_base)
        rate = stream.average_rate or stream.guessed_rate or Fraction(25)
        last: Fraction | None = None
        try:
            for frame in container.decode(stream):
                if frame.pts is not None:
                    t = frame.pts * tb - self._origin  # (the player's clock)
                elif last is not None:  # no timestamp: assume the nominal rate
                    t = last + 1 / Fraction(rate)
                else:
                    t = Fraction(0)
                if last is not None and t <= last:
                    continue
                last = t
                yield t, frame
        except av.error.FFmpegError as e:
            raise DecodeError("corrupt", f"{self.path}: decoding failed after {last} s: {e}") from e

    def __iter__(self) -> Iterator[np.ndarray]:
        self.t0 = self.end = None
        self.num_grid_frames = self.num_clips = self.last_clip_frames = self._quarter_turns = 0
        container = self._open()
        self._origin = player_origin(container)
        try:
            if not container.streams.video:
                kinds = ", ".join(s.type for s in container.streams) or "none"
                raise DecodeError("no_video_stream", f"{self.path}: no video stream (streams: {kinds})")
            stream = main_stream(container, "video")
            rate = Fraction(stream.average_rate or stream.guessed_rate or 25)
            self.info = {
                "width": stream.codec_context.width,
                "height": stream.codec_context.height,
                "fps": f"{rate.numerator}/{rate.denominator}",
                "codec": stream.codec_context.name,
                "container": container.format.name,
            }
            row, take, n_rows = self._clip_rows()
            clip = np.zeros((n_rows, self.size, self.size, 3), np.uint8)
            n_in_clip = 0
            k = 0  # next grid frame index
            prev: tuple[Fraction, av.VideoFrame] | None = None
            shown: av.VideoFrame | None = None  # the source frame of the latest grid frame

            def emit(upto: Fraction, frame: av.VideoFrame) -> Iterator[np.ndarray]:
                # Grid frames k with t0 + k/fps < upto show `frame`.
                nonlocal k, n_in_clip, shown
                stop = math.ceil((upto - self.t0) * self.fps)
                img = None
                while k < stop:
                    if row[n_in_clip] >= 0:
                        if img is None:
                            img = self._convert(frame)
                        clip[row[n_in_clip]] = img
                    shown = frame
                    n_in_clip += 1
                    k += 1
                    if n_in_clip == self.clip_frames:
                        self.num_clips += 1
                        self.last_clip_frames = n_in_clip
                        n_in_clip = 0
                        yield clip.copy() if take is None else clip[take]

            n_frames = 0
            for t, frame in self._frames(container):
                n_frames += 1
                if self.t0 is None:
                    self.t0 = t
                    self._set_rotation(frame)
                if prev is not None:
                    yield from emit(t, prev[1])
                prev = (t, frame)
            if prev is None:
                raise DecodeError("zero_length", f"{self.path}: the video stream has no decodable frames")
            t_last, last = prev
            tb = Fraction(stream.time_base)
            last_dur = last.duration * tb if last.duration else 1 / rate
            self.end = t_last + last_dur
            declared = self._declared_end(container, stream)
            if declared is not None and t_last < declared < self.end:
                # e.g. an MP4 muxer giving the last frame the duration of the gap before it
                self.end = declared
            yield from emit(self.end, last)
            self.num_grid_frames = k
            if n_in_clip >= self.min_last_clip_frames:  # keep the tail, padded with its last frame
                self._pad_tail(clip, row, take, n_in_clip, shown)
                self.num_clips += 1
                self.last_clip_frames = n_in_clip
                yield clip.copy() if take is None else clip[take]
            self.info["frames"] = n_frames
            self._check_truncation(container, stream)
            if self.num_clips == 0:
                raise DecodeError(
                    "too_short",
                    f"{self.path}: {float(self.duration):.3f} s gives {k} frames at {self.fps} fps, fewer than "
                    f"the {self.min_last_clip_frames} needed for one clip",
                )
        finally:
            container.close()

    def _clip_rows(self) -> tuple[list[int], list[int] | None, int]:
        """The clip buffer's layout: the row of each clip position (-1: not read, so never
        converted), the order rows are handed out in (None: as stored) and the number of rows.
        Every grid frame of a clip, or with `frames` each position read, once."""
        keep = sorted(set(self.frames)) if self.frames is not None else range(self.clip_frames)
        row = [-1] * self.clip_frames
        for r, i in enumerate(keep):
            row[i] = r
        return row, None if self.frames is None else [row[i] for i in self.frames], len(keep)

    def _pad_tail(self, clip: np.ndarray, row: list[int], take: list[int] | None, n_in_clip: int,
                  shown: av.VideoFrame) -> None:
        """Fill a partial last clip's positions from `n_in_clip` on with its last real frame (`shown`)."""
        if take is None:
            clip[n_in_clip:] = clip[n_in_clip - 1]
            return
        pad = [row[i] for i in range(n_in_clip, self.clip_frames) if row[i] >= 0]
        if pad:  # that frame's own position may not be one that was converted
            clip[pad] = self._convert(shown)

    def _set_rotation(self, frame: av.VideoFrame) -> None:
        """Apply the display matrix's rotation (a multiple of 90 degrees; others are ignored with a
        warning) to every frame, and record it as ``info["rotation"]`` (degrees, counterclockwise)."""
        turns = quarter_turns(frame)
        if turns is None:
            log.warning("%s: display rotation of %s degrees is not a multiple of 90; ignored", self.path,
                        getattr(frame, "rotation", None))
        self._quarter_turns = turns or 0
        self.info["rotation"] = self._quarter_turns * 90  # width/height stay the coded (stored) ones

    def _declared_end(self, container, stream) -> Fraction | None:
        """When the header says the video stream (else the container) ends, in seconds on the
        player's clock; None if it does not."""
        if stream.duration:
            tb = Fraction(stream.time_base)
            return (stream.start_time or 0) * tb + stream.duration * tb - self._origin
        if container.duration:  # microseconds; covers all streams
            return Fraction(container.start_time or 0, 1_000_000) + Fraction(container.duration, 1_000_000) - self._origin
        return None

    def _check_truncation(self, container, stream) -> None:
        declared = self._declared_end(container, stream)
        if declared is not None and self.end < declared - _TRUNCATION_TOLERANCE_S:
            raise DecodeError(
                "truncated",
                f"{self.path}: frames end at {float(self.end):.2f} s but the header declares "
                f"{float(declared):.2f} s (file cut short?)",
            )


def iter_clip_batches(reader: ClipReader, batch_size: int) -> Iterator[np.ndarray]:
    """Group a reader's clips into uint8 batches ``(B, T, size, size, 3)``."""
    batch: list[np.ndarray] = []
    for clip in reader:
        batch.append(clip)
        if len(batch) == batch_size:
            yield np.stack(batch)
            batch = []
    if batch:
        yield np.stack(batch)
