"""video2dataset webdataset shards as ingest inputs, read in place (nothing is unpacked).

A shard is an uncompressed tar (``00000.tar``) of samples; a sample is the members sharing a
key (webdataset's rule: a member's key is its name up to the first dot of its base name):
``KEY.mp4`` (or another video extension), optionally ``KEY.m4a``, ``KEY.json`` (video2dataset's
metadata: ``url``, ``key``, ``status``, ``error_message``, ``yt_meta_dict``, ``clips``, ...) and
``KEY.txt`` (the caption). Beside the tar, ``00000.parquet`` lists every key of the shard with
its ``status``. Inputs: a ``.tar`` path, a brace pattern (``shards/{00000..00099}.tar``, as
webdataset writes them; quote it so the shell leaves it alone), or a folder holding ``.tar`` files.

Sources: each sample with a video is one video whose id is its key and whose recorded source is
``/abs/path/00000.tar#KEY.mp4``. `open_container` opens such a source (or a plain file) with PyAV
straight from the tar: a member of an uncompressed tar is one contiguous byte range, read through a
seekable file object over it; `member_span` gives that range, e.g. to serve it over HTTP.

Samples without a video: a key whose ``status`` (in its ``KEY.json`` or the parquet) is not
``success`` is one video2dataset failed to fetch itself; it is skipped, counted in one log line
per shard. A key listed as ``success`` (video2dataset's yt-dlp downloader reports some failed
downloads as successes) or with no status at all, but without a video in the tar, becomes the
source ``00000.tar#KEY``, which fails to open with the kind ``missing_media`` and a reason naming
the shard, so it lands in ``CORPUS/failures.json``. Without pyarrow the parquet is not read (one
log line says so); keys with a ``KEY.json`` in the tar are still checked.

Text of a sample (`sample_text`): the subtitles in ``KEY.json`` (``clip_subtitles`` of a clip,
else ``yt_meta_dict.subtitles.<lang>``: cues ``{start, end, lines}``, English preferred), its
``whisper_transcript`` (``{"segments": [{start, end, text, [words]}]}``, WhisperX's layout), or the
``KEY.txt`` caption as one sentence over the whole sample. Where they sit among the other text
sources: see ``docs/formats.md``.

Clips: video2dataset's clipping writes each clip as its own sample ``KEY_NNNNN`` whose ``clips``
is ``[[start, end]]``, the clip's span in the source video (seconds, or ``HH:MM:SS.mmm``), and
whose media starts at 0. Subtitle times are in the source video's time, so they are shifted by the
clip's start and kept where they overlap the clip; Whisper's are already the clip's own.
Subtitles that video2dataset took from YouTube's automatic captions are the 10 ms cues that
separate the word-timed ones; a cue shorter than `FLASH_CUE_S` is taken to span from the previous
cue's end to its own end, the time its line was being spoken.
"""
from __future__ import annotations

import dataclasses
import functools
import io
import json
import logging
import os
import re
import tarfile
from pathlib import Path

from ..corpus import Sentence
from ..utils.media import main_stream, split_source
from .captions import clean_line, parse_timestamp, spoken
from .decode import DecodeError
from .sentences import Word, words_from_text

log = logging.getLogger(__name__)

SHARD_EXTS = (".tar",)
AUDIO_EXTS = {".m4a", ".mp3", ".wav", ".flac", ".ogg", ".opus", ".aac"}
FLASH_CUE_S = 0.05  # a subtitle cue this short is a rolling-caption transition (module docstring)
_BRACES = re.compile(r"\{([^{}]*)\}")


# ---- sources ------------------------------------------------------------------------------

def is_shard_source(source: str | os.PathLike) -> bool:
    """A member source (``SHARD.tar#MEMBER``) or a whole ``.tar`` file: `open_container` reads these."""
    return split_source(source) is not None or str(source).lower().endswith(SHARD_EXTS)


def key_of(name: str) -> str:
    """webdataset's key of a member name: the name up to the first dot of its base name."""
    d, _, base = name.rpartition("/")
    return (d + "/" if d else "") + base.split(".", 1)[0]


def member_key(source: str | os.PathLike) -> str | None:
    """The sample key of a member source, None for other paths."""
    parts = split_source(source)
    return key_of(parts[1]) if parts else None


