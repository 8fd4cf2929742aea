"""utils.progress: bars only on a terminal, plain periodic lines in a log, nothing when disabled."""
from __future__ import annotations

import io

import pytest

from videobert.utils import progress as P


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _no_forced_mode(monkeypatch):
    monkeypatch.delenv("VIDEOBERT_PROGRESS", raising=False)
    monkeypatch.delenv("VIDEOBERT_PROGRESS_INTERVAL", raising=False)


def test_a_log_gets_plain_lines_never_carriage_returns():
    log = io.StringIO()
    with P.progress(total=10, desc="ingest", unit="video", stream=log, interval=0) as bar:
        for _ in range(10):
            bar.update(1)
            bar.set_postfix(failed=0)
    text = log.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    assert len(lines) == 10  # interval 0: a line per update; close adds none for the same count
    assert lines[0].startswith("ingest: 1/10 video (10%)") and "ETA" in lines[0] and "failed=0" in lines[1]
    assert lines[-1].startswith("ingest: 10/10 video (100%)") and "ETA" not in lines[-1]


def test_lines_are_periodic_and_the_last_one_comes_at_close():
    log = io.StringIO()
    bar = P.progress(total=1000, desc="x", stream=log, interval=3600)
    for _ in range(1000):
        bar.update(1)
    assert log.getvalue() == ""  # within the period: silent
    bar.close()
    bar.close()
    assert log.getvalue().count("\n") == 1 and "1000/1000" in log.getvalue()


def test_wrapping_an_iterable_and_disabled_progress():
    log = io.StringIO()
    assert list(P.progress(range(5), desc="d", stream=log, interval=3600)) == list(range(5))
    assert "5/5" in log.getvalue()
    quiet = io.StringIO()
    assert list(P.progress(range(3), desc="d", stream=quiet, enabled=False)) == [0, 1, 2]
    P.announce("loading", enabled=False, stream=quiet)
    assert quiet.getvalue() == ""


def test_a_terminal_gets_a_bar_with_a_settled_eta(monkeypatch):
    tty = FakeTTY()
    bar = P.progress(total=3, desc="pretrain", unit="step", stream=tty)
    assert isinstance(bar, P.BarProgress) and bar.bar.smoothing == P.BAR_SMOOTHING < 0.1
    bar.update(3)
    bar.close()
    assert "pretrain" in tty.getvalue()
    monkeypatch.setenv("VIDEOBERT_PROGRESS", "lines")  # forced: lines even in a terminal
    assert isinstance(P.progress(total=1, stream=FakeTTY()), P.LineProgress)


def test_the_eta_uses_the_whole_stage_rate(monkeypatch):
    clock = iter([0.0, 10.0, 20.0])
    monkeypatch.setattr(P.time, "monotonic", lambda: next(clock))
    bar = P.LineProgress(total=100, desc="s", unit="it", stream=io.StringIO(), interval=3600)  # t0 = 0
    bar.n = 10  # 10 items in the first 10 s: 1/s, 90 left
    assert "ETA 1 min 30 s" in bar.line()
    bar.n = 60  # a fast burst: 60 in 20 s = 3/s over the stage, not the burst's rate
    assert "ETA 13 s" in bar.line()


def test_format_seconds_and_announce():
    assert P.format_seconds(45) == "45 s" and P.format_seconds(725) == "12 min 5 s"
    assert P.format_seconds(3 * 3600 + 240) == "3 h 4 min"
    out = io.StringIO()
    P.announce("eval: loading the model ...", stream=out)
    assert out.getvalue() == "eval: loading the model ...\n"
