"""Optional dependencies are imported lazily; a missing one says which extra installs it."""
from __future__ import annotations

import importlib
from types import ModuleType


class MissingDependency(ImportError):
    pass


def require(module: str, extra: str, purpose: str = "") -> ModuleType:
    """Import `module` or raise with the pip command that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        what = f" for {purpose}" if purpose else ""
        raise MissingDependency(
            f"{module!r} is needed{what} but is not installed ({e}). "
            f"Install it with: pip install 'videobert[{extra}]'"
        ) from e


def quiet_transformers() -> None:
    """No per-load progress bars from transformers ("Loading weights", "Writing model shards")
    and no per-load reports of the heads a checkpoint lacks: our models are small and loaded
    often, and the bars and tables drowned the stage's own progress line. Errors still show;
    `model.init.load_init` logs the missing heads in one line."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
