"""One writer per directory: an advisory, non-blocking lock on ``DIR/.videobert.lock``.

Every stage that writes a directory (ingest: the corpus; vocab: its output; pretrain: the run,
rank 0; distill: its output; explore: its cache) holds `DirectoryLock` while it writes. A
second writer is refused at once with `DirectoryLocked`, one line naming the directory and
the holder (pid, host, command and start time, which the holder records in the lock file).

The lock is ``fcntl.flock`` on an open file: the kernel releases it when the holder's process
ends, however it ends (kill -9 included), so a stale lock file never blocks a later run; the
file itself stays (an empty or outdated record in it means nothing). ``flock`` locks belong to
an open file, so two `DirectoryLock`s of one directory in one process also exclude each other,
unless both pass ``reentrant=True`` (the explorer: several `Explorer` objects of one process may
share a cache). Without ``fcntl`` (Windows) no lock is taken. A directory where the lock file
cannot be created (read-only) is not locked either: nothing can be written there anyway, and the
stage fails on its own write with its own message.
"""
from __future__ import annotations

import functools
import json
import logging
import os
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)

LOCK_NAME = ".videobert.lock"

_held: dict[str, list] = {}  # reentrant locks of this process: real path -> [fd, count]
_held_mutex = threading.Lock()


class DirectoryLocked(RuntimeError):
    """Another process (or object) is writing the directory; the message names it and its holder."""


def _command() -> str:
    argv = [os.path.basename(sys.argv[0]) if i == 0 else a for i, a in enumerate(sys.argv)]
    text = " ".join(argv)
    return text if len(text) <= 200 else text[:197] + "..."


def holder(directory: str | os.PathLike) -> dict | None:
    """What the lock file of `directory` records about its (last) holder, or None."""
    try:
        text = (Path(directory) / LOCK_NAME).read_text(encoding="utf-8")
        info = json.loads(text) if text.strip() else None
        return info if isinstance(info, dict) else None
    except (OSError, ValueError):
        return None


def describe(info: dict | None) -> str:
    if not info:
        return "another process (it recorded no details)"
    when = info.get("started")
    started = time.strftime(" since %Y-%m-%d %H:%M:%S", time.localtime(when)) if isinstance(when, (int, float)) else ""
    what = info.get("what") or "process"
    return f"{what} (pid {info.get('pid')} on {info.get('host')}{started}: {info.get('command')!r})"


class DirectoryLock:
    """``with DirectoryLock(out, "pretraining", hint="use another --out"):`` ... (see module docstring).

    `what`: this writer, recorded for the next one's message; `hint`: what a refused writer
    should do, appended to the message."""

    def __init__(self, directory: str | os.PathLike, what: str, hint: str = "", reentrant: bool = False):
        self.directory = Path(directory)
        self.what, self.hint, self.reentrant = what, hint, reentrant
        self.fd: int | None = None
        self.locked = False  # False also when no lock could be taken (no fcntl, read-only directory)

    @property
    def path(self) -> Path:
        return self.directory / LOCK_NAME

    def acquire(self) -> "DirectoryLock":
        if self.locked:
            return self
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks here
            return self
        key = os.path.realpath(self.directory)
        if self.reentrant:
            with _held_mutex:
                if key in _held:
                    _held[key][1] += 1
                    self.fd, self.locked = _held[key][0], True
                    return self
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as e:
            log.debug("no lock in %s: %s", self.directory, e)
            return self
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            hint = f"; {self.hint}" if self.hint else ""
            raise DirectoryLocked(f"{self.directory} is in use by another {describe(holder(self.directory))}; "
                                  f"wait for it to finish or stop it{hint}") from None
        record = {"what": self.what, "pid": os.getpid(), "host": socket.gethostname(), "command": _command(),
                  "started": time.time()}
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, (json.dumps(record) + "\n").encode("utf-8"), 0)
        except OSError as e:  # a full disk: the lock holds all the same
            log.debug("could not record the lock holder in %s: %s", self.path, e)
        self.fd, self.locked = fd, True
        if self.reentrant:
            with _held_mutex:
                _held[key] = [fd, 1]
        return self

    def release(self) -> None:
        if not self.locked:
            return
        fd, self.fd, self.locked = self.fd, None, False
        if self.reentrant:
            key = os.path.realpath(self.directory)
            with _held_mutex:
                entry = _held.get(key)
                if entry is not None and entry[0] == fd:
                    entry[1] -= 1
                    if entry[1] > 0:
                        return
                    del _held[key]
        os.close(fd)  # closing the file releases the lock

    def __enter__(self) -> "DirectoryLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()

    def __del__(self):  # an object dropped without release (e.g. an Explorer): the lock goes with it
        try:
            self.release()
        except Exception:
            pass


def lock_directory(directory: str | os.PathLike, what: str, hint: str = "", create: bool = True) -> DirectoryLock:
    """`directory` (created when `create`) locked for `what`: a held `DirectoryLock`."""
    if create:
        Path(directory).mkdir(parents=True, exist_ok=True)
    return DirectoryLock(directory, what, hint).acquire()


def holding_lock(where: Callable[..., str | os.PathLike], what: str, hint: str = "", rank_zero: bool = False):
    """Decorator: the function runs holding the lock of the directory ``where(*args, **kwargs)``
    (created if need be), released when it returns or raises; a directory it created and left
    empty (the function failed before writing) is removed again. `rank_zero`: only the process
    with ``RANK`` 0 (torchrun's environment; a single process is rank 0) takes it."""

    def decorate(fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            if rank_zero and int(os.environ.get("RANK", "0") or 0) != 0:
                return fn(*args, **kwargs)
            directory = Path(where(*args, **kwargs))
            created = not directory.exists()
            try:
                with lock_directory(directory, what, hint):
                    return fn(*args, **kwargs)
            finally:
                if created and directory.is_dir() and [p.name for p in directory.iterdir()] == [LOCK_NAME]:
                    (directory / LOCK_NAME).unlink(missing_ok=True)
                    try:
                        directory.rmdir()
                    except OSError:
                        pass

        return run

    return decorate
