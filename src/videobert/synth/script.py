"""The script of one synthetic video: which steps happen when, and what the narrator says.

A script is a pure function of (config, video index): it is cheap, so a resumed run
recomputes the scripts of finished videos to write the ground truth without re-rendering.
All times are on the video's frame grid (multiples of 1/fps), in seconds.

The narrator's wording comes from a `Narration` table per style: "kitchen" (the default, the
corpus everything is tuned on) and "studio" (other phrasings, filler talk and manner phrases,
a slower-to-react narrator: 1.5x the lag, and another espeak-ng voice), for checking that
what a model learns transfers to narration nobody tuned on. The labels and the step
timings' distribution are the same in both.

With `details` (the default), a step also has attributes that show in the picture: a size
(small, big), one of two colours per noun (names per style, from render.Look.variants) and,
in 3 of 4 steps, a destination the food goes to ("in the bowl", "on the plate", "in the pot",
drawn in a corner of the frame). Its description, the YouCook II-style annotation sentence,
names all of them ("cut the big green tomato and put it in the bowl"). The narrator mentions
them some of the time: in the step's sentence ("now let's cut the big tomato", half the
steps), in an attribute sentence ("i'm using a green tomato today") and a destination sentence
("then put it in the bowl"), each where it fits inside the step. These draws come from a
generator of their own, so `details=False` reproduces the plain corpus exactly.
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
SIZES = ("small", "big")
DESTINATIONS = ("in the bowl", "on the plate", "in the pot")  # where a step's food goes (or nowhere)
# How each narrator says the attributes: synonyms of the sizes, an attribute sentence and a
# destination sentence ({size}, {colour}, {n}, {dest} filled in).
SIZE_WORDS = {"small": ("small", "small", "little"), "big": ("big", "big", "large")}
ATTRIBUTE_LINES = ("this one is a {size} {n}", "i'm using a {colour} {n} today", "see how {size} it is",
                   "it's a {size} {colour} one")
DEST_LINES = ("then put it {dest}", "and now it goes {dest}", "put the {n} {dest}")
FILLERS = ("okay", "this is really easy", "that looks good", "alright", "just like that",
           "you can see it here", "so simple", "we are almost done")

# The "studio" narrator: none of the kitchen's phrasings, and the zero-shot template only
# rarely (1 in 19 step sentences, 2 in 19 counting "so now let me show you how to ..."),
# since a held-out corpus may phrase its steps quite differently.
STUDIO_PHRASINGS = (
    ("alright time to {v} the {n}", 3),
    ("go ahead and {v} the {n}", 3),
    ("we're going to {v} the {n} now", 3),
    ("i like to {v} the {n} first", 2),
    ("first {v} your {n}", 2),
    ("you want to {v} your {n} {how}", 2),
    ("make sure you {v} the {n}", 2),
    ("so now let me show you how to {v} the {n}", 1),
    ("now let me show you how to {v} the {n}", 1),
)
STUDIO_HOW = {"cut": "into small cubes", "stir": "gently", "pour": "all at once", "peel": "with a knife",
              "wash": "in cold water", "fry": "until golden"}
STUDIO_SIZE_WORDS = {"small": ("small", "tiny"), "big": ("big", "huge")}
STUDIO_ATTRIBUTE_LINES = ("we've got a {colour} one here", "pick a nice {size} {n}", "mine is quite {size}",
                          "look at this {colour} {n}")
STUDIO_DEST_LINES = ("pop it {dest} afterwards", "transfer it {dest}", "and that goes straight {dest}")
STUDIO_FILLERS = ("perfect", "look at that", "nice and easy", "don't worry if it's messy", "there we go",
                  "you're going to love this", "that's about it", "keep it moving")


@dataclasses.dataclass(frozen=True)
class Narration:
    """How a style's narrator talks: step phrasings ({v} verb, {n} noun, {how} the verb's manner)
    with sampling weights, the manner phrases, filler talk, a multiplier on the config's
    narration lag, and the espeak-ng voice."""
    phrasings: tuple[tuple[str, int], ...]
    how: dict[str, str]
    fillers: tuple[str, ...]
    lag_scale: float = 1.0
    voice: str = "en-us"
    size_words: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=lambda: dict(SIZE_WORDS))
    attribute_lines: tuple[str, ...] = ATTRIBUTE_LINES
    dest_lines: tuple[str, ...] = DEST_LINES
    # loose narration (the "hard" style; `Loose`): a step named by its verb alone ({v}, {how}) or its
    # noun alone ({n}), a preview of the next step ({v}, {n}), off-topic talk ({n}: any noun)
    verb_only: tuple[str, ...] = ()
    noun_only: tuple[str, ...] = ()
    previews: tuple[str, ...] = ()
    offtopic: tuple[str, ...] = ()


NARRATIONS = {
    "kitchen": Narration(PHRASINGS, HOW, FILLERS),
    "studio": Narration(STUDIO_PHRASINGS, STUDIO_HOW, STUDIO_FILLERS, lag_scale=1.5, voice="en-gb",
                        size_words=STUDIO_SIZE_WORDS, attribute_lines=STUDIO_ATTRIBUTE_LINES,
                        dest_lines=STUDIO_DEST_LINES),
}

# ---- the "hard" style: more labels, long tails, loose narration ------------------------------
# 12 verbs x 20 nouns: the kitchen's and new ones, each with its own motion / look (render.py).
HARD_VERBS = VERBS + ("mash", "grate", "sprinkle", "roll", "flip", "bake")
HARD_NOUNS = NOUNS + ("apple", "lemon", "banana", "mushroom", "garlic", "cucumber", "lettuce", "corn", "fish",
                      "chicken", "rice", "butter")
HARD_HOW = {**HOW, "mash": "until smooth", "grate": "on the fine side", "sprinkle": "over the top",
            "roll": "back and forth", "flip": "halfway through", "bake": "for twenty minutes"}
HARD_VERB_ONLY = ("now we {v} it", "time to {v} this", "{v} it {how}", "and we {v}", "let's {v} that",
                  "you just {v} it like this")
HARD_NOUN_ONLY = ("here is the {n}", "grab a {n}", "i got this {n} at the market", "look at this {n}")
HARD_PREVIEWS = ("after this we {v} the {n}", "in a minute we will {v} the {n}", "next up we {v} it",
                 "later on you {v} the {n}")
HARD_OFFTOPIC = ("don't forget to subscribe", "my kids love this recipe", "the weather is great today",
                 "let me know in the comments", "i bought this pan last week", "this reminds me of my trip",
                 "we had {n} for dinner yesterday", "i also love {n} in salads", "my mother never used {n}")
HARD_NARRATION = Narration(
    PHRASINGS + STUDIO_PHRASINGS, HARD_HOW, FILLERS + STUDIO_FILLERS, lag_scale=2.0, voice="en-us",
    size_words={k: tuple(dict.fromkeys(SIZE_WORDS[k] + STUDIO_SIZE_WORDS[k])) for k in SIZE_WORDS},
    attribute_lines=ATTRIBUTE_LINES + STUDIO_ATTRIBUTE_LINES, dest_lines=DEST_LINES + STUDIO_DEST_LINES,
    verb_only=HARD_VERB_ONLY, noun_only=HARD_NOUN_ONLY, previews=HARD_PREVIEWS, offtopic=HARD_OFFTOPIC)
NARRATIONS["hard"] = HARD_NARRATION
VOCABULARIES = {"kitchen": (VERBS, NOUNS), "studio": (VERBS, NOUNS), "hard": (HARD_VERBS, HARD_NOUNS)}


@dataclasses.dataclass(frozen=True)
class Loose:
    """How loosely the narrator follows the steps: `full` of the steps' sentences name verb and
    noun; of the rest, 2 in 5 name the verb alone, 1 in 5 the noun alone, 2 in 5 are silent.
    `preview`: chance of a line naming the next step during this one; `offtopic`: chance of an
    off-topic line after a step (it may name any noun)."""
    full: float = 1.0
    preview: float = 0.0
    offtopic: float = 0.0

    @property
    def active(self) -> bool:
        return self.full < 1.0 or self.preview > 0.0 or self.offtopic > 0.0


class PairSampler:
    """Draws a step's (verb, noun): each from a Zipf law over a seeded ranking of its vocabulary
    (P(rank r) ~ 1 / r ** `zipf`; 0: uniform), never a held-out pair in a training video; in a
    validation video, a held-out pair (uniformly) with chance `heldout_share`, so that the
    evaluation sees them often enough, else the same law as training but unrestricted."""

    def __init__(self, verbs, nouns, zipf: float, rank_rng: np.random.Generator,
                 heldout: tuple[tuple[str, str], ...] = (), validation: bool = False, heldout_share: float = 0.0):
        self.verbs, self.nouns = tuple(verbs), tuple(nouns)
        self.pv, self.pn = zipf_weights(len(self.verbs), zipf, rank_rng), zipf_weights(len(self.nouns), zipf, rank_rng)
        self.heldout, self.validation, self.share = tuple(heldout), validation, heldout_share
        self._held = set(self.heldout)

    def __call__(self, rng: np.random.Generator) -> tuple[str, str]:
        if self.validation and self.heldout and rng.random() < self.share:
            return self.heldout[rng.integers(len(self.heldout))]
        while True:
            pair = (self.verbs[rng.choice(len(self.verbs), p=self.pv)], self.nouns[rng.choice(len(self.nouns), p=self.pn)])
            if self.validation or pair not in self._held:
                return pair


def zipf_weights(n: int, s: float, rank_rng: np.random.Generator) -> np.ndarray:
    """(n,) probabilities: item i gets 1 / rank_i ** s, ranks a permutation drawn from `rank_rng`."""
    ranks = rank_rng.permutation(n) + 1
    w = 1.0 / ranks.astype(np.float64) ** s
    return w / w.sum()


def heldout_pairs(verbs, nouns, share: float, rng: np.random.Generator) -> tuple[tuple[str, str], ...]:
    """round(share * |verbs| * |nouns|) pairs held out of training, drawn so that every verb and
    every noun keeps at least half of its pairs in training (sorted)."""
    k = int(round(share * len(verbs) * len(nouns)))
    pairs = [(v, n) for v in verbs for n in nouns]
    out: list[tuple[str, str]] = []
    per_v: dict[str, int] = {}
    per_n: dict[str, int] = {}
    for i in rng.permutation(len(pairs)):
        if len(out) == k:
            break
        v, n = pairs[i]
        if 2 * (per_v.get(v, 0) + 1) <= len(nouns) and 2 * (per_n.get(n, 0) + 1) <= len(verbs):
            out.append((v, n))
            per_v[v], per_n[n] = per_v.get(v, 0) + 1, per_n.get(n, 0) + 1
    return tuple(sorted(out))


@dataclasses.dataclass(frozen=True)
class Step:
    verb: str
    noun: str
    start: float  # seconds, the step's true visual interval
    end: float
    size: str | None = None  # one of SIZES (with details)
    colour: str | None = None  # the noun's colour variant (with details)
    dest: str | None = None  # one of DESTINATIONS, or None: the food goes nowhere

    @property
    def sentence(self) -> str:
        """The canonical ground-truth sentence (YouCook II style: lowercase, no period):
        "cut the tomato", with details "cut the big green tomato and put it in the bowl"."""
        noun = " ".join(w for w in (self.size, self.colour, self.noun) if w)
        return f"{self.verb} the {noun}" + (f" and put it {self.dest}" if self.dest else "")


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
                lag: float, filler_prob: float, narration: Narration = NARRATIONS["kitchen"],
                details: np.random.Generator | None = None,
                colours: dict[str, tuple[str, ...]] | None = None, pairs: PairSampler | None = None,
                loose: Loose | None = None) -> Script:
    """One video's steps, idle stretches and narration cues; `lag` is scaled by `narration.lag_scale`.

    `details` (a generator of its own) adds each step's size, colour (one of `colours[noun]`)
    and destination, and the narration that mentions them; None gives the plain corpus, drawing
    exactly the random numbers it always drew from `rng`. `pairs` draws each step's (verb, noun)
    (long tails, held-out pairs; None: uniform over VERBS x NOUNS, as always); `loose` narrates
    loosely (`_narrate_loose`; None or inactive: every step named by its sentence, as always).
    """
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
            if pairs is None:
                verb, noun = VERBS[rng.integers(len(VERBS))], NOUNS[rng.integers(len(NOUNS))]
            else:
                verb, noun = pairs(rng)
            if not steps or (verb, noun) != (steps[-1].verb, steps[-1].noun):
                break
        length = on_grid(rng.uniform(*step_seconds))
        steps.append(Step(verb, noun, round(t, 4), round(t + length, 4)))
        t += length
    tail = on_grid(rng.uniform(0.5, 1.5))
    idles.append((t, t + tail))
    duration = round(t + tail, 4)
    if details is not None:
        steps = [_with_details(s, details, colours) for s in steps]
    if loose is not None and loose.active:
        cues = _narrate_loose(rng, details, steps, duration, lag * narration.lag_scale, filler_prob, narration,
                              on_grid, loose, [] if pairs is None else pairs.nouns)
    else:
        cues = _narrate(rng, details, steps, duration, lag * narration.lag_scale, filler_prob, narration, on_grid)
    return Script(duration, tuple(steps), tuple((round(a, 4), round(b, 4)) for a, b in idles), tuple(cues))


def _with_details(step: Step, rng: np.random.Generator, colours: dict[str, tuple[str, ...]] | None) -> Step:
    if not colours or step.noun not in colours:
        raise ValueError(f"details need colour names for every noun; missing {step.noun!r}")
    size = SIZES[rng.integers(len(SIZES))]
    colour = colours[step.noun][rng.integers(len(colours[step.noun]))]
    k = int(rng.integers(len(DESTINATIONS) + 1))  # one in four steps: no destination
    return dataclasses.replace(step, size=size, colour=colour, dest=DESTINATIONS[k] if k < len(DESTINATIONS) else None)


def _noun_phrase(step: Step, rng: np.random.Generator | None, narration: Narration) -> str:
    """The noun as the narrator says it in the step's sentence: with details, half the time
    with its size, its colour or both in front ("big tomato", "green tomato", "big green tomato")."""
    if rng is None or rng.random() < 0.5:
        return step.noun
    size = _pick(rng, narration.size_words[step.size])
    return (size, step.colour, f"{size} {step.colour}")[rng.integers(3)] + f" {step.noun}"


def _pick(rng: np.random.Generator, options) -> str:
    return options[rng.integers(len(options))]


def _narrate(rng: np.random.Generator, details: np.random.Generator | None, steps: list[Step], duration: float,
             lag: float, filler_prob: float, narration: Narration, on_grid) -> list[Cue]:
    """The cues: per step its sentence near the step's start, then (with details) an attribute
    and a destination sentence, then filler talk, each only where it ends inside the step and
    before the next step's narration could begin; idle stretches stay silent."""
    phrasings = [p for p, _ in narration.phrasings]
    weights = np.array([w for _, w in narration.phrasings], dtype=np.float64)
    cues: list[Cue] = []
    free_from = 0.0  # cues never overlap: the next one starts after the previous ends
    for i, s in enumerate(steps):
        text = phrasings[rng.choice(len(phrasings), p=weights / weights.sum())]
        text = text.format(v=s.verb, n=_noun_phrase(s, details, narration), how=narration.how[s.verb])
        start = on_grid(max(s.start + rng.uniform(-lag, lag), free_from + 0.2, 0.0))
        end = on_grid(start + speech_seconds(text))
        cues.append(Cue(text, start, end, i))
        free_from = end
        limit = min(s.end, (steps[i + 1].start if i + 1 < len(steps) else duration) - lag - 0.2)
        if details is not None:
            for line in _detail_lines(s, details, narration):
                start = on_grid(free_from + details.uniform(0.3, 1.2))
                end = on_grid(start + speech_seconds(line))
                if end <= limit:
                    cues.append(Cue(line, start, end, i))
                    free_from = end
        if rng.random() < filler_prob:
            text = narration.fillers[rng.integers(len(narration.fillers))]
            start = on_grid(free_from + rng.uniform(0.5, 2.0))
            end = on_grid(start + speech_seconds(text))
            if end <= limit:
                cues.append(Cue(text, start, end, None))
                free_from = end
    return cues


