"""One training skeleton for every trainer: pretraining (`train.loop`), distillation
(`vision.distill`) and the captioner (`tasks.captioning`).

A trainer builds its model, optimizer and data outside, and hands `fit` one function,
``step_fn(step) -> (stats, items)``, that runs optimizer step ``step + 1`` (its batches, its
loss, ``backward``, then `optimizer_step`) and returns the step's statistics as ``(K, 2)``
(sum, count) rows plus the number of items it consumed (tokens, clips, captions). Everything
around that is here, once:

- **schedule** (`lr_schedule`): linear warmup, then linear or cosine decay to 0;
- **run directory and resume policy** (`check_run_dir`, `check_same_config`): a directory
  that holds a run refuses a new start unless resumed; a resumed run needs its saved config
  and refuses a different one;
- **checkpoints** (`Checkpoints`): ``RUN/checkpoints/step-NNNNNNN/`` holding
  ``model.safetensors`` (weights), ``state.pt`` (optimizer + scheduler state dicts, the step,
  the world size, the trainer's extras: plain tensors and numbers, read back with
  ``torch.load(weights_only=True)``), ``rng-<rank>.pt`` (each rank's torch RNG state) and,
  written last, ``checksums.json`` (sha256 of each file). The files are written into
  ``step-NNNNNNN.tmp/`` and renamed at once; resuming verifies the newest checkpoint against
  its checksums and skips an invalid one (with a warning) for the next older one;
- **metrics** (`MetricsLog`): ``RUN/metrics.jsonl`` (one JSON object per row) and optionally
  TensorBoard; a resumed run first drops the rows logged after its checkpoint;
- **the loop** (`fit`): progress bar, a metrics row every `log_every` steps, hooks (held-out
  evaluation, checkpoints) every N steps and at the end;
- **preemption** (`fit`'s ``checkpoint``): SIGTERM or SIGUSR1 during `fit` lets the current step
  finish, then a checkpoint is written (with the metrics accumulated since the last row, so
  the resumed run logs the rows of an uninterrupted one) and `Preempted` is raised (exit status
  75 from the ``videobert`` command, `utils.preempt`);
- **inputs** (`fingerprint`, `check_inputs`): a run records fingerprints of what it trains on
  (its data split, its vocabulary, its initialization); a resume with other ones is refused.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import os
import random
import shutil
import time
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch
from torch import nn

from ..utils.config import Config
from ..utils.io import atomic_write_text, read_json
from ..utils.preempt import Preempted, StopRequest, finished_checkpoints, signal_name

log = logging.getLogger(__name__)

DECAYS = ("linear", "cosine")
CHECKSUMS = "checksums.json"


# ---- schedule ---------------------------------------------------------------------------
def lr_schedule(total: int, warmup: int = 0, decay: str = "linear") -> Callable[[int], float]:
    """The learning-rate factor of step `s` (0-based): ``(s + 1) / warmup`` during the warmup,
    then from 1 down to 0 at step `total`, linearly or along half a cosine."""
    if decay not in DECAYS:
        raise ValueError(f"decay {decay!r}: must be one of {DECAYS}")
    span = max(1, total - warmup)

    def factor(s: int) -> float:
        if s < warmup:
            return (s + 1) / warmup
        if decay == "linear":
            return max(0.0, (total - s) / span)
        return 0.5 * (1 + math.cos(math.pi * min((s - warmup) / span, 1.0)))

    return factor


def lr_scheduler(optimizer: torch.optim.Optimizer, total: int, warmup: int = 0, decay: str = "linear"):
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_schedule(total, warmup, decay))


def adamw(params, lr: float, **kwargs) -> torch.optim.AdamW:
    """`torch.optim.AdamW`, fused into one kernel where PyTorch has one for the parameters
    (float tensors on CPU or CUDA): on the 2-core CPU the per-tensor loop took ~12 ms a step of
    the tiny model's ~60 ms, the fused kernel 2 ms (docs/benchmarks.md). The update is the same
    formula; its float rounding may differ from the loop's in the last bits."""
    groups = list(params)
    tensors = [p for g in groups for p in (g["params"] if isinstance(g, dict) else [g])]
    fusable = bool(tensors) and all(p.dtype in (torch.float32, torch.float16, torch.bfloat16, torch.float64)
                                    and p.device.type in ("cpu", "cuda") for p in tensors)
    return torch.optim.AdamW(groups, lr=lr, fused=fusable or None, **kwargs)


