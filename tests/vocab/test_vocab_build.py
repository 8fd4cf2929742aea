import os
from pathlib import Path

import numpy as np
import pytest

from videobert.corpus import Corpus, CorpusError
from videobert.utils.config import ConfigError
from videobert.vocab import (
    VisualVocab,
    VocabConfig,
    assign_corpus,
    build_vocab,
    fit_vocab,
    read_tokens,
    token_path,
    token_video_ids,
)

SMALL = VocabConfig(levels=2, k=3, sample=150, seed=0, iters=10)


def all_features(corpus):
    return {vid: np.asarray(corpus.read(vid).features, np.float32) for vid in corpus.video_ids()}


def test_same_seed_same_vocabulary_and_tokens(blob_corpus, tmp_path):
    corpus = blob_corpus()
    a = build_vocab(corpus.root, SMALL, tmp_path / "a")
    b = build_vocab(corpus.root, SMALL, tmp_path / "b")
    assert a.sizes == b.sizes and a.config["sample_used"] == 150
    for ca, cb in zip(a.centroids, b.centroids):
        np.testing.assert_array_equal(ca, cb)
    assert token_video_ids(tmp_path / "a") == corpus.video_ids()
    for vid in corpus.video_ids():
        np.testing.assert_array_equal(read_tokens(tmp_path / "a", vid), read_tokens(tmp_path / "b", vid))
    assert a.exemplars == b.exemplars


def test_tree_leaves_tokens_and_coarse_ids_agree(blob_corpus, brute_force_walk):
    corpus = blob_corpus(centers=12)
    vocab = build_vocab(corpus.root, VocabConfig(levels=3, k=3, iters=10))
    assert vocab.num_tokens <= 3 ** 3 and vocab.num_coarse == len(vocab.centroids[0])
    assert read_tokens(corpus.root / "vocab", "vid00").dtype == np.int64
    feats = all_features(corpus)
    raw = np.concatenate(list(feats.values()))
    x = raw / np.linalg.norm(raw, axis=1, keepdims=True)  # the default normalize="l2"
    tokens = np.concatenate([read_tokens(corpus.root / "vocab", vid) for vid in feats])
    np.testing.assert_array_equal(tokens, brute_force_walk(x, vocab.centroids, vocab.parents))
    np.testing.assert_array_equal(vocab.assign(raw), tokens)
    # each leaf's ancestors are exactly the nodes assign() passes through
    path = np.stack([np.argmin(((x[:, None] - vocab.centroids[0][None]) ** 2).sum(-1), 1)], 1)
    np.testing.assert_array_equal(vocab.leaf_paths[tokens][:, :1], path)
    np.testing.assert_array_equal(vocab.coarse_of(tokens), path[:, 0])
    for leaf in range(vocab.num_tokens):
        for lvl in range(1, vocab.levels):
            assert vocab.leaf_paths[leaf, lvl] in vocab.children(lvl - 1, vocab.leaf_paths[leaf, lvl - 1])
    assert vocab.counts.sum() == len(x)
    np.testing.assert_array_equal(vocab.counts, np.bincount(tokens, minlength=vocab.num_tokens))


def test_exemplar_is_the_nearest_clip_of_its_leaf(blob_corpus):
    corpus = blob_corpus()
    vocab = build_vocab(corpus.root, SMALL)
    feats = {vid: vocab.prepare(f) for vid, f in all_features(corpus).items()}
    for leaf, ex in enumerate(vocab.exemplars):
        best = min(
            (float(((f[i] - vocab.leaf_centroids[leaf]) ** 2).sum()), vid, i)
            for vid, f in feats.items()
            for i in np.flatnonzero(read_tokens(corpus.root / "vocab", vid) == leaf)
        )
        assert (ex["video_id"], ex["clip_index"], ex["leaf"]) == (best[1], best[2], leaf)
        assert ex["start"] == best[2] * 1.5 and ex["source"].endswith(f"{best[1]}.mp4")


def test_l2_normalization_ignores_feature_scale_and_none_clusters_raw(blob_corpus, brute_force_walk, tmp_path):
    corpus = blob_corpus()
    vocab = build_vocab(corpus.root, SMALL, tmp_path / "l2")
    assert vocab.normalize == "l2" and vocab.config["normalize"] == "l2"
    assert np.linalg.norm(vocab.leaf_centroids, axis=1).max() <= 1 + 1e-5  # means of unit vectors
    x = all_features(corpus)["vid00"]
    np.testing.assert_array_equal(vocab.assign(x * 7.5), vocab.assign(x))  # only the direction matters
    assert VisualVocab.load(tmp_path / "l2").normalize == "l2"

    raw = build_vocab(corpus.root, VocabConfig(**{**SMALL.to_dict(), "normalize": "none"}), tmp_path / "raw")
    np.testing.assert_array_equal(raw.assign(x), brute_force_walk(x, raw.centroids, raw.parents))
    assert not np.array_equal(raw.assign(x * 7.5), raw.assign(x))
    # a vocabulary saved before the option existed clustered raw features
    old = VisualVocab(raw.centroids, raw.parents, {k: v for k, v in raw.config.items() if k != "normalize"},
                      raw.counts, raw.exemplars)
    np.testing.assert_array_equal(old.assign(x), raw.assign(x))
    old.save(tmp_path / "old")  # ... and is reused by the matching options, refused by the new default
    assert build_vocab(corpus.root, VocabConfig(**{**SMALL.to_dict(), "normalize": "none"}), tmp_path / "old").normalize == "none"
    with pytest.raises(ValueError, match="--normalize none"):
        build_vocab(corpus.root, SMALL, tmp_path / "old")
    with pytest.raises(ConfigError, match="normalize"):
        VocabConfig(normalize="zscore")


