"""Text-to-video: visual tokens generated from a sentence by iterative masked filling.

Start from ``[CLS] text [>] [MASK] x length [SEP]``. At each of `steps` iterations the
model predicts every still-masked video position (logits restricted to the visual ids);
each position proposes a token (the argmax for a single greedy sample; with
``samples > 1`` or ``greedy=False`` a draw from ``softmax(logits / temperature)`` over the
`top_k` best) and the positions whose proposal is most probable are fixed, evenly spread
so that all are filled after `steps` iterations (default: one position per iteration).
Later positions therefore condition on the earlier choices, as in mask-predict decoding.
Sampling uses a seeded `torch.Generator`, so a run is reproducible.
"""
from __future__ import annotations

import dataclasses
import logging
import math
from typing import Any

import numpy as np
import torch

from ..utils.config import Config
from .common import SPECIAL_TOKENS, fit_text, max_positions, mlm_logits_at, model_device, pad_batch, visual_id_tensor

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class TextToVideoConfig(Config):
    HELP = {"length": "visual words generated per prompt", "greedy": "greedy decoding; default: for one sample"}
    length: int = 8  # visual tokens to generate
    samples: int = 1
    steps: int = 0  # 0 = length (fill one position per iteration)
    greedy: bool | None = None  # None = greedy for one sample, sampling for several
    temperature: float = 1.0
    top_k: int = 20  # 0 = no top-k cut
    seed: int = 0

    def validate(self) -> None:
        for name in ("length", "samples"):
            if getattr(self, name) < 1:
                self.fail(name, getattr(self, name), "must be >= 1")
        if not 0 <= self.steps <= self.length:
            self.fail("steps", self.steps, f"must be in [0, length={self.length}]")
        if self.temperature <= 0:
            self.fail("temperature", self.temperature, "must be > 0")
        if self.top_k < 0:
            self.fail("top_k", self.top_k, "must be >= 0")


@torch.no_grad()
def generate(model: Any, text: str, config: TextToVideoConfig = TextToVideoConfig()) -> np.ndarray:
    """Leaf ids generated for `text`. (samples, length) int64."""
    tok = model.tokenizer
    device = model_device(model)
    vis = visual_id_tensor(model)  # (V_vis,)
    greedy = config.greedy if config.greedy is not None else config.samples == 1
    gen = torch.Generator(device="cpu").manual_seed(config.seed)

    if not tok.encode_text(text):
        log.warning("text-to-video: the prompt %r has no words; the visual words generated come from the model "
                    "alone, not from a sentence", text)
    limit = max_positions(model)
    text_ids = fit_text(model, tok.encode_text(text), config.length + SPECIAL_TOKENS, "text-to-video prompt",
                        f"generate fewer visual words: --length {(limit or 0) - SPECIAL_TOKENS - 1} or less "
                        f"(asked {config.length})")
    built = tok.build(text_ids, [0] * config.length)
    n_text = len(built["input_ids"]) - config.length - 1  # everything before the video
    video_pos = torch.arange(n_text, n_text + config.length, device=device)  # (L,)
    batch = pad_batch([built] * config.samples, tok.pad_id, device)
    ids = batch["input_ids"]  # (S, T)
    ids[:, video_pos] = tok.mask_id
    chosen = torch.full((config.samples, config.length), -1, dtype=torch.long, device=device)  # leaf ids

    steps = config.steps or config.length
    for step in range(steps):
        open_ = chosen < 0  # (S, L)
        remaining = int(open_[0].sum())
        if remaining == 0:
            break
        n_fill = math.ceil(remaining / (steps - step))
        inputs = {"input_ids": ids, "token_type_ids": batch["token_type_ids"], "attention_mask": batch["attention_mask"]}
        logits = mlm_logits_at(model, inputs, (slice(None), video_pos))[:, :, vis].float()  # (S, L, V_vis): video only
        probs = torch.softmax(logits, -1)
        if greedy:
            proposal = logits.argmax(-1)  # (S, L)
        else:
            scaled = logits / config.temperature
            if config.top_k:
                kth = scaled.topk(min(config.top_k, scaled.shape[-1]), -1).values[..., -1:]
                scaled = scaled.masked_fill(scaled < kth, float("-inf"))
            draw = torch.multinomial(torch.softmax(scaled, -1).reshape(-1, len(vis)).cpu(), 1, generator=gen)
            proposal = draw.view(config.samples, config.length).to(device)
        conf = probs.gather(-1, proposal[..., None])[..., 0].masked_fill(~open_, -1.0)  # (S, L)
        fill = conf.topk(n_fill, -1).indices  # (S, n_fill)
        rows = torch.arange(config.samples, device=device)[:, None]
        chosen[rows, fill] = proposal[rows, fill]
        ids[rows, video_pos[fill]] = vis[proposal[rows, fill]]
    return chosen.cpu().numpy()


