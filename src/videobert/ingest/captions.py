"""WebVTT / SRT / ASS / SBV caption files -> timed words.

Finding: for a video ``NAME.ext`` we look for ``NAME.vtt``, ``NAME.en.vtt``, ``NAME.srt``,
``NAME.en.srt``, ``NAME.ass``, ``NAME.en.ass``, ``NAME.ssa``, ``NAME.en.ssa``, ``NAME.sbv``,
``NAME.en.sbv``, then another English variant as yt-dlp names them (``NAME.en-US.vtt``,
``NAME.en-orig.vtt``, ...; by name), any letter case and Unicode normalization (a video copied
from a Mac has its name decomposed, NFD, its captions made elsewhere composed, NFC), beside it,
then in ``--captions DIR``.

SBV (SubViewer, one of YouTube Studio's caption downloads): cues of a ``H:MM:SS.mmm,H:MM:SS.mmm``
line and the text lines after it, up to an empty line.

ASS / SSA (Advanced SubStation Alpha, what subtitle editors and rippers write): the ``Dialogue:``
lines of the ``[Events]`` section, their fields named by its ``Format:`` line; ``\\N`` breaks a
line, ``{...}`` override tags are dropped, and vector drawings (``{\\p1}``) are not text.

Cleaning: HTML/VTT tags (``<i>``, ``<c>``, inline ``<00:00:01.500>`` timestamps, ``<v Name>``),
ASS overrides (``{\\an8}``) and HTML entities are removed. Cues are ordered by start time
(overlapping cues are kept). YouTube-style rolling captions, where each cue repeats the line
already shown by the previous cue and adds one, are de-duplicated: a line identical to a
line of the previous cue is not emitted again. YouTube's automatic captions also time each
word (``word<00:00:01.234><c> next</c>``): in a file with such inline timestamps, a line that
carries them gives its words their own start times (the line's first word starts with its cue)
and each word an end at its spoken length (`_spoken_ends`: so that silences show as gaps, where
sentences split), never past the next word's start (the line's last word: its cue's end), the repeated
untimed copies of those lines are dropped, and whitespace-only lines belong to the cue body as
WebVTT says (YouTube starts cues with a line holding one space). A cue with a fault of its own (a
malformed timing line, one that ends before it starts, an ASS line short of fields, an SBV block
without a timing) is skipped with one warning per file naming the file, the first bad line and how
many were skipped; the video keeps the file's other cues. A file none of whose cues can be read
raises `CaptionError` naming the file and line, and so does one that is not a caption file at all.
A file that is not UTF-8 is read as Windows-1252 (else Latin-1) with a warning.
"""
from __future__ import annotations

import bisect
import dataclasses
import functools
import html
import logging
import os
import re
import unicodedata
from pathlib import Path

from ..utils.timecode import parse_timestamp
from .sentences import Word, words_from_text

log = logging.getLogger(__name__)


class CaptionError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]
    raw: tuple[str, ...] = dataclasses.field(default=(), compare=False)  # body lines as written (word timings)


CAPTION_EXTS = (".vtt", ".srt", ".ass", ".ssa", ".sbv")
CAPTION_SUFFIXES = tuple(s for ext in CAPTION_EXTS for s in (ext, ".en" + ext))  # in this order; then other English variants
_ENGLISH_VARIANT = re.compile(r"\.en(?:[-_][a-z0-9]+)+\.(?:vtt|srt|ass|ssa|sbv)")  # .en-us.vtt, .en-orig.srt (lower case)
ASS_BREAK = re.compile(r"\\[Nn]|\n")  # ASS line breaks (\N, \n), and real ones
_ASS_DRAWING = re.compile(r"\{[^}]*\\p[1-9]")  # {\p1}: the text that follows is a vector drawing
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")
_INLINE_TS = re.compile(r"<((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})>")  # a word's start in YouTube's automatic captions
MIN_PACE_WORDS = 8  # onset-timed words needed to measure a file's speaking pace (fewer: ends kept as they are)


def find_captions(video_path: str | Path, captions_dir: str | Path | None = None, names: tuple[str, ...] = ()) -> Path | None:
    """The first caption file for the video, or None. `names`: extra base names to try."""
    video_path = Path(video_path)
    bases = dict.fromkeys((video_path.stem, *names))
    dirs = [video_path.parent] + ([Path(captions_dir)] if captions_dir else [])
    for d in dirs:
        exact = [d / f"{base}{suffix}" for base in bases for suffix in CAPTION_SUFFIXES]
        found = next((p for p in exact if p.is_file()), None)
        if found is not None:
            return found
        index, keys = _caption_files(d)  # folded name -> name; the folded names, sorted
        for base in bases:
            low = _folded(base)
            for suffix in CAPTION_SUFFIXES:  # another letter case or normalization: COOK.SRT, cook.VTT
                if low + suffix in index:
                    return d / index[low + suffix]
            variants = [n for n in _names_from(keys, low + ".en") if _ENGLISH_VARIANT.fullmatch(n[len(low):])]
            if variants:
                return d / index[variants[0]]
    return None


