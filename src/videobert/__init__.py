"""videobert: VideoBERT joint video-language models from narrated videos.

Public API (small on purpose)::

    import videobert
    model = videobert.load_model("runs/demo/model")   # a pretrained VideoBERT directory
"""
from __future__ import annotations

__version__ = "0.1.0"


def load_model(name_or_path, device=None):
    """Load a saved VideoBERT model directory (see `videobert.model.VideoBERT.from_pretrained`)."""
    from .model import VideoBERT

    return VideoBERT.from_pretrained(name_or_path, device=device)


__all__ = ["load_model", "__version__"]
