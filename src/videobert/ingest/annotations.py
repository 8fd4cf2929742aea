"""YouCook II-style annotation JSON -> timed sentences for one video.

Format: ``{"database": {VIDEO_ID: {"annotations": [{"segment": [start_s, end_s],
"sentence": "..."}, ...]}}}`` (a bare ``{VIDEO_ID: ...}`` mapping is accepted too).
"""
from __future__ import annotations

import functools
import json

from ..corpus import Sentence


@functools.lru_cache(maxsize=4)  # one file serves every video of a run
def _database(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except json.JSONDecodeError as e:
        raise ValueError(f"--annotations {path}: not valid JSON ({e})") from e
    db = data.get("database", data) if isinstance(data, dict) else None
    if not isinstance(db, dict):
        raise ValueError(f"--annotations {path}: expected an object with a 'database' mapping of video ids")
    return db


def annotation_sentences(path: str, video_id: str) -> list[Sentence] | None:
    """The video's sentences sorted by start time, or None when the file has no entry for it."""
    entry = _database(str(path)).get(video_id)
    if entry is None:
        return None
    out = []
    for i, a in enumerate(entry.get("annotations", [])):
        try:
            start, end = (float(x) for x in a["segment"])
            text = str(a["sentence"]).strip()
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"--annotations {path}: video {video_id!r} annotation {i}: bad entry {a!r} ({e})") from e
        if end < start:
            raise ValueError(f"--annotations {path}: video {video_id!r} annotation {i}: segment ends before it starts")
        out.append(Sentence(text, start, end))
    return sorted(out, key=lambda s: (s.start, s.end))