def optimizer_step(model: nn.Module, optimizer, scheduler, max_grad_norm: float | None = None) -> None:
    """After ``backward``: clip the gradient norm (if `max_grad_norm`), step the optimizer and the
    schedule, clear the gradients."""
    if max_grad_norm is not None:
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)


def check_finite(loss: torch.Tensor, step: int, what: str, lr: float) -> None:
    """Stop at a loss that is not finite, before it reaches the weights."""
    if not torch.isfinite(loss):
        raise RuntimeError(f"{what} step {step + 1}: the loss is {loss.item()} (not finite); "
                           f"lower the learning rate ({lr:g}); nothing was saved for this step")


# ---- run directory: one resume policy ----------------------------------------------------
def check_run_dir(out: Path, resume: bool, config_path: Path, finished: Sequence[str] = (),
                  what: str = "training") -> None:
    """Refuse to start over an existing run (checkpoints, or one of the `finished` outputs)
    without `resume`, or to resume where there is no saved config."""
    out = Path(out)
    if not resume and (Checkpoints(out).list() or any((out / f).exists() for f in finished)):
        raise ValueError(f"{out} already holds a {what} run; pass --resume to continue it or use a new --out")
    if resume and not Path(config_path).is_file():
        raise FileNotFoundError(f"--resume: {config_path} not found; nothing to resume in {out}")


def check_same_config(saved_path: Path, config: Config) -> None:
    """A resumed run continues with the config it was started with: any other value is refused,
    with the fields that differ."""
    saved = {k: v for k, v in read_json(saved_path).items() if k != "type"}
    given = json.loads(json.dumps(config.to_dict()))
    defaults = {f.name: json.loads(json.dumps(f.default)) for f in dataclasses.fields(config)
                if f.default is not dataclasses.MISSING}
    defaults.update(getattr(config, "PREDATES", {}))  # what a run saved before the field existed used
    # a field newer than the saved config: equal when the run uses its default (or its PREDATES value)
    diff = {k: (saved.get(k), v) for k, v in given.items()
            if saved.get(k) != v and not (k not in saved and k in defaults and defaults[k] == v)}
    if diff:
        raise ValueError(f"--resume: config differs from the run's {saved_path} (saved, given): {diff}")


def fingerprint(*parts: Any) -> str:
    """A short sha256 of `parts`: arrays and tensors by dtype, shape and bytes, anything else by
    its JSON (keys sorted)."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, torch.Tensor):
            part = part.detach().cpu().contiguous().numpy() if part.dtype != torch.bfloat16 else part.float().numpy()
        if isinstance(part, np.ndarray):
            h.update(f"{part.dtype}{part.shape}".encode())
            h.update(np.ascontiguousarray(part).tobytes())
        else:
            h.update(json.dumps(part, sort_keys=True, default=str).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def check_inputs(recorded: Mapping[str, Any] | None, current: Mapping[str, str], out: Path,
                 what: Mapping[str, str]) -> None:
    """A resumed run trains on the inputs it started with: each fingerprint in `current` that
    differs from the one `recorded` at the start is refused, naming what changed (`what`: the
    words for each key). A fingerprint not recorded (a run from before they existed) is not checked."""
    recorded = recorded or {}
    changed = [what.get(k, k) for k, v in current.items() if k in recorded and recorded[k] != v]
    if changed:
        raise ValueError(f"--resume: {'; '.join(changed)} changed since the run in {out} started, so its steps "
                         "would not continue the same training; restore them as they were, or start a new run "
                         "with a new --out")


# ---- checkpoints ---------------------------------------------------------------------------
class CheckpointError(RuntimeError):
    """A checkpoint that cannot be used: a missing or damaged file."""


def _sha256(path: Path, fsync: bool = False) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
        if fsync:  # the data reaches the disk before the checkpoint is renamed into place
            os.fsync(f.fileno())
    return h.hexdigest()


def _write_checksums(d: Path) -> None:
    """sha256 of every file in `d`, written last to ``d/checksums.json`` (fsynced, like the files)."""
    sums = {f.name: _sha256(f, fsync=True) for f in sorted(d.iterdir()) if f.is_file() and f.name != CHECKSUMS}
    with open(d / CHECKSUMS, "w", encoding="utf-8") as f:
        json.dump({"algorithm": "sha256", "files": sums}, f, indent=1)
        f.flush()
        os.fsync(f.fileno())


def _first_line(e: Exception) -> str:
    return (str(e).strip().splitlines() or [""])[0][:200]  # torch's messages run to paragraphs


_MISMATCH_WORDS = ("size mismatch", "Missing key", "Unexpected key")


def _is_shape_mismatch(e: Exception) -> bool:
    return any(w in str(e) for w in _MISMATCH_WORDS + ("Error(s) in loading",))


def _mismatch(e: Exception) -> str:
    """The informative line of torch's load_state_dict error (its first line names only the class)."""
    lines = [ln.strip() for ln in str(e).splitlines() if any(w in ln for w in _MISMATCH_WORDS)]
    return (lines[0] if lines else _first_line(e))[:200]