def expand_braces(pattern: str) -> list[str]:
    """webdataset's brace patterns: ``{00000..00099}`` (zero padding kept) and ``{a,b}``; several
    groups multiply. A pattern without a group is returned as is."""
    m = _BRACES.search(pattern)
    if not m:
        return [pattern]
    body, head, tail = m.group(1), pattern[: m.start()], pattern[m.end():]
    r = re.fullmatch(r"(\d+)\.\.(\d+)", body)
    if r:
        a, b = int(r.group(1)), int(r.group(2))
        width = len(r.group(1)) if r.group(1).startswith("0") else 0
        step = 1 if b >= a else -1
        items = [f"{i:0{width}d}" for i in range(a, b + step, step)]
    elif "," in body:
        items = body.split(",")
    else:
        items = ["{" + body + "}"]
        return [head + items[0] + rest for rest in expand_braces(tail)]
    return [x for item in items for x in expand_braces(head + item + tail)]


def has_braces(pattern: str) -> bool:
    return any(re.fullmatch(r"\d+\.\.\d+", m.group(1)) or "," in m.group(1) for m in _BRACES.finditer(pattern))


# ---- one shard ----------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Shard:
    path: str
    members: dict[str, tuple[int, int]]  # member name -> (byte offset of its data, size)
    samples: dict[str, dict[str, str]]  # key -> {".ext" (lower case): member name}
    listed: dict[str, tuple[str, str]]  # key -> (status, error_message) from the parquet; {} without one
    problem: str = ""  # why the tar could not be read in full ("" when it could)


def _video_exts() -> set[str]:
    from .inputs import VIDEO_EXTS  # inputs imports this module

    return VIDEO_EXTS


