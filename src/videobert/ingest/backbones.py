"""Clip feature backbones: a small registry plus torchvision's S3D.

Contract (docs/CONTRACTS.md): a `Backbone` is an ``nn.Module`` with

- ``feature_dim: int`` and ``input_size: int`` (frames reach the model as
  ``input_size x input_size`` crops);
- ``resize``: how the decoder resizes a frame before the center crop, with torchvision's
  meaning: an ``int`` resizes the short side (keeps the aspect), a ``(h, w)`` tuple resizes to
  exactly that size. The default (`Backbone.resize`) is the short side = ``input_size``;
- ``preprocess(clips)``: uint8 ``(B, T, H, W, 3)`` -> the model's input tensor;
- ``clip_frame_indices(clip_frames)``: the frames of a clip that ``preprocess`` reads (None, the
  default: all). The decoder then converts only those and passes clips of just those frames, in
  that order (``T = len(indices)``), so ``preprocess`` must accept both (`ClipReader`'s ``frames``);
- ``forward(x) -> (B, feature_dim)``: one float feature per clip.

Other packages add backbones with ``register_backbone(prefix, factory, default_weights)``; a
factory is called as ``factory(name, weights, size, device, **options)`` for every name that
starts with ``prefix`` (the longest matching prefix wins), with torch's RNG already seeded (so
``weights="random"`` is reproducible). Options (e.g. ``frames``, ``pool``) are keyword
parameters of the factory; a backbone whose factory does not declare one refuses it.
`create_backbone` imports the plugins (`videobert.vision`, `videobert.ingest.efficientnet`)
once first, so the backbones registered there are found without the caller importing them.

A *clip tokenizer* (``ingest --tokenizer DIR``) is a backbone that also gives each clip its
visual token: ``encode(x) -> (features (B, feature_dim), leaf ids (B,))`` in one pass. Plugins
register one with ``register_clip_tokenizer(name, factory)`` (the distilled student of
`videobert.vision` does, as "student"); `create_clip_tokenizer` builds it as ``factory(DIR, device)``.
"""
from __future__ import annotations

import importlib
import inspect
import logging
import os
from typing import Callable, Sequence

import torch
from torch import nn

from ..utils.device import resolve_device

log = logging.getLogger(__name__)

BackboneFactory = Callable[[str, str, int, str], "Backbone"]
_REGISTRY: dict[str, BackboneFactory] = {}
_DEFAULT_WEIGHTS: dict[str, str] = {}  # prefix -> the weights used when none are given
_CLIPS_PER_PASS: dict[str, int] = {}  # prefix -> clips per forward pass by default (0: the whole batch)
FALLBACK_WEIGHTS = "kinetics400"  # for a backbone registered without default weights
# Modules that register more backbones when imported, with the name prefixes they register: a
# lookup of one name imports only the modules that could hold it (videobert.vision imports timm
# and torchvision, ~2 s of every command's start-up otherwise).
_PLUGINS = {"videobert.vision": ("vit_", "deit_"), "videobert.ingest.efficientnet": ("efficientnet_lite0",)}
_plugins_loaded: set[str] = set()
ClipTokenizerFactory = Callable[[str, str], "Backbone"]
_TOKENIZERS: dict[str, ClipTokenizerFactory] = {}


class Backbone(nn.Module):
    """Base class: uint8 clips -> normalized float input -> (B, feature_dim) features."""

    feature_dim: int
    input_size: int
    pretrained: bool = False  # False for random init: recorded in the corpus metadata

    def __init__(self, input_size: int, feature_dim: int, mean: Sequence[float], std: Sequence[float]):
        super().__init__()
        self.input_size = int(input_size)
        self.feature_dim = int(feature_dim)
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1, 1), persistent=False)

    @property
    def resize(self) -> int | tuple[int, int]:
        return self.input_size

    @property
    def device(self) -> torch.device:
        return self.mean.device

    def clip_frame_indices(self, clip_frames: int) -> list[int] | None:
        """The frames of a `clip_frames`-frame clip that `preprocess` reads; None: every frame."""
        return None

    def preprocess(self, clips: torch.Tensor) -> torch.Tensor:
        """uint8 (B, T, H, W, 3) -> float (B, 3, T, H, W), scaled to [0, 1] and normalized."""
        x = clips.to(self.device, non_blocking=True).permute(0, 4, 1, 2, 3).float().div_(255.0)  # (B, 3, T, H, W)
        return (x - self.mean) / self.std


# Kinetics-400 S3D weights' transform (torchvision S3D_Weights.KINETICS400_V1.transforms()):
# resize to 256 x 256, center crop 224, these mean/std. We scale the 256/224 ratio to --size.
KINETICS_MEAN = (0.43216, 0.394666, 0.37645)
KINETICS_STD = (0.22803, 0.22145, 0.216989)
_S3D_RESIZE, _S3D_CROP = 256, 224


