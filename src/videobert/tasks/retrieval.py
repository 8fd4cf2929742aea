"""Text-to-video retrieval with the alignment head.

Every (caption, segment) pair of the evaluation set is scored with P(aligned) from the
``[CLS]`` classifier on ``[CLS] caption [>] segment tokens [SEP]``; each caption ranks all
segments, and its own segment's rank gives R@1/5/10 and the median rank. This is N^2
forward passes, so `max_segments` caps N (the first N segments in a fixed order).
"""
from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np
import torch

from ..utils.config import Config
from .common import forward_batches, subsample
from .metrics import markdown_table, median_rank, ranks_of_targets, recall_at_k


@dataclasses.dataclass(frozen=True)
class RetrievalConfig(Config):
    max_segments: int = 200
    max_video_tokens: int = 64
    max_text_tokens: int = 48
    batch_size: int = 64

    def validate(self) -> None:
        for name in ("max_segments", "max_video_tokens", "max_text_tokens", "batch_size"):
            if getattr(self, name) < 1:
                self.fail(name, getattr(self, name), "must be >= 1")


def alignment_scores(
    model: Any, captions: Sequence[str], videos: Sequence[Sequence[int]], config: RetrievalConfig = RetrievalConfig()
) -> np.ndarray:
    """P(aligned) of every caption with every video. (num_captions, num_videos)"""
    tok = model.tokenizer
    texts = [tok.encode_text(c)[: config.max_text_tokens] for c in captions]
    vids = [subsample(v, config.max_video_tokens) for v in videos]
    items = [tok.build(t, v) for t in texts for v in vids]  # row-major: caption i, video j
    flat = np.empty(len(items), dtype=np.float64)
    for i0, out in forward_batches(model, items, config.batch_size):
        flat[i0 : i0 + out.align_logits.shape[0]] = torch.softmax(out.align_logits.float(), -1)[:, 0].cpu().numpy()
    return flat.reshape(len(texts), len(vids))


@dataclasses.dataclass(frozen=True)
class RetrievalResult:
    n: int
    r1: float
    r5: float
    r10: float
    median_rank: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def markdown(self) -> str:
        rows = [
            ["VideoBERT alignment head", self.r1, self.r5, self.r10, self.median_rank],
            ["chance", 1 / self.n, min(1.0, 5 / self.n), min(1.0, 10 / self.n), (self.n + 1) / 2],
        ]
        table = markdown_table(["method", "R@1", "R@5", "R@10", "median rank"], rows)
        return f"Text-to-video retrieval among {self.n} segments.\n\n{table}\n"


def evaluate_retrieval(
    model: Any, captions: Sequence[str], videos: Sequence[Sequence[int]], config: RetrievalConfig = RetrievalConfig()
) -> RetrievalResult:
    """`captions[i]` belongs to `videos[i]` (segment token lists)."""
    if len(captions) != len(videos):
        raise ValueError(f"{len(captions)} captions but {len(videos)} segments")
    n = min(len(captions), config.max_segments)
    if n < 2:
        raise ValueError("retrieval needs at least 2 segments")
    scores = alignment_scores(model, captions[:n], videos[:n], config)
    ranks = ranks_of_targets(scores, np.arange(n))
    return RetrievalResult(n, recall_at_k(ranks, 1), recall_at_k(ranks, 5), recall_at_k(ranks, 10), median_rank(ranks))