def test_fewer_points_than_k_gives_fewer_children(blob_corpus):
    corpus = blob_corpus(n_videos=1, clips=5)
    vocab = build_vocab(corpus.root, VocabConfig(levels=4, k=12))
    assert vocab.sizes == [5, 5, 5, 5]
    assert sorted(read_tokens(corpus.root / "vocab", "vid00")) == [0, 1, 2, 3, 4]


def test_save_load_roundtrip(blob_corpus, tmp_path):
    corpus = blob_corpus()
    vocab = build_vocab(corpus.root, SMALL)
    loaded = VisualVocab.load(corpus.root / "vocab")
    assert (loaded.levels, loaded.k, loaded.feature_dim, loaded.sizes) == (2, 3, 16, vocab.sizes)
    assert loaded.config["ingest"] == corpus.config and loaded.exemplars == vocab.exemplars
    np.testing.assert_array_equal(loaded.leaf_centroids, vocab.leaf_centroids)
    np.testing.assert_array_equal(loaded.counts, vocab.counts)
    assert loaded.leaf_centroids.dtype == np.float32
    with np.load(corpus.root / "vocab" / "vocab.npz", allow_pickle=False) as z:
        assert sorted(z.files) == ["centroids_0", "centroids_1", "parents_0", "parents_1"]


def test_assignment_resumes_skipping_finished_videos(blob_corpus):
    corpus = blob_corpus()
    vocab = build_vocab(corpus.root, SMALL)
    out = corpus.root / "vocab"
    before = {vid: read_tokens(out, vid) for vid in corpus.video_ids()}
    counts, exemplars = vocab.counts.copy(), list(vocab.exemplars)
    os.remove(token_path(out, "vid03"))  # as if interrupted before vid03 was written
    mtimes = {vid: token_path(out, vid).stat().st_mtime_ns for vid in before if vid != "vid03"}
    again = build_vocab(corpus.root, SMALL)  # reuses the fitted vocabulary, assigns only vid03
    assert {vid: token_path(out, vid).stat().st_mtime_ns for vid in mtimes} == mtimes
    for vid, tok in before.items():
        np.testing.assert_array_equal(read_tokens(out, vid), tok)
    np.testing.assert_array_equal(again.counts, counts)
    assert again.exemplars == exemplars


def test_refitting_with_another_config_is_refused(blob_corpus):
    corpus = blob_corpus()
    build_vocab(corpus.root, SMALL)
    with pytest.raises(ValueError, match="already holds a vocabulary") as e:
        build_vocab(corpus.root, SMALL.replace(k=4, iters=5))
    message = str(e.value)  # only the fields that differ, the vocabulary's -> this run's, and the flags to reuse it
    assert "options k 3 -> 4, iters 10 -> 5;" in message and "pass --k 3 --iters 10 to reuse it" in message
    assert "levels" not in message and "sample" not in message and "{" not in message and "\n" not in message
    other = Corpus(corpus.root.parent / "other")  # the same features' corpus, ingested with another backbone
    other.init({"backbone": "other", "feature_dim": 16})
    with pytest.raises(ValueError, match="the corpus' ingest config backbone 'synthetic' -> 'other'") as e:
        build_vocab(other.root, SMALL, out=Path(corpus.root) / "vocab")
    assert "pass --" not in str(e.value) and "another --out directory" in str(e.value)


def test_fit_vocab_removes_tokens_of_a_previous_vocabulary(blob_corpus):
    corpus = blob_corpus()
    build_vocab(corpus.root, SMALL)
    fit_vocab(corpus.root, SMALL.replace(seed=1))
    assert token_video_ids(corpus.root / "vocab") == []


