"""The DeiT student: a ViT with a distillation token that predicts visual tokens from frames.

`DistilledStudent` subclasses timm's `VisionTransformerDistilled`, which already prepends
the distillation token next to the class token (and sizes the position embedding for both).
What changes here:

- the two heads predict different label spaces: the class head the vocabulary's coarse
  (first-level) cluster, the distillation head the teacher's leaf token;
- the input is a clip of F frames (B, F, 3, H, W): every frame goes through the ViT on its
  own and the class / distillation tokens are averaged over the frames before the heads.
  This costs F image passes and ignores frame order, but it is the cheapest honest view of
  a 1.5 s clip on a CPU (no 3-D patch embedding to train from scratch), and the mean of a few
  spread-out frames sees what the clip shows, which is what the teacher's clusters mostly
  encode. F = 1 is the "middle frame" variant.
- inference combines the heads as DeiT does, but since they predict different label spaces
  the combination is a product, not an average: p(leaf) ∝ p_dist(leaf) * p_cls(coarse(leaf)).
"""
from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F

from ..utils.lazy import require
from .config import StudentArch

_deit = require("timm.models.deit", "vision", "the DeiT student")


class StudentOutput(NamedTuple):
    coarse_logits: torch.Tensor  # (B, num_coarse) class head
    leaf_logits: torch.Tensor  # (B, num_leaves) distillation head


class DistilledStudent(_deit.VisionTransformerDistilled):
    def __init__(self, arch: StudentArch, coarse_of: torch.Tensor):
        """coarse_of: (num_leaves,) int64, the first-level cluster of every leaf (VisualVocab.coarse_of)."""
        num_coarse = int(coarse_of.max()) + 1
        super().__init__(img_size=arch.img_size, patch_size=arch.patch_size, embed_dim=arch.embed_dim,
                         depth=arch.depth, num_heads=arch.num_heads, num_classes=num_coarse)
        self.arch = arch
        self.num_coarse, self.num_leaves = num_coarse, len(coarse_of)
        self.head_dist = torch.nn.Linear(arch.embed_dim, self.num_leaves)  # the parent sizes it like `head`
        self.register_buffer("coarse_of", coarse_of.long().clone())

    def tokens(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, F, 3, H, W) -> class and distillation tokens, each (B, D), averaged over the F frames."""
        B, T = x.shape[:2]
        out = self.forward_features(x.flatten(0, 1))  # (B*F, 2 + patches, D)
        return out[:, 0].view(B, T, -1).mean(1), out[:, 1].view(B, T, -1).mean(1)

    def heads(self, cls_tok: torch.Tensor, dist_tok: torch.Tensor) -> StudentOutput:
        return StudentOutput(self.head(self.head_drop(cls_tok)), self.head_dist(self.head_drop(dist_tok)))

    def forward(self, x: torch.Tensor) -> StudentOutput:
        return self.heads(*self.tokens(x))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """(B, F, 3, H, W) -> (B, D): the mean of both tokens (timm's pre_logits view of a distilled ViT)."""
        cls_tok, dist_tok = self.tokens(x)
        return (cls_tok + dist_tok) / 2

    def leaf_log_probs(self, out: StudentOutput) -> torch.Tensor:
        return combine_heads(out.coarse_logits, out.leaf_logits, self.coarse_of)


def combine_heads(coarse_logits: torch.Tensor, leaf_logits: torch.Tensor, coarse_of: torch.Tensor) -> torch.Tensor:
    """log p(leaf) ∝ log p_dist(leaf) + log p_cls(coarse(leaf)), renormalized over leaves. -> (B, L)"""
    joint = F.log_softmax(leaf_logits, -1) + F.log_softmax(coarse_logits, -1)[:, coarse_of]  # (B, L)
    return F.log_softmax(joint, -1)


# ---- saving and loading ---------------------------------------------------------------------
STUDENT_FORMAT = "videobert-student/1"


def save_student(model: DistilledStudent, out_dir, info: dict) -> None:
    """``out_dir/model.safetensors`` + ``out_dir/student.json`` (arch + `info`: vocab, grid, mean/std...)."""
    from pathlib import Path

    from safetensors.torch import save

    from ..utils.io import atomic_write_bytes, atomic_write_json

    out = Path(out_dir)
    atomic_write_bytes(out / "model.safetensors", save({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}))
    atomic_write_json(out / "student.json", {"format": STUDENT_FORMAT, "arch": model.arch.to_dict(),
                                             "num_coarse": model.num_coarse, "num_leaves": model.num_leaves, **info})


def load_student(student_dir, device: str = "cpu") -> tuple[DistilledStudent, dict]:
    """-> (model in eval mode, the student.json dict)."""
    from pathlib import Path

    from safetensors.torch import load_file

    from ..utils.io import read_json

    d = Path(student_dir)
    if not (d / "student.json").is_file():
        raise FileNotFoundError(f"{d} is not a distilled student (no student.json); make one with `videobert distill`")
    info = read_json(d / "student.json")
    if info.get("format") != STUDENT_FORMAT:
        raise ValueError(f"{d / 'student.json'}: unknown format {info.get('format')!r}, expected {STUDENT_FORMAT!r}")
    sd = load_file(str(d / "model.safetensors"))
    model = DistilledStudent(StudentArch.from_dict(info["arch"]), sd["coarse_of"])
    model.load_state_dict(sd)
    return model.to(device).eval(), info
