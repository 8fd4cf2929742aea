"""The on-disk corpus that `videobert ingest` writes and every later stage reads.

Layout (sharded so that a 300K-video corpus never needs one huge file, and reading one
video touches only that video's files)::

    CORPUS/
      manifest.json              format tag + the resolved IngestConfig that produced it
      failures.json              videos that failed, with reasons (kept across runs until they succeed)
      videos/ab/<video_id>.npy   (num_clips, feature_dim) float16 clip features
      videos/ab/<video_id>.json  metadata: source, duration, clip start times, sentences

``ab`` is the first two hex digits of sha1(video_id) (256 shards). A video id is one plain
file name (`check_video_id`: ASCII letters, digits, ``.``, ``_``, ``-``; no ``..``; at most 201
characters); every path built from an id goes through that check, and a record whose stored
``video_id`` differs from its file name is refused, so an edited ``.json`` cannot steer a
later stage's writes outside the corpus. The ``.npy`` is written
first and the ``.json`` last, both atomically, so the ``.json`` marks a finished video:
a re-run skips exactly the videos whose ``.json`` exists.

Clip timing: frames are resampled onto a 20 fps grid starting at the first frame's
timestamp ``t0``; clip ``i`` covers grid frames ``[30 i, 30 i + 30)`` and starts at
``t0 + i * 3/2`` seconds, computed with `fractions.Fraction` (stored as floats in JSON,
plus ``t0`` as an exact "num/den" string).
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .utils.io import atomic_save_npy, atomic_write_json, read_json

FORMAT = "videobert-corpus/1"


class CorpusError(RuntimeError):
    pass


@dataclasses.dataclass(frozen=True)
class Sentence:
    text: str
    start: float  # seconds
    end: float  # seconds

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclasses.dataclass
class VideoRecord:
    video_id: str
    source: str
    duration: float  # seconds
    clip_starts: np.ndarray  # (N,) float64 seconds
    features: np.ndarray  # (N, D) float16
    sentences: list[Sentence]
    text_source: str = "none"  # e.g. "captions:/path/x.vtt", "asr:pocketsphinx", "annotations", "none"
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def num_clips(self) -> int:
        return int(self.features.shape[0])

    def clip_index_at(self, t: float) -> int:
        """Index of the clip that contains time `t` (clamped to the valid range)."""
        if self.num_clips == 0:
            raise CorpusError(f"video {self.video_id!r} has no clips")
        i = int(np.searchsorted(self.clip_starts, t, side="right")) - 1
        return min(max(i, 0), self.num_clips - 1)


# The file names a folder's videos are found by (ingest) and a download is recognized by (fetch):
# web and desktop containers, and the camcorder / broadcast ones real footage comes in (AVCHD
# .mts/.m2ts, MXF, DVD .vob, DV).
VIDEO_EXTS = frozenset({".mp4", ".m4v", ".mov", ".qt", ".mkv", ".webm", ".avi", ".divx", ".wmv", ".asf", ".flv",
                        ".f4v", ".mpg", ".mpeg", ".m2v", ".ts", ".mts", ".m2ts", ".vob", ".mod", ".tod", ".mxf",
                        ".dv", ".ogv", ".3gp", ".3g2"})
VIDEO_ID_PATTERN = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}")


def is_valid_video_id(video_id: object) -> bool:
    return isinstance(video_id, str) and VIDEO_ID_PATTERN.fullmatch(video_id) is not None and ".." not in video_id


def check_video_id(video_id: object, where: str | os.PathLike | None = None) -> str:
    """`video_id` if it is safe to use as a file name, else `CorpusError`.

    A valid id is 1-201 characters of ASCII letters, digits, ``.``, ``_`` and ``-``, starts with a
    letter, digit, ``_`` or ``-`` and contains no ``..``: never a path, never hidden, never
    ``.``/``..``. Every path built from an id (corpus files, vocabulary token files) checks it
    here first. `where`: the file the id was read from, named in the error.
    """
    if not is_valid_video_id(video_id):
        src = f"{where}: " if where is not None else ""
        raise CorpusError(
            f"{src}invalid video id {video_id!r}: an id must be 1-201 characters of letters, digits, '.', '_' "
            "and '-', not start with '.' and contain no '..' (it names files); "
            + ("re-ingest the video or fix the id in that file" if where is not None else
               "give an id as the corpus lists it (`videobert explore` or the file names in CORPUS/videos/)")
        )
    return video_id


def shard_of(video_id: str) -> str:
    return hashlib.sha1(video_id.encode("utf-8")).hexdigest()[:2]


class Corpus:
    """Reader/writer for a corpus directory. Cheap to construct; reads lazily."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    # ---- manifest -------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    @property
    def failures_path(self) -> Path:
        return self.root / "failures.json"

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    @property
    def manifest(self) -> dict[str, Any]:
        if not self.exists():
            raise CorpusError(
                f"{self.root} is not a videobert corpus (no manifest.json); create one with `videobert ingest`"
            )
        m = read_json(self.manifest_path)
        if m.get("format") != FORMAT:
            raise CorpusError(f"{self.manifest_path}: unknown format {m.get('format')!r}, expected {FORMAT!r}")
        return m

    @property
    def config(self) -> dict[str, Any]:
        """The resolved ingest config (a dict) that produced this corpus."""
        return self.manifest["config"]

    def init(self, config: dict[str, Any], compare_keys: tuple[str, ...] | None = None) -> None:
        """Create the manifest, or check that an existing one was made with a compatible config.

        `compare_keys`: the config fields that change the features (backbone, weights, size...).
        Re-running into an existing corpus with different values is an error, because the
        corpus would mix incompatible features.
        """
        if self.exists():
            old = self.config
            keys = compare_keys if compare_keys is not None else tuple(config)
            diff = {k: (old.get(k), config.get(k)) for k in keys if old.get(k) != config.get(k)}
            if diff and not self.video_ids():  # no features to mix yet (e.g. a run that failed at once)
                atomic_write_json(self.manifest_path, {"format": FORMAT, "config": config})
                return
            if diff:
                raise CorpusError(
                    f"{self.root} was made with a different config; refusing to mix features. "
                    f"Differences (existing, requested): {diff}. Use a new --out directory."
                )
            return
        self.root.mkdir(parents=True, exist_ok=True)
        atomic_write_json(self.manifest_path, {"format": FORMAT, "config": config})

    # ---- per-video files -------------------------------------------------------------
    def _paths(self, video_id: str) -> tuple[Path, Path]:
        check_video_id(video_id)
        d = self.root / "videos" / shard_of(video_id)
        return d / f"{video_id}.npy", d / f"{video_id}.json"

    def has(self, video_id: str) -> bool:
        return self._paths(video_id)[1].is_file()

    def video_ids(self) -> list[str]:
        """Sorted ids of the finished videos (their ``.json`` files). A file whose name is not a
        valid id is refused with an error naming it."""
        vdir = self.root / "videos"
        if not vdir.is_dir():
            return []
        ids = []
        for shard in vdir.iterdir():
            if shard.is_dir():
                for p in shard.glob("*.json"):
                    vid = check_video_id(p.name[: -len(".json")], p)
                    if shard.name != shard_of(vid):
                        raise CorpusError(f"{p}: video {vid!r} belongs in shard {shard_of(vid)!r}, not {shard.name!r}; "
                                          f"move it (and its .npy) to {vdir / shard_of(vid)} or delete it")
                    ids.append(vid)
        return sorted(ids)

    def __len__(self) -> int:
        return len(self.video_ids())

    def __iter__(self) -> Iterator[VideoRecord]:
        for vid in self.video_ids():
            yield self.read(vid)

    def read_meta(self, video_id: str) -> dict[str, Any]:
        """The video's ``.json``; refused (`CorpusError` naming the file) when its ``video_id``
        field is not the id its file name says."""
        _, jpath = self._paths(video_id)
        if not jpath.is_file():
            raise CorpusError(f"video {video_id!r} is not in corpus {self.root}")
        m = read_json(jpath)
        stored = m.get("video_id") if isinstance(m, dict) else None
        if stored != video_id:
            raise CorpusError(
                f"{jpath}: its video_id field {stored!r} does not match its file name {video_id!r}; "
                f"the file was edited or moved: restore it or re-ingest the video"
            )
        return m

    def read(self, video_id: str, mmap: bool = True) -> VideoRecord:
        npath, _ = self._paths(video_id)
        m = self.read_meta(video_id)
        feats = np.load(npath, mmap_mode="r" if mmap else None, allow_pickle=False)
        return VideoRecord(
            video_id=m["video_id"],
            source=m["source"],
            duration=float(m["duration"]),
            clip_starts=np.asarray(m["clip_starts"], dtype=np.float64),
            features=feats,
            sentences=[Sentence(s["text"], float(s["start"]), float(s["end"])) for s in m["sentences"]],
            text_source=m.get("text_source", "none"),
            meta=m.get("meta", {}),
        )

    def write(self, rec: VideoRecord) -> None:
        check_video_id(rec.video_id, rec.source)
        if rec.features.ndim != 2 or rec.features.shape[0] != len(rec.clip_starts):
            raise CorpusError(
                f"video {rec.video_id!r}: features {rec.features.shape} do not match {len(rec.clip_starts)} clip starts"
            )
        npath, jpath = self._paths(rec.video_id)
        atomic_save_npy(npath, np.asarray(rec.features, dtype=np.float16))
        atomic_write_json(
            jpath,
            {
                "video_id": rec.video_id,
                "source": rec.source,
                "duration": rec.duration,
                "num_clips": rec.num_clips,
                "feature_dim": int(rec.features.shape[1]),
                "clip_starts": [float(x) for x in rec.clip_starts],
                "sentences": [s.to_dict() for s in rec.sentences],
                "text_source": rec.text_source,
                "meta": rec.meta,
            },
        )

    # ---- failures --------------------------------------------------------------------
    def failures(self) -> list[dict[str, Any]]:
        return read_json(self.failures_path) if self.failures_path.is_file() else []

    def write_failures(self, failures: list[dict[str, Any]]) -> None:
        atomic_write_json(self.failures_path, failures)
