"""Preemption: SIGTERM and SIGUSR1 (and Ctrl-C) ask a training loop to stop after its current step.

A cluster scheduler preempts a job with SIGTERM (Slurm, Kubernetes; Slurm's ``--signal=USR1@N``
sends SIGUSR1 ahead of it). Inside `StopRequest` those signals only record the request; the
training loop (`train.engine.fit`) sees it after the step it is running, writes a checkpoint and
raises `Preempted`, which the ``videobert`` command turns into exit status `EXIT_PREEMPTED`
(75, EX_TEMPFAIL: "try again"; ``--resume`` continues exactly where it stopped). A process
killed before it could checkpoint exits with the signal's own status instead (143 for SIGTERM).
Ctrl-C (SIGINT) does the same in a training loop that asks for it (`StopRequest(interrupt=True)`),
so an interactive user loses no steps: the first Ctrl-C stops after the step with a checkpoint
(exit status 130, as for any Ctrl-C), a second one stops at once (KeyboardInterrupt).
No torch here: `videobert.cli` imports it to catch `Preempted`.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path

log = logging.getLogger(__name__)

EXIT_PREEMPTED = 75
SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGUSR1", None)) if s is not None)


EXIT_INTERRUPTED = 130  # 128 + SIGINT: what a shell reports for Ctrl-C


def finished_checkpoints(run_dir: str | os.PathLike) -> list[Path]:
    """The finished checkpoints of run directory `run_dir` (``checkpoints/step-NNNNNNN``; not the
    ``.tmp`` one being written), oldest first: `train.engine.Checkpoints`' layout, read here without
    torch so that the command's Ctrl-C message can name the last one."""
    d = Path(run_dir) / "checkpoints"
    return sorted(p for p in d.glob("step-*") if p.is_dir() and not p.name.endswith(".tmp")) if d.is_dir() else []


class Preempted(Exception):
    """Training stopped on a preemption signal (or Ctrl-C), after writing a checkpoint; ``status``
    is the exit status: 75 for a scheduler's signal, 130 for Ctrl-C."""

    def __init__(self, message: str, step: int | None = None, signum: int | None = None):
        super().__init__(message)
        self.step, self.signum = step, signum
        self.status = EXIT_INTERRUPTED if signum == signal.SIGINT else EXIT_PREEMPTED


def signal_name(signum: int | None) -> str:
    try:
        return signal.Signals(signum).name
    except (TypeError, ValueError):
        return f"signal {signum}"


class StopRequest:
    """``with StopRequest() as stop:`` ... ``if stop.signum is not None:`` stop after this step.

    Handlers are installed only in the main thread (Python delivers signals there); elsewhere
    the signals keep their previous behaviour. The previous handlers are restored on exit."""

    def __init__(self, signals=SIGNALS, interrupt: bool = False):
        self.signals = tuple(signals) + ((signal.SIGINT,) if interrupt else ())
        self.signum: int | None = None
        self._old: dict[int, object] = {}

    def _handle(self, signum, frame) -> None:
        if signum == signal.SIGINT and self.signum == signal.SIGINT:
            raise KeyboardInterrupt  # the second Ctrl-C: the user does not want to wait for the step
        if self.signum is None:
            log.warning("%s received: stopping after the current step, with a checkpoint%s", signal_name(signum),
                        " (Ctrl-C again: stop at once, without one)" if signum == signal.SIGINT else "")
        self.signum = signum

    def __enter__(self) -> "StopRequest":
        if threading.current_thread() is threading.main_thread():
            for s in self.signals:
                try:
                    self._old[s] = signal.signal(s, self._handle)
                except (OSError, ValueError):  # not settable here
                    pass
        return self

    def __exit__(self, *exc) -> None:
        for s, old in self._old.items():
            signal.signal(s, old)
        self._old.clear()