def _folded(name: str) -> str:
    """`name` in lower case and composed (NFC): how a caption file is matched to its video."""
    return unicodedata.normalize("NFC", name).lower()


def _caption_files(folder: Path) -> tuple[dict[str, str], tuple[str, ...]]:
    """The caption files (`CAPTION_EXTS`) of `folder`: name by `_folded` name, and the folded names
    sorted. Listed once per folder and change: a folder of 100,000 videos is not listed per video."""
    try:
        return _listing(str(folder), folder.stat().st_mtime_ns)
    except OSError:  # no such folder
        return {}, ()


@functools.lru_cache(maxsize=64)
def _listing(folder: str, mtime_ns: int) -> tuple[dict[str, str], tuple[str, ...]]:
    names: dict[str, str] = {}
    with os.scandir(folder) as it:
        for e in it:
            low = _folded(e.name)
            if low.endswith(CAPTION_EXTS) and e.is_file():
                names[low] = min(names.get(low, e.name), e.name)  # two spellings of one name: the same pick each time
    return names, tuple(sorted(names))


def _names_from(keys: tuple[str, ...], prefix: str) -> list[str]:
    """The names in sorted `keys` that start with `prefix`."""
    i = bisect.bisect_left(keys, prefix)
    out = []
    while i < len(keys) and keys[i].startswith(prefix):
        out.append(keys[i])
        i += 1
    return out


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


def clean_line(line: str) -> str:
    """A caption line's spoken words: tags and entities removed, then what is not speech
    (`spoken`)."""
    return spoken(html.unescape(_TAG.sub("", line)))


# What captions carry besides the words spoken (the paper's text is speech recognition, which has
# none of it): sound and music tags ("[Music]", "[Applause]", YouTube's "[ __ ]" for a bleeped word;
# "(laughs)" as a whole line), sung lyrics between music notes, speaker-change marks (">>") and
# dialogue dashes, and speaker labels in capitals ("JOHN:", ">> NARRATOR:", "MAN 2:").
_BRACKETED = re.compile(r"\[[^\]]*\]")
_LYRICS = re.compile(r"[♪♫]+[^♪♫]*[♪♫]+|[♪♫]+")
_SPEAKER_MARK = re.compile(r"(?:^|\s)>>+(?=\s|$)")
_TURN_START = re.compile(r"^(?:-+\s+)?(?:[A-Z][A-Z0-9'.\-]*(?: [A-Z0-9'.\-]+){0,2}:\s+(?=.*[a-z]))?")
_WHOLE_PAREN = re.compile(r"^\([^()]*\)$")


def spoken(text: str) -> str:
    """`text` without what captions add to the words spoken (the comment above), spaces
    collapsed: ">> JOHN: [Music] now add the salt (slowly)" -> "now add the salt (slowly)";
    "(laughs)" -> "". Parentheses inside a line stay (they may hold speech), and so does a line
    in capitals throughout ("ADD THE SALT: NOW"), where a speaker label cannot be told apart."""
    text = _LYRICS.sub(" ", _BRACKETED.sub(" ", text))
    turns = (_TURN_START.sub("", " ".join(t.split())) for t in _SPEAKER_MARK.split(text))  # each speaker's part
    text = " ".join(" ".join(turns).split())
    return "" if _WHOLE_PAREN.match(text) else text


