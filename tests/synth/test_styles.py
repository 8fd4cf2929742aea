"""The two synth styles: "kitchen" (default, pinned to its original output) and "studio"
(another look and narrator, same labels), and the plumbing that picks between them."""
from __future__ import annotations

import itertools
import json
import re

import numpy as np
import pytest

from videobert.synth import NOUNS, STYLES, VERBS, SynthConfig, generate, load_ground_truth
from videobert.synth.generator import _frames, scene_for, script_for
from videobert.synth.render import LOOKS, NOUN_COLOURS, STUDIO, noun_sprite
from videobert.synth.script import FILLERS, NARRATIONS, PHRASINGS, STUDIO_FILLERS, STUDIO_PHRASINGS
from videobert.utils.config import ConfigError

from .test_generator import decode, parse_vtt

MUTE = dict(videos=2, width=64, height=48, steps_min=2, steps_max=2, audio=False, val_fraction=0.5)


def raw_frames(config: SynthConfig, index: int) -> np.ndarray:
    """The video's frames before encoding, (T, H, W, 3) uint8."""
    return np.stack(list(_frames(scene_for(config, index), script_for(config, index), config.fps)))


def template(phrasing: str) -> re.Pattern:
    """A regex for a phrasing, with the verb, noun (after any size or colour words), manner
    phrase, size, colour and destination filled in by any of theirs."""
    how = "|".join(re.escape(h) for n in NARRATIONS.values() for h in n.how.values())
    sizes = {w for n in NARRATIONS.values() for ws in n.size_words.values() for w in ws}
    colours = {c for look in LOOKS.values() for v in look.variants.values() for c, _ in v}
    adj = "|".join(sorted(sizes | colours))
    parts = re.split(r"(\{v\}|\{n\}|\{how\}|\{size\}|\{colour\}|\{dest\})", phrasing)
    fill = {"{v}": "(" + "|".join(VERBS) + ")", "{n}": f"(?:(?:{adj}) )*(" + "|".join(NOUNS) + ")",
            "{how}": f"({how})", "{size}": f"({'|'.join(sorted(sizes))})", "{colour}": f"({'|'.join(sorted(colours))})",
            "{dest}": "(in the bowl|on the plate|in the pot)"}
    return re.compile("".join(fill.get(p, re.escape(p)) for p in parts) + "$")


# ---- kitchen: unchanged ------------------------------------------------------------------------
# These values pin the default "kitchen" style. They were computed with the synth code as it
# was BEFORE styles existed (commit 15e933c), for SynthConfig(videos=2, width=64, height=48,
# steps_min=2, steps_max=3, audio=False) (details=False since details exist), seed 0: each video's steps, narration cues, and the
# pixel sums of its raw (unencoded) frames, every 50th frame and in total. The kitchen must keep
# drawing exactly the same random numbers; a change to its look or its script shows up here.
# (On the machine that computed them the frames were byte-identical after the change too:
# sha256 bca146ba... and 1d55937c...; sums are compared with a tiny tolerance for other CPUs' maths.)
KITCHEN_PIN = {
    0: dict(
        duration=22.6, frames=565, total=650806340,
        sums=[1255884, 1192278, 1259311, 1221142, 1219262, 1213982, 1210055, 1059558, 1023982, 1019016,
              1037660, 1306980],
        steps=[("peel", "carrot", 0.76, 5.32), ("cut", "pepper", 5.32, 12.56), ("fry", "pepper", 12.56, 21.28)],
        cues=[("now peel the carrot", 1.48, 3.08, 0), ("let's cut the pepper", 6.04, 7.64, 1),
              ("now let's fry the pepper", 12.4, 14.24, 2), ("okay", 15.76, 16.6, None)]),
    1: dict(
        duration=22.2, frames=555, total=749091174,
        sums=[1354312, 1147978, 1144219, 1163770, 1150424, 1383176, 1383298, 1492896, 1496202, 1564909,
              1568399, 1391370],
        steps=[("fry", "carrot", 1.04, 9.84), ("wash", "carrot", 12.56, 17.08), ("wash", "cheese", 17.08, 21.6)],
        cues=[("let's fry the carrot", 1.56, 3.16, 0), ("let's wash the carrot", 12.72, 14.32, 1),
              ("now let's wash the cheese", 16.6, 18.44, 2)]),
}


