"""Narrated synthetic kitchen videos with known ground truth (`videobert synth`).

    from videobert.synth import SynthConfig, generate, load_ground_truth
    r = generate("runs/synth", SynthConfig(videos=80, seed=0))   # mp4 + vtt + annotations.json
    r.videos[0].steps    # (Step(verb, noun, start, end), ...): the true visual intervals
    r.videos[0].cues     # (Cue(text, start, end, step), ...): the narration, as in the .vtt
    load_ground_truth("runs/synth") == r

Modules: `script` (what happens when, and what is said), `render` (pixels), `audio`
(espeak-ng narration), `generator` (files on disk, config, split, resume), `cli`.
"""
from .generator import SynthConfig, SynthResult, SynthVideo, generate, load_ground_truth, to_vtt
from .script import NOUNS, VERBS, Cue, Step

__all__ = ["SynthConfig", "SynthResult", "SynthVideo", "generate", "load_ground_truth", "to_vtt",
           "VERBS", "NOUNS", "Step", "Cue"]
