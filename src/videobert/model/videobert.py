"""VideoBERT: a Hugging Face `BertForPreTraining` over the joint text + visual vocabulary.

- The word embeddings are resized to the joint vocabulary (`JointTokenizer`); the MLM decoder
  stays tied to them, so the masked-token head predicts text and visual words alike.
- The next-sentence head is the linguistic-visual alignment classifier on `[CLS]`
  (label 0 = aligned, BERT's "is next" convention).
- Visual-word embeddings start from the k-means leaf centroids (`centroid_embeddings`).
- The visual vocabulary and the ingest config travel with the model, so a saved model alone
  tokenizes a raw video (`tokenize_video`).

Saved directory layout (one self-contained folder; a Hugging Face Hub model repository holds the
same files plus a model card, `videobert.model.hub`)::

    MODEL/videobert.json        format tag, sizes, init, the ingest config (a dict)
    MODEL/bert/                 HF `save_pretrained` (config.json + model.safetensors)
    MODEL/text_tokenizer/       the WordPiece tokenizer; MODEL/joint_tokenizer.json
    MODEL/visual_vocab/         `VisualVocab.save`
"""
from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..utils.io import atomic_write_json, read_json
from .tokenizer import JointTokenizer

log = logging.getLogger(__name__)
FORMAT = "videobert-model/1"
# What the alignment classifier reads: "cls" = BERT's pooled [CLS] (the paper; models saved
# before this option), "match" = [CLS] + mean(text states) * mean(video states) (`_match_pool`).
ALIGN_POOLS = ("cls", "match")


class _TiedPartsLinear(torch.autograd.Function):
    """Two groups of rows, each against its own rows of one weight (and bias): (M_a, H), (M_b, H)
    -> (M_a, V_a), (M_b, V_b). A part's rows are a range ``(lo, hi)`` or a sorted index tensor.
    Autograd through two slices of the tied embedding would zero-fill a full-size gradient buffer
    for each slice and add them; this backward writes the weight's gradient once, in place (the
    fills were a third of the tiny model's training step, docs/benchmarks.md). The parts must not
    overlap; rows outside both get zero gradient."""

    @staticmethod
    def forward(ctx, xa, xb, weight, bias, parts):
        ctx.save_for_backward(xa, xb, weight)
        ctx.parts = parts
        return tuple(F.linear(x, *_rows(weight, bias, p)) for x, p in zip((xa, xb), parts))

    @staticmethod
    def backward(ctx, ga, gb):
        # Products in the logits' dtype: bf16 under autocast, as the forward's were.
        xa, xb, weight = ctx.saved_tensors
        ranges = [p for p in ctx.parts if isinstance(p, tuple)]
        gw = weight.new_empty(weight.shape)  # (V, H)
        gbias = weight.new_empty(weight.shape[0])  # (V,)
        end = 0
        for lo, hi in sorted(ranges):  # zero only the rows outside the ranges, written below
            gw[end:lo], gbias[end:lo] = 0, 0
            end = hi
        gw[end:], gbias[end:] = 0, 0
        for x, g, p in zip((xa, xb), (ga, gb), ctx.parts):
            if isinstance(p, tuple):
                lo, hi = p
                if g.dtype == gw.dtype:
                    torch.mm(g.t(), x.to(g.dtype), out=gw[lo:hi])  # (V_part, H), no temporary
                else:
                    gw[lo:hi] = g.t().mm(x.to(g.dtype))
                gbias[lo:hi] = g.sum(0)
            else:  # an index part lies in a zeroed stretch
                gw.index_copy_(0, p, g.t().mm(x.to(g.dtype)).to(gw.dtype))
                gbias.index_copy_(0, p, g.sum(0).to(gbias.dtype))
        gx = [g.mm(_rows(weight, None, p)[0].to(g.dtype)) if ctx.needs_input_grad[i] else None  # (M_part, H)
              for i, (g, p) in enumerate(zip((ga, gb), ctx.parts))]
        return gx[0], gx[1], gw, gbias, None


def _rows(weight: torch.Tensor, bias: torch.Tensor | None, part) -> tuple[torch.Tensor, torch.Tensor | None]:
    """A weight's (and bias') rows of one `_TiedPartsLinear` part: a range or an index tensor."""
    if isinstance(part, tuple):
        lo, hi = part
        return weight[lo:hi], None if bias is None else bias[lo:hi]
    return weight.index_select(0, part), None if bias is None else bias.index_select(0, part)


