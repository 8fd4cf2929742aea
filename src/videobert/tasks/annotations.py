"""YouCook II annotations: segments, their clips in a corpus video, verb/noun labels.

The real file looks like ``{"database": {VIDEO_ID: {"subset": "training"|"validation",
"duration": s, "recipe_type": ..., "annotations": [{"id": i, "segment": [s0, s1],
"sentence": "..."}]}}}``. A segment maps to the corpus clips that *overlap* it (clip i
covers ``[clip_starts[i], clip_starts[i] + clip_seconds)``).

Verb / noun labels come from a part-of-speech tagger and dependency parser (`tasks.labels`);
label files (``verbs.txt``, ``nouns.txt``: one label per line, ``#`` comments) are read by
`read_labels`.
"""
from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import Path
from typing import Iterable

import numpy as np

from ..corpus import Corpus
from ..utils.io import read_json

log = logging.getLogger(__name__)

SUBSETS = ("training", "validation", "testing")
FILLERS = frozenset(
    "now then next first firstly finally after afterwards and so lets let's let us we you i "
    "will ll can just also please okay ok".split()
)
STOP_WORDS = frozenset(
    "the a an some of to in into on onto with and or for from it its it's this that these those "
    "all up over out off at by is are be well then again".split()
)


@dataclasses.dataclass(frozen=True)
class Segment:
    video_id: str
    subset: str
    index: int  # the annotation's "id" within its video
    start: float  # seconds
    end: float
    sentence: str


def annotation_file(path: str | Path, what: str = "a YouCook II style annotation JSON file",
                    pattern: str = "*.json") -> Path:
    """`path` when it is a file; else a one-line error saying what was expected and, for a
    directory, which of its files may have been meant (`videobert labels corpus` read a directory)."""
    path = Path(path)
    if path.is_file():
        return path
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such file; expected {what}")
    hint = ""
    if (path / "manifest.json").is_file():
        hint = " (that is a corpus from `videobert ingest`; the annotations are a separate file, e.g. YouCook II's " \
               "youcookii_annotations_trainval.json)"
    candidates = sorted(str(p) for p in path.glob(pattern) if p.name not in CORPUS_FILES)
    if candidates:
        hint += f"; did you mean {' or '.join(candidates[:3])}{' ...' if len(candidates) > 3 else ''}?"
    raise IsADirectoryError(f"expected {what}, got the directory {path}{hint}")


CORPUS_FILES = ("manifest.json", "failures.json")  # JSON files of a corpus itself, never annotations


def load_youcook(path: str | Path, subset: str | None = None) -> list[Segment]:
    """All segments of a YouCook II style annotation file (optionally one subset)."""
    path = annotation_file(path)
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("database"), dict):
        raise ValueError(f"{path}: not a YouCook II annotation file (no 'database' object)")
    out = []
    for vid, entry in data["database"].items():
        sub = entry.get("subset")
        if sub not in SUBSETS:
            raise ValueError(f"{path}: video {vid!r} has subset {sub!r}, expected one of {SUBSETS}")
        if subset is not None and sub != subset:
            continue
        for k, ann in enumerate(entry.get("annotations", [])):
            try:
                s0, s1 = (float(x) for x in ann["segment"])
                sentence = str(ann["sentence"])
            except (KeyError, TypeError, ValueError) as e:
                raise ValueError(f"{path}: video {vid!r} annotation {k}: bad 'segment'/'sentence' ({e})") from e
            if s1 <= s0:
                raise ValueError(f"{path}: video {vid!r} annotation {k}: segment end {s1} <= start {s0}")
            out.append(Segment(vid, sub, int(ann.get("id", k)), s0, s1, sentence))
    return out


def clip_range(clip_starts: np.ndarray, start: float, end: float, clip_seconds: float = 1.5) -> tuple[int, int]:
    """Half-open range [lo, hi) of the clips that overlap [start, end]; lo == hi if none."""
    clip_starts = np.asarray(clip_starts, dtype=np.float64)
    overlaps = np.flatnonzero((clip_starts < end) & (clip_starts + clip_seconds > start))
    if overlaps.size == 0:
        return 0, 0
    return int(overlaps[0]), int(overlaps[-1]) + 1


@dataclasses.dataclass(frozen=True)
class CorpusSegment:
    """A segment located in a corpus video: its clips are ``[lo, hi)``."""

    segment: Segment
    lo: int
    hi: int


def locate_segments(corpus: Corpus, segments: Iterable[Segment]) -> list[CorpusSegment]:
    """Segments whose video is in the corpus and that overlap at least one clip."""
    cfg = corpus.config
    clip_seconds = float(cfg.get("clip_frames", 30)) / float(cfg.get("fps", 20))
    have = set(corpus.video_ids())
    starts: dict[str, np.ndarray] = {}
    out, missing, empty = [], set(), 0
    for seg in segments:
        if seg.video_id not in have:
            missing.add(seg.video_id)
            continue
        if seg.video_id not in starts:
            starts[seg.video_id] = np.asarray(corpus.read_meta(seg.video_id)["clip_starts"], dtype=np.float64)
        lo, hi = clip_range(starts[seg.video_id], seg.start, seg.end, clip_seconds)
        if hi > lo:
            out.append(CorpusSegment(seg, lo, hi))
        else:
            empty += 1
    if missing:
        log.warning("%d annotated videos are not in corpus %s (skipped)", len(missing), corpus.root)
    if empty:
        log.warning("%d segments overlap no clip of their video (skipped)", empty)
    return out


# ---- labels ---------------------------------------------------------------------------
def words(sentence: str) -> list[str]:
    return re.findall(r"[a-z]+(?:'[a-z]+)?", sentence.lower())


def read_labels(path: str | Path) -> list[str]:
    """One label per line (a word or a phrase); blank lines and '#' comments ignored."""
    path = annotation_file(path, "a label file, one label per line (`videobert labels` writes verbs.txt and nouns.txt)",
                           "*.txt")
    labels = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = " ".join(words(line.split("#", 1)[0]))
        if line and line not in labels:
            labels.append(line)
    if len(labels) < 2:
        raise ValueError(f"{path}: need at least 2 labels, found {len(labels)}")
    return labels
