"""Narrated synthetic kitchen videos with known ground truth (`videobert synth`)."""
from .generate import SynthConfig, SynthResult, SynthVideo, generate, load_ground_truth, to_vtt
from .script import NOUNS, VERBS, Cue, Step

__all__ = ["SynthConfig", "SynthResult", "SynthVideo", "generate", "load_ground_truth", "to_vtt",
           "VERBS", "NOUNS", "Step", "Cue"]