def test_clear_errors(blob_corpus, tmp_path):
    empty = Corpus(tmp_path / "empty")
    empty.init({"backbone": "synthetic"})
    with pytest.raises(CorpusError, match="no videos"):
        fit_vocab(empty.root, SMALL)
    with pytest.raises(CorpusError, match="not a videobert corpus"):
        fit_vocab(tmp_path / "nothing", SMALL)
    vocab = build_vocab(blob_corpus("d16", dim=16).root, SMALL)
    other = blob_corpus("d8", dim=8)
    with pytest.raises(ValueError, match="feature_dim 8 .* vocabulary has 16"):
        assign_corpus(other.root, vocab, tmp_path / "out")
    with pytest.raises(ValueError, match="feature_dim"):
        vocab.assign(np.zeros((2, 8), np.float32))
    with pytest.raises(ConfigError, match="'k'"):
        VocabConfig(k=1)
    with pytest.raises(FileNotFoundError, match="no tokens for video 'nope'"):
        read_tokens(tmp_path / "out", "nope")


@pytest.mark.parametrize("hostile", ["ABSOLUTE", "../../escaped", "vid00/../../x"])
def test_an_edited_video_id_cannot_move_token_files_out_of_the_vocabulary(blob_corpus, tmp_path, hostile):
    import json

    corpus = blob_corpus()
    outside = tmp_path / "outside" / "evil"
    hostile = str(outside) if hostile == "ABSOLUTE" else hostile
    _, jpath = corpus._paths("vid01")
    meta = json.loads(jpath.read_text())
    meta["video_id"] = hostile
    jpath.write_text(json.dumps(meta))
    with pytest.raises(CorpusError, match=rf"{jpath.name}.*does not match its file name 'vid01'"):
        build_vocab(corpus.root, SMALL)
    assert not (tmp_path / "outside").exists()
    assert not any(p.suffix == ".npy" and "tokens" not in p.parts and "videos" not in p.parts
                   for p in tmp_path.rglob("*"))
    with pytest.raises(CorpusError, match="invalid video id"):
        token_path(tmp_path / "vocab", hostile)
    with pytest.raises(CorpusError, match="invalid video id"):
        read_tokens(tmp_path / "vocab", "../x")


def test_batched_kmeans_builds_a_vocabulary_and_old_vocabularies_are_reused(blob_corpus, tmp_path):
    import json

    corpus = blob_corpus()
    batched = build_vocab(corpus.root, SMALL.replace(kmeans="batched"), tmp_path / "b")
    assert batched.config["kmeans"] == "batched" and token_video_ids(tmp_path / "b") == corpus.video_ids()
    assert batched.num_tokens <= 9 and int(batched.counts.sum()) == sum(corpus.read(v).num_clips for v in corpus.video_ids())
    with pytest.raises(ConfigError, match="kmeans"):
        VocabConfig(kmeans="sklearn")
    # a vocabulary saved before `kmeans` / `device` existed was fitted with faiss on the CPU: reused
    build_vocab(corpus.root, SMALL, tmp_path / "old")
    meta = json.loads((tmp_path / "old" / "vocab.json").read_text())
    for key in ("kmeans", "device"):
        meta["config"].pop(key)
    (tmp_path / "old" / "vocab.json").write_text(json.dumps(meta))
    assert build_vocab(corpus.root, SMALL, tmp_path / "old").sizes


def test_assignment_in_worker_processes_equals_one_process(blob_corpus, tmp_path):
    """`--workers 2`: slices of videos in a spawned process pool (the ingest executors); the same
    token files, usage counts and exemplars as one process, and a re-run skips what is done."""
    corpus = blob_corpus(n_videos=7)
    one = build_vocab(corpus.root, SMALL, tmp_path / "one")
    fit_vocab(corpus.root, SMALL, tmp_path / "two")
    two = assign_corpus(corpus.root, VisualVocab.load(tmp_path / "two"), tmp_path / "two", workers=2, slice_videos=2)
    for vid in corpus.video_ids():
        np.testing.assert_array_equal(read_tokens(tmp_path / "one", vid), read_tokens(tmp_path / "two", vid))
    np.testing.assert_array_equal(one.counts, two.counts)
    assert one.exemplars == two.exemplars
    assert VisualVocab.load(tmp_path / "two").exemplars == one.exemplars  # saved
    again = assign_corpus(corpus.root, VisualVocab.load(tmp_path / "two"), tmp_path / "two", workers=2, slice_videos=3)
    np.testing.assert_array_equal(again.counts, one.counts)


@pytest.mark.slow  # starts a local Ray
def test_assignment_on_ray_equals_one_process(blob_corpus, tmp_path):
    ray = pytest.importorskip("ray")
    corpus = blob_corpus(n_videos=5)
    one = build_vocab(corpus.root, SMALL, tmp_path / "one")
    try:
        on_ray = build_vocab(corpus.root, SMALL, tmp_path / "ray", executor="ray")
    finally:
        ray.shutdown()
    for vid in corpus.video_ids():
        np.testing.assert_array_equal(read_tokens(tmp_path / "one", vid), read_tokens(tmp_path / "ray", vid))
    assert one.exemplars == on_ray.exemplars
