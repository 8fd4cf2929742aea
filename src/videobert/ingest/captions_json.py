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

import codecs
import functools
import hashlib
import json
import logging
import math
import os
from pathlib import Path

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
    dec = json.JSONDecoder()
    index: dict[str, tuple[int, int]] = {}
    utf8 = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as f:
        buf, pos, byte = "", 0, 0  # text read so far (from pos on unconsumed); byte offset of buf[pos]
        eof = False

        def advance(to: int) -> None:
            nonlocal pos, byte
            byte += len(buf[pos:to].encode("utf-8"))
            pos = to

        def fill() -> bool:
            nonlocal buf, pos, eof
            if eof:
                return False
            data = f.read(CHUNK)
            eof = not data
            try:
                buf = buf[pos:] + utf8.decode(data, final=eof)
            except UnicodeDecodeError as e:
                raise CaptionsJsonError(f"--captions-json {path}: not UTF-8 near byte {byte}: {e.reason}") from None
            pos = 0
            return True

        def skip_ws() -> str:
            """The next non-blank character ("" at the end of the file)."""
            while True:
                while pos < len(buf) and buf[pos] in " \t\r\n":
                    advance(pos + 1)
                if pos < len(buf) or not fill():
                    return buf[pos] if pos < len(buf) else ""

        def decode():
            """The JSON value at pos (read further while it is cut by the buffer's end)."""
            while True:
                try:
                    value, end = dec.raw_decode(buf, pos)
                    return value, end
                except json.JSONDecodeError as e:
                    # an error well before the buffer's end is in the file, not a value cut by the buffer
                    if e.pos < len(buf) - (1 << 16) or not fill():
                        raise CaptionsJsonError(f"--captions-json {path}: invalid JSON at byte {byte}: {e.msg}") from None

        fill()
        if buf[:1] == "\ufeff":  # a byte-order mark
            advance(1)
        if skip_ws() != "{":
            raise CaptionsJsonError(f"--captions-json {path}: expected a JSON object of video ids "
                                    '({"VIDEO_ID": {"text": [...], "start": [...], "end": [...]}})')
        advance(pos + 1)
        if skip_ws() == "}":
            return index
        while True:
            if skip_ws() != '"':
                raise CaptionsJsonError(f"--captions-json {path}: expected a video id (a string) at byte {byte}")
            key, end = decode()
            advance(end)
            if skip_ws() != ":":
                raise CaptionsJsonError(f"--captions-json {path}: expected ':' after {key!r} at byte {byte}")
            advance(pos + 1)
            skip_ws()
            start_byte = byte
            _, end = decode()
            advance(end)
            index[key] = (start_byte, byte - start_byte)
            c = skip_ws()
            if c == "}":
                return index
            if c != ",":
                raise CaptionsJsonError(f"--captions-json {path}: expected ',' or '}}' at byte {byte}")
            advance(pos + 1)


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
        text = " ".join(text.split())
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
