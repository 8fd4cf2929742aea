"""Which streams of a media container a player plays, where its clock starts, and where a
video recorded at ingest is now (`locate`)."""
from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Sequence


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


def quarter_turns(frame) -> int | None:
    """The counterclockwise quarter turns (0-3) a player applies to a decoded frame (its display
    matrix: a phone's portrait video is stored sideways with rotate=90), or None for an angle that
    is not a multiple of 90 degrees. One reading for ingest's decoder and the pictures."""
    degrees = int(round(getattr(frame, "rotation", 0) or 0))
    return None if degrees % 90 else (degrees // 90) % 4


VIDEO_DIRS_ENV = "VIDEOBERT_VIDEO_DIRS"  # folders to look for moved videos in (os.pathsep-separated)


def video_dirs() -> list[Path]:
    """The folders `locate` searches: ``$VIDEOBERT_VIDEO_DIRS`` (set by the ``--video-dir`` option
    of the commands that show pictures), in order."""
    return [Path(d).expanduser() for d in os.environ.get(VIDEO_DIRS_ENV, "").split(os.pathsep) if d]


def add_video_dirs(dirs: Sequence[str | os.PathLike]) -> None:
    """Search `dirs` first, then the folders already set (worker processes inherit them)."""
    old = os.environ.get(VIDEO_DIRS_ENV, "")
    os.environ[VIDEO_DIRS_ENV] = os.pathsep.join([*map(str, dirs), *([old] if old else [])])


def split_source(source: str | os.PathLike) -> tuple[str, str] | None:
    """(tar path, member name or key) of ``SHARD.tar#MEMBER`` (a video2dataset shard member read in
    place), None for any other path (also for an existing file whose name merely looks like that)."""
    s = str(source)
    i = s.rfind(".tar#")
    if i < 0 or i + 5 == len(s) or os.path.exists(s):
        return None
    return s[: i + 4], s[i + 5:]


def locate(source: str | os.PathLike) -> str:
    """The file a video source recorded at ingest names now: the recorded path while it exists;
    else, in each folder of `video_dirs`, the longest tail of the recorded path found there (a
    video recorded as ``/data/cooking/a/x.mp4`` and moved with its folder to ``/mnt/cooking`` is
    found as ``/mnt/cooking/a/x.mp4`` when ``/mnt`` or ``/mnt/cooking`` is given; ``x.mp4``
    alone, last); else the recorded path (the caller reports it missing). A shard member
    (``SHARD.tar#KEY.mp4``) is found by its tar. Ingested corpora, vocabularies and models keep
    the recorded paths: moving the videos changes nothing but where pictures come from."""
    s = str(source)
    parts = split_source(s)
    path, member = (parts[0], "#" + parts[1]) if parts else (s, "")
    if os.path.exists(path):
        return s
    tail = Path(path).parts[1:] if Path(path).is_absolute() else Path(path).parts
    for root in video_dirs():
        for k in range(len(tail)):  # the longest tail first: the most specific match
            found = root.joinpath(*tail[k:])
            if found.is_file():
                return str(found) + member
    return s


def add_video_dir_argument(parser) -> None:
    """``--video-dir DIR`` (repeatable) for a command that reads the ingested videos again."""
    parser.add_argument("--video-dir", action="append", default=[], metavar="DIR",
                        help="where to look for videos moved since ingest (repeatable; each recorded path's "
                             f"longest tail found under DIR is used; also ${VIDEO_DIRS_ENV})")