def barrier(world: int) -> None:
    if world > 1:
        torch.distributed.barrier()


@dataclasses.dataclass
class Checkpoints:
    """The step checkpoints of run directory `out` (format: module docstring). Every rank calls
    `save`/`resume`; rank 0 writes the shared files, each rank its own RNG state."""

    out: Path
    keep: int = 2
    rank: int = 0
    world: int = 1

    def __post_init__(self):
        self.out = Path(self.out)

    @property
    def dir(self) -> Path:
        return self.out / "checkpoints"

    def list(self) -> list[Path]:
        """The finished checkpoints (``step-NNNNNNN``; not ``.tmp``), oldest first."""
        return finished_checkpoints(self.out)

    def save(self, step: int, model: nn.Module, optimizer, scheduler, extra: dict[str, Any] | None = None) -> Path:
        from safetensors.torch import save_model

        final = self.dir / f"step-{step:07d}"
        tmp = final.with_name(final.name + ".tmp")

        def failed(e: Exception) -> RuntimeError:
            # a full disk shows as OSError (ENOSPC) or as torch's "enforce fail at inline_container.cc"
            shutil.rmtree(tmp, ignore_errors=True)
            return RuntimeError(f"could not write checkpoint {final} ({type(e).__name__}: {_first_line(e)}); the disk "
                                f"may be full: free space in {final.parent} and re-run with --resume (the previous "
                                f"checkpoints there are intact; the partial {tmp.name} was removed)")

        if self.rank == 0:
            shutil.rmtree(tmp, ignore_errors=True)
            try:
                tmp.mkdir(parents=True)
            except OSError as e:
                raise failed(e) from e
        barrier(self.world)
        rng = _rng_state()
        try:
            torch.save(rng, tmp / f"rng-{self.rank}.pt")
        except (OSError, RuntimeError) as e:
            raise failed(e) from e
        barrier(self.world)
        if self.rank == 0:
            try:
                save_model(model, str(tmp / "model.safetensors"))
                torch.save({"step": step, "world": self.world, "optimizer": optimizer.state_dict(),
                            "scheduler": scheduler.state_dict(), "extra": dict(extra or {})}, tmp / "state.pt")
                _write_checksums(tmp)  # last: a checkpoint with checksums has all its files
            except (OSError, RuntimeError) as e:
                raise failed(e) from e
            shutil.rmtree(final, ignore_errors=True)
            os.replace(tmp, final)  # the checkpoint appears complete or not at all
            for old in self.list()[: -self.keep]:
                shutil.rmtree(old, ignore_errors=True)
        barrier(self.world)
        return final

    def resume(self, model: nn.Module, optimizer, scheduler, device) -> tuple[int, dict[str, Any], Path] | None:
        """Load the newest valid checkpoint (an invalid one is skipped with a warning naming its
        bad file): returns (step, extras, checkpoint), or None when there is none."""
        ckpts = self.list()
        if not ckpts:
            return None
        rejected = []
        for ckpt in reversed(ckpts):
            try:
                step, extra = self.load(ckpt, model, optimizer, scheduler, device)
                return step, extra, ckpt
            except CheckpointError as e:
                rejected.append(str(e))
                log.warning("--resume: skipping checkpoint %s: %s", ckpt.name, e)
        raise CheckpointError(f"--resume: no valid checkpoint in {self.dir} ({'; '.join(rejected)}); "
                              "restore one, or delete the checkpoints folder to start the run again")

    def verify(self, ckpt: Path) -> bool:
        """Check the files this rank loads against ``checksums.json``. True: verified; False: no
        checksums (a checkpoint written before they existed). Raises `CheckpointError` naming the
        bad file."""
        needed = ["model.safetensors", "state.pt", f"rng-{self.rank}.pt"]
        for name in needed:
            if not (ckpt / name).is_file():
                raise CheckpointError(f"{ckpt / name} is missing")
        sums_path = ckpt / CHECKSUMS
        if not sums_path.is_file():
            return False
        try:
            sums = read_json(sums_path)["files"]
            if not isinstance(sums, dict):
                raise TypeError("'files' is not a mapping")
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise CheckpointError(f"{sums_path} is unreadable ({type(e).__name__}: {e})") from e
        for name in needed:
            if name not in sums:
                raise CheckpointError(f"{ckpt / name} has no checksum in {sums_path}")
            if _sha256(ckpt / name) != sums[name]:
                raise CheckpointError(f"{ckpt / name} does not match its checksum in {sums_path} (truncated or changed)")
        return True

    def load(self, ckpt: Path, model: nn.Module, optimizer, scheduler, device) -> tuple[int, dict[str, Any]]:
        """Verify and load one checkpoint; returns (step, extras). A damaged one raises
        `CheckpointError` naming the file; another world size, ValueError."""
        from safetensors.torch import load_model

        verified = self.verify(ckpt)  # raises CheckpointError for a damaged file
        if not verified:
            log.warning("%s has no %s (written by an older version): loading it unverified", ckpt, CHECKSUMS)

        def read(name: str, fn):
            try:
                return fn(ckpt / name)
            except Exception as e:  # truncated or garbled file: safetensors, pickle, zip errors...
                raise CheckpointError(f"{ckpt / name} does not load ({type(e).__name__}: {_first_line(e)})") from e

        state = read("state.pt", lambda p: torch.load(p, map_location=device, weights_only=True))
        rng = read(f"rng-{self.rank}.pt", lambda p: torch.load(p, weights_only=True))
        if not isinstance(state, dict) or not {"step", "world", "optimizer", "scheduler"} <= state.keys():
            raise CheckpointError(f"{ckpt / 'state.pt'} is not a checkpoint state (missing step/world/optimizer/scheduler)")
        if state["world"] != self.world:
            raise ValueError(f"{ckpt} was written by {state['world']} processes; resume with the same number "
                             f"(now {self.world}) so the data order stays the same")
        try:
            load_model(model, str(ckpt / "model.safetensors"), device=str(device))
        except Exception as e:
            if verified and isinstance(e, RuntimeError) and _is_shape_mismatch(e):
                # an intact checkpoint of another model: the run's inputs changed, not the file
                raise ValueError(f"--resume: {ckpt / 'model.safetensors'} is intact (its checksum matches) but "
                                 f"holds a model of another shape than this run builds ({_mismatch(e)}): the "
                                 "vocabulary, --init or --size changed since the run started; resume with the "
                                 "inputs it started with, or start a new run with a new --out") from None
            raise CheckpointError(f"{ckpt / 'model.safetensors'} does not load "
                                  f"({type(e).__name__}: {_first_line(e)})") from e
        read("state.pt", lambda p: (optimizer.load_state_dict(state["optimizer"]),
                                    scheduler.load_state_dict(state["scheduler"])))
        _set_rng_state(rng)
        return int(state["step"]), dict(state.get("extra") or {})


