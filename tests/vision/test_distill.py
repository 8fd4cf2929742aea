import json

import numpy as np
import pytest
import torch

from videobert.corpus import Corpus
from videobert.vision.config import DistillConfig
from videobert.vision.distill import distill, split_videos
from videobert.vocab import read_tokens

TINY = dict(img_size=32, patch_size=8, embed_dim=32, depth=1, num_heads=2, frames=2, batch_size=8,
            warmup_epochs=0, heldout=0.25)
NO_AUG = dict(rand_augment="", mixup=0.0, cutmix=0.0, erase_prob=0.0, smoothing=0.0)


def test_split_is_stable_and_disjoint():
    ids = [f"v{i}" for i in range(200)]
    train, held = split_videos(ids, 0.2)
    assert 20 <= len(held) <= 60 and not set(train) & set(held) and sorted(train + held) == sorted(ids)
    assert set(held) <= set(split_videos(ids + [f"new{i}" for i in range(50)], 0.2)[1])  # growing keeps sides
    assert len(split_videos(["a", "b"], 0.01)[1]) == 1  # at least one held-out video...
    assert len(split_videos(["a", "b"], 0.99)[0]) == 1  # ...and one to train on
    assert split_videos(ids, 0.0) == (sorted(ids), [])


def test_tiny_hard_distillation_beats_chance(colour_corpus, tmp_path):
    corpus, vocab = colour_corpus
    cfg = DistillConfig(**TINY, **NO_AUG, mode="hard", epochs=12, lr=3e-3)
    result = distill(corpus, vocab, tmp_path / "student", cfg)
    assert result["heldout_videos"] >= 1 and result["clips"] == 4 * result["heldout_videos"]
    assert result["chance_leaf_top1"] == 0.25
    assert result["leaf_top1"] >= 0.75, result  # chance: 0.25
    assert result["coarse_top1"] >= 0.75, result  # chance: 0.5
    assert result["leaf_top5"] == 1.0  # 4 tokens: top-5 always hits
    assert json.loads((tmp_path / "student" / "eval.json").read_text())["leaf_top1"] == result["leaf_top1"]

    # The saved student tokenizes a held-out video on the teacher's clip grid, without S3D.
    from videobert.vision.tokenizer import StudentTokenizer, student_tokenize_video

    held = json.loads((tmp_path / "student" / "split.json").read_text())["heldout"]
    rec = Corpus(corpus).read(held[0])
    starts, ids = student_tokenize_video(rec.source, tmp_path / "student")
    assert np.allclose(starts, rec.clip_starts) and ids.dtype == np.int64
    assert (ids == read_tokens(vocab, held[0])).mean() >= 0.5
    tok = StudentTokenizer(tmp_path / "student", "cpu")
    x = tok.preprocess(torch.randint(0, 256, (3, 30, 32, 32, 3), dtype=torch.uint8))
    assert x.shape == (3, 2, 3, 32, 32) and tok(x).shape == (3, tok.feature_dim) and tok.assign(x).shape == (3,)

    # `videobert ingest --tokenizer STUDENT`: the student's tokens are kept in the corpus' records,
    # nothing is written outside the corpus' own files; `videobert vocab` adopts the student
    from videobert.ingest import IngestConfig, ingest
    from videobert.vocab import VisualVocab, VocabConfig, build_vocab, fit_vocab

    out = tmp_path / "student_corpus"
    summary = ingest([rec.source], out, IngestConfig(tokenizer=str(tmp_path / "student"), device="cpu"), progress=False)
    assert summary.done == 1 and summary.failed == 0 and not (out / "vocab").exists()
    got = Corpus(out).read(held[0])
    assert got.features.shape == (len(ids), tok.feature_dim) and got.meta["student_tokens"] == ids.tolist()
    assert build_vocab(out, VocabConfig(levels=1, k=2)).num_tokens == 4  # adopted, not fitted
    assert (read_tokens(out / "vocab", held[0]) == ids).all()
    assert build_vocab(out, VocabConfig()).num_tokens == 4  # a re-run skips what is there
    from videobert.vocab import visual_tokenizer

    assert (visual_tokenizer(VisualVocab.load(vocab), Corpus(out).config, out / "vocab").tokens(got) == ids).all()
    assert (tok.tokens(got) == ids).all()  # the student as a `VisualTokenizer`: computed again from the video
    assert VisualVocab.load(out / "vocab").num_tokens == 4  # the teacher's vocabulary travels along
    with pytest.raises(ValueError, match="distilled student"):
        fit_vocab(out, VocabConfig(levels=1, k=2))


