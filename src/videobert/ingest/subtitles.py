"""Subtitle tracks inside a video file -> timed words, read like a caption file.

`yt-dlp --embed-subs` and most rippers put the captions inside the MKV / MP4 / WebM (SubRip,
ASS, WebVTT or MP4's mov_text) instead of beside it. The track read is an English one (its
language tag ``eng`` / ``en...``), else one without a language tag; a file whose text tracks are
all in other languages, or whose subtitles are pictures (DVD / Blu-ray), has none. Cue times are
on the player's clock, as clip times are (`utils.media.player_origin`); a cue without a duration
lasts until the next one starts (the last one `LAST_CUE_S`).
"""
from __future__ import annotations

import logging
import os

import av

from ..utils.media import player_origin
from .captions import ASS_BREAK, Cue, clean_line, cue_words
from .decode import DecodeError
from .sentences import Word
from .shards import open_container

TEXT_CODECS = frozenset({"subrip", "srt", "ass", "ssa", "webvtt", "mov_text", "text"})
LAST_CUE_S = 3.0
log = logging.getLogger(__name__)


def subtitle_track(container):
    """The text subtitle stream to read (see the module docstring), or None."""
    text = [s for s in container.streams.subtitles if s.codec_context.name in TEXT_CODECS]
    english = [s for s in text if (s.language or "").lower().startswith("en")]
    untagged = [s for s in text if (s.language or "und").lower() == "und"]
    return (english or untagged or [None])[0]


def embedded_caption_words(source: str | os.PathLike) -> tuple[list[Word], str] | None:
    """The words of the video's own subtitle track and its language tag ("und" when untagged),
    or None when it has no readable one. `source`: a file or a shard member read in place."""
    try:
        with open_container(source) as container:
            if not container.streams.subtitles:  # most videos: nothing demuxed
                return None
            track = subtitle_track(container)
            if track is None:
                return None
            timed = _read_track(container, track)
    except (av.error.FFmpegError, OSError, DecodeError) as e:
        # an unreadable file is reported by the decoder with its kind; a broken track is no text
        log.info("%s: subtitle track not read (%s); using the next text source", source, e)
        return None
    timed.sort(key=lambda c: c[0])
    cues = []
    for i, (start, end, lines) in enumerate(timed):
        if end is None or end <= start:  # no duration: until the next cue starts
            following = timed[i + 1][0] if i + 1 < len(timed) else start
            end = following if following > start else start + LAST_CUE_S
        cues.append(Cue(start, end, lines, lines))
    return cue_words(cues), (track.language or "und")


def _read_track(container, track) -> list[tuple[float, float | None, tuple[str, ...]]]:
    """(start, end or None, cleaned lines) of each subtitle packet with text, in file order."""
    origin, tb = float(player_origin(container)), track.time_base
    timed = []
    for packet in container.demux(track):
        if packet.pts is None:
            continue
        lines = []
        for sub in packet.decode():
            text = getattr(sub, "dialogue", None) or getattr(sub, "text", None) or b""
            text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
            lines += [line for line in map(clean_line, ASS_BREAK.split(text)) if line]
        if lines:
            start = float(packet.pts * tb) - origin
            timed.append((start, start + float(packet.duration * tb) if packet.duration else None, tuple(lines)))
    return timed
