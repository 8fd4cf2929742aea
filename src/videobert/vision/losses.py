"""DeiT's distillation loss, adapted to a teacher that is a visual vocabulary.

DeiT (Touvron et al. 2020) trains the class token on the true label and the distillation
token on the teacher's output. Our "teacher" is S3D + the hierarchical k-means vocabulary, and
there is no human label, so both targets come from the teacher's token for the clip:

- class head        -> the coarse (first-level) cluster of the teacher's leaf token;
- distillation head -> the teacher's leaf token itself.

Modes (DeiT's names):

- ``none``: only the class head is trained (no distillation token signal; an ablation whose
  leaf head stays untrained).
- ``hard``: ``(1 - alpha) * CE(class, coarse) + alpha * CE(dist, teacher leaf)``; DeiT's hard
  distillation is alpha = 1/2.
- ``soft``: ``(1 - alpha) * CE(class, coarse) + alpha * tau^2 * KL(p_teacher || softmax(dist / tau))``
  where ``p_teacher`` is the teacher's distribution at temperature tau. Our teacher has no
  logits; `teacher_soft_targets` uses the negative distances of the clip's S3D feature to the
  leaf centroids: ``p_teacher = softmax(-d / (s * tau))`` (see there). The KL is averaged over
  the batch ("batchmean"); DeiT divides the summed KL by the number of logits instead, which
  only rescales alpha.

Targets may be class indices (B,) or probability rows (B, C): Mixup/CutMix and label
smoothing turn the former into the latter, and ``F.cross_entropy`` accepts both.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import MODES


class DistillationLoss(nn.Module):
    def __init__(self, mode: str = "hard", alpha: float = 0.5, tau: float = 1.0):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"distillation mode {mode!r}: must be one of {MODES}")
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"distillation alpha {alpha!r}: must be in [0, 1]")
        if tau <= 0:
            raise ValueError(f"distillation tau {tau!r}: must be > 0")
        self.mode, self.alpha, self.tau = mode, alpha, tau

    def forward(
        self,
        coarse_logits: torch.Tensor,  # (B, C) class head
        leaf_logits: torch.Tensor,  # (B, L) distillation head
        coarse_target: torch.Tensor,  # (B,) ids or (B, C) probabilities
        teacher_target: torch.Tensor,  # hard: (B,) leaf ids or (B, L) probs; soft: (B, L) teacher probs at tau
    ) -> torch.Tensor:
        base = F.cross_entropy(coarse_logits, coarse_target)
        if self.mode == "none":
            return base
        if self.mode == "hard":
            distill = F.cross_entropy(leaf_logits, teacher_target)
        else:
            if teacher_target.shape != leaf_logits.shape:
                raise ValueError(f"soft distillation needs teacher probabilities {tuple(leaf_logits.shape)}, "
                                 f"got {tuple(teacher_target.shape)}")
            log_student = F.log_softmax(leaf_logits / self.tau, dim=-1)
            distill = F.kl_div(log_student, teacher_target, reduction="batchmean") * self.tau**2
        return (1.0 - self.alpha) * base + self.alpha * distill


def teacher_soft_targets(
    features: torch.Tensor, leaf_centroids: torch.Tensor, scale: float, tau: float = 1.0
) -> torch.Tensor:
    """The teacher's soft leaf distribution for clip features: softmax(-d / (scale * tau)).

    features (B, D), leaf_centroids (L, D) -> (B, L). ``d`` is the Euclidean distance to each
    leaf centroid and ``scale`` the typical distance of a clip to its own leaf (the mean
    quantization error on the training clips, see `quantization_scale`), which makes tau
    unitless: a leaf one typical error farther than the nearest gets e^(-1/tau) of its weight.
    The vocabulary's tree walk picks the leaf level by level, so the argmax of this flat
    distribution can differ from the teacher's hard token for clips near cluster borders.
    """
    d = torch.cdist(features.float(), leaf_centroids.float())  # (B, L)
    return F.softmax(-d / (scale * tau), dim=-1)


def quantization_scale(features: torch.Tensor, leaf_centroids: torch.Tensor, leaf_ids: torch.Tensor) -> float:
    """Mean Euclidean distance of each clip feature (N, D) to its assigned leaf centroid (floored)."""
    err = (features.float() - leaf_centroids.float()[leaf_ids]).norm(dim=-1)  # (N,)
    return max(float(err.mean()), 1e-6)
