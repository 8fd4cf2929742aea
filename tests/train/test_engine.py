"""The training skeleton shared by pretraining, distillation and the captioner (train.engine)."""
import json
import math

import pytest
import torch
from torch import nn

from videobert.train.engine import (
    CheckpointError,
    Checkpoints,
    Every,
    MetricsLog,
    adamw,
    check_finite,
    check_run_dir,
    check_same_config,
    fit,
    lr_schedule,
    lr_scheduler,
    optimizer_step,
)
from videobert.utils.config import save_config
from videobert.vision.config import StudentArch


def test_schedule_warms_up_then_decays_to_zero():
    lin = lr_schedule(total=10, warmup=2, decay="linear")
    assert [lin(s) for s in range(11)] == [0.5, 1.0, 1.0, 7 / 8, 6 / 8, 5 / 8, 4 / 8, 3 / 8, 2 / 8, 1 / 8, 0.0]
    cos = lr_schedule(total=10, warmup=0, decay="cosine")
    assert cos(0) == 1.0 and cos(5) == pytest.approx(0.5) and cos(10) == pytest.approx(0.0) and cos(20) == cos(10)
    assert cos(3) == pytest.approx(0.5 * (1 + math.cos(math.pi * 0.3)))
    with pytest.raises(ValueError, match="decay"):
        lr_schedule(10, 0, "step")


def _toy(seed=0):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 1))  # dropout: the RNG must resume too
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    return model, opt, lr_scheduler(opt, 12, 3, "cosine")


def _train(model, opt, sched, out, total, start=0, stop_after=None, keep=2):
    data = torch.Generator().manual_seed(1)
    xs, ys = torch.randn(total, 16, 4, generator=data), torch.randn(total, 16, 1, generator=data)
    ckpts = Checkpoints(out, keep=keep)
    metrics = MetricsLog(out, start_step=start)

    def step_fn(step):
        if stop_after is not None and step >= stop_after:
            raise KeyboardInterrupt
        loss = ((model(xs[step]) - ys[step]) ** 2).mean()
        loss.backward()
        optimizer_step(model, opt, sched, max_grad_norm=1.0)
        return torch.tensor([[loss.item() * 16, 16.0]]), 16

    try:
        fit(step_fn, total, ["loss"], start=start, scheduler=sched, metrics=metrics, log_every=2,
            hooks=[Every(4, lambda done: ckpts.save(done, model, opt, sched, {"note": torch.tensor(done)}))])
    finally:
        metrics.close()


def test_interrupted_and_resumed_fit_equals_an_uninterrupted_one(tmp_path):
    model, opt, sched = _toy()
    _train(model, opt, sched, tmp_path / "a", 12)
    m2, o2, s2 = _toy()
    with pytest.raises(KeyboardInterrupt):
        _train(m2, o2, s2, tmp_path / "b", 12, stop_after=9)  # killed after the step-8 checkpoint and a log row
    assert [p.name for p in Checkpoints(tmp_path / "b").list()] == ["step-0000004", "step-0000008"]  # keep=2
    m3, o3, s3 = _toy(seed=5)  # other initial weights: all of them come from the checkpoint
    step, extra, ckpt = Checkpoints(tmp_path / "b").resume(m3, o3, s3, "cpu")
    assert step == 8 and ckpt.name == "step-0000008" and int(extra["note"]) == 8
    _train(m3, o3, s3, tmp_path / "b", 12, start=step)
    assert all(torch.equal(p, q) for p, q in zip(model.state_dict().values(), m3.state_dict().values()))
    rows = lambda d: [json.loads(x) for x in (d / "metrics.jsonl").read_text().splitlines()]  # noqa: E731
    assert [r["step"] for r in rows(tmp_path / "b")] == [2, 4, 6, 8, 10, 12]  # the rows of an uninterrupted run
    assert [r["loss"] for r in rows(tmp_path / "b")] == [r["loss"] for r in rows(tmp_path / "a")]
    assert set(rows(tmp_path / "a")[0]) == {"step", "split", "loss", "lr", "items_per_s"}


