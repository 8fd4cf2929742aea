"""Evaluations that need no annotations run on the corpus alone: the videos pretraining held out,
their own transcript sentences as segments (issue 25); those that do need them say so."""
from __future__ import annotations

import json
import shutil

import pytest

from videobert.cli import main


@pytest.fixture
def run_dir(tiny_setup, tmp_path):
    """The tiny model as a pretraining run that held out vid4 and vid5."""
    run = tmp_path / "run"
    shutil.copytree(tiny_setup["model"], run / "model")
    (run / "run.json").write_text(json.dumps({"heldout_video_ids": ["vid4", "vid5"]}))
    return run


@pytest.mark.parametrize("task,expect", [("forecast", "positions in 2 held-out videos"),
                                         ("retrieval", "Text-to-video retrieval among 6 segments"),
                                         ("text2video", "visual words for each of")])
def test_eval_runs_without_annotations(task, expect, tiny_setup, run_dir, capsys, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="videobert")
    argv = ["eval", task, str(run_dir / "model"), "--corpus", tiny_setup["corpus"], "--no-progress"]
    if task == "retrieval":
        argv += ["--max-video-tokens", "8"]
    if task == "text2video":
        argv += ["--length", "2"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert expect in out
    assert "evaluating on the 2 videos pretraining held out" in caplog.text
    assert "no annotations: 2 held-out videos (6 transcript sentences)" in caplog.text


def test_retrieval_median_rank_is_printed_as_a_rank():
    from videobert.tasks.retrieval import RetrievalResult

    md = RetrievalResult(n=9, r1=0.1, r5=0.5, r10=1.0, median_rank=5.0).markdown()
    assert "| 5 |" in md and "5.0000" not in md
    assert "| 5.5 |" in RetrievalResult(n=10, r1=0.1, r5=0.5, r10=1.0, median_rank=5.5).markdown()


@pytest.mark.parametrize("task", ["zeroshot", "caption"])
def test_tasks_that_need_annotations_say_so(task, tiny_setup, capsys):
    with pytest.raises(SystemExit):
        main(["eval", task, tiny_setup["model"], "--corpus", tiny_setup["corpus"], "--out", "x"])
    assert "--annotations" in capsys.readouterr().err


def test_a_model_from_another_corpus_is_not_evaluated_on_this_ones_videos(tiny_setup, tmp_path, capsys):
    from videobert.corpus import Corpus
    from videobert.tasks.report import heldout_video_ids

    run = tmp_path / "run"
    shutil.copytree(tiny_setup["model"], run / "model")
    (run / "run.json").write_text(json.dumps({"corpus": "/data/other", "heldout_video_ids": ["latin1"]}))
    with pytest.raises(ValueError, match=r"none of the 1 videos pretraining held out .*'latin1'.* is in corpus .*; the "
                                         r"model was pretrained on /data/other"):
        heldout_video_ids(Corpus(tiny_setup["corpus"]), str(run / "model"))
    assert main(["eval", "forecast", str(run / "model"), "--corpus", tiny_setup["corpus"], "--no-progress"]) == 1
    assert "the model was pretrained on /data/other" in capsys.readouterr().err
