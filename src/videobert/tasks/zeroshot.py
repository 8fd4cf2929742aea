"""Zero-shot action classification (the paper's §4.2 protocol).

For each validation segment the model reads
``[CLS] now let me show you how to [MASK] the [MASK] . [>] <segment's video tokens> [SEP]``
and the verb is read from the first slot, the noun from the second, ranked within the
label vocabularies. The *language prior* is the same template with the video removed
(``[CLS] template [SEP]``: no ``[>]``, no visual ids), so the video's contribution is the
difference between the two rows of the table. The *BERT language prior* is the text
initialization alone (the checkpoint pretraining started from, `videobert.json`'s ``init``),
read through its own masked-language head with the same template: what a text model knows
before it saw any video. It does not apply to ``--init scratch`` (random weights) and means
little where the checkpoint had no masked-language head (``minilm``'s starts random; the
report says so).

Labels: each segment's verb and noun by the part-of-speech rule of `tasks.labels`; segments
whose verb (noun) is not in the verb (noun) list are left out of the verb (noun) columns and
counted in the report. The table is the paper's Table 1 layout, in %.

Labels of several WordPieces: a label of n pieces is scored with n masks in its slot (the
other slot keeps one mask) and its score is the mean over its pieces of log P(piece at
its mask position). Each label is thus scored with its own number of masks; labels of one
piece reduce to ranking by log-probability. The mean (not the sum) keeps long labels from
being penalized for their length.
"""
from __future__ import annotations

import dataclasses
import logging
from textwrap import shorten
from typing import Any, Sequence

import numpy as np
import torch

from ..utils.config import Config
from .annotations import CorpusSegment
from .common import check_fits, fill_template, forward_batches, input_positions, subsample, text_log_probs
from .labels import segment_labels
from .metrics import markdown_table, ranks_of_targets, recall_at_k
from .paper import TABLE1, TABLE1_NOTE, cell

log = logging.getLogger(__name__)

PAPER_TEMPLATE = "now let me show you how to [MASK] the [MASK] ."


@dataclasses.dataclass(frozen=True)
class ZeroShotConfig(Config):
    HELP = {"template": "cloze template with two [MASK] slots (verb, noun)",
            "bert_prior": "also score the text initialization alone (the BERT language prior row)"}
    template: str = PAPER_TEMPLATE
    verb_slot: int = 0  # which [MASK] of the template holds the verb
    noun_slot: int = 1
    max_video_tokens: int = 64  # longer segments are evenly subsampled
    batch_size: int = 32
    bert_prior: bool = True

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
        longest = max(len(it["input_ids"]) for it in items)
        check_fits(model, longest, f"zero-shot template {shorten(template, 60, placeholder=' ...')!r} with {n}-piece labels and the video",
                   "shorten the template, or lower max_video_tokens (--max-video-tokens)")
        for i0, out in forward_batches(model, items, batch_size):
            for b in range(out.logits.shape[0]):
                pos = input_positions(items[i0 + b]["input_ids"], filled.text_ids, filled.slots[slot])
                # a text slot holds a text piece: normalized over the text ids the model predicts among
                logp = text_log_probs(model, out.logits[b, pos])  # (n, V_text)
                # logp[k, pieces[l, k]] averaged over k -> (L_n,)
                s = logp.gather(1, pieces.T.to(logp.device)).mean(0)
                scores[i0 + b, cols] = s.cpu().numpy()
    return scores


# ---- the BERT language prior: the text initialization alone ---------------------------
@dataclasses.dataclass(frozen=True)
class _TextOnly:
    """The text initialization seen through the `fill_template` / `score_labels` contract."""

    bert: Any  # transformers BertForPreTraining
    text: Any  # its WordPiece tokenizer

    @property
    def mask_id(self) -> int:
        return self.text.mask_token_id

    def encode_text(self, text: str) -> list[int]:
        return self.text.encode(text, add_special_tokens=False)


@torch.no_grad()
def _text_only_scores(init: _TextOnly, template: str, slot: int, labels: Sequence[str]) -> np.ndarray:
    """Mean log-probability of each label in `slot` of ``[CLS] template [SEP]``. (L,)"""
    pieces = [init.encode_text(w) for w in labels]
    n_slots = template.count("[MASK]")
    scores = np.full(len(labels), -np.inf)
    for n in sorted({len(p) for p in pieces}):
        cols = [j for j, p in enumerate(pieces) if len(p) == n]
        counts = [1] * n_slots
        counts[slot] = n
        filled = fill_template(init, template, counts)
        ids = torch.tensor([[init.text.cls_token_id, *filled.text_ids, init.text.sep_token_id]])
        logits = init.bert(input_ids=ids, token_type_ids=torch.zeros_like(ids)).prediction_logits[0]
        logp = torch.log_softmax(logits[[p + 1 for p in filled.slots[slot]]].float(), dim=-1)  # (n, V)
        scores[cols] = logp.gather(1, torch.tensor([pieces[j] for j in cols]).T).mean(0).numpy()
    return scores


def load_text_init(init: str | None) -> tuple[_TextOnly | None, str]:
    """The text initialization a model was pretrained from, and a note for the report: why there
    is none (``scratch``, unknown, not loadable here), or that its masked-language head is random."""
    if not init:
        return None, "not applicable: the model does not record the checkpoint it started from"
    if init == "scratch":
        return None, "not applicable: the model started from random weights (--init scratch), no text initialization"
    from transformers import BertForPreTraining, BertTokenizerFast

    from ..model.init import minilm_dir
    from ..utils.lazy import quiet_transformers

    quiet_transformers()
    try:
        path = str(minilm_dir()) if init == "minilm" else init
        torch.manual_seed(0)  # weights the checkpoint lacks start from a seeded random init
        bert, info = BertForPreTraining.from_pretrained(path, output_loading_info=True)
        text = BertTokenizerFast.from_pretrained(path)
    except Exception as e:  # offline hub name, a moved local checkpoint: the row says why
        return None, f"not available: could not load the text initialization {init!r} here ({type(e).__name__}: {e})"
    bert.eval()
    head_missing = any(k.startswith("cls.predictions.transform") for k in info.get("missing_keys", []))
    note = (f"the text initialization {init!r} has no masked-language head (it starts random), so this row "
            "reads a random head: expect chance" if head_missing else "")
    return _TextOnly(bert, text), note


