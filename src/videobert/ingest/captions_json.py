"""HowTo100M-style caption JSON (``--captions-json``) -> timed words of one video.

Layout: ``{VIDEO_ID: {"text": [...], "start": [...], "end": [...]}}``, times in seconds (HowTo100M's
``raw_caption.json``; its ``caption.json`` is the same with stop words removed). A video is
matched by its id, then by its file stem (or shard key).

HowTo100M's lines are YouTube's rolling automatic captions: a line often overlaps the next one in
time, and sometimes repeats it in text. So, after sorting by start, a line equal to the previous
one or its tail is merged into it, a line that extends the previous one replaces it, and a line's
end is cut at the next line's start; each line's words are then spread over its time in
proportion to their length (as for a caption cue) and split into sentences by the caption rules
(`videobert.ingest.sentences`). Lines whose text is not a string (HowTo100M has a few NaN
lines) or whose times are not numbers are skipped.

The full file is several GB, far too big to load into memory in every process, so it is scanned
into an index (video id -> byte offset and length of its entry), and each video's entry is read
and decoded alone. The index is kept in memory per process and on disk in
``$XDG_CACHE_HOME/videobert/captions-json/`` (default ``~/.cache``), keyed by the file's real
path, size and modification time, so worker processes and later runs load it instead of scanning
again (an unwritable cache only costs the scan). A file that is not a JSON object of such entries
raises `CaptionsJsonError` naming the file and the byte offset.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import os
from pathlib import Path

from ..utils.jsonstream import JSONStreamError, iter_object
from .captions import spoken
from .sentences import Word, words_from_text

log = logging.getLogger(__name__)

CHUNK = 8 << 20  # bytes read at a time while indexing


class CaptionsJsonError(ValueError):
    pass


def captions_index(path: str | os.PathLike) -> dict[str, tuple[int, int]]:
    """video id -> (byte offset, byte length) of its entry. Built once per process and file version."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError as e:
        raise CaptionsJsonError(f"--captions-json {p}: cannot read it ({e.strerror or e})") from None
    return _index(str(p), st.st_size, st.st_mtime_ns)


def _cache_file(path: str, size: int, mtime_ns: int) -> Path:
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "videobert" / "captions-json"
    digest = hashlib.sha1(f"{os.path.realpath(path)}|{size}|{mtime_ns}".encode()).hexdigest()[:20]
    return root / f"{Path(path).stem[:40]}-{digest}.json"


@functools.lru_cache(maxsize=2)
def _index(path: str, size: int, mtime_ns: int) -> dict[str, tuple[int, int]]:
    """The index of one file version (lru and disk cache keys: a changed file is indexed again)."""
    from ..utils.io import atomic_write_bytes

    cache = _cache_file(path, size, mtime_ns)
    try:
        return {k: (int(v[0]), int(v[1])) for k, v in json.loads(cache.read_bytes())["index"].items()}
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        pass  # not cached yet (or a damaged cache file): scan
    index = _scan(path)
    try:
        atomic_write_bytes(cache, json.dumps({"path": os.path.realpath(path), "size": size, "mtime_ns": mtime_ns,
                                              "index": index}, separators=(",", ":")).encode())
    except OSError as e:
        log.info("--captions-json index not cached (%s); each process scans %s", e, path)
    return index


def _scan(path: str) -> dict[str, tuple[int, int]]:
    log.info("indexing --captions-json %s (once per file version)", path)
    try:
        with open(path, "rb") as f:
            return {key: (start, length) for key, _, start, length in iter_object(f, f"--captions-json {path}", CHUNK)}
    except JSONStreamError as e:
        raise CaptionsJsonError(str(e)) from None


def _entry(path: str, video_id: str) -> dict | None:
    loc = captions_index(path).get(video_id)
    if loc is None:
        return None
    with open(path, "rb") as f:
        f.seek(loc[0])
        entry = json.loads(f.read(loc[1]).decode("utf-8"))
    fields = ("text", "start", "end")
    if not isinstance(entry, dict) or not all(isinstance(entry.get(k), list) for k in fields):
        raise CaptionsJsonError(f"--captions-json {path}: video {video_id!r}: expected lists 'text', 'start', 'end'")
    if not len(entry["text"]) == len(entry["start"]) == len(entry["end"]):
        raise CaptionsJsonError(f"--captions-json {path}: video {video_id!r}: 'text', 'start', 'end' differ in length "
                                f"({len(entry['text'])}, {len(entry['start'])}, {len(entry['end'])})")
    return entry


def _number(x) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) else None


def caption_lines(entry: dict) -> list[tuple[str, float, float]]:
    """(text, start, end) of an entry's lines: sorted, rolling repeats merged, overlaps cut (module docstring)."""
    rows = []
    for text, s, e in zip(entry["text"], entry["start"], entry["end"]):
        s, e = _number(s), _number(e)
        if not isinstance(text, str) or s is None or e is None:
            continue
        text = spoken(text)  # "[Music]", ">>" and the like are not narration (captions.spoken)
        if text:
            rows.append((s, max(e, s), text))
    rows.sort(key=lambda r: (r[0], r[1]))
    lines: list[list] = []
    for s, e, text in rows:
        if lines and lines[-1][0].endswith(text):  # the same line again, or its tail
            lines[-1][2] = max(lines[-1][2], e)
        elif lines and text.startswith(lines[-1][0]):  # the previous line, extended
            lines[-1][0], lines[-1][2] = text, max(lines[-1][2], e)
        else:
            lines.append([text, s, e])
    for cur, nxt in zip(lines, lines[1:]):
        cur[2] = max(cur[1], min(cur[2], nxt[1]))
    return [(t, s, e) for t, s, e in lines]


def captions_json_words(path: str | os.PathLike, keys: tuple[str, ...]) -> list[Word] | None:
    """The timed words of the first of `keys` (video id, file stem) with an entry, or None."""
    for key in dict.fromkeys(keys):
        entry = _entry(str(path), key)
        if entry is not None:
            words: list[Word] = []
            for text, s, e in caption_lines(entry):
                words.extend(words_from_text(text, s, e))
            return words
    return None
