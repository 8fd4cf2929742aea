"""Configs of the distillation stage (timm-free, so the CLI builds without the [vision] extra)."""
from __future__ import annotations

import dataclasses
import os

from ..utils.config import Config

MODES = ("none", "soft", "hard")  # DistillationLoss modes
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


@dataclasses.dataclass(frozen=True)
class StudentArch(Config):
    """ViT shape; the defaults are DeiT-Ti (192 wide, 12 blocks, 3 heads, 16 px patches) at 112 px."""

    img_size: int = 112
    patch_size: int = 16
    embed_dim: int = 192
    depth: int = 12
    num_heads: int = 3
    frames: int = 4  # frames sampled per 1.5 s clip, evenly spaced

    def validate(self) -> None:
        for name in ("img_size", "patch_size", "embed_dim", "depth", "num_heads", "frames"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) <= 0:
                self.fail(name, getattr(self, name), "must be a positive integer")
        if self.img_size % self.patch_size:
            self.fail("img_size", self.img_size, f"must be a multiple of patch_size={self.patch_size}")
        if self.embed_dim % self.num_heads:
            self.fail("embed_dim", self.embed_dim, f"must be divisible by num_heads={self.num_heads}")


_ARCH = StudentArch()


@dataclasses.dataclass(frozen=True)
class DistillConfig(Config):
    CHOICES = {"mode": MODES}
    # Student: StudentArch's fields, flat (so the CLI reads --img-size ...), with its defaults.
    img_size: int = _ARCH.img_size
    patch_size: int = _ARCH.patch_size
    embed_dim: int = _ARCH.embed_dim
    depth: int = _ARCH.depth
    num_heads: int = _ARCH.num_heads
    frames: int = _ARCH.frames
    init: str = "random"  # "random" (seeded) | PATH to a distilled DeiT checkpoint of the same width/depth (any img size)
    # Distillation (losses.DistillationLoss).
    mode: str = "hard"
    alpha: float = 0.5
    tau: float = 1.0
    smoothing: float = 0.1  # label smoothing of the class head and of hard teacher targets
    # Optimization (DeiT: AdamW, cosine schedule with warmup, wd 0.05).
    epochs: int = 30
    batch_size: int = 64
    lr: float = 5e-4
    weight_decay: float = 0.05
    warmup_epochs: int = 1
    # Augmentation (DeiT's defaults; "" / 0 turns each off).
    rand_augment: str = "rand-m9-mstd0.5-inc1"
    mixup: float = 0.8
    cutmix: float = 1.0
    mix_prob: float = 1.0
    erase_prob: float = 0.25
    # Data.
    heldout: float = 0.2  # fraction of videos held out for evaluation
    seed: int = 0
    device: str = "auto"

    def validate(self) -> None:
        StudentArch(**self.arch_dict())  # checks the shape fields
        if self.mode not in MODES:
            self.fail("mode", self.mode, f"must be one of {MODES}")
        for name in ("alpha", "smoothing", "mix_prob", "erase_prob"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                self.fail(name, getattr(self, name), "must be in [0, 1]")
        for name in ("tau", "lr"):
            if getattr(self, name) <= 0:
                self.fail(name, getattr(self, name), "must be > 0")
        for name in ("epochs", "batch_size"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) <= 0:
                self.fail(name, getattr(self, name), "must be a positive integer")
        for name in ("mixup", "cutmix", "weight_decay", "warmup_epochs"):
            if getattr(self, name) < 0:
                self.fail(name, getattr(self, name), "must be >= 0")
        if not 0.0 <= self.heldout < 1.0:
            self.fail("heldout", self.heldout, "must be in [0, 1)")
        if self.rand_augment and self.rand_augment.split("-")[0] != "rand":  # timm asserts it deep in the run
            self.fail("rand_augment", self.rand_augment, "must be a timm RandAugment spec like 'rand-m9-mstd0.5-inc1', "
                      "or '' to train without it")
        if self.init != "random" and not os.path.isfile(self.init):
            self.fail("init", self.init, "must be 'random' or an existing checkpoint file")

    def arch_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(StudentArch)}
