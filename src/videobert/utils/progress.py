"""Progress that suits both a terminal and a log file: the one helper every long stage uses.

- On a terminal (the stream is a TTY): a tqdm bar whose rate and ETA are averaged over the
  whole stage (``smoothing`` near 0), so the ETA settles instead of swinging with each item.
- Anywhere else (redirected to a file, a pipe, a CI log): plain lines, one every
  `interval` seconds and one at the end (``ingest: 12/40 video (30%), 0.52 video/s, ETA 54 s``),
  never a carriage-return refresh.
- ``enabled=False`` (the commands' ``--no-progress``): nothing at all.

    from videobert.utils.progress import progress, announce
    announce("eval: loading the model ...")          # before a step that is silent for a while
    with progress(total=len(ids), desc="ingest", unit="video") as bar:
        for vid in ids:
            ...
            bar.update(1)
    for vid in progress(ids, desc="assigning videos", unit="video"):  # or wrap an iterable
        ...

`VIDEOBERT_PROGRESS` = ``bar`` / ``lines`` / ``off`` forces one form (``lines`` in a terminal
for a log-like view); `VIDEOBERT_PROGRESS_INTERVAL` sets the lines' period (seconds, default 30).
"""
from __future__ import annotations

import os
import sys
import time
from typing import Any, Iterable, Iterator, TextIO

DEFAULT_INTERVAL = 30.0  # seconds between plain progress lines in a log
BAR_SMOOTHING = 0.02  # tqdm's default 0.3 made multi-hour ETAs swing by 10x between refreshes


def _mode(stream: TextIO, enabled: bool) -> str:
    if not enabled:
        return "off"
    forced = os.environ.get("VIDEOBERT_PROGRESS", "").strip().lower()
    if forced in ("bar", "lines", "off"):
        return forced
    try:
        return "bar" if stream.isatty() else "lines"
    except (AttributeError, ValueError):  # a closed or fake stream
        return "lines"


def _interval() -> float:
    try:
        return max(0.0, float(os.environ.get("VIDEOBERT_PROGRESS_INTERVAL", DEFAULT_INTERVAL)))
    except ValueError:
        return DEFAULT_INTERVAL


def format_seconds(s: float) -> str:
    """``45 s``, ``12 min 5 s``, ``3 h 4 min``."""
    s = max(0.0, float(s))
    if s < 60:
        return f"{s:.0f} s"
    if s < 3600:
        return f"{int(s // 60)} min {int(s % 60)} s"
    return f"{int(s // 3600)} h {int(s % 3600 // 60)} min"


def _rate(r: float) -> str:
    return f"{r:,.0f}" if r >= 100 else f"{r:.1f}" if r >= 1 else f"{r:.3f}"


class Progress:
    """The common interface of the three forms: ``update(n)``, ``set_postfix(**kv)``, ``close()``,
    iteration over the wrapped iterable, and use as a context manager."""

    def __init__(self, iterable: Iterable | None = None, total: int | None = None, desc: str = "",
                 unit: str = "it", initial: int = 0):
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)  # type: ignore[arg-type]
        self.iterable, self.total, self.desc, self.unit = iterable, total, desc, unit
        self.n = initial

    def __iter__(self) -> Iterator:
        if self.iterable is None:
            raise TypeError("this progress reporter wraps no iterable")
        try:
            for item in self.iterable:
                yield item
                self.update(1)
        finally:
            self.close()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix(self, ordered_dict: dict | None = None, **kw: Any) -> None:
        pass

    def close(self) -> None:
        pass


