"""Ingest: video -> clip features + timed sentences -> corpus.

`ingest_video` is a pure function of (video file, config): it is the unit that the local
process pool and Ray map over. `ingest` runs it over many videos, writes each finished video
to the corpus (the only writer is the driver process), skips videos already in the corpus
(resume), and collects failures with their reasons in ``failures.json``. Video ids: see
`videobert.ingest.inputs` (stable and unique per resolved source file).

Robustness to a killed driver: pool workers exit when the driver dies (Linux: the kernel's
parent-death signal; everywhere: a thread watching the parent pid), and the next run deletes
the atomic-write temp files (``.NAME.XXXXXXXX.tmp``, see `videobert.utils.io`) a kill left in
the corpus. Only one ingest writes a corpus at a time (`utils.lock`): a second one is refused
at once, before it chooses any video id.

Determinism: every featurizing process (the driver with ``workers=1``, each pool or Ray worker
otherwise) runs torch with ``config.threads`` intra-op threads (default 1), because CPU features
change with the thread count (not with the worker count), so a corpus made with ``--workers 1``
and one made with ``--workers 2`` hold bitwise the same features (same machine, same seed).

Within a video, a decode thread fills a small queue with clips while the main thread runs the
backbone, so decoding overlaps inference (PyAV and torch release the GIL). With the backbone in
passes of one clip (a CPU's default), the thread hands over each clip as soon as it is decoded:
handed over in batches of 8, the first batch (12 s of video) was decoded before the backbone
started, so a short video was decoded and featurized one after the other.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import queue
import threading
import time
from contextlib import nullcontext
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np
import torch

from ..corpus import Corpus, Sentence, VideoRecord, is_valid_video_id
from ..utils.device import resolve_device
from ..utils.executors import map_unordered
from ..utils.failures import FailureLog
from ..utils.lazy import require
from ..utils.lock import DirectoryLock
from .annotations import annotation_sentences
from .asr import load_whisper, transcribe
from .backbones import Backbone, create_backbone, create_clip_tokenizer, default_clips_per_pass
from .captions import CaptionError, caption_words, find_captions
from .captions_json import captions_index, captions_json_words
from .config import FEATURE_KEYS, PREDATES, TEXT_KEYS, IngestConfig, text_settings
from .decode import ClipReader, DecodeError, iter_clip_batches
from .inputs import assign_ids, check_inputs_exist, expand_inputs, id_base, moved_away
from .sentences import split_sentences
from .shards import caption_sentence, member_key, origin, sample_text
from .subtitles import embedded_caption_words

log = logging.getLogger(__name__)

_backbones: dict[tuple, Backbone] = {}  # per process: built once, reused for every video


def get_backbone(config: IngestConfig) -> Backbone:
    key = (config.backbone, config.weights, config.size, config.seed, config.frames, config.pool, config.tokenizer,
           resolve_device(config.device))
    if key not in _backbones:
        if config.tokenizer:  # registered by the videobert.vision plugin (the [vision] extra)
            _backbones[key] = create_clip_tokenizer(config.tokenizer, config.device)
        else:
            # pool "mean" is what every backbone does, so only another pooling is passed on (and
            # refused by a backbone without it); frames is None for backbones without the option.
            _backbones[key] = create_backbone(config.backbone, config.weights, config.size, config.device,
                                              seed=config.seed, frames=config.frames,
                                              pool=None if config.pool == "mean" else config.pool)
    return _backbones[key]


def _compare_keys(corpus: Corpus, config: IngestConfig) -> tuple[str, ...]:
    """FEATURE_KEYS, less those an existing manifest predates (no such key) while `config` keeps
    the key's default: such a corpus was made with that default behaviour (e.g. pool="mean")."""
    if not corpus.exists():
        return FEATURE_KEYS
    old = corpus.config
    defaults = {f.name: f.default for f in dataclasses.fields(IngestConfig)} | PREDATES
    return tuple(k for k in FEATURE_KEYS if k in old or getattr(config, k) != defaults[k])


