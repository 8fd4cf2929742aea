"""One writer per directory (utils.lock)."""
import os
import signal
import subprocess
import sys
import time

import pytest

from videobert.utils.lock import LOCK_NAME, DirectoryLock, DirectoryLocked, holding_lock, lock_directory

HOLDER = """
import sys, time
from videobert.utils.lock import lock_directory
lock = lock_directory(sys.argv[1], "videobert ingest")  # held while referenced
print("locked", flush=True)
time.sleep(60)
"""


def test_a_second_writer_is_refused_at_once_naming_the_directory_and_the_holder(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "corpus")], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        t0 = time.monotonic()
        with pytest.raises(DirectoryLocked) as e:
            lock_directory(tmp_path / "corpus", "videobert ingest", "ingest into another --out")
        msg = str(e.value)
        assert time.monotonic() - t0 < 1.0  # at once, not waiting
        assert str(tmp_path / "corpus") in msg and f"pid {holder.pid}" in msg and "videobert ingest" in msg
        assert "ingest into another --out" in msg and "\n" not in msg
    finally:
        holder.send_signal(signal.SIGKILL)  # as kill -9: the kernel releases the lock
        holder.wait()
    with lock_directory(tmp_path / "corpus", "videobert ingest") as lock:
        assert lock.locked and (tmp_path / "corpus" / LOCK_NAME).is_file()


def test_two_locks_in_one_process_exclude_each_other_unless_reentrant(tmp_path):
    a = DirectoryLock(tmp_path, "videobert pretrain").acquire()
    with pytest.raises(DirectoryLocked, match=f"pid {os.getpid()}"):
        DirectoryLock(tmp_path, "videobert pretrain").acquire()
    a.release()
    with DirectoryLock(tmp_path, "again"):
        pass
    r1 = DirectoryLock(tmp_path, "videobert explore", reentrant=True).acquire()
    r2 = DirectoryLock(tmp_path, "videobert explore", reentrant=True).acquire()
    r1.release()
    with pytest.raises(DirectoryLocked):  # r2 still holds it
        DirectoryLock(tmp_path, "writer").acquire()
    r2.release()
    DirectoryLock(tmp_path, "writer").acquire().release()


def test_the_decorator_releases_on_return_and_on_error(tmp_path):
    @holding_lock(lambda out: out, "job")
    def job(out):
        with pytest.raises(DirectoryLocked):
            DirectoryLock(out, "other").acquire()
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        job(tmp_path / "x")
    DirectoryLock(tmp_path / "x", "other").acquire().release()


def test_a_read_only_directory_is_not_locked_and_not_an_error(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only directories")
    tmp_path.chmod(0o555)
    try:
        assert DirectoryLock(tmp_path, "reader").acquire().locked is False
    finally:
        tmp_path.chmod(0o755)
