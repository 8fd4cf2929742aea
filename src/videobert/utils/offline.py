"""Is a model download possible at all? Asked once before a download, so that a machine without
network fails in a second with the offline alternative instead of after a storm of retries
(transformers retried ``bert-base-uncased`` six times, ~30 s, each warning printed twice).

`offline_reason()` is None when a download may work, else why it cannot:
``HF_HUB_OFFLINE`` / ``TRANSFORMERS_OFFLINE`` set, or the host not reachable in
`PROBE_SECONDS` (one TCP connection; no request is sent).
"""
from __future__ import annotations

import functools
import os
import socket
from urllib.parse import urlparse

PROBE_SECONDS = 3.0
TRUE = ("1", "true", "yes", "on")


def hub_offline_env() -> str | None:
    """The environment variable that forbids Hugging Face downloads, if one is set."""
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(name, "").strip().lower() in TRUE:
            return f"{name}={os.environ[name]}"
    return None


@functools.lru_cache(maxsize=8)
def _unreachable(host: str, port: int) -> str | None:
    try:
        with socket.create_connection((host, port), timeout=PROBE_SECONDS):
            return None
    except OSError as e:
        return f"{host}:{port} is unreachable ({type(e).__name__}: {e})"


def offline_reason(url: str = "") -> str | None:
    """None when `url` (default: the Hugging Face Hub, ``HF_ENDPOINT``) may be downloaded from."""
    if not url:
        env = hub_offline_env()
        if env:
            return f"{env} is set"
        url = os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    parsed = urlparse(url)
    if not parsed.hostname:
        return None
    return _unreachable(parsed.hostname, parsed.port or (443 if parsed.scheme == "https" else 80))
