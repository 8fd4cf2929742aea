"""bench/paper.py's argument handling and run naming (the runs themselves take hours: not here)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def paper():
    sys.path.insert(0, str(BENCH))  # paper.py imports its sibling transfer.py
    spec = importlib.util.spec_from_file_location("bench_paper", BENCH / "paper.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_paper"] = mod  # its dataclasses look their module up
    spec.loader.exec_module(mod)
    yield mod
    sys.modules.pop("bench_paper", None)
    sys.path.remove(str(BENCH))


@pytest.mark.parametrize("bad", ["nosuch=1", "context_clips"])
def test_pretrain_set_names_a_pretrain_field(paper, monkeypatch, capsys, bad):
    monkeypatch.setattr(sys, "argv", ["paper.py", "--pretrain-set", bad])
    with pytest.raises(SystemExit) as e:
        paper.main()
    assert e.value.code == 2 and "expected FIELD=VALUE with a PretrainConfig field" in capsys.readouterr().err


def test_a_changed_pretraining_field_gets_its_own_run(paper, tmp_path):
    plain = paper.Scale(videos=32)
    wider = paper.Scale(videos=32, pretrain=(("context_clips", 2),))
    assert paper.run_dir(tmp_path, 0, "scratch", "all", plain).name == "run-scratch-all-defaultsteps"
    assert paper.run_dir(tmp_path, 0, "scratch", "all", wider).name == "run-scratch-all-defaultsteps-context_clips=2"


def test_a_finished_run_of_other_defaults_is_not_reused(paper, tmp_path):
    # A work dir made by an older checkout holds runs trained with its defaults (before the
    # per-modality softmax: joint); reusing them as today's defaults mislabels every row.
    import json

    from videobert.train import PretrainConfig

    cfg = PretrainConfig(init="scratch", seed=0, device="cpu", size="tiny")
    run = tmp_path / "run"
    run.mkdir()
    saved = {**cfg.to_dict(), "max_steps": 6000, "lr": 1e-3}  # a run records its resolved length and rate
    (run / "config.json").write_text(json.dumps(saved))
    paper.check_reusable(run, cfg)  # the same recipe: reused
    del saved["mlm_softmax"]  # saved before the field existed, i.e. the joint softmax
    (run / "config.json").write_text(json.dumps(saved))
    with pytest.raises(SystemExit, match="another pretraining recipe.*mlm_softmax"):
        paper.check_reusable(run, cfg)
    paper.check_reusable(run, cfg.replace(mlm_softmax="joint"))


def test_pretrain_set_can_change_the_model_size_from_scratch(paper, tmp_path):
    # --pretrain-set size=small over scratch's tiny: was "got multiple values for 'size'".
    import json

    from videobert.train import PretrainConfig

    scale = paper.Scale(videos=32, pretrain=(("size", "small"),))
    run = tmp_path / "run"
    (run / "model").mkdir(parents=True)
    (run / "model" / "videobert.json").write_text("{}")
    small = PretrainConfig(init="scratch", seed=0, device="cpu", size="small")
    (run / "config.json").write_text(json.dumps({**small.to_dict(), "max_steps": 6000, "lr": 5e-4}))
    model, took = paper.pretrain_on(tmp_path, run, 0, "scratch", scale)  # the finished small run is reused
    assert model == run / "model" and took != took  # nan: not trained again
    with pytest.raises(SystemExit, match="another pretraining recipe.*size"):
        paper.pretrain_on(tmp_path, run, 0, "scratch", paper.Scale(videos=32))  # tiny is another recipe
