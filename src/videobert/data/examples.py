"""Pretraining examples from a corpus and its visual-token sequences (the paper's section 3).

Per video: each sentence becomes a *segment* = its WordPiece ids + the visual tokens of the
clips overlapping ``[start, end]``; stretches of clips no sentence covers become video-only
segments of (up to) 16 tokens. Each epoch, with a seeded generator:

- neighbouring sentences are randomly concatenated into one longer segment (the paper's
  robustness trick, `concat_prob`, up to `max_concat` sentences);
- video tokens are subsampled at a random rate 1..`subsample_max` (random phase), but never
  below `min_video_tokens` tokens: subsampling a 2-clip sentence at rate 5 would leave one
  token, too little video for the text to be predictable from it;
- a sentence's video window is widened by `context_clips` clips on each side: narration starts
  up to a second before or after the action it describes (docs/learning.md), so the clips
  strictly inside the sentence often miss the action;
- each sentence segment becomes one example of a kind drawn from `kind_mix`: text-only,
  video-only or video-text; every no-speech segment becomes a video-only example;
- a video-text example is one of three *views* of its (text, video) pair:
  * ``ALIGN`` (`align_view_rate` of them): the alignment classifier's input. Text and video
    are shown unmasked; a `negative_rate` fraction pair the text with video from elsewhere
    (label 1): from ANOTHER video, or, with `same_video_negative_rate`, from the same video
    at a non-overlapping time (the paper's "temporally aligned"). A negative's video has as
    many clips as the positive would have, centred on one of the source's segments, so video
    length gives nothing away. Nothing is masked, so "has [MASK] tokens" cannot either.
  * ``T2V`` (`t2v_rate` of the rest): the whole video is masked and predicted from the text,
    which is what text-to-video generation asks of the model.
  * ``MLM`` (the rest): the caption and the video, masked and predicted (always aligned: a
    negative's video says nothing about its text).
  Why the views (docs/learning.md): with most of a short caption masked the ``[CLS]``
  classifier had no text to compare with the video and the alignment loss stayed at ln 2; and
  a model never asked to fill a whole video repeated one visual word in text-to-video.
"""
from __future__ import annotations

import dataclasses
import hashlib
from typing import Sequence

import numpy as np

TEXT, VIDEO, VIDEO_TEXT = 0, 1, 2
KIND_NAMES = ("text", "video", "video_text")
MLM, ALIGN, T2V = 0, 1, 2  # views of a video-text pair (module docstring)
VIEW_NAMES = ("mlm", "align", "t2v")
NEG_OTHER, NEG_SAME = "other_video", "same_video"  # where a negative's video comes from
IGNORE = -100


@dataclasses.dataclass(frozen=True)
class ExampleSpec:
    """How examples are made (a subset of `PretrainConfig`, so the data code stands alone)."""
    max_len: int = 128
    kind_mix: tuple[float, float, float] = (0.0, 1.0, 3.0)  # text, video, video-text (normalized)
    concat_prob: float = 0.3
    max_concat: int = 3
    subsample_max: int = 5
    silent_segment_len: int = 16
    negative_rate: float = 0.5
    min_video_tokens: int = 4
    context_clips: int = 1
    align_view_rate: float = 0.5  # share of video-text pairs shown unmasked to the alignment head
    same_video_negative_rate: float = 0.0  # share of negatives taken from the same video, another time
    t2v_rate: float = 0.2  # share of the other video-text pairs with the whole video masked


@dataclasses.dataclass
class Segment:
    text_ids: list[int] | None  # None: a no-speech (video-only) segment
    lo: int  # first clip (inclusive)
    hi: int  # last clip (exclusive)


@dataclasses.dataclass
class VideoData:
    video_id: str
    tokens: np.ndarray  # (N,) int64 leaf ids, one per clip
    segments: list[Segment]


@dataclasses.dataclass
class Example:
    input_ids: np.ndarray  # (T,) int64, unmasked
    token_type_ids: np.ndarray  # (T,) int64
    kind: int  # TEXT | VIDEO | VIDEO_TEXT
    align_label: int  # 0 aligned, 1 not aligned, IGNORE for single-modality examples
    source: tuple[str, int]  # (video_id, index of the segment the text/video came from)
    video_source: tuple[str, int] | None = None  # where the video tokens came from
    view: int = MLM  # MLM | ALIGN | T2V (video-text examples only)
    negative: str | None = None  # NEG_OTHER | NEG_SAME for negatives


