"""Small shared helpers: atomic file writes, typed configs, lazy optional imports."""
from .config import Config, save_config
from .io import atomic_save_npy, atomic_write_bytes, atomic_write_json, atomic_write_text, read_json
from .lazy import require

__all__ = [
    "atomic_write_bytes", "atomic_write_text", "atomic_write_json", "atomic_save_npy", "read_json",
    "Config", "save_config", "require",
]