def _lines(text: str) -> list[str]:
    """A caption file's lines, whatever its line ends (CRLF, CR or LF; no other separator)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def parse_cues(path: str | Path) -> list[Cue]:
    """Parse a .vtt, .srt, .ass, .ssa or .sbv file into cues sorted by (start, end); cues with a
    fault of their own are skipped with a warning (`_skip_bad_cues`)."""
    path = Path(path)
    text = read_caption_text(path)
    if path.suffix.lower() in (".ass", ".ssa") or text.lstrip().startswith("[Script Info]"):
        return _parse_ass(text, path)
    if path.suffix.lower() == ".sbv":
        return _parse_sbv(text, path)
    cues: list[Cue] = []
    bad: list[CaptionError] = []
    lines = _lines(text)
    # Word-timed (YouTube automatic) captions: only an empty line ends a cue, as WebVTT says; other
    # files keep ending cues at whitespace-only lines too (hand-made .srt files have such separators).
    timed = bool(_INLINE_TS.search(text))
    i = 0
    while i < len(lines):
        if "-->" not in lines[i]:
            i += 1
            continue
        left, _, right = lines[i].partition("-->")
        right = right.strip().split(" ")[0]  # drop VTT cue settings (align:start ...)
        times = _cue_times_or_none(left, right, f"{path}:{i + 1}", lines[i], bad)
        i += 1
        body = []
        while i < len(lines) and (lines[i].strip() or (timed and lines[i])) and "-->" not in lines[i]:
            body.append(lines[i])
            i += 1
        if times is not None:
            cues.append(Cue(*times, tuple(b for b in map(clean_line, body) if b), tuple(body)))
    _skip_bad_cues(path, cues, bad)
    if not cues and text.strip() and not text.lstrip().startswith("WEBVTT"):
        raise CaptionError(f"{path}: no cues found (expected 'HH:MM:SS.mmm --> HH:MM:SS.mmm' lines)")
    cues.sort(key=lambda c: (c.start, c.end))
    return cues


def _cue_times(start: str, end: str, where: str, timing: str) -> tuple[float, float]:
    """(start, end) seconds of a cue's timing; `CaptionError` naming `where` (FILE:LINE) and the line."""
    try:
        a, b = parse_timestamp(start), parse_timestamp(end)
    except ValueError:
        raise CaptionError(f"{where}: bad timestamp in cue timing {timing.strip()[:80]!r}") from None
    if b < a:
        raise CaptionError(f"{where}: cue ends before it starts: {timing.strip()[:80]!r}")
    return a, b


def _cue_times_or_none(start: str, end: str, where: str, timing: str,
                       bad: list[CaptionError]) -> tuple[float, float] | None:
    """`_cue_times`, or None with its error appended to `bad` (the cue is skipped)."""
    try:
        return _cue_times(start, end, where, timing)
    except CaptionError as e:
        bad.append(e)
        return None


def _skip_bad_cues(path: Path, cues: list[Cue], bad: list[CaptionError]) -> None:
    """One warning for the cues of `path` skipped for a fault of their own (`bad`, in file order),
    naming the first one's line and their count; when no cue is left, the first fault is raised:
    one bad cue no longer drops a video, a file of nothing but bad cues still fails."""
    if not bad:
        return
    n = len(bad)
    if not cues:
        more = f" (and {n - 1} more bad cue{'s' if n > 2 else ''}; no cue could be read)" if n > 1 else ""
        raise CaptionError(f"{bad[0]}{more}") from None
    log.warning("%s; skipped %d bad cue%s of %d, the video keeps the other %d (fix the file to keep %s)",
                bad[0], n, "s" if n > 1 else "", n + len(cues), len(cues), "them" if n > 1 else "it")


def _parse_ass(text: str, path: Path) -> list[Cue]:
    """The cues of an ASS / SSA file: its [Events] section's ``Dialogue:`` lines (``Comment:``
    lines and drawings are not text), sorted by (start, end)."""
    fields: list[str] | None = None
    section, cues = "", []
    bad: list[CaptionError] = []
    for lineno, line in enumerate(_lines(text), 1):
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line.lower()
            continue
        if section != "[events]" or ":" not in line:
            continue
        kind, _, rest = line.partition(":")
        if kind.lower() == "format":
            fields = [f.strip().lower() for f in rest.split(",")]
            continue
        if kind.lower() != "dialogue":
            continue
        if fields is None or not {"start", "end", "text"} <= set(fields):
            raise CaptionError(f"{path}:{lineno}: a Dialogue line before the [Events] Format line "
                               f"naming Start, End and Text")
        values = rest.split(",", len(fields) - 1)  # the text, last, may hold commas
        if len(values) < len(fields):
            bad.append(CaptionError(f"{path}:{lineno}: {len(values)} fields, the Format line names {len(fields)}"))
            continue
        row = dict(zip(fields, values))
        times = _cue_times_or_none(row["start"], row["end"], f"{path}:{lineno}", line, bad)
        if times is None or _ASS_DRAWING.search(row["text"]):
            continue
        raw = tuple(ASS_BREAK.split(row["text"]))
        cues.append(Cue(*times, tuple(b for b in map(clean_line, raw) if b), raw))
    _skip_bad_cues(path, cues, bad)
    if not cues and fields is None and text.strip():
        raise CaptionError(f"{path}: no [Events] section with a Format line (not an ASS / SSA file?)")
    cues.sort(key=lambda c: (c.start, c.end))
    return cues


