"""Pretraining's held-out split never silently takes the only narrated videos (issue 25)."""
from __future__ import annotations

import hashlib
import logging

import numpy as np

from videobert.corpus import Corpus, Sentence, VideoRecord
from videobert.data import split_videos
from videobert.train.loop import split_for_pretraining


def _corpus(root, narrated: dict[str, list[str]]) -> Corpus:
    corpus = Corpus(root)
    corpus.init({"fps": 20, "clip_frames": 30, "backbone": "s3d", "weights": "random", "size": 112})
    for vid, texts in narrated.items():
        sents = [Sentence(t, 1.5 * i, 1.5 * i + 1.0) for i, t in enumerate(texts)]
        corpus.write(VideoRecord(vid, f"{vid}.mp4", 6.0, np.arange(4) * 1.5, np.zeros((4, 8), np.float16), sents))
    return corpus


def _by_hash(ids):
    return sorted(ids, key=lambda v: hashlib.sha1(v.encode()).digest())


def test_the_only_narrated_video_stays_in_training(tmp_path, caplog):
    ids = [f"clip{i}" for i in range(5)]
    held_by_hash = split_videos(ids, 0.1)[1]
    talk = held_by_hash[0]  # the video the hash split holds out is the only one with speech
    corpus = _corpus(tmp_path, {v: (["ask not what your country can do for you"] if v == talk else ["Mm-hmm."])
                                for v in ids})
    with caplog.at_level(logging.INFO, logger="videobert"):
        train, held = split_for_pretraining(corpus, 0.1)
    assert talk in train and talk not in held
    said = caplog.text
    assert "only narrated video" in said and talk in said
    assert f"pretraining on {len(train)} videos (1 narrated), 1 sentences; held out {len(held)} videos (0 narrated)" \
        in said


def test_narrated_videos_on_both_sides(tmp_path, caplog):
    ids = [f"v{i}" for i in range(4)]
    held_by_hash = split_videos(ids, 0.1)[1]
    narrated = [v for v in _by_hash(ids) if v not in held_by_hash][:2]  # the hash holds out a silent one
    corpus = _corpus(tmp_path, {v: (["cut the onion", "fry it"] if v in narrated else []) for v in ids})
    with caplog.at_level(logging.INFO, logger="videobert"):
        train, held = split_for_pretraining(corpus, 0.1)
    assert set(held) & set(narrated) and set(train) & set(narrated)
    assert set(held_by_hash) <= set(held)  # the hash split's choice stays
    assert "no narrated video was held out" in caplog.text


def test_not_every_narrated_video_is_held_out(tmp_path):
    ids = [f"w{i}" for i in range(6)]
    held_by_hash = split_videos(ids, 0.1)[1]
    corpus = _corpus(tmp_path, {v: (["stir the soup"] if v in held_by_hash else []) for v in ids})
    train, held = split_for_pretraining(corpus, 0.1)
    if len(held_by_hash) == 1:  # one narrated video: kept in training
        assert held_by_hash[0] in train
    else:
        assert set(train) & set(held_by_hash) and set(held) & set(held_by_hash)


def test_a_corpus_with_narration_everywhere_keeps_the_hash_split(tmp_path):
    ids = [f"n{i}" for i in range(12)]
    corpus = _corpus(tmp_path, {v: ["add the salt"] for v in ids})
    ids = corpus.video_ids()
    assert split_for_pretraining(corpus, 0.2) == split_videos(ids, 0.2)
    assert split_for_pretraining(corpus, 0.0) == (ids, [])
