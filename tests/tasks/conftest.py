"""Fixtures for the task tests: a tiny random VideoBERT over a stand-in visual vocabulary."""
from __future__ import annotations

import types

import numpy as np
import pytest
import torch

from videobert.vocab import assign_record


def fake_vocab(num_tokens: int = 12, dim: int = 16, seed: int = 0):
    """The parts of a `VisualVocab` the tasks use: sizes, centroids, nearest-centroid assign, tokens."""
    c = np.random.default_rng(seed).standard_normal((num_tokens, dim)).astype(np.float32)

    def assign(feats):
        return ((np.asarray(feats)[:, None] - c[None]) ** 2).sum(-1).argmin(1)

    vocab = types.SimpleNamespace(num_tokens=num_tokens, leaf_centroids=c, feature_dim=dim, exemplars=[], assign=assign)
    vocab.tokens = lambda record: assign_record(vocab, record)  # the `VisualTokenizer` of a `VisualVocab`
    return vocab


@pytest.fixture(scope="session")
def tiny_model():
    from videobert.model import VideoBERT

    torch.manual_seed(0)
    model = VideoBERT.create("scratch", fake_vocab(), {}, size="tiny", seed=0)
    model.eval()
    return model


VERBS, NOUNS = ["add", "cut", "stir"], ["salt", "tomato", "soup"]


def _make_video(path, seconds: float = 3.0, w: int = 64, h: int = 48, fps: int = 20):
    import av

    with av.open(str(path), "w") as out:
        s = out.add_stream("mpeg4", rate=fps)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        for i in range(int(seconds * fps)):
            img = np.full((h, w, 3), (i * 4) % 256, dtype=np.uint8)
            img[:, : (i % w)] = 200
            for pkt in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(pkt)
        for pkt in s.encode():
            out.mux(pkt)
    return path


@pytest.fixture(scope="session")
def tiny_setup(tmp_path_factory):
    """A 6-video fake corpus (random-S3D-sized features that depend on the narrated action),
    a 2-level k=3 vocabulary, a tiny scratch VideoBERT saved to disk, a YouCook II JSON and
    a real 3 s video file. Returns a dict of paths."""
    import json

    from videobert.corpus import Corpus, Sentence, VideoRecord
    from videobert.ingest import IngestConfig
    from videobert.model import VideoBERT
    from videobert.vocab.hkmeans import fit_tree
    from videobert.vocab.vocabulary import VisualVocab

    root = tmp_path_factory.mktemp("tasks_cli")
    video = _make_video(root / "clip.mp4")
    D = 1024  # S3D's feature size, so a raw video ingested with random S3D fits the vocabulary
    rng = np.random.default_rng(0)
    base = {(v, n): rng.standard_normal(D) for v in VERBS for n in NOUNS}
    corpus = Corpus(root / "corpus")
    corpus.init(IngestConfig(weights="random", size=32, device="cpu").to_dict())
    db, all_feats = {}, []
    for k in range(6):
        vid, feats, anns, sents = f"vid{k}", [], [], []
        for j in range(3):  # three 5-clip steps (7.5 s each)
            v, n = VERBS[(k + j) % 3], NOUNS[(2 * k + j) % 3]
            feats += [base[v, n] + 0.3 * rng.standard_normal(D) for _ in range(5)]
            seg = [j * 7.5, j * 7.5 + 7.0]
            anns.append({"id": j, "segment": seg, "sentence": f"{v} the {n}"})
            sents.append(Sentence(f"{v} the {n}", *seg))
        feats = np.asarray(feats, dtype=np.float16)
        all_feats.append(feats)
        corpus.write(VideoRecord(vid, f"{vid}.mp4", 22.5, np.arange(15) * 1.5, feats, sents, "annotations"))
        db[vid] = {"subset": "training" if k < 4 else "validation", "duration": 22.5, "recipe_type": "x", "annotations": anns}
    (root / "youcook.json").write_text(json.dumps({"database": db}))
    cents, pars = fit_tree(np.concatenate(all_feats).astype(np.float32), levels=2, k=3, seed=0)
    exemplars = [{"leaf": j, "video_id": "clip", "clip_index": 0, "start": 0.0, "source": str(video)}
                 for j in range(len(cents[-1]))]
    vocab = VisualVocab(cents, pars, {"k": 3, "levels": 2}, exemplars=exemplars)
    vocab.save(root / "corpus" / "vocab")
    torch.manual_seed(0)
    model = VideoBERT.create("scratch", vocab, corpus.config, size="tiny", seed=0)
    model.save_pretrained(root / "model")
    return {"root": root, "corpus": str(root / "corpus"), "model": str(root / "model"),
            "annotations": str(root / "youcook.json"), "video": str(video)}