def _rng_state() -> dict[str, Any]:
    """torch's RNG state and the global numpy and Python ones (augmentations draw from those), as
    tensors and numbers (`torch.load(weights_only=True)` reads them back)."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    version, py, py_gauss = random.getstate()
    rng = {"torch": torch.get_rng_state(),
           "numpy": {"keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)), "pos": int(pos),
                     "has_gauss": int(has_gauss), "gauss": float(gauss)},
           "python": {"version": int(version), "state": torch.tensor(py, dtype=torch.int64),
                      "gauss": float("nan") if py_gauss is None else float(py_gauss)}}
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state()
    return rng


def _set_rng_state(rng: dict[str, Any]) -> None:
    torch.set_rng_state(rng["torch"])
    if "cuda" in rng and torch.cuda.is_available():
        torch.cuda.set_rng_state(rng["cuda"])
    if "numpy" in rng:  # checkpoints written before these were saved hold torch's only
        n = rng["numpy"]
        np.random.set_state(("MT19937", n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["gauss"]))
    if "python" in rng:
        p = rng["python"]
        random.setstate((p["version"], tuple(int(x) for x in p["state"].tolist()),
                         None if math.isnan(p["gauss"]) else p["gauss"]))


# ---- metrics ------------------------------------------------------------------------------
class MetricsLog:
    """``RUN/metrics.jsonl`` (one JSON object per row) and, optionally, TensorBoard.

    The run starts (or resumes) at `start_step`: rows an earlier attempt logged after it (the
    steps a resume trains again; a line cut by a kill) are dropped first, atomically, so an
    interrupted + resumed run's metrics.jsonl holds the rows of an uninterrupted one."""

    def __init__(self, out: Path, tensorboard: bool = False, start_step: int = 0):
        path = Path(out) / "metrics.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            _truncate_metrics(path, start_step)
        self.f = open(path, "a", encoding="utf-8")
        self.last: dict[str, dict[str, float]] = {}  # split -> its last row's values
        self.tb = None
        if tensorboard:
            from ..utils.lazy import require

            self.tb = require("torch.utils.tensorboard", "tensorboard", "TensorBoard logging").SummaryWriter(str(Path(out) / "tb"))

    def log(self, step: int, split: str, values: dict[str, float]) -> None:
        self.f.write(json.dumps({"step": step, "split": split, **values}) + "\n")
        self.last[split] = dict(values)
        self.f.flush()
        log.info("step %d %s %s", step, split, " ".join(f"{k}={v:.4g}" for k, v in values.items()))
        if self.tb:
            for k, v in values.items():
                self.tb.add_scalar(f"{split}/{k}", v, step)

    def close(self) -> None:
        self.f.close()
        if self.tb:
            self.tb.close()


