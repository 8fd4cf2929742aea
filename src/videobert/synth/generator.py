"""`videobert synth`: write narrated synthetic kitchen videos with known ground truth.

Output directory::

    OUT/
      synth_0000.mp4 ...       H.264 (yuv420p) video, AAC mono 16 kHz narration when espeak-ng is used
      synth_0000.vtt ...       WebVTT captions, one cue per spoken sentence
      annotations.json         YouCook II format: the steps' true visual intervals, by subset
      ground_truth.json        per video: steps (verb, noun, start, end), narration cues, idle stretches
      verbs.txt, nouns.txt     the label vocabularies, one per line
      heldout_pairs.txt        with held-out pairs (the hard style): "VERB NOUN" per line
      synth_config.json        the resolved SynthConfig (+ whether audio was used)

Every video is a pure function of (config, index): its script and pixels come from random
generators seeded with (seed, index), so videos can be made in any order or in parallel,
and a re-run skips finished videos (mp4 then vtt, each written atomically; the vtt marks
a finished video) and rewrites the ground truth from the scripts alone.

`style` picks one of three looks and narrators (`STYLES`); the first two have the same labels,
annotation sentences and step-timing distribution:

- "kitchen" (default): the corpus the pipeline is tuned on. A plain grey counter, the object
  large and centred in its saturated colour, grey props; the narrator says "now let's cut the
  tomato", "now let me show you how to ..." (2 in 9 steps each), within +-1 s of the step.
- "studio": a held-out corpus for checking that learning transfers to data nobody tuned on.
  A dark patterned backdrop per video (wood, slate or stripes), other colours for every noun
  and prop, a smaller off-centre object with a zoom and offset per video; another narrator
  ("alright time to cut the tomato", "go ahead and ...", "we're going to ... now"; the
  zero-shot template in 1 of 19 steps), other filler talk, 1.5x the narration lag (+-1.5 s at
  the default narration_lag) and the en-gb espeak-ng voice. Its random streams differ from the
  kitchen's, so the same seed does not repeat the kitchen's step sequences.

- "hard": a world hard enough to tell methods apart (docs/reproduction.md). 12 verbs x 20
  nouns (script.HARD_VERBS, HARD_NOUNS; each verb a motion, each noun a look of its own),
  steps drawn from Zipf laws (long tails), 10% of the verb-noun pairs held out of the training
  videos (listed in ``heldout_pairs.txt``; every annotation says ``heldout_pair``; a validation
  video's step is one of them a quarter of the time), narration that names the whole step in
  only 40% of the steps (else the verb alone, the noun alone or nothing), previews of the next
  step, off-topic lines that may name other nouns, 2x the lag, up to two other objects in view,
  a plain or patterned backdrop with zoom, offset and lighting drawn per video. Its split is
  prefix-stable: video i is the same video, in the same subset, in a corpus of any size.
  Each of these is an option usable with any style (`KNOBS`; None: the style's value).

`details` (default on) gives every step a size, a colour and (3 in 4 steps) a destination
that show in the picture; the annotation sentence names them ("cut the big green tomato and
put it in the bowl") and the narrator mentions them part of the time (script.py). The verb and
noun labels are unchanged; `--no-details` writes the plain "VERB the NOUN" corpus, exactly as
before details existed.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..utils.config import Config
from ..utils.io import atomic_write_json, atomic_write_text, read_json
from ..utils.timecode import vtt_timestamp
from .audio import RATE, Narrator, espeak_path
from .render import LOOKS, Scene
from .script import (
    NARRATIONS,
    NOUNS,
    VERBS,
    VOCABULARIES,
    Cue,
    Loose,
    PairSampler,
    Script,
    Step,
    heldout_pairs,
    make_script,
)

log = logging.getLogger(__name__)

# Fields that do not change any video's content: a re-run may change them.
_FREE_FIELDS = ("videos", "val_fraction")

STYLES = ("kitchen", "studio", "hard")  # see the module docstring; render.LOOKS and script.NARRATIONS hold them
# Random streams per style: (script, scene) entries of the seed; the kitchen's are the original 0, 1.
_STREAMS = {"kitchen": (0, 1), "studio": (10, 11), "hard": (20, 21)}
_DETAILS_STREAM = 5  # added to the script's: the details' own generator, so the rest is as without
_EXTRA_STREAM = 7  # added to the scene's: distractors' and lighting's own generator
_RANKS_STREAM, _HELDOUT_STREAM = 98, 99  # per seed (not per video): the Zipf rankings, the held-out pairs

# The options that make a corpus hard, per style (a field left at None takes its style's value).
# "kitchen" and "studio" have them all off: their corpora are exactly what they were before.
KNOBS = ("zipf", "heldout_pairs", "heldout_share", "full_mention", "preview_prob", "offtopic_prob",
         "distractors", "lighting")
STYLE_KNOBS = {
    "kitchen": dict(zipf=0.0, heldout_pairs=0.0, heldout_share=0.0, full_mention=1.0, preview_prob=0.0,
                    offtopic_prob=0.0, distractors=0, lighting=0.0),
    "hard": dict(zipf=1.0, heldout_pairs=0.1, heldout_share=0.25, full_mention=0.4, preview_prob=0.25,
                 offtopic_prob=0.35, distractors=2, lighting=0.25),
}
STYLE_KNOBS["studio"] = STYLE_KNOBS["kitchen"]


@dataclasses.dataclass(frozen=True)
class SynthConfig(Config):
    CHOICES = {"style": STYLES}
    HELP = {
        "videos": "number of videos", "val_fraction": "share of videos in the validation subset",
        "steps_min": "fewest steps per video", "steps_max": "most steps per video",
        "step_seconds": "a step's length, MIN MAX seconds", "idle_prob": "chance of an empty-counter stretch before a step",
        "idle_seconds": "an empty-counter stretch's length, MIN MAX seconds",
        "narration_lag": "a step's sentence starts within +-LAG s of the step (studio: 1.5x)",
        "filler_prob": "chance of filler talk after a step's sentence", "audio": "speak the narration with espeak-ng",
        "crf": "libx264 quality (lower is better)", "style": "look and narrator",
        "details": "sizes, colours and destinations in the picture, the narration and the annotations",
        "zipf": "steps' verbs and nouns drawn with P(rank r) ~ 1/r**ZIPF (0: uniform); none: the style's (hard: 1)",
        "heldout_pairs": "share of the verb-noun pairs never in a training video (listed in heldout_pairs.txt); "
                         "none: the style's (hard: 0.1)",
        "heldout_share": "chance that a validation video's step is a held-out pair; none: the style's (hard: 0.25)",
        "full_mention": "share of steps whose sentence names verb and noun (else the verb alone, the noun alone "
                        "or silence); none: the style's (hard: 0.4)",
        "preview_prob": "chance of a line naming the next step during this one; none: the style's (hard: 0.25)",
        "offtopic_prob": "chance of an off-topic line after a step; none: the style's (hard: 0.35)",
        "distractors": "up to N other objects in view during a step; none: the style's (hard: 2)",
        "lighting": "per-video lighting change (gain, colour cast, offset); none: the style's (hard: 0.25)",
    }
    videos: int = 8
    seed: int = 0
    fps: int = 25
    width: int = 160
    height: int = 120
    val_fraction: float = 0.25
    steps_min: int = 3
    steps_max: int = 6
    step_seconds: tuple[float, float] = (4.5, 9.0)  # a step lasts 3-6 clips of 1.5 s
    idle_prob: float = 0.4  # chance of an empty-counter stretch before a step (not the first)
    idle_seconds: tuple[float, float] = (2.0, 5.0)
    narration_lag: float = 1.0  # a step's sentence starts within +-lag s of the step (studio: 1.5x that)
    filler_prob: float = 0.35  # chance of filler talk ("that looks good") after a step's sentence
    audio: bool = True  # speak the captions with espeak-ng (when it is installed)
    crf: int = 20  # libx264 quality
    style: str = "kitchen"  # look and narrator: one of STYLES
    # steps with a size, a colour and a destination that show in the picture, named in the
    # annotation sentence and mentioned by the narrator (script.py); False: "VERB the NOUN" only
    details: bool = True
    # What makes the "hard" style hard, each usable with any style; None: the style's (STYLE_KNOBS)
    zipf: float | None = None
    heldout_pairs: float | None = None
    heldout_share: float | None = None
    full_mention: float | None = None
    preview_prob: float | None = None
    offtopic_prob: float | None = None
    distractors: int | None = None
    lighting: float | None = None

    def knob(self, name: str):
        """The option's value, or its style's where it is None."""
        v = getattr(self, name)
        return STYLE_KNOBS[self.style][name] if v is None else v

    @property
    def prefix_split(self) -> bool:
        """Whether the split is prefix-stable (`validation_indices`): with held-out pairs a
        video's script depends on its subset, which must then not depend on the number of videos."""
        return self.style == "hard" or self.knob("heldout_pairs") > 0

    def validate(self) -> None:
        if self.style not in STYLES:
            self.fail("style", self.style, f"must be one of {STYLES}")
        if self.videos < 1:
            self.fail("videos", self.videos, "must be >= 1")
        if not 1 <= self.fps <= 60:
            self.fail("fps", self.fps, "must be in [1, 60] (24-30 is typical)")
        for name in ("width", "height"):
            v = getattr(self, name)
            if v < 32 or v % 2:
                self.fail(name, v, "must be an even number >= 32 (H.264 yuv420p)")
        if not 0.0 <= self.val_fraction < 1.0:
            self.fail("val_fraction", self.val_fraction, "must be in [0, 1)")
        if not 1 <= self.steps_min <= self.steps_max:
            self.fail("steps_max", self.steps_max, f"need 1 <= steps_min ({self.steps_min}) <= steps_max")
        for name in ("step_seconds", "idle_seconds"):
            lo, hi = getattr(self, name)
            if not 0 < lo <= hi:
                self.fail(name, (lo, hi), "need 0 < min <= max seconds")
        for name in ("idle_prob", "filler_prob"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                self.fail(name, getattr(self, name), "must be a probability in [0, 1]")
        if self.narration_lag < 0:
            self.fail("narration_lag", self.narration_lag, "must be >= 0")
        if not 0 <= self.crf <= 51:
            self.fail("crf", self.crf, "must be in [0, 51]")
        if self.style not in STYLE_KNOBS:
            return
        if not 0 <= self.knob("zipf") <= 4:
            self.fail("zipf", self.zipf, "must be in [0, 4] (0: uniform, 1: Zipf's law)")
        if not 0 <= self.knob("heldout_pairs") <= 0.5:
            self.fail("heldout_pairs", self.heldout_pairs, "must be in [0, 0.5] (every verb and noun keeps half its pairs)")
        for name in ("heldout_share", "full_mention", "preview_prob", "offtopic_prob"):
            if not 0.0 <= self.knob(name) <= 1.0:
                self.fail(name, getattr(self, name), "must be a probability in [0, 1]")
        if not 0 <= self.knob("distractors") <= 4:
            self.fail("distractors", self.distractors, "must be in [0, 4] (free slots at the frame's edges)")
        if not 0 <= self.knob("lighting") <= 0.5:
            self.fail("lighting", self.lighting, "must be in [0, 0.5]")


@dataclasses.dataclass(frozen=True)
class SynthVideo:
    video_id: str
    subset: str  # "training" | "validation"
    duration: float
    steps: tuple[Step, ...]
    cues: tuple[Cue, ...]  # the narration, as in the .vtt
    idles: tuple[tuple[float, float], ...]


@dataclasses.dataclass(frozen=True)
class SynthResult:
    out_dir: Path
    config: SynthConfig
    audio: bool  # whether the mp4s carry narration audio
    videos: tuple[SynthVideo, ...]
    verbs: tuple[str, ...] = VERBS
    nouns: tuple[str, ...] = NOUNS
    heldout_pairs: tuple[tuple[str, str], ...] = ()  # (verb, noun) pairs only in validation videos

    def video_path(self, video_id: str) -> Path:
        return self.out_dir / f"{video_id}.mp4"

    def captions_path(self, video_id: str) -> Path:
        return self.out_dir / f"{video_id}.vtt"

    @property
    def annotations_path(self) -> Path:
        return self.out_dir / "annotations.json"


def video_id(index: int) -> str:
    return f"synth_{index:04d}"


def vocabulary(config: SynthConfig) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The style's verbs and nouns (the zero-shot labels)."""
    return VOCABULARIES[config.style]


def heldout_pairs_for(config: SynthConfig) -> tuple[tuple[str, str], ...]:
    """The (verb, noun) pairs held out of the training videos: a function of the seed and the style."""
    share = config.knob("heldout_pairs")
    if share <= 0:
        return ()
    verbs, nouns = vocabulary(config)
    return heldout_pairs(verbs, nouns, share, np.random.default_rng([config.seed, _HELDOUT_STREAM, _STREAMS[config.style][0]]))


def script_for(config: SynthConfig, index: int) -> Script:
    stream = _STREAMS[config.style][0]
    rng = np.random.default_rng([config.seed, index, stream])
    details = np.random.default_rng([config.seed, index, stream + _DETAILS_STREAM]) if config.details else None
    pairs = None
    verbs, nouns = vocabulary(config)
    held = heldout_pairs_for(config)
    if config.knob("zipf") > 0 or held or (verbs, nouns) != (VERBS, NOUNS):
        ranks = np.random.default_rng([config.seed, _RANKS_STREAM, stream])
        pairs = PairSampler(verbs, nouns, config.knob("zipf"), ranks, held, bool(held) and is_validation(config, index),
                            config.knob("heldout_share"))
    loose = Loose(config.knob("full_mention"), config.knob("preview_prob"), config.knob("offtopic_prob"))
    return make_script(rng, config.fps, config.steps_min, config.steps_max, config.step_seconds,
                       config.idle_prob, config.idle_seconds, config.narration_lag, config.filler_prob,
                       NARRATIONS[config.style], details, LOOKS[config.style].colour_names(), pairs, loose)


def scene_for(config: SynthConfig, index: int) -> Scene:
    """The video's renderer, in the config's style, with its own seeded generator."""
    rng = np.random.default_rng([config.seed, index, _STREAMS[config.style][1]])
    extra = np.random.default_rng([config.seed, index, _STREAMS[config.style][1] + _EXTRA_STREAM])
    return Scene(config.width, config.height, config.fps, rng, LOOKS[config.style], extra,
                 config.knob("distractors"), config.knob("lighting"))


def is_validation(config: SynthConfig, index: int) -> bool:
    if config.prefix_split:
        return _in_prefix_validation(config, index)
    return index in validation_indices(config)


def _in_prefix_validation(config: SynthConfig, index: int) -> bool:
    """Video i is in validation when floor((i + 1) * f + u) > floor(i * f + u), u a seeded offset
    in [0, 1): f of every 1/f videos, and the same for video i whatever the number of videos,
    so that a corpus of 4N videos holds the N-video corpus unchanged."""
    f = config.val_fraction
    u = float(np.random.default_rng([config.seed, 2, _STREAMS[config.style][0]]).random())
    return bool(np.floor((index + 1) * f + u) > np.floor(index * f + u))


def validation_indices(config: SynthConfig) -> set[int]:
    """Deterministic split by video: the round(videos * val_fraction) videos with the smallest
    seeded draw (at least one of each subset when val_fraction > 0 and there are >= 2 videos).
    With a prefix-stable split (the hard style, or held-out pairs): `_prefix_validation`."""
    if config.prefix_split:
        return {i for i in range(config.videos) if _in_prefix_validation(config, i)}
    n = config.videos
    k = round(n * config.val_fraction)
    if config.val_fraction > 0 and n >= 2:
        k = min(max(k, 1), n - 1)
    draws = [np.random.default_rng([config.seed, i, 2]).random() for i in range(n)]
    return set(int(i) for i in np.argsort(draws, kind="stable")[:k])


def generate(out_dir: str | os.PathLike, config: SynthConfig, workers: int = 1, progress: bool = False) -> SynthResult:
    """Write `config.videos` narrated videos, their captions and ground truth into `out_dir`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    exe = espeak_path() if config.audio else None
    audio = exe is not None
    if not config.audio:
        log.info("narration audio off (--no-audio): videos have no audio stream")
    elif not audio:
        log.warning("espeak-ng is not on PATH: videos have no audio stream (captions only); "
                    "install it (e.g. apt-get install espeak-ng) for spoken narration")
    _check_resume(out, config, audio)
    atomic_write_json(out / "synth_config.json", {"type": "SynthConfig", **config.to_dict(), "audio_used": audio})

    todo = [i for i in range(config.videos)
            if not ((out / f"{video_id(i)}.vtt").is_file() and (out / f"{video_id(i)}.mp4").is_file())]
    log.info("synth: %d videos (%d already done) in %s", config.videos, config.videos - len(todo), out)
    bar = None
    if progress:
        from ..utils.progress import progress as reporter

        bar = reporter(total=len(todo), desc="synth", unit="video")
    if workers > 1 and len(todo) > 1:
        with ProcessPoolExecutor(workers) as pool:
            for _ in pool.map(_make_video, [out] * len(todo), [config] * len(todo), todo, [exe] * len(todo)):
                if bar:
                    bar.update()
    else:
        for i in todo:
            _make_video(out, config, i, exe)
            if bar:
                bar.update()
    if bar:
        bar.close()

    val = validation_indices(config)
    videos = []
    for i in range(config.videos):
        s = script_for(config, i)
        videos.append(SynthVideo(video_id(i), "validation" if i in val else "training", s.duration, s.steps, s.cues, s.idles))
    verbs, nouns = vocabulary(config)
    result = SynthResult(out, config, audio, tuple(videos), verbs, nouns, heldout_pairs_for(config))
    _write_ground_truth(result)
    return result


def _check_resume(out: Path, config: SynthConfig, audio: bool) -> None:
    path = out / "synth_config.json"
    if not path.is_file():
        return
    old = read_json(path)
    old.setdefault("style", "kitchen")  # written before styles existed: all kitchen
    old.setdefault("details", False)  # written before details existed: plain steps
    new = {**config.to_dict(), "audio_used": audio}
    free = ("videos",) if config.prefix_split else _FREE_FIELDS  # there the split shapes the scripts
    diff = {k: (old.get(k), v) for k, v in new.items() if k not in free and old.get(k) != v}
    if diff:
        raise ValueError(f"{out} holds videos made with a different synth config; differences "
                         f"(existing, requested): {diff}. Use a new output directory.")


def _make_video(out: Path, config: SynthConfig, index: int, espeak: str | None) -> None:
    vid = video_id(index)
    script = script_for(config, index)
    scene = scene_for(config, index)
    track = _narrator(espeak, NARRATIONS[config.style].voice).track(script.cues, script.duration) if espeak else None
    _write_mp4(out / f"{vid}.mp4", _frames(scene, script, config.fps), config, track)
    atomic_write_text(out / f"{vid}.vtt", to_vtt(script.cues))


_NARRATORS: dict[tuple[str, str], Narrator] = {}  # one per process and voice: its cache of spoken sentences


def _narrator(exe: str, voice: str) -> Narrator:
    if (exe, voice) not in _NARRATORS:
        _NARRATORS[exe, voice] = Narrator(exe, voice)
    return _NARRATORS[exe, voice]


def _frames(scene: Scene, script: Script, fps: int):
    """All frames of the video in order: idle stretches and steps tile [0, duration)."""
    parts = [(a, b, None) for a, b in script.idles] + [(s.start, s.end, s) for s in script.steps]
    for a, b, step in sorted(parts, key=lambda p: p[0]):
        n = round(b * fps) - round(a * fps)
        yield from (scene.idle(n) if step is None else
                    scene.step(step.verb, step.noun, n, step.size, step.colour, step.dest))


def _write_mp4(path: Path, frames, config: SynthConfig, track: np.ndarray | None) -> None:
    """Encode to a temp file in the same directory, then rename (atomic, like utils.io)."""
    import av

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        with av.open(tmp, "w", format="mp4") as c:
            vs = c.add_stream("libx264", rate=config.fps)
            vs.width, vs.height, vs.pix_fmt = config.width, config.height, "yuv420p"
            # one thread: x264 output is then a function of the input alone (reproducible bytes)
            vs.options = {"crf": str(config.crf), "preset": "veryfast", "threads": "1", "g": str(2 * config.fps)}
            streams = [vs]
            if track is not None:
                aus = c.add_stream("aac", rate=RATE, layout="mono")
                aus.bit_rate = 32000  # plenty for synthetic speech; the default 128k would dwarf the video
                streams.append(aus)
            for i, f in enumerate(frames):
                if config.height % 4 == 0:  # PyAV's planar layout needs whole rows of chroma
                    frame = av.VideoFrame.from_ndarray(rgb_to_yuv420p(f), format="yuv420p")
                else:
                    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")
                frame.pts, frame.time_base = i, Fraction(1, config.fps)
                c.mux(vs.encode(frame))
            c.mux(vs.encode())
            if track is not None:
                for a in range(0, len(track), 1024):
                    af = av.AudioFrame.from_ndarray(track[None, a:a + 1024], format="fltp", layout="mono")
                    af.sample_rate, af.pts, af.time_base = RATE, a, Fraction(1, RATE)
                    c.mux(aus.encode(af))
                c.mux(aus.encode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def rgb_to_yuv420p(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB -> (3H/2, W) uint8 planar yuv420p (BT.601, limited range, integer maths).

    Converted here rather than by the encoder's swscale, whose SIMD paths depend on where the
    frame happens to sit in memory: handed RGB, the same video now and then came out a few
    pixel levels apart (and as other bytes) from one run to the next in one process. Needs a
    height divisible by 4 (PyAV's planar layout); other heights go through swscale.
    """
    h, w = rgb.shape[:2]
    # uint16 throughout (3.5x faster than int32 here): every intermediate lies in [0, 61456].
    # u and v add 128 * 256 before the shift instead of 128 after it (the same floor), so no term
    # goes negative; the results lie in [16, 240], so nothing needs clipping.
    x = rgb.astype(np.uint16)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    out = np.empty((h * 3 // 2, w), np.uint8)
    out[:h] = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16
    # chroma of each 2x2 block, from the block's mean colour (rounded)
    s = x[0::2, 0::2] + x[1::2, 0::2] + x[0::2, 1::2] + x[1::2, 1::2]  # (H/2, W/2, 3)
    s += 2
    s >>= 2
    rb, gb, bb = s[..., 0], s[..., 1], s[..., 2]
    out[h:h + h // 4] = ((112 * bb + 32896 - 38 * rb - 74 * gb) >> 8).reshape(h // 4, w)
    out[h + h // 4:] = ((112 * rb + 32896 - 94 * gb - 18 * bb) >> 8).reshape(h // 4, w)
    return out


def to_vtt(cues) -> str:
    """WebVTT, one cue per sentence, each ending with a period (a sentence boundary for ingest)."""
    blocks = ["WEBVTT\n"]
    for k, c in enumerate(cues, 1):
        blocks.append(f"{k}\n{vtt_timestamp(c.start)} --> {vtt_timestamp(c.end)}\n{c.text}.\n")
    return "\n".join(blocks)


def _write_ground_truth(r: SynthResult) -> None:
    out = r.out_dir
    atomic_write_text(out / "verbs.txt", "\n".join(r.verbs) + "\n")
    atomic_write_text(out / "nouns.txt", "\n".join(r.nouns) + "\n")
    held = set(r.heldout_pairs)

    def annotation(j: int, s: Step) -> dict:
        a = {"id": j, "segment": [s.start, s.end], "sentence": s.sentence}
        if held:  # with held-out pairs, each step says whether it is one (only in validation videos)
            a["heldout_pair"] = (s.verb, s.noun) in held
        return a

    if held:
        atomic_write_text(out / HELDOUT_FILE, "".join(f"{v} {n}\n" for v, n in r.heldout_pairs))
    atomic_write_json(out / "annotations.json", {"database": {
        v.video_id: {
            "subset": v.subset, "duration": v.duration, "recipe_type": "synthetic",
            "annotations": [annotation(j, s) for j, s in enumerate(v.steps)],
        } for v in r.videos}})
    atomic_write_json(out / "ground_truth.json", {"audio": r.audio, "videos": [{
        "video_id": v.video_id, "subset": v.subset, "duration": v.duration,
        "steps": [dataclasses.asdict(s) for s in v.steps],
        "narration": [dataclasses.asdict(c) for c in v.cues],
        "idle": [list(x) for x in v.idles],
    } for v in r.videos]})


def load_ground_truth(out_dir: str | os.PathLike) -> SynthResult:
    """Read back what `generate` wrote (for evaluation against the known steps)."""
    out = Path(out_dir)
    path = out / "ground_truth.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: {out} is not a `videobert synth` output directory")
    cfg = read_json(out / "synth_config.json")
    cfg.pop("audio_used", None)
    gt = read_json(path)
    videos = tuple(SynthVideo(
        v["video_id"], v["subset"], float(v["duration"]),
        tuple(Step(**s) for s in v["steps"]), tuple(Cue(**c) for c in v["narration"]),
        tuple(tuple(x) for x in v["idle"]),
    ) for v in gt["videos"])
    verbs = tuple((out / "verbs.txt").read_text().split())
    nouns = tuple((out / "nouns.txt").read_text().split())
    return SynthResult(out, SynthConfig.from_dict(cfg), bool(gt["audio"]), videos, verbs, nouns,
                       read_heldout_pairs(out / HELDOUT_FILE) if (out / HELDOUT_FILE).is_file() else ())


HELDOUT_FILE = "heldout_pairs.txt"


def read_heldout_pairs(path: str | os.PathLike) -> tuple[tuple[str, str], ...]:
    """The (verb, noun) pairs of a `heldout_pairs.txt` ("VERB NOUN" per line)."""
    pairs = []
    for k, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2:
            raise ValueError(f"{path}:{k}: expected 'VERB NOUN', got {line!r}")
        pairs.append((parts[0], parts[1]))
    return tuple(pairs)