def _autocast(backbone: Backbone, precision: str):
    dev = backbone.device.type
    if dev == "cuda" and precision != "fp32":
        dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(precision)
        if dtype is None:  # auto
            dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.autocast("cuda", dtype=dtype)
    if dev == "cpu" and precision in ("bf16", "fp16"):
        return torch.autocast("cpu", dtype=torch.bfloat16 if precision == "bf16" else torch.float16)
    return nullcontext()


def _threaded(it: Iterator, maxsize: int = 2) -> Iterator:
    """Run iterator `it` in a background thread; re-raise its exception in the consumer."""
    q: queue.Queue = queue.Queue(maxsize)
    stop = threading.Event()
    done = object()

    def work() -> None:
        try:
            for item in it:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        pass
                if stop.is_set():
                    return
            q.put(done)
        except BaseException as e:  # handed to the consumer
            q.put(e)
        finally:
            if hasattr(it, "close"):  # closes the video file when the consumer stopped early
                it.close()

    t = threading.Thread(target=work, daemon=True, name="videobert-decode")
    t.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        t.join()


def extract_features(reader: ClipReader, backbone: Backbone, batch_size: int = 8,
                     precision: str = "auto", clips_per_pass: int = 0) -> tuple[np.ndarray, np.ndarray | None]:
    """(num_clips, feature_dim) float16 features of every clip the reader yields, and, for a
    distilled student tokenizer (a backbone with ``encode``), its (num_clips,) visual tokens.
    The backbone sees at most `clips_per_pass` clips a forward pass (0: a whole batch).

    A clip equal to the clip before it (a frame held for seconds: a still, a long VFR gap) takes
    that clip's feature and token without another forward pass."""
    feats, ids = [], []
    tokenizer = hasattr(backbone, "encode")
    prev = None  # (clip, feature (D,), token) of the previous batch's last clip
    step, queued = _handover(batch_size, clips_per_pass)
    with torch.inference_mode(), _autocast(backbone, precision):
        for batch in _threaded(iter_clip_batches(reader, step), queued):  # (B, T, S, S, 3) uint8
            before = [prev[0] if prev else None, *batch[:-1]]
            new = np.array([b is None or not np.array_equal(c, b) for c, b in zip(batch, before)])  # (B,)
            f_new, t_new = np.zeros((0, backbone.feature_dim), np.float16), np.zeros(0, np.int64)
            if new.any():
                x = backbone.preprocess(torch.from_numpy(batch[new]))
                passes = _passes(backbone.encode if tokenizer else backbone, x, clips_per_pass)
                if tokenizer:
                    emb, tok = (torch.cat(t) for t in zip(*passes))  # (U, D), (U,)
                    t_new = tok.cpu().numpy().astype(np.int64)
                else:
                    emb = torch.cat(passes)  # (U, D)
                f_new = emb.float().cpu().numpy().astype(np.float16)
            rows = np.cumsum(new) - 1  # (B,) row of f_new each clip takes; -1: the previous batch's last clip
            if prev:
                f_new, t_new, rows = np.concatenate([prev[1][None], f_new]), np.append(prev[2], t_new), rows + 1
            feats.append(f_new[rows])
            if tokenizer:
                ids.append(t_new[rows])
            prev = (batch[-1], feats[-1][-1], ids[-1][-1] if tokenizer else 0)
    features = np.concatenate(feats) if feats else np.zeros((0, backbone.feature_dim), np.float16)
    return features, ((np.concatenate(ids) if ids else np.zeros(0, np.int64)) if tokenizer else None)


def _handover(batch_size: int, clips_per_pass: int) -> tuple[int, int]:
    """(clips per item, items queued) from the decode thread. One clip a pass gives the same passes
    whatever the grouping, so each clip is handed over when decoded (up to two batches queued);
    larger passes keep the batches they are cut from (their grouping sets the float rounding)."""
    return (1, 2 * batch_size) if clips_per_pass == 1 else (batch_size, 2)


def _passes(forward, x: torch.Tensor, clips_per_pass: int) -> list:
    """`forward` on `x` (U clips) in passes of at most `clips_per_pass` clips (0: one pass)."""
    step = clips_per_pass or len(x)
    return [forward(x[i:i + step]) for i in range(0, len(x), step)]