def _truncate_metrics(path: Path, step: int) -> None:
    """Rewrite `path` (temp file + rename) to its rows with ``step <= step``; an unparsable
    line (cut by a kill mid-write) is dropped. Nothing is rewritten when nothing would change."""
    text = path.read_text(encoding="utf-8", errors="replace")
    kept = []
    for line in text.splitlines():
        try:
            row = json.loads(line)
            if isinstance(row, dict) and int(row["step"]) <= step:
                kept.append(line)
        except (ValueError, KeyError, TypeError):
            continue
    new = "".join(line + "\n" for line in kept)
    if new != text:
        dropped = len(text.splitlines()) - len(kept)
        log.info("%s: dropping %d row(s) logged after step %d (trained again now)", path, dropped, step)
        atomic_write_text(path, new)


# ---- the loop -------------------------------------------------------------------------------
def all_reduce(t: torch.Tensor, world: int) -> torch.Tensor:
    if world > 1:
        torch.distributed.all_reduce(t)
    return t


def summarize(stats: torch.Tensor, names: Sequence[str]) -> dict[str, float]:
    """{name: sum / count} of ``(K, 2)`` (sum, count) rows, for the rows with a count."""
    return {name: float(stats[i, 0] / stats[i, 1]) for i, name in enumerate(names) if stats[i, 1] > 0}


@dataclasses.dataclass(frozen=True)
class Every:
    """A hook: ``fn(step)`` after every `n`-th step and after the last."""

    n: int
    fn: Callable[[int], None]


