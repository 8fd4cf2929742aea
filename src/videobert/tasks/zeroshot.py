"""Zero-shot action classification (the paper's §4.2 protocol).

For each validation segment the model reads
``[CLS] now let me show you how to [MASK] the [MASK] . [>] <segment's video tokens> [SEP]``
and the verb is read from the first slot, the noun from the second, ranked within the
label vocabularies. The *language prior* is the same template with the video removed
(``[CLS] template [SEP]``: no ``[>]``, no visual ids), so the video's contribution is the
difference between the two rows of the table.

Labels of several WordPieces: a label of n pieces is scored with n masks in its slot (the
other slot keeps one mask) and its score is the mean over its pieces of log P(piece at
its mask position). Each label is thus scored with its own number of masks; labels of one
piece reduce to ranking by log-probability. The mean (not the sum) keeps long labels from
being penalized for their length.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any, Sequence

import numpy as np
import torch

from ..utils.config import Config
from .annotations import CorpusSegment, label_segment
from .common import fill_template, forward_batches, input_positions, subsample
from .metrics import markdown_table, ranks_of_targets, recall_at_k

log = logging.getLogger(__name__)

PAPER_TEMPLATE = "now let me show you how to [MASK] the [MASK] ."


@dataclasses.dataclass(frozen=True)
class ZeroShotConfig(Config):
    HELP = {"template": "cloze template with two [MASK] slots (verb, noun)"}
    template: str = PAPER_TEMPLATE
    verb_slot: int = 0  # which [MASK] of the template holds the verb
    noun_slot: int = 1
    max_video_tokens: int = 64  # longer segments are evenly subsampled
    batch_size: int = 32

    def validate(self) -> None:
        n = self.template.count("[MASK]")
        if n < 2:
            self.fail("template", self.template, "needs a [MASK] for the verb and one for the noun")
        for name in ("verb_slot", "noun_slot"):
            if not 0 <= getattr(self, name) < n:
                self.fail(name, getattr(self, name), f"the template has {n} [MASK] slots")
        if self.verb_slot == self.noun_slot:
            self.fail("noun_slot", self.noun_slot, "must differ from verb_slot")
        if self.max_video_tokens < 1:
            self.fail("max_video_tokens", self.max_video_tokens, "must be >= 1")
        if self.batch_size < 1:
            self.fail("batch_size", self.batch_size, "must be >= 1")


def build_input(tokenizer: Any, text_ids: Sequence[int], leaf_ids: Sequence[int] | None) -> dict:
    """`[CLS] text [>] video [SEP]`, or text-only `[CLS] text [SEP]` when `leaf_ids` is None."""
    return tokenizer.build(list(text_ids), None if leaf_ids is None else list(leaf_ids))


def score_labels(
    model: Any,
    template: str,
    slot: int,
    labels_pieces: Sequence[Sequence[int]],
    videos: Sequence[Sequence[int] | None],
    batch_size: int = 32,
) -> np.ndarray:
    """Mean log-probability of each label in template slot `slot`, per video. (N, L)

    `videos[i]` is a list of leaf ids, or None for the text-only input.
    """
    tok = model.tokenizer
    n_slots = template.count("[MASK]")
    scores = np.full((len(videos), len(labels_pieces)), -np.inf)
    for n in sorted({len(p) for p in labels_pieces}):
        cols = [j for j, p in enumerate(labels_pieces) if len(p) == n]
        pieces = torch.tensor([labels_pieces[j] for j in cols])  # (L_n, n)
        counts = [1] * n_slots
        counts[slot] = n
        filled = fill_template(tok, template, counts)
        items = [build_input(tok, filled.text_ids, v) for v in videos]
        for i0, out in forward_batches(model, items, batch_size):
            for b in range(out.logits.shape[0]):
                pos = input_positions(items[i0 + b]["input_ids"], filled.text_ids, filled.slots[slot])
                logp = torch.log_softmax(out.logits[b, pos].float(), dim=-1)  # (n, V)
                # logp[k, pieces[l, k]] averaged over k -> (L_n,)
                s = logp.gather(1, pieces.T.to(logp.device)).mean(0)
                scores[i0 + b, cols] = s.cpu().numpy()
    return scores


@dataclasses.dataclass(frozen=True)
class ZeroShotResult:
    template: str
    num_verbs: int
    num_nouns: int
    n_verb: int  # segments with a verb label
    n_noun: int
    verb_top1: float
    verb_top5: float
    noun_top1: float
    noun_top5: float
    prior_verb_top1: float
    prior_verb_top5: float
    prior_noun_top1: float
    prior_noun_top5: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def markdown(self) -> str:
        cv, cn = 1 / self.num_verbs, 1 / self.num_nouns
        rows = [
            ["VideoBERT (text + video)", self.verb_top1, self.verb_top5, self.noun_top1, self.noun_top5],
            ["language prior (no video)", self.prior_verb_top1, self.prior_verb_top5, self.prior_noun_top1, self.prior_noun_top5],
            ["chance", cv, min(1.0, 5 * cv), cn, min(1.0, 5 * cn)],
        ]
        table = markdown_table(["method", "verb top-1", "verb top-5", "noun top-1", "noun top-5"], rows)
        return (
            f"Zero-shot action classification: {self.n_verb} segments with a verb label "
            f"({self.num_verbs} verbs), {self.n_noun} with a noun label ({self.num_nouns} nouns); "
            f"template `{self.template}`.\n\n{table}\n"
        )


def evaluate_zeroshot(
    model: Any,
    segments: Sequence[CorpusSegment],
    video_tokens: Any,
    verbs: Sequence[str],
    nouns: Sequence[str],
    config: ZeroShotConfig = ZeroShotConfig(),
) -> ZeroShotResult:
    """Top-1/top-5 of verb and noun, with the video and without (language prior).

    `video_tokens(video_id) -> leaf ids` of the whole video (e.g. `common.VideoTokens`).
    """
    tok = model.tokenizer
    labelled = [(s, *label_segment(s.segment.sentence, list(verbs), list(nouns))) for s in segments]
    labelled = [x for x in labelled if x[1] is not None or x[2] is not None]
    if not labelled:
        raise ValueError("no segment carries a verb or noun label; check the label lists")
    videos = [subsample(video_tokens(s.segment.video_id)[s.lo : s.hi], config.max_video_tokens) for s, _, _ in labelled]
    out: dict[str, float] = {}
    for name, slot, labels, col in (("verb", config.verb_slot, verbs, 1), ("noun", config.noun_slot, nouns, 2)):
        pieces = [tok.encode_text(w) for w in labels]
        rows = [i for i, x in enumerate(labelled) if x[col] is not None]
        targets = np.array([labelled[i][col] for i in rows], dtype=np.int64)
        with_video = score_labels(model, config.template, slot, pieces, [videos[i] for i in rows], config.batch_size)
        # The text-only input is the same for every segment: score it once.
        prior = score_labels(model, config.template, slot, pieces, [None], config.batch_size)
        prior = np.repeat(prior, len(rows), axis=0)
        for prefix, sc in (("", with_video), ("prior_", prior)):
            ranks = ranks_of_targets(sc, targets) if rows else np.array([])
            out[f"{prefix}{name}_top1"] = recall_at_k(ranks, 1)
            out[f"{prefix}{name}_top5"] = recall_at_k(ranks, 5)
        out[f"n_{name}"] = len(rows)
    log.info("zero-shot: %s", out)
    return ZeroShotResult(template=config.template, num_verbs=len(verbs), num_nouns=len(nouns), **out)
