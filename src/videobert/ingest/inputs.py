"""Command-line inputs -> (video_id, path) pairs.

An input is a video file, a folder (searched recursively for video extensions), or a text
list (``.txt``/``.lst``/``.list``: one path per line, ``#`` comments, relative paths are
relative to the list file). A named path that does not exist is kept, so that it is reported
as a failed (unreadable) video instead of silently skipped.

Video ids are file stems. When several inputs share a stem, each of them gets
``STEM-<8 hex of sha1(absolute path)>`` so ids stay unique and stable across re-runs.
"""
from __future__ import annotations

import hashlib
import os
from collections import Counter
from pathlib import Path
from typing import Iterable

VIDEO_EXTS = {".mp4", ".mkv", ".webm", ".avi", ".mov", ".m4v", ".mpg", ".mpeg", ".flv", ".ts", ".wmv", ".ogv", ".3gp"}
LIST_EXTS = {".txt", ".lst", ".list"}


def expand_inputs(inputs: Iterable[str | os.PathLike]) -> list[Path]:
    """Files in input order; folders sorted; duplicates (same absolute path) removed."""
    out: dict[Path, None] = {}
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in VIDEO_EXTS:
                    out[f.absolute()] = None
        elif p.suffix.lower() in LIST_EXTS and p.is_file():
            lines = [ln.strip() for ln in p.read_text(encoding="utf-8").splitlines()]
            entries = [p.parent / ln for ln in lines if ln and not ln.startswith("#")]
            out.update(dict.fromkeys(expand_inputs(entries)))
        else:
            out[p.absolute()] = None
    return list(out)


def assign_ids(paths: list[Path]) -> list[tuple[str, Path]]:
    counts = Counter(p.stem for p in paths)
    return [
        (p.stem if counts[p.stem] == 1 else f"{p.stem}-{hashlib.sha1(str(p).encode()).hexdigest()[:8]}", p)
        for p in paths
    ]
