"""Timed words -> timed sentences.

Captions and ASR both produce a stream of `Word(text, start, end)`. When the stream has
sentence punctuation (. ! ?) we split after it; otherwise (raw ASR) we split at pauses of at
least `pause` seconds between words; ASR text (Whisper) splits at both. Either way a sentence
never exceeds `max_words` words.
Each sentence spans its first word's start to its last word's end.
"""
from __future__ import annotations

import dataclasses
import re

from ..corpus import Sentence


@dataclasses.dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float


_END = re.compile(r"[.!?][\"')\]]*$")


def words_from_text(text: str, start: float, end: float) -> list[Word]:
    """Spread the words of a caption line over [start, end] in proportion to their length."""
    toks = text.split()
    if not toks:
        return []
    total = sum(len(t) for t in toks)
    out, pos = [], 0
    for t in toks:
        a = start + (end - start) * pos / total
        pos += len(t)
        out.append(Word(t, a, start + (end - start) * pos / total))
    return out


def split_sentences(words: list[Word], pause: float = 0.6, max_words: int = 24,
                    split_at_pauses: bool = False) -> list[Sentence]:
    """`split_at_pauses`: also split punctuated text at pauses (ASR, whose word times are real;
    caption words are spread evenly over their cue, so their gaps say little)."""
    punctuated = any(_END.search(w.text) for w in words)
    sentences: list[Sentence] = []
    cur: list[Word] = []

    def flush() -> None:
        if cur:
            sentences.append(Sentence(" ".join(w.text for w in cur), cur[0].start, cur[-1].end))
            cur.clear()

    for w in words:
        if cur and (split_at_pauses or not punctuated) and w.start - cur[-1].end >= pause:
            flush()
        cur.append(w)
        if (punctuated and _END.search(w.text)) or len(cur) >= max_words:
            flush()
    flush()
    return sentences
