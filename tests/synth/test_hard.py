"""The "hard" style (more labels, long tails, held-out pairs, loose narration, distractors,
lighting and framing) and the options behind it; and that kitchen and studio did not change."""
from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections import Counter

import numpy as np
import pytest

from videobert.synth import HARD_NOUNS, HARD_VERBS, NOUNS, VERBS, SynthConfig, generate, load_ground_truth
from videobert.synth.generator import (
    _frames,
    heldout_pairs_for,
    is_validation,
    scene_for,
    script_for,
    validation_indices,
)
from videobert.synth.render import HARD, Scene, noun_sprite
from videobert.synth.script import HARD_NARRATION
from videobert.utils.config import ConfigError

SMALL = dict(width=64, height=48, steps_min=2, steps_max=3, audio=False)
HARD_SMALL = SynthConfig(videos=4, style="hard", val_fraction=0.5, **SMALL)


def raw_frames(config: SynthConfig, index: int) -> np.ndarray:
    return np.stack(list(_frames(scene_for(config, index), script_for(config, index), config.fps)))


# ---- kitchen and studio: byte-identical to before the hard style ------------------------------------
# Computed with the synth code of commit f480191 (before the hard style) by generating
# SynthConfig(videos=3, width=64, height=48, steps_min=2, steps_max=3, audio=False, style=S, details=D):
# sha256 of annotations.json + ground_truth.json + the three .vtt files, and each video's sum of raw
# (unencoded) frame values. (On that machine the raw frames' sha256 and the mp4 bytes were the same too.)
BEFORE = {
    ("kitchen", True): ("0055b81306f5ba6e19cf6b9dea3ac54ff0055b27d4bb2a1da6fd07773a1b1fa1",
                        [676240796, 759824458, 800782728]),
    ("kitchen", False): ("20966e1e1dc9b9fcf3d52182948a2b0fc88c42116a73fbf269fdd007728564aa",
                         [650806340, 749091174, 749019023]),
    ("studio", True): ("24dc8642545d79b2d771b08dd74490011a4aae5f8756b9b7e00e42d0d16824db",
                       [346426762, 404413857, 365445228]),
    ("studio", False): ("43bcf102c36580a536ebf9e084b419ed46b4c930676f87d65450c46cbefac66e",
                        [352120429, 430435420, 362162149]),
}


@pytest.mark.parametrize("style,details", list(BEFORE))
def test_kitchen_and_studio_did_not_change(tmp_path, monkeypatch, style, details):
    import videobert.synth.generator as gen

    # the text files here, the pixels below from the raw frames (encoding them is checked elsewhere)
    monkeypatch.setattr(gen, "_write_mp4", lambda path, frames, config, track: path.write_bytes(b""))
    config = SynthConfig(videos=3, style=style, details=details, **SMALL)
    r = generate(tmp_path, config)
    h = hashlib.sha256()
    for name in ("annotations.json", "ground_truth.json", "synth_0000.vtt", "synth_0001.vtt", "synth_0002.vtt"):
        h.update((tmp_path / name).read_bytes())
    text, sums = BEFORE[style, details]
    assert h.hexdigest() == text
    got = [int(raw_frames(config, i).astype(np.int64).sum()) for i in range(3)]
    np.testing.assert_allclose(got, sums, rtol=1e-6)
    assert not (tmp_path / "heldout_pairs.txt").exists() and r.heldout_pairs == ()
    assert r.verbs == VERBS and r.nouns == NOUNS


