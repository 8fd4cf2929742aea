"""Helpers every task shares: templates with [MASK] slots, padded batched forward passes,
visual tokens of corpus segments.

The tasks talk to the model only through the contract in docs/CONTRACTS.md:
``model.tokenizer`` (a `JointTokenizer`), ``model.vocab`` (a `VisualVocab`) and
``model(input_ids, token_type_ids, attention_mask) -> (logits, align_logits, hidden_states)``.
"""
from __future__ import annotations

import dataclasses
import functools
import logging
import re
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import torch

from ..corpus import Corpus

MASK = "[MASK]"
SPECIAL_TOKENS = 3  # [CLS], [>] and [SEP] around text and video (`JointTokenizer.build`)
log = logging.getLogger(__name__)


def load_model(path: str, device: str | None = None):
    """The pretrained VideoBERT at `path`, in eval mode."""
    from ..model import VideoBERT

    model = VideoBERT.from_pretrained(path, device=device)
    model.eval()
    return model


def check_model_corpus(model, model_path, corpus: Corpus, force: bool = False) -> None:
    """Refuse a corpus whose features were made with other ingest settings than the model's
    (backbone, weights, size, seed, frames, pool...), unless `force` (``--force``)."""
    from ..ingest.config import check_feature_match

    check_feature_match(model.ingest_config, corpus.config, f"model {model_path}", f"corpus {corpus.root}", force)


def model_device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


# ---- the model's positions --------------------------------------------------------------
def max_positions(model: Any) -> int | None:
    """Input positions the model reads (its BERT's ``max_position_embeddings``), or None where the
    model does not say (a stand-in without a ``bert``)."""
    n = getattr(getattr(getattr(model, "bert", None), "config", None), "max_position_embeddings", None)
    return n if isinstance(n, int) and n > 0 else None


def check_fits(model: Any, length: int, what: str, fix: str) -> None:
    """A one-line ValueError naming `what` and `fix` when an input of `length` tokens is longer
    than the model's positions (PyTorch would fail with a tensor-size mismatch instead)."""
    limit = max_positions(model)
    if limit is not None and length > limit:
        raise ValueError(f"{what}: {length} tokens, the model reads at most {limit} positions; {fix}")


def fit_text(model: Any, text_ids: Sequence[int], reserved: int, what: str, fix: str) -> list[int]:
    """`text_ids` cut to the model's positions less `reserved` (the special and visual tokens
    beside the text), keeping the beginning, with a warning saying how many pieces were dropped.
    A one-line ValueError naming `what` and `fix` when not even one piece fits beside `reserved`."""
    text_ids = list(text_ids)
    limit = max_positions(model)
    if limit is None or len(text_ids) + reserved <= limit:
        return text_ids
    room = limit - reserved
    if room < 1:
        raise ValueError(f"{what}: the model reads at most {limit} positions and {reserved} are needed besides "
                         f"the text, which leaves no room for it; {fix}")
    log.warning("%s: %d word pieces, only the first %d fit the model's %d positions beside the %d other tokens; "
                "dropped the last %d", what, len(text_ids), room, limit, reserved, len(text_ids) - room)
    return text_ids[:room]


# ---- templates ------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class FilledTemplate:
    text_ids: list[int]  # template word pieces with mask_id at every slot piece
    slots: list[list[int]]  # per slot, the positions (in text_ids) of its masks


def fill_template(tokenizer: Any, template: str, mask_counts: Sequence[int] | None = None) -> FilledTemplate:
    """Encode `template`, putting ``mask_counts[s]`` masks at its s-th ``[MASK]`` (default 1 each)."""
    pieces = template.split(MASK)
    n_slots = len(pieces) - 1
    if n_slots == 0:
        raise ValueError(f"template {template!r} has no {MASK} slot")
    counts = list(mask_counts) if mask_counts is not None else [1] * n_slots
    if len(counts) != n_slots or min(counts) < 1:
        raise ValueError(f"template has {n_slots} slots; got mask counts {counts}")
    ids: list[int] = []
    slots: list[list[int]] = []
    for k, text in enumerate(pieces):
        text = text.strip()
        if text:
            ids += list(tokenizer.encode_text(text))
        if k < n_slots:
            slots.append(list(range(len(ids), len(ids) + counts[k])))
            ids += [tokenizer.mask_id] * counts[k]
    return FilledTemplate(ids, slots)


def input_positions(input_ids: Sequence[int], text_ids: Sequence[int], text_positions: Sequence[int]) -> list[int]:
    """Map positions in `text_ids` to positions in the built input (found, not assumed)."""
    n = len(text_ids)
    for off in range(len(input_ids) - n + 1):
        if list(input_ids[off : off + n]) == list(text_ids):
            return [off + p for p in text_positions]
    raise ValueError("the built input does not contain the text ids")


