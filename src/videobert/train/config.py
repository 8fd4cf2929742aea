"""`PretrainConfig`: every knob of `videobert pretrain`, from a YAML file plus CLI overrides."""
from __future__ import annotations

import dataclasses
import math
import os
from typing import Any, Mapping

from ..data import ExampleSpec, MaskRates
from ..model.init import SIZES
from ..utils.config import Config

AUTO_EPOCHS = 8
# The example and masking fields' defaults live in the data stage's own specs (one place each).
_SPEC, _MASK = ExampleSpec(), MaskRates()
MIN_STEPS = {"scratch": 6000, "pretrained": 1500}
MLM_SOFTMAXES = ("modality", "corpus", "joint")  # what a masked word is scored among (PretrainingObjective)


@dataclasses.dataclass(frozen=True)
class PretrainConfig(Config):
    CHOICES = {"size": tuple(SIZES), "align_pool": ("match", "cls"), "mlm_softmax": MLM_SOFTMAXES}
    # What a run recorded before a field existed was trained with (`check_same_config`, resume).
    PREDATES = {"mlm_softmax": "joint"}
    HELP = {
        "init": "bert-base-uncased | bert-large-uncased | a local BERT dir | minilm | scratch",
        "size": "model size with --init scratch",
        "dropout": "dropout of the encoder; none: keep the init checkpoint's",
        "max_len": "longest example in tokens",
        "batch_size": "examples per process per micro-batch",
        "grad_accum": "micro-batches per optimizer step",
        "lr": "peak learning rate; none: by --init (1e-3 tiny, 5e-4 small and 1e-4 base/large from scratch, 2e-4 minilm, "
              "1e-4 a pretrained BERT-base/large)",
        "warmup_frac": "fraction of the steps with a linear warmup; then linear decay to 0",
        "max_steps": "optimizer steps; 0: set by --epochs, else 8 epochs but at least 6,000 from scratch / 1,500 "
                     "from a pretrained BERT (printed at the start)",
        "epochs": "passes over the corpus (instead of --max-steps); none: the corpus decides",
        "loss_weights": "weights of the text-only, video-only and video-text objectives",
        "bf16": "bfloat16 autocast (CUDA only)",
        "kind_mix": "text-only, video-only, video-text examples per sentence segment",
        "seed": "seed of the weights, the example stream and the masks",
        "device": "auto | cpu | cuda | cuda:N",
        "save_every": "steps between checkpoints",
        "tensorboard": "also log to RUN/tb (needs videobert[tensorboard])",
        "heldout_fraction": "fraction of the videos held out for the held-out losses",
        "mlm_softmax": "what a masked token is predicted among: 'modality', the words of its own modality "
                       "(text or visual); 'corpus', a text piece among the pieces of the pretraining text only "
                       "(the model records them), a visual word among the visual words; or 'joint', the whole "
                       "joint vocabulary (the paper's)",
        "stream_chunk_videos": "with more training videos than N, stream the examples in chunks of N videos "
                               "(memory bounded by a chunk); else build each epoch in memory; 0: always in memory",
    }
    # model
    init: str = "bert-base-uncased"  # hub name | local dir | "minilm" | "scratch"
    size: str = "base"  # with init=scratch: tiny|small|base|large
    dropout: float | None = 0.0  # None: keep the init checkpoint's dropout (docs/learning.md: 0 learns faster)
    max_len: int = _SPEC.max_len
    # Visual-word embeddings = PCA of the k-means centroids with component i scaled by s_i ** this
    # (1: plain PCA, 0: whitened); see model.videobert.centroid_embeddings for the measurements.
    visual_init_power: float = 0.5
    align_pool: str = "match"  # what the alignment head reads: "match" | "cls" (model.videobert.ALIGN_POOLS)
    # A masked position's modality is known (its input is text or video), so its word is predicted
    # among that modality's words only: a visual position's softmax runs over the visual words,
    # not the whole joint vocabulary (docs/learning.md section 9). "joint": the paper's.
    mlm_softmax: str = "modality"
    # optimization
    batch_size: int = 32  # examples per process per micro-batch
    grad_accum: int = 1
    lr: float | None = None  # None: by init and size (`resolved_lr`)
    weight_decay: float = 0.01
    warmup_frac: float = 0.05  # of the total steps; then linear decay to 0
    max_steps: int = 0  # > 0 overrides epochs
    epochs: float | None = None  # None with max_steps 0: the corpus decides (`auto_steps`)
    max_grad_norm: float = 1.0
    loss_weights: tuple[float, float, float] = (1.0, 1.0, 1.0)  # text-only, video-only, video-text
    bf16: bool = True  # autocast on CUDA only
    # examples and masking (defaults: data.ExampleSpec and data.MaskRates)
    kind_mix: tuple[float, float, float] = _SPEC.kind_mix  # text, video, video-text per sentence segment
    concat_prob: float = _SPEC.concat_prob
    max_concat: int = _SPEC.max_concat
    subsample_max: int = _SPEC.subsample_max
    silent_segment_len: int = _SPEC.silent_segment_len
    align_view_rate: float = _SPEC.align_view_rate  # video-text pairs shown unmasked to the alignment head (data.examples)
    negative_rate: float = _SPEC.negative_rate  # of those, pairs with video from elsewhere
    same_video_negative_rate: float = _SPEC.same_video_negative_rate  # of the negatives, video from the same video at another time
    t2v_rate: float = _SPEC.t2v_rate  # of the other video-text pairs, whole video masked (text-to-video)
    min_video_tokens: int = _SPEC.min_video_tokens  # random subsampling never leaves fewer video tokens than this
    context_clips: int = _SPEC.context_clips  # clips added on each side of a sentence's video window
    text_mask_rate: float = _MASK.text_rate
    video_mask_rate: float = _MASK.video_rate
    vt_text_mask_rate: float = _MASK.vt_text_rate  # text masking in video-text examples (docs/learning.md)
    vt_function_mask_rate: float = _MASK.vt_function_rate  # ... of their function words (data.masking.FUNCTION_WORDS)
    bucket_pool: int = 50  # batches per length-sorted pool; 1 = no bucketing
    # More training videos than this: examples streamed in chunks of this many (data.stream; memory
    # bounded by a chunk); fewer: an epoch's examples in memory. 0: always in memory (docs/scale.md).
    stream_chunk_videos: int = 1000
    heldout_fraction: float = 0.1
    # bookkeeping
    log_every: int = 10
    eval_every: int = 200
    eval_batches: int = 20
    save_every: int = 500
    keep_checkpoints: int = 2
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    tensorboard: bool = False

    def validate(self) -> None:
        if self.init == "scratch" and self.size not in SIZES:
            self.fail("size", self.size, f"must be one of {sorted(SIZES)}")
        for f in ("batch_size", "grad_accum", "log_every", "eval_every", "save_every", "keep_checkpoints", "bucket_pool",
                  "max_concat", "subsample_max", "silent_segment_len", "min_video_tokens"):
            if getattr(self, f) < 1:
                self.fail(f, getattr(self, f), "must be >= 1")
        if self.stream_chunk_videos < 0:
            self.fail("stream_chunk_videos", self.stream_chunk_videos, "must be >= 0 (0: in memory)")
        if self.context_clips < 0:
            self.fail("context_clips", self.context_clips, "must be >= 0")
        if not 8 <= self.max_len <= 512:
            self.fail("max_len", self.max_len, "must be in [8, 512] (BERT position embeddings)")
        if self.max_steps < 0:
            self.fail("max_steps", self.max_steps, "must be >= 0 (0: set by epochs, or by the corpus)")
        if self.epochs is not None and not (0 < self.epochs < math.inf):
            self.fail("epochs", self.epochs, "must be a finite number > 0, or null (the corpus decides)")
        for f in ("loss_weights", "kind_mix"):
            v = getattr(self, f)
            if len(v) != 3 or min(v) < 0 or sum(v) <= 0:
                self.fail(f, v, "need 3 non-negative numbers, not all zero")
        for f in ("warmup_frac", "negative_rate", "heldout_fraction"):
            if not 0.0 <= getattr(self, f) < 1.0:
                self.fail(f, getattr(self, f), "must be in [0, 1)")
        for f in ("concat_prob", "align_view_rate", "same_video_negative_rate", "t2v_rate"):
            if not 0.0 <= getattr(self, f) <= 1.0:
                self.fail(f, getattr(self, f), "must be in [0, 1]")
        if self.dropout is not None and not 0 <= self.dropout < 1:
            self.fail("dropout", self.dropout, "must be in [0, 1) or null")
        if self.mlm_softmax not in MLM_SOFTMAXES:
            self.fail("mlm_softmax", self.mlm_softmax, f"must be one of {MLM_SOFTMAXES}")
        if self.align_pool not in ("cls", "match"):
            self.fail("align_pool", self.align_pool, "must be 'match' or 'cls'")
        if not 0.0 <= self.visual_init_power <= 1.0:
            self.fail("visual_init_power", self.visual_init_power, "must be in [0, 1]")
        if self.lr is not None and not 0 < self.lr <= 1:
            self.fail("lr", self.lr, "must be in (0, 1], or null (chosen by init)")
        for f in ("weight_decay", "max_grad_norm"):
            if not 0 <= getattr(self, f) < math.inf:
                self.fail(f, getattr(self, f), "must be a finite number >= 0")
        self.mask_rates  # validates the rates

    @property
    def example_spec(self) -> ExampleSpec:
        return ExampleSpec(self.max_len, tuple(self.kind_mix), self.concat_prob, self.max_concat,
                           self.subsample_max, self.silent_segment_len, self.negative_rate, self.min_video_tokens,
                           self.context_clips, self.align_view_rate, self.same_video_negative_rate, self.t2v_rate)

    @property
    def from_scratch(self) -> bool:
        return self.init == "scratch"

    def resolved_lr(self) -> float:
        """The learning rate: `lr`, else by init. From scratch the tiny model learns with 1e-3 (the
        demo and the held-out corpus), the small one with 5e-4 (at 1e-3 it learned nothing), base
        with 1e-4 (at 2e-4 it learned nothing; large: not measured, as base) (docs/learning.md
        section 11); a pretrained text encoder keeps its knowledge with 2e-4 (minilm, measured)
        and 1e-4 for BERT-base/large (not measured here)."""
        if self.lr is not None:
            return self.lr
        if self.from_scratch:
            return {"tiny": 1e-3, "small": 5e-4}.get(self.size, 1e-4)
        return 2e-4 if self.init == "minilm" else 1e-4

    def auto_steps(self, batches_per_epoch: int) -> int:
        """Training length when neither `max_steps` nor `epochs` is set: `AUTO_EPOCHS` epochs (the
        paper's ~8), but at least `MIN_STEPS` optimizer steps, the length that read the video on
        small corpora (docs/learning.md)."""
        epochs = math.ceil(AUTO_EPOCHS * batches_per_epoch / self.grad_accum)
        return max(MIN_STEPS["scratch" if self.from_scratch else "pretrained"], epochs)

    def resolve(self, batches_per_epoch: int, world: int = 1) -> "PretrainConfig":
        """The config with `lr` and `max_steps` made explicit (what the run records and resumes with)."""
        if self.max_steps:
            steps = self.max_steps
        elif self.epochs is not None:
            steps = max(1, math.ceil(self.epochs * batches_per_epoch / (world * self.grad_accum)))
        else:
            steps = max(1, math.ceil(self.auto_steps(batches_per_epoch) / world))
        return dataclasses.replace(self, lr=self.resolved_lr(), max_steps=steps)

    @property
    def mask_rates(self) -> MaskRates:
        return MaskRates(self.text_mask_rate, self.video_mask_rate, self.vt_text_mask_rate, self.vt_function_mask_rate)


def load_config(path: str | os.PathLike | None = None, overrides: Mapping[str, Any] | None = None) -> PretrainConfig:
    """YAML file (optional) + overrides (None values are ignored) -> validated config."""
    d: dict[str, Any] = {}
    if path is not None:
        import yaml

        try:
            with open(path, "r", encoding="utf-8") as f:
                d = yaml.safe_load(f) or {}
        except UnicodeDecodeError as e:
            raise ValueError(f"--config {path}: not UTF-8 text ({e}); save it as UTF-8 YAML") from None
        except yaml.YAMLError as e:
            where = getattr(e, "problem_mark", None)
            at = f" at line {where.line + 1}, column {where.column + 1}" if where is not None else ""
            problem = getattr(e, "problem", None) or str(e).splitlines()[0]
            raise ValueError(f"--config {path}: not valid YAML{at}: {problem}; fix the file's syntax") from None
        if not isinstance(d, dict):
            raise ValueError(f"{path}: expected a mapping of PretrainConfig fields")
    d.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return PretrainConfig.from_dict(d)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{path or 'pretrain config'}: {e}") from e
