"""Torch device names: "auto" means CUDA when available, else CPU."""
from __future__ import annotations


def resolve_device(device: str = "auto") -> str:
    if device == "auto":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    return device
