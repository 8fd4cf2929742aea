"""Map a function over jobs in worker processes: a local process pool or a Ray cluster.

Used by `videobert ingest` (one job per video) and `videobert vocab` (one job per slice of
videos). Results come back as jobs finish (unordered), with at most a window of jobs in
flight, so 300K queued jobs never sit in memory at once.

Local pool: spawned processes (fork after torch/decoder threads exist is unsafe), each with
`threads` intra-op threads, and each exits when the driver dies (a killed driver leaves no
orphans: Linux ``PR_SET_PDEATHSIG``, plus a parent-pid watchdog thread everywhere).
Ray: ``ray.init()`` joins the cluster named by ``RAY_ADDRESS``, else starts a local one; the
function and its arguments must be importable / picklable there, and paths must be on a
file system every node sees.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context
from typing import Any, Callable, Iterator, Sequence

from .lazy import require

log = logging.getLogger(__name__)

EXECUTORS = ("local", "ray")
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def exit_with_parent(parent_pid: int, poll_s: float = 1.0) -> None:
    """Make this (worker) process exit when process `parent_pid` dies, e.g. a killed driver.

    Linux: ``prctl(PR_SET_PDEATHSIG, SIGTERM)``, so the kernel signals the worker at once. Every
    platform: a daemon thread that exits the process once the parent pid changes (re-parenting)."""
    import signal
    import sys

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) != 0:
                log.debug("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
        except (OSError, AttributeError):  # no libc / no prctl: the watchdog below still works
            log.debug("prctl unavailable", exc_info=True)
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="videobert-parent-watchdog").start()


def init_worker(threads: int, parent_pid: int | None = None) -> None:
    """A pool worker's initializer: exit with the driver, use `threads` torch threads."""
    import signal

    import torch  # first: exit_with_parent then checks for a parent that died meanwhile

    if parent_pid is not None:
        exit_with_parent(parent_pid)
    # Ctrl-C reaches the whole process group: the driver alone handles it (and terminates the
    # workers), rather than every worker printing its own KeyboardInterrupt traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(threads)


def map_unordered(fn: Callable, jobs: Sequence[tuple], workers: int, executor: str = "local",
                  threads: int = 1) -> Iterator[Any]:
    """``fn(*job)`` for every job, in `workers` processes (local) or on a Ray cluster (`workers`
    > 1 caps the jobs in flight; 1: the cluster's CPUs); yields the results as they finish."""
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {EXECUTORS}, got {executor!r}")
    if executor == "ray":
        yield from _ray(fn, jobs, workers)
        return
    pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=init_worker,
                               initargs=(threads, os.getpid()))

    def wait_any(futures):
        return [(f, f.result()) for f in wait(futures, return_when=FIRST_COMPLETED)[0]]

    try:
        yield from _bounded(lambda *job: pool.submit(fn, *job), wait_any, jobs, 2 * workers)
    except BaseException:  # Ctrl-C, an error, or the consumer stopped early: do not wait for the jobs in flight
        _stop(pool)
        raise
    pool.shutdown(wait=True)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel the queued jobs and terminate the workers now (`shutdown(wait=True)` would first let
    every running job finish: seconds per video after a Ctrl-C)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())  # no public accessor
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    for proc in procs:
        proc.join(timeout=5)


def _ray(fn: Callable, jobs: Sequence[tuple], workers: int) -> Iterator[Any]:
    ray = require("ray", "dist", "--executor ray")
    if not ray.is_initialized():
        ray.init()  # joins the cluster named by RAY_ADDRESS, else starts a local one
    remote = ray.remote(fn)
    window = 2 * (workers if workers > 1 else int(ray.cluster_resources().get("CPU", 1)))

    def wait_any(refs):
        ready, _ = ray.wait(list(refs), num_returns=1)
        return [(r, ray.get(r)) for r in ready]

    yield from _bounded(lambda *job: remote.remote(*job), wait_any, jobs, window)


def _bounded(submit: Callable, wait_any: Callable, jobs: Sequence[tuple], window: int) -> Iterator:
    """Keep at most `window` jobs in flight; yield results as they finish."""
    todo = iter(jobs)
    inflight: set = set()
    while True:
        while len(inflight) < window and (job := next(todo, None)) is not None:
            inflight.add(submit(*job))
        if not inflight:
            return
        for handle, result in wait_any(inflight):
            inflight.discard(handle)
            yield result
