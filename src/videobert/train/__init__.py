"""VideoBERT pretraining: config, loop (DDP, exact resume), CLI."""
from .config import PretrainConfig, load_config
from .loop import PretrainingObjective, evaluate, pretrain

__all__ = ["PretrainConfig", "load_config", "PretrainingObjective", "evaluate", "pretrain"]
