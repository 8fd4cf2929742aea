"""`videobert distill`: train a DeiT student to reproduce the teacher's visual tokens from frames.

Teacher = the corpus' clip features (S3D by default) + the hierarchical k-means vocabulary;
its token for each clip is already on disk (``vocab/tokens``). The student sees only raw
frames. Held-out videos (a fixed, hash-chosen fraction) are never trained on and give the
agreement numbers in ``OUT/eval.json``.

Output: ``OUT/model.safetensors`` + ``OUT/student.json`` (see `model.save_student`),
``OUT/distill_config.json``, ``OUT/split.json``, ``OUT/eval.json``, ``OUT/metrics.jsonl`` (one
row per epoch); while training, ``OUT/checkpoints/`` (the training skeleton's, `train.engine`:
one per epoch; ``--resume`` continues from it) and ``OUT/frames/`` (the decoded frame cache,
reused by re-runs and by `evaluate`).
"""
from __future__ import annotations

import logging
import random
from pathlib import Path

import numpy as np
import torch

from ..corpus import Corpus
from ..train.engine import (
    Checkpoints,
    Every,
    MetricsLog,
    adamw,
    check_finite,
    check_inputs,
    check_run_dir,
    check_same_config,
    fingerprint,
    fit,
    lr_scheduler,
    optimizer_step,
)
from ..utils.config import save_config
from ..utils.io import atomic_write_json, read_json
from ..utils.lock import holding_lock
from .config import IMAGENET_MEAN, IMAGENET_STD, DistillConfig, StudentArch
from .data import GRID_KEYS, BatchMixer, ClipAugment, ClipSet, FrameCache, load_clips, one_hot, to_input
from .losses import DistillationLoss, quantization_scale, teacher_soft_targets

log = logging.getLogger(__name__)

LEGACY_CHECKPOINT = "checkpoint.pt"  # before the shared skeleton: one file, per epoch


def split_videos(video_ids: list[str], heldout: float) -> tuple[list[str], list[str]]:
    """(train, held-out), both sorted: the same hash split as pretraining (`videobert.data.split_videos`),
    so a video's side never changes as the corpus grows."""
    from ..data import split_videos as hash_split

    train, held = hash_split(list(video_ids), heldout)
    return sorted(train), sorted(held)


def init_from_checkpoint(model, path: str) -> None:
    """Load a distilled ViT/DeiT checkpoint (e.g. timm's deit_tiny_distilled_patch16_224 state_dict) into the
    student's trunk; the heads stay random (other label spaces) and the position embedding is
    resampled to the student's patch grid."""
    from timm.layers import resample_abs_pos_embed

    from .backbones import load_state_dict_file

    sd = {k: v for k, v in load_state_dict_file(path).items() if not k.startswith(("head", "coarse_of"))}
    if "pos_embed" in sd and sd["pos_embed"].shape != model.pos_embed.shape:
        sd["pos_embed"] = resample_abs_pos_embed(sd["pos_embed"], list(model.patch_embed.grid_size), num_prefix_tokens=2)
    try:
        missing, unexpected = model.load_state_dict(sd, strict=False)
    except RuntimeError as e:  # shape mismatches
        raise ValueError(f"--init {path}: not a distilled ViT of this shape: {str(e)[:300]}") from e
    missing = [k for k in missing if not k.startswith(("head", "coarse_of"))]
    if missing or unexpected:
        raise ValueError(f"--init {path}: not a distilled ViT of this shape (missing {missing[:3]}, unexpected {unexpected[:3]})")


def _check_out_dir(out: Path, config: DistillConfig, resume: bool) -> None:
    """The skeleton's resume policy (`train.engine`): a directory that holds a run is continued
    only with `resume` and the same config; then `out` is created and the config written."""
    cfg_path = out / "distill_config.json"
    check_run_dir(out, resume, cfg_path, finished=["model.safetensors", LEGACY_CHECKPOINT], what="distillation")
    if resume:
        if not Checkpoints(out).list() and (out / LEGACY_CHECKPOINT).is_file():
            raise ValueError(f"--resume: {out / LEGACY_CHECKPOINT} was written by an older videobert, whose "
                             "checkpoints this version does not read; start again with a new --out")
        check_same_config(cfg_path, config)
    out.mkdir(parents=True, exist_ok=True)
    save_config(config, cfg_path)