def shard(path: str | os.PathLike) -> Shard:
    """The shard's index (read once per process and file version). Raises OSError or
    tarfile.ReadError for a file that is not an uncompressed tar."""
    p = os.path.abspath(path)
    st = os.stat(p)
    return _shard(p, st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _shard(path: str, size: int, mtime_ns: int) -> Shard:
    del mtime_ns  # a cache key: a rewritten shard is read again
    members: dict[str, tuple[int, int]] = {}
    problem = ""
    with tarfile.open(path, "r:") as tf:  # "r:": uncompressed only (members must be byte ranges of the file)
        try:
            for ti in tf:
                if ti.isfile():
                    members[ti.name] = (ti.offset_data, ti.size)
        except tarfile.ReadError as e:  # cut short: what was read before the damage is kept
            problem = f"tar damaged after {len(members)} members ({e})"
            log.warning("%s: %s; reading the members before it", path, problem)
    samples: dict[str, dict[str, str]] = {}
    for name in members:
        base = name.rpartition("/")[2]
        ext = "." + base.split(".", 1)[1].lower() if "." in base else ""
        samples.setdefault(key_of(name), {})[ext] = name
    return Shard(path, members, samples, _listed(path), problem)


@functools.lru_cache(maxsize=1)
def _no_pyarrow_logged() -> bool:
    log.warning("pyarrow is not installed: the shards' .parquet files are not read, so keys they list without "
                "media in the tar are not reported (pip install 'videobert[fetch]'); keys with a .json are still checked")
    return True


def _listed(tar_path: str) -> dict[str, tuple[str, str]]:
    pq_path = Path(tar_path).with_suffix(".parquet")
    if not pq_path.is_file():
        return {}
    try:
        import pyarrow.parquet as pq
    except ImportError:
        _no_pyarrow_logged()
        return {}
    try:
        names = set(pq.read_schema(pq_path).names)
        if "key" not in names:
            log.warning("%s: no 'key' column; not checked against %s", pq_path, Path(tar_path).name)
            return {}
        cols = [c for c in ("key", "status", "error_message") if c in names]
        table = pq.read_table(pq_path, columns=cols).to_pydict()
    except Exception as e:  # a damaged parquet must not stop the shard's videos
        log.warning("%s: cannot read it (%s); not checked against %s", pq_path, e, Path(tar_path).name)
        return {}
    n = len(table["key"])
    status = table.get("status", ["success"] * n)
    errors = table.get("error_message", [""] * n)
    return {str(k): (str(s or ""), str(e or "")) for k, s, e in zip(table["key"], status, errors) if k is not None}


def _read(sh: Shard, name: str) -> bytes:
    offset, size = sh.members[name]
    with open(sh.path, "rb") as f:
        f.seek(offset)
        return f.read(size)


def _json(sh: Shard, key: str) -> dict:
    name = sh.samples.get(key, {}).get(".json")
    if name is None:
        return {}
    try:
        meta = json.loads(_read(sh, name).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        log.warning("%s#%s: not valid JSON (%s); ignored", sh.path, name, e)
        return {}
    return meta if isinstance(meta, dict) else {}


def _video_member(sh: Shard, key: str) -> str | None:
    exts = _video_exts()
    found = sorted(name for ext, name in sh.samples.get(key, {}).items() if ext in exts)
    return found[0] if found else None


def _status(sh: Shard, key: str) -> tuple[str, str, str]:
    """(status, error message, where it was read) of a key; status "" when nothing says."""
    meta = _json(sh, key)
    if meta.get("status") is not None:
        return str(meta["status"]), str(meta.get("error_message") or ""), f"{key}.json"
    if key in sh.listed:
        return (*sh.listed[key], Path(sh.path).with_suffix(".parquet").name)
    return "", "", ""


def shard_sources(path: str | os.PathLike) -> list[str]:
    """The sources of one shard's videos, in key order (module docstring): ``TAR#MEMBER`` for a
    sample with a video, ``TAR#KEY`` for one that should have one but has not."""
    sh = shard(path)
    out, skipped = [], {}
    missing = 0
    for key in sorted(set(sh.samples) | {k for k, (s, _) in sh.listed.items() if s == "success"}):
        member = _video_member(sh, key)
        if member is not None:
            out.append(f"{sh.path}#{member}")
            continue
        status = _status(sh, key)[0]
        if status not in ("", "success"):
            skipped[status] = skipped.get(status, 0) + 1
            continue
        out.append(f"{sh.path}#{key}")
        missing += 1
    if skipped:
        log.info("%s: %d key(s) video2dataset did not download, skipped (%s)", sh.path, sum(skipped.values()),
                 ", ".join(f"{s}: {n}" for s, n in sorted(skipped.items())))
    if missing:
        log.warning("%s: %d key(s) without a video in the tar; each is reported as a failure", sh.path, missing)
    return out


# ---- reading a member -----------------------------------------------------------------------

class _Span(io.RawIOBase):
    """A read-only, seekable view of bytes [offset, offset + size) of a file (pread: no shared position)."""

    def __init__(self, path: str, offset: int, size: int):
        super().__init__()
        self._fd = os.open(path, os.O_RDONLY)
        self._offset, self._size, self._pos = offset, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = max(0, min(len(b), self._size - self._pos))
        data = os.pread(self._fd, n, self._offset + self._pos) if n else b""
        b[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + pos)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


def _resolve(source: str, audio: bool = False) -> tuple[Shard, str]:
    """(shard, member name) of a member source; raises DecodeError (the kinds of `ClipReader`)."""
    parts = split_source(source)
    tar = parts[0] if parts else str(source)
    if not os.path.isfile(tar):
        raise DecodeError("unreadable", f"{source}: no such shard {tar}" if parts else f"{source}: no such file")
    try:
        sh = shard(tar)
    except (OSError, tarfile.TarError) as e:
        raise DecodeError("unreadable", f"{source}: not a readable uncompressed tar shard ({e}); "
                                        "webdataset shards are plain .tar files") from e
    if parts is None:
        raise DecodeError("unreadable", f"{source}: a shard, not a video: give it to `videobert ingest` as an input")
    name = parts[1]
    if name not in sh.members:
        key = key_of(name)
        status, error, where = _status(sh, key)
        why = (f"listed as {status!r} in {where} but the tar has no video for it" if status else
               "no video for it in the tar" if key in sh.samples else "no such key in the tar")
        if status == "success":
            why += " (video2dataset's downloader reports some failed downloads as successes)"
        if error:
            why += f"; its error message: {error}"
        if sh.problem:
            why += f"; the tar is damaged: {sh.problem}"
        raise DecodeError("missing_media", f"{source}: {why}")
    if audio:  # the sample's separate audio track (KEY.m4a) when it has one
        name = next((n for ext, n in sorted(sh.samples[key_of(name)].items()) if ext in AUDIO_EXTS), name)
    offset, size = sh.members[name]
    if size == 0:
        raise DecodeError("zero_length", f"{source}: empty member (0 bytes)")
    if offset + size > os.path.getsize(sh.path):
        raise DecodeError("truncated", f"{source}: the tar ends inside this member (shard cut short)")
    return sh, name


def member_span(source: str | os.PathLike) -> tuple[str, int, int]:
    """(tar path, byte offset, size) of a member source's bytes; raises DecodeError."""
    sh, name = _resolve(str(source))
    return (sh.path, *sh.members[name])


def open_member(source: str | os.PathLike, audio: bool = False) -> io.BufferedReader:
    """A seekable binary file object over a member source's bytes; raises DecodeError."""
    sh, name = _resolve(str(source), audio)
    return io.BufferedReader(_Span(sh.path, *sh.members[name]), buffer_size=1 << 16)


def open_container(source: str | os.PathLike, audio: bool = False):
    """A PyAV input container for a source: a plain file (``av.open``), or a shard member read in
    place (errors as `DecodeError`, with ClipReader's kinds). `audio`: a member's separate audio
    track (``KEY.m4a``) when its sample has one. Use it as a context manager."""
    import av
    import av.logging

    if split_source(source) is None and not str(source).lower().endswith(SHARD_EXTS):
        return av.open(str(source))
    f = open_member(source, audio)
    level = av.logging.get_level()
    av.logging.set_level(av.logging.ERROR)
    try:
        with av.logging.Capture(local=True):
            return av.open(f)
    except av.error.InvalidDataError as e:
        f.close()
        ff_msg = (getattr(e, "log", None) or (0, "", ""))[2]
        if "moov atom not found" in ff_msg:
            raise DecodeError("truncated", f"{source}: truncated MP4/MOV (no 'moov' index): {e}") from e
        raise DecodeError("corrupt", f"{source}: not a readable media container: {e}") from e
    except (av.error.FFmpegError, OSError) as e:
        f.close()
        raise DecodeError("unreadable", f"{source}: cannot open: {e}") from e
    finally:
        av.logging.set_level(level)


# ---- text and metadata of a sample --------------------------------------------------------------

def _seconds(t) -> float | None:
    if isinstance(t, (int, float)) and not isinstance(t, bool):
        return float(t)
    if isinstance(t, str):
        try:
            return parse_timestamp(t)
        except ValueError:
            try:
                return float(t)
            except ValueError:
                return None
    return None


@dataclasses.dataclass(frozen=True)
class SampleText:
    subtitles: list[Word]  # words of the subtitles, in the sample's own time ([] when none)
    language: str  # the subtitles' language key ("" when none)
    whisper: list[Word]  # words of the Whisper transcript ([] when none)
    caption: str  # the KEY.txt caption ("" when none)
    clip: tuple[float, float] | None  # the sample's span in its source video (clips), seconds


def _pick_language(subs: dict) -> str | None:
    langs = [k for k, v in subs.items() if isinstance(v, list) and v]
    return next((k for k in langs if k == "en" or k.startswith("en-")), langs[0] if langs else None)


def _cues(items: list, lang: str | None) -> list[tuple[float, float, str]]:
    """(start, end, text) of video2dataset subtitle cues; `lang`: the key of ``lines`` when it is a
    mapping (``clip_subtitles``); short transition cues widened back to the previous cue's end."""
    cues = []
    for c in items if isinstance(items, list) else []:
        if not isinstance(c, dict):
            continue
        s, e, lines = _seconds(c.get("start")), _seconds(c.get("end")), c.get("lines", c.get("line"))
        if isinstance(lines, dict):
            lines = lines.get(lang) if lang in lines else next(iter(lines.values()), None)
        if isinstance(lines, str):
            lines = [lines]
        text = " ".join(clean_line(str(x)) for x in (lines or []) if x is not None).strip()
        if s is not None and e is not None and text:
            cues.append((s, max(e, s), text))
    cues.sort()
    out: list[tuple[float, float, str]] = []
    for s, e, text in cues:
        if e - s < FLASH_CUE_S and out and out[-1][1] <= s:
            s = out[-1][1]
        out.append((s, e, text))
    return out


def _subtitle_words(meta: dict, clip: tuple[float, float] | None) -> tuple[list[Word], str]:
    subs = (meta.get("yt_meta_dict") or {}).get("subtitles") if isinstance(meta.get("yt_meta_dict"), dict) else None
    lang = _pick_language(subs) if isinstance(subs, dict) else None
    if clip is not None and isinstance(meta.get("clip_subtitles"), list):
        if lang is None:
            first = next((c.get("lines") for c in meta["clip_subtitles"] if isinstance(c, dict)), None)
            lang = _pick_language({k: [1] for k in first}) if isinstance(first, dict) else None
        cues = _cues(meta["clip_subtitles"], lang)
    elif lang is not None:
        cues = _cues(subs[lang], lang)
    else:
        return [], ""
    words: list[Word] = []
    t0, t1 = clip if clip is not None else (0.0, float("inf"))
    for s, e, text in cues:
        if clip is not None and not (s < t1 and e > t0):  # outside the clip
            continue
        a, b = max(s, t0) - t0, min(e, t1) - t0
        words.extend(words_from_text(text, a, b))
    return words, lang or ""


def _whisper_words(meta: dict) -> list[Word]:
    wt = meta.get("whisper_transcript")
    segments = wt.get("segments") if isinstance(wt, dict) else wt if isinstance(wt, list) else None
    words: list[Word] = []
    for seg in segments or []:
        if not isinstance(seg, dict):
            continue
        s, e, text = _seconds(seg.get("start")), _seconds(seg.get("end")), spoken(str(seg.get("text") or ""))
        timed = [w for w in seg.get("words") or [] if isinstance(w, dict) and _seconds(w.get("start")) is not None
                 and _seconds(w.get("end")) is not None and spoken(str(w.get("word") or ""))]  # no "[Music]"
        if timed:  # WhisperX's aligned words
            words.extend(Word(str(w["word"]).strip(), _seconds(w["start"]), max(_seconds(w["end"]), _seconds(w["start"])))
                         for w in timed)
        elif s is not None and e is not None and text:
            words.extend(words_from_text(text, s, max(e, s)))
    return words


def _clip(meta: dict) -> tuple[float, float] | None:
    clips = meta.get("clips")
    if isinstance(clips, list) and len(clips) == 1 and isinstance(clips[0], (list, tuple)) and len(clips[0]) == 2:
        s, e = _seconds(clips[0][0]), _seconds(clips[0][1])
        if s is not None and e is not None and e > s:
            return s, e
    return None


def sample_text(source: str | os.PathLike) -> SampleText | None:
    """The text a shard member's sample carries (module docstring), None for other sources."""
    parts = split_source(source)
    if parts is None:
        return None
    try:
        sh = shard(parts[0])
    except (OSError, tarfile.TarError):
        return None  # reported when the video is opened
    key = key_of(parts[1])
    meta = _json(sh, key)
    clip = _clip(meta)
    subtitles, language = _subtitle_words(meta, clip)
    caption = ""
    if ".txt" in sh.samples.get(key, {}):
        caption = " ".join(_read(sh, sh.samples[key][".txt"]).decode("utf-8", "replace").split())
    return SampleText(subtitles, language, _whisper_words(meta), caption, clip)


def caption_sentence(source: str | os.PathLike, text: SampleText) -> list[Sentence]:
    """The ``KEY.txt`` caption as one sentence over the whole sample (its clip span, else the
    duration its video stream declares, else its container's)."""
    if text.clip is not None:
        duration = text.clip[1] - text.clip[0]
    else:
        with open_container(source) as c:
            v = main_stream(c, "video")
            duration = float(v.duration * v.time_base) if v is not None and v.duration else (c.duration or 0) / 1e6
    return [Sentence(text.caption, 0.0, float(duration))]


def origin(source: str | os.PathLike) -> dict | None:
    """Where a shard member came from, for the corpus record: shard, key, url, clip span."""
    parts = split_source(source)
    if parts is None:
        return None
    key = key_of(parts[1])
    try:
        meta = _json(shard(parts[0]), key)
    except (OSError, tarfile.TarError):
        meta = {}
    clip = _clip(meta)
    return {"shard": parts[0], "key": key, "url": meta.get("url"), "clip": list(clip) if clip else None}
