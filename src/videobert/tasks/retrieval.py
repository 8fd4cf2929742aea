"""Text-to-video retrieval: every caption ranks every segment of the evaluation set.

Two scorers of a (caption, segment) pair, both reading ``[CLS] caption [>] segment tokens [SEP]``:

- ``mlm`` (default): the caption's pseudo-log-likelihood given the video, the sum over its
  WordPieces of log P(piece | video, the other pieces) with that piece masked (one forward pass
  per piece). It asks the masked-language head, which zero-shot classification shows reads
  the video, how well the video explains the words.
- ``alignment``: P(aligned) from the ``[CLS]`` classifier (one pass per pair). Measured on the
  demo (issue 6 note): at chance (median rank 35-38 of 75) while ``mlm`` reached median rank 10.

The caption's own segment's rank gives R@1/5/10 and the median rank. Cost is N^2 pairs (times
the caption length for ``mlm``), so `max_segments` caps N (the first N in a fixed order).
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any, Sequence

import numpy as np
import torch

from ..utils.config import Config
from .common import (
    SPECIAL_TOKENS,
    check_fits,
    forward_batches,
    mlm_logits_at,
    model_device,
    pad_batch,
    subsample,
    text_log_probs,
)
from .metrics import markdown_table, median_rank, ranks_of_targets, recall_at_k

log = logging.getLogger(__name__)


SCORERS = ("mlm", "alignment")


@dataclasses.dataclass(frozen=True)
class RetrievalConfig(Config):
    CHOICES = {"scorer": ("mlm", "alignment")}
    HELP = {"scorer": "mlm: caption likelihood given the video; alignment: the [CLS] alignment head",
            "max_segments": "rank among at most this many segments (N^2 pairs)"}
    scorer: str = "mlm"  # mlm | alignment (see the module docstring)
    max_segments: int = 200
    max_video_tokens: int = 64
    max_text_tokens: int = 48
    batch_size: int = 64

    def validate(self) -> None:
        if self.scorer not in SCORERS:
            self.fail("scorer", self.scorer, f"must be one of {SCORERS}")
        for name in ("max_segments", "max_video_tokens", "max_text_tokens", "batch_size"):
            if getattr(self, name) < 1:
                self.fail(name, getattr(self, name), "must be >= 1")


def _inputs(tok: Any, captions: Sequence[str], videos: Sequence[Sequence[int]],
            config: RetrievalConfig) -> tuple[list[list[int]], list[list[int]]]:
    """Captions as WordPiece ids and segments as visual ids, each cut to the config's length."""
    return ([tok.encode_text(c)[: config.max_text_tokens] for c in captions],
            [subsample(v, config.max_video_tokens) for v in videos])


def alignment_scores(
    model: Any, captions: Sequence[str], videos: Sequence[Sequence[int]], config: RetrievalConfig = RetrievalConfig()
) -> np.ndarray:
    """P(aligned) of every caption with every video. (num_captions, num_videos)"""
    tok = model.tokenizer
    texts, vids = _inputs(tok, captions, videos, config)
    items = [tok.build(t, v) for t in texts for v in vids]  # row-major: caption i, video j
    flat = np.empty(len(items), dtype=np.float64)
    for i0, out in forward_batches(model, items, config.batch_size):
        flat[i0 : i0 + out.align_logits.shape[0]] = torch.softmax(out.align_logits.float(), -1)[:, 0].cpu().numpy()
    return flat.reshape(len(texts), len(vids))