# ---- results ----------------------------------------------------------------------------
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
    n_segments: int = 0  # validation segments read; those with no listed verb / noun are left out
    init: str | None = None  # the text initialization (videobert.json "init")
    bert_verb_top1: float | None = None  # BERT language prior; None: not applicable (see bert_note)
    bert_verb_top5: float | None = None
    bert_noun_top1: float | None = None
    bert_noun_top5: float | None = None
    bert_note: str = ""
    reference: str | None = None  # "youcook2": the paper's rows beside ours

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def markdown(self) -> str:
        def pct(v: float | None) -> str:
            return "n/a" if v is None or v != v else f"{100 * v:.1f}"

        cv, cn = 1 / self.num_verbs, 1 / self.num_nouns
        bert = (self.bert_verb_top1, self.bert_verb_top5, self.bert_noun_top1, self.bert_noun_top5)
        rows = [
            [f"BERT language prior ({self.init or 'init unknown'}, no video)", *map(pct, bert)],
            ["VideoBERT language prior (no video)", *map(pct, (self.prior_verb_top1, self.prior_verb_top5,
                                                                 self.prior_noun_top1, self.prior_noun_top5))],
            ["VideoBERT cross-modal", *map(pct, (self.verb_top1, self.verb_top5, self.noun_top1, self.noun_top5))],
            ["chance", *map(pct, (cv, min(1.0, 5 * cv), cn, min(1.0, 5 * cn)))],
        ]
        for name, values in TABLE1.get(self.reference or "", []):
            rows.append([name, *(cell(v) for v in values)])
        table = markdown_table(["method", "verb top-1 (%)", "verb top-5 (%)", "object top-1 (%)", "object top-5 (%)"],
                               rows)
        n = self.n_segments or max(self.n_verb, self.n_noun)
        text = (
            f"Zero-shot action classification on {n} validation segments: {self.n_verb} with a verb among the "
            f"{self.num_verbs} verb labels ({n - self.n_verb} left out), {self.n_noun} with a noun among the "
            f"{self.num_nouns} noun labels ({n - self.n_noun} left out); template `{self.template}`.\n\n{table}\n"
        )
        if self.bert_note:
            text += f"\nBERT language prior: {self.bert_note}.\n"
        if self.reference in TABLE1_NOTE:
            text += f"\n{TABLE1_NOTE[self.reference]}\n"
        return text


def evaluate_zeroshot(
    model: Any,
    segments: Sequence[CorpusSegment],
    video_tokens: Any,
    verbs: Sequence[str],
    nouns: Sequence[str],
    config: ZeroShotConfig = ZeroShotConfig(),
) -> ZeroShotResult:
    """Top-1/top-5 of verb and noun, with the video, without (VideoBERT's language prior) and from
    the text initialization alone (BERT's language prior, when `config.bert_prior`).

    `video_tokens(video_id) -> leaf ids` of the whole video (e.g. `common.VideoTokens`).
    """
    tok = model.tokenizer
    labelled = [(s, v, n) for s, (v, n) in zip(segments, segment_labels(segments, verbs, nouns))
                if v is not None or n is not None]
    if not labelled:
        raise ValueError(f"none of the {len(segments)} segments has a verb or noun in the label lists "
                         f"({len(verbs)} verbs, {len(nouns)} nouns); check the lists")
    init = (getattr(model, "info", None) or {}).get("init")
    text_init, bert_note = load_text_init(init) if config.bert_prior else (None, "not computed (--no-bert-prior)")
    videos = [subsample(video_tokens(s.segment.video_id)[s.lo : s.hi], config.max_video_tokens) for s, _, _ in labelled]
    out: dict[str, Any] = {}
    for name, slot, labels, col in (("verb", config.verb_slot, verbs, 1), ("noun", config.noun_slot, nouns, 2)):
        pieces = [tok.encode_text(w) for w in labels]
        rows = [i for i, x in enumerate(labelled) if x[col] is not None]
        targets = np.array([labelled[i][col] for i in rows], dtype=np.int64)
        with_video = score_labels(model, config.template, slot, pieces, [videos[i] for i in rows], config.batch_size)
        # The text-only input is the same for every segment: score it once.
        prior = score_labels(model, config.template, slot, pieces, [None], config.batch_size)
        scored = [("", with_video), ("prior_", np.repeat(prior, len(rows), axis=0))]
        if text_init is not None:
            bert = _text_only_scores(text_init, config.template, slot, labels)[None]
            scored.append(("bert_", np.repeat(bert, len(rows), axis=0)))
        for prefix, sc in scored:
            ranks = ranks_of_targets(sc, targets) if rows else np.array([])
            out[f"{prefix}{name}_top1"] = recall_at_k(ranks, 1)
            out[f"{prefix}{name}_top5"] = recall_at_k(ranks, 5)
        out[f"n_{name}"] = len(rows)
    log.info("zero-shot: %s", out)
    return ZeroShotResult(template=config.template, num_verbs=len(verbs), num_nouns=len(nouns),
                          n_segments=len(segments), init=init, bert_note=bert_note, **out)
