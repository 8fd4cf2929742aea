"""``failures.json`` kept across runs, written in batches: the log of `videobert ingest` and of
`videobert fetch`.

The file is a list of entries with a ``video_id`` (and whatever else the stage records: kind,
reason, ...). A run's log holds this run's failures plus the earlier runs' entries of videos that
neither failed again nor are `resolved` now (an entry leaves when its video succeeds). It is
rewritten at most every `every_s` seconds and at the end, not once per failure: 10,000 failures
are one file, not 10,000 rewrites of a growing one.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Callable

from .io import atomic_write_json, read_json

log = logging.getLogger(__name__)


class FailureLog:
    def __init__(self, path: str | Path, resolved: Callable[[dict], bool], every_s: float,
                 read: Callable[[], Any] | None = None, write: Callable[[list[dict]], None] | None = None,
                 write_empty: bool = True):
        """`resolved(entry)`: an earlier entry whose video succeeded since; `read` / `write`: how the
        file is read and written (default: JSON at `path`); `write_empty`: write ``[]`` when there is
        nothing to record and no file yet."""
        self.path, self.resolved, self.every_s, self.write_empty = Path(path), resolved, every_s, write_empty
        self._write = write or (lambda entries: atomic_write_json(self.path, entries))
        try:
            earlier = read() if read else (read_json(self.path) if self.path.is_file() else [])
        except (OSError, ValueError) as e:
            log.warning("%s is unreadable (%s); starting it afresh", self.path, e)
            earlier = []
        self.earlier = [f for f in earlier if isinstance(f, dict)] if isinstance(earlier, list) else []
        self.new: dict[Any, dict] = {}
        self.last = time.monotonic()

    def add(self, entry: dict) -> None:
        """A failure of this run (a second one of the same video replaces the first)."""
        self.new[entry.get("video_id")] = entry
        if time.monotonic() - self.last >= self.every_s:
            self.write()

    def discard(self, video_id: str) -> None:
        """This run's failure of `video_id` is void (it succeeded after all)."""
        self.new.pop(video_id, None)

    def write(self) -> None:
        kept = [f for f in self.earlier if f.get("video_id") not in self.new and not self.resolved(f)]
        entries = kept + list(self.new.values())
        if entries or self.write_empty or self.path.exists():
            self._write(entries)
        self.last = time.monotonic()