def _build_student(config: DistillConfig, vocab, device):
    """The seeded student (from `config.init` unless random) on `device`, and the teacher's
    leaf -> coarse map ``(L,)``."""
    from .model import DistilledStudent

    torch.manual_seed(config.seed)
    coarse_of = torch.as_tensor(vocab.coarse_of(np.arange(vocab.num_tokens)), dtype=torch.int64)  # (L,)
    model = DistilledStudent(StudentArch(**config.arch_dict()), coarse_of)
    if config.init != "random":
        init_from_checkpoint(model, config.init)
    model.to(device)
    return model, coarse_of


def _optimizer(model, config: DistillConfig, steps_per_epoch: int):
    """AdamW as DeiT (no decay on biases, norms, tokens, pos_embed), warmup then cosine decay."""
    from timm.optim import param_groups_weight_decay

    groups = param_groups_weight_decay(model, config.weight_decay, model.no_weight_decay())
    opt = adamw(groups, lr=config.lr)
    sched = lr_scheduler(opt, config.epochs * steps_per_epoch, config.warmup_epochs * steps_per_epoch, "cosine")
    return opt, sched


def _seed_epoch(seed: int, epoch: int) -> np.random.Generator:
    """Seed numpy, torch and random for `epoch`, so a resumed run sees the same batches and
    augmentations; returns the epoch's generator (for the batch order)."""
    rng = np.random.default_rng([seed, epoch])
    np.random.seed(seed * 1000 + epoch)
    torch.manual_seed(seed * 1000 + epoch)
    random.seed(seed * 1000 + epoch)
    return rng


def _student_batch(train: ClipSet, rows: np.ndarray, model, coarse_of, centroids, scale, mean, std, augment, mixer,
                   config: DistillConfig):
    """One training batch: the (augmented, mixed) input ``(B, F, 3, S, S)`` and its coarse
    ``(B, C)`` and leaf ``(B, L)`` targets."""
    frames = train.batch_frames(rows)  # (B, F, S, S, 3)
    if augment is not None:
        frames = np.stack([augment(f) for f in frames])
    x = to_input(frames, mean, std)  # (B, F, 3, S, S)
    leaf = train.leaves[rows]
    coarse_t = one_hot(coarse_of[leaf], model.num_coarse, config.smoothing)  # (B, C)
    if config.mode == "soft":
        teacher_t = teacher_soft_targets(train.features[rows], centroids, scale, config.tau)  # (B, L)
    else:
        teacher_t = one_hot(leaf, model.num_leaves, config.smoothing)  # (B, L)
    x, (coarse_t, teacher_t) = mixer(x, [coarse_t, teacher_t])
    return x, coarse_t, teacher_t


def _student_info(corpus: Corpus, vocab_dir: Path, vocab, grid: dict, config: DistillConfig) -> dict:
    """What `save_student` records about the teacher and the preprocessing."""
    return {
        "vocab": str(vocab_dir.resolve()),
        "vocab_levels": vocab.levels, "vocab_k": vocab.k,
        "corpus": str(corpus.root.resolve()),
        "teacher": {k: corpus.config.get(k) for k in ("backbone", "weights", "size")},
        "grid": grid,
        "resize": config.img_size,  # short side before the center crop
        "mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD),
        "distill": config.to_dict(),
    }


INPUTS = {"split": "the corpus's training/held-out split (videos added, removed or re-ingested)",
          "vocab": "the visual vocabulary (re-fitted)"}


