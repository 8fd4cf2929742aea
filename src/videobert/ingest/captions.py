"""WebVTT / SRT caption files -> timed words.

Finding: for a video ``NAME.ext`` we look for ``NAME.vtt``, ``NAME.en.vtt``, ``NAME.srt``
beside it, then in ``--captions DIR``.

Cleaning: HTML/VTT tags (``<i>``, ``<c>``, inline ``<00:00:01.500>`` timestamps, ``<v Name>``),
ASS overrides (``{\\an8}``) and HTML entities are removed. Cues are ordered by start time
(overlapping cues are kept). YouTube-style rolling captions, where each cue repeats the line
already shown by the previous cue and adds one, are de-duplicated: a line identical to a
line of the previous cue is not emitted again. A malformed cue timing line raises
`CaptionError` naming the file and line. A file that is not UTF-8 is read as Windows-1252
(else Latin-1) with a warning.
"""
from __future__ import annotations

import dataclasses
import html
import logging
import re
from pathlib import Path

from .sentences import Word, words_from_text

log = logging.getLogger(__name__)


class CaptionError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]


CAPTION_SUFFIXES = (".vtt", ".en.vtt", ".srt")
_TS = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]\d)[.,](\d{1,3})$")
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")


def find_captions(video_path: str | Path, captions_dir: str | Path | None = None, names: tuple[str, ...] = ()) -> Path | None:
    """The first caption file for the video, or None. `names`: extra base names to try."""
    video_path = Path(video_path)
    bases = dict.fromkeys((video_path.stem, *names))
    dirs = [video_path.parent] + ([Path(captions_dir)] if captions_dir else [])
    for d in dirs:
        for base in bases:
            for suffix in CAPTION_SUFFIXES:
                p = d / f"{base}{suffix}"
                if p.is_file():
                    return p
    return None


def read_caption_text(path: Path) -> str:
    """The file's text: UTF-8 (a BOM is dropped); else, with a warning, Windows-1252 (which most
    non-UTF-8 .srt files are), else Latin-1 (which reads any bytes)."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        for encoding in ("cp1252", "latin-1"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            log.warning("%s: not UTF-8 (%s); read as %s (save it as UTF-8 to silence this)", path, e.reason, encoding)
            return text
        raise CaptionError(f"{path}: not UTF-8 text ({e})") from e  # not reached: Latin-1 decodes any bytes


def parse_timestamp(s: str) -> float:
    m = _TS.match(s.strip())
    if not m:
        raise ValueError(s)
    h, mi, sec, frac = m.groups()
    return int(h or 0) * 3600 + int(mi) * 60 + int(sec) + int(frac.ljust(3, "0")) / 1000


def clean_line(line: str) -> str:
    return " ".join(html.unescape(_TAG.sub("", line)).split())


def parse_cues(path: str | Path) -> list[Cue]:
    """Parse a .vtt or .srt file into cues sorted by (start, end)."""
    path = Path(path)
    text = read_caption_text(path)
    cues: list[Cue] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    i = 0
    while i < len(lines):
        if "-->" not in lines[i]:
            i += 1
            continue
        lineno, timing = i + 1, lines[i]
        left, _, right = timing.partition("-->")
        right = right.strip().split(" ")[0]  # drop VTT cue settings (align:start ...)
        try:
            start, end = parse_timestamp(left), parse_timestamp(right)
        except ValueError:
            raise CaptionError(f"{path}:{lineno}: bad timestamp in cue timing {timing.strip()!r}") from None
        if end < start:
            raise CaptionError(f"{path}:{lineno}: cue ends before it starts: {timing.strip()!r}")
        i += 1
        body = []
        while i < len(lines) and lines[i].strip() and "-->" not in lines[i]:
            body.append(clean_line(lines[i]))
            i += 1
        cues.append(Cue(start, end, tuple(b for b in body if b)))
    if not cues and text.strip() and not text.lstrip().startswith("WEBVTT"):
        raise CaptionError(f"{path}: no cues found (expected 'HH:MM:SS.mmm --> HH:MM:SS.mmm' lines)")
    cues.sort(key=lambda c: (c.start, c.end))
    return cues


def dedupe_rolling(cues: list[Cue]) -> list[Cue]:
    """Drop lines that repeat a line of the previous cue (rolling captions, duplicate cues)."""
    out, prev = [], ()
    for c in cues:
        new = tuple(line for line in c.lines if line not in prev)
        if c.lines:
            prev = c.lines
        if new:
            out.append(Cue(c.start, c.end, new))
    return out


def caption_words(path: str | Path) -> list[Word]:
    words: list[Word] = []
    for c in dedupe_rolling(parse_cues(path)):
        words.extend(words_from_text(" ".join(c.lines), c.start, c.end))
    return words
