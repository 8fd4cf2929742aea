"""videobert: VideoBERT joint video-language models from narrated videos.

Public API (small on purpose)::

    import videobert
    model = videobert.load_model("runs/demo/model")   # a pretrained VideoBERT directory
    model = videobert.load_model("user/name")         # or a model on the Hugging Face Hub
"""
from __future__ import annotations

__version__ = "0.1.0"


def load_model(name_or_path, device=None, *, revision=None, token=None, cache_dir=None, force_download=False,
               local_files_only=False):
    """Load a VideoBERT: a saved model directory (or a pretraining run holding ``model/``), or a
    Hugging Face Hub model id ``"user/name"``, downloaded once into the Hub's cache.

    `revision` pins a branch, tag or commit of a Hub model; `token` reads a private one;
    ``HF_HUB_OFFLINE=1`` (or `local_files_only`) loads from the cache only and says so when the
    model is not there. See `videobert.model.VideoBERT.from_pretrained` and `videobert.model.hub`.
    """
    from .model import VideoBERT

    return VideoBERT.from_pretrained(name_or_path, device=device, revision=revision, token=token,
                                     cache_dir=cache_dir, force_download=force_download,
                                     local_files_only=local_files_only)


__all__ = ["load_model", "__version__"]