def mlm_scores(
    model: Any, captions: Sequence[str], videos: Sequence[Sequence[int]], config: RetrievalConfig = RetrievalConfig()
) -> np.ndarray:
    """Pseudo-log-likelihood of every caption given every video. (num_captions, num_videos)"""
    tok = model.tokenizer
    texts, vids = _inputs(tok, captions, videos, config)
    if texts and vids:
        check_fits(model, max(map(len, texts)) + max(map(len, vids)) + SPECIAL_TOKENS, "retrieval input",
                   "lower max_text_tokens / max_video_tokens (--max-text-tokens, --max-video-tokens)")
    log.info("retrieval: %d captions x %d segments, %d forward passes (one per caption WordPiece and segment; "
             "--max-segments lowers it, --scorer alignment needs %d)", len(texts), len(vids),
             sum(map(len, texts)) * len(vids), len(texts) * len(vids))
    scores = np.zeros((len(texts), len(vids)), dtype=np.float64)
    # A piece the model's head never predicted among (`mlm_softmax: corpus`) has log P -inf for
    # every video alike: it cannot tell videos apart, so the caption is scored on its other pieces.
    known = getattr(model, "info", {}).get("text_pieces")
    known = None if known is None else set(known)
    for i, t in enumerate(texts):
        scored = [p for p in range(len(t)) if known is None or t[p] in known]
        if not scored:
            continue
        # one row per (video, masked piece); the text sits right after [CLS], so piece p is at 1 + p
        items, where = [], []
        for j, v in enumerate(vids):
            for p in scored:
                masked = list(t)
                masked[p] = tok.mask_id
                items.append(tok.build(masked, v))
                where.append((j, p))
        device = model_device(model)
        for i0 in range(0, len(items), config.batch_size):
            batch = where[i0 : i0 + config.batch_size]
            rows = torch.arange(len(batch), device=device)
            pos = torch.tensor([1 + p for _, p in batch], device=device)
            target = torch.tensor([t[p] for _, p in batch], device=device)
            # the MLM head on the masked position of each row only (B x V, not B x T x V)
            logits = mlm_logits_at(model, pad_batch(items[i0 : i0 + config.batch_size], tok.pad_id, device), (rows, pos))
            logp = text_log_probs(model, logits)  # (B, V_text): a text slot
            np.add.at(scores[i], [j for j, _ in batch], logp[rows, target].cpu().numpy())
    return scores


@dataclasses.dataclass(frozen=True)
class RetrievalResult:
    n: int
    r1: float
    r5: float
    r10: float
    median_rank: float
    scorer: str = "mlm"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def markdown(self) -> str:
        rows = [
            [SCORER_NAMES[self.scorer], self.r1, self.r5, self.r10, format_rank(self.median_rank)],
            ["chance", 1 / self.n, min(1.0, 5 / self.n), min(1.0, 10 / self.n), format_rank((self.n + 1) / 2)],
        ]
        table = markdown_table(["method", "R@1", "R@5", "R@10", "median rank"], rows)
        return f"Text-to-video retrieval among {self.n} segments.\n\n{table}\n"


def format_rank(rank: float) -> str:
    """A (median) rank as people write it: ``5``, ``5.5`` (not ``5.0000``)."""
    return "n/a" if rank != rank else f"{rank:g}"


SCORER_NAMES = {"mlm": "VideoBERT caption likelihood (MLM)", "alignment": "VideoBERT alignment head"}


def evaluate_retrieval(
    model: Any, captions: Sequence[str], videos: Sequence[Sequence[int]], config: RetrievalConfig = RetrievalConfig()
) -> RetrievalResult:
    """`captions[i]` belongs to `videos[i]` (segment token lists)."""
    if len(captions) != len(videos):
        raise ValueError(f"{len(captions)} captions but {len(videos)} segments")
    n = min(len(captions), config.max_segments)
    if n < 2:
        raise ValueError(f"retrieval needs at least 2 segments, found {n} (without --annotations: the transcript "
                         "sentences of the held-out videos; hold out more narrated videos or give --annotations)")
    score = mlm_scores if config.scorer == "mlm" else alignment_scores
    scores = score(model, captions[:n], videos[:n], config)
    ranks = ranks_of_targets(scores, np.arange(n))
    return RetrievalResult(n, recall_at_k(ranks, 1), recall_at_k(ranks, 5), recall_at_k(ranks, 10), median_rank(ranks),
                           config.scorer)
