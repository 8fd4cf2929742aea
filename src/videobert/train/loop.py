"""The pretraining loop: three objectives, DDP, exact resume.

Data stream: the epochs' length-bucketed batches (`epoch_batches`, a pure function of the
seed and epoch) laid end to end; optimizer step `s` consumes stream batches
``[s*W*A, (s+1)*W*A)`` (W processes, A accumulation micro-batches; rank r takes
``s*W*A + j*W + r`` for micro-batch j), and each batch is masked with a generator seeded
by its stream position. The data position is therefore just the step number, and a run
with W=2, A=1 sees the same batches per step as one with W=1, A=2.

Checkpoints (``RUN/checkpoints/step-NNNNNNN/``): ``model.safetensors`` (weights),
``state.pt`` (optimizer + scheduler state dicts and the step: plain tensors and numbers,
read back with ``torch.load(weights_only=True)``) and ``rng-<rank>.pt`` (each rank's torch
RNG state, for dropout), and, written last, ``checksums.json`` (sha256 of each of those files).
The files are written into ``step-NNNNNNN.tmp/`` and renamed at once. ``--resume`` verifies the
newest checkpoint against its checksums (a checkpoint without them, written by an older
version, is loaded unverified, with a warning); an invalid one (a missing file, a mismatching
checksum, a file that does not load) is skipped with a warning for the next older one.
Resuming restores all of it, so an interrupted + resumed run ends with the same weights as an
uninterrupted one.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..corpus import Corpus
from ..data import T2V, TEXT, VIDEO, VIDEO_TEXT, Masker, collate, epoch_batches, load_videos, split_videos
from ..model import VideoBERT
from ..utils.config import save_config
from ..utils.io import read_json
from .config import PretrainConfig

log = logging.getLogger(__name__)

# stats vector layout: (sum, count) pairs
STATS = ("loss_text", "loss_video", "loss_vt_mlm", "loss_align", "acc_text", "acc_video", "acc_align", "loss_t2v")


class PretrainingObjective(nn.Module):
    """Wraps VideoBERT so that DDP sees one forward that returns the weighted loss.

    The MLM head runs only on the labelled (masked) positions: with a ~50K joint vocabulary
    the decoder costs more than a small encoder, and the other positions have no loss.
    """

    def __init__(self, model: VideoBERT, weights=(1.0, 1.0, 1.0)):
        super().__init__()
        self.model = model
        self.weights = tuple(float(w) for w in weights)

    def forward(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        m = self.model
        hidden, pooled = m.encode(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])  # (B,T,H), (B,H)
        labels, kinds = batch["mlm_labels"], batch["kinds"]
        sel = labels != -100  # (B, T)
        y = labels[sel]  # (M,)
        logits = m.mlm_logits(hidden[sel]).float()  # (M, V)
        ce = F.cross_entropy(logits, y, reduction="none")  # (M,)
        correct = (logits.argmax(-1) == y).float()
        tok_kind = kinds[:, None].expand_as(labels)[sel]  # (M,)
        is_vis = y >= m.tokenizer.visual_offset
        align = m.align_head(pooled).float()  # (B, 2)
        vt = (batch["align_labels"] >= 0).float()  # (B,): the ALIGN views of video-text pairs
        ace = F.cross_entropy(align, batch["align_labels"].clamp(min=0), reduction="none") * vt
        acorrect = (align.argmax(-1) == batch["align_labels"]).float() * vt

        def part(values, mask):  # (sum, count) of values where mask
            mask = mask.float()
            return torch.stack([(values * mask).sum(), mask.sum()])

        text, video, vtm = part(ce, tok_kind == TEXT), part(ce, tok_kind == VIDEO), part(ce, tok_kind == VIDEO_TEXT)
        t2v = part(ce, batch["views"][:, None].expand_as(labels)[sel] == T2V)  # a part of vtm, logged apart
        al = torch.stack([ace.sum(), vt.sum()])
        mean = lambda p: p[0] / p[1].clamp(min=1)  # noqa: E731  (an absent objective contributes 0)
        w = self.weights
        loss = w[0] * mean(text) + w[1] * mean(video) + w[2] * (mean(vtm) + mean(al))
        stats = torch.stack([text, video, vtm, al, part(correct, ~is_vis), part(correct, is_vis),
                             torch.stack([acorrect.sum(), vt.sum()]), t2v]).detach()  # (8, 2)
        return loss, stats


def summarize(stats: torch.Tensor) -> dict[str, float]:
    return {name: float(stats[i, 0] / stats[i, 1]) for i, name in enumerate(STATS) if stats[i, 1] > 0}


class BatchStream:
    """Random access to the endless batch stream of one process (see module docstring)."""

    def __init__(self, videos, tokenizer, config: PretrainConfig, seed: int):
        self.videos, self.tok, self.cfg, self.seed = videos, tokenizer, config, seed
        self.masker = Masker(tokenizer, config.mask_rates)
        self._lengths: list[int] = []  # batches per epoch, for epochs generated so far
        self._epoch, self._batches = -1, []

    def _load(self, epoch: int):
        if epoch != self._epoch:
            self._batches = epoch_batches(self.videos, self.tok, self.cfg.example_spec, self.cfg.batch_size,
                                          self.seed, epoch, self.cfg.bucket_pool)
            if not self._batches:
                raise ValueError("no training examples: the corpus has no usable sentences or clips")
            self._epoch = epoch
            if epoch == len(self._lengths):
                self._lengths.append(len(self._batches))
        return self._batches

    def epoch_length(self, epoch: int = 0) -> int:
        while len(self._lengths) <= epoch:
            self._load(len(self._lengths))
        return self._lengths[epoch]

    def get(self, pos: int) -> dict[str, torch.Tensor]:
        epoch = 0
        while pos >= self.epoch_length(epoch):
            pos -= self.epoch_length(epoch)
            epoch += 1
        examples = self._load(epoch)[pos]
        return collate(examples, self.masker, np.random.default_rng([self.seed, 1, epoch, pos]))


# ---- distributed helpers --------------------------------------------------------------
def _dist_setup(device_opt: str) -> tuple[int, int, torch.device]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if device_opt == "auto":
        device = torch.device(f"cuda:{local}" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(device_opt)
        if device.type == "cuda" and device.index is None:
            device = torch.device(f"cuda:{local}")
    if world > 1 and not torch.distributed.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
        torch.distributed.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return rank, world, device


def _all_reduce(t: torch.Tensor, world: int) -> torch.Tensor:
    if world > 1:
        torch.distributed.all_reduce(t)
    return t


def _barrier(world: int) -> None:
    if world > 1:
        torch.distributed.barrier()


# ---- checkpoints ------------------------------------------------------------------------
CHECKSUMS = "checksums.json"


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be used: a missing or damaged file."""


