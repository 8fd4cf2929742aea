"""One video -> ``DIR/ID.EXT`` + ``DIR/ID.LANG.vtt`` + ``DIR/ID.info.json``, on yt-dlp's Python API.

Nothing half done lands in ``DIR``: yt-dlp downloads into ``DIR/.partial/KEY/`` (its own
``.part`` files, the merge of video and audio, the subtitles); the media is probed with PyAV
(a video stream that decodes), then renamed to ``DIR/ID.EXT``; the captions are written next,
and ``ID.info.json`` last, atomically: a video is complete when its info.json and the media it
names are both there (`is_complete`). The ``.partial`` folder of a video is removed when it
succeeds or finally fails, and at the start of a run (left over from a killed one).

Errors are classified (`classify`) into the kinds of `KINDS`. Transient ones (HTTP 5xx and 429,
a connection reset or a body cut short, a timeout) are retried with exponential backoff and
jitter; yt-dlp's own retries are switched off so that the count is ours
(``FetchConfig.retries``), and a retry resumes yt-dlp's ``.part`` file where the server allows.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import logging
import random
import re
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Any

from ..corpus import VIDEO_EXTS, check_video_id
from ..utils.io import atomic_write_json, atomic_write_text, read_json
from ..utils.lazy import require
from ..utils.media import main_stream
from .config import FetchConfig

log = logging.getLogger(__name__)

KINDS = ("unavailable", "private", "geo_blocked", "http_status", "network_error", "timeout", "invalid_media", "other")
PARTIAL = ".partial"
YOUTUBE_ID = re.compile(r"(?:youtube(?:-nocookie)?\.com/(?:watch\?(?:.*&)?v=|embed/|shorts/|v/|live/)|youtu\.be/)"
                        r"([A-Za-z0-9_-]{11})(?![A-Za-z0-9_-])")


@dataclasses.dataclass(frozen=True)
class FetchItem:
    """One video to fetch. `video_id`: the output name (None: yt-dlp's id, e.g. the YouTube id or a
    direct link's file stem). `start`/`end` (seconds): only that section (needs ffmpeg).
    `vtt`: caption text written as ``ID.LANG.vtt`` (e.g. from HowTo100M's raw_caption.json); it wins
    over downloaded subtitles. `source`: recorded in info.json (``urls``, ``youcook2``, ...)."""
    url: str
    video_id: str | None = None
    start: float | None = None
    end: float | None = None
    source: str = "urls"
    vtt: str | None = None

    def key(self) -> tuple[str, float | None, float | None]:
        return (self.url, self.start, self.end)


class FetchError(Exception):
    def __init__(self, kind: str, reason: str, status: int | None = None, transient: bool = False):
        super().__init__(reason)
        self.kind, self.reason, self.status, self.transient = kind, reason, status, transient


@dataclasses.dataclass
class Outcome:
    video_id: str
    url: str
    ok: bool
    attempts: int = 1
    path: str | None = None
    kind: str | None = None
    reason: str | None = None
    status: int | None = None
    start: float | None = None
    end: float | None = None

    def failure_entry(self) -> dict[str, Any]:
        entry = {"video_id": self.video_id, "url": self.url, "kind": self.kind, "reason": self.reason,
                 "http_status": self.status, "attempts": self.attempts, "time": now_iso()}
        if self.start is not None or self.end is not None:
            entry.update(start=self.start, end=self.end)
        return entry


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def safe_id(name: str) -> str:
    """`name` as a file name and valid corpus video id (the rule `videobert ingest` applies to stems)."""
    base = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    base = re.sub(r"\.{2,}", ".", base)
    if base.startswith("."):
        base = "_" + base[1:]
    return check_video_id(base[:150] or "video")


def guess_id(url: str) -> str:
    """The id a URL will most likely get, without a request: a YouTube id, else the last path part's stem."""
    m = YOUTUBE_ID.search(url)
    if m:
        return m.group(1)
    tail = url.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return safe_id(tail.rsplit(".", 1)[0] if "." in tail else tail)


def section_suffix(start: float | None, end: float | None) -> str:
    if start is None and end is None:
        return ""
    return f"_{_num(start or 0)}-{_num(end) if end is not None else 'end'}"


def _num(x: float) -> str:
    return f"{x:.3f}".rstrip("0").rstrip(".")


def is_complete(out: Path, video_id: str) -> bool:
    info = out / f"{video_id}.info.json"
    if not info.is_file():
        return False
    try:
        media = read_json(info).get("media")
    except (OSError, ValueError, AttributeError):
        return False
    return bool(media) and (out / str(media)).is_file()


# ---------------------------------------------------------------------------------------------
# error classification

_TEXT_KINDS = [
    ("private", re.compile(r"private video|this video is private", re.I), False),
    ("geo_blocked", re.compile(r"not (?:made )?available in your (?:country|location)|geo.?restrict|blocked it in your country", re.I), False),
    ("unavailable", re.compile(r"video unavailable|has been removed|no longer available|account .*terminated|"
                               r"is not available|unsupported url|does not exist|members-only|sign in to confirm your age|"
                               r"not a bot|premieres in|this live event", re.I), False),
    ("timeout", re.compile(r"timed? ?out", re.I), True),
    ("network_error", re.compile(r"connection (?:reset|refused|aborted)|remote end closed|bytes read|"
                                 r"expected \d+ bytes|did not get any data|incomplete|broken pipe|"
                                 r"name or service not known|temporary failure in name resolution|network is unreachable", re.I), True),
]


def _chain(exc: BaseException) -> list[BaseException]:
    out, todo = [], [exc]
    while todo:
        e = todo.pop(0)
        if e is None or any(e is x for x in out) or len(out) > 20:
            continue
        out.append(e)
        exc_info = getattr(e, "exc_info", None)
        if isinstance(exc_info, tuple) and len(exc_info) > 1 and isinstance(exc_info[1], BaseException):
            todo.append(exc_info[1])
        todo += [getattr(e, "cause", None), e.__cause__, e.__context__]
    return [e for e in out if isinstance(e, BaseException)]


def classify(exc: BaseException) -> FetchError:
    """The failure kind of an exception raised by yt-dlp (or the probe), and whether to retry it."""
    if isinstance(exc, FetchError):
        return exc
    chain = _chain(exc)
    text = " | ".join(dict.fromkeys(str(e) for e in chain if str(e)))
    reason = _clean(str(exc)) or type(exc).__name__
    for e in chain:
        name = type(e).__name__
        if name == "GeoRestrictedError":
            return FetchError("geo_blocked", reason)
        status = getattr(e, "status", None)
        if name == "HTTPError" and isinstance(status, int):
            return FetchError("http_status", reason, status, transient=status >= 500 or status == 429)
        if isinstance(e, (socket.timeout, TimeoutError)):
            return FetchError("timeout", reason, transient=True)
    m = re.search(r"HTTP Error (\d{3})", text)
    if m:
        status = int(m.group(1))
        return FetchError("http_status", reason, status, transient=status >= 500 or status == 429)
    for kind, pattern, transient in _TEXT_KINDS:
        if pattern.search(text):
            return FetchError(kind, reason, transient=transient)
    for e in chain:
        if isinstance(e, (ConnectionError, EOFError)) or type(e).__name__ in (
                "TransportError", "IncompleteRead", "ContentTooShortError", "RemoteDisconnected"):
            return FetchError("network_error", reason, transient=True)
    return FetchError("other", reason)


def _clean(msg: str) -> str:
    msg = re.sub(r"\x1b\[[0-9;]*m", "", msg)  # yt-dlp colours its ERROR: prefix on terminals
    msg = re.sub(r"^ERROR:\s*", "", msg.strip())
    return msg.split("; please report this issue")[0].strip()


# ---------------------------------------------------------------------------------------------
# yt-dlp


def ffmpeg_available() -> bool:
    return shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None


class _Logger:
    """yt-dlp's messages through `logging` (its info lines at DEBUG: one video is a dozen lines)."""

    def debug(self, msg: str) -> None:
        log.debug("yt-dlp: %s", msg)

    info = debug

    def warning(self, msg: str) -> None:
        log.debug("yt-dlp warning: %s", msg)

    def error(self, msg: str) -> None:
        log.debug("yt-dlp error: %s", msg)


def ydl_options(cfg: FetchConfig, workdir: Path, cookiefile: str | None = None, ffmpeg: bool | None = None) -> dict:
    """The yt-dlp parameters of one download into `workdir` (see ``help(yt_dlp.YoutubeDL)``)."""
    ffmpeg = ffmpeg_available() if ffmpeg is None else ffmpeg
    h = cfg.height
    opts: dict[str, Any] = {
        # the largest height <= h, else the smallest above it (format_sort "res:h"); H.264 in mp4 first:
        # PyAV decodes it fastest; separate video+audio only when ffmpeg can merge them
        "format": "bv*+ba/b" if ffmpeg else "b",
        "format_sort": [f"res:{h}", "vcodec:h264", "ext:mp4:m4a"],
        "paths": {"home": str(workdir), "temp": str(workdir)},
        "outtmpl": {"default": "media.%(ext)s"},
        "noplaylist": True,
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "logger": _Logger(),
        "socket_timeout": cfg.socket_timeout,
        "retries": 0,  # our loop retries (fetch_one), so attempts are counted once and logged
        "fragment_retries": 0,
        "extractor_retries": 0,
        "file_access_retries": 2,
        "continuedl": True,
        "overwrites": None,
        "cachedir": False,
        "color": "no_color",
        "writesubtitles": False,
        "writeautomaticsub": False,
        "subtitlesformat": "vtt/srt/best",
    }
    if ffmpeg:
        opts["merge_output_format"] = cfg.merge_ext
        opts["postprocessors"] = [{"key": "FFmpegSubtitlesConvertor", "format": "vtt", "when": "before_dl"}]
    if cfg.sleep:
        opts.update(sleep_interval_requests=cfg.sleep, sleep_interval=cfg.sleep, sleep_interval_subtitles=cfg.sleep)
    if cookiefile:
        opts["cookiefile"] = cookiefile
    return opts


def choose_subtitles(info: dict, cfg: FetchConfig) -> tuple[str | None, str | None]:
    """(language key, "manual" | "automatic") of the captions to fetch, or (None, None).

    Uploaded captions first (``en``, then an ``en-*`` variant such as ``en-GB``), then, with
    ``subs="auto"``, YouTube's automatic ones (its speech recognition): ``en-orig``, which yt-dlp
    lists for the video's own language, else ``en``, unless another language is the original
    (``de-orig``: then ``en`` is a machine translation, and none is taken). Keys match
    case-insensitively."""
    if cfg.subs == "none":
        return None, None
    lang = cfg.lang.lower()
    manual = {k.lower(): k for k, v in (info.get("subtitles") or {}).items() if v}
    if lang in manual:
        return manual[lang], "manual"
    variants = sorted(k for k in manual if k.startswith(lang + "-") and "-" not in k[len(lang) + 1:])
    if variants:
        return manual[variants[0]], "manual"
    if cfg.subs != "auto":
        return None, None
    auto = {k.lower(): k for k, v in (info.get("automatic_captions") or {}).items() if v}
    if f"{lang}-orig" in auto:
        return auto[f"{lang}-orig"], "automatic"
    if lang in auto and not any(k.endswith("-orig") for k in auto):
        return auto[lang], "automatic"
    return None, None


def probe_media(path: Path) -> float | None:
    """The media's duration in seconds (None if unknown); `FetchError` ``invalid_media`` when PyAV
    cannot open it or decode a first video frame."""
    av = require("av", "ingest", "probing downloaded videos")
    try:
        with av.open(str(path)) as c:
            if not c.streams.video:
                raise FetchError("invalid_media", f"{path.name}: no video stream")
            stream = main_stream(c, "video")
            frame = next(c.decode(stream), None)
            if frame is None:
                raise FetchError("invalid_media", f"{path.name}: no decodable video frame")
            if c.duration:
                return c.duration / 1_000_000
            if stream.duration and stream.time_base:
                return float(stream.duration * stream.time_base)
            return None
    except FetchError:
        raise
    except Exception as e:  # PyAV raises its own error classes per FFmpeg error code
        raise FetchError("invalid_media", f"{path.name}: not a readable video ({e})") from e


class YdlPool:
    """One `yt_dlp.YoutubeDL` per worker thread, reused from video to video: building one loads
    yt-dlp's ~1,800 extractor classes and a TLS context (~0.4 s of CPU each time). The per-video
    parameters (output folder, captions, section) are set before each download; an instance that
    raised anything but its own `DownloadError` (the errors it reports and recovers from, as its
    command line does between URLs) is dropped."""

    def __init__(self, cfg: FetchConfig, cookiefile: str | None = None, ffmpeg: bool | None = None):
        self.cfg, self.cookiefile = cfg, cookiefile
        self.ffmpeg = ffmpeg_available() if ffmpeg is None else ffmpeg
        self.local = threading.local()
        self.all: list[Any] = []
        self.lock = threading.Lock()

    def get(self, workdir: Path) -> Any:
        ydl = getattr(self.local, "ydl", None)
        if ydl is None:
            yt_dlp = require("yt_dlp", "fetch", "videobert fetch")
            ydl = self.local.ydl = yt_dlp.YoutubeDL(ydl_options(self.cfg, workdir, self.cookiefile, self.ffmpeg))
            with self.lock:
                self.all.append(ydl)
        ydl.params.update(paths={"home": str(workdir), "temp": str(workdir)}, writesubtitles=False,
                          writeautomaticsub=False, subtitleslangs=[self.cfg.lang], force_keyframes_at_cuts=False)
        ydl.params.pop("download_ranges", None)
        return ydl

    def drop(self) -> None:
        ydl = getattr(self.local, "ydl", None)
        self.local.ydl = None
        if ydl is not None:
            with self.lock:
                self.all.remove(ydl)
            ydl.close()

    def close(self) -> None:
        with self.lock:
            for ydl in self.all:
                ydl.close()
            self.all.clear()


def fetch_one(item: FetchItem, out: Path, cfg: FetchConfig, pool: YdlPool | None = None) -> Outcome:
    """Download one video with retries; never raises for a failed video (the `Outcome` says why).
    `pool`: yt-dlp instances shared by the calls of a batch (default: one for this call)."""
    own = pool is None
    pool = pool or YdlPool(cfg)
    out = Path(out).absolute()  # yt-dlp joins a relative temp path onto itself
    vid = item.video_id or (guess_id(item.url) + section_suffix(item.start, item.end))
    digest = hashlib.sha1(repr(item.key()).encode("utf-8")).hexdigest()[:8]
    workdir = out / PARTIAL / (vid if item.video_id else safe_id(f"{vid}-{digest}"))
    shutil.rmtree(workdir, ignore_errors=True)
    attempts = 0
    try:
        while True:
            attempts += 1
            try:
                final, vid = _attempt(item, out, workdir, cfg, pool)
                return Outcome(vid, item.url, True, attempts, path=str(final), start=item.start, end=item.end)
            except Exception as e:  # every failure is classified and reported, none stops the batch
                if not isinstance(e, FetchError) and type(e).__name__ != "DownloadError":
                    pool.drop()  # not one of yt-dlp's reported errors: its state is unknown
                err = classify(e)
                if not isinstance(e, FetchError):
                    log.debug("%s: attempt %d failed", item.url, attempts, exc_info=True)
            if not err.transient or attempts > cfg.retries:
                return Outcome(vid, item.url, False, attempts, kind=err.kind, reason=err.reason, status=err.status,
                               start=item.start, end=item.end)
            wait = min(cfg.max_backoff, cfg.backoff * 2 ** (attempts - 1)) * random.uniform(0.75, 1.25)
            log.info("%s: %s (%s); retry %d/%d in %.1f s", vid, err.kind, err.reason, attempts, cfg.retries, wait)
            time.sleep(wait)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if own:
            pool.close()


def _attempt(item: FetchItem, out: Path, workdir: Path, cfg: FetchConfig, pool: YdlPool) -> tuple[Path, str]:
    yt_dlp = require("yt_dlp", "fetch", "videobert fetch")
    sectioned = item.start is not None or item.end is not None
    if sectioned and not pool.ffmpeg:
        raise FetchError("other", "a start/end section needs ffmpeg (install it, e.g. apt-get install ffmpeg)")
    workdir.mkdir(parents=True, exist_ok=True)
    ydl = pool.get(workdir)
    info = ydl.extract_info(item.url, download=False, process=False)
    if info is None:
        raise FetchError("unavailable", f"{item.url}: yt-dlp found no video")
    if info.get("_type") in ("playlist", "multi_video"):
        raise FetchError("other", f"{item.url}: a playlist or page of several videos; list the videos' own URLs")
    vid = item.video_id or safe_id(str(info.get("id") or guess_id(item.url))) + section_suffix(item.start, item.end)
    lang, sub_kind = (None, None) if item.vtt is not None else choose_subtitles(info, cfg)
    if lang is None and item.vtt is None and cfg.subs != "none" and "subtitles" not in info:
        # an unresolved result (a URL to follow): let yt-dlp pick, manual before automatic
        ydl.params.update(writesubtitles=True, writeautomaticsub=cfg.subs == "auto", subtitleslangs=[cfg.lang])
    elif lang is not None:
        ydl.params.update(writesubtitles=sub_kind == "manual", writeautomaticsub=sub_kind == "automatic",
                          subtitleslangs=[re.escape(lang)])
    if sectioned:
        ydl.params["download_ranges"] = yt_dlp.utils.download_range_func(
            None, [(item.start or 0, item.end if item.end is not None else float("inf"))])
        ydl.params["force_keyframes_at_cuts"] = True  # exact cut: the captions are shifted by `start`
    result = ydl.process_ie_result(info, download=True)
    media = _media_file(result, workdir)
    duration = probe_media(media)
    vtt_text, sub_info = _subtitles(result, workdir, item, info)
    final = out / f"{vid}{media.suffix.lower()}"
    for old in out.glob(f"{glob_escape(vid)}.*"):  # an earlier, unfinished attempt in another container
        if old.suffix.lower() in VIDEO_EXTS and old != final and old.stem == vid:
            old.unlink()
    media.replace(final)
    if vtt_text is not None:
        atomic_write_text(out / caption_name(vid, cfg.lang), vtt_text)
    atomic_write_json(out / f"{vid}.info.json", {
        "video_id": vid, "url": item.url, "webpage_url": result.get("webpage_url"), "title": result.get("title"),
        "duration": duration if duration is not None else result.get("duration"),
        "license": result.get("license"), "uploader": result.get("uploader"), "extractor": result.get("extractor_key"),
        "height": result.get("height"), "fetched_at": now_iso(), "source": item.source, "media": final.name,
        "start": item.start, "end": item.end, **sub_info,
    })
    return final, vid


def caption_name(video_id: str, lang: str) -> str:
    """``ID.en.vtt`` for English, else ``ID.vtt``: the names `videobert ingest` looks for beside a
    video are ``NAME.vtt``, ``NAME.en.vtt`` and ``NAME.srt``."""
    return f"{video_id}.en.vtt" if lang.lower() == "en" else f"{video_id}.vtt"


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _media_file(result: dict, workdir: Path) -> Path:
    for d in result.get("requested_downloads") or []:
        p = d.get("filepath") or d.get("filename")
        if p and Path(p).is_file():
            return Path(p)
    found = [p for p in workdir.glob("media.*") if p.suffix.lower() in VIDEO_EXTS and p.is_file()]
    if not found:
        raise FetchError("invalid_media", "yt-dlp finished but wrote no video file (audio only, or an unknown container)")
    return max(found, key=lambda p: p.stat().st_size)


def _subtitles(result: dict, workdir: Path, item: FetchItem, info: dict) -> tuple[str | None, dict]:
    from .sources import shift_vtt, srt_to_vtt

    if item.vtt is not None:
        text, meta = item.vtt, {"subtitles": item.source, "subtitle_lang": None}
    else:
        text, meta = None, {"subtitles": None, "subtitle_lang": None}
        for lang, sub in (result.get("requested_subtitles") or {}).items():
            p = Path(sub.get("filepath") or "")
            if not p.is_file():
                continue
            raw = p.read_text(encoding="utf-8", errors="replace")
            ext = p.suffix.lower()
            if ext == ".srt":
                raw = srt_to_vtt(raw)
            elif ext != ".vtt":
                log.warning("%s: captions came as %s, not VTT or SRT (install ffmpeg to convert them); skipped",
                            item.url, ext)
                continue
            manual = lang in (info.get("subtitles") or result.get("subtitles") or {})
            text, meta = raw, {"subtitles": "manual" if manual else "automatic", "subtitle_lang": lang}
            break
    if text is not None and (item.start or item.end is not None):
        text = shift_vtt(text, item.start or 0.0, item.end)
    return text, meta
