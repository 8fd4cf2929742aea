"""Tokenize videos with a distilled student alone (no S3D, no k-means): `videobert ingest --tokenizer`.

`StudentTokenizer` follows ingest's `Backbone` contract (``input_size``, ``resize``,
``preprocess(uint8 clips (B, T, H, W, 3))``, ``forward -> (B, feature_dim)``), so ingest's
decoder and batching drive it unchanged; ``forward`` returns the student's clip embedding and
``assign(x)`` the visual token ids (the two heads combined, `model.combine_heads`). Importing
this module (the `videobert.vision` plugin does) registers it as ingest's "student" clip tokenizer,
and ``tokens(record)`` makes it a `videobert.vocab.VisualTokenizer`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..ingest.backbones import Backbone, register_clip_tokenizer
from ..utils.device import resolve_device
from ..utils.media import locate
from .backbones import frame_indices


class StudentTokenizer(Backbone):
    def __init__(self, student_dir: str | Path, device: str = "auto"):
        from .model import load_student  # lazy: it needs timm, which `import videobert.vision` must not

        model, info = load_student(student_dir, "cpu")
        super().__init__(model.arch.img_size, model.arch.embed_dim, info["mean"], info["std"])
        self.model, self.info = model, info
        self.grid = info["grid"]  # fps, clip_frames, min_last_clip_frames of the teacher's corpus
        self.vocab_dir = info["vocab"]
        self.pretrained = True
        self.to(resolve_device(device)).eval()

    @property
    def resize(self) -> int:
        return int(self.info["resize"])

    @property
    def num_tokens(self) -> int:
        return self.model.num_leaves

    def preprocess(self, clips: torch.Tensor) -> torch.Tensor:
        """uint8 (B, T, H, W, 3) -> normalized (B, F, 3, H, W); T = 30 grid frames, or already F frames."""
        F = self.model.arch.frames
        if clips.shape[1] != F:
            clips = clips[:, frame_indices(clips.shape[1], F)]
        return super().preprocess(clips).transpose(1, 2).contiguous()  # (B, 3, F, H, W) -> (B, F, 3, H, W)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.embed(x)  # (B, embed_dim)

    @torch.inference_mode()
    def assign(self, x: torch.Tensor) -> torch.Tensor:
        """(B, F, 3, H, W) -> (B,) int64 leaf ids: argmax of the combined heads."""
        return self.model.leaf_log_probs(self.model(x)).argmax(-1)

    def tokens(self, record) -> np.ndarray:
        """`videobert.vocab.VisualTokenizer`: a `VideoRecord`'s leaf ids (N,), computed again from its
        video file (``record.source``) on the teacher corpus' clip grid."""
        return student_tokenize_video(locate(record.source), self)[1]  # moved since ingest: --video-dir

    @torch.inference_mode()
    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One ViT pass -> (embedding (B, feature_dim), leaf ids (B,)): what ingest stores per clip."""
        cls_tok, dist_tok = self.model.tokens(x)
        ids = self.model.leaf_log_probs(self.model.heads(cls_tok, dist_tok)).argmax(-1)
        return (cls_tok + dist_tok) / 2, ids


def student_tokenize_video(
    path: str, student: str | Path | StudentTokenizer, batch_size: int = 32
) -> tuple[np.ndarray, np.ndarray]:
    """-> (clip_starts (N,) float64 s, leaf ids (N,) int64) on the teacher corpus' clip grid."""
    from ..ingest.decode import ClipReader, iter_clip_batches

    tok = student if isinstance(student, StudentTokenizer) else StudentTokenizer(student)
    reader = ClipReader(str(path), tok.input_size, resize=tok.resize, **tok.grid)
    ids = [tok.assign(tok.preprocess(torch.from_numpy(b))).cpu() for b in iter_clip_batches(reader, batch_size)]
    starts = np.array([float(s) for s in reader.clip_starts()], dtype=np.float64)
    return starts, torch.cat(ids).numpy().astype(np.int64)


register_clip_tokenizer("student", StudentTokenizer)  # `ingest --tokenizer DIR` builds it (ingest.backbones)
