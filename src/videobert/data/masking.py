"""BERT masking on both modalities.

Each ordinary text token and each visual token is chosen for prediction with its modality's
rate; a chosen token becomes `[MASK]` 80% of the time, a random token *of the same modality*
10% (random visual word for video, random WordPiece for text), and stays 10%. `[CLS]`,
`[SEP]`, `[>]` are never chosen.

What is masked depends on the example's view (`videobert.data.examples`):

- text-only and video-only examples, and the ``MLM`` view of a video-text pair: text is chosen
  at `text_rate` (`vt_text_rate` in video-text pairs), video at `video_rate`. Text in video-text
  pairs is masked at 0.8 by default, not BERT's 0.15: with 15%, and even with 50%, the masked
  caption words were guessable from the remaining text and the model learned to ignore the
  video (docs/learning.md);
  In those pairs, English function words ("the", "to", "you", ...; `FUNCTION_WORDS`) are masked
  at `vt_function_rate` (0.15) instead: they say nothing the video could explain, and zero-shot
  classification reads a template whose function words are all visible ("now let me show you how
  to [MASK] the [MASK]"), so training shows the content words masked in a readable sentence;
- the ``T2V`` view: every visual token is chosen (and always becomes ``[MASK]``); the text is
  left whole. This is the input text-to-video generation starts from;
- the ``ALIGN`` view: nothing is masked or predicted, positives and negatives alike, so the
  alignment classifier sees the whole caption and no masking pattern that could tell the label.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..utils.config import Config
from .examples import ALIGN, IGNORE, T2V, VIDEO_TEXT


@dataclasses.dataclass(frozen=True)
class MaskRates(Config):
    text_rate: float = 0.15
    video_rate: float = 0.15
    vt_text_rate: float = 0.8
    vt_function_rate: float = 0.15  # function words in video-text pairs (module docstring)

    def validate(self) -> None:
        for f in ("text_rate", "video_rate", "vt_text_rate", "vt_function_rate"):
            if not 0.0 <= getattr(self, f) <= 1.0:
                self.fail(f, getattr(self, f), "must be in [0, 1]")


# Closed-class English words (determiners, pronouns, prepositions, conjunctions, auxiliaries,
# particles): the words of a sentence that no video shows.
FUNCTION_WORDS = frozenset("""
a an the this that these those some any all each every no
i me my we us our you your he him his she her it its they them their there here
to of in on at by for with from into onto over under up down out off about as than then
and or but so if because while when where what which who how why
is am are was were be been being do does did have has had will would can could should may might must shall
let let's not just now also very too again okay ok oh well yes alright really
""".split())


def function_word_ids(tokenizer) -> np.ndarray:
    """WordPiece ids of `FUNCTION_WORDS` that are a single piece in `tokenizer` (sorted)."""
    ids = {p[0] for w in FUNCTION_WORDS if len(p := list(tokenizer.encode_text(w))) == 1}
    return np.asarray(sorted(ids), dtype=np.int64)


class Masker:
    def __init__(self, tokenizer, rates: MaskRates = MaskRates()):
        self.tok = tokenizer
        self.rates = rates
        self.text_pool = np.setdiff1d(np.arange(tokenizer.num_text), sorted(tokenizer.special_ids))  # ordinary WordPieces
        self.function_ids = function_word_ids(tokenizer)
        # Per-id lookups instead of `np.isin` per example (most of the batch's build time).
        self._is_text = tokenizer.is_text(np.arange(tokenizer.vocab_size))  # (V,)
        self._is_function = np.zeros(tokenizer.vocab_size, dtype=bool)  # (V,)
        self._is_function[self.function_ids] = True

    def __call__(self, ids: np.ndarray, kind: int, view: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(T,) ids -> (masked ids (T,), labels (T,) with IGNORE where nothing is predicted)."""
        ids = np.array(ids, dtype=np.int64)
        labels = np.full_like(ids, IGNORE)
        text, vis = self._is_text[ids], ids >= self.tok.visual_offset
        u = rng.random(len(ids))
        r = rng.random(len(ids))
        if kind == VIDEO_TEXT and view == ALIGN:
            return ids, labels
        if kind == VIDEO_TEXT and view == T2V:
            labels[vis] = ids[vis]
            ids[vis] = self.tok.mask_id
            return ids, labels
        if kind == VIDEO_TEXT:
            p_text = np.where(self._is_function[ids], self.rates.vt_function_rate, self.rates.vt_text_rate)
        else:
            p_text = self.rates.text_rate
        chosen = (text & (u < p_text)) | (vis & (u < self.rates.video_rate))
        labels[chosen] = ids[chosen]
        rand = chosen & (r >= 0.8) & (r < 0.9)
        ids[chosen & (r < 0.8)] = self.tok.mask_id
        rt, rv = rand & text, rand & vis
        ids[rt] = rng.choice(self.text_pool, size=int(rt.sum()))
        ids[rv] = self.tok.visual_offset + rng.integers(0, self.tok.num_visual, size=int(rv.sum()))
        return ids, labels
