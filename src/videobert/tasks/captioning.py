"""Video captioning with VideoBERT features (the paper's §4.4 recipe).

Features of a segment:

* **S3D**: the corpus' per-clip features of the clips the segment overlaps (at most
  `max_clips`, evenly subsampled), and their mean.
* **VideoBERT** (variant ``videobert``): the model reads
  ``[CLS] now let's [MASK] the [MASK] to the [MASK], and then [MASK] the [MASK]. [>] video [SEP]``;
  the mean of the last-layer outputs over the video tokens and the mean over the masked
  tokens (2H numbers).
* **VideoBERT only** (variant ``videobert_only``, the paper's "VideoBERT" row): the same 2H
  numbers as the global token, and the last-layer outputs of the video tokens (at most
  `max_clips`, evenly subsampled) in place of the per-clip S3D features: no S3D anywhere.

The captioner is a small `torch.nn.Transformer` encoder-decoder. Encoder input: one global
token (a projection of ``[VideoBERT video mean, VideoBERT mask mean, S3D mean]``, or of the
S3D mean alone for the ``s3d`` variant the paper reports beside it) followed by the
projected per-clip S3D features, with learned positions. The decoder predicts WordPiece
pieces of the BERT vocabulary; its output layer covers only the pieces that occur in the
training captions (it could never learn the others) plus BOS/EOS/PAD, tied to its input
embedding. Decoding is greedy (``beam=1``) or beam search with length-normalized scores.

Baseline (``nearest_captions``): each validation segment gets the training caption of the
training segment nearest to it by cosine similarity of the L2-normalized mean clip features
(ties: the first training segment), scored like the captioners; a captioner that does not beat
it has learned no more than "find a similar-looking training step".

Metrics: BLEU-1..4, METEOR, ROUGE-L and CIDEr from pycocoevalcap (the COCO caption
evaluation) on lower-cased word/number tokens; METEOR runs Java and is reported as
unavailable (with the reason) where Java is missing or fails. Scores are fractions in
report.json; the table is the paper's Table 3 layout: BLEU-3, BLEU-4, METEOR and ROUGE-L
x 100, CIDEr as the paper prints it (not x 100: its VideoBERT + S3D row reads 0.55).

A trained captioner is a directory: ``captioner.safetensors`` (weights),
``captioner.json`` (config, feature sizes, output pieces, the VideoBERT model it used),
``text_tokenizer/`` (to decode pieces back to text).
"""
from __future__ import annotations

import dataclasses
import logging
import math
import random
import shutil
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from ..corpus import Corpus
from ..train.engine import adamw, check_finite, fit, lr_scheduler, optimizer_step
from ..utils.config import Config
from ..utils.io import atomic_write_json, read_json
from ..utils.lazy import require
from .annotations import CorpusSegment
from .common import clean_caption, fill_template, forward_batches, subsample
from .metrics import markdown_table

log = logging.getLogger(__name__)

CAPTION_TEMPLATE = "now let's [MASK] the [MASK] to the [MASK], and then [MASK] the [MASK]."
VARIANTS = ("videobert", "s3d", "videobert_only")
PERFECT = "perfect (the reference itself)"  # the row that shows each metric's top on these references
PAD, BOS, EOS = 0, 1, 2


# the progress bar's words for a variant ("s3d" is the paper's name for the clip features alone,
# whichever backbone made them: "captioner (s3d)" over EfficientNet features misled)
VARIANT_WORDS = {"s3d": "clip features only", "videobert": "VideoBERT + clip features", "videobert_only": "VideoBERT only"}