def _checkpoints(out: Path) -> list[Path]:
    """The finished checkpoints (``step-NNNNNNN``; not ``.tmp``), oldest first."""
    d = out / "checkpoints"
    return sorted(p for p in d.glob("step-*") if p.is_dir() and not p.name.endswith(".tmp")) if d.is_dir() else []


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


def _verify_checkpoint(ckpt: Path, rank: int) -> bool:
    """Check the files this rank loads against ``checksums.json``. True: verified; False: no
    checksums (a checkpoint written before they existed). Raises `CheckpointError` naming the
    bad file."""
    needed = ["model.safetensors", "state.pt", f"rng-{rank}.pt"]
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


def _save_checkpoint(out: Path, step: int, model: VideoBERT, opt, sched, rank: int, world: int, keep: int) -> None:
    from safetensors.torch import save_model

    final = out / "checkpoints" / f"step-{step:07d}"
    tmp = final.with_name(final.name + ".tmp")

    def failed(e: Exception) -> RuntimeError:
        # a full disk shows as OSError (ENOSPC) or as torch's "enforce fail at inline_container.cc"
        shutil.rmtree(tmp, ignore_errors=True)
        why = (str(e).strip().splitlines() or [""])[0][:200]
        return RuntimeError(f"could not write checkpoint {final} ({type(e).__name__}: {why}); the disk may be full: "
                            f"free space in {final.parent} and re-run with --resume (the previous checkpoints "
                            f"there are intact; the partial {tmp.name} was removed)")

    if rank == 0:
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            tmp.mkdir(parents=True)
        except OSError as e:
            raise failed(e) from e
    _barrier(world)
    rng = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state()
    try:
        torch.save(rng, tmp / f"rng-{rank}.pt")
    except (OSError, RuntimeError) as e:
        raise failed(e) from e
    _barrier(world)
    if rank == 0:
        try:
            save_model(model.bert, str(tmp / "model.safetensors"))
            torch.save({"step": step, "world": world, "optimizer": opt.state_dict(), "scheduler": sched.state_dict()},
                       tmp / "state.pt")
            _write_checksums(tmp)  # last: a checkpoint with checksums has all its files
        except (OSError, RuntimeError) as e:
            raise failed(e) from e
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)  # the checkpoint appears complete or not at all
        for old in _checkpoints(out)[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
    _barrier(world)


def _load_checkpoint(ckpt: Path, model: VideoBERT, opt, sched, rank: int, world: int, device) -> int:
    """Verify (see `_verify_checkpoint`) and load a checkpoint; returns its step. A damaged one
    raises `CheckpointError` naming the file; another world size, ValueError."""
    from safetensors.torch import load_model

    if not _verify_checkpoint(ckpt, rank):
        log.warning("%s has no %s (written by an older version): loading it unverified", ckpt, CHECKSUMS)

    def read(name: str, fn):
        try:
            return fn(ckpt / name)
        except Exception as e:  # truncated or garbled file: safetensors, pickle, zip errors...
            why = (str(e).strip().splitlines() or [""])[0][:200]  # torch's messages run to paragraphs
            raise CheckpointError(f"{ckpt / name} does not load ({type(e).__name__}: {why})") from e

    state = read("state.pt", lambda p: torch.load(p, map_location=device, weights_only=True))
    rng = read(f"rng-{rank}.pt", lambda p: torch.load(p, weights_only=True))
    if not isinstance(state, dict) or not {"step", "world", "optimizer", "scheduler"} <= state.keys():
        raise CheckpointError(f"{ckpt / 'state.pt'} is not a checkpoint state (missing step/world/optimizer/scheduler)")
    if state["world"] != world:
        raise ValueError(f"{ckpt} was written by {state['world']} processes; resume with the same number "
                         f"(now {world}) so the data order stays the same")
    read("model.safetensors", lambda p: load_model(model.bert, str(p), device=str(device)))
    read("state.pt", lambda p: (opt.load_state_dict(state["optimizer"]), sched.load_state_dict(state["scheduler"])))
    torch.set_rng_state(rng["torch"])
    if "cuda" in rng and torch.cuda.is_available():
        torch.cuda.set_rng_state(rng["cuda"])
    return int(state["step"])


def _resume_checkpoint(ckpts: list[Path], model: VideoBERT, opt, sched, rank: int, world: int, device) -> tuple[int, Path]:
    """Load the newest valid checkpoint of `ckpts` (oldest first); an invalid one is skipped
    with a warning naming its bad file. Returns (step, checkpoint)."""
    rejected = []
    for ckpt in reversed(ckpts):
        try:
            return _load_checkpoint(ckpt, model, opt, sched, rank, world, device), ckpt
        except CheckpointError as e:
            rejected.append(str(e))
            log.warning("--resume: skipping checkpoint %s: %s", ckpt.name, e)
    raise CheckpointError(f"--resume: no valid checkpoint in {ckpts[0].parent} ({'; '.join(rejected)}); "
                          "restore one, or delete the checkpoints folder to start the run again")


# ---- the loop -----------------------------------------------------------------------------
def _model_and_data(corpus: Corpus, vocab_dir: Path, cfg: PretrainConfig, device, force: bool = False):
    """The fresh model and the batch streams of the training and held-out videos. A vocabulary
    fitted on features made with other ingest settings than the corpus' is refused unless `force`."""
    from ..ingest.config import check_feature_match
    from ..vocab import VisualVocab

    vocab = VisualVocab.load(vocab_dir)
    if not corpus.config.get("tokenizer"):  # a student's corpus carries its teacher's vocabulary
        check_feature_match(vocab.config.get("ingest"), corpus.config, f"vocabulary {vocab_dir}",
                            f"corpus {corpus.root}", force)
    torch.manual_seed(cfg.seed)
    model = VideoBERT.create(cfg.init, vocab, corpus.config, cfg.size, cfg.seed, cfg.dropout,
                             cfg.visual_init_power, cfg.align_pool).to(device)
    model.train()
    train_ids, held_ids = split_videos(corpus.video_ids(), cfg.heldout_fraction)
    if not train_ids:
        raise ValueError(f"corpus {corpus.root} has no videos")
    tok = model.tokenizer
    stream = BatchStream(load_videos(corpus, vocab_dir, tok, train_ids, cfg.silent_segment_len), tok, cfg, cfg.seed)
    held = BatchStream(load_videos(corpus, vocab_dir, tok, held_ids, cfg.silent_segment_len), tok, cfg, cfg.seed + 1) \
        if held_ids else None
    return model, stream, held, train_ids, held_ids


def _write_run_info(out: Path, cfg: PretrainConfig, corpus: Corpus, vocab_dir: Path, world: int, n_train: int,
                    n_held: int) -> None:
    from ..utils.io import atomic_write_json

    out.mkdir(parents=True, exist_ok=True)
    save_config(cfg, out / "config.json")
    atomic_write_json(out / "run.json", {"corpus": str(corpus.root), "vocab": str(vocab_dir), "world_size": world,
                                        "train_videos": n_train, "heldout_videos": n_held,
                                        "total_steps": cfg.max_steps})


def _resolve(given: PretrainConfig, stream: "BatchStream", held, world: int, rank: int, saved_path: Path | None):
    """The run's config with lr and length made explicit; a resumed run must match its saved one."""
    cfg = given.resolve(stream.epoch_length(0), world)
    for s in (stream, held):
        if s is not None:
            s.cfg = cfg
    if rank == 0:
        how = ("--max-steps" if given.max_steps else f"{given.epochs} epochs" if given.epochs is not None else
               f"the corpus (no --max-steps/--epochs: 8 epochs, at least {cfg.auto_steps(0)} steps)")
        log.info("pretraining %d steps (set by %s; %d batches per epoch), lr %.3g%s", cfg.max_steps, how,
                 stream.epoch_length(0), cfg.lr, "" if given.lr is not None else f" (chosen for --init {cfg.init})")
    if saved_path is not None:
        saved = {k: v for k, v in read_json(saved_path).items() if k != "type"}
        diff = {k: (saved.get(k), v) for k, v in json.loads(json.dumps(cfg.to_dict())).items() if saved.get(k) != v}
        if diff:
            raise ValueError(f"--resume: config differs from the run's {saved_path} (saved, given): {diff}")
    return cfg


def _optimizer(model: nn.Module, cfg: PretrainConfig, total: int):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim < 2 or "LayerNorm" in name else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr)
    warm = int(cfg.warmup_frac * total)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm)))
    return opt, sched


