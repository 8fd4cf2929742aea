"""The labels must be in the pixels: nouns by look, verbs by motion (no encoding, just frames)."""
from __future__ import annotations

import numpy as np

from videobert.synth.render import Scene
from videobert.synth.script import NOUNS, VERBS


def step_features(seed: int, verb: str, noun: str, frames: int = 25):
    """Mean frame and mean absolute frame difference of one rendered step, (H*W*3,) each."""
    scene = Scene(64, 48, 25, np.random.default_rng(seed))
    seg = np.stack(list(scene.step(verb, noun, frames))).astype(np.float32)  # (T, 48, 64, 3)
    assert seg.shape == (frames, 48, 64, 3)
    return seg.mean(0).ravel(), np.abs(np.diff(seg, axis=0)).mean(0).ravel()


def nearest_centroid_accuracy(feats, labels, test):
    feats, labels, test = np.array(feats), np.array(labels), np.array(test)
    classes = sorted(set(labels))
    cent = np.stack([feats[~test & (labels == c)].mean(0) for c in classes])  # (C, D)
    d = ((feats[test][:, None] - cent[None]) ** 2).sum(-1)  # (N_test, C)
    return float(np.mean(np.array(classes)[d.argmin(1)] == labels[test]))


def test_nouns_by_look_and_verbs_by_motion():
    rng = np.random.default_rng(0)
    looks, motions, nouns, verbs, test = [], [], [], [], []
    for seed in range(4):  # three scenes to learn centroids from, one held out
        for noun in NOUNS:
            for verb in rng.choice(VERBS, 2, replace=False):
                look, motion = step_features(seed, verb, noun)
                looks.append(look), motions.append(motion), nouns.append(noun), verbs.append(verb)
                test.append(seed == 3)
    noun_acc = nearest_centroid_accuracy(looks, nouns, test)
    verb_acc = nearest_centroid_accuracy(motions, verbs, test)
    assert noun_acc >= 3 / len(NOUNS), noun_acc  # chance is 1/8
    assert verb_acc >= 3 / len(VERBS), verb_acc  # chance is 1/6


def test_every_frame_moves_during_a_step():
    scene = Scene(64, 48, 25, np.random.default_rng(1))
    for verb in VERBS:
        seg = np.stack(list(scene.step(verb, "egg", 12))).astype(np.int16)
        assert (np.abs(np.diff(seg, axis=0)).sum((1, 2, 3)) > 0).mean() > 0.9, verb