@dataclasses.dataclass(frozen=True)
class CaptionerConfig(Config):
    CHOICES = {"variant": VARIANTS}
    HELP = {"variant": "VideoBERT + S3D features, S3D features only, or VideoBERT only",
            "template": "the text VideoBERT reads beside the video for its features",
            "min_steps": "train at least this many optimizer steps (whole epochs): few labelled videos get more epochs"}
    variant: str = "videobert"  # "videobert" (VideoBERT + S3D features) or "s3d" (S3D only)
    template: str = CAPTION_TEMPLATE
    max_video_tokens: int = 64  # VideoBERT input
    max_clips: int = 32  # encoder input
    max_caption_tokens: int = 24
    d_model: int = 128
    heads: int = 4
    encoder_layers: int = 2
    decoder_layers: int = 2
    ff_dim: int = 256
    dropout: float = 0.1
    epochs: int = 30
    min_steps: int = 0  # > 0: small training sets train for more epochs, to at least this many steps
    batch_size: int = 32
    lr: float = 5e-4
    seed: int = 0

    def validate(self) -> None:
        if self.variant not in VARIANTS:
            self.fail("variant", self.variant, f"must be one of {VARIANTS}")
        if "[MASK]" not in self.template:
            self.fail("template", self.template, "needs at least one [MASK]")
        for name in ("max_video_tokens", "max_clips", "max_caption_tokens", "d_model", "heads",
                     "encoder_layers", "decoder_layers", "ff_dim", "epochs", "batch_size"):
            if getattr(self, name) < 1:
                self.fail(name, getattr(self, name), "must be >= 1")
        if self.d_model % self.heads:
            self.fail("heads", self.heads, f"must divide d_model={self.d_model}")
        if not 0 <= self.dropout < 1:
            self.fail("dropout", self.dropout, "must be in [0, 1)")
        if self.lr <= 0:
            self.fail("lr", self.lr, "must be > 0")
        if self.min_steps < 0:
            self.fail("min_steps", self.min_steps, "must be >= 0")

    def total_steps(self, num_captions: int) -> int:
        """Optimizer steps on `num_captions` training captions: `epochs` whole epochs, more when
        that is under `min_steps` (with 16 labelled videos, ~80 captions, 30 epochs are 90 steps:
        too few to beat the nearest training caption; docs/reproduction.md, Table 3)."""
        per_epoch = math.ceil(num_captions / self.batch_size)
        return per_epoch * max(self.epochs, math.ceil(self.min_steps / per_epoch))


# ---- features --------------------------------------------------------------------------
@dataclasses.dataclass
class SegmentFeatures:
    clips: list[torch.Tensor]  # per segment (n_i, D) S3D clip features
    globals: torch.Tensor  # (N, G): [VideoBERT video mean, mask mean,] S3D mean


@torch.no_grad()
def videobert_features(model: Any, videos: Sequence[Sequence[int]], template: str = CAPTION_TEMPLATE,
                       batch_size: int = 32, states: list | None = None) -> torch.Tensor:
    """Mean last-layer output over the video tokens and over the masks, concatenated. (N, 2H)

    `states`: a list to which each video's last-layer outputs at its video tokens (n_i, H) are appended."""
    tok = model.tokenizer
    text = fill_template(tok, template).text_ids
    items = [tok.build(text, list(v)) for v in videos]
    out = []
    for i0, o in forward_batches(model, items, batch_size):
        for b in range(o.hidden_states.shape[0]):
            ids = torch.as_tensor(items[i0 + b]["input_ids"], device=o.hidden_states.device)
            h = o.hidden_states[b, : len(ids)].float()  # (T, H)
            is_video = ids >= tok.visual_offset
            if states is not None:
                states.append(h[is_video].cpu())
            out.append(torch.cat([h[is_video].mean(0), h[ids == tok.mask_id].mean(0)]).cpu())
    return torch.stack(out)