class LineProgress(Progress):
    """Plain lines: the first after `interval` seconds, then every `interval`, and a last one at
    close. The rate and ETA are over the whole stage so far (work done / time since start)."""

    def __init__(self, iterable: Iterable | None = None, total: int | None = None, desc: str = "",
                 unit: str = "it", initial: int = 0, stream: TextIO | None = None, interval: float | None = None):
        super().__init__(iterable, total, desc, unit, initial)
        self.stream = stream or sys.stderr
        self.interval = _interval() if interval is None else interval
        self.start_n = initial
        self.t0 = self.last = time.monotonic()
        self.postfix = ""
        self.closed = False
        self.printed: int | None = None  # the count of the last line printed

    def set_postfix(self, ordered_dict: dict | None = None, **kw: Any) -> None:
        items = {**(ordered_dict or {}), **kw}
        self.postfix = ", ".join(f"{k}={v}" for k, v in items.items())

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            self._line(now)

    def line(self) -> str:
        """The current status, as printed."""
        return self._format(time.monotonic())

    def _format(self, now: float) -> str:
        elapsed = now - self.t0
        done = self.n - self.start_n
        rate = done / elapsed if elapsed > 0 else 0.0
        count = f"{self.n}/{self.total}" if self.total else f"{self.n}"
        pct = f" ({100 * self.n / self.total:.0f}%)" if self.total else ""
        parts = [f"{self.desc}: {count} {self.unit}{pct}", f"{format_seconds(elapsed)} elapsed"]
        if rate > 0:
            parts.append(f"{_rate(rate)} {self.unit}/s")
            if self.total and self.n < self.total:
                parts.append(f"ETA {format_seconds((self.total - self.n) / rate)}")
        if self.postfix:
            parts.append(self.postfix)
        return ", ".join(parts)

    def _line(self, now: float) -> None:
        self.printed = self.n
        print(self._format(now), file=self.stream, flush=True)

    def close(self) -> None:
        """The last line (unless the last periodic line already said the same count)."""
        if not self.closed:
            self.closed = True
            if self.printed != self.n:
                self._line(time.monotonic())


class BarProgress(Progress):
    """A tqdm bar (terminal only)."""

    def __init__(self, iterable: Iterable | None = None, total: int | None = None, desc: str = "",
                 unit: str = "it", initial: int = 0, stream: TextIO | None = None):
        super().__init__(iterable, total, desc, unit, initial)
        from tqdm import tqdm

        self.bar = tqdm(total=self.total, initial=initial, desc=desc, unit=unit, dynamic_ncols=True,
                        smoothing=BAR_SMOOTHING, file=stream or sys.stderr)

    def update(self, n: int = 1) -> None:
        self.n += n
        self.bar.update(n)

    def set_postfix(self, ordered_dict: dict | None = None, **kw: Any) -> None:
        self.bar.set_postfix(ordered_dict, **kw)

    def close(self) -> None:
        self.bar.close()


def progress(iterable: Iterable | None = None, *, total: int | None = None, desc: str = "", unit: str = "it",
             initial: int = 0, enabled: bool = True, stream: TextIO | None = None,
             interval: float | None = None) -> Progress:
    """A progress reporter in the form that suits `stream` (default stderr): see the module docstring."""
    stream = stream or sys.stderr
    mode = _mode(stream, enabled)
    if mode == "bar":
        return BarProgress(iterable, total, desc, unit, initial, stream)
    if mode == "lines":
        return LineProgress(iterable, total, desc, unit, initial, stream, interval)
    return Progress(iterable, total, desc, unit, initial)


def announce(message: str, enabled: bool = True, stream: TextIO | None = None) -> None:
    """One line before a step that runs silent for a while (loading a model, a stage's setup), so
    a log never sits for minutes with nothing in it. Silent with ``enabled=False``."""
    if enabled and _mode(stream or sys.stderr, True) != "off":
        print(message, file=stream or sys.stderr, flush=True)


def add_progress_argument(parser: Any) -> None:
    """``--no-progress`` (dest ``no_progress``), the same words on every long command."""
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress output (default: a bar on a terminal, a plain line every "
                             f"{DEFAULT_INTERVAL:.0f} s in a log; VIDEOBERT_PROGRESS=bar|lines|off forces one)")