class S3DBackbone(Backbone):
    """torchvision S3D; the feature is the 1024-d mean over (T, H, W) of `features(x)`.

    torchvision's own head uses a fixed (2, 7, 7) average pool that fails below 224 px, so we
    take the mean over all positions (identical at 224 for 30 frames, defined at any size).
    """

    def __init__(self, weights: str = "kinetics400", size: int = 224):
        super().__init__(size, 1024, KINETICS_MEAN, KINETICS_STD)
        from torchvision.models.video import s3d

        self.weights = weights
        model = s3d(weights=None)  # random init from torch's RNG (create_backbone seeds it)
        if weights == "random":
            # He init keeps activations at their scale through the ReLU stack. PyTorch's default
            # conv init shrinks them ~3x per block, leaving 1024-d outputs near 1e-7: below
            # float16 resolution, so the stored corpus features would be mostly zeros.
            for m in model.modules():
                if isinstance(m, nn.Conv3d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
        elif weights == "kinetics400":
            model.load_state_dict(_kinetics400_state_dict())
            self.pretrained = True
        elif weights != "random":
            _load_local_weights(model, weights)
            self.pretrained = True
        self.features = model.features  # classifier and fixed-size avgpool are not used
        self.eval()

    @property
    def resize(self) -> tuple[int, int]:
        r = round(self.input_size * _S3D_RESIZE / _S3D_CROP)
        return (r, r)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x).mean((2, 3, 4))  # (B, 3, T, H, W) -> (B, 1024, t, h, w) -> (B, 1024)


def _kinetics400_state_dict() -> dict:
    from urllib.parse import urlparse

    from torchvision.models.video import S3D_Weights

    from ..utils.offline import offline_reason

    url = S3D_Weights.KINETICS400_V1.url
    cached = os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(urlparse(url).path))
    reason = None if os.path.isfile(cached) else offline_reason(url)  # fail in seconds, not after timeouts
    try:
        if reason:
            raise ConnectionError(f"no download possible: {reason}")
        # Through torchvision (torch.hub cache first, then download).
        return S3D_Weights.KINETICS400_V1.get_state_dict(progress=False, check_hash=True)
    except Exception as e:  # URLError, HTTPError, SSL, timeouts...: all mean "could not fetch"
        raise RuntimeError(
            f"could not load torchvision's S3D Kinetics-400 weights ({type(e).__name__}: {e}); they are downloaded "
            f"into the torch hub cache ({torch.hub.get_dir()}) on first use. Without network access use "
            f"--backbone efficientnet_lite0 (ImageNet weights packaged in videobert[frames], no download: real "
            f"pretrained features), --weights PATH (a local S3D state_dict .pth) or --weights random (seeded, "
            f"untrained features)."
        ) from e


def read_weights_file(path: str, what: str) -> dict:
    """The tensors of a ``--weights`` file (``torch.load(weights_only=True)``: nothing is unpickled
    but tensors and containers); a file that is not such a checkpoint is one `ValueError` naming it."""
    try:
        sd = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # not a torch file, a truncated one, a pickle of other objects: KeyError, IndexError...
        first = (str(e).strip().splitlines() or [""])[0][:200]
        raise ValueError(f"--weights {path}: not a PyTorch checkpoint ({type(e).__name__}: {first}); "
                         f"give {what}") from None
    if not isinstance(sd, dict) or not sd or not all(isinstance(k, str) for k in sd):
        raise ValueError(f"--weights {path}: holds a {type(sd).__name__}, not a state_dict (names -> tensors); "
                         f"give {what}")
    return sd


def _load_local_weights(model: nn.Module, path: str) -> None:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"--weights {path!r}: not 'kinetics400', 'random' or an existing file")
    sd = read_weights_file(path, "an S3D state_dict .pth")
    if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]
    sd = {k.removeprefix("module."): v for k, v in sd.items()}
    # The classifier may have another class count; only the feature trunk must match.
    feats = {k: v for k, v in sd.items() if k.startswith("features.")}
    missing = [k for k in model.state_dict() if k.startswith("features.") and k not in feats]
    if missing:
        raise ValueError(f"--weights {path}: not an S3D state_dict (missing {len(missing)} keys, e.g. {missing[0]!r})")
    model.load_state_dict(feats, strict=False)


# ---- registry -------------------------------------------------------------------------

def register_backbone(prefix: str, factory: BackboneFactory, default_weights: str | None = None,
                      clips_per_pass: int = 0) -> None:
    """Register `factory(name, weights, size, device, **options) -> Backbone` for names starting
    with `prefix`; `default_weights` is what `weights=None` means for them (else "kinetics400");
    `clips_per_pass` what ``IngestConfig(clips_per_pass=None)`` means (0: the whole batch)."""
    _REGISTRY[prefix] = factory
    _CLIPS_PER_PASS[prefix] = int(clips_per_pass)
    if default_weights is not None:
        _DEFAULT_WEIGHTS[prefix] = default_weights
    else:
        _DEFAULT_WEIGHTS.pop(prefix, None)


