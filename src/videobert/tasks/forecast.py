"""Forecasting: the next visual tokens after a time point.

The model reads the observed tokens (the last `context` of them) with one masked position
after them, video only: ``[CLS] [>] v_1 ... v_t [MASK] [SEP]``; the logits at the mask,
restricted to the visual ids, rank the candidates for ``v_{t+1}``.

`evaluate_forecast` scores every position t >= 1 of held-out videos (evenly thinned to at
most `max_per_video`) and compares with the most-frequent-token baseline: one fixed ranking of the visual words by their frequency in
the training videos, ties broken by word id (so its top-3 is a definite list of three words;
scoring the tied counts directly would rank tied words behind each other pessimistically).
"""
from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import torch

from ..utils.config import Config
from .common import SPECIAL_TOKENS, forward_batches, max_positions, visual_id_tensor
from .metrics import markdown_table, ranks_of_targets, recall_at_k

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class ForecastConfig(Config):
    HELP = {"context": "observed visual tokens before the predicted one", "k": "forecasts kept per position"}
    context: int = 16  # observed tokens the model sees (the paper's 16-token segments)
    k: int = 3
    max_per_video: int = 50  # evaluated positions per held-out video
    batch_size: int = 64

    def validate(self) -> None:
        for name in ("context", "k", "max_per_video", "batch_size"):
            if getattr(self, name) < 1:
                self.fail(name, getattr(self, name), "must be >= 1")


def next_token_logprobs(model: Any, contexts: Sequence[Sequence[int]], batch_size: int = 64) -> np.ndarray:
    """log P(next leaf | context) for each context (non-empty leaf id lists). (N, num_visual)
    A context longer than the model's positions allow beside the mask and the special tokens
    keeps its last (most recent) tokens, with a warning."""
    tok = model.tokenizer
    vis = visual_id_tensor(model)  # (V_vis,)
    limit = max_positions(model)
    cap = None if limit is None else limit - SPECIAL_TOKENS - 1  # one position for the mask
    if cap is not None and (cut := sum(len(c) > cap for c in contexts)):
        log.warning("forecast: %d context%s longer than the %d visual tokens the model's %d positions hold beside "
                    "the mask; kept the last %d of each (a smaller --context avoids this)",
                    cut, "s" if cut > 1 else "", cap, limit, cap)
    items, mask_pos = [], []
    for ctx in contexts:
        if len(ctx) == 0:
            raise ValueError("forecasting needs at least one observed visual token")
        if cap is not None:
            ctx = list(ctx)[-cap:]
        built = tok.build([], [*ctx, 0])  # the trailing 0 is a placeholder for the mask
        ids = list(built["input_ids"])
        if ids[-1] != tok.sep_id:
            raise ValueError("unexpected input layout: the video-only input does not end with [SEP]")
        ids[-2] = tok.mask_id
        items.append({"input_ids": ids, "token_type_ids": built["token_type_ids"]})
        mask_pos.append(len(ids) - 2)
    out = np.empty((len(items), len(vis)), dtype=np.float32)
    for i0, o in forward_batches(model, items, batch_size):
        b = torch.arange(o.logits.shape[0], device=o.logits.device)
        pos = torch.as_tensor(mask_pos[i0 : i0 + len(b)], device=o.logits.device)
        logits = o.logits[b, pos][:, vis].float()  # (B, V_vis)
        out[i0 : i0 + len(b)] = torch.log_softmax(logits, -1).cpu().numpy()
    return out


def forecast(model: Any, observed: Sequence[int], k: int = 3, context: int = 16) -> list[tuple[int, float]]:
    """The k most likely next leaf ids after `observed`, with their probabilities."""
    lp = next_token_logprobs(model, [list(observed)[-context:]])[0]
    top = np.argsort(-lp)[:k]
    return [(int(j), float(np.exp(lp[j]))) for j in top]


@dataclasses.dataclass(frozen=True)
class ForecastResult:
    k: int
    n: int  # evaluated positions
    num_videos: int
    top1: float
    topk: float
    baseline_top1: float
    baseline_topk: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def markdown(self) -> str:
        rows = [["VideoBERT", self.top1, self.topk], ["most frequent token", self.baseline_top1, self.baseline_topk]]
        table = markdown_table(["method", "top-1", f"top-{self.k}"], rows)
        return f"Next visual token forecasting: {self.n} positions in {self.num_videos} held-out videos.\n\n{table}\n"


def evaluate_forecast(
    model: Any,
    heldout: Mapping[str, Sequence[int]],
    training: Iterable[Sequence[int]],
    config: ForecastConfig = ForecastConfig(),
) -> ForecastResult:
    """`heldout`: video id -> leaf ids; `training`: leaf id sequences for the frequencies."""
    counts = Counter()
    for seq in training:
        counts.update(int(x) for x in seq)
    freq = np.zeros(model.vocab.num_tokens)
    for leaf, c in counts.items():
        freq[leaf] = c
    contexts, targets = [], []
    for vid, seq in heldout.items():
        seq = list(seq)
        if len(seq) < 2:
            continue
        positions = np.unique(np.linspace(1, len(seq) - 1, min(config.max_per_video, len(seq) - 1)).round().astype(int))
        for t in positions:
            contexts.append(seq[max(0, t - config.context) : t])
            targets.append(seq[t])
    if not targets:
        raise ValueError("no held-out video has two or more visual tokens")
    targets_a = np.asarray(targets)
    ranks = ranks_of_targets(next_token_logprobs(model, contexts, config.batch_size), targets_a)
    order = np.lexsort((np.arange(len(freq)), -freq))  # most frequent first, then lower id
    base_scores = np.empty(len(freq))
    base_scores[order] = -np.arange(len(freq), dtype=np.float64)  # strictly decreasing: no ties
    base = ranks_of_targets(np.broadcast_to(base_scores, (len(targets), len(freq))), targets_a)
    return ForecastResult(
        k=config.k, n=len(targets), num_videos=len(heldout),
        top1=recall_at_k(ranks, 1), topk=recall_at_k(ranks, config.k),
        baseline_top1=recall_at_k(base, 1), baseline_topk=recall_at_k(base, config.k),
    )