@dataclasses.dataclass
class VideoBERTOutput:
    logits: torch.Tensor  # (B, T, V) over the joint vocabulary
    align_logits: torch.Tensor  # (B, 2); column 0 = aligned
    hidden_states: torch.Tensor  # (B, T, H) last layer


def centroid_embeddings(centroids: np.ndarray, hidden: int, target_std: float, seed: int = 0,
                        power: float = 0.5) -> torch.Tensor:
    """Map k-means leaf centroids (K, D) to embedding rows (K, H).

    Centre the centroids, project them on their top principal directions (up to H) and scale
    component i by s_i ** `power` (s_i its singular value): `power` 1 is plain PCA, 0 full
    whitening, the default 0.5 halfway. Why halfway (measured on the demo corpus, issue 6 note):
    - plain PCA of raw clip features put 95% of the variance in one direction, so every visual
      word was nearly the same vector up to a scale;
    - full whitening with H >= K - 1 (144 words, H = 128) makes the rows nearly orthonormal:
      every word equidistant from every other, the k-means geometry gone (the nearest word's
      majority verb/noun matched 0.23 / 0.28 of the time, against 0.75 / 0.75 for the centroids);
    - power 0.5 keeps the geometry (0.78 / 0.71) without one direction dominating, and the demo's
      zero-shot verb / noun rose from 0.48 / 0.61 (whitened) and 0.44 / 0.37 (plain PCA) to
      0.73 / 0.68.
    Then zero-pad to H dims if there are fewer components, rotate by a fixed seeded random
    orthogonal H x H matrix (so no hidden unit is singled out by the PCA order), and rescale to
    the standard deviation of the existing word embeddings so visual and text tokens enter the
    network at the same scale.
    """
    c = np.asarray(centroids, dtype=np.float64)
    c = c - c.mean(0, keepdims=True)
    u, s, _ = np.linalg.svd(c, full_matrices=False)  # u (K, r), s (r,)
    keep = s > s[0] * 1e-6 if len(s) else s > 0  # drop null directions (duplicate centroids)
    r = min(hidden, int(keep.sum()))
    x = np.zeros((c.shape[0], hidden))
    x[:, :r] = u[:, :r] * s[:r] ** power  # (K, r): component i scaled by s_i ** power
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((hidden, hidden)))  # (H, H) orthogonal
    x = x @ q
    std = x.std()
    if std > 0:
        x *= target_std / std
    else:  # all centroids equal (degenerate vocabulary): small random rows instead
        x = rng.standard_normal(x.shape) * target_std
    return torch.from_numpy(x).float()



def locate_model_dir(directory: str | os.PathLike) -> tuple[Path, dict]:
    """(the saved model folder, its videobert.json) for a model folder or a run directory holding
    ``model/``; a clear error for a missing folder, a training checkpoint or an unknown format."""
    d = Path(directory)
    if not (d / "videobert.json").is_file() and (d / "model" / "videobert.json").is_file():
        d = d / "model"
    if not d.is_dir():
        raise FileNotFoundError(f"{d}: no such model directory")
    if not (d / "videobert.json").is_file():
        if (d / "model.safetensors").is_file() and (d / "checksums.json").is_file():
            raise FileNotFoundError(
                f"{d} is a training checkpoint, not a saved model: finish the run (`videobert pretrain ... --resume`), "
                "which writes RUN/model")
        raise FileNotFoundError(f"{d} is not a VideoBERT model directory (no videobert.json); "
                                "`videobert pretrain CORPUS --out RUN` writes one to RUN/model")
    meta = read_json(d / "videobert.json")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        got = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise ValueError(f"{d / 'videobert.json'}: unknown format {got!r}, expected {FORMAT!r}")
    return d, meta