def _detail_lines(step: Step, rng: np.random.Generator, narration: Narration) -> list[str]:
    """What the narrator adds about a step: its attributes (half the steps) and where the food
    goes (7 in 10 steps that have a destination)."""
    lines = []
    if rng.random() < 0.5:
        lines.append(_pick(rng, narration.attribute_lines).format(
            size=_pick(rng, narration.size_words[step.size]), colour=step.colour, n=step.noun))
    if step.dest and rng.random() < 0.7:
        lines.append(_pick(rng, narration.dest_lines).format(dest=step.dest, n=step.noun))
    return lines


def _narrate_loose(rng: np.random.Generator, details: np.random.Generator | None, steps: list[Step],
                   duration: float, lag: float, filler_prob: float, narration: Narration, on_grid, loose: Loose,
                   nouns) -> list[Cue]:
    """Like `_narrate`, but the step's sentence names the whole step only `loose.full` of the
    time (else its verb alone, its noun alone, or nothing), a preview of the next step may follow
    (a cue narrating the next step, while this one is on screen), and off-topic lines may run on
    into the idle stretch after the step. Cues never overlap."""
    phrasings = [p for p, _ in narration.phrasings]
    weights = np.array([w for _, w in narration.phrasings], dtype=np.float64)
    rest = 1.0 - loose.full
    kinds = np.array([loose.full, 0.4 * rest, 0.2 * rest, 0.4 * rest])  # full, verb, noun, silent
    nouns = list(nouns) or sorted({s.noun for s in steps})
    cues: list[Cue] = []
    free_from = 0.0

    def say(text: str, start: float, limit: float, step: int | None) -> bool:
        nonlocal free_from
        start = on_grid(max(start, free_from + 0.2, 0.0))
        end = on_grid(start + speech_seconds(text))
        if end > limit:
            return False
        cues.append(Cue(text, start, end, step))
        free_from = end
        return True

    for i, s in enumerate(steps):
        nxt = steps[i + 1] if i + 1 < len(steps) else None
        limit = min(s.end, (nxt.start if nxt else duration) - lag - 0.2)
        kind = int(rng.choice(4, p=kinds / kinds.sum()))
        if kind == 0:
            text = phrasings[rng.choice(len(phrasings), p=weights / weights.sum())]
            text = text.format(v=s.verb, n=_noun_phrase(s, details, narration), how=narration.how[s.verb])
        elif kind == 1:
            text = _pick(rng, narration.verb_only).format(v=s.verb, how=narration.how[s.verb])
        elif kind == 2:
            text = _pick(rng, narration.noun_only).format(n=s.noun)
        else:
            text = ""
        if text:  # the step's own sentence may start before the step, and is never cut short
            say(text, s.start + rng.uniform(-lag, lag), duration, i)
        if details is not None and text:
            for line in _detail_lines(s, details, narration):
                say(line, free_from + details.uniform(0.3, 1.2), limit, i)
        if nxt is not None and rng.random() < loose.preview:
            say(_pick(rng, narration.previews).format(v=nxt.verb, n=nxt.noun), free_from + rng.uniform(0.3, 1.5),
                limit, i + 1)
        if rng.random() < loose.offtopic:  # may run into the idle stretch, not into the next step's narration
            say(_pick(rng, narration.offtopic).format(n=_pick(rng, nouns)), free_from + rng.uniform(0.3, 1.5),
                (nxt.start - lag - 0.2) if nxt else duration, None)
        elif rng.random() < filler_prob:
            say(_pick(rng, narration.fillers), free_from + rng.uniform(0.5, 2.0), limit, None)
    return cues
