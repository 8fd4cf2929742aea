"""Where the videos to fetch are listed: URL lists, YouCook II's annotation file, HowTo100M's ids and
captions; and the caption conversions they need (timed cues -> WebVTT, sections, SRT).

- URL lists: ``.txt`` (one URL a line, ``#`` comments), ``.csv`` / ``.tsv`` / ``.parquet`` with a
  ``url`` column and optional ``video_id``, ``start``, ``end`` columns (seconds).
- YouCook II: ``{"database": {ID: {"subset", "video_url", "annotations", ...}}}``, from a path or an
  http(s) URL (also inside a ``.zip`` / ``.tar.gz`` such as the dataset's own download).
- HowTo100M: ids from a ``.txt`` (one a line) or a ``.csv`` with a ``video_id`` column (such as
  ``HowTo100M_v1.csv``); captions from ``raw_caption.json`` (``{ID: {"text": [...], "start": [...],
  "end": [...]}}``, or the ``.zip`` it ships in), read as a stream: the file holds 1.2M videos
  and only the listed ones are kept in memory.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import math
import re
import tarfile
import urllib.request
import zipfile
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from ..utils.jsonstream import iter_object
from ..utils.lazy import require
from ..utils.timecode import parse_timestamp, vtt_timestamp
from .download import FetchItem, safe_id

log = logging.getLogger(__name__)

URL_COLUMNS = ("url", "video_id", "start", "end")


# ---------------------------------------------------------------------------------------------
# URL lists


def read_url_list(path: str | Path) -> list[FetchItem]:
    """The items of a URL list; a bad row raises `ValueError` naming the file, row and field."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: URL list not found")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        pq = require("pyarrow.parquet", "fetch", "reading .parquet URL lists")
        table = pq.read_table(path)
        if "url" not in table.column_names:
            raise ValueError(f"{path}: no 'url' column (columns: {table.column_names})")
        cols = {c: table.column(c).to_pylist() for c in URL_COLUMNS if c in table.column_names}
        rows = [{c: cols[c][i] for c in cols} for i in range(table.num_rows)]
        return _items(path, rows, first_row=0)
    text = _read_text(path)
    if suffix in (".csv", ".tsv"):
        reader = csv.DictReader(io.StringIO(text), delimiter="\t" if suffix == ".tsv" else ",")
        fields = [f.strip().lower() for f in reader.fieldnames or []]
        if "url" not in fields:
            raise ValueError(f"{path}: no 'url' column in the header ({reader.fieldnames}); name the URL column 'url'")
        rows = [{(k or "").strip().lower(): v for k, v in row.items()} for row in reader]
        return _items(path, rows, first_row=2)
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            rows.append({"url": line, "_line": n})
    return _items(path, rows, first_row=None)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not UTF-8 text ({e}); save it as UTF-8") from None


def _items(path: Path, rows: list[dict], first_row: int | None) -> list[FetchItem]:
    items = []
    for i, row in enumerate(rows):
        where = f"{path}: line {row['_line']}" if "_line" in row else f"{path}: row {i + (first_row or 0)}"
        url = str(row.get("url") or "").strip()
        if not url:
            raise ValueError(f"{where}: empty url")
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", url):
            raise ValueError(f"{where}: {url!r} is not a URL (expected http(s)://...)")
        vid = row.get("video_id")
        vid = str(vid).strip() if vid is not None and str(vid).strip() not in ("", "nan", "None") else None
        if vid is not None:
            try:
                vid = safe_id(vid)
            except ValueError as e:
                raise ValueError(f"{where}: video_id {row.get('video_id')!r}: {e}") from None
        start, end = _seconds(row.get("start"), where, "start"), _seconds(row.get("end"), where, "end")
        if start is not None and end is not None and end <= start:
            raise ValueError(f"{where}: end {end} is not after start {start}")
        items.append(FetchItem(url, vid, start, end, source="urls"))
    return items


def _seconds(value: Any, where: str, field: str) -> float | None:
    if value is None or (isinstance(value, str) and value.strip() in ("", "nan", "None")):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {field} {value!r} is not a number of seconds") from None
    if math.isnan(x):
        return None
    if x < 0 or math.isinf(x):
        raise ValueError(f"{where}: {field} {value!r} must be a finite number of seconds >= 0")
    return x


# ---------------------------------------------------------------------------------------------
# remote and packed files


def is_url(s: str) -> bool:
    return bool(re.match(r"^https?://", str(s)))