@pytest.mark.parametrize("index", [0, 1])
def test_kitchen_is_unchanged(index):
    config = SynthConfig(videos=2, width=64, height=48, steps_min=2, steps_max=3, audio=False, details=False)
    assert config.style == "kitchen"
    pin = KITCHEN_PIN[index]
    s = script_for(config, index)
    assert s.duration == pin["duration"]
    assert [(st.verb, st.noun, st.start, st.end) for st in s.steps] == pin["steps"]
    assert [(c.text, c.start, c.end, c.step) for c in s.cues] == pin["cues"]
    sums = raw_frames(config, index).astype(np.int64).sum((1, 2, 3))
    assert len(sums) == pin["frames"]
    np.testing.assert_allclose(sums[::50], pin["sums"], rtol=1e-4)
    assert abs(int(sums.sum()) - pin["total"]) <= 1e-5 * pin["total"]


# ---- studio: deterministic, and different in look and narration ---------------------------------
def test_studio_is_deterministic(make_synth):
    a, b = make_synth("studio", style="studio", **MUTE), make_synth("studio_again", style="studio", **MUTE)
    for name in ("annotations.json", "ground_truth.json", "synth_0000.vtt", "synth_0001.vtt"):
        assert (a.out_dir / name).read_bytes() == (b.out_dir / name).read_bytes(), name
    fa, info, audio = decode(a.video_path("synth_0001"))
    fb, _, _ = decode(b.video_path("synth_0001"))
    assert np.array_equal(fa, fb) and audio is None and info["size"] == (64, 48)
    assert len(fa) == round(a.videos[1].duration * 25)
    cfg = json.loads((a.out_dir / "synth_config.json").read_text())
    assert cfg["style"] == "studio" and load_ground_truth(a.out_dir).config.style == "studio"


@pytest.mark.parametrize("index", [0, 1])
def test_studio_frames_differ_from_kitchen(index):
    kitchen = SynthConfig(**MUTE)
    studio = kitchen.replace(style="studio")
    fk, fs = raw_frames(kitchen, index).astype(np.float32), raw_frames(studio, index).astype(np.float32)
    assert np.linalg.norm(fk.mean((0, 1, 2)) - fs.mean((0, 1, 2))) > 40  # the whole palette moves (measured 73-103)
    n = min(len(fk), len(fs))
    assert np.abs(fk[:n] - fs[:n]).mean() > 40  # measured about 75
    assert script_for(kitchen, index).steps != script_for(studio, index).steps  # its own random streams


def test_studio_palette_is_new_and_distinct():
    assert set(LOOKS) == set(NARRATIONS) == set(STYLES)
    studio = {n: np.array(STUDIO.nouns[n], float) for n in NOUNS}
    for a, b in itertools.combinations(NOUNS, 2):
        assert np.linalg.norm(studio[a] - studio[b]) > 60, (a, b)
    for n in NOUNS:
        assert np.linalg.norm(studio[n] - np.array(NOUN_COLOURS[n])) > 80, n
        # the rendered sprites keep them apart too (texture and detail colours included)
    means = {n: noun_sprite(n, 40, np.random.default_rng(0), STUDIO.nouns) for n in NOUNS}
    means = {n: rgb[a].mean(0) for n, (rgb, a) in means.items()}
    assert min(np.linalg.norm(means[a] - means[b]) for a, b in itertools.combinations(NOUNS, 2)) > 30


