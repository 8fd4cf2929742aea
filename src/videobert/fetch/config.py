"""`FetchConfig`: how `videobert fetch` downloads (one frozen, validated config for every source)."""
from __future__ import annotations

import dataclasses
from typing import ClassVar, Mapping

from ..utils.config import Config

SUBS = ("auto", "manual", "none")


@dataclasses.dataclass(frozen=True)
class FetchConfig(Config):
    height: int = 360  # like video2dataset's default: enough for 224/112-pixel crops, ~10x less than 1080p
    subs: str = "auto"  # auto: uploaded English captions, else YouTube's automatic ones (the paper's ASR text)
    lang: str = "en"
    workers: int = 2
    sleep: float = 0.0
    cookies: str | None = None
    retries: int = 4  # transient errors (HTTP 5xx/429, reset, cut-short body, timeout) retried this often
    backoff: float = 2.0  # first wait in seconds, doubled per retry (with jitter), capped at max_backoff
    max_backoff: float = 60.0
    socket_timeout: float = 30.0
    merge_ext: str = "mp4"  # container when video and audio are merged (needs ffmpeg)

    CHOICES: ClassVar[Mapping[str, tuple]] = {"subs": SUBS}
    HELP: ClassVar[Mapping[str, str]] = {
        "height": "largest video height to fetch; a video without one that small comes at its smallest",
        "subs": "captions as ID.en.vtt: auto = uploaded ones, else YouTube's automatic ones of the "
                "spoken language (never a machine translation); manual = uploaded only; none",
        "lang": "caption language; English captions land as ID.en.vtt, others as ID.vtt (both read by ingest)",
        "workers": "videos downloaded at once",
        "sleep": "seconds to sleep between requests and before each download",
        "cookies": "a Netscape cookies.txt passed to yt-dlp (it is read from a private copy, never rewritten)",
        "retries": "retries of a transient error (HTTP 5xx/429, connection reset, cut-short body, timeout)",
        "backoff": "seconds before the first retry, doubled for each next one",
        "max_backoff": "longest wait between retries, seconds",
        "socket_timeout": "seconds without data before a connection counts as timed out",
        "merge_ext": "container of merged video+audio",
    }

    def validate(self) -> None:
        if self.height < 1:
            self.fail("height", self.height, "must be >= 1")
        if self.subs not in SUBS:
            self.fail("subs", self.subs, f"choose one of {SUBS}")
        if not self.lang or not self.lang.replace("-", "").isalnum():
            self.fail("lang", self.lang, "a language code such as en or en-US")
        if self.workers < 1:
            self.fail("workers", self.workers, "must be >= 1")
        for name in ("sleep", "backoff", "max_backoff"):
            if getattr(self, name) < 0:
                self.fail(name, getattr(self, name), "must be >= 0")
        if self.retries < 0:
            self.fail("retries", self.retries, "must be >= 0")
        if self.socket_timeout <= 0:
            self.fail("socket_timeout", self.socket_timeout, "must be > 0")
        if self.merge_ext not in ("mp4", "mkv", "webm"):
            self.fail("merge_ext", self.merge_ext, "choose mp4, mkv or webm")
