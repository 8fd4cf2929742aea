"""Narrated synthetic kitchen videos with known ground truth (`videobert synth`).

    from videobert.synth import SynthConfig, generate, load_ground_truth
    r = generate("runs/synth", SynthConfig(videos=80, seed=0))   # mp4 + vtt + annotations.json
    r.videos[0].steps    # (Step(verb, noun, start, end), ...): the true visual intervals
    r.videos[0].cues     # (Cue(text, start, end, step), ...): the narration, as in the .vtt
    load_ground_truth("runs/synth") == r
    generate("runs/studio", SynthConfig(videos=16, style="studio"))  # another look and narrator

Styles (`STYLES`): "kitchen" (default) and "studio", a held-out look and narration with the
same labels, for checking transfer; see `generator`'s docstring.

Modules: `script` (what happens when, and what is said), `render` (pixels), `audio`
(espeak-ng narration), `generator` (files on disk, config, split, resume), `cli`.
"""
from .generator import STYLES, SynthConfig, SynthResult, SynthVideo, generate, load_ground_truth, to_vtt
from .script import NOUNS, VERBS, Cue, Step

__all__ = ["STYLES", "SynthConfig", "SynthResult", "SynthVideo", "generate", "load_ground_truth", "to_vtt",
           "VERBS", "NOUNS", "Step", "Cue"]