def download_file(url: str, dest: Path, timeout: float = 60.0) -> Path:
    """`url` -> `dest` through a ``.part`` file renamed when complete; a complete `dest` is reused."""
    if dest.is_file():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    log.info("downloading %s -> %s", url, dest)
    req = urllib.request.Request(url, headers={"User-Agent": "videobert-fetch"})
    with urllib.request.urlopen(req, timeout=timeout) as r, open(part, "wb") as f:
        expected = r.headers.get("Content-Length")
        n = 0
        while chunk := r.read(1 << 20):
            f.write(chunk)
            n += len(chunk)
    if expected is not None and n != int(expected):
        raise OSError(f"{url}: download cut short ({n} of {expected} bytes); run again to retry")
    part.replace(dest)
    return dest


def read_annotation_file(src: str, cache_dir: Path) -> tuple[dict, bytes]:
    """(parsed JSON, its bytes) of a YouCook II annotation file: a path or URL of the ``.json``, or
    of a ``.zip`` / ``.tar(.gz)`` holding one ``*annotations*.json``."""
    path = download_file(src, cache_dir / Path(src.split("?")[0]).name) if is_url(src) else Path(src)
    if not path.is_file():
        raise FileNotFoundError(f"{src}: annotation file not found")
    name = path.name.lower()
    if name.endswith(".zip") or ".tar" in name or name.endswith(".tgz"):
        data = _json_member(path)
    else:
        data = path.read_bytes()
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{src}: not a JSON annotation file ({e})") from None
    db = parsed.get("database") if isinstance(parsed, dict) else None
    if not isinstance(db, dict):
        raise ValueError(f"{src}: expected YouCook II's layout {{'database': {{VIDEO_ID: {{...}}}}}}")
    return parsed, data


def _json_member(path: Path) -> bytes:
    def pick(names: list[str]) -> str:
        cands = [n for n in names if n.lower().endswith(".json") and "annotation" in n.lower().rsplit("/", 1)[-1]]
        cands = cands or [n for n in names if n.lower().endswith(".json")]
        if not cands:
            raise ValueError(f"{path}: holds no .json annotation file")
        return sorted(cands, key=lambda n: ("trainval" not in n, len(n)))[0]

    if path.name.lower().endswith(".zip"):
        with zipfile.ZipFile(path) as z:
            return z.read(pick(z.namelist()))
    with tarfile.open(path, "r:*") as t:
        name = pick([m.name for m in t.getmembers() if m.isfile()])
        f = t.extractfile(name)
        assert f is not None
        return f.read()


# ---------------------------------------------------------------------------------------------
# YouCook II

SPLITS = ("training", "validation", "all")


def youcook2_items(database: dict, split: str = "all", src: str = "") -> list[FetchItem]:
    if split not in SPLITS:
        raise ValueError(f"split {split!r}: choose one of {SPLITS}")
    items = []
    for vid, entry in database.items():
        if not isinstance(entry, dict):
            raise ValueError(f"{src}: database[{vid!r}] is not an object")
        subset = entry.get("subset")
        if split != "all" and subset != split:
            continue
        url = entry.get("video_url") or f"https://www.youtube.com/watch?v={vid}"
        items.append(FetchItem(str(url), safe_id(str(vid)), source="youcook2"))
    return items


# ---------------------------------------------------------------------------------------------
# HowTo100M


def read_ids(path: str | Path) -> list[str]:
    """Video ids from a ``.txt`` (one a line; ``#`` comments) or a ``.csv`` with a ``video_id`` column."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: id list not found")
    text = _read_text(path)
    if path.suffix.lower() in (".csv", ".tsv"):
        reader = csv.DictReader(io.StringIO(text), delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
        if "video_id" not in (reader.fieldnames or []):
            raise ValueError(f"{path}: no 'video_id' column (columns: {reader.fieldnames})")
        ids = [str(r["video_id"]).strip() for r in reader]
    else:
        ids = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    out = []
    for vid in dict.fromkeys(i for i in ids if i):
        try:
            out.append(safe_id(vid))
        except ValueError as e:
            raise ValueError(f"{path}: id {vid!r}: {e}") from None
    return out


def _open_binary(path: Path) -> IO[bytes]:
    if path.suffix.lower() == ".zip":
        z = zipfile.ZipFile(path)
        names = [n for n in z.namelist() if n.lower().endswith(".json")]
        if not names:
            raise ValueError(f"{path}: holds no .json file")
        return z.open(sorted(names, key=len)[0])
    return open(path, "rb")


def iter_json_object(f: IO[bytes], wanted: set[str] | None = None, name: str = "",
                     chunk: int = 1 << 20) -> Iterator[tuple[str, Any]]:
    """(key, value) pairs of a top-level JSON object, read as a stream (`videobert.utils.jsonstream`):
    memory holds one value at a time, not the file. With `wanted`, values of other keys are dropped."""
    for key, value, _, _ in iter_object(f, name, chunk):
        if wanted is None or key in wanted:
            yield key, value


def load_captions(path: str | Path, ids: Iterable[str]) -> dict[str, dict]:
    """{id: {"text", "start", "end"}} of the `ids` found in a HowTo100M caption file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: caption file not found")
    wanted = set(ids)
    out = {}
    with _open_binary(path) as f:
        for key, v in iter_json_object(f, wanted, str(path)):
            out[key] = v
            if len(out) == len(wanted):
                break
    return out