def _check_run_dir(out: Path, resume: bool, cfg_path: Path) -> None:
    """Refuse to start over an existing run without --resume, or to resume where there is none."""
    if not resume and (_checkpoints(out) or (out / "model").exists()):
        raise ValueError(f"{out} already holds a pretraining run; pass --resume to continue it or use a new --out")
    if resume and not cfg_path.is_file():
        raise FileNotFoundError(f"--resume: {cfg_path} not found; nothing to resume in {out}")


def _train_step(ddp, model: VideoBERT, opt, sched, stream: BatchStream, step: int, cfg: PretrainConfig, rank: int,
                world: int, device, autocast, acc: torch.Tensor) -> int:
    """Optimizer step ``step + 1``: its `cfg.grad_accum` micro-batches (gradients synced on the
    last), clipping and the optimizer/scheduler step. Adds the batches' stats to `acc`; returns
    the tokens seen."""
    per_step = world * cfg.grad_accum
    tokens = 0
    for j in range(cfg.grad_accum):
        batch = {k: v.to(device, non_blocking=True) for k, v in stream.get(step * per_step + j * world + rank).items()}
        tokens += int(batch["attention_mask"].sum())
        sync = ddp.no_sync() if world > 1 and j < cfg.grad_accum - 1 else nullcontext()
        with sync, autocast:
            loss, stats = ddp(batch)
        if not torch.isfinite(loss):
            raise RuntimeError(f"pretraining step {step + 1}: the loss is {loss.item()} (not finite); "
                               f"lower the learning rate ({cfg.lr:g}); nothing was saved for this step")
        with sync:
            (loss / cfg.grad_accum).backward()
        acc += stats
    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.max_grad_norm)
    opt.step()
    sched.step()
    opt.zero_grad(set_to_none=True)
    return tokens