def test_studio_captions_use_studio_phrasings(make_synth):
    studio_t = [template(p) for p, _ in STUDIO_PHRASINGS]
    shared = {p for p, _ in PHRASINGS} & {p for p, _ in STUDIO_PHRASINGS}
    assert shared == {"now let me show you how to {v} the {n}"}  # the zero-shot template, rare in the studio
    kitchen_t = [template(p) for p, _ in PHRASINGS if p not in shared]
    r = make_synth("studio", style="studio", **MUTE)
    for v in r.videos:  # what was written to the .vtt is what the script says
        assert [t for _, _, t in parse_vtt(r.captions_path(v.video_id).read_text())] == [c.text + "." for c in v.cues]
    config, lags = SynthConfig(**MUTE, style="studio").replace(videos=40, steps_min=3, steps_max=6), []
    detail_t = [template(p) for p in NARRATIONS["studio"].attribute_lines + NARRATIONS["studio"].dest_lines]
    for i in range(config.videos):
        s = script_for(config, i)
        for c in s.cues:
            if c.step is None:
                assert c.text in STUDIO_FILLERS and c.text not in FILLERS
                continue
            st = s.steps[c.step]
            if any(p.match(c.text) for p in detail_t):  # what the narrator adds about the step
                said = set(c.text.split())
                assert ((st.dest and st.dest in c.text) or st.colour in said
                        or said & set(NARRATIONS["studio"].size_words[st.size])), (c.text, st)
                continue
            m = [p.match(c.text) for p in studio_t if p.match(c.text)]
            assert m and m[0].group(1) == st.verb and m[0].group(2) == st.noun, c.text
            assert not any(p.match(c.text) for p in kitchen_t), c.text
            lags.append(c.start - st.start)
    # 1.5x the kitchen's lag: sentences start up to 1.5 s before the step (later: after the last cue)
    assert min(lags) >= -1.5 - 1e-6 and min(lags) < -1.0


def test_studio_voice_and_lag_are_the_styles():
    assert NARRATIONS["kitchen"].lag_scale == 1.0 and NARRATIONS["studio"].lag_scale == 1.5
    assert NARRATIONS["kitchen"].voice == "en-us" and NARRATIONS["studio"].voice != "en-us"
    zero_shot = dict(STUDIO_PHRASINGS)["now let me show you how to {v} the {n}"]
    assert zero_shot / sum(w for _, w in STUDIO_PHRASINGS) < 0.1  # rare in the studio corpus


# ---- config, resume, CLI -------------------------------------------------------------------------
def test_invalid_style_names_the_field():
    with pytest.raises(ConfigError, match="'style'.*kitchen"):
        SynthConfig(style="disco")


def test_other_style_in_the_same_dir_is_refused(tmp_path):
    one = dict(MUTE, videos=1, steps_min=1, steps_max=1)
    r = generate(tmp_path, SynthConfig(**one))
    assert json.loads((tmp_path / "synth_config.json").read_text())["style"] == "kitchen"
    with pytest.raises(ValueError, match="different synth config.*style"):
        generate(tmp_path, r.config.replace(style="studio"))
    # a directory written before styles existed has no "style": it resumes as kitchen
    cfg = json.loads((tmp_path / "synth_config.json").read_text())
    del cfg["style"]
    (tmp_path / "synth_config.json").write_text(json.dumps(cfg))
    assert generate(tmp_path, r.config).videos == r.videos
    with pytest.raises(ValueError, match="style"):
        generate(tmp_path, r.config.replace(style="studio"))


def test_cli_style(tmp_path):
    from videobert.cli import main

    assert main(["synth", str(tmp_path), "--videos", "1", "--size", "64x48", "--steps-min", "1",
                 "--steps-max", "1", "--no-audio", "--style", "studio"]) == 0
    r = load_ground_truth(tmp_path)
    assert r.config.style == "studio" and json.loads((tmp_path / "synth_config.json").read_text())["style"] == "studio"
    text = r.videos[0].cues[0].text
    assert any(template(p).match(text) for p, _ in STUDIO_PHRASINGS), text
    with pytest.raises(SystemExit):
        main(["synth", str(tmp_path), "--videos", "1", "--style", "disco"])