def video_data(rec, tokens: np.ndarray, tokenizer, clip_seconds: float = 1.5, silent_len: int = 16) -> VideoData:
    """Segments of one `VideoRecord` (+ its (N,) visual tokens)."""
    tokens = np.asarray(tokens, dtype=np.int64)
    if len(tokens) != rec.num_clips:
        raise ValueError(f"video {rec.video_id!r}: {len(tokens)} visual tokens but {rec.num_clips} clips in the corpus")
    starts = np.asarray(rec.clip_starts, dtype=np.float64)
    covered = np.zeros(len(tokens), dtype=bool)
    segments: list[Segment] = []
    for s in rec.sentences:
        ids = tokenizer.encode_text(s.text)
        if not ids or not len(tokens):
            continue
        hit = np.nonzero((starts < s.end) & (starts + clip_seconds > s.start))[0]
        lo, hi = (int(hit[0]), int(hit[-1]) + 1) if len(hit) else (rec.clip_index_at(s.start), rec.clip_index_at(s.start) + 1)
        covered[lo:hi] = True
        segments.append(Segment(ids, lo, hi))
    segments.sort(key=lambda g: g.lo)
    # no-speech stretches -> video-only segments of `silent_len` clips
    i = 0
    while i < len(tokens):
        if covered[i]:
            i += 1
            continue
        j = i
        while j < len(tokens) and not covered[j]:
            j += 1
        segments += [Segment(None, a, min(a + silent_len, j)) for a in range(i, j, silent_len)]
        i = j
    return VideoData(rec.video_id, tokens, segments)