class VideoBERT(nn.Module):
    def __init__(self, bert, tokenizer: JointTokenizer, vocab, ingest_config: dict[str, Any], info: dict | None = None):
        super().__init__()
        rows = bert.get_input_embeddings().weight.shape[0]
        if rows != tokenizer.vocab_size:
            raise ValueError(
                f"model/vocabulary mismatch: the BERT has {rows} embedding rows but the joint tokenizer "
                f"has {tokenizer.vocab_size} ids ({tokenizer.num_text} text + [>] + {tokenizer.num_visual} visual)"
            )
        if vocab is not None and vocab.num_tokens != tokenizer.num_visual:
            raise ValueError(
                f"model/vocabulary mismatch: the visual vocabulary has {vocab.num_tokens} words but the model "
                f"was built for {tokenizer.num_visual}"
            )
        self.bert = bert
        self.tokenizer = tokenizer
        self.vocab = vocab
        self.ingest_config = dict(ingest_config or {})
        self.info = dict(info or {})
        pieces = self.info.get("text_pieces")
        if pieces is not None and not (isinstance(pieces, list) and pieces and all(type(i) is int for i in pieces)
                                       and pieces == sorted(set(pieces)) and 0 <= pieces[0]
                                       and pieces[-1] < tokenizer.num_text):
            raise ValueError(f"text_pieces: expected a sorted list of distinct text ids in [0, {tokenizer.num_text}) "
                             "(the model's videobert.json was edited or belongs to another tokenizer)")

    # ---- construction -------------------------------------------------------------
    @classmethod
    def create(cls, init: str, vocab, ingest_config: dict | None = None, size: str = "base",
               seed: int = 0, dropout: float | None = None, visual_init_power: float = 0.5,
               align_pool: str = "match") -> "VideoBERT":
        """A fresh model for pretraining: `init` as in `videobert.model.init.load_init`."""
        from .init import load_init

        bert, text_tok = load_init(init, size=size, seed=seed)
        if dropout is not None:
            for m in bert.modules():
                if isinstance(m, nn.Dropout):
                    m.p = dropout
            bert.config.hidden_dropout_prob = bert.config.attention_probs_dropout_prob = dropout
        tok = JointTokenizer(text_tok, vocab.num_tokens)
        old = bert.get_input_embeddings().weight.detach()
        if old.shape[0] != tok.num_text:
            raise ValueError(f"--init {init}: {old.shape[0]} embedding rows but its tokenizer has {tok.num_text} tokens")
        std = float(old.std())
        bert.resize_token_embeddings(tok.vocab_size, mean_resizing=False)
        emb = bert.get_input_embeddings().weight
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            emb[tok.sep_video_id] = torch.randn(emb.shape[1], generator=g) * std
            emb[tok.visual_offset:] = centroid_embeddings(vocab.leaf_centroids, emb.shape[1], std, seed,
                                                             visual_init_power)
        bert.tie_weights()
        if align_pool not in ALIGN_POOLS:
            raise ValueError(f"align_pool {align_pool!r}: expected one of {ALIGN_POOLS}")
        info = {"init": init, "size": size if init == "scratch" else None, "visual_init": "centroids-pca",
                "visual_init_power": visual_init_power, "align_pool": align_pool}
        return cls(bert, tok, vocab, ingest_config or {}, info)

    # ---- forward ------------------------------------------------------------------
    def encode(self, input_ids, token_type_ids=None, attention_mask=None):
        """Encoder only: ``(sequence (B, T, H), pooled (B, H))``, pooled as `align_pool` says."""
        out = self.bert.bert(input_ids=input_ids, token_type_ids=token_type_ids, attention_mask=attention_mask)
        if self.info.get("align_pool", "cls") == "cls":
            return out.last_hidden_state, out.pooler_output
        return out.last_hidden_state, self._match_pool(out.last_hidden_state, input_ids, attention_mask)

    def _match_pool(self, hidden, input_ids, attention_mask=None):
        """``pooler([CLS] + mean(text states) * mean(video states))``, (B, H).

        The elementwise product of the two modalities' mean states is a bilinear match score
        the alignment head can read from the first step; through `[CLS]` alone the tiny model
        needed ~3,000 steps before its alignment loss left ln 2 (docs/learning.md)."""
        tok = self.tokenizer
        valid = torch.ones_like(input_ids, dtype=torch.bool) if attention_mask is None else attention_mask.bool()
        vis = (input_ids >= tok.visual_offset) & valid  # (B, T)
        txt = (input_ids < tok.num_text) & valid & (input_ids != tok.cls_id) & (input_ids != tok.sep_id) \
            & (input_ids != tok.pad_id)
        mean = lambda m: (hidden * m[..., None]).sum(1) / m.sum(1, keepdim=True).clamp(min=1)  # noqa: E731
        pooler = self.bert.bert.pooler
        return pooler.activation(pooler.dense(hidden[:, 0] + mean(txt) * mean(vis)))

    def mlm_logits(self, hidden: torch.Tensor, part: str = "joint") -> torch.Tensor:
        """(..., H) -> (..., V): the tied masked-token head over the joint vocabulary, or with `part`
        over one modality's words only: "text" (ids ``[0, num_text)``, (..., num_text)) or "visual"
        (id ``visual_offset + j`` at column j, (..., num_visual)). A slice costs what its words do."""
        if part == "joint":
            return self.bert.cls.predictions(hidden)
        lo, hi = self.modality_ids(part)
        head = self.bert.cls.predictions
        return F.linear(head.transform(hidden), head.decoder.weight[lo:hi], head.bias[lo:hi])

    def mlm_logits_by_modality(self, text_hidden: torch.Tensor, visual_hidden: torch.Tensor
                               ) -> tuple[torch.Tensor, torch.Tensor]:
        """(M_t, H), (M_v, H) -> (M_t, num_text), (M_v, num_visual): `mlm_logits(h, "text")` and
        `mlm_logits(h, "visual")` in one step whose backward writes the tied weight's gradient once
        (`_TiedPartsLinear`), what training with the per-modality softmax runs."""
        head = self.bert.cls.predictions
        n = len(text_hidden)
        states = head.transform(torch.cat([text_hidden, visual_hidden]))  # (M_t + M_v, H)
        pieces = self.text_pieces(states.device)
        parts = (self.modality_ids("text") if pieces is None else pieces, self.modality_ids("visual"))
        return _TiedPartsLinear.apply(states[:n], states[n:], head.decoder.weight, head.bias, parts)

    def text_pieces(self, device=None) -> torch.Tensor | None:
        """The sorted text ids the masked-token head was trained to predict among (``mlm_softmax:
        corpus``: the pieces of the pretraining text), (K,); None: every text piece."""
        ids = self.info.get("text_pieces")
        if ids is None:
            return None
        key, cached = getattr(self, "_text_pieces", (None, None))
        if key != ids:  # built once per recorded list (a list compare: no tensor per call)
            key, cached = list(ids), torch.tensor(ids, dtype=torch.long)
            self._text_pieces = (key, cached)
        return cached.to(device) if device is not None else cached

    def text_log_probs(self, logits: torch.Tensor) -> torch.Tensor:
        """log P of each text piece at a text slot, (..., num_text), from joint or text logits
        (..., >= num_text): normalized over the pieces the head was trained among
        (`text_pieces`), the others -inf (never seen as a target: their logits mean nothing)."""
        text = logits[..., : self.tokenizer.num_text].float()
        pieces = self.text_pieces(text.device)
        if pieces is not None:
            text = torch.full_like(text, float("-inf")).index_copy(-1, pieces, text.index_select(-1, pieces))
        return torch.log_softmax(text, dim=-1)

    def modality_ids(self, part: str) -> tuple[int, int]:
        """The ``[lo, hi)`` joint ids of one modality's words: "text" or "visual"."""
        tok = self.tokenizer
        if part == "text":
            return 0, tok.num_text
        if part == "visual":
            return tok.visual_offset, tok.vocab_size
        raise ValueError(f"part {part!r}: expected 'joint', 'text' or 'visual'")

    def align_head(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.bert.cls.seq_relationship(pooled)  # (B, 2)

    def forward(self, input_ids, token_type_ids=None, attention_mask=None) -> VideoBERTOutput:
        hidden, pooled = self.encode(input_ids, token_type_ids, attention_mask)
        return VideoBERTOutput(self.mlm_logits(hidden), self.align_head(pooled), hidden)

    @torch.no_grad()
    def alignment_score(self, input_ids, token_type_ids=None, attention_mask=None) -> torch.Tensor:
        """P(text and video are aligned), (B,)."""
        _, pooled = self.encode(input_ids, token_type_ids, attention_mask)
        return self.align_head(pooled).float().softmax(-1)[:, 0]

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    # ---- video ------------------------------------------------------------------------
    def tokenize_video(self, path: str | os.PathLike) -> np.ndarray:
        """Raw video -> visual-word leaf ids (N,), with the stored ingest config and vocabulary."""
        from ..ingest import IngestConfig, ingest_video  # lazy: ingest pulls in video decoding

        rec = ingest_video(path, IngestConfig.from_dict(self.ingest_config, strict=False))
        return self.visual_tokenizer().tokens(rec)

    def visual_tokenizer(self, corpus: Any = None):
        """The `videobert.vocab.VisualTokenizer` of the videos of `corpus` (a `videobert.corpus.Corpus`)
        under this model's vocabulary, or with `corpus` None of videos freshly ingested with the
        model's ingest config (`tokenize_video`)."""
        from ..vocab.tokenizer import visual_tokenizer

        if corpus is None:
            return visual_tokenizer(self.vocab, self.ingest_config)
        return visual_tokenizer(self.vocab, corpus.config, Path(corpus.root) / "vocab")

    # ---- persistence ------------------------------------------------------------------
    def save_pretrained(self, directory: str | os.PathLike) -> Path:
        from ..utils.lazy import quiet_transformers

        quiet_transformers()
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        self.bert.save_pretrained(str(d / "bert"), safe_serialization=True)
        self.tokenizer.save(d)
        self.vocab.save(d / "visual_vocab")
        atomic_write_json(d / "videobert.json", {
            "format": FORMAT, "num_text": self.tokenizer.num_text, "num_visual": self.tokenizer.num_visual,
            "vocab_size": self.tokenizer.vocab_size, "hidden_size": self.bert.config.hidden_size,
            "num_layers": self.bert.config.num_hidden_layers, "ingest_config": self.ingest_config, **self.info,
        })
        return d

    def push_to_hub(self, repo_id: str, **kwargs):
        """Save this model to a temporary folder and upload it to the Hub model `repo_id` with a
        generated model card (`videobert.model.hub.push_to_hub`: private, token, branch, ...)."""
        import tempfile

        from .hub import push_to_hub

        with tempfile.TemporaryDirectory(prefix="videobert-push-") as tmp:
            return push_to_hub(self.save_pretrained(Path(tmp) / "model"), repo_id, find_report_=False, **kwargs)

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike, device=None, *, revision: str | None = None,
                        token: str | bool | None = None, cache_dir: str | os.PathLike | None = None,
                        force_download: bool = False, local_files_only: bool = False) -> "VideoBERT":
        """Load a saved model directory (or a pretraining run directory holding ``model/``), or a
        Hugging Face Hub model id ``"user/name"`` (downloaded into the Hub's cache; `revision` pins a
        branch, tag or commit; ``HF_HUB_OFFLINE=1`` reads the cache only; see `videobert.model.hub`)."""
        from transformers import BertForPreTraining

        from ..utils.lazy import quiet_transformers
        from ..vocab import VisualVocab
        from .hub import resolve_model_dir

        quiet_transformers()
        d = resolve_model_dir(directory, revision=revision, token=token, cache_dir=cache_dir,
                              force_download=force_download, local_files_only=local_files_only)
        d, meta = locate_model_dir(d)
        tok = JointTokenizer.load(d)
        if not all((d / "visual_vocab" / f).is_file() for f in ("vocab.json", "vocab.npz")):
            # part of the model (its visual tokens' meaning): a corpus cannot rebuild this one
            raise FileNotFoundError(f"{d / 'visual_vocab'}: the model's own visual vocabulary (vocab.json, vocab.npz) "
                                    "is missing; copy the whole model folder again, or copy in the vocabulary it was "
                                    "pretrained with (the \"vocab\" folder named in its run's run.json)")
        vocab = VisualVocab.load(d / "visual_vocab")
        bert = BertForPreTraining.from_pretrained(str(d / "bert"))
        info = {k: meta[k] for k in ("init", "size", "visual_init", "visual_init_power", "align_pool", "text_pieces")
                if k in meta}
        model = cls(bert, tok, vocab, meta.get("ingest_config", {}), info)
        model.name_or_path = str(directory)
        model.eval()
        if device is not None:
            model.to(device)
        return model
