"""The pretraining loop: three objectives, DDP, exact resume.

Data stream: the epochs' length-bucketed batches (`epoch_batches`, a pure function of the
seed and epoch) laid end to end; optimizer step `s` consumes stream batches
``[s*W*A, (s+1)*W*A)`` (W processes, A accumulation micro-batches; rank r takes
``s*W*A + j*W + r`` for micro-batch j), and each batch is masked with a generator seeded
by its stream position. The data position is therefore just the step number, and a run
with W=2, A=1 sees the same batches per step as one with W=1, A=2.

Everything around the step (schedule, checkpoints, resume policy, metrics, progress) is the
training skeleton of `train.engine`, shared with distillation and the captioner: checkpoints
in ``RUN/checkpoints/step-NNNNNNN/`` restore weights, optimizer, schedule and RNG state, so an
interrupted + resumed run ends with the same weights as an uninterrupted one.
"""
from __future__ import annotations

import hashlib
import logging
import os
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..corpus import Corpus
from ..data import (
    T2V,
    TEXT,
    VIDEO,
    VIDEO_TEXT,
    Masker,
    StreamingBatches,
    collate,
    epoch_batches,
    load_videos,
    split_videos,
    text_pieces,
)
from ..model import VideoBERT
from ..utils.config import save_config
from ..utils.io import read_json
from ..utils.lock import holding_lock
from .config import MLM_SOFTMAXES, PretrainConfig
from .engine import (
    CheckpointError,
    Checkpoints,
    Every,
    MetricsLog,
    adamw,
    all_reduce,
    barrier,
    check_finite,
    check_inputs,
    check_run_dir,
    check_same_config,
    fingerprint,
    fit,
    lr_scheduler,
    optimizer_step,
    summarize,
)

log = logging.getLogger(__name__)

__all__ = ["CheckpointError", "PretrainingObjective", "evaluate", "pretrain"]

# stats vector layout: (sum, count) pairs
STATS = ("loss_text", "loss_video", "loss_vt_mlm", "loss_align", "acc_text", "acc_video", "acc_align", "loss_t2v")


