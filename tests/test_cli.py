"""The `videobert` command's messages under faults (issue 27): one line, naming the flag, the field or what to do."""
import pytest

from videobert.cli import main


@pytest.mark.parametrize("setting, expect", [
    ("batch_size=[1", r"--set 'batch_size=\[1': '\[1' is not a valid YAML value"),
    ("batch_size=", r"'batch_size': no value given; expected a whole number"),
    ("seed=-1", r"'seed' = -1: a seed must be a whole number from 0 to 4294967295"),
    ("batch_size=true", r"'batch_size' = True: expected a whole number, not true/false"),
    ("kind_mix=5", r"'kind_mix' = 5: expected a list of 3 numbers"),
    ("nonsense", r"--set 'nonsense': expected KEY=VALUE"),
])
def test_bad_pretrain_settings_are_one_line_naming_the_field(tiny_corpus, tmp_path, capsys, setting, expect):
    import re

    assert main(["pretrain", str(tiny_corpus.root), "--out", str(tmp_path / "run"), "--set", setting]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and re.search(expect, err), err
    assert not (tmp_path / "run" / "config.json").exists()


def test_ctrl_c_says_how_to_go_on_for_each_command(tiny_corpus, tmp_path, capsys, monkeypatch):
    import videobert.train.loop as loop

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(loop, "pretrain", interrupted)
    run = ["pretrain", str(tiny_corpus.root), "--out", str(tmp_path / "run")]
    assert main(run) == 130  # before any checkpoint: nothing is kept, and it does not claim one is
    assert "before the run's first checkpoint: nothing to resume" in capsys.readouterr().err
    (tmp_path / "run" / "checkpoints" / "step-0000004").mkdir(parents=True)
    (tmp_path / "run" / "checkpoints" / "step-0000006.tmp").mkdir()  # a partial one is not a checkpoint
    assert main(run) == 130
    err = capsys.readouterr().err
    assert "checkpoint (" in err and "step-0000004) is kept: continue it with the same command plus --resume" in err
    assert main(run + ["--resume"]) == 130
    assert "continue it with the same command (with --resume)" in capsys.readouterr().err
    monkeypatch.setattr("videobert.vocab.build_vocab", interrupted)
    assert main(["vocab", str(tiny_corpus.root), "--out", str(tmp_path / "v")]) == 130
    err = capsys.readouterr().err
    assert "re-run the same command to resume" in err and "--resume" not in err


def test_a_preempted_run_exits_75_with_its_message(tiny_corpus, tmp_path, capsys, monkeypatch):
    import videobert.train.loop as loop
    from videobert.utils.preempt import Preempted

    def preempted(*a, **k):
        raise Preempted("pretraining stopped by SIGTERM after step 3 of 8; checkpoint written to X; continue with "
                        "--resume", 3, 15)

    monkeypatch.setattr(loop, "pretrain", preempted)
    assert main(["pretrain", str(tiny_corpus.root), "--out", str(tmp_path / "run")]) == 75
    err = capsys.readouterr().err
    assert err == ("videobert pretrain: pretraining stopped by SIGTERM after step 3 of 8; checkpoint written to X; "
                   "continue with --resume (exit status 75)\n")
