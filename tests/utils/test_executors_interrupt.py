"""Ctrl-C during a pool map (issue 27): the driver stops at once, without waiting for the jobs in flight."""
import os
import signal
import threading
import time

import pytest

from videobert.utils.executors import map_unordered


@pytest.mark.slow  # two spawned workers import torch: ~10 s on a loaded 2-core machine
def test_ctrl_c_terminates_the_workers_instead_of_waiting_for_their_jobs():
    started = time.monotonic()
    results = map_unordered(time.sleep, [(0.0,), (0.0,)] + [(60.0,)] * 4, 2)
    assert list(next(results) for _ in range(2)) == [None, None]  # the pool is up; two 60 s jobs now run
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        for _ in results:
            pass
    assert time.monotonic() - t0 < 5, "waited for the running jobs"
    assert time.monotonic() - started < 60