class PretrainingObjective(nn.Module):
    """Wraps VideoBERT so that DDP sees one forward that returns the weighted loss.

    The MLM head runs only on the labelled (masked) positions: with a ~50K joint vocabulary
    the decoder costs more than a small encoder, and the other positions have no loss. With
    ``softmax="modality"`` each masked word is predicted among its own modality's words (a
    visual token among the visual words, a text piece among the text pieces); "corpus": the same,
    but a text piece among the pieces the model records (`VideoBERT.text_pieces`, those of the
    pretraining text); "joint": among all.
    """

    def __init__(self, model: VideoBERT, weights=(1.0, 1.0, 1.0), softmax: str = "modality"):
        super().__init__()
        if softmax not in MLM_SOFTMAXES:
            raise ValueError(f"softmax {softmax!r}: expected one of {MLM_SOFTMAXES}")
        if (softmax == "corpus") != (model.text_pieces() is not None):
            raise ValueError("softmax 'corpus' needs a model that records its text pieces (model.info['text_pieces'], "
                             "set by pretraining), and only it does")
        self.model = model
        self.weights = tuple(float(w) for w in weights)
        self.softmax = softmax

    def _mlm(self, hidden: torch.Tensor, y: torch.Tensor, is_vis: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Cross-entropy and correctness (M,) of the masked positions' states `hidden` (M, H),
        whose labels `y` are visual words where `is_vis` (M,)."""
        m = self.model
        if self.softmax == "joint":
            logits = m.mlm_logits(hidden).float()  # (M, V)
            return F.cross_entropy(logits, y, reduction="none"), (logits.argmax(-1) == y).float()
        ce, correct = hidden.new_zeros(len(y), dtype=torch.float32), hidden.new_zeros(len(y), dtype=torch.float32)
        # Both parts run even when one has no rows, so every process of a DDP run builds the same
        # graph (a part skipped on one rank only desynchronized the gradient all-reduces).
        idx = {"text": (~is_vis).nonzero().squeeze(1), "visual": is_vis.nonzero().squeeze(1)}  # (M_part,)
        logits = dict(zip(idx, m.mlm_logits_by_modality(hidden[idx["text"]], hidden[idx["visual"]])))
        pieces = m.text_pieces(y.device)  # (K,) with mlm_softmax "corpus": text among those pieces
        for part, rows in idx.items():
            lg = logits[part].float()  # (M_part, V_part)
            if part == "text" and pieces is not None:
                target = torch.searchsorted(pieces, y[rows])  # column of each target piece
            else:
                target = y[rows] - m.modality_ids(part)[0]
            ce = ce.index_put((rows,), F.cross_entropy(lg, target, reduction="none"))
            correct = correct.index_put((rows,), (lg.argmax(-1) == target).float())
        return ce, correct

    def forward(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        m = self.model
        hidden, pooled = m.encode(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])  # (B,T,H), (B,H)
        labels, kinds = batch["mlm_labels"], batch["kinds"]
        sel = labels != -100  # (B, T)
        y = labels[sel]  # (M,)
        is_vis = y >= m.tokenizer.visual_offset  # (M,)
        ce, correct = self._mlm(hidden[sel], y, is_vis)  # (M,), (M,)
        tok_kind = kinds[:, None].expand_as(labels)[sel]  # (M,)
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

    def available(self, n: int) -> int:
        """How many of positions ``0 .. n-1`` lie in epoch 0."""
        return min(n, self.epoch_length(0))

    def close(self) -> None:
        pass

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


# ---- the loop -----------------------------------------------------------------------------
def streamed(cfg: PretrainConfig, num_videos: int) -> bool:
    """Whether `num_videos` videos' examples are streamed (data.stream) rather than built in memory."""
    return 0 < cfg.stream_chunk_videos < num_videos


def _stream(corpus: Corpus, vocab_dir: Path, tok, video_ids: list[str], cfg: PretrainConfig, seed: int, streams: int):
    """The batch stream of `video_ids`: in memory, or (more videos than `stream_chunk_videos` > 0)
    streamed chunk by chunk over `streams` virtual streams (data.stream)."""
    if streamed(cfg, len(video_ids)):
        return StreamingBatches(corpus, vocab_dir, tok, video_ids, cfg.example_spec, cfg.batch_size, seed,
                                cfg.stream_chunk_videos, streams, cfg.bucket_pool, cfg.mask_rates,
                                cfg.silent_segment_len)
    return BatchStream(load_videos(corpus, vocab_dir, tok, video_ids, cfg.silent_segment_len), tok, cfg, seed)


NARRATION_SPLIT_MAX_VIDEOS = 5000  # above: the hash split alone (a corpus this big has narration on both sides)


def split_for_pretraining(corpus: Corpus, fraction: float) -> tuple[list[str], list[str]]:
    """(training, held-out) video ids: the hash split (`data.split_videos`), then, for corpora of
    up to NARRATION_SPLIT_MAX_VIDEOS videos, two corrections so that narration is never silently
    lost to the held-out side (a video is *narrated* when it has a sentence that is not ASR
    filler, `utils.narration`):

    - one narrated video only: it stays in training (held-out text losses then measure nothing);
    - no narrated video in training: the held-out narrated videos beyond the first
      ``max(1, round(fraction * narrated))`` (in hash order) move to training;
    - two or more narrated videos but none held out: the first narrated video in hash order is
      held out too, so the held-out text losses and the evaluations have text to read.

    Logs the videos and sentences on each side, and every correction made."""
    from ..utils.narration import corpus_narration, warnings

    ids = corpus.video_ids()
    train, held = split_videos(ids, fraction)
    if len(ids) > NARRATION_SPLIT_MAX_VIDEOS:
        log.info("pretraining on %d videos, %d held out (sentences not counted above %d videos)",
                 len(train), len(held), NARRATION_SPLIT_MAX_VIDEOS)
        return train, held
    narration = corpus_narration(corpus, ids)
    for w in warnings(narration):
        log.warning("%s", w)
    by_hash = sorted(ids, key=lambda v: hashlib.sha1(v.encode("utf-8")).digest())
    narrated = [v for v in by_hash if narration[v].narrated]
    held_set = set(held)
    held_n = [v for v in narrated if v in held_set]
    if not held:
        pass  # nothing held out (--heldout-fraction 0, or one video)
    elif len(narrated) == 1 and held_n:
        held_set.discard(narrated[0])
        log.warning("the only narrated video (%s) was to be held out; it stays in training, so the held-out "
                    "losses of text measure nothing", narrated[0])
    elif narrated and len(held_n) == len(narrated):
        keep = max(1, round(fraction * len(narrated)))
        back = held_n[keep:]
        held_set.difference_update(back)
        log.warning("every narrated video was to be held out; %d of them (%s) move to training, %d stay held out",
                    len(back), ", ".join(back[:5]), keep)
    elif len(narrated) >= 2 and not held_n:
        held_set.add(narrated[0])
        log.warning("no narrated video was held out; %s is held out too, so the held-out losses and the "
                    "evaluations have text", narrated[0])
    train = [v for v in ids if v not in held_set]
    held = [v for v in ids if v in held_set]

    def side(vs: list[str]) -> str:
        return (f"{len(vs)} videos ({sum(narration[v].narrated for v in vs)} narrated), "
                f"{sum(narration[v].sentences - narration[v].filler for v in vs)} sentences")

    log.info("pretraining on %s; held out %s", side(train), side(held))
    return train, held


def _model_and_data(corpus: Corpus, vocab_dir: Path, cfg: PretrainConfig, device, world: int, force: bool = False):
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
    train_ids, held_ids = split_for_pretraining(corpus, cfg.heldout_fraction)
    if not train_ids:
        raise ValueError(f"corpus {corpus.root} has no videos")
    tok = model.tokenizer
    stream = _stream(corpus, vocab_dir, tok, train_ids, cfg, cfg.seed, world * cfg.grad_accum)
    held = _stream(corpus, vocab_dir, tok, held_ids, cfg, cfg.seed + 1, 1) if held_ids else None
    if not any(_has_targets(stream.get(i)) for i in range(min(stream.epoch_length(0), 32))):
        # e.g. one-clip videos without narration: a one-token sequence has nothing to mask, so a
        # run would "train" on no loss at all and save an untrained model without a word
        raise ValueError(f"nothing to learn in corpus {corpus.root}: its {len(train_ids)} training videos give no "
                         "masked word or video-text pair (each needs at least 2 clips, or narration); add longer "
                         "or narrated videos")
    return model, stream, held, train_ids, held_ids


def _has_targets(batch: dict[str, torch.Tensor]) -> bool:
    """Whether a batch has any loss: a masked position or a video-text pair for the alignment head."""
    return bool((batch["mlm_labels"] != -100).any() or (batch["align_labels"] >= 0).any())


INPUTS = {"split": "the corpus's training/held-out split (videos added, removed or re-ingested)",
          "vocab": "the visual vocabulary (re-fitted)",
          "text_init": "the text initialization (--init's weights or WordPiece vocabulary)"}


def _input_fingerprints(model: VideoBERT, train_ids: list[str], held_ids: list[str]) -> dict[str, str]:
    """Fingerprints of what the run trains on: its split, its vocabulary's tree, and the fresh
    model's text part (every weight but the rows of the [SEP_VIDEO] and visual tokens)."""
    vocab, tok = model.vocab, model.tokenizer
    text = []
    for name, t in model.bert.state_dict().items():
        text += [name, t[: tok.num_text] if t.ndim and t.shape[0] == tok.vocab_size else t]
    return {"split": fingerprint(sorted(train_ids), sorted(held_ids)),
            "vocab": fingerprint(vocab.normalize, *vocab.centroids, *vocab.parents),
            "text_init": fingerprint(*text)}


def _recorded_inputs(out: Path) -> dict | None:
    path = out / "run.json"
    try:
        info = read_json(path) if path.is_file() else None
    except ValueError:
        return None
    return info.get("inputs") if isinstance(info, dict) else None


def _write_run_info(out: Path, cfg: PretrainConfig, corpus: Corpus, vocab_dir: Path, world: int, n_train: int,
                    n_held: int, held_ids: list[str] | None = None, inputs: dict | None = None) -> None:
    from ..utils.io import atomic_write_json

    out.mkdir(parents=True, exist_ok=True)
    save_config(cfg, out / "config.json")
    atomic_write_json(out / "run.json", {"corpus": str(corpus.root), "vocab": str(vocab_dir), "world_size": world,
                                        "train_videos": n_train, "heldout_videos": n_held,
                                        "total_steps": cfg.max_steps, "heldout_video_ids": held_ids or [],
                                        "inputs": inputs or {}})


def _resolve(given: PretrainConfig, stream, held, world: int, rank: int, saved_path: Path | None):
    """The run's config with lr and length made explicit; a resumed run must match its saved one."""
    counted = not (given.max_steps and isinstance(stream, StreamingBatches))  # counting streams a whole epoch
    per_epoch = stream.epoch_length(0) if counted else 0
    cfg = given.resolve(per_epoch, world)
    for s in (stream, held):
        if s is not None:
            s.cfg = cfg
    if rank == 0:
        how = ("--max-steps" if given.max_steps else f"{given.epochs} epochs" if given.epochs is not None else
               f"the corpus (no --max-steps/--epochs: 8 epochs, at least {cfg.auto_steps(0)} steps)")
        log.info("pretraining %d steps (set by %s; %s), lr %.3g%s", cfg.max_steps, how,
                 f"{per_epoch} batches per epoch" if counted else "streamed batches, not counted", cfg.lr,
                 "" if given.lr is not None else f" (chosen for --init {cfg.init})")
    if saved_path is not None:
        if "stream_chunk_videos" not in read_json(saved_path) and isinstance(stream, StreamingBatches):
            raise ValueError(f"--resume: the run in {saved_path.parent} was started before streamed examples "
                             "existed, with its examples in memory: resume it with --stream-chunk-videos 0")
        check_same_config(saved_path, cfg)
    return cfg


def _optimizer(model: nn.Module, cfg: PretrainConfig, total: int):
    """AdamW (no decay on biases and LayerNorms), linear warmup then linear decay."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim < 2 or "LayerNorm" in name else decay).append(p)
    opt = adamw([{"params": decay, "weight_decay": cfg.weight_decay},
                 {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr)
    return opt, lr_scheduler(opt, total, int(cfg.warmup_frac * total), "linear")


def _train_step(ddp, model: VideoBERT, opt, sched, stream: BatchStream, step: int, cfg: PretrainConfig, rank: int,
                world: int, device, autocast) -> tuple[torch.Tensor, int]:
    """Optimizer step ``step + 1``: its `cfg.grad_accum` micro-batches (gradients synced on the
    last), clipping and the optimizer/scheduler step. Returns the batches' stats and tokens."""
    per_step = world * cfg.grad_accum
    tokens, acc = 0, torch.zeros(len(STATS), 2, device=device)
    for j in range(cfg.grad_accum):
        batch = {k: v.to(device, non_blocking=True) for k, v in stream.get(step * per_step + j * world + rank).items()}
        tokens += int(batch["attention_mask"].sum())
        sync = ddp.no_sync() if world > 1 and j < cfg.grad_accum - 1 else nullcontext()
        with sync, autocast:
            loss, stats = ddp(batch)
        check_finite(loss, step, "pretraining", cfg.lr)
        with sync:
            (loss / cfg.grad_accum).backward()
        acc += stats
    optimizer_step(model, opt, sched, cfg.max_grad_norm)
    return acc, tokens


@holding_lock(lambda corpus, out, *a, **k: out, "videobert pretrain", "use another --out", rank_zero=True)
def pretrain(corpus, out, config: PretrainConfig, vocab_dir=None, resume: bool = False, progress: bool = False,
             force: bool = False) -> Path:
    """Pretrain VideoBERT on `corpus` into run directory `out`; returns the final model dir (``out/model``).
    `force`: accept a `vocab_dir` fitted on a corpus ingested with other feature settings.
    One process (rank 0) writes `out` at a time (`utils.lock`); a resumed run must find the inputs
    it started with (`_input_fingerprints`); SIGTERM/SIGUSR1 stop it after the current step with
    a checkpoint (`train.engine.fit`, `utils.preempt.Preempted`)."""
    corpus = corpus if isinstance(corpus, Corpus) else Corpus(corpus)
    out = Path(out)
    vocab_dir = Path(vocab_dir) if vocab_dir is not None else corpus.root / "vocab"
    cfg = config
    rank, world, device = _dist_setup(cfg.device)
    cfg_path = out / "config.json"
    check_run_dir(out, resume, cfg_path, finished=["model"], what="pretraining")

    model, stream, held, train_ids, held_ids = _model_and_data(corpus, vocab_dir, cfg, device, world, force)
    cfg = _resolve(cfg, stream, held, world, rank, cfg_path if resume else None)
    total = cfg.max_steps

    if cfg.mlm_softmax == "corpus":  # the text pieces to predict among: those of every pretraining video
        model.info["text_pieces"] = text_pieces(corpus, train_ids + held_ids, model.tokenizer)
        log.info("text softmax over the %d pieces of the pretraining text (mlm_softmax corpus)",
                 len(model.info["text_pieces"]))
    objective = PretrainingObjective(model, cfg.loss_weights, cfg.mlm_softmax)
    ddp = objective
    if world > 1:
        ddp = nn.parallel.DistributedDataParallel(objective, device_ids=[device.index] if device.type == "cuda" else None)
    opt, sched = _optimizer(model, cfg, total)
    ckpts = Checkpoints(out, cfg.keep_checkpoints, rank, world)
    step, extra = 0, {}
    inputs = _input_fingerprints(model, train_ids, held_ids)
    if resume:  # before the checkpoint: a changed vocabulary is named as such, not as a bad checkpoint
        check_inputs(_recorded_inputs(out), inputs, out, INPUTS)
    resumed = ckpts.resume(model.bert, opt, sched, device) if resume else None
    if resumed:
        step, extra, ckpt = resumed
        log.info("resumed from %s (step %d of %d)", ckpt, step, total)
    else:
        torch.manual_seed(cfg.seed + 1000 + rank)  # dropout differs across ranks, reproducibly
    if rank == 0:
        _write_run_info(out, cfg, corpus, vocab_dir, world, len(train_ids), len(held_ids), held_ids, inputs)
    metrics = MetricsLog(out, cfg.tensorboard, step) if rank == 0 else None
    autocast = (torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" and cfg.bf16 else nullcontext())

    def heldout(done: int) -> None:
        s = evaluate(objective, held, cfg.eval_batches, rank, world, device, autocast)
        if metrics:
            metrics.log(done, "heldout", s)

    stuck: dict[str, str | None] = {"first": None, "last": None}  # the first warning, the last check's

    def reading(done: int) -> None:  # after `heldout`: reads its row
        stuck["last"] = not_reading_video(done, total, metrics.last.get("train"), metrics.last.get("heldout"),
                                          model.tokenizer.num_visual, cfg)
        if stuck["last"] and not stuck["first"]:  # once: a run near the line would repeat it
            stuck["first"] = stuck["last"]
            log.warning("%s", stuck["last"])

    hooks = [Every(cfg.eval_every, heldout)] if held is not None else []
    if metrics:
        hooks.append(Every(cfg.eval_every, reading))
    hooks.append(Every(cfg.save_every, lambda done: ckpts.save(done, model.bert, opt, sched)))
    fit(lambda s: _train_step(ddp, model, opt, sched, stream, s, cfg, rank, world, device, autocast), total, STATS,
        start=step, scheduler=sched, metrics=metrics, log_every=cfg.log_every, rate_name="tokens_per_s", hooks=hooks,
        progress="pretrain" if progress and rank == 0 else None, world=world, device=device,
        checkpoint=lambda done, x: ckpts.save(done, model.bert, opt, sched, x), resumed=extra, what="pretraining")
    for st in (stream, held):
        if st is not None:
            st.close()
    if rank == 0:
        model.save_pretrained(out / "model")
        metrics.close()
        if stuck["last"]:  # still at the uniform guess at the last check
            log.warning("at the end of pretraining: %s", stuck["last"])
    barrier(world)
    return out / "model"


# A model whose masked visual words are no better than a uniform guess, on its own training
# videos and on the held-out ones, has not learned to read the video: a learning rate too high
# for its size from scratch did this (docs/learning.md section 11: small at 1e-3, training loss
# 0.87-0.98 ln V and held-out 1.0 ln V for 6,000 steps, where runs that learn were at 0.62 ln V or
# below on their training videos by a fifth of the run). A held-out loss that high beside a low training
# loss is over-fitting a few videos (the hard world's small sets), not this. Checked past a fifth
# of the run and twice the warmup, so a slow start is not flagged; and not before step 200, so a
# smoke run of a few steps (which reads nothing yet, as expected) is not flagged either.
TRAIN_STUCK, HELDOUT_STUCK = 0.8, 0.95  # of ln(visual words)
MIN_CHECK_STEP = 200


def not_reading_video(step: int, total: int, train: dict[str, float] | None, heldout: dict[str, float] | None,
                      num_visual: int, cfg: PretrainConfig) -> str | None:
    """The warning when, at optimizer step `step` of `total`, the visual loss of the last logged
    training row `train` and of the last held-out evaluation `heldout` (None: no held-out videos)
    are still at the uniform guess over the `num_visual` visual words; else None (also before the
    check starts)."""
    if num_visual < 2 or step < max(0.2 * total, 2 * cfg.warmup_frac * total, MIN_CHECK_STEP):
        return None
    uniform = float(np.log(num_visual))
    t = (train or {}).get("loss_video")
    if t is None or not np.isfinite(t) or t < TRAIN_STUCK * uniform:
        return None
    h = None if heldout is None else heldout.get("loss_video")
    if h is not None and (not np.isfinite(h) or h < HELDOUT_STUCK * uniform):
        return None
    losses = f"training {t:.2f}" + ("" if h is None else f", held-out {h:.2f}")
    lr = cfg.resolved_lr()
    hint = f"lower the learning rate (this run: --lr {lr:g}; try {lr / 2:g})"
    return (f"the model is not reading the video: after {step} of {total} steps its visual loss ({losses}) is "
            f"at the uniform guess over {num_visual} visual words ({uniform:.2f}). A learning rate too high for "
            f"the model's size does this from scratch; {hint} and pretrain again (docs/learning.md section 11)")


@torch.no_grad()
def evaluate(objective: PretrainingObjective, stream: BatchStream, num_batches: int, rank: int, world: int,
             device, autocast=nullcontext()) -> dict[str, float]:
    """Held-out losses/accuracies over the first `num_batches` batches (sharded over ranks)."""
    was = objective.training
    objective.eval()
    acc = torch.zeros(len(STATS), 2, device=device)
    for pos in range(rank, stream.available(num_batches), world):
        batch = {k: v.to(device) for k, v in stream.get(pos).items()}
        with autocast:
            acc += objective(batch)[1]
    objective.train(was)
    return summarize(all_reduce(acc, world), STATS)