def test_soft_distillation_with_augmentations_runs_and_resumes(colour_corpus, tmp_path, caplog):
    corpus, vocab = colour_corpus
    cfg = DistillConfig(**TINY, mode="soft", tau=2.0, epochs=2, lr=1e-3)  # RandAugment, Mixup/CutMix, erasing on
    first = distill(corpus, vocab, tmp_path / "s", cfg)
    assert set(first) >= {"leaf_top1", "leaf_top5", "coarse_top1", "majority_leaf_top1"}
    rows = [json.loads(line) for line in (tmp_path / "s" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [2, 4] and all(r["split"] == "train" and r["loss"] > 0 for r in rows)  # per epoch
    assert [p.name for p in (tmp_path / "s" / "checkpoints").iterdir()] == ["step-0000004"]  # the training skeleton's
    with pytest.raises(ValueError, match="already holds a distillation run"):
        distill(corpus, vocab, tmp_path / "s", cfg)  # one resume policy: nothing is overwritten without --resume
    caplog.clear()  # only the second run's records (an earlier CLI test may have set INFO on videobert)
    with caplog.at_level("INFO"):
        again = distill(corpus, vocab, tmp_path / "s", cfg, resume=True)  # finished: resumes at the end, no training
    assert "resuming" in caplog.text and "train loss" not in caplog.text
    assert again == first
    with pytest.raises(ValueError, match="config differs"):
        distill(corpus, vocab, tmp_path / "s", cfg.replace(epochs=3), resume=True)


def test_distillation_resumed_after_an_epoch_equals_an_uninterrupted_run(colour_corpus, tmp_path, monkeypatch):
    from safetensors.torch import load_file

    import videobert.vision.distill as d

    corpus, vocab = colour_corpus
    cfg = DistillConfig(**TINY, mode="hard", epochs=3, lr=1e-3)  # augmentations on: their RNG must resume too
    distill(corpus, vocab, tmp_path / "a", cfg)
    rows = [json.loads(line) for line in (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()]
    steps_per_epoch = rows[0]["step"]

    real, calls = d._student_batch, []

    def interrupted(*args, **kwargs):  # a kill in the first step after epoch 2's checkpoint
        calls.append(1)
        if len(calls) > 2 * steps_per_epoch:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(d, "_student_batch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        distill(corpus, vocab, tmp_path / "b", cfg)
    monkeypatch.setattr(d, "_student_batch", real)
    assert [p.name for p in (tmp_path / "b" / "checkpoints").iterdir()] == [f"step-{2 * steps_per_epoch:07d}"]
    distill(corpus, vocab, tmp_path / "b", cfg, resume=True)
    a, b = (load_file(str(tmp_path / x / "model.safetensors")) for x in "ab")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert (tmp_path / "a" / "metrics.jsonl").read_text().count("\n") == 3
    assert [r["step"] for r in map(json.loads, (tmp_path / "b" / "metrics.jsonl").read_text().splitlines())] == \
        [r["step"] for r in rows]


def test_cli_eval_measures_agreement_and_speed(colour_corpus, tmp_path):
    from videobert.cli import main

    corpus, vocab = colour_corpus
    out = tmp_path / "cli"
    args = ["distill", str(corpus), "--out", str(out), "--epochs", "1", "--rand-augment", "", "--mixup", "0",
            "--cutmix", "0"] + [x for k, v in TINY.items() for x in (f"--{k.replace('_', '-')}", str(v))]
    assert main(args) == 0
    assert main(["distill", str(corpus), "--out", str(out), "--eval", "--speed-videos", "1"]) == 0
    result = json.loads((out / "eval.json").read_text())
    assert result["speed"]["teacher"]["clips"] == result["speed"]["student"]["clips"] == 4
    assert result["speed"]["student"]["clips_per_s"] > 0


def test_init_from_a_deit_checkpoint_resamples_position_embeddings(colour_corpus, tmp_path):
    from safetensors.torch import save_file
    from timm.models.deit import VisionTransformerDistilled

    from videobert.vision.model import load_student

    # A distilled DeiT of the same width/depth trained at another image size (64 px: 8 x 8 patches).
    deit = VisionTransformerDistilled(img_size=64, patch_size=8, embed_dim=32, depth=1, num_heads=2, num_classes=10)
    save_file({k: v.contiguous() for k, v in deit.state_dict().items()}, str(tmp_path / "deit.safetensors"))
    corpus, vocab = colour_corpus
    cfg = DistillConfig(**TINY, **NO_AUG, epochs=1, lr=1e-12, init=str(tmp_path / "deit.safetensors"))
    distill(corpus, vocab, tmp_path / "s", cfg)
    student, _ = load_student(tmp_path / "s")
    assert torch.allclose(student.blocks[0].attn.qkv.weight, deit.blocks[0].attn.qkv.weight, atol=1e-6)
    assert student.pos_embed.shape == (1, 2 + 16, 32)
    with pytest.raises(ValueError, match="init"):
        DistillConfig(init=str(tmp_path / "missing.pt"))
    with pytest.raises(ValueError, match="not a distilled ViT"):
        distill(corpus, vocab, tmp_path / "s2", cfg.replace(embed_dim=64))