# ---- labels and looks ---------------------------------------------------------------------------------
def test_hard_has_at_least_10_verbs_and_20_nouns_with_distinct_looks():
    assert len(HARD_VERBS) >= 10 and len(HARD_NOUNS) >= 20
    assert HARD_VERBS[:len(VERBS)] == VERBS and HARD_NOUNS[:len(NOUNS)] == NOUNS
    assert len(set(HARD_VERBS)) == len(HARD_VERBS) and len(set(HARD_NOUNS)) == len(HARD_NOUNS)
    # each noun's sprite, on a 12 x 12 grid (colour where it is, black elsewhere): all far apart
    desc = {}
    for n in HARD_NOUNS:
        rgb, a = noun_sprite(n, 48, np.random.default_rng(0), HARD.nouns)
        assert a.mean() > 0.2, n
        img = np.zeros((64, 96, 3), np.float32)
        h, w = a.shape
        img[(64 - h) // 2:(64 - h) // 2 + h, (96 - w) // 2:(96 - w) // 2 + w][a] = rgb[a]
        desc[n] = img.reshape(16, 4, 16, 6, 3).mean((1, 3)).ravel()
    dist = {(x, y): np.linalg.norm(desc[x] - desc[y]) / np.sqrt(desc[x].size) for x, y in itertools.combinations(HARD_NOUNS, 2)}
    assert min(dist.values()) > 20, min(dist, key=dist.get)  # mean per-cell colour distance (levels)
    # every noun has two named colours, none of them a label
    for n in HARD_NOUNS:
        names = [c for c, _ in HARD.variants[n]]
        assert len(names) == 2 and not set(names) & set(HARD_NOUNS + HARD_VERBS), n


def test_every_hard_verb_has_its_own_motion():
    scene = Scene(64, 48, 25, np.random.default_rng(0), HARD, np.random.default_rng(1))
    clips = {}
    for v in HARD_VERBS:
        scene.rng = np.random.default_rng(3)  # the same object, background and framing for every verb
        f = np.stack(list(scene.step(v, "apple", 20))).astype(np.float32)
        assert np.abs(np.diff(f, axis=0)).mean() > 0.3, v  # it moves
        clips[v] = f
    for x, y in itertools.combinations(HARD_VERBS, 2):  # and not as another verb does
        assert np.abs(clips[x] - clips[y]).mean() > 3, (x, y)


# ---- long tails, held-out pairs, split -------------------------------------------------------------
def steps(config: SynthConfig, indices):
    return [(i, s) for i in indices for s in script_for(config, i).steps]


def test_step_frequencies_are_long_tailed():
    hard = SynthConfig(videos=150, style="hard", **SMALL)
    counts = Counter(s.noun for _, s in steps(hard, range(150)))
    freq = [counts[n] for n in HARD_NOUNS]  # 0 for a noun never drawn
    # Zipf's law over 20 nouns: the first 20x the last, 1/H_20 = 28% of the steps
    assert max(freq) > 8 * max(min(freq), 1) and max(freq) > 2.5 * np.median(freq)
    assert Counter(s.verb for _, s in steps(hard, range(150))).most_common(1)[0][1] > 0.2 * sum(freq)
    flat = Counter(s.noun for _, s in steps(hard.replace(zipf=0.0), range(150)))
    assert max(flat.values()) < 3 * min(flat.values())


def test_heldout_pairs_only_in_validation_videos_and_listed(tmp_path, monkeypatch):
    import videobert.synth.generator as gen

    monkeypatch.setattr(gen, "_write_mp4", lambda path, frames, config, track: path.write_bytes(b""))  # text only
    config = SynthConfig(videos=120, style="hard", **SMALL)
    held = set(heldout_pairs_for(config))
    assert len(held) == round(0.1 * len(HARD_VERBS) * len(HARD_NOUNS))
    for v in HARD_VERBS:  # every label keeps at least half its pairs for training
        assert sum((v, n) in held for n in HARD_NOUNS) <= len(HARD_NOUNS) / 2
    for n in HARD_NOUNS:
        assert sum((v, n) in held for v in HARD_VERBS) <= len(HARD_VERBS) / 2
    val = validation_indices(config)
    train_steps = steps(config, [i for i in range(120) if i not in val])
    val_steps = steps(config, sorted(val))
    assert not [s for _, s in train_steps if (s.verb, s.noun) in held]
    share = np.mean([(s.verb, s.noun) in held for _, s in val_steps])
    assert 0.15 < share < 0.45  # heldout_share 0.25, plus what the laws draw themselves
    # on disk: the list, and each annotation's flag, true only in validation videos
    r = generate(tmp_path, HARD_SMALL)
    listed = [tuple(line.split()) for line in (tmp_path / "heldout_pairs.txt").read_text().splitlines()]
    assert listed == sorted(heldout_pairs_for(HARD_SMALL)) and r.heldout_pairs == tuple(listed)
    db = json.loads(r.annotations_path.read_text())["database"]
    for v in r.videos:
        for a, s in zip(db[v.video_id]["annotations"], v.steps):
            assert a["heldout_pair"] == ((s.verb, s.noun) in set(listed))
            assert not a["heldout_pair"] or v.subset == "validation"
    assert (tmp_path / "verbs.txt").read_text().split() == list(HARD_VERBS)
    assert (tmp_path / "nouns.txt").read_text().split() == list(HARD_NOUNS)
    assert load_ground_truth(tmp_path) == r


def test_split_is_prefix_stable():
    small, big = SynthConfig(videos=8, style="hard", **SMALL), SynthConfig(videos=32, style="hard", **SMALL)
    assert validation_indices(small) == {i for i in validation_indices(big) if i < 8}
    assert len(validation_indices(big)) == 8  # val_fraction 0.25 of 32, exactly
    assert all(is_validation(big, i) == (i in validation_indices(big)) for i in range(32))
    for i in range(8):  # video i is the same video in both corpora
        assert script_for(small, i) == script_for(big, i)
    # the kitchen's split (not prefix-stable) is as it was
    assert not SynthConfig(videos=8).prefix_split and SynthConfig(videos=8, heldout_pairs=0.1).prefix_split


def test_resume_with_more_videos_but_not_another_split(tmp_path):
    one = HARD_SMALL.replace(videos=2, steps_min=1, steps_max=1)
    r = generate(tmp_path, one)
    more = generate(tmp_path, one.replace(videos=3))
    assert more.videos[:2] == r.videos
    with pytest.raises(ValueError, match="val_fraction"):
        generate(tmp_path, one.replace(val_fraction=0.25))


# ---- loose narration --------------------------------------------------------------------------------
def test_narration_names_the_whole_step_only_part_of_the_time():
    config = SynthConfig(videos=120, style="hard", **SMALL)
    n_steps = full = verb_only = noun_only = silent = previews = offtopic = 0
    offtopic_t = [re.compile(re.escape(t).replace(r"\{n\}", r"\w+") + "$") for t in HARD_NARRATION.offtopic]
    for i in range(config.videos):
        s = script_for(config, i)
        for (a0, a1), (b0, _) in zip(((c.start, c.end) for c in s.cues), ((c.start, c.end) for c in s.cues[1:])):
            assert a0 < a1 <= b0  # one sentence at a time
        assert not s.cues or s.cues[-1].end <= s.duration
        for k, st in enumerate(s.steps):
            n_steps += 1
            own = [c for c in s.cues if c.step == k and not (k > 0 and c.end <= st.start)]
            words = [set(c.text.split()) for c in own]
            if not own:
                silent += 1
            elif any(st.verb in w and st.noun in w for w in words[:1]):
                full += 1
            elif st.verb in words[0]:
                verb_only += 1
            elif st.noun in words[0]:
                noun_only += 1
            # a preview: a cue naming this step that ends before it starts, said during the previous one
            previews += any(c.step == k and c.end <= st.start and k > 0 for c in s.cues)
        offtopic += sum(c.step is None and any(p.match(c.text) for p in offtopic_t) for c in s.cues)
    assert 0.3 < full / n_steps < 0.55, full / n_steps  # full_mention 0.4 (+ detail lines)
    assert verb_only / n_steps > 0.1 and noun_only / n_steps > 0.04 and silent / n_steps > 0.1
    assert previews / n_steps > 0.05 and offtopic / n_steps > 0.1


# ---- distractors, lighting, framing ---------------------------------------------------------------
def test_distractors_stand_at_the_edges_and_lighting_changes_every_pixel():
    base = SynthConfig(videos=1, style="hard", distractors=0, lighting=0.0, **SMALL)
    clean = raw_frames(base, 0).astype(np.int16)
    crowded = raw_frames(base.replace(distractors=2), 0).astype(np.int16)
    assert clean.shape == crowded.shape
    changed = np.abs(crowded - clean).max(axis=(0, 3)) > 0  # (H, W): where any frame differs
    assert changed.any()
    h, w = changed.shape
    assert not changed[int(0.35 * h):int(0.65 * h), int(0.3 * w):int(0.7 * w)].any()  # the centre is the step's
    lit = raw_frames(base.replace(lighting=0.25), 0).astype(np.int16)
    assert np.mean(lit != clean) > 0.5
    means = [raw_frames(base.replace(lighting=0.25, videos=6), i)[:5].mean() for i in range(6)]
    assert np.ptp(means) > 10  # per-video lighting (and backdrop) spread the brightness


def test_hard_framing_varies_per_video():
    config = SynthConfig(videos=12, style="hard", **SMALL)
    scenes = [scene_for(config, i) for i in range(12)]
    assert len({round(s.zoom, 3) for s in scenes}) == 12 and max(abs(s.ox) for s in scenes) > 0.03
    assert {s.look.backdrop for s in scenes} == {"plain", "patterned"}


# ---- options, determinism, CLI ------------------------------------------------------------------
def test_options_are_checked_and_default_to_the_style():
    assert SynthConfig(style="hard").knob("zipf") == 1.0 and SynthConfig().knob("zipf") == 0.0
    assert SynthConfig(style="hard", heldout_pairs=0.2).knob("heldout_pairs") == 0.2
    for field, bad in (("zipf", -1.0), ("heldout_pairs", 0.6), ("full_mention", 1.5), ("distractors", 5),
                       ("lighting", 0.9), ("offtopic_prob", -0.1)):
        with pytest.raises(ConfigError, match=field):
            SynthConfig(style="hard", **{field: bad})


def test_hard_is_deterministic(tmp_path):
    config = HARD_SMALL.replace(videos=2, steps_min=1, steps_max=2)
    a, b = generate(tmp_path / "a", config), generate(tmp_path / "b", config)
    for name in ("annotations.json", "ground_truth.json", "heldout_pairs.txt", "synth_0000.vtt", "synth_0001.vtt"):
        assert (a.out_dir / name).read_bytes() == (b.out_dir / name).read_bytes(), name
    assert a.video_path("synth_0001").read_bytes() == b.video_path("synth_0001").read_bytes()


def test_cli_hard_with_an_option(tmp_path):
    from videobert.cli import main

    assert main(["synth", str(tmp_path), "--videos", "1", "--size", "64x48", "--steps-min", "1", "--steps-max", "1",
                 "--no-audio", "--style", "hard", "--heldout-pairs", "0.2", "--workers", "1"]) == 0
    r = load_ground_truth(tmp_path)
    assert r.config.style == "hard" and r.config.knob("heldout_pairs") == 0.2
    assert len(r.heldout_pairs) == 48 and r.verbs == HARD_VERBS
