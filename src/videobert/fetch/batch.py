"""Many videos into one folder: skipping what is complete, workers, progress, ``failures.json``.

The folder is an input of ``videobert ingest`` as it is: ``ID.mp4`` with ``ID.en.vtt`` beside it
(ingest looks for ``NAME.vtt`` / ``NAME.en.vtt`` / ``NAME.srt`` beside each video), plus
``ID.info.json`` (what was fetched, from where, when) and ``failures.json``.

``failures.json`` is a list of ``{"video_id", "url", "kind", "reason", "http_status", "attempts",
"time"}``, merged across runs: this run's failures plus earlier entries of videos neither tried
again nor complete now (an entry leaves when its video succeeds). It is written in batches (at most
every `FAILURES_EVERY_S` seconds) and at the end, not once per failure.
"""
from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import logging
import os
import re
import shutil
import tarfile
import zipfile
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..corpus import VIDEO_EXTS
from ..utils.failures import FailureLog
from ..utils.io import atomic_write_json, read_json
from ..utils.lazy import require
from ..utils.progress import progress
from .config import FetchConfig
from .download import (
    PARTIAL,
    FetchError,
    FetchItem,
    Outcome,
    YdlPool,
    fetch_one,
    guess_id,
    is_complete,
    now_iso,
    probe_media,
    section_suffix,
)

log = logging.getLogger(__name__)

FAILURES = "failures.json"
FAILURES_EVERY_S = 5.0


@dataclasses.dataclass
class FetchSummary:
    total: int = 0
    done: int = 0
    skipped: int = 0
    failed: int = 0
    failures: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.done} fetched, {self.skipped} already there, {self.failed} failed (of {self.total})"


class _FetchFailures(FailureLog):
    """``DIR/failures.json`` across runs (`videobert.utils.failures`): an earlier entry leaves when its
    video is complete now, or succeeded in this run, under its id or (a URL's id is only known once
    yt-dlp has read its page) under another id for the same (url, start, end)."""

    def __init__(self, out: Path):
        self.out, self.succeeded = out, set()
        super().__init__(out / FAILURES, self._done, FAILURES_EVERY_S, write_empty=False)

    def success(self, video_id: str, key: tuple | None = None) -> None:
        self.succeeded.add(video_id)
        if key is not None:
            self.succeeded.add(key)
        self.discard(video_id)

    def _done(self, f: dict) -> bool:
        vid = f.get("video_id")
        if vid in self.succeeded or (f.get("url"), f.get("start"), f.get("end")) in self.succeeded:
            return True
        try:
            return isinstance(vid, str) and is_complete(self.out, vid)
        except ValueError:
            return False


def completed_index(out: Path) -> dict[tuple, str]:
    """{(url, start, end): video_id} of the complete videos in `out` (from their info.json)."""
    index = {}
    for p in out.glob("*.info.json"):
        vid = p.name[: -len(".info.json")]
        try:
            info = read_json(p)
        except (OSError, ValueError):
            continue
        if isinstance(info, dict) and info.get("url") and is_complete(out, vid):
            index[(info["url"], info.get("start"), info.get("end"))] = vid
    return index


def _clean_partial(out: Path) -> None:
    partial = out / PARTIAL
    if partial.is_dir():
        shutil.rmtree(partial, ignore_errors=True)


def _private_cookies(cfg: FetchConfig, out: Path) -> str | None:
    """A copy of the cookie file: yt-dlp writes its cookie jar back to the file it was given, and
    several workers would write one file at once."""
    if not cfg.cookies:
        return None
    src = Path(cfg.cookies)
    if not src.is_file():
        raise FileNotFoundError(f"--cookies {src}: file not found")
    dest = out / PARTIAL / f"cookies-{os.getpid()}.txt"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return str(dest)


def fetch_items(items: Iterable[FetchItem], out: str | os.PathLike, cfg: FetchConfig | None = None,
                show_progress: bool = True) -> FetchSummary:
    """Fetch every item into `out`; complete videos are skipped; never raises for one bad video."""
    cfg = cfg or FetchConfig()
    require("yt_dlp", "fetch", "videobert fetch")  # up front: not one "failure" per video
    out = Path(out).absolute()
    out.mkdir(parents=True, exist_ok=True)
    _clean_partial(out)  # left by a killed run
    items = list(dict.fromkeys(items))
    index = completed_index(out)
    summary = FetchSummary(total=len(items))
    failures = _FetchFailures(out)
    todo = []
    seen: set[str] = set()
    for item in items:
        vid = item.video_id
        if vid is None:
            vid = index.get(item.key())
        if vid is not None and is_complete(out, vid):
            summary.skipped += 1
            failures.success(vid, item.key())
            continue
        name = item.video_id or guess_id(item.url) + section_suffix(item.start, item.end)
        if item.video_id and name in seen:
            log.warning("%s: video id %r listed twice; fetching it once", item.url, name)
            summary.total -= 1
            continue
        seen.add(name)
        todo.append(item)
    ffmpeg = shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None
    if not ffmpeg:
        log.warning("ffmpeg not found: fetching single-file formats only (no video+audio merge, no subtitle "
                    "conversion, no start/end sections); install ffmpeg for the full choice")
    cookiefile = _private_cookies(cfg, out)
    pool = YdlPool(cfg, cookiefile, ffmpeg)
    bar = progress(total=summary.total, initial=summary.skipped, desc="fetch", unit="video", enabled=show_progress)
    try:
        with bar, cf.ThreadPoolExecutor(max_workers=cfg.workers, thread_name_prefix="fetch") as workers:
            futures = [workers.submit(fetch_one, it, out, cfg, pool) for it in todo]
            try:
                for fut in cf.as_completed(futures):
                    _record(fut.result(), summary, failures)
                    bar.update(1)
                    bar.set_postfix(done=summary.done, failed=summary.failed, skipped=summary.skipped)
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
    finally:
        pool.close()
        failures.write()
        if cookiefile:
            Path(cookiefile).unlink(missing_ok=True)
        _remove_empty(out / PARTIAL)
    return summary


