"""The script of one synthetic video: which steps happen when, and what the narrator says.

A script is a pure function of (config, video index): it is cheap, so a resumed run
recomputes the scripts of finished videos to write the ground truth without re-rendering.
All times are on the video's frame grid (multiples of 1/fps), in seconds.
"""
from __future__ import annotations

import dataclasses

import numpy as np

VERBS = ("cut", "stir", "pour", "peel", "wash", "fry")
NOUNS = ("tomato", "onion", "carrot", "potato", "egg", "pepper", "bread", "cheese")

# Step narration. The paper's zero-shot template ("now let me show you how to VERB the
# NOUN") and the captioning template's opening ("now let's VERB the NOUN") are among the
# phrasings, twice as likely as the others, so a model sees the evaluation wording in training.
PHRASINGS = (
    ("now {v} the {n}", 1),
    ("let's {v} the {n}", 1),
    ("now let's {v} the {n}", 2),
    ("next we {v} the {n}", 1),
    ("now let me show you how to {v} the {n}", 2),
    ("then you {v} the {n}", 1),
    ("{v} the {n} {how}", 1),
)
HOW = {"cut": "into pieces", "stir": "really well", "pour": "slowly", "peel": "carefully",
       "wash": "under the water", "fry": "in the pan"}
FILLERS = ("okay", "this is really easy", "that looks good", "alright", "just like that",
           "you can see it here", "so simple", "we are almost done")


@dataclasses.dataclass(frozen=True)
class Step:
    verb: str
    noun: str
    start: float  # seconds, the step's true visual interval
    end: float

    @property
    def sentence(self) -> str:
        """The canonical ground-truth sentence (YouCook II style: lowercase, no period)."""
        return f"{self.verb} the {self.noun}"


@dataclasses.dataclass(frozen=True)
class Cue:
    text: str
    start: float
    end: float
    step: int | None  # index of the step it narrates; None for filler talk


@dataclasses.dataclass(frozen=True)
class Script:
    duration: float
    steps: tuple[Step, ...]
    idles: tuple[tuple[float, float], ...]  # empty-counter stretches (start, end)
    cues: tuple[Cue, ...]


def speech_seconds(text: str) -> float:
    """Caption length for a sentence: an upper bound on espeak-ng's time at 160 words/min.

    A formula, not the rendered audio, so captions are identical with or without espeak-ng.
    """
    return 0.6 + 0.25 * len(text.split())


def make_script(rng: np.random.Generator, fps: int, steps_min: int, steps_max: int,
                step_seconds: tuple[float, float], idle_prob: float, idle_seconds: tuple[float, float],
                lag: float, filler_prob: float) -> Script:
    def on_grid(t: float) -> float:
        return round(t * fps) / fps

    n_steps = int(rng.integers(steps_min, steps_max + 1))
    t = on_grid(rng.uniform(0.5, 1.5))  # a short empty-counter lead-in
    idles = [(0.0, t)]
    steps: list[Step] = []
    for i in range(n_steps):
        if i > 0 and rng.random() < idle_prob:
            gap = on_grid(rng.uniform(*idle_seconds))
            idles.append((t, t + gap))
            t += gap
        while True:  # never the same (verb, noun) twice in a row
            verb, noun = VERBS[rng.integers(len(VERBS))], NOUNS[rng.integers(len(NOUNS))]
            if not steps or (verb, noun) != (steps[-1].verb, steps[-1].noun):
                break
        length = on_grid(rng.uniform(*step_seconds))
        steps.append(Step(verb, noun, round(t, 4), round(t + length, 4)))
        t += length
    tail = on_grid(rng.uniform(0.5, 1.5))
    idles.append((t, t + tail))
    duration = round(t + tail, 4)

    phrasings = [p for p, _ in PHRASINGS]
    weights = np.array([w for _, w in PHRASINGS], dtype=np.float64)
    cues: list[Cue] = []
    free_from = 0.0  # cues never overlap: the next one starts after the previous ends
    for i, s in enumerate(steps):
        text = phrasings[rng.choice(len(phrasings), p=weights / weights.sum())]
        text = text.format(v=s.verb, n=s.noun, how=HOW[s.verb])
        start = on_grid(max(s.start + rng.uniform(-lag, lag), free_from + 0.2, 0.0))
        end = on_grid(start + speech_seconds(text))
        cues.append(Cue(text, start, end, i))
        free_from = end
        # Filler talk later in the step, only where it ends inside the step and before the
        # next step's narration could begin; idle stretches stay silent (video-only segments).
        limit = min(s.end, (steps[i + 1].start if i + 1 < len(steps) else duration) - lag - 0.2)
        if rng.random() < filler_prob:
            text = FILLERS[rng.integers(len(FILLERS))]
            start = on_grid(free_from + rng.uniform(0.5, 2.0))
            end = on_grid(start + speech_seconds(text))
            if end <= limit:
                cues.append(Cue(text, start, end, None))
                free_from = end
    return Script(duration, tuple(steps), tuple((round(a, 4), round(b, 4)) for a, b in idles), tuple(cues))