def resolved_clips_per_pass(config: IngestConfig) -> int:
    """`config.clips_per_pass`, or with None: on a CPU the backbone's own (`default_clips_per_pass`;
    small passes keep the activations in the caches), on a GPU the whole batch (it wants big ones)."""
    if config.clips_per_pass is not None:
        return config.clips_per_pass
    if config.tokenizer or not str(resolve_device(config.device)).startswith("cpu"):
        return 0
    return default_clips_per_pass(config.backbone)


def video_text(path: str, video_id: str, config: IngestConfig) -> tuple[list[Sentence], str]:
    """Timed sentences from the first source that exists: captions file, the video's own
    subtitle track, a shard sample's subtitles, --captions-json, annotations, the sample's Whisper
    transcript, its .txt caption, ASR (with ``text="asr"``: ASR only; docs/formats.md). A source without any text in it (e.g. a
    0-byte captions file) does not count: the next source is used."""
    sample = sample_text(path) if config.text == "auto" else None  # a video2dataset shard member's text
    stem = member_key(path) or Path(path).stem
    cap = find_captions(path, config.captions_dir, names=(video_id,)) if config.text == "auto" else None
    if cap is not None:
        words = caption_words(cap)
        if words:
            return split_sentences(words, config.sentence_pause, config.sentence_max_words), f"captions:{cap}"
        log.info("%s: no captions in it; using the next text source for %s", cap, path)
    if config.text == "auto":
        embedded = embedded_caption_words(path)  # the video's own subtitle track (yt-dlp --embed-subs)
        if embedded is not None and embedded[0]:
            return (split_sentences(embedded[0], config.sentence_pause, config.sentence_max_words),
                    f"subtitles:{embedded[1]}")
    if sample is not None and sample.subtitles:
        return (split_sentences(sample.subtitles, config.sentence_pause, config.sentence_max_words),
                f"shard:subtitles:{sample.language}")
    if config.captions_json and config.text == "auto":
        words = captions_json_words(config.captions_json, (video_id, stem))
        if words:
            return split_sentences(words, config.sentence_pause, config.sentence_max_words), "captions-json"
    if config.annotations and config.text == "auto":
        # by id, then by file stem (an id made unique with a hash suffix, or made a valid file name)
        for key in dict.fromkeys((video_id, stem)):
            sents = annotation_sentences(config.annotations, key)
            if sents is not None:
                return sents, "annotations"
    if sample is not None and sample.whisper:
        return (split_sentences(sample.whisper, config.sentence_pause, config.sentence_max_words, split_at_pauses=True),
                "shard:whisper")
    if sample is not None and sample.caption:
        return caption_sentence(path, sample), "shard:caption"
    if config.asr != "none":
        words = transcribe(path, config.asr, config.asr_model, config.device, config.sentence_pause)
        return (split_sentences(words, config.sentence_pause, config.sentence_max_words, split_at_pauses=True),
                f"asr:{config.asr}")
    return [], "none"


