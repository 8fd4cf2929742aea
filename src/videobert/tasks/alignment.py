"""Linguistic-visual alignment on held-out videos: does the `[CLS]` classifier tell a sentence's
own video from someone else's?

For every spoken sentence of the evaluation videos the model reads three pairs, built the way
pretraining builds its alignment view (`videobert.data.examples`), unmasked:

- the positive: the sentence + its own clips (widened by `context_clips` on each side);
- an *other-video* negative: the sentence + as many clips of another evaluation video,
  centred on one of its segments;
- a *same-video* negative: the sentence + as many clips of the same video, centred on a
  segment that does not overlap the sentence's (skipped where the video has none).

A pair is called aligned when P(aligned) > 0.5. Accuracy per negative kind is balanced: the
mean of the accuracy on the positives and on that kind's negatives (chance 0.5), beside the
ROC AUC of P(aligned) between positives and those negatives. Pairs are drawn with a seeded
generator, so a run is reproducible.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np

from ..data import NEG_OTHER, NEG_SAME, VideoData
from ..data.examples import same_video_segments, video_window
from ..utils.config import Config
from .common import forward_batches, subsample
from .metrics import markdown_table

NEGATIVE_KINDS = (NEG_OTHER, NEG_SAME)


@dataclasses.dataclass(frozen=True)
class AlignmentConfig(Config):
    context_clips: int = 1  # as in pretraining (PretrainConfig.context_clips)
    max_video_tokens: int = 64
    max_text_tokens: int = 48
    batch_size: int = 64
    seed: int = 0

    def validate(self) -> None:
        if self.context_clips < 0:
            self.fail("context_clips", self.context_clips, "must be >= 0")
        for name in ("max_video_tokens", "max_text_tokens", "batch_size"):
            if getattr(self, name) < 1:
                self.fail(name, getattr(self, name), "must be >= 1")


@dataclasses.dataclass(frozen=True)
class AlignmentResult:
    positives: int
    positive_accuracy: float  # share of positives called aligned
    negatives: dict[str, int]  # kind -> pairs
    negative_accuracy: dict[str, float]  # kind -> share called not aligned
    balanced_accuracy: dict[str, float]  # kind -> mean of the two accuracies (chance 0.5)
    auc: dict[str, float]  # kind -> ROC AUC of P(aligned), positives vs that kind

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def markdown(self) -> str:
        rows = [[f"{k.replace('_', ' ')} negatives", self.negatives[k], self.negative_accuracy[k],
                 self.balanced_accuracy[k], self.auc[k]] for k in NEGATIVE_KINDS if self.negatives.get(k)]
        rows.append(["chance", "", 0.5, 0.5, 0.5])
        table = markdown_table(["pairs", "n", "negatives rejected", "balanced accuracy", "AUC"], rows)
        return (f"Alignment head on {self.positives} held-out sentence-video pairs "
                f"({self.positive_accuracy:.3f} of them called aligned) and as many negatives per kind.\n\n"
                f"{table}\n")


def alignment_pairs(videos: Sequence[VideoData], config: AlignmentConfig = AlignmentConfig()
                    ) -> list[tuple[list[int], np.ndarray, str | None]]:
    """(text ids, leaf ids, negative kind or None for the positive) for every spoken sentence."""
    rng = np.random.default_rng(config.seed)
    pool = [(v, k) for v in videos for k in range(len(v.segments))]
    pairs = []
    for v in videos:
        for k, seg in enumerate(v.segments):
            if seg.text_ids is None:
                continue
            lo, hi = max(seg.lo - config.context_clips, 0), min(seg.hi + config.context_clips, len(v.tokens))
            pairs.append((seg.text_ids, v.tokens[lo:hi], None))
            others = [(ov, ok) for ov, ok in pool if ov.video_id != v.video_id]
            if others:
                ov, ok = others[int(rng.integers(len(others)))]
                pairs.append((seg.text_ids, video_window(ov, ok, hi - lo), NEG_OTHER))
            same = same_video_segments(v, lo, hi)
            if same:
                pairs.append((seg.text_ids, video_window(v, same[int(rng.integers(len(same)))], hi - lo), NEG_SAME))
    return pairs


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """P(score of a random positive > that of a random negative), ties counted half."""
    if not len(pos) or not len(neg):
        return float("nan")
    diff = np.asarray(pos)[:, None] - np.asarray(neg)[None, :]
    return float((diff > 0).mean() + 0.5 * (diff == 0).mean())


def evaluate_alignment(model: Any, videos: Sequence[VideoData], config: AlignmentConfig = AlignmentConfig()
                       ) -> AlignmentResult:
    import torch

    pairs = alignment_pairs(videos, config)
    if not any(kind is None for *_, kind in pairs):
        raise ValueError("alignment evaluation needs videos with spoken sentences; none were found")
    tok = model.tokenizer
    items = [tok.build(list(t[: config.max_text_tokens]), subsample(v, config.max_video_tokens)) for t, v, _ in pairs]
    p = np.empty(len(items))
    for i0, out in forward_batches(model, items, config.batch_size):
        p[i0 : i0 + out.align_logits.shape[0]] = torch.softmax(out.align_logits.float(), -1)[:, 0].cpu().numpy()
    kinds = np.array([k or "" for *_, k in pairs])
    pos = p[kinds == ""]
    pos_acc = float((pos > 0.5).mean())
    n, neg_acc, bal, aucs = {}, {}, {}, {}
    for k in NEGATIVE_KINDS:
        neg = p[kinds == k]
        n[k] = int(len(neg))
        if len(neg):
            neg_acc[k] = float((neg <= 0.5).mean())
            bal[k] = (pos_acc + neg_acc[k]) / 2
            aucs[k] = auc(pos, neg)
    return AlignmentResult(int(len(pos)), pos_acc, n, neg_acc, bal, aucs)
