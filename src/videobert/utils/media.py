"""Which stream of a media container is "the video"."""
from __future__ import annotations


def main_video_stream(container):
    """The video stream a player shows, or None when the container has none: FFmpeg's best
    video stream (``av_find_best_stream``: a cover picture is passed over, and of the rest the
    one with the most frames seen while probing). The first video stream is not it in every
    file: an MKV can carry its thumbnail as a one-frame PNG track ahead of the film."""
    if not container.streams.video:
        return None
    best = container.streams.best("video")
    return best if best is not None else container.streams.video[0]