def ingest_video(
    path: str | os.PathLike, config: IngestConfig, video_id: str | None = None, backbone: Backbone | None = None
) -> VideoRecord:
    """Decode and featurize one video, then read its text. Raises `DecodeError` (with `.kind`) or
    `CaptionError` for a video that cannot be ingested.

    The video is decoded first, so a file that cannot be decoded fails with its decoding reason
    (zero_length, truncated, corrupt...) whatever the text source, and before speech recognition
    spends its time on it. Sentences that start at or after the video's end can meet no clip:
    they are dropped and counted in ``meta["sentences_after_end"]`` (`ingest` warns)."""
    path = str(path)
    video_id = video_id or id_base(Path(path).stem)
    backbone = backbone if backbone is not None else get_backbone(config)
    # Only the frames the backbone reads are converted (a frame backbone: 3 of 30); same features.
    used = backbone.clip_frame_indices(config.clip_frames) if hasattr(backbone, "clip_frame_indices") else None
    reader = ClipReader(path, backbone.input_size, getattr(backbone, "resize", backbone.input_size),
                        config.fps, config.clip_frames, config.min_last_clip_frames, frames=used)
    per_pass = resolved_clips_per_pass(config)
    features, tokens = extract_features(reader, backbone, config.batch_size, config.precision, per_pass)  # (N, D), (N,)
    sentences, text_source = video_text(path, video_id, config)
    end = float(reader.end)  # the player's clock, as sentence times
    after_end = [s for s in sentences if s.start >= end]
    if after_end:
        sentences = [s for s in sentences if s.start < end]
        log.debug("%s: %d sentence(s) start at or after the video's end (%.2f s); dropped", path, len(after_end), end)
    return VideoRecord(
        video_id=video_id,
        source=path,
        duration=float(reader.duration),
        clip_starts=np.array([float(s) for s in reader.clip_starts()], dtype=np.float64),
        features=features,
        sentences=sentences,
        text_source=text_source,
        meta={
            "t0": reader.t0,  # exact Fraction, stored as "num/den"
            "end": reader.end,
            "grid_frames": reader.num_grid_frames,
            "last_clip_frames": reader.last_clip_frames,
            "pretrained": bool(getattr(backbone, "pretrained", False)),
            "features": {**{k: getattr(config, k) for k in FEATURE_KEYS}, "clips_per_pass": per_pass},
            "text": text_settings(config.to_dict()),  # what made the sentences (a resumed run compares)
            **({"sentences_after_end": len(after_end)} if after_end else {}),  # dropped: `_warn_after_end`
            "video": reader.info,
            **({"origin": origin(path)} if member_key(path) is not None else {}),  # shard, key, url, clip span
            **({"student_tokens": tokens.tolist()} if tokens is not None else {}),
        },
    )


# ---- many videos ----------------------------------------------------------------------

@dataclasses.dataclass
class IngestSummary:
    total: int = 0  # videos given
    done: int = 0  # ingested in this run
    skipped: int = 0  # already in the corpus
    failed: int = 0
    clips: int = 0  # clips ingested in this run
    seconds: float = 0.0
    failures: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.done} ingested, {self.skipped} already done, {self.failed} failed of {self.total} videos; "
                f"{self.clips} clips in {self.seconds:.1f} s")