def _subsample(tokens: np.ndarray, rng: np.random.Generator, max_rate: int, min_tokens: int = 1) -> np.ndarray:
    # the largest rate that still leaves >= min_tokens tokens (all of them if there are fewer)
    max_rate = max(1, min(max_rate, len(tokens) // max(min_tokens, 1)))
    rate = int(rng.integers(1, max_rate + 1))
    out = tokens[int(rng.integers(0, rate)) :: rate]
    return out if len(out) else tokens[:1]


def _fit(text: list[int], video: np.ndarray | None, max_len: int) -> tuple[list[int], np.ndarray | None]:
    """Truncate so the built sequence fits `max_len`; each modality keeps at least half if it needs it."""
    budget = max_len - (3 if video is not None else 2)
    nv = 0 if video is None else len(video)
    if len(text) + nv <= budget:
        return text, video
    keep_text = min(len(text), max(budget // 2, budget - nv))
    text = text[:keep_text]
    if video is not None:
        video = video[: budget - len(text)]
    return text, video


def make_examples(videos: Sequence[VideoData], tokenizer, spec: ExampleSpec, rng: np.random.Generator) -> list[Example]:
    """One epoch of examples (deterministic given `rng`'s state)."""
    mix = np.asarray(spec.kind_mix, dtype=np.float64)
    mix = mix / mix.sum()
    pool = [(v, k) for v in videos for k in range(len(v.segments))]  # candidate negative videos
    can_negate = len({v.video_id for v in videos}) > 1
    out: list[Example] = []
    for v in videos:
        k = 0
        while k < len(v.segments):
            seg = v.segments[k]
            if seg.text_ids is None:  # no speech: video-only
                vid = _subsample(v.tokens[seg.lo : seg.hi], rng, spec.subsample_max, spec.min_video_tokens)
                out.append(_example(tokenizer, [], vid, VIDEO, IGNORE, (v.video_id, k), spec.max_len))
                k += 1
                continue
            # concatenate this sentence with up to max_concat-1 following sentences
            n = 1
            while (n < spec.max_concat and k + n < len(v.segments) and v.segments[k + n].text_ids is not None
                   and rng.random() < spec.concat_prob):
                n += 1
            group = v.segments[k : k + n]
            text = [t for g in group for t in g.text_ids]
            lo, hi = min(g.lo for g in group), max(g.hi for g in group)
            lo, hi = max(lo - spec.context_clips, 0), min(hi + spec.context_clips, len(v.tokens))
            kind = int(rng.choice(3, p=mix))
            src = (v.video_id, k)
            if kind == TEXT:
                out.append(_example(tokenizer, text, None, TEXT, IGNORE, src, spec.max_len))
            elif kind == VIDEO:
                vid = _subsample(v.tokens[lo:hi], rng, spec.subsample_max, spec.min_video_tokens)
                out.append(_example(tokenizer, [], vid, VIDEO, IGNORE, src, spec.max_len))
            else:
                out.append(_video_text(v, k, text, lo, hi, pool, can_negate, tokenizer, spec, rng))
            k += n
    return out


def _video_text(v: VideoData, k: int, text: list[int], lo: int, hi: int, pool, can_negate: bool, tokenizer,
                spec: ExampleSpec, rng: np.random.Generator) -> Example:
    """One video-text example of segment `k` (clips [lo, hi)), in a view drawn from `spec`."""
    src = (v.video_id, k)
    if rng.random() >= spec.align_view_rate:
        view = T2V if rng.random() < spec.t2v_rate else MLM
        vid = _subsample(v.tokens[lo:hi], rng, spec.subsample_max, spec.min_video_tokens)
        return _example(tokenizer, text, vid, VIDEO_TEXT, IGNORE, src, spec.max_len, src, view)
    label, vsrc, vtok, neg = 0, src, v.tokens[lo:hi], None
    if rng.random() < spec.negative_rate:
        same = same_video_segments(v, lo, hi) if rng.random() < spec.same_video_negative_rate else []
        if same:
            ok = same[int(rng.integers(len(same)))]
            label, vsrc, vtok, neg = 1, (v.video_id, ok), video_window(v, ok, hi - lo), NEG_SAME
        elif can_negate:
            while True:  # a segment of ANOTHER video
                ov, ok = pool[int(rng.integers(len(pool)))]
                if ov.video_id != v.video_id:
                    break
            label, vsrc, vtok, neg = 1, (ov.video_id, ok), video_window(ov, ok, hi - lo), NEG_OTHER
    vid = _subsample(vtok, rng, spec.subsample_max, spec.min_video_tokens)
    return _example(tokenizer, text, vid, VIDEO_TEXT, label, src, spec.max_len, vsrc, ALIGN, neg)


def same_video_segments(v: VideoData, lo: int, hi: int) -> list[int]:
    """Segments of `v` whose clips do not overlap [lo, hi) (candidates for a same-video negative)."""
    return [j for j, g in enumerate(v.segments) if g.hi <= lo or g.lo >= hi]


def video_window(v: VideoData, k: int, length: int) -> np.ndarray:
    """`length` clips of `v` centred on its segment `k` (fewer only if the video is shorter).

    A negative's video has the positive's length: when negatives were the other video's bare
    segment (no context clips, never concatenated, sometimes a 16-clip silent stretch), the
    alignment head could tell pairs apart by how many video tokens came with how much text, and
    it ranked the steps of held-out videos at chance (issue 6 note)."""
    seg = v.segments[k]
    n = len(v.tokens)
    length = min(length, n)
    start = (seg.lo + seg.hi - length) // 2
    start = min(max(start, 0), n - length)
    return v.tokens[start : start + length]


def _example(tokenizer, text, video, kind, label, src, max_len, vsrc=None, view=MLM, negative=None) -> Example:
    text, video = _fit(list(text), video, max_len)
    b = tokenizer.build(text, video)
    return Example(np.asarray(b["input_ids"], dtype=np.int64), np.asarray(b["token_type_ids"], dtype=np.int64),
                   kind, label, src, vsrc if vsrc is not None else (src if video is not None else None), view,
                   negative)


def is_heldout(video_id: str, fraction: float) -> bool:
    """Deterministic held-out membership from a hash of the video id (stable across runs and machines)."""
    h = int.from_bytes(hashlib.sha1(video_id.encode("utf-8")).digest()[:8], "big") / 2**64
    return h < fraction


def split_videos(video_ids: Sequence[str], fraction: float) -> tuple[list[str], list[str]]:
    """(train, held-out). With fraction > 0 and >= 2 videos, at least one video is held out."""
    held = [v for v in video_ids if is_heldout(v, fraction)]
    if fraction > 0 and not held and len(video_ids) >= 2:
        held = [min(video_ids, key=lambda v: hashlib.sha1(v.encode("utf-8")).digest())]
    if len(held) == len(video_ids) and len(video_ids) >= 2:
        held = held[:-1]
    held_set = set(held)  # once: a set per id made this quadratic (17.9 s at 100K videos, docs/scale.md)
    train = [v for v in video_ids if v not in held_set]
    return train, held


def load_videos(corpus, vocab_dir, tokenizer, video_ids: Sequence[str], silent_len: int = 16) -> list[VideoData]:
    """Read the corpus records + visual tokens of `video_ids` into segments (text tokenized once)."""
    from ..vocab import read_tokens

    cfg = corpus.config
    clip_seconds = float(cfg.get("clip_frames", 30)) / float(cfg.get("fps", 20))
    out = []
    for vid in video_ids:
        rec = corpus.read(vid)
        toks = read_tokens(vocab_dir, vid)
        if len(toks) and (toks.min() < 0 or toks.max() >= tokenizer.num_visual):
            raise ValueError(f"{vocab_dir}: tokens of video {vid!r} lie outside [0, {tokenizer.num_visual}); "
                             "the token files do not belong to this vocabulary/model")
        out.append(video_data(rec, toks, tokenizer, clip_seconds, silent_len))
    return out


def text_pieces(corpus, video_ids: Sequence[str], tokenizer) -> list[int]:
    """The sorted distinct text ids of the sentences of `video_ids` (what a masked text piece of
    pretraining can be: the candidates of ``mlm_softmax: corpus``)."""
    seen: set[int] = set()
    for vid in video_ids:
        for s in corpus.read_meta(vid).get("sentences", []):
            seen.update(tokenizer.encode_text(s["text"]))
    if not seen:
        raise ValueError(f"corpus {corpus.root}: no sentence in its {len(video_ids)} pretraining videos, so there is "
                         "no text to predict among (mlm_softmax corpus); use --mlm-softmax modality for video only")
    return sorted(seen)
