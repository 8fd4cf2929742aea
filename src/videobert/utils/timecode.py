"""Caption timestamps: ``[HH:]MM:SS.mmm`` (WebVTT) / ``HH:MM:SS,mmm`` (SRT) to seconds and back.

One place for the rule, shared by the caption reader (`videobert.ingest.captions`), the caption
files `videobert fetch` writes and the ones `videobert synth` writes.
"""
from __future__ import annotations

import re

_TS = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]\d)[.,](\d{1,3})$")


def parse_timestamp(s: str) -> float:
    """Seconds of a WebVTT or SRT timestamp (hours optional, a comma or a point before 1-3 digits);
    ValueError for anything else."""
    m = _TS.match(s.strip())
    if not m:
        raise ValueError(s)
    h, mi, sec, frac = m.groups()
    return int(h or 0) * 3600 + int(mi) * 60 + int(sec) + int(frac.ljust(3, "0")) / 1000


def vtt_timestamp(t: float) -> str:
    """``HH:MM:SS.mmm`` of `t` seconds, rounded to the millisecond (negative times as 0)."""
    ms = int(round(max(0.0, t) * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"
