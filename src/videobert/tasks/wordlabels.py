"""What each visual word shows: the majority verb / noun of its training clips.

Every clip of a training video is labelled with the (verb, noun) of the annotated step it lies
in (its verb / noun by the part-of-speech rule of `tasks.labels`), or with *nothing* where no
step covers it (an empty counter, a pause) or where the step's verb / noun is not a label. A visual word's
label is the most common label of its clips, nothing included, so a word that is mostly an
empty counter is labelled nothing and never counts as showing an action.

Used to score text-to-video (does a generated word show the named verb / noun?) and as the
per-word reference of zero-shot classification (each word votes its label).

`narration_labels` builds the same table from what pretraining reads instead of the annotated
steps: each clip is labelled with the verbs / nouns of the narration sentences whose video window
(widened by `context_clips`, as `data.examples` widens it) covers it. Where narration names every
step as it happens the two tables agree; where it names the step only part of the time, late, or
by its verb alone, the narration vote is what counting co-occurrences in the model's own training
signal gives, the fair reference for a model that never sees the annotations (docs/learning.md).
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any, Callable, Sequence

import numpy as np

from .annotations import CorpusSegment, clip_range
from .labels import label_indices, segment_labels


@dataclasses.dataclass(frozen=True)
class WordLabels:
    verbs: tuple[str, ...]
    nouns: tuple[str, ...]
    verb: dict[int, int | None]  # word -> index into `verbs` (None: mostly unlabelled clips)
    noun: dict[int, int | None]
    usage: Counter  # word -> training clips

    def most_frequent(self, n: int) -> list[int]:
        return [w for w, _ in self.usage.most_common(n)]

    def reachable(self) -> tuple[float, float]:
        """Share of the verbs and of the nouns that at least one word is labelled with."""
        return (len({v for v in self.verb.values() if v is not None}) / len(self.verbs),
                len({n for n in self.noun.values() if n is not None}) / len(self.nouns))


def word_labels(train: Sequence[CorpusSegment], tokens: Callable[[str], np.ndarray], verbs: Sequence[str],
                nouns: Sequence[str]) -> WordLabels:
    """Majority labels of the words of the training videos of `train` (tokens(video_id) -> leaf ids)."""
    by_video: dict[str, list[CorpusSegment]] = {}
    for s in train:
        by_video.setdefault(s.segment.video_id, []).append(s)
    labels = dict(zip(map(id, train), segment_labels(train, verbs, nouns)))  # one batch of parses
    clips: dict[str, tuple[np.ndarray, list, list]] = {}
    for vid, segs in sorted(by_video.items()):
        toks = np.asarray(tokens(vid))
        lv: list[list[int]] = [[] for _ in toks]
        ln: list[list[int]] = [[] for _ in toks]
        for s in segs:
            v, n = labels[id(s)]
            for c in range(s.lo, min(s.hi, len(toks))):
                # a later step overlapping a clip overrides an earlier one (one label per clip)
                lv[c] = [] if v is None else [v]
                ln[c] = [] if n is None else [n]
        clips[vid] = (toks, lv, ln)
    return _tally(clips, verbs, nouns)


def narration_labels(corpus: Any, video_ids: Sequence[str], tokens: Callable[[str], np.ndarray],
                     verbs: Sequence[str], nouns: Sequence[str], context_clips: int = 1) -> WordLabels:
    """Majority labels of the words of `video_ids` learned from their narration (the corpus'
    timed sentences), not from annotated steps: a clip votes every verb / noun of the sentences
    whose window covers it, a clip no labelled sentence covers votes nothing."""
    cfg = corpus.config
    clip_seconds = float(cfg.get("clip_frames", 30)) / float(cfg.get("fps", 20))
    records = {vid: corpus.read(vid) for vid in sorted(set(video_ids))}
    sentences = [(vid, s) for vid, rec in records.items() for s in rec.sentences]
    parsed = label_indices([s.text for _, s in sentences], verbs, nouns)  # one batch of parses
    clips: dict[str, tuple[np.ndarray, list, list]] = {}
    for vid in records:
        toks = np.asarray(tokens(vid))
        clips[vid] = (toks, [[] for _ in toks], [[] for _ in toks])
    for (vid, s), (v, n) in zip(sentences, parsed):
        toks, lv, ln = clips[vid]
        lo, hi = clip_range(records[vid].clip_starts, s.start, s.end, clip_seconds)
        if hi <= lo:
            continue
        for c in range(max(lo - context_clips, 0), min(hi + context_clips, len(toks))):
            if v is not None:
                lv[c].append(v)
            if n is not None:
                ln[c].append(n)
    return _tally(clips, verbs, nouns)


def _tally(clips: dict[str, tuple[np.ndarray, list, list]], verbs: Sequence[str], nouns: Sequence[str]) -> WordLabels:
    """WordLabels from each video's (tokens, verb labels per clip, noun labels per clip); a clip
    with no label counts as one vote for nothing."""
    votes_v: dict[int, Counter] = {}
    votes_n: dict[int, Counter] = {}
    usage: Counter = Counter()
    for toks, lv, ln in clips.values():
        for c, t in enumerate(toks.tolist()):
            for votes, labels in ((votes_v, lv[c]), (votes_n, ln[c])):
                counter = votes.setdefault(t, Counter())
                counter.update(labels or [None])
            usage[t] += 1
    verb = {t: _majority(c) for t, c in votes_v.items()}
    noun = {t: _majority(c) for t, c in votes_n.items()}
    return WordLabels(tuple(verbs), tuple(nouns), verb, noun, usage)


def _majority(c: Counter) -> int | None:
    # ties broken towards the smaller label index, nothing (None) last: deterministic
    return sorted(c.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] if kv[0] is not None else 0))[0][0]


def segment_reference(labels: WordLabels, segments: Sequence[CorpusSegment],
                      tokens: Callable[[str], np.ndarray]) -> tuple[float, float]:
    """Verb and noun top-1 of the per-word vote on `segments`: each clip's word votes its label
    (words labelled nothing abstain; with no vote, the most common label of the training clips).

    A reference for zero-shot classification, not a bound: a model reading several words at
    once can beat it (the bound the features allow is nearest-neighbour search on them)."""
    top_v = Counter(v for v in labels.verb.values() if v is not None).most_common(1)
    top_n = Counter(n for n in labels.noun.values() if n is not None).most_common(1)
    hits = np.zeros(2)
    n = np.zeros(2)
    for s, truth in zip(segments, segment_labels(segments, labels.verbs, labels.nouns)):
        words = np.asarray(tokens(s.segment.video_id))[s.lo : s.hi].tolist()
        for d, (table, fallback) in enumerate(((labels.verb, top_v), (labels.noun, top_n))):
            if truth[d] is None:
                continue
            votes = Counter(table.get(w) for w in words if table.get(w) is not None)
            guess = votes.most_common(1)[0][0] if votes else (fallback[0][0] if fallback else None)
            hits[d] += guess == truth[d]
            n[d] += 1
    return float(hits[0] / max(n[0], 1)), float(hits[1] / max(n[1], 1))


def nearest_neighbour_bound(corpus, train: Sequence[CorpusSegment], val: Sequence[CorpusSegment],
                            verbs: Sequence[str], nouns: Sequence[str]) -> tuple[float, float]:
    """Verb and noun top-1 of 1-nearest-neighbour search on the clip features themselves (cosine):
    each validation clip of a step takes the label of its nearest training clip of a step, and a
    segment the majority of its clips'. What the features allow before any quantization: the
    bound to read zero-shot numbers against."""
    def clips(segs):
        xs, ys, owner = [], [], []
        feats: dict[str, np.ndarray] = {}
        truth = segment_labels(segs, verbs, nouns)
        for i, s in enumerate(segs):
            vid = s.segment.video_id
            if vid not in feats:
                feats[vid] = np.asarray(corpus.read(vid).features, dtype=np.float32)
            f = feats[vid][s.lo : s.hi]
            xs.append(f / np.linalg.norm(f, axis=1, keepdims=True).clip(1e-8))
            ys += [truth[i]] * len(f)
            owner += [i] * len(f)
        return (np.concatenate(xs) if xs else np.zeros((0, 1), np.float32)), ys, np.asarray(owner)

    xt, yt, _ = clips(train)
    xv, yv, owner = clips(val)
    if not len(xt) or not len(xv):
        return float("nan"), float("nan")
    nearest = np.concatenate([(xv[a : a + 4096] @ xt.T).argmax(1) for a in range(0, len(xv), 4096)])
    hits, n = np.zeros(2), np.zeros(2)
    for i in np.unique(owner):
        idx = np.nonzero(owner == i)[0]
        for d in range(2):
            truth = yv[idx[0]][d]
            if truth is None:
                continue
            votes = Counter(yt[j][d] for j in nearest[idx] if yt[j][d] is not None)
            hits[d] += bool(votes) and votes.most_common(1)[0][0] == truth
            n[d] += 1
    return float(hits[0] / max(n[0], 1)), float(hits[1] / max(n[1], 1))