@holding_lock(lambda corpus_dir, vocab_dir, out_dir, *a, **k: out_dir, "videobert distill", "use another --out")
def distill(corpus_dir, vocab_dir, out_dir, config: DistillConfig = DistillConfig(), progress: bool = False,
            resume: bool = False) -> dict:
    """Train the student; returns the held-out evaluation (also written to OUT/eval.json).
    `resume`: continue the run in `out_dir` from its last checkpoint (one per epoch)."""
    from ..utils.device import resolve_device
    from ..vocab import VisualVocab
    from .model import save_student

    corpus, vocab_dir, out = Corpus(corpus_dir), Path(vocab_dir), Path(out_dir)
    vocab = VisualVocab.load(vocab_dir)
    _check_out_dir(out, config, resume)
    device = resolve_device(config.device)
    grid = {k: corpus.config[k] for k in GRID_KEYS}

    train_ids, heldout_ids = split_videos(corpus.video_ids(), config.heldout)
    inputs = {"split": fingerprint(train_ids, heldout_ids),
              "vocab": fingerprint(vocab.normalize, *vocab.centroids, *vocab.parents)}
    if resume and (out / "inputs.json").is_file():  # the run's own, recorded when it started
        check_inputs(read_json(out / "inputs.json"), inputs, out, INPUTS)
    atomic_write_json(out / "inputs.json", inputs)
    atomic_write_json(out / "split.json", {"train": train_ids, "heldout": heldout_ids})
    cache = FrameCache(out / "frames", config.img_size, config.frames, grid)
    train = load_clips(corpus, vocab_dir, train_ids, cache, progress, features=config.mode == "soft", vocab=vocab)
    log.info("distilling %d clips of %d videos (%d held out) into a student", len(train.leaves), len(train_ids),
             len(heldout_ids))

    model, coarse_of = _build_student(config, vocab, device)
    centroids = torch.as_tensor(vocab.leaf_centroids, dtype=torch.float32)
    scale = quantization_scale(train.features, centroids, train.leaves) if config.mode == "soft" else 1.0
    mean, std = torch.tensor(IMAGENET_MEAN), torch.tensor(IMAGENET_STD)
    criterion = DistillationLoss(config.mode, config.alpha, config.tau)
    augment = ClipAugment(config.rand_augment, config.img_size, IMAGENET_MEAN) if config.rand_augment else None
    mixer = BatchMixer(config.mixup, config.cutmix, config.mix_prob, config.erase_prob)

    n = len(train.leaves)
    steps_per_epoch = max(1, n // config.batch_size)  # drop the last partial batch (Mixup wants even batches)
    opt, sched = _optimizer(model, config, steps_per_epoch)
    ckpts = Checkpoints(out, keep=1)
    resumed = ckpts.resume(model, opt, sched, device) if resume else None
    start, extra = (resumed[0], resumed[1]) if resumed else (0, {})
    if resumed:
        log.info("resuming from %s at epoch %d", resumed[2], start // steps_per_epoch)
    order, order_epoch = np.arange(n), -1

    def step_fn(step: int) -> tuple[torch.Tensor, int]:
        nonlocal order, order_epoch
        epoch, s = divmod(step, steps_per_epoch)
        if s == 0:  # an epoch's start: its batch order, and the RNGs seeded for its augmentations
            order, order_epoch = _seed_epoch(config.seed, epoch).permutation(n), epoch
        elif epoch != order_epoch:  # resumed mid-epoch (preempted): the same order; the RNGs came from the checkpoint
            order, order_epoch = np.random.default_rng([config.seed, epoch]).permutation(n), epoch
        rows = order[s * config.batch_size : (s + 1) * config.batch_size]
        x, coarse_t, teacher_t = _student_batch(train, rows, model, coarse_of, centroids, scale, mean, std,
                                                augment, mixer, config)
        out_ = model(x.to(device))
        loss = criterion(out_.coarse_logits, out_.leaf_logits, coarse_t.to(device), teacher_t.to(device))
        check_finite(loss, step, "distillation", config.lr)
        loss.backward()
        optimizer_step(model, opt, sched)
        return torch.tensor([[loss.item(), 1.0]]), len(rows)

    model.train()
    metrics = MetricsLog(out, start_step=start)
    fit(step_fn, config.epochs * steps_per_epoch, ["loss"], start=start, scheduler=sched, metrics=metrics,
        log_every=steps_per_epoch, rate_name="clips_per_s", progress="distill" if progress else None,
        hooks=[Every(steps_per_epoch, lambda done: ckpts.save(done, model, opt, sched))],
        checkpoint=lambda done, x: ckpts.save(done, model, opt, sched, x), resumed=extra, what="distillation")
    metrics.close()

    save_student(model, out, _student_info(corpus, vocab_dir, vocab, grid, config))
    result = {"train_clips": n, "train_videos": len(train_ids), "heldout_videos": len(heldout_ids)}
    if heldout_ids:
        from .evaluate import agreement

        held = load_clips(corpus, vocab_dir, heldout_ids, cache, progress)
        result.update(agreement(model.eval(), held, mean, std, train_leaves=train.leaves))
        atomic_write_json(out / "eval.json", result)
        log.info("held-out agreement: %s", {k: round(v, 4) for k, v in result.items() if isinstance(v, float)})
    return result
