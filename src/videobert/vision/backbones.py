"""Frame-level ViT / DeiT backbones from timm for `videobert ingest --backbone vit_*|deit_*`.

Any timm model name starting with ``vit_`` or ``deit_`` works (e.g. vit_tiny_patch16_224,
deit_tiny_patch16_224, deit_tiny_distilled_patch16_224). A 1.5 s clip becomes one feature:
F frames (default 4) evenly spaced over the clip's frames each go through the ViT
(``forward_features`` -> ``forward_head(pre_logits=True)``, i.e. the pooled feature before
the classifier; for distilled DeiTs the mean of the class and distillation tokens) and the
F features are averaged. Normalization and the resize-before-crop ratio come from timm's
data config for the model (``resolve_data_config``).

Weights: ``pretrained`` (timm's own pretrained weights, downloaded through timm / the HF hub
on first use), ``random`` (seeded by `create_backbone`), or PATH to a local checkpoint
(``.safetensors``, or a ``torch.save``d state_dict loaded with ``weights_only=True``).
"""
from __future__ import annotations

import os

import torch

from ..ingest.backbones import Backbone, register_backbone
from ..utils.lazy import require

PRETRAINED = ("pretrained", "timm", "imagenet")
DEFAULT_FRAMES = 4


def frame_indices(num_frames: int, samples: int) -> torch.Tensor:
    """`samples` evenly spaced indices into `num_frames` frames (centres of equal bins). -> (samples,)"""
    return ((torch.arange(samples) + 0.5) * num_frames / samples).long().clamp_(max=num_frames - 1)


class TimmFrameBackbone(Backbone):
    """A timm image model applied to F frames of each clip, features averaged over frames."""

    def __init__(self, model: torch.nn.Module, frames: int = DEFAULT_FRAMES, pretrained: bool = False):
        timm_data = require("timm.data", "vision", "ViT/DeiT backbones")
        cfg = timm_data.resolve_data_config({}, model=model)  # mean, std, crop_pct (of the pretrained weights)
        size = model.patch_embed.img_size[-1]  # the size it was built for (the data config keeps the pretrained one)
        super().__init__(size, model.num_features, cfg["mean"], cfg["std"])
        self.model, self.frames, self.pretrained = model, frames, pretrained
        self.crop_pct = float(cfg.get("crop_pct") or 1.0)

    @property
    def resize(self) -> int:
        return round(self.input_size / self.crop_pct)  # short side before the center crop, as timm's eval transform

    def preprocess(self, clips: torch.Tensor) -> torch.Tensor:
        """uint8 (B, T, H, W, 3) -> normalized float (B, F, 3, H, W) of F evenly spaced frames."""
        idx = frame_indices(clips.shape[1], self.frames)
        x = super().preprocess(clips[:, idx])  # (B, 3, F, H, W)
        return x.transpose(1, 2).contiguous()  # (B, F, 3, H, W)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T = x.shape[:2]
        feats = self.model.forward_head(self.model.forward_features(x.flatten(0, 1)), pre_logits=True)  # (B*F, D)
        return feats.view(B, T, -1).mean(1)  # (B, D)


def load_state_dict_file(path: str) -> dict[str, torch.Tensor]:
    """A state_dict from .safetensors or a torch.save file (weights_only), unwrapping {'model': ...}."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"weights file {path!r} does not exist")
    if path.endswith(".safetensors"):
        from safetensors.torch import load_file

        return load_file(path)
    sd = torch.load(path, map_location="cpu", weights_only=True)
    for key in ("model", "state_dict", "model_ema"):
        if isinstance(sd, dict) and isinstance(sd.get(key), dict):
            sd = sd[key]
            break
    return {k.removeprefix("module."): v for k, v in sd.items()}


def create_timm_model(name: str, weights: str, **kwargs) -> torch.nn.Module:
    """timm.create_model with `weights` = pretrained | random | PATH and a clear offline error."""
    timm = require("timm", "vision", "ViT/DeiT backbones")
    if not timm.is_model(name):
        raise ValueError(f"unknown timm model {name!r}; e.g. {', '.join(timm.list_models(name.split('_')[0] + '_*')[:6])}")
    if weights in PRETRAINED:
        try:
            return timm.create_model(name, pretrained=True, **kwargs)
        except Exception as e:  # no network, no HF hub, no cached file...: all mean "could not fetch"
            raise RuntimeError(
                f"could not load timm's pretrained weights for {name!r} ({type(e).__name__}: {e}); timm downloads "
                f"them on first use. Without network access use --weights random (seeded, untrained) or "
                f"--weights PATH (a local .safetensors / .pth checkpoint of {name})."
            ) from e
    model = timm.create_model(name, pretrained=False, **kwargs)
    if weights != "random":
        sd = load_state_dict_file(weights)
        sd = {k: v for k, v in sd.items() if not k.startswith(("head.", "head_dist."))}  # classifier not used
        try:
            missing, unexpected = model.load_state_dict(sd, strict=False)
        except RuntimeError as e:  # shape mismatches
            raise ValueError(f"--weights {weights}: not a {name} checkpoint: {str(e)[:300]}") from e
        missing = [k for k in missing if not k.startswith(("head.", "head_dist."))]
        if missing or unexpected:
            raise ValueError(f"--weights {weights}: not a {name} checkpoint (missing {missing[:3]}, "
                             f"unexpected {unexpected[:3]})")
    return model


def _timm_factory(name: str, weights: str, size: int, device: str) -> Backbone:
    model = create_timm_model(name, weights, num_classes=0, img_size=size)  # num_classes=0: pooled features
    return TimmFrameBackbone(model, pretrained=weights != "random").to(device)


register_backbone("vit_", _timm_factory)
register_backbone("deit_", _timm_factory)
