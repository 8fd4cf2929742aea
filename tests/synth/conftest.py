"""Tiny synthetic corpora for the synth tests: 3 videos of 2 steps at 64x48, made once per session."""
from __future__ import annotations

import pytest

from videobert.synth import SynthConfig, generate

TINY = dict(videos=3, width=64, height=48, steps_min=2, steps_max=2, val_fraction=0.34)


@pytest.fixture(scope="session")
def make_synth(tmp_path_factory):
    """make_synth(name, **overrides) -> SynthResult, cached per name for the session."""
    made = {}

    def make(name: str, **overrides):
        if name not in made:
            made[name] = generate(tmp_path_factory.mktemp(name), SynthConfig(**{**TINY, **overrides}))
        return made[name]

    return make