def test_resume_skips_a_damaged_checkpoint_and_says_which_file(tmp_path, caplog):
    model, opt, sched = _toy()
    _train(model, opt, sched, tmp_path, 12)
    newest = Checkpoints(tmp_path).list()[-1]
    (newest / "model.safetensors").write_bytes(b"garbage")
    with caplog.at_level("WARNING"):
        step, _, ckpt = Checkpoints(tmp_path).resume(*_toy(), "cpu")
    assert step == 8 and "model.safetensors" in caplog.text and "checksum" in caplog.text
    for c in Checkpoints(tmp_path).list():
        (c / "state.pt").unlink()
    with pytest.raises(CheckpointError, match="no valid checkpoint"):
        Checkpoints(tmp_path).resume(*_toy(), "cpu")
    assert Checkpoints(tmp_path / "nothing").resume(*_toy(), "cpu") is None


def test_one_resume_policy(tmp_path):
    cfg = StudentArch()
    check_run_dir(tmp_path / "new", False, tmp_path / "new" / "config.json")  # a new directory: fine
    with pytest.raises(FileNotFoundError, match="nothing to resume"):
        check_run_dir(tmp_path / "new", True, tmp_path / "new" / "config.json")
    (tmp_path / "done").mkdir()
    (tmp_path / "done" / "model").mkdir()
    with pytest.raises(ValueError, match="already holds a test run; pass --resume"):
        check_run_dir(tmp_path / "done", False, tmp_path / "done" / "c.json", finished=["model"], what="test")
    save_config(cfg, tmp_path / "done" / "c.json")
    check_run_dir(tmp_path / "done", True, tmp_path / "done" / "c.json", finished=["model"])
    check_same_config(tmp_path / "done" / "c.json", cfg)
    with pytest.raises(ValueError, match="depth"):
        check_same_config(tmp_path / "done" / "c.json", cfg.replace(depth=2))


def test_fit_runs_hooks_on_their_steps_and_at_the_end():
    seen = []
    stats = fit(lambda s: (torch.tensor([[float(s), 1.0], [0.0, 0.0]]), 1), 7, ["mean_step", "never"], log_every=3,
                hooks=[Every(3, lambda done: seen.append(("a", done))), Every(5, lambda done: seen.append(("b", done)))])
    assert seen == [("a", 3), ("b", 5), ("a", 6), ("a", 7), ("b", 7)]
    assert stats == {"mean_step": 6.0}  # the last row: step 7 alone; a statistic with no count is left out
    assert fit(lambda s: pytest.fail("no step to run"), 4, ["x"], start=4) == {}


def test_a_non_finite_loss_stops_with_the_step_and_the_learning_rate():
    check_finite(torch.tensor(1.0), 0, "x", 1e-3)
    with pytest.raises(RuntimeError, match=r"captioner step 3: the loss is nan .*lower the learning rate \(0.001\)"):
        check_finite(torch.tensor(float("nan")), 2, "captioner", 1e-3)


def test_a_field_newer_than_the_saved_config_is_accepted_at_its_default(tmp_path):
    from videobert.utils.io import atomic_write_json

    old = {k: v for k, v in StudentArch().to_dict().items() if k != "frames"}  # written before `frames` existed
    atomic_write_json(tmp_path / "c.json", {"type": "StudentArch", **old})
    check_same_config(tmp_path / "c.json", StudentArch())
    with pytest.raises(ValueError, match="frames"):
        check_same_config(tmp_path / "c.json", StudentArch(frames=2))