def captions_to_vtt(entry: dict, where: str = "") -> str:
    """WebVTT of one HowTo100M caption entry (parallel ``text``/``start``/``end`` lists, seconds)."""
    try:
        texts, starts, ends = entry["text"], entry["start"], entry["end"]
    except (KeyError, TypeError):
        raise ValueError(f"{where}: expected {{'text': [...], 'start': [...], 'end': [...]}}") from None
    if not (len(texts) == len(starts) == len(ends)):
        raise ValueError(f"{where}: text/start/end lists differ in length ({len(texts)}/{len(starts)}/{len(ends)})")
    cues = ["WEBVTT", ""]
    for text, start, end in sorted(zip(texts, starts, ends), key=lambda c: float(c[1])):
        text = " ".join(str(text).split())
        start, end = float(start), float(end)
        if not text or end < start:
            continue
        cues += [f"{vtt_timestamp(start)} --> {vtt_timestamp(end)}", _vtt_escape(text), ""]
    return "\n".join(cues)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("-->", "->")


YOUTUBE_URL = "https://www.youtube.com/watch?v={id}"


def howto100m_items(ids: list[str], captions: dict[str, dict], src: str = "",
                    url_template: str = YOUTUBE_URL) -> tuple[list[FetchItem], list[str]]:
    """(items, ids without captions); each id's URL is `url_template` with ``{id}`` filled in."""
    if "{id}" not in url_template:
        raise ValueError(f"--url-template {url_template!r}: must contain {{id}}")
    items, missing = [], []
    for vid in ids:
        entry = captions.get(vid)
        vtt = captions_to_vtt(entry, f"{src}: {vid}") if entry is not None else None
        if entry is None:
            missing.append(vid)
        items.append(FetchItem(url_template.replace("{id}", vid), vid, source="howto100m", vtt=vtt))
    return items, missing


# ---------------------------------------------------------------------------------------------
# caption edits

_TIMING = re.compile(r"^(\S+)\s+-->\s+(\S+)(.*)$")
_INLINE = re.compile(r"<(\d{1,2}:)?(\d{2}):(\d{2})\.(\d{3})>")


def shift_vtt(text: str, start: float, end: float | None = None) -> str:
    """Captions of a section [start, end) of the video: times minus `start`; cues wholly outside
    dropped, cues across a boundary clipped (inline word times too)."""
    out, block = ["WEBVTT", ""], []
    length = None if end is None else end - start

    def flush() -> None:
        if not block:
            return
        m = _TIMING.match(block[0]) if block else None
        if m:
            a, b = parse_timestamp(m.group(1)) - start, parse_timestamp(m.group(2)) - start
            if b > 0 and (length is None or a < length):
                a, b = max(0.0, a), b if length is None else min(b, length)

                def inline(mm: re.Match) -> str:
                    t = parse_timestamp(mm.group(0)[1:-1]) - start
                    return f"<{vtt_timestamp(min(max(0.0, t), b))}>"

                out.extend([f"{vtt_timestamp(a)} --> {vtt_timestamp(b)}{m.group(3)}",
                            *(_INLINE.sub(inline, ln) for ln in block[1:]), ""])
        block.clear()

    lines = text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines) and not _TIMING.match(lines[i]):  # the header (WEBVTT, Kind:, Language:)
        i += 1
    for ln in lines[i:]:
        if not ln.strip():
            flush()
        elif _TIMING.match(ln):
            flush()
            block.append(ln)
        elif block:
            block.append(ln)
    flush()
    return "\n".join(out)


def srt_to_vtt(text: str) -> str:
    """WebVTT of SubRip text: the numbering lines dropped, ``00:00:01,500`` -> ``00:00:01.500``."""
    out = ["WEBVTT", ""]
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        lines = block.split("\n")
        if lines and lines[0].strip().isdigit():
            lines = lines[1:]
        if lines and "-->" in lines[0]:
            lines[0] = re.sub(r"(\d),(\d{3})", r"\1.\2", lines[0])
            out += lines + [""]
    return "\n".join(out)