# ---- evaluation ------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class TextToVideoResult:
    template: str
    pairs: int  # verb-noun prompts
    length: int  # words generated per prompt
    verb_accuracy: float  # generated words whose majority verb is the prompt's
    noun_accuracy: float
    frequent_verb_accuracy: float  # the same score for the `length` most frequent words, every prompt
    frequent_noun_accuracy: float
    chance_verb: float
    chance_noun: float
    reachable_verb: float  # share of verbs some word is labelled with (the most a model can reach)
    reachable_noun: float
    distinct_words: float  # mean distinct words per generation (1 = one word repeated)
    examples: tuple[tuple[str, tuple[int, ...]], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def markdown(self) -> str:
        from .metrics import markdown_table

        rows = [["VideoBERT text-to-video", self.verb_accuracy, self.noun_accuracy],
                [f"the {self.length} most frequent words", self.frequent_verb_accuracy, self.frequent_noun_accuracy],
                ["chance", self.chance_verb, self.chance_noun],
                ["labels some word carries", self.reachable_verb, self.reachable_noun]]
        table = markdown_table(["words generated for every verb-noun pair", "verb", "noun"], rows)
        return (f"Text-to-video: {self.length} visual words for each of {self.pairs} prompts "
                f"`{self.template}`; each word scored by the majority verb / noun of its training clips "
                f"(mean {self.distinct_words:.1f} distinct words per prompt).\n\n{table}\n")


def evaluate_text2video(model: Any, labels: Any, template: str = "now let me show you how to {verb} the {noun} .",
                        config: TextToVideoConfig = TextToVideoConfig()) -> TextToVideoResult:
    """Generate for every (verb, noun) of `labels` (a `tasks.wordlabels.WordLabels`) and score."""
    if "{verb}" not in template or "{noun}" not in template:
        raise ValueError(f"text-to-video template {template!r} needs {{verb}} and {{noun}} fields")
    hits_v = hits_n = 0.0
    distinct = 0.0
    examples = []
    prompts = [(i, j) for i in range(len(labels.verbs)) for j in range(len(labels.nouns))]
    for i, j in prompts:
        text = template.format(verb=labels.verbs[i], noun=labels.nouns[j])
        words = [int(t) for t in generate(model, text, config)[0]]
        hits_v += sum(labels.verb.get(w) == i for w in words) / len(words)
        hits_n += sum(labels.noun.get(w) == j for w in words) / len(words)
        distinct += len(set(words))
        if len(examples) < 8:
            examples.append((text, tuple(words)))
    frequent = labels.most_frequent(config.length)
    fv = np.mean([sum(labels.verb.get(w) == i for w in frequent) / max(len(frequent), 1) for i, _ in prompts])
    fn = np.mean([sum(labels.noun.get(w) == j for w in frequent) / max(len(frequent), 1) for _, j in prompts])
    rv, rn = labels.reachable()
    n = len(prompts)
    return TextToVideoResult(template, n, config.length, hits_v / n, hits_n / n, float(fv), float(fn),
                             1 / len(labels.verbs), 1 / len(labels.nouns), rv, rn, distinct / n, tuple(examples))