def _train_preemptible(out, total, signal_at=None, signum=None, start=0, resumed=None, log_every=3, save_every=4):
    """The toy run of `_train`, preemptible: a signal sent to this process during step `signal_at`."""
    import os

    model, opt, sched = _toy(seed=5 if start else 0)
    data = torch.Generator().manual_seed(1)
    xs, ys = torch.randn(total, 16, 4, generator=data), torch.randn(total, 16, 1, generator=data)
    ckpts = Checkpoints(out, keep=2)
    if start:
        start, resumed, _ = ckpts.resume(model, opt, sched, "cpu")
    metrics = MetricsLog(out, start_step=start)

    def step_fn(step):
        if step == signal_at:
            os.kill(os.getpid(), signum)  # as a scheduler would, in the middle of a step
        loss = ((model(xs[step]) - ys[step]) ** 2).mean()
        loss.backward()
        optimizer_step(model, opt, sched, max_grad_norm=1.0)
        return torch.tensor([[loss.item() * 16, 16.0]]), 16

    try:
        fit(step_fn, total, ["loss"], start=start, scheduler=sched, metrics=metrics, log_every=log_every,
            hooks=[Every(save_every, lambda done: ckpts.save(done, model, opt, sched))],
            checkpoint=lambda done, extra: ckpts.save(done, model, opt, sched, extra), resumed=resumed, what="toy")
    finally:
        metrics.close()
    return model


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGUSR1"])
def test_a_preemption_signal_at_a_random_step_checkpoints_and_resumes_exactly(tmp_path, signame):
    import random
    import signal

    from videobert.utils.preempt import EXIT_PREEMPTED, Preempted

    signum = getattr(signal, signame)
    at = random.randrange(0, 11)  # the step (0-based) during which the signal comes; 12 steps in all
    before = signal.getsignal(signum)
    done = _train_preemptible(tmp_path / "a", 12)
    with pytest.raises(Preempted, match=rf"toy stopped by {signame} after step {at + 1} of 12; checkpoint written") as e:
        _train_preemptible(tmp_path / "b", 12, signal_at=at, signum=signum)
    assert e.value.status == EXIT_PREEMPTED == 75 and e.value.step == at + 1, at
    assert signal.getsignal(signum) == before  # the handler is fit's only while it runs
    assert Checkpoints(tmp_path / "b").list()[-1].name == f"step-{at + 1:07d}"
    resumed = _train_preemptible(tmp_path / "b", 12, start=True)
    for p, q in zip(done.state_dict().values(), resumed.state_dict().values()):
        assert torch.equal(p, q), at
    rows = lambda d: [{k: v for k, v in json.loads(x).items() if k != "items_per_s"}  # noqa: E731
                      for x in (d / "metrics.jsonl").read_text().splitlines()]
    assert rows(tmp_path / "b") == rows(tmp_path / "a"), at  # rows 3, 6, 9, 12: each sums the same steps


def test_ctrl_c_stops_after_the_step_with_a_checkpoint_and_a_second_one_at_once(tmp_path):
    import signal

    from videobert.utils.preempt import EXIT_INTERRUPTED, Preempted

    before = signal.getsignal(signal.SIGINT)
    done = _train_preemptible(tmp_path / "a", 12)
    with pytest.raises(Preempted, match=r"toy stopped by SIGINT after step 5 of 12; checkpoint written") as e:
        _train_preemptible(tmp_path / "b", 12, signal_at=4, signum=signal.SIGINT)
    assert e.value.status == EXIT_INTERRUPTED == 130 and signal.getsignal(signal.SIGINT) == before
    resumed = _train_preemptible(tmp_path / "b", 12, start=True)  # nothing lost: the uninterrupted weights
    for p, q in zip(done.state_dict().values(), resumed.state_dict().values()):
        assert torch.equal(p, q)

    from videobert.utils.preempt import StopRequest

    with StopRequest(interrupt=True) as stop:
        signal.raise_signal(signal.SIGINT)
        assert stop.signum == signal.SIGINT  # the first: recorded, the step goes on
        with pytest.raises(KeyboardInterrupt):  # the second: the user will not wait
            signal.raise_signal(signal.SIGINT)
    with StopRequest() as stop:  # outside training loops Ctrl-C keeps its usual meaning
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)


