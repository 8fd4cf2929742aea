"""The task registry (one contract for every downstream task) and the one report renderer."""
from __future__ import annotations

import dataclasses
import re

import pytest

from videobert.tasks import registry
from videobert.tasks.forecast import ForecastConfig
from videobert.tasks.report import render_page
from videobert.tasks.zeroshot import ZeroShotConfig


def test_every_task_is_registered_with_a_config_and_a_title():
    assert list(registry.TASKS) == ["zeroshot", "forecast", "retrieval", "alignment", "text2video", "caption"]
    for name, task in registry.TASKS.items():
        assert task.name == name and task.title and callable(task.run)
        cfg = task.config()  # the defaults are a valid config that round-trips
        assert type(cfg).from_dict(cfg.to_dict()) == cfg
    assert registry.titles()["caption"] == "Captioning"


def test_unknown_task_names_the_known_ones():
    with pytest.raises(KeyError, match="known: zeroshot, forecast"):
        registry.get_task("captioning")
    with pytest.raises(ValueError, match="already registered"):
        registry.register(registry.TASKS["forecast"])


def test_run_tasks_checks_every_task_before_running_any():
    ran = []
    fake = registry.Task("fake_first", "Fake", ForecastConfig, lambda x, c: ran.append(c))
    registry.register(fake)
    try:
        inputs = registry.EvalInputs(data=None)
        with pytest.raises(ValueError, match="'zeroshot' needs verb and noun labels"):
            registry.run_tasks(["fake_first", "zeroshot"], inputs)
        with pytest.raises(ValueError, match="'caption' trains captioners and needs an output directory"):
            registry.run_tasks(["fake_first", "caption"], inputs)
        with pytest.raises(TypeError, match="ZeroShotConfig, expected ForecastConfig"):
            registry.run_tasks(["fake_first"], inputs, {"fake_first": ZeroShotConfig()})
        assert ran == []  # nothing started
        out = registry.run_tasks(["fake_first"], inputs, {"fake_first": ForecastConfig(k=5)})
        assert list(out) == ["fake_first"] and ran == [ForecastConfig(k=5)]
        registry.run_tasks(["fake_first"], inputs)
        assert ran[-1] == ForecastConfig()  # the task's defaults when no config is given
    finally:
        del registry.TASKS["fake_first"]


def test_a_task_this_data_cannot_feed_stops_the_others_only_when_asked(caplog):
    def too_few(x, c):
        raise ValueError("retrieval needs at least 2 segments, found 1")

    ran = []
    registry.register(registry.Task("fake_bad", "Bad", ForecastConfig, too_few))
    registry.register(registry.Task("fake_good", "Good", ForecastConfig, lambda x, c: ran.append(c) or "ok"))
    try:
        inputs = registry.EvalInputs(data=None)
        with pytest.raises(ValueError, match="found 1"):  # one task asked for: its error
            registry.run_tasks(["fake_bad", "fake_good"], inputs)
        assert ran == []
        out = registry.run_tasks(["fake_bad", "fake_good"], inputs, keep_going=True)  # `eval all`
        assert out["fake_good"] == "ok" and ran == [ForecastConfig()]
        assert out["fake_bad"] == registry.NotRun("retrieval needs at least 2 segments, found 1")
        assert out["fake_bad"].to_dict() == {"not_run": "retrieval needs at least 2 segments, found 1"}
        assert out["fake_bad"].markdown() == "Not run: retrieval needs at least 2 segments, found 1"
        assert "eval: fake_bad not run: retrieval needs at least 2 segments" in caplog.text
    finally:
        del registry.TASKS["fake_bad"], registry.TASKS["fake_good"]


def test_run_tasks_on_a_tiny_model(tiny_setup):
    from videobert.tasks.report import load_eval_data

    from .conftest import NOUNS, VERBS

    s = tiny_setup
    data = load_eval_data(s["model"], s["corpus"], s["annotations"], "cpu")
    inputs = registry.EvalInputs(data, VERBS, NOUNS)
    results = registry.run_tasks(["zeroshot", "forecast"], inputs, {"forecast": ForecastConfig(k=2)})
    assert set(results) == {"zeroshot", "forecast"}
    for r in results.values():
        assert isinstance(r.to_dict(), dict) and r.markdown().strip()
    assert dataclasses.asdict(results["forecast"])["k"] == 2


def test_render_page_is_self_contained_and_escapes_everything():
    hostile = "<script>alert(1)</script>"
    page = render_page(f"t {hostile}", {hostile: hostile},
                       [(hostile, f"| a | b |\n|---|---|\n| {hostile} | 1 |\n\n{hostile}")],
                       {hostile: "AAAA"}, [hostile])
    assert "<script>" not in page and page.count("&lt;script&gt;") >= 6
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</body></html>")
    assert "<table>" in page and "src='data:image/png;base64,AAAA'" in page and "class='warn'" in page
    assert not re.search(r"(src|href)=['\"]https?:", page)


def test_eval_all_writes_the_tasks_that_ran_and_exits_1_naming_those_that_did_not(tmp_path, capsys):
    import argparse
    import json

    from videobert.tasks.cli import _finish

    class Ran:
        def to_dict(self):
            return {"top1": 0.5}

        def markdown(self):
            return "| top-1 |\n|---|\n| 0.5 |"

    args = argparse.Namespace(model="m", corpus="c", annotations=None, out=str(tmp_path / "eval"))
    results = {"forecast": Ran(), "retrieval": registry.NotRun("retrieval needs at least 2 segments, found 1")}
    assert _finish(results, args, {}) == 1
    report = json.loads((tmp_path / "eval" / "report.json").read_text())
    assert report["forecast"] == {"top1": 0.5} and report["retrieval"] == {"not_run": results["retrieval"].reason}
    assert "Not run: retrieval needs at least 2 segments" in (tmp_path / "eval" / "report.md").read_text()
    assert "1 of 2 tasks not run on this data: retrieval" in capsys.readouterr().err
    assert _finish({"forecast": Ran()}, args, {}) == 0