def _record(o: Outcome, summary: FetchSummary, failures: _FetchFailures) -> None:
    if o.ok:
        summary.done += 1
        failures.success(o.video_id, (o.url, o.start, o.end))
        if o.attempts > 1:
            log.info("%s: fetched after %d attempts", o.video_id, o.attempts)
    else:
        summary.failed += 1
        entry = o.failure_entry()
        summary.failures.append(entry)
        failures.add(entry)
        log.warning("%s: failed [%s] %s", o.video_id, o.kind, o.reason)


def _remove_empty(d: Path) -> None:
    try:
        d.rmdir()
    except OSError:
        pass


# ---------------------------------------------------------------------------------------------
# videos from an archive (YouCook II's raw-video download) instead of YouTube


def _archive_entries(path: Path) -> Iterator[tuple[str, Any]]:
    """(member name, opener) of the video files in a folder, a .zip or a .tar(.gz/.bz2/.xz), in
    archive order (a compressed tar is read in one pass)."""
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.suffix.lower() in VIDEO_EXTS and p.is_file():
                yield str(p.relative_to(path)), (lambda p=p: open(p, "rb"))
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                if not info.is_dir() and Path(info.filename).suffix.lower() in VIDEO_EXTS:
                    yield info.filename, (lambda info=info: z.open(info))
    elif tarfile.is_tarfile(path):
        with tarfile.open(path, "r:*") as t:
            for m in t:
                if m.isfile() and Path(m.name).suffix.lower() in VIDEO_EXTS:
                    yield m.name, (lambda m=m: t.extractfile(m))
    else:
        raise ValueError(f"--archive {path}: not a folder, .zip or .tar archive")


def archive_id(name: str, wanted: set[str]) -> str | None:
    """The wanted id a member's file name stands for: its stem, or a YouTube id in its name."""
    stem = Path(name).name.rsplit(".", 1)[0]
    if stem in wanted:
        return stem
    for token in re.findall(r"[A-Za-z0-9_-]{11}", Path(name).name):
        if token in wanted:
            return token
    return None


def fetch_from_archive(items: list[FetchItem], archive: str, out: str | os.PathLike, cfg: FetchConfig | None = None,
                       show_progress: bool = True) -> FetchSummary:
    """The items' videos copied out of `archive` (a folder, .zip or .tar[.gz], or an http(s) URL of
    one, downloaded once into ``OUT/.archive/``), found by video id in the member names; an id the
    archive lacks is a failure of kind ``unavailable``."""
    from .sources import download_file, is_url

    cfg = cfg or FetchConfig()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _clean_partial(out)
    path = download_file(archive, out / ".archive" / Path(archive.split("?")[0]).name) if is_url(archive) else Path(archive)
    if not path.exists():
        raise FileNotFoundError(f"--archive {archive}: not found")
    summary = FetchSummary(total=len(items))
    failures = _FetchFailures(out)
    wanted = {}
    for it in items:
        vid = it.video_id or guess_id(it.url)
        if is_complete(out, vid):
            summary.skipped += 1
            failures.success(vid)
        else:
            wanted[vid] = it
    bar = progress(total=summary.total, initial=summary.skipped, desc="fetch (archive)", unit="video",
                   enabled=show_progress)
    with bar:
        try:
            for name, opener in _archive_entries(path):
                vid = archive_id(name, set(wanted))
                if vid is None:
                    continue
                it = wanted.pop(vid)
                o = _copy_member(vid, it, name, opener, out, str(archive))
                _record(o, summary, failures)
                bar.update(1)
                bar.set_postfix(done=summary.done, failed=summary.failed, skipped=summary.skipped)
                if not wanted:
                    break
            for vid, it in wanted.items():
                _record(Outcome(vid, it.url, False, kind="unavailable", reason=f"not in the archive {archive}"),
                        summary, failures)
                bar.update(1)
        finally:
            failures.write()
            _remove_empty(out / PARTIAL)
    return summary


def _copy_member(vid: str, item: FetchItem, name: str, opener, out: Path, archive: str) -> Outcome:
    ext = Path(name).suffix.lower()
    tmp = out / PARTIAL / f"{vid}{ext}"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    try:
        with opener() as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        duration = probe_media(tmp)
        final = out / f"{vid}{ext}"
        tmp.replace(final)
        atomic_write_json(out / f"{vid}.info.json", {
            "video_id": vid, "url": item.url, "webpage_url": item.url, "title": None, "duration": duration,
            "license": None, "uploader": None, "extractor": "archive", "height": None, "fetched_at": now_iso(),
            "source": f"{item.source} archive {archive}:{name}", "media": final.name, "start": None, "end": None,
            "subtitles": None, "subtitle_lang": None,
        })
        return Outcome(vid, item.url, True, path=str(final))
    except FetchError as e:
        return Outcome(vid, item.url, False, kind=e.kind, reason=f"{archive}:{name}: {e.reason}")
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError) as e:
        return Outcome(vid, item.url, False, kind="invalid_media", reason=f"{archive}:{name}: unreadable member ({e})")
    finally:
        tmp.unlink(missing_ok=True)