def test_the_rng_states_of_numpy_and_python_resume_too(tmp_path):
    import random

    import numpy as np

    model, opt, sched = _toy()
    np.random.seed(3)
    random.seed(3)
    Checkpoints(tmp_path).save(1, model, opt, sched)
    expect = (np.random.rand(), random.random(), torch.rand(1))
    np.random.seed(9)
    random.seed(9)
    torch.manual_seed(9)
    Checkpoints(tmp_path).resume(model, opt, sched, "cpu")
    assert (np.random.rand(), random.random(), torch.rand(1)) == expect


def test_an_intact_checkpoint_of_another_shape_is_not_blamed(tmp_path):
    model, opt, sched = _toy()
    Checkpoints(tmp_path).save(4, model, opt, sched)
    torch.manual_seed(0)
    other = nn.Sequential(nn.Linear(4, 6), nn.Dropout(0.5), nn.Linear(6, 1))  # e.g. another vocabulary size
    o2 = torch.optim.AdamW(other.parameters())
    with pytest.raises(ValueError, match=r"is intact \(its checksum matches\) but holds a model of another shape.*"
                                         r"size mismatch.*new --out") as e:
        Checkpoints(tmp_path).resume(other, o2, lr_scheduler(o2, 12), "cpu")
    assert "delete" not in str(e.value) and "\n" not in str(e.value)


def test_a_resume_with_changed_inputs_names_what_changed(tmp_path):
    from videobert.train.engine import check_inputs, fingerprint

    a = {"split": fingerprint(["v1", "v2"], ["v3"]), "vocab": fingerprint(torch.ones(3))}
    what = {"split": "the split", "vocab": "the vocabulary"}
    check_inputs(a, dict(a), tmp_path, what)
    check_inputs(None, a, tmp_path, what)  # a run from before fingerprints: nothing to compare
    b = {**a, "vocab": fingerprint(torch.ones(4))}
    with pytest.raises(ValueError, match=rf"--resume: the vocabulary changed since the run in {tmp_path} started.*"
                                         "new --out"):
        check_inputs(a, b, tmp_path, what)
    assert fingerprint(["v1", "v2"], ["v3"]) != fingerprint(["v1"], ["v2", "v3"])


def test_adamw_is_fused_on_cpu_and_takes_the_same_steps_as_the_loop():
    torch.manual_seed(0)
    make = lambda: [nn.Parameter(torch.randn(50, 8)), nn.Parameter(torch.randn(8))]  # noqa: E731
    a, b = make(), make()
    for p, q in zip(a, b):
        q.data.copy_(p.data)
    fused = adamw([{"params": a[:1], "weight_decay": 0.01}, {"params": a[1:], "weight_decay": 0.0}], lr=1e-2)
    loop = torch.optim.AdamW([{"params": b[:1], "weight_decay": 0.01}, {"params": b[1:], "weight_decay": 0.0}],
                             lr=1e-2, foreach=False)
    assert fused.defaults["fused"] and not loop.defaults.get("fused")
    for step in range(5):
        g = [torch.randn_like(p) for p in a]
        for opt, ps in ((fused, a), (loop, b)):
            for p, gi in zip(ps, g):
                p.grad = gi.clone()
            opt.step()
    for p, q in zip(a, b):
        assert torch.allclose(p, q, atol=1e-6)  # the same update, up to float rounding
    assert adamw([nn.Parameter(torch.zeros(3, dtype=torch.float64))], lr=1e-3).defaults["fused"]
    meta = adamw([nn.Parameter(torch.zeros(3, device="meta"))], lr=1e-3)  # no fused kernel there: the loop
    assert not meta.defaults["fused"]
