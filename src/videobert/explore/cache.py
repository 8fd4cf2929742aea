"""Where the explorer keeps its cache, and its one-writer lock.

Default: ``CORPUS/.explore-cache``. A corpus that cannot be written (read-only disk or mount,
another user's files) gets a cache in the user's cache directory instead
(``$XDG_CACHE_HOME/videobert/explore/<corpus-hash>``, default ``~/.cache/...``), and the
explorer says so at start. A ``--cache`` the user names must be writable: no silent fallback.
The cache is locked (`utils.lock`) while an explorer uses it: a second explorer process on the
same cache is refused at once (pass it another ``--cache``); explorers of one process share it.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

from ..utils.lock import DirectoryLock

log = logging.getLogger(__name__)


def user_cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "videobert" / "explore"


def writable(directory: Path) -> str | None:
    """None if files can be created in `directory` (made if need be), else why not."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-test.", suffix=".tmp"):
            pass
        return None
    except OSError as e:
        return e.strerror or str(e)


def choose_cache(corpus_root: Path, cache_dir: str | os.PathLike | None) -> tuple[Path, DirectoryLock]:
    """The cache directory (absolute) and its held lock (see the module docstring)."""
    if cache_dir is not None:
        cache = Path(cache_dir).absolute()
        why = writable(cache)
        if why:
            raise OSError(f"--cache {cache} cannot be written ({why}); pass a writable directory")
    else:
        cache = corpus_root.absolute() / ".explore-cache"
        why = writable(cache)
        if why:
            key = hashlib.sha1(str(corpus_root.resolve()).encode()).hexdigest()[:16]
            fallback = user_cache_root() / key
            why2 = writable(fallback)
            if why2:
                raise OSError(f"cannot write the explorer's cache in {cache} ({why}) nor in {fallback} ({why2}); "
                              "pass a writable directory with --cache DIR")
            log.warning("explore: %s cannot be written (%s): caching in %s instead (--cache DIR chooses)",
                        cache, why, fallback)
            cache = fallback
    lock = DirectoryLock(cache, "videobert explore", hint="pass it another --cache DIR", reentrant=True)
    return cache, lock.acquire()
