"""How much narration each video of a corpus has: what ingest reports and what the pretraining
split reads, so that a corpus whose text is missing or only ASR filler is said out loud.

Speech recognition turns music, noise and silence into filler: Whisper writes "Mm-hmm.",
"you" or "Thank you." over a cartoon's soundtrack. A sentence is *filler* when every word of
it is in `FILLER_WORDS`; a video is *narrated* when it has at least one sentence that is not.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any, Iterable, Mapping, Sequence

FILLER_WORDS = frozenset(
    "mm mmm hmm mhm mm-hmm uh-huh uh um uhm huh hm oh ah eh ooh aah you thank thanks yeah yes no okay ok bye "
    "so music applause laughter watching for the".split()
)


def words(text: str) -> list[str]:
    return re.findall(r"[a-z]+(?:[-'][a-z]+)*", text.lower())


def is_filler(text: str) -> bool:
    """True for a sentence made only of filler words ("Mm-hmm.", "you", "Thank you.", "") ."""
    return all(w in FILLER_WORDS or w.replace("-", "") in FILLER_WORDS for w in words(text))


@dataclasses.dataclass(frozen=True)
class Narration:
    """One video's text: its sentences, how many are filler, and a sample of them."""
    video_id: str
    sentences: int
    filler: int
    sample: tuple[str, ...] = ()

    @property
    def narrated(self) -> bool:
        return self.sentences > self.filler

    @property
    def filler_only(self) -> bool:
        return self.sentences > 0 and self.filler == self.sentences


def narration_of(video_id: str, sentences: Sequence[Any]) -> Narration:
    """`sentences`: the record's sentences (dicts with "text", or objects with ``.text``)."""
    texts = [s["text"] if isinstance(s, Mapping) else s.text for s in sentences]
    filler = sum(is_filler(t) for t in texts)
    return Narration(video_id, len(texts), filler, tuple(dict.fromkeys(texts))[:3])


def corpus_narration(corpus: Any, video_ids: Iterable[str] | None = None) -> dict[str, Narration]:
    """Video id -> `Narration`, read from each video's metadata (one small JSON file per video)."""
    ids = corpus.video_ids() if video_ids is None else list(video_ids)
    return {v: narration_of(v, corpus.read_meta(v).get("sentences", [])) for v in ids}


def describe(narration: Mapping[str, Narration], max_lines: int = 30) -> list[str]:
    """Lines for a log: sentences per video (every video up to `max_lines`, else a summary and the
    videos without narration), and a warning line per problem."""
    rows = list(narration.values())
    total = sum(n.sentences for n in rows)
    lines = [f"{len(rows)} videos, {total} sentences "
             f"({sum(n.narrated for n in rows)} videos narrated, {sum(n.sentences == 0 for n in rows)} without text, "
             f"{sum(n.filler_only for n in rows)} with filler only)"]
    if len(rows) <= max_lines:
        for n in rows:
            flag = "  <- no text" if n.sentences == 0 else "  <- filler only (ASR of non-speech?)" if n.filler_only else ""
            sample = f": {' | '.join(n.sample)[:70]}" if n.sample else ""
            lines.append(f"  {n.video_id}: {n.sentences} sentences{sample}{flag}")
    else:
        silent = [n.video_id for n in rows if not n.narrated]
        if silent:
            lines.append(f"  without narration (no text or filler only): {', '.join(silent[:20])}"
                         + (f" and {len(silent) - 20} more" if len(silent) > 20 else ""))
    return lines


def warnings(narration: Mapping[str, Narration]) -> list[str]:
    """What makes this corpus a poor one for learning from text, in words (empty: nothing)."""
    rows = list(narration.values())
    out = []
    narrated = [n for n in rows if n.narrated]
    filler = [n.video_id for n in rows if n.filler_only]
    if rows and not narrated:
        out.append("no video has narration (sentences that are not filler): pretraining will learn from video alone")
    elif rows and len(narrated) * 2 < len(rows):
        out.append(f"only {len(narrated)} of {len(rows)} videos are narrated: most of the text comes from "
                   f"{', '.join(n.video_id for n in narrated[:5])}")
    if filler:
        out.append(f"{len(filler)} video(s) have only filler sentences (e.g. 'Mm-hmm.', 'you', 'Thank you.': what "
                   f"speech recognition writes over music or noise): {', '.join(filler[:10])}")
    return out
