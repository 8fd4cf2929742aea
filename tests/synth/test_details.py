"""Step details: a size, a colour and a destination that show in the picture, in the annotation
sentence and (part of the time) in the narration; `details=False` is the plain corpus."""
from __future__ import annotations

import json

import numpy as np
import pytest

from videobert.synth import SynthConfig, generate
from videobert.synth.generator import script_for
from videobert.synth.render import KITCHEN, LOOKS, Scene
from videobert.synth.script import DESTINATIONS, NARRATIONS, SIZES, VOCABULARIES, Step

MANY = SynthConfig(videos=40, width=64, height=48, audio=False)


def steps_of(config: SynthConfig):
    return [(s, script) for i in range(config.videos) for script in [script_for(config, i)] for s in script.steps]


@pytest.mark.parametrize("style", ["kitchen", "studio"])
def test_every_step_has_details_named_in_its_sentence(style):
    config = MANY.replace(style=style)
    steps = [s for s, _ in steps_of(config)]
    names = LOOKS[style].colour_names()
    for s in steps:
        assert s.size in SIZES and s.colour in names[s.noun] and s.dest in DESTINATIONS + (None,)
        tail = f" and put it {s.dest}" if s.dest else ""
        assert s.sentence == f"{s.verb} the {s.size} {s.colour} {s.noun}{tail}"
    # every value occurs, roughly as often as drawn (1/2 each size and colour, 1/4 no destination)
    assert {s.size for s in steps} == set(SIZES) and {s.dest for s in steps} == set(DESTINATIONS) | {None}
    assert 0.15 < np.mean([s.dest is None for s in steps]) < 0.35
    assert 0.35 < np.mean([s.colour == names[s.noun][0] for s in steps]) < 0.65


def test_without_details_steps_are_plain_and_the_plain_draws_are_kept():
    plain, rich = MANY.replace(details=False), MANY
    for i in range(5):
        a, b = script_for(plain, i), script_for(rich, i)
        assert all(s.size is s.colour is s.dest is None for s in a.steps)
        assert [s.sentence for s in a.steps] == [f"{s.verb} the {s.noun}" for s in a.steps]
        # details come from a generator of their own: the same steps, timings and idle stretches
        assert [(s.verb, s.noun, s.start, s.end) for s in a.steps] == [(s.verb, s.noun, s.start, s.end) for s in b.steps]
        assert a.idles == b.idles and a.duration == b.duration


def test_narration_mentions_the_details_part_of_the_time():
    said_attr = said_dest = dest_steps = 0
    steps = steps_of(MANY)
    for s, script in steps:
        k = script.steps.index(s)
        texts = [c.text for c in script.cues if c.step == k]
        words = set(" ".join(texts).split())
        said_attr += bool(words & ({s.colour} | set(NARRATIONS["kitchen"].size_words[s.size])))
        if s.dest:
            dest_steps += 1
            said_dest += any(s.dest in t for t in texts)
    # measured on these 40 videos: about 2 in 3 steps hear an attribute, half of those with a
    # destination hear where it goes (the rest did not fit inside the step, or were not said)
    assert 0.4 < said_attr / len(steps) < 0.9
    assert 0.25 < said_dest / dest_steps < 0.85


def _object_pixels(frame: np.ndarray, colour) -> int:
    return int((np.abs(frame.astype(int) - np.array(colour)).sum(-1) < 40).sum())


def test_size_colour_and_destination_show_in_the_picture():
    def frames(**details):
        scene = Scene(160, 120, 25, np.random.default_rng(0), KITCHEN)
        return np.stack(list(scene.step("wash", "egg", 10, **details)))

    small, big = frames(size="small", colour="white"), frames(size="big", colour="white")
    white = dict(KITCHEN.variants["egg"])["white"]
    assert _object_pixels(big[0], white) > 1.8 * _object_pixels(small[0], white)  # (1.08 / 0.72)^2 = 2.25
    brown = dict(KITCHEN.variants["egg"])["brown"]
    b = frames(size="big", colour="brown")
    assert _object_pixels(b[0], brown) > 0.8 * _object_pixels(big[0], white) and _object_pixels(b[0], white) < 50
    # a destination adds its container in a corner; none leaves the corner as it was
    bowl = dict(KITCHEN.dests)["in the bowl"][0]
    with_bowl, plain = frames(size="big", colour="white", dest="in the bowl"), frames(size="big", colour="white")
    corner = (slice(0, 50), slice(0, 50))
    assert _object_pixels(with_bowl[0][corner], bowl) > 200 or _object_pixels(with_bowl[0][:, ::-1][corner], bowl) > 200
    assert _object_pixels(plain[0], bowl) == 0
    with pytest.raises(ValueError, match="no colour 'blue'"):
        next(Scene(64, 48, 25, np.random.default_rng(0), KITCHEN).step("cut", "tomato", 1, colour="blue"))
    with pytest.raises(ValueError, match="unknown destination"):
        next(Scene(64, 48, 25, np.random.default_rng(0), KITCHEN).step("cut", "tomato", 1, dest="in the sink"))


def test_every_noun_has_two_colours_in_each_look_the_first_its_own():
    for name, look in LOOKS.items():
        assert set(look.variants) == set(VOCABULARIES[name][1])  # the style's nouns (hard: 20)
        for noun, variants in look.variants.items():
            assert len(variants) == 2 and variants[0][1] == look.nouns[noun]
        assert set(look.dests) == set(DESTINATIONS)


def test_old_outputs_resume_as_plain(tmp_path):
    """A directory written before details existed (no "details" in its config) resumes as plain."""
    config = SynthConfig(videos=1, width=64, height=48, steps_min=1, steps_max=1, audio=False, details=False)
    generate(tmp_path, config)
    cfg = json.loads((tmp_path / "synth_config.json").read_text())
    del cfg["details"]
    (tmp_path / "synth_config.json").write_text(json.dumps(cfg))
    assert generate(tmp_path, config).videos[0].steps[0].size is None
    with pytest.raises(ValueError, match="details"):
        generate(tmp_path, config.replace(details=True))


def test_step_round_trips_with_and_without_details():
    s = Step("cut", "tomato", 1.0, 2.0, "big", "green", "in the bowl")
    assert Step(**json.loads(json.dumps(s.__dict__))) == s
    assert Step("cut", "tomato", 1.0, 2.0).sentence == "cut the tomato"
