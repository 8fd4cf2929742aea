"""Pretraining under faults (issue 27): preemption, changed inputs on --resume, two writers."""
import json
import os
import random
import shutil
import signal

import pytest
import torch

from videobert.train import PretrainConfig, pretrain
from videobert.utils.preempt import EXIT_PREEMPTED, Preempted

TINY = dict(init="scratch", size="tiny", batch_size=8, lr=3e-3, warmup_frac=0.0, log_every=3, eval_every=4,
            eval_batches=1, seed=0, device="cpu", max_len=48, dropout=0.1, save_every=1000)


def _rows(run):
    return [{k: v for k, v in json.loads(x).items() if k != "tokens_per_s"}
            for x in (run / "metrics.jsonl").read_text().splitlines()]


def _weights(run):
    from safetensors.torch import load_file

    return load_file(str(run / "model" / "bert" / "model.safetensors"))


def test_sigterm_at_a_random_step_checkpoints_exits_75_and_resumes_exactly(tiny_corpus, tmp_path, monkeypatch):
    import videobert.train.loop as loop

    cfg = PretrainConfig(**TINY, max_steps=6)
    pretrain(tiny_corpus, tmp_path / "a", cfg)
    at = random.randrange(0, 5)  # the step during which the scheduler's SIGTERM comes
    real = loop._train_step

    def step(*args):
        if args[5] == at:  # (ddp, model, opt, sched, stream, step, ...)
            os.kill(os.getpid(), signal.SIGTERM)
        return real(*args)

    monkeypatch.setattr(loop, "_train_step", step)
    with pytest.raises(Preempted, match=rf"pretraining stopped by SIGTERM after step {at + 1} of 6; checkpoint "
                                        "written to .*; continue with --resume") as e:
        pretrain(tiny_corpus, tmp_path / "b", cfg)
    assert e.value.status == EXIT_PREEMPTED and not (tmp_path / "b" / "model").exists(), at
    assert [p.name for p in (tmp_path / "b" / "checkpoints").iterdir()] == [f"step-{at + 1:07d}"]
    monkeypatch.setattr(loop, "_train_step", real)
    pretrain(tiny_corpus, tmp_path / "b", cfg, resume=True)
    wa, wb = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert all(torch.equal(wa[k], wb[k]) for k in wa), at
    assert _rows(tmp_path / "b") == _rows(tmp_path / "a"), at  # train rows at 3, 6 and held-out rows at 4, 6 alike


def test_resume_refuses_a_changed_corpus_or_vocabulary_and_names_what_changed(tiny_corpus, tmp_path):
    from tests.conftest import build_vocab, make_corpus

    corpus = make_corpus(tmp_path / "corpus", n_videos=4)
    build_vocab(corpus, tmp_path / "corpus" / "vocab")
    cfg = PretrainConfig(**{**TINY, "save_every": 1}, max_steps=2)
    with pytest.raises(Preempted):  # stopped after step 1, as a scheduler would
        _stop_after_first_step(corpus, tmp_path / "run", cfg)
    run_json = json.loads((tmp_path / "run" / "run.json").read_text())
    assert set(run_json["inputs"]) == {"split", "vocab", "text_init"}
    # a vocabulary fitted again with other settings: named as such, not blamed on the intact checkpoint
    build_vocab(corpus, tmp_path / "vocab2", k=3)
    with pytest.raises(ValueError, match=r"--resume: the visual vocabulary \(re-fitted\) changed since the run in "
                                         r".* started.*new --out") as e:
        pretrain(corpus, tmp_path / "run", cfg, vocab_dir=tmp_path / "vocab2", resume=True)
    assert "checkpoint" not in str(e.value) and "delete" not in str(e.value)
    # more videos ingested into the corpus: the split changed
    more = make_corpus(tmp_path / "more", n_videos=6, seed=0)
    for vid in more.video_ids()[4:]:
        corpus.write(more.read(vid, mmap=False))
    build_vocab(corpus, tmp_path / "corpus" / "vocab")  # tokens for the new videos (the same tree: reused)
    with pytest.raises(ValueError, match=r"training/held-out split .* changed since the run"):
        pretrain(corpus, tmp_path / "run", cfg, resume=True)
    assert json.loads((tmp_path / "run" / "run.json").read_text()) == run_json  # not rewritten


def _stop_after_first_step(corpus, out, cfg):
    import videobert.train.loop as loop

    real = loop._train_step

    def step(*args):
        os.kill(os.getpid(), signal.SIGUSR1)
        return real(*args)

    loop._train_step = step
    try:
        return pretrain(corpus, out, cfg)
    finally:
        loop._train_step = real


def test_an_intact_checkpoint_of_an_older_run_is_not_blamed_for_a_vocabulary_change(tmp_path):
    from tests.conftest import build_vocab, make_corpus

    corpus = make_corpus(tmp_path / "corpus", n_videos=4)
    build_vocab(corpus, tmp_path / "corpus" / "vocab")
    cfg = PretrainConfig(**{**TINY, "save_every": 1}, max_steps=1)
    pretrain(corpus, tmp_path / "run", cfg)
    shutil.rmtree(tmp_path / "run" / "model")
    info = json.loads((tmp_path / "run" / "run.json").read_text())
    del info["inputs"]  # a run from before the fingerprints
    (tmp_path / "run" / "run.json").write_text(json.dumps(info))
    build_vocab(corpus, tmp_path / "vocab2", k=3)
    with pytest.raises(ValueError, match="is intact .* another shape .* vocabulary, --init or --size changed"):
        pretrain(corpus, tmp_path / "run", cfg, vocab_dir=tmp_path / "vocab2", resume=True)


def test_a_second_pretraining_into_one_run_directory_is_refused_at_once(tiny_corpus, tmp_path):
    from videobert.utils.lock import DirectoryLocked, lock_directory

    held = lock_directory(tmp_path / "run", "videobert pretrain")  # as another pretraining process holds it
    try:
        with pytest.raises(DirectoryLocked, match=r"run is in use by another videobert pretrain \(pid .*use another "
                                                  "--out"):
            pretrain(tiny_corpus, tmp_path / "run", PretrainConfig(**TINY, max_steps=1))
    finally:
        held.release()
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [".videobert.lock"]  # nothing written