def register_clip_tokenizer(name: str, factory: ClipTokenizerFactory) -> None:
    """Register `factory(directory, device) -> Backbone` with ``encode`` as clip tokenizer `name`."""
    _TOKENIZERS[name] = factory


def create_clip_tokenizer(directory: str, device: str = "auto", name: str = "student") -> Backbone:
    """The clip tokenizer `name` saved in `directory` (``ingest --tokenizer DIR``), in eval mode."""
    _load_plugins()
    if name not in _TOKENIZERS:
        raise ImportError(f"--tokenizer {directory}: no {name!r} clip tokenizer is registered; the distilled "
                          "student's comes with videobert.vision (pip install 'videobert[vision]')")
    return _TOKENIZERS[name](directory, device).eval()


def _match(name: str) -> str | None:
    matches = [p for p in _REGISTRY if name.startswith(p)]
    return max(matches, key=len) if matches else None


def default_weights(name: str) -> str:
    """The weights `name` uses when none are given: s3d "kinetics400", efficientnet_lite0 "imagenet"."""
    _load_plugins(name)
    prefix = _match(name)
    return _DEFAULT_WEIGHTS.get(prefix, FALLBACK_WEIGHTS) if prefix else FALLBACK_WEIGHTS


def default_clips_per_pass(name: str) -> int:
    """Clips per forward pass backbone `name` runs fastest with on a CPU (0: the whole batch)."""
    _load_plugins(name)
    prefix = _match(name)
    return _CLIPS_PER_PASS.get(prefix, 0) if prefix else 0


def default_options(name: str) -> dict:
    """The keyword options (with their defaults) that backbone `name`'s factory takes, e.g.
    ``{"frames": 3, "pool": "mean"}`` for efficientnet_lite0, ``{}`` for s3d or an unknown name."""
    _load_plugins(name)
    prefix = _match(name)
    if prefix is None:
        return {}
    return {k: p.default for k, p in list(inspect.signature(_REGISTRY[prefix]).parameters.items())[4:]
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.default is not p.empty}


def list_backbones() -> list[str]:
    _load_plugins()
    return sorted(_REGISTRY)


def _load_plugins(name: str | None = None) -> None:
    """Import the plugin modules (those that could register `name`; all without a name, or for a
    name no plugin's prefixes cover, so that an unknown name's error lists every backbone)."""
    wanted = [m for m, prefixes in _PLUGINS.items() if name is not None and name.startswith(prefixes)]
    if name is None or (not wanted and _match(name) is None):
        wanted = list(_PLUGINS)
    for mod in wanted:
        if mod in _plugins_loaded:
            continue
        _plugins_loaded.add(mod)
        try:
            importlib.import_module(mod)
        except ImportError as e:  # an optional extra (e.g. timm) missing: its backbones stay unlisted
            log.debug("backbone plugin %s not loaded: %s", mod, e)
        except Exception as e:  # a broken plugin must not take S3D down with it
            log.warning("backbone plugin %s failed to load: %s", mod, e)


def create_backbone(
    name: str, weights: str | None = None, size: int = 224, device: str = "auto", seed: int = 0, **options
) -> Backbone:
    """Build the backbone `name` in eval mode on `device` ("auto" = CUDA when available).

    `weights=None` means the backbone's default (`default_weights`). `options` (those not None)
    go to the factory as keywords; one it does not declare is an error (e.g. s3d has no `frames`).
    The factory runs with torch's CPU RNG seeded by `seed` (and the caller's RNG state restored
    afterwards), so ``weights="random"`` gives the same model for the same seed.
    """
    _load_plugins(name)
    prefix = _match(name)
    if prefix is None:
        raise ValueError(f"unknown backbone {name!r}; known: {', '.join(list_backbones())}")
    if weights is None:
        weights = default_weights(name)
    options = {k: v for k, v in options.items() if v is not None}
    takes = default_options(name)
    bad = sorted(set(options) - set(takes))
    if bad:
        raise ValueError(f"backbone {name!r} does not take option(s) {', '.join(bad)} "
                         f"(it takes: {', '.join(sorted(takes)) or 'none'})")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = _REGISTRY[prefix](name, weights, size, resolve_device(device), **options)
    return model.eval()


def _s3d_factory(name: str, weights: str, size: int, device: str) -> Backbone:
    if name != "s3d":
        raise ValueError(f"unknown backbone {name!r}: the S3D family has only 's3d'")
    return S3DBackbone(weights, size).to(device)


register_backbone("s3d", _s3d_factory, default_weights="kinetics400", clips_per_pass=1)  # docs/benchmarks.md
