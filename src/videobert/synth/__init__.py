"""Narrated synthetic kitchen videos with known ground truth (`videobert synth`).

    from videobert.synth import SynthConfig, generate, load_ground_truth
    r = generate("runs/synth", SynthConfig(videos=80, seed=0))   # mp4 + vtt + annotations.json
    r.videos[0].steps    # (Step(verb, noun, start, end), ...): the true visual intervals
    r.videos[0].cues     # (Cue(text, start, end, step), ...): the narration, as in the .vtt
    load_ground_truth("runs/synth") == r
    generate("runs/studio", SynthConfig(videos=16, style="studio"))  # another look and narrator
    generate("runs/hard", SynthConfig(videos=64, style="hard"))  # 12 x 20 labels, long tails, loose narration

Styles (`STYLES`): "kitchen" (default), "studio", a held-out look and narration with the
same labels, for checking transfer, and "hard" (more labels, long-tailed steps, held-out
verb-noun pairs, loose narration, distractors, lighting); see `generator`'s docstring.

Modules: `script` (what happens when, and what is said), `render` (pixels), `audio`
(espeak-ng narration), `generator` (files on disk, config, split, resume), `cli`.
"""
from .generator import (
    HELDOUT_FILE,
    STYLES,
    SynthConfig,
    SynthResult,
    SynthVideo,
    generate,
    load_ground_truth,
    read_heldout_pairs,
    to_vtt,
)
from .script import HARD_NOUNS, HARD_VERBS, NOUNS, VERBS, Cue, Step

__all__ = ["STYLES", "SynthConfig", "SynthResult", "SynthVideo", "generate", "load_ground_truth", "to_vtt",
           "HELDOUT_FILE", "read_heldout_pairs", "VERBS", "NOUNS", "HARD_VERBS", "HARD_NOUNS", "Step", "Cue"]