def _featurize_threads(config: IngestConfig, workers: int) -> int:
    """The intra-op torch threads of each featurizing process: ``config.threads``, or with 0 the
    CPUs shared among the `workers` (the behaviour before the field existed)."""
    return config.threads if config.threads else max(1, (os.cpu_count() or 1) // workers)


def _ingest_one(path: str, config: IngestConfig, video_id: str) -> tuple[str, Any]:
    """("ok", VideoRecord) or ("failed", {...}). Config-level problems (ImportError) propagate."""
    if config.threads and torch.get_num_threads() != config.threads:  # e.g. a Ray worker
        torch.set_num_threads(config.threads)
    try:
        return "ok", ingest_video(path, config, video_id)
    except DecodeError as e:
        return "failed", {"video_id": video_id, "path": path, "kind": e.kind, "reason": str(e)}
    except CaptionError as e:
        return "failed", {"video_id": video_id, "path": path, "kind": "bad_captions", "reason": str(e)}
    except (ImportError, MemoryError):
        raise
    except Exception as e:  # unexpected: keep the batch going, but say what happened
        log.debug("video %s failed", path, exc_info=True)
        return "failed", {"video_id": video_id, "path": path, "kind": "error", "reason": f"{type(e).__name__}: {e}"}


def _warn_after_end(rec: VideoRecord) -> None:
    """One warning for a video whose text had sentences that start at or after its end (dropped by
    `ingest_video`), with the likely cause."""
    n = rec.meta.get("sentences_after_end")
    if not n:
        return
    if rec.text_source.startswith("asr:"):
        cause = "its audio track runs longer than its video"
    else:
        cause = "is that text another video's (a caption file of another name), or are its times offset?"
    end = float(Fraction(str(rec.meta.get("end", rec.duration))))
    log.warning("%s: %d sentence(s) of its text (%s) start at or after the video's end (%.2f s) and were dropped, "
                "%d kept: %s", rec.source, n, rec.text_source, end, len(rec.sentences), cause)


def _check_student_vocab(student_dir: str) -> None:
    """Fail before any video is read if the student's teacher vocabulary (which `videobert vocab`
    adopts for a student-tokenized corpus) is missing."""
    from ..utils.io import read_json

    info = read_json(Path(student_dir) / "student.json")
    src = Path(info["vocab"])
    if not (src / "vocab.json").is_file():
        raise FileNotFoundError(f"--tokenizer {student_dir}: its teacher vocabulary {src} is missing "
                                "(the student needs it for the visual words' centroids and exemplars)")


TEMP_MAX_AGE_S = 3600.0  # a temp file this old is stale even while another ingest runs


def _temp_dirs(root: Path) -> list[Path]:
    """The folders of a corpus that ingest writes atomically: the root and the videos' shards
    (CORPUS/vocab belongs to `videobert vocab`, which may be running)."""
    dirs = [root]
    if (root / "videos").is_dir():
        dirs += sorted(d for d in (root / "videos").iterdir() if d.is_dir())
    return [d for d in dirs if d.is_dir()]


def _clean_temp_files(root: Path, max_age_s: float | None = None) -> int:
    """Delete the atomic-write temp files (``.NAME.*.tmp``) a killed run left in the corpus;
    with `max_age_s`, only those not modified for that long. Returns how many were deleted."""
    now, n = time.time(), 0
    for d in _temp_dirs(root):
        for f in d.glob(".*.tmp"):
            try:
                if f.is_file() and (max_age_s is None or now - f.stat().st_mtime > max_age_s):
                    f.unlink()
                    n += 1
            except FileNotFoundError:  # another process finished or removed it meanwhile
                pass
    if n:
        log.info("removed %d temp file(s) left by an interrupted run in %s", n, root)
    return n


class _IngestLock:
    """The corpus' one-writer lock (`utils.lock`, ``CORPUS/.videobert.lock``), taken before the
    corpus is read, so video ids are chosen under it: a second ingest of the corpus is refused at
    once. Holding it, every temp file in the corpus is a killed run's and is removed. A corpus
    folder this run created is removed again if the run stops before writing its manifest."""

    def __init__(self, root: Path):
        self.root, self.created = root, False
        self.lock = DirectoryLock(root, "videobert ingest", hint="ingest into another --out, or run one ingest "
                                  "after the other (they may then share the corpus)")

    def acquire(self) -> None:
        if self.lock.locked:
            return
        self.created = not self.root.exists()
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            self.lock.acquire()
        except BaseException:
            self.release()
            raise
        if self.lock.locked:
            _clean_temp_files(self.root)
        else:  # no lock (read-only corpus, or no fcntl): only temp files surely left by a killed run
            _clean_temp_files(self.root, TEMP_MAX_AGE_S)

    def release(self) -> None:
        self.lock.release()
        if self.created and not (self.root / "manifest.json").exists():
            self.lock.path.unlink(missing_ok=True)
            try:
                self.root.rmdir()
            except OSError:  # not empty: something else is in it now
                pass
            self.created = False


FAILURES_EVERY_S = 2.0  # failures.json is rewritten at most this often during a run, and at its end


def _FailureLog(corpus: Corpus) -> FailureLog:
    """``CORPUS/failures.json`` across runs (`videobert.utils.failures`): an earlier entry leaves once
    its video is in the corpus."""
    def in_corpus(entry: dict) -> bool:
        vid = entry.get("video_id")
        return is_valid_video_id(vid) and corpus.has(vid)

    return FailureLog(corpus.failures_path, in_corpus, FAILURES_EVERY_S, read=corpus.failures,
                      write=corpus.write_failures)


class _StoredSources:
    """video_id -> the source recorded in the corpus for it (None for an id not in the corpus).
    ``texts``: (recorded text settings, text_source) of each video looked up, kept on the way."""

    def __init__(self, corpus: Corpus):
        self.corpus, self.present = corpus, set(corpus.video_ids())
        self.manifest_text = text_settings(corpus.config)
        self.texts: dict[str, tuple[dict, str]] = {}

    def __call__(self, vid: str) -> str | None:
        if vid not in self.present:
            return None
        m = self.corpus.read_meta(vid)
        self.texts[vid] = _recorded_text(m, self.manifest_text)
        return str(m.get("source"))


def _recorded_text(m: dict, manifest_text: dict) -> tuple[dict, str]:
    """(text settings, text_source) a video's metadata `m` records; for a video ingested before they
    were recorded per video, `manifest_text`: the settings of the run that made the corpus."""
    meta = m.get("meta") if isinstance(m.get("meta"), dict) else {}
    recorded = text_settings(meta["text"]) if isinstance(meta.get("text"), dict) else manifest_text
    return recorded, str(m.get("text_source", "none"))


def _show(v: Any) -> str:
    return "unset" if v is None else repr(v)


def _warn_other_text_settings(corpus: Corpus, config: IngestConfig, jobs: list, todo: list,
                              stored: _StoredSources) -> None:
    """One warning when videos already in the corpus (in `jobs`, not in `todo`: skipped by this run)
    were ingested with other text settings than `config`'s: they keep their text; only new videos
    get this run's."""
    new, texts = text_settings(config.to_dict()), stored.texts
    todo_ids = {vid for vid, _ in todo}
    done = [vid for vid, _ in jobs if vid not in todo_ids]
    diffs: dict[str, tuple] = {}  # setting -> (recorded, this run's), from the first video differing in it
    n = no_text = 0
    for vid in done:
        old, source = texts[vid] if vid in texts else _recorded_text(corpus.read_meta(vid), stored.manifest_text)
        d = {k: (old.get(k), new.get(k)) for k in TEXT_KEYS if old.get(k) != new.get(k)}
        if d:
            n += 1
            no_text += source == "none"
            for k, v in d.items():
                diffs.setdefault(k, v)
    if not n:
        return
    what = "; ".join(f"{k}: {_show(a)} -> {_show(b)}" for k, (a, b) in diffs.items())
    none = f", {no_text} of them without any text" if no_text else ""
    log.warning("%d of this run's %d video(s) already in %s were ingested with other text settings "
                "(%s)%s. They keep the text they were ingested with: a finished video is skipped, its text "
                "included; only new videos get this run's. To redo a video's text, delete its record "
                "%s/videos/*/VIDEO_ID.json (the next ingest redoes that video, features included), or ingest "
                "into a new --out.", n, len(done), corpus.root, what, none, corpus.root)


def ingest(
    inputs: Iterable[str | os.PathLike],
    out: str | os.PathLike,
    config: IngestConfig,
    workers: int = 1,
    executor: str = "local",
    progress: bool = True,
) -> IngestSummary:
    """Ingest every input video into the corpus at `out`; returns counts and failures."""
    if executor not in ("local", "ray"):
        raise ValueError(f"--executor must be 'local' or 'ray', got {executor!r}")
    if workers < 1:
        raise ValueError(f"--workers must be >= 1, got {workers}")
    if isinstance(config.threads, bool) or not isinstance(config.threads, int) or config.threads < 0:
        raise ValueError(f"ingest config 'threads' = {config.threads!r}: must be a whole number >= 0 "
                         "(intra-op threads per featurizing process; 0: the CPUs shared among the workers)")
    config.check_paths()  # e.g. a --captions folder that does not exist: before anything is created
    inputs = list(inputs)
    check_inputs_exist(inputs)  # a mistyped path: an error before `out` is made
    t_start = time.time()
    corpus = Corpus(out)
    lock = _IngestLock(corpus.root)
    try:
        lock.acquire()
        return _ingest(inputs, out, corpus, lock, config, workers, executor, progress, t_start)
    finally:
        lock.release()


def _ingest(inputs, out, corpus: Corpus, lock: _IngestLock, config: IngestConfig, workers: int, executor: str,
            progress: bool, t_start: float) -> IngestSummary:
    if config.clips_per_pass is None:  # an existing corpus keeps its own (one pass per batch if it predates them)
        config = dataclasses.replace(config, clips_per_pass=corpus.config.get("clips_per_pass", PREDATES[
            "clips_per_pass"]) if corpus.exists() else resolved_clips_per_pass(config))
    if corpus.exists():  # refuse a run with different feature settings before any work
        corpus.init(config.to_dict(), compare_keys=_compare_keys(corpus, config))
        lock.acquire()  # clean what a killed run left before reading the corpus
    inputs = list(inputs)
    paths = expand_inputs(inputs)
    if not paths:
        raise ValueError(f"no video files in {', '.join(map(str, inputs))}; give video files, folders of them "
                         "or .txt lists of paths")
    stored = _StoredSources(corpus) if corpus.exists() else None
    jobs = assign_ids(paths, stored)
    summary = IngestSummary(total=len(jobs))
    todo = [(vid, p) for vid, p in jobs if not corpus.has(vid)]
    if stored is not None and (moved := moved_away(todo, stored)):
        (path, vid, old), more = moved[0], f" (and {len(moved) - 1} more)" if len(moved) > 1 else ""
        log.warning("%s%s: named like corpus video %r, whose source %s is gone. If the videos were moved, "
                    "ingesting them again puts each in the corpus twice (the held-out split may then hold a "
                    "copy of a training video): to avoid that, stop; the corpus needs nothing from the moved "
                    "files but pictures, which `vocab show`, `explore`, `forecast` and `distill` find with "
                    "--video-dir NEW_FOLDER. Ingesting them as new videos.", path, more, vid, old)
    summary.skipped = len(jobs) - len(todo)
    if summary.skipped:
        log.info("%d of %d videos already in %s; skipping them", summary.skipped, len(jobs), out)
        _warn_other_text_settings(corpus, config, jobs, todo, stored)
    if config.captions_json:  # a bad file fails here, once; the index is kept for the videos read here
        captions_index(config.captions_json)
    if config.asr == "pocketsphinx":  # fail once, up front, rather than once per video
        require("pocketsphinx", "asr", "--asr pocketsphinx")
    if config.asr == "whisper":
        require("faster_whisper", "whisper", "--asr whisper")
        load_whisper(config.asr_model, config.device)  # a bad --asr-model fails here, once (ASRModelError)
    backbone = get_backbone(config) if todo else None  # checks --weights before the manifest is written
    if config.tokenizer:
        _check_student_vocab(config.tokenizer)
    if backbone is not None and not backbone.pretrained:
        log.warning("backbone %s uses %s weights: features are NOT pretrained", config.backbone, config.weights)
    corpus.init(config.to_dict(), compare_keys=_compare_keys(corpus, config))
    lock.acquire()  # a new corpus: held from now on
    if executor == "ray" or workers > 1:
        results = map_unordered(_ingest_one, [(str(p), config, vid) for vid, p in todo], workers, executor,
                                _featurize_threads(config, workers))
    else:  # featurized here, with the threads a worker would use (`_ingest_one`), restored afterwards
        results = (_ingest_one(str(p), config, vid) for vid, p in todo)

    bar = None
    if progress:
        from ..utils.progress import progress as reporter

        bar = reporter(total=len(todo), unit="video", desc="ingest")
    driver_threads = torch.get_num_threads()
    failures = _FailureLog(corpus)
    try:
        for status, value in results:
            if status == "ok":
                corpus.write(value)
                _warn_after_end(value)
                summary.done += 1
                summary.clips += value.num_clips
            else:
                summary.failed += 1
                summary.failures.append(value)
                failures.add(value)  # written in batches (every few seconds), kept in case the run is killed
                log.warning("failed (%s): %s", value["kind"], value["reason"])
            if bar is not None:
                bar.update(1)
                bar.set_postfix(clips_s=f"{summary.clips / max(time.time() - t_start, 1e-9):.1f}", failed=summary.failed)
    finally:
        if bar is not None:
            bar.close()
        if hasattr(results, "close"):
            results.close()
        if torch.get_num_threads() != driver_threads:
            torch.set_num_threads(driver_threads)
        failures.write()
    summary.seconds = time.time() - t_start
    return summary