def fit(step_fn: Callable[[int], tuple[torch.Tensor, int]], total: int, stat_names: Sequence[str], *,
        start: int = 0, scheduler=None, metrics: MetricsLog | None = None, log_every: int = 10,
        rate_name: str = "items_per_s", hooks: Sequence[Every] = (), progress: str | None = None,
        world: int = 1, device: Any = "cpu", checkpoint: Callable[[int, dict], Any] | None = None,
        resumed: Mapping[str, Any] | None = None, what: str = "training") -> dict[str, float]:
    """Run optimizer steps ``start .. total - 1`` through `step_fn` (see the module docstring).

    Every `log_every` steps (and after the last) the statistics since the last row are summed
    over the ranks and written to `metrics` as a "train" row, with the learning rate and
    `rate_name` (items per second); `hooks` run after that. `progress`: the progress bar's name
    (None: no bar). Returns the last row's statistics.

    Preemption: with `checkpoint` (``checkpoint(done, extra)`` saves a checkpoint after step
    `done` with ``extra`` among its extras), a SIGTERM or SIGUSR1 makes the loop stop after the
    step it is running (all ranks after the same step), save the checkpoint and raise `Preempted`;
    so does a first Ctrl-C (a second one interrupts at once).
    The extra (key ``"fit"``) holds the statistics accumulated since the last metrics row; pass
    the resumed checkpoint's extras as `resumed` so the resumed run's next row sums the same steps."""
    bar = None
    if progress:
        from ..utils.progress import progress as reporter

        bar = reporter(total=total, initial=start, desc=progress, unit="step")
    acc = torch.zeros(len(stat_names), 2, device=device)
    items, t0, last = 0, time.time(), {}
    pending = (resumed or {}).get("fit")
    if isinstance(pending, Mapping) and int(pending.get("step", -1)) == start:
        if pending["acc"].shape == acc.shape and (world == 1 or torch.distributed.get_rank() == 0):
            acc += pending["acc"].to(device)  # summed over the ranks when saved: counted once, on rank 0
            items = int(pending.get("items", 0))
    with StopRequest(interrupt=True) if checkpoint is not None else _no_stop() as stop:
        for step in range(start, total):
            stats, n = step_fn(step)
            acc += stats
            items += n
            done = step + 1
            if bar is not None:
                bar.update(1)
            if done % log_every == 0 or done == total:
                last = summarize(all_reduce(acc, world), stat_names)
                rate = all_reduce(torch.tensor(float(items), device=device), world).item() / max(time.time() - t0, 1e-9)
                if metrics is not None:
                    lr = {"lr": scheduler.get_last_lr()[0]} if scheduler is not None else {}
                    metrics.log(done, "train", {**last, **lr, rate_name: rate})
                if bar is not None:
                    bar.set_postfix({k: f"{v:.3f}" for k, v in last.items() if k.startswith("loss")})
                acc.zero_()
                items, t0 = 0, time.time()
            for hook in hooks:
                if done % hook.n == 0 or done == total:
                    hook.fn(done)
            if checkpoint is not None and done < total and _stop_requested(stop, world, device):
                pending_acc = all_reduce(acc.clone(), world).cpu()
                n_items = int(all_reduce(torch.tensor(float(items), device=device), world).item())
                path = checkpoint(done, {"fit": {"step": done, "acc": pending_acc, "items": n_items}})
                if bar is not None:
                    bar.close()
                name = "a signal to another rank" if stop.signum == -1 else signal_name(stop.signum)
                raise Preempted(f"{what} stopped by {name} after step {done} of {total}; checkpoint written"
                                f"{f' to {path}' if path else ''}; continue with --resume", done, stop.signum)
    if bar is not None:
        bar.close()
    return last


class _no_stop:
    signum = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def _stop_requested(stop, world: int, device) -> bool:
    """Whether any rank received a stop signal (every rank then stops after the same step)."""
    flag = 1.0 if stop.signum is not None else 0.0
    if world > 1:
        t = torch.tensor(flag, device=device)
        torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.MAX)
        flag = t.item()
        if flag and stop.signum is None:
            stop.signum = -1  # another rank's signal
    return flag > 0