_SBV_TIMING = re.compile(r"^\s*(\d+:\d{1,2}:\d{2}\.\d{1,3})\s*,\s*(\d+:\d{1,2}:\d{2}\.\d{1,3})\s*$")


def _parse_sbv(text: str, path: Path) -> list[Cue]:
    """The cues of a SubViewer (.sbv) file, sorted by (start, end)."""
    lines = _lines(text)
    cues, i = [], 0
    bad: list[CaptionError] = []
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        m = _SBV_TIMING.match(lines[i])
        if m is None:  # a block without a timing: skipped with its lines, up to a blank or timing line
            bad.append(CaptionError(f"{path}:{i + 1}: expected a cue timing 'H:MM:SS.mmm,H:MM:SS.mmm', "
                                    f"got {lines[i].strip()[:80]!r}"))
            times = None
        else:
            times = _cue_times_or_none(m.group(1), m.group(2), f"{path}:{i + 1}", lines[i], bad)
        i += 1
        body = []
        while i < len(lines) and lines[i].strip() and not _SBV_TIMING.match(lines[i]):  # a blank line may be missing
            body.append(lines[i])
            i += 1
        if times is not None:
            cues.append(Cue(*times, tuple(b for b in map(clean_line, body) if b), tuple(body)))
    _skip_bad_cues(path, cues, bad)
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


def _timed_line_words(raw: str, start: float, end: float) -> list[Word]:
    """The words of one word-timed line of cue [start, end]: text before the first inline
    timestamp starts at `start`; each timestamp starts the text after it, which lasts until the
    next timestamp (the last until `end`). Times are clamped into the cue and never go back."""
    parts = _INLINE_TS.split(raw)  # [text, time, text, time, text, ...]
    times = [start]
    for ts in parts[1::2]:
        try:
            t = parse_timestamp(ts)
        except ValueError:  # e.g. 00:61:00.000: keep the previous time
            t = times[-1]
        times.append(min(max(t, times[-1]), end))
    words: list[Word] = []
    for k, piece in enumerate(parts[0::2]):
        words.extend(words_from_text(clean_line(piece), times[k], times[k + 1] if k + 1 < len(times) else end))
    return words


def timed_caption_words(cues: list[Cue]) -> list[Word]:
    """Words of YouTube's automatic captions: word-timed lines give their words' own times; an
    untimed line that repeats a line of the previous cue (the rolling copy) is dropped, another
    untimed line (e.g. ``[Music]``) is spread over its cue."""
    words: list[Word] = []
    timed: list[int] = []  # indices of the words that carry their own onset
    prev: tuple[str, ...] = ()
    for c in cues:
        for raw in c.raw:
            if _INLINE_TS.search(raw):
                line_words = _timed_line_words(raw, c.start, c.end)
                timed.extend(range(len(words), len(words) + len(line_words)))
                words.extend(line_words)
            elif (line := clean_line(raw)) and line not in prev:
                words.extend(words_from_text(line, c.start, c.end))
        if c.lines:
            prev = c.lines
    return _spoken_ends(words, timed)


def _spoken_ends(words: list[Word], timed: list[int]) -> list[Word]:
    """End each onset-timed word when it has likely been said: its characters (plus one, the
    transition to the next word) at the file's own pace, the median seconds per character from
    one onset to the next over its timed words, but never after the next word starts. A silence
    between words then is a gap between one word's end and the next one's start, where
    `split_sentences` ends an unpunctuated sentence (at ``sentence_pause``, as for ASR). With
    fewer than `MIN_PACE_WORDS` timed words (a stray inline timestamp) the pace is unknown and
    the ends are kept."""
    spans = sorted((words[i].end - words[i].start) / (len(words[i].text) + 1) for i in timed
                   if words[i].end > words[i].start)
    if len(spans) < MIN_PACE_WORDS:
        return words
    pace = spans[len(spans) // 2]
    out = list(words)
    for i in timed:
        w = words[i]
        out[i] = Word(w.text, w.start, min(w.end, round(w.start + pace * (len(w.text) + 1), 3)))  # ms, as written
    return out


def caption_words(path: str | Path) -> list[Word]:
    return cue_words(parse_cues(path))


def cue_words(cues: list[Cue]) -> list[Word]:
    """Timed words of caption cues (a file's, or a subtitle track's inside a video)."""
    if any(_INLINE_TS.search(r) for c in cues for r in c.raw):
        return timed_caption_words(cues)
    words: list[Word] = []
    for c in dedupe_rolling(cues):
        words.extend(words_from_text(" ".join(c.lines), c.start, c.end))
    return words