def _log_train(step: int, acc: torch.Tensor, tokens: int, t0: float, sched, world: int, device, writer, bar) -> None:
    """The training stats of the steps since the last log line: to `writer` and the progress bar."""
    s = summarize(_all_reduce(acc, world))
    tok_s = _all_reduce(torch.tensor(float(tokens), device=device), world).item() / max(time.time() - t0, 1e-9)
    if writer:
        writer.log(step, "train", {**s, "lr": sched.get_last_lr()[0], "tokens_per_s": tok_s})
    if bar is not None:
        bar.set_postfix({k: f"{v:.3f}" for k, v in s.items() if k.startswith("loss")})


def pretrain(corpus, out, config: PretrainConfig, vocab_dir=None, resume: bool = False, progress: bool = False,
             force: bool = False) -> Path:
    """Pretrain VideoBERT on `corpus` into run directory `out`; returns the final model dir (``out/model``).
    `force`: accept a `vocab_dir` fitted on a corpus ingested with other feature settings."""
    corpus = corpus if isinstance(corpus, Corpus) else Corpus(corpus)
    out = Path(out)
    vocab_dir = Path(vocab_dir) if vocab_dir is not None else corpus.root / "vocab"
    cfg = config
    rank, world, device = _dist_setup(cfg.device)
    cfg_path = out / "config.json"
    _check_run_dir(out, resume, cfg_path)

    model, stream, held, train_ids, held_ids = _model_and_data(corpus, vocab_dir, cfg, device, force)
    cfg = _resolve(cfg, stream, held, world, rank, cfg_path if resume else None)
    total = cfg.max_steps

    objective = PretrainingObjective(model, cfg.loss_weights)
    ddp = objective
    if world > 1:
        ddp = nn.parallel.DistributedDataParallel(objective, device_ids=[device.index] if device.type == "cuda" else None)
    opt, sched = _optimizer(model, cfg, total)
    step = 0
    ckpts = _checkpoints(out)
    if resume and ckpts:
        step, ckpt = _resume_checkpoint(ckpts, model, opt, sched, rank, world, device)
        log.info("resumed from %s (step %d of %d)", ckpt, step, total)
    else:
        torch.manual_seed(cfg.seed + 1000 + rank)  # dropout differs across ranks, reproducibly
    if rank == 0:
        _write_run_info(out, cfg, corpus, vocab_dir, world, len(train_ids), len(held_ids))
    writer = _Metrics(out, cfg.tensorboard, step) if rank == 0 else None
    bar = None
    if progress and rank == 0:
        from tqdm import tqdm

        bar = tqdm(total=total, initial=step, desc="pretrain", unit="step")
    autocast = (torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" and cfg.bf16 else nullcontext())
    acc = torch.zeros(len(STATS), 2, device=device)
    tokens, t0 = 0, time.time()
    while step < total:
        tokens += _train_step(ddp, model, opt, sched, stream, step, cfg, rank, world, device, autocast, acc)
        step += 1
        if bar is not None:
            bar.update(1)
        if step % cfg.log_every == 0 or step == total:
            _log_train(step, acc, tokens, t0, sched, world, device, writer, bar)
            acc.zero_()
            tokens, t0 = 0, time.time()
        if held is not None and (step % cfg.eval_every == 0 or step == total):
            s = evaluate(objective, held, cfg.eval_batches, rank, world, device, autocast)
            if writer:
                writer.log(step, "heldout", s)
        if step % cfg.save_every == 0 or step == total:
            _save_checkpoint(out, step, model, opt, sched, rank, world, cfg.keep_checkpoints)
    if bar is not None:
        bar.close()
    if rank == 0:
        model.save_pretrained(out / "model")
        writer.close()
    _barrier(world)
    return out / "model"


@torch.no_grad()
def evaluate(objective: PretrainingObjective, stream: BatchStream, num_batches: int, rank: int, world: int,
             device, autocast=nullcontext()) -> dict[str, float]:
    """Held-out losses/accuracies over the first `num_batches` batches (sharded over ranks)."""
    was = objective.training
    objective.eval()
    acc = torch.zeros(len(STATS), 2, device=device)
    for pos in range(rank, min(num_batches, stream.epoch_length(0)), world):
        batch = {k: v.to(device) for k, v in stream.get(pos).items()}
        with autocast:
            acc += objective(batch)[1]
    objective.train(was)
    return summarize(_all_reduce(acc, world))


class _Metrics:
    """metrics.jsonl (one JSON object per log line) and, optionally, TensorBoard.

    The run starts (or resumes) at `start_step`: rows an earlier attempt logged after it (the
    steps a resume trains again; a line cut by a kill) are dropped first, atomically, so an
    interrupted + resumed run's metrics.jsonl holds the rows of an uninterrupted one."""

    def __init__(self, out: Path, tensorboard: bool, start_step: int = 0):
        path = out / "metrics.jsonl"
        if path.exists():
            _truncate_metrics(path, start_step)
        self.f = open(path, "a", encoding="utf-8")
        self.tb = None
        if tensorboard:
            from ..utils.lazy import require

            self.tb = require("torch.utils.tensorboard", "tensorboard", "TensorBoard logging").SummaryWriter(str(out / "tb"))

    def log(self, step: int, split: str, values: dict[str, float]) -> None:
        self.f.write(json.dumps({"step": step, "split": split, **values}) + "\n")
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
    from ..utils.io import atomic_write_text

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
