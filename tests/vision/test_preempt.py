"""Distillation preempted mid-epoch (issue 27): SIGTERM/SIGUSR1 -> checkpoint -> exact resume."""
import json
import os
import random
import signal

import pytest
import torch

from videobert.utils.preempt import Preempted
from videobert.vision.config import DistillConfig
from videobert.vision.distill import distill

TINY = dict(img_size=32, patch_size=8, embed_dim=32, depth=1, num_heads=2, frames=2, batch_size=8,
            warmup_epochs=0, heldout=0.25)


def test_sigterm_mid_epoch_checkpoints_and_the_resumed_run_equals_an_uninterrupted_one(colour_corpus, tmp_path,
                                                                                      monkeypatch):
    from safetensors.torch import load_file

    import videobert.vision.distill as d

    corpus, vocab = colour_corpus
    cfg = DistillConfig(**TINY, mode="hard", epochs=2, lr=1e-3)  # augmentations on: numpy/Python RNGs resume too
    distill(corpus, vocab, tmp_path / "a", cfg)
    total = json.loads((tmp_path / "a" / "metrics.jsonl").read_text().splitlines()[-1])["step"]
    at = random.randrange(0, total - 1)  # any step but the last, mid-epoch or not
    real, calls = d._student_batch, []

    def batch(*args, **kwargs):
        if len(calls) == at:
            os.kill(os.getpid(), signal.SIGUSR1 if at % 2 else signal.SIGTERM)
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(d, "_student_batch", batch)
    with pytest.raises(Preempted, match=rf"distillation stopped by SIG(TERM|USR1) after step {at + 1} of {total}"):
        distill(corpus, vocab, tmp_path / "b", cfg)
    monkeypatch.setattr(d, "_student_batch", real)
    distill(corpus, vocab, tmp_path / "b", cfg, resume=True)
    a, b = (load_file(str(tmp_path / x / "model.safetensors")) for x in "ab")
    assert all(torch.equal(a[k], b[k]) for k in a), at
    rows = lambda x: [{k: v for k, v in json.loads(line).items() if k != "clips_per_s"}  # noqa: E731
                      for line in (tmp_path / x / "metrics.jsonl").read_text().splitlines()]
    assert rows("b") == rows("a"), at


def test_resume_refuses_a_changed_split(colour_corpus, tmp_path):
    corpus, vocab = colour_corpus
    cfg = DistillConfig(**TINY, mode="hard", epochs=1, lr=1e-3)
    distill(corpus, vocab, tmp_path / "s", cfg)
    inputs = json.loads((tmp_path / "s" / "inputs.json").read_text())
    (tmp_path / "s" / "inputs.json").write_text(json.dumps({**inputs, "split": "0" * 16}))  # as if videos were added
    with pytest.raises(ValueError, match=r"--resume: the corpus's training/held-out split .* changed .*new --out"):
        distill(corpus, vocab, tmp_path / "s", cfg, resume=True)
