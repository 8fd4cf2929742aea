"""Which streams of a media container a player plays, and where its clock starts."""
from __future__ import annotations

from fractions import Fraction


def main_stream(container, kind: str):
    """The `kind` ("video" or "audio") stream a player plays, or None when the container has none:
    FFmpeg's best (``av_find_best_stream``: a cover picture is passed over, and of the rest the
    stream with the most frames seen while probing). The first stream is not it in every file: an
    MKV can carry its thumbnail as a one-frame PNG track ahead of the film."""
    streams = getattr(container.streams, kind)
    if not streams:
        return None
    best = container.streams.best(kind)
    return best if best is not None else streams[0]


def player_origin(container) -> Fraction:
    """Stream time (seconds) that a player shows as 0:00, the clock caption files and speech
    recognition count on: the container's start when it is positive (MPEG-TS / PS: a camcorder's
    .mts starts at ~1.4 s, a broadcast recording hours in), else 0 (times as stored)."""
    start = container.start_time  # microseconds; None when unknown
    return Fraction(start, 1_000_000) if start is not None and start > 0 else Fraction(0)