def segment_features(
    corpus: Corpus, segments: Sequence[CorpusSegment], config: CaptionerConfig,
    model: Any = None, video_tokens: Any = None,
) -> SegmentFeatures:
    """Encoder inputs of `segments`; `model` and `video_tokens` are needed for the videobert variant."""
    clips = []
    for s in segments:
        feats = np.asarray(corpus.read(s.segment.video_id).features[s.lo : s.hi], dtype=np.float32)  # (n, D)
        keep = subsample(range(len(feats)), config.max_clips)
        clips.append(torch.from_numpy(feats[keep]))
    glob = torch.stack([c.mean(0) for c in clips])  # (N, D)
    if config.variant != "s3d":
        if model is None or video_tokens is None:
            raise ValueError(f"the {config.variant} captioner variant needs a VideoBERT model")
        videos = [subsample(video_tokens(s.segment.video_id)[s.lo : s.hi], config.max_video_tokens) for s in segments]
        states: list[torch.Tensor] = []
        vb = videobert_features(model, videos, config.template, states=states)  # (N, 2H)
        if config.variant == "videobert":
            glob = torch.cat([vb, glob], 1)  # (N, 2H + D)
        else:  # VideoBERT only: its video-token outputs replace the clip features
            glob = vb
            clips = [h[subsample(range(len(h)), config.max_clips)] for h in states]
    return SegmentFeatures(clips, glob)


