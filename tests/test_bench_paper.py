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