# ---- batching -------------------------------------------------------------------------
def pad_batch(items: Sequence[dict[str, Sequence[int]]], pad_id: int, device: torch.device) -> dict[str, torch.Tensor]:
    """Right-pad a list of {input_ids, token_type_ids} to one batch with an attention mask."""
    T = max(len(it["input_ids"]) for it in items)
    ids = torch.full((len(items), T), pad_id, dtype=torch.long)  # (B, T)
    types = torch.zeros((len(items), T), dtype=torch.long)  # (B, T)
    attn = torch.zeros((len(items), T), dtype=torch.long)  # (B, T)
    for b, it in enumerate(items):
        n = len(it["input_ids"])
        ids[b, :n] = torch.as_tensor(list(it["input_ids"]))
        if it.get("token_type_ids") is not None:
            types[b, :n] = torch.as_tensor(list(it["token_type_ids"]))
        attn[b, :n] = 1
    return {"input_ids": ids.to(device), "token_type_ids": types.to(device), "attention_mask": attn.to(device)}


def _split_heads(model: Any) -> bool:
    """Whether the model runs its encoder and heads separately (VideoBERT does; a plain callable may not)."""
    return all(callable(getattr(model, a, None)) for a in ("encode", "mlm_logits", "align_head"))


class _LazyOutput:
    """`model(...)`'s output whose heads run on first access: a task reading only the alignment
    logits or the hidden states skips the MLM head over B x T x V (most of a small model's forward).
    The same operations as `model(...)`, so the same numbers."""

    def __init__(self, model: Any, hidden: torch.Tensor, pooled: torch.Tensor):
        self._model, self._pooled, self.hidden_states = model, pooled, hidden

    @functools.cached_property
    def logits(self) -> torch.Tensor:
        with torch.no_grad():
            return self._model.mlm_logits(self.hidden_states)

    @functools.cached_property
    def align_logits(self) -> torch.Tensor:
        with torch.no_grad():
            return self._model.align_head(self._pooled)


@torch.no_grad()
def forward_batches(model: Any, items: Sequence[dict], batch_size: int = 32) -> Iterator[tuple[int, Any]]:
    """Run the model over `items` in padded batches; yields (first item index, output)."""
    device = model_device(model)
    split = _split_heads(model)
    if items:  # a raw tensor-size error otherwise; the tasks cut their inputs first where they can
        check_fits(model, max(len(it["input_ids"]) for it in items), "an input",
                   "lower the task's max_video_tokens / max_text_tokens, or shorten its template")
    for i in range(0, len(items), batch_size):
        batch = pad_batch(items[i : i + batch_size], model.tokenizer.pad_id, device)
        yield i, (_LazyOutput(model, *model.encode(**batch)) if split else model(**batch))


@torch.no_grad()
def mlm_logits_at(model: Any, batch: dict[str, torch.Tensor], index: tuple) -> torch.Tensor:
    """``model(**batch).logits[index]`` with the MLM head run only at the indexed positions
    (``index`` selects along (B, T)), where the model allows it."""
    if _split_heads(model):
        hidden, _ = model.encode(**batch)
        return model.mlm_logits(hidden[index])
    return model(**batch).logits[index]


def text_log_probs(model: Any, logits: torch.Tensor) -> torch.Tensor:
    """log P over the text pieces at a text slot, (..., num_text), from joint logits: normalized over
    the pieces the model's head was trained among (`VideoBERT.text_log_probs`), else over all (a
    model trained with ``mlm_softmax: modality`` never ranked visual words there)."""
    if callable(getattr(model, "text_log_probs", None)):
        return model.text_log_probs(logits)
    return torch.log_softmax(logits[..., : model.tokenizer.num_text].float(), dim=-1)


def visual_id_tensor(model: Any) -> torch.Tensor:
    """Input ids of every visual token, in leaf order. (V_vis,)"""
    ids = model.tokenizer.visual_ids(list(range(model.vocab.num_tokens)))
    return torch.as_tensor(list(ids), dtype=torch.long, device=model_device(model))


# ---- visual tokens of corpus videos ----------------------------------------------------
def subsample(leaf_ids: Sequence[int], max_len: int) -> list[int]:
    """At most `max_len` tokens, evenly spaced over the sequence (keeps first and last)."""
    leaf_ids = list(leaf_ids)
    if len(leaf_ids) <= max_len:
        return leaf_ids
    idx = np.linspace(0, len(leaf_ids) - 1, max_len).round().astype(int)
    return [leaf_ids[i] for i in idx]


class VideoTokens:
    """Leaf ids of corpus videos under the *model's* vocabulary (cached per video).

    The tokens come from `videobert.vocab.visual_tokenizer` (`tokenizer`, unless given): assigned
    from the corpus features with ``vocab`` rather than read from a vocab directory, so they always
    match the model being evaluated; for a corpus tokenized by a distilled student (`ingest
    --tokenizer`), which holds student embeddings, not backbone features, the student's tokens,
    read from ``CORPUS/vocab/tokens``.
    """

    def __init__(self, corpus: Corpus, vocab: Any, tokenizer: Any = None):
        from ..vocab.tokenizer import visual_tokenizer

        self.corpus = corpus
        if tokenizer is None:
            tokenizer = visual_tokenizer(vocab, corpus.config, Path(corpus.root) / "vocab")
        self.tokenizer = tokenizer
        self._cache: dict[str, np.ndarray] = {}

    def __call__(self, video_id: str) -> np.ndarray:
        if video_id not in self._cache:
            self._cache[video_id] = self.tokenizer.tokens(self.corpus.read(video_id))
        return self._cache[video_id]


def clean_caption(text: str) -> str:
    """Lower-case words and numbers only: the tokenization used for caption metrics."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))