# ---- the captioner ---------------------------------------------------------------------
class Captioner(nn.Module):
    def __init__(self, config: CaptionerConfig, clip_dim: int, global_dim: int, num_pieces: int):
        super().__init__()
        d = config.d_model
        self.config = config
        self.clip_proj = nn.Linear(clip_dim, d)
        self.global_proj = nn.Linear(global_dim, d)
        self.enc_pos = nn.Parameter(torch.randn(config.max_clips + 1, d) * 0.02)
        self.embed = nn.Embedding(num_pieces, d, padding_idx=PAD)
        self.dec_pos = nn.Parameter(torch.randn(config.max_caption_tokens + 2, d) * 0.02)
        self.transformer = nn.Transformer(
            d, config.heads, config.encoder_layers, config.decoder_layers, config.ff_dim, config.dropout, batch_first=True
        )
        self.transformer.encoder.use_nested_tensor = False  # padded batches are small; skip the prototype path
        self.out = nn.Linear(d, num_pieces)
        self.out.weight = self.embed.weight  # tied

    def encode(self, clips: torch.Tensor, clip_pad: torch.Tensor, glob: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """clips (B, N, D), clip_pad (B, N) True = padding, glob (B, G) -> memory (B, N+1, d), pad mask."""
        x = torch.cat([self.global_proj(glob)[:, None], self.clip_proj(clips)], 1)  # (B, N+1, d)
        x = x + self.enc_pos[: x.shape[1]]
        pad = torch.cat([torch.zeros_like(clip_pad[:, :1]), clip_pad], 1)  # (B, N+1)
        return self.transformer.encoder(x, src_key_padding_mask=pad), pad

    def decode(self, memory: torch.Tensor, mem_pad: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
        """tgt (B, L) piece indices -> logits (B, L, num_pieces)."""
        L = tgt.shape[1]
        y = self.embed(tgt) * math.sqrt(self.config.d_model) + self.dec_pos[:L]
        causal = torch.ones(L, L, dtype=torch.bool, device=tgt.device).triu(1)  # True = may not attend
        h = self.transformer.decoder(y, memory, tgt_mask=causal, tgt_key_padding_mask=tgt == PAD,
                                     memory_key_padding_mask=mem_pad)
        return self.out(h)

    @torch.no_grad()
    def generate(self, clips: torch.Tensor, clip_pad: torch.Tensor, glob: torch.Tensor, beam: int = 1) -> list[list[int]]:
        """Piece indices (without BOS/EOS) of each example's caption."""
        memory, pad = self.encode(clips, clip_pad, glob)
        max_len = self.config.max_caption_tokens + 1
        if beam == 1:
            seq = torch.full((clips.shape[0], 1), BOS, dtype=torch.long, device=clips.device)
            done = torch.zeros(clips.shape[0], dtype=torch.bool, device=clips.device)
            for _ in range(max_len):
                nxt = self.decode(memory, pad, seq)[:, -1].argmax(-1)  # (B,)
                nxt = nxt.masked_fill(done, PAD)
                seq = torch.cat([seq, nxt[:, None]], 1)
                done |= nxt == EOS
                if done.all():
                    break
            return [_strip(s[1:].tolist()) for s in seq]
        return [self._beam(memory[b : b + 1], pad[b : b + 1], beam, max_len) for b in range(clips.shape[0])]

    def _beam(self, memory: torch.Tensor, pad: torch.Tensor, beam: int, max_len: int) -> list[int]:
        beams: list[tuple[list[int], float]] = [([BOS], 0.0)]
        finished: list[tuple[list[int], float]] = []
        for _ in range(max_len):
            seqs = torch.tensor([s for s, _ in beams], device=memory.device)  # (b, t)
            logp = torch.log_softmax(self.decode(memory.expand(len(beams), -1, -1), pad.expand(len(beams), -1), seqs)[:, -1], -1)
            cand = [(s + [j], sc + float(logp[i, j])) for i, (s, sc) in enumerate(beams)
                    for j in logp[i].topk(beam).indices.tolist()]
            cand.sort(key=lambda c: -c[1])
            beams = []
            for s, sc in cand:
                (finished if s[-1] == EOS else beams).append((s, sc))
                if len(beams) == beam:
                    break
            if not beams:
                break
            if finished:  # stop once no live beam can still beat the best finished caption:
                best_done = max(sc / (len(s) - 1) for s, sc in finished)
                # log-probs are <= 0, so a live beam ends with a length-normalized score <= its score / max_len
                if best_done >= max(sc for _, sc in beams) / max_len:
                    break
        pool = finished or beams
        best = max(pool, key=lambda c: c[1] / (len(c[0]) - 1))  # length-normalized
        return _strip(best[0][1:])


def _strip(pieces: list[int]) -> list[int]:
    out = []
    for p in pieces:
        if p in (EOS, PAD):
            break
        out.append(p)
    return out


def _pad_clips(clips: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    n = max(len(c) for c in clips)
    x = torch.zeros(len(clips), n, clips[0].shape[1])  # (B, N, D)
    pad = torch.ones(len(clips), n, dtype=torch.bool)  # (B, N)
    for b, c in enumerate(clips):
        x[b, : len(c)] = c
        pad[b, : len(c)] = False
    return x, pad


# ---- a trained captioner (model + its piece vocabulary + tokenizer) ---------------------
@dataclasses.dataclass
class TrainedCaptioner:
    net: Captioner
    pieces: list[int]  # output index i >= 3 -> WordPiece id pieces[i - 3]
    text_tokenizer: Any  # Hugging Face WordPiece tokenizer
    model_path: str | None  # the VideoBERT model the features came from
    feature_norm: tuple[torch.Tensor, torch.Tensor]  # (mean, std) of the global features

    def encode_caption(self, text: str) -> list[int]:
        index = {p: i + 3 for i, p in enumerate(self.pieces)}
        ids = self.text_tokenizer.encode(text, add_special_tokens=False)[: self.net.config.max_caption_tokens]
        return [index[p] for p in ids if p in index]

    def decode_caption(self, indices: Sequence[int]) -> str:
        return self.text_tokenizer.decode([self.pieces[i - 3] for i in indices if i >= 3])

    def predict(self, feats: SegmentFeatures, beam: int = 1, batch_size: int = 64) -> list[str]:
        self.net.eval()
        mean, std = self.feature_norm
        out = []
        for i in range(0, len(feats.clips), batch_size):
            clips, pad = _pad_clips(feats.clips[i : i + batch_size])
            glob = (feats.globals[i : i + batch_size] - mean) / std
            out += [self.decode_caption(p) for p in self.net.generate(clips, pad, glob, beam)]
        return out

    def save(self, directory: str | Path) -> Path:
        st = require("safetensors.torch", "eval", "saving captioners")
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        state = {k: v.contiguous() for k, v in self.net.state_dict().items() if k != "out.weight"}  # tied
        state["feature_mean"], state["feature_std"] = self.feature_norm
        tmp = d / ".captioner.safetensors.tmp"
        st.save_file(state, str(tmp))
        tmp.replace(d / "captioner.safetensors")
        self.text_tokenizer.save_pretrained(str(d / "text_tokenizer"))
        atomic_write_json(d / "captioner.json", {
            "format": "videobert-captioner/1", "config": self.net.config.to_dict(), "pieces": self.pieces,
            "clip_dim": self.net.clip_proj.in_features, "global_dim": self.net.global_proj.in_features,
            "videobert_model": self.model_path,
        })
        return d

    @classmethod
    def load(cls, directory: str | Path) -> "TrainedCaptioner":
        st = require("safetensors.torch", "eval", "loading captioners")
        from transformers import BertTokenizerFast

        d = Path(directory)
        if not (d / "captioner.json").is_file():
            raise FileNotFoundError(f"{d} is not a captioner directory (no captioner.json); train one with `videobert caption train`")
        meta = read_json(d / "captioner.json")
        cfg = CaptionerConfig.from_dict(meta["config"])
        net = Captioner(cfg, meta["clip_dim"], meta["global_dim"], len(meta["pieces"]) + 3)
        state = st.load_file(str(d / "captioner.safetensors"))
        norm = (state.pop("feature_mean"), state.pop("feature_std"))
        net.load_state_dict(state, strict=False)  # out.weight is tied to embed.weight
        net.eval()
        tok = BertTokenizerFast.from_pretrained(str(d / "text_tokenizer"))
        return cls(net, list(meta["pieces"]), tok, meta.get("videobert_model"), norm)


def train_captioner(
    feats: SegmentFeatures, captions: Sequence[str], text_tokenizer: Any, config: CaptionerConfig,
    model_path: str | None = None, progress: bool = False,
) -> TrainedCaptioner:
    """Teacher-forced cross-entropy on the training captions (AdamW, cosine decay)."""
    if len(captions) != len(feats.clips) or not captions:
        raise ValueError(f"{len(captions)} captions for {len(feats.clips)} segments")
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    pieces = sorted({p for c in captions for p in text_tokenizer.encode(c, add_special_tokens=False)})
    mean = feats.globals.mean(0)
    std = feats.globals.std(0).clamp_min(1e-3) if len(captions) > 1 else torch.ones_like(mean)
    net = Captioner(config, feats.clips[0].shape[1], feats.globals.shape[1], len(pieces) + 3)
    tc = TrainedCaptioner(net, pieces, text_tokenizer, model_path, (mean, std))
    targets = [[BOS, *tc.encode_caption(c), EOS] for c in captions]
    opt = adamw(net.parameters(), lr=config.lr, weight_decay=0.01)
    per_epoch = math.ceil(len(captions) / config.batch_size)
    total = config.total_steps(len(captions))
    sched = lr_scheduler(opt, total, 0, "cosine")
    order = list(range(len(captions)))

    def step_fn(step: int) -> tuple[torch.Tensor, int]:  # one batch of the training skeleton (train.engine)
        s = step % per_epoch
        if s == 0:
            rng.shuffle(order)
        idx = order[s * config.batch_size : (s + 1) * config.batch_size]
        clips, pad = _pad_clips([feats.clips[j] for j in idx])
        glob = (feats.globals[idx] - mean) / std
        L = max(len(targets[j]) for j in idx)
        tgt = torch.full((len(idx), L), PAD, dtype=torch.long)  # (B, L)
        for b, j in enumerate(idx):
            tgt[b, : len(targets[j])] = torch.as_tensor(targets[j])
        memory, mpad = net.encode(clips, pad, glob)
        logits = net.decode(memory, mpad, tgt[:, :-1])  # (B, L-1, P)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt[:, 1:].reshape(-1), ignore_index=PAD)
        check_finite(loss, step, f"captioner ({config.variant})", config.lr)
        loss.backward()
        optimizer_step(net, opt, sched, max_grad_norm=1.0)
        return torch.tensor([[float(loss.detach()) * len(idx), len(idx)]]), len(idx)

    net.train()
    last = fit(step_fn, total, ["loss"], scheduler=sched, log_every=per_epoch,
               progress=f"captioner ({VARIANT_WORDS.get(config.variant, config.variant)})" if progress else None)
    net.eval()
    log.info("captioner (%s) trained: final epoch loss %.4f", config.variant, last["loss"])
    return tc


# ---- metrics ---------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class CaptionScores:
    name: str
    n: int
    bleu1: float
    bleu2: float
    bleu3: float
    bleu4: float
    meteor: float | None  # None = unavailable, see meteor_note
    rouge_l: float
    cider: float
    meteor_note: str = ""
    examples: tuple[tuple[str, str], ...] = ()  # (prediction, reference) for a few segments

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def row(self) -> list[object]:
        m = "n/a" if self.meteor is None else self.meteor
        return [self.name, self.bleu1, self.bleu2, self.bleu3, self.bleu4, m, self.rouge_l, self.cider]


def caption_metrics(references: Sequence[Sequence[str]], candidates: Sequence[str], name: str = "",
                    meteor: bool = True) -> CaptionScores:
    """COCO caption metrics of `candidates[i]` against `references[i]` (one or more strings each).

    `meteor=False` skips METEOR (it starts a JVM, ~10-30 s) and reports it as not computed.
    """
    require("pycocoevalcap", "eval", "caption metrics")
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge

    if len(references) != len(candidates) or not candidates:
        raise ValueError(f"{len(candidates)} candidates for {len(references)} reference sets")
    # pycocoevalcap wants non-empty strings; an empty prediction becomes a token no reference has.
    gts = {i: [clean_caption(r) or "<empty>" for r in refs] for i, refs in enumerate(references)}
    res = {i: [clean_caption(c) or "<empty>"] for i, c in enumerate(candidates)}
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    rouge, _ = Rouge().compute_score(gts, res)
    cider, _ = Cider().compute_score(gts, res)
    met, note = _meteor(gts, res) if meteor else (None, "METEOR not computed (--no-meteor)")
    return CaptionScores(name, len(candidates), *map(float, bleu), met, float(rouge), float(cider), note)


_METEOR: list = []  # the one running METEOR scorer of this process (its JVM), once started


def _meteor_scorer():
    """pycocoevalcap's METEOR scorer, started once per process: each start is a JVM loading its
    paraphrase tables (seconds), and one evaluation scores four or five captioners. Its lines are
    scored independently, so sharing the process does not change a score."""
    if _METEOR and _METEOR[0].meteor_p.poll() is None:
        return _METEOR[0]
    from pycocoevalcap.meteor.meteor import Meteor

    _METEOR[:] = [Meteor()]
    return _METEOR[0]


def _meteor(gts: dict, res: dict) -> tuple[float | None, str]:
    if shutil.which("java") is None:
        return None, "METEOR unavailable: no `java` on PATH (pycocoevalcap's METEOR is a Java program)"
    try:
        scorer = _meteor_scorer()
    except Exception as e:
        return None, f"METEOR unavailable: {type(e).__name__}: {e}"
    try:
        score, _ = scorer.compute_score(gts, res)
        return float(score), ""
    except Exception as e:  # a broken Java/METEOR install must not lose the other metrics
        scorer.meteor_p.kill()
        _METEOR.clear()
        err = scorer.meteor_p.stderr.read().decode(errors="replace").strip().splitlines()[-1:] if scorer.meteor_p.stderr else []
        return None, f"METEOR unavailable: {type(e).__name__}: {e} {' '.join(err)}".strip()
    finally:
        if scorer.lock.locked():  # compute_score does not release it on error; its __del__ would hang
            scorer.lock.release()


@dataclasses.dataclass(frozen=True)
class CaptionResult:
    rows: tuple[CaptionScores, ...]
    reference: str | None = None  # "youcook2": the paper's rows beside ours (tasks.paper)

    def to_dict(self) -> dict[str, Any]:
        return {"rows": [r.to_dict() for r in self.rows], "reference": self.reference}

    def markdown(self) -> str:
        """The paper's Table 3 layout: BLEU-3, BLEU-4, METEOR, ROUGE-L x 100 and CIDEr as printed there."""
        from .paper import TABLE3, TABLE3_NOTE, cell

        def x100(v: float | None) -> str:
            return "n/a" if v is None else f"{100 * v:.2f}"

        header = ["method", "BLEU-3", "BLEU-4", "METEOR", "ROUGE-L", "CIDEr"]
        rows = [[r.name, x100(r.bleu3), x100(r.bleu4), x100(r.meteor), x100(r.rouge_l), f"{r.cider:.2f}"]
                for r in self.rows]
        rows += [[name, *(cell(v, 2) for v in values)] for name, values in TABLE3.get(self.reference or "", [])]
        text = (f"Captioning on {self.rows[0].n} validation segments (BLEU-3, BLEU-4, METEOR and ROUGE-L x 100; "
                "CIDEr not x 100, as the paper prints it; BLEU-1/2 in the JSON written with the table).\n\n"
                + markdown_table(header, rows) + "\n")
        if self.reference in TABLE3_NOTE:
            text += f"\n{TABLE3_NOTE[self.reference]}\n"
        if any(r.name.startswith("nearest training caption") for r in self.rows):
            text += ("\nNearest training caption: each validation segment gets the caption of the training "
                     "segment whose mean clip feature is nearest (cosine), a floor the captioners must beat.\n")
        if any(r.name == PERFECT for r in self.rows):
            text += ("\nPerfect: each reference scored as its own prediction, the top of each metric on these "
                     "captions (CIDEr's is 10 only when every caption has 4-grams; METEOR not run).\n")
        notes = {r.meteor_note for r in self.rows if r.meteor_note}
        text += "".join(f"\n{n}\n" for n in notes)
        for r in self.rows:
            if r.examples:
                text += f"\nExamples ({r.name}), prediction / reference:\n\n"
                text += "".join(f"- {p or '(empty)'} / {ref}\n" for p, ref in r.examples)
        return text


def mean_clip_features(feats: SegmentFeatures) -> torch.Tensor:
    """(N, D) mean of each segment's clip features."""
    return torch.stack([c.float().mean(0) for c in feats.clips])


def nearest_captions(train_means: torch.Tensor, train_captions: Sequence[str], query_means: torch.Tensor) -> list[str]:
    """For each row of `query_means` (M, D), the caption of the training row of `train_means`
    (N, D) with the highest cosine similarity (argmax: the first on ties)."""
    if len(train_captions) != len(train_means) or not len(train_captions):
        raise ValueError(f"{len(train_captions)} training captions for {len(train_means)} training segments")
    a = nn.functional.normalize(query_means.float(), dim=1)
    b = nn.functional.normalize(train_means.float(), dim=1)
    return [train_captions[j] for j in (a @ b.T).argmax(1).tolist()]


def evaluate_nearest_caption(train_feats: SegmentFeatures, train_captions: Sequence[str], feats: SegmentFeatures,
                             references: Sequence[str], name: str = "nearest training caption (features)",
                             num_examples: int = 5, meteor: bool = True) -> CaptionScores:
    """The nearest-caption baseline scored with the captioners' metrics."""
    preds = nearest_captions(mean_clip_features(train_feats), train_captions, mean_clip_features(feats))
    scores = caption_metrics([[r] for r in references], preds, name, meteor)
    return dataclasses.replace(scores, examples=tuple(zip(preds[:num_examples], references[:num_examples])))


def evaluate_captioner(captioner: TrainedCaptioner, feats: SegmentFeatures, references: Sequence[str],
                       name: str, beam: int = 1, num_examples: int = 5, meteor: bool = True) -> CaptionScores:
    preds = captioner.predict(feats, beam=beam)
    scores = caption_metrics([[r] for r in references], preds, name, meteor)
    return dataclasses.replace(scores, examples=tuple(zip(preds[:num_examples], references[:num_examples])))

