"""Every task command end to end on the tiny model and corpus of `tiny_setup`."""
import json

from PIL import Image

from videobert.cli import main


def run(*argv):
    assert main([str(a) for a in argv]) == 0


def data_args(s):
    return [s["model"], "--corpus", s["corpus"], "--annotations", s["annotations"]]


def test_eval_zeroshot_forecast_retrieval(tiny_setup, tmp_path, capsys):
    s = tiny_setup
    run("eval", "zeroshot", *data_args(s), "--out", tmp_path / "zs")
    r = json.loads((tmp_path / "zs" / "report.json").read_text())["zeroshot"]
    assert r["num_verbs"] == 3 and r["num_nouns"] == 3 and r["n_verb"] == 6  # 2 validation videos x 3 steps
    (tmp_path / "verbs.txt").write_text("add\ncut\nstir\njulienne\n")
    (tmp_path / "nouns.txt").write_text("salt\ntomato\nsoup\n")
    run("eval", "zeroshot", *data_args(s), "--verbs", tmp_path / "verbs.txt", "--nouns", tmp_path / "nouns.txt",
        "--template", "[MASK] the [MASK]", "--reference", "youcook2")
    out = capsys.readouterr().out
    assert "| chance | 25.0 | 100.0 | 33.3 | 100.0 |" in out  # the paper's layout, in %
    assert "| paper: VideoBERT cross-modal (YouCook II val.) | 3.2 | 43.3 | 13.1 | 33.7 |" in out
    assert "not applicable" in out  # a scratch model has no BERT language prior
    run("eval", "forecast", *data_args(s), "--context", 4)
    run("eval", "retrieval", *data_args(s), "--out", tmp_path / "ret")
    r = json.loads((tmp_path / "ret" / "report.json").read_text())["retrieval"]
    assert r["n"] == 6 and 1 <= r["median_rank"] <= 6


def test_forecast_and_text2video_write_strips(tiny_setup, tmp_path, capsys):
    s = tiny_setup
    run("forecast", s["model"], "vid4", "--corpus", s["corpus"], "--at", 9.0, "--out", tmp_path / "f.png", "--size", 32)
    assert "observed 7 visual tokens" in capsys.readouterr().out
    assert Image.open(tmp_path / "f.png").size[0] > 32 * 7  # 4 observed + 3 forecast tiles
    run("text2video", s["model"], "cut the tomato", "--length", 4, "--samples", 2, "--out", tmp_path / "t.png", "--size", 32)
    rec = json.loads((tmp_path / "t.json").read_text())
    assert len(rec["tokens"]) == 2 and len(rec["tokens"][0]) == 4
    im = Image.open(tmp_path / "t.png")
    assert im.size[0] > 4 * 32 and im.size[1] > 2 * 32  # 2 rows (samples) of 4 tiles


def test_forecast_on_a_raw_video(tiny_setup, capsys):
    run("forecast", tiny_setup["model"], tiny_setup["video"], "--k", 2)
    assert "2. visual word" in capsys.readouterr().out


def test_a_video_file_with_corpus_is_read_by_its_id_or_refused_in_one_line(tiny_setup, tmp_path, capsys):
    import numpy as np
    import pytest

    from videobert.corpus import Corpus, VideoRecord
    from videobert.tasks.cli import corpus_video_id

    corpus = Corpus(tmp_path / "corpus")
    corpus.init({"backbone": "synthetic"})
    (tmp_path / "my cook.mp4").write_bytes(b"x")
    feats = np.zeros((2, 4), dtype=np.float16)
    corpus.write(VideoRecord("my_cook", str(tmp_path / "my cook.mp4"), 3.0, np.array([0.0, 1.5]), feats, [], "none"))
    assert corpus_video_id(corpus, "my_cook") == "my_cook"
    assert corpus_video_id(corpus, str(tmp_path / "my cook.mp4")) == "my_cook"  # the file the corpus holds
    (tmp_path / "copy").mkdir()
    (tmp_path / "copy" / "my cook.mp4").write_bytes(b"x")
    with pytest.raises(ValueError, match=r"a video file, not a video id .* 'my_cook' was ingested from .* not from "
                                         r"this file; pass a video id of the corpus \(e.g. 'my_cook'\), or leave out"):
        corpus_video_id(corpus, str(tmp_path / "copy" / "my cook.mp4"))
    with pytest.raises(ValueError, match="neither a video id of the corpus"):
        corpus_video_id(corpus, "no such video.mp4")
    # the command: a file the corpus does not hold names the id ingest would give it
    assert main(["forecast", tiny_setup["model"], tiny_setup["video"], "--corpus", tiny_setup["corpus"]]) == 1
    err = capsys.readouterr().err.strip()
    assert "holds no video 'clip'" in err and "leave out --corpus" in err and len(err.splitlines()) == 1


def test_caption_train_eval_predict_and_eval_all(tiny_setup, tmp_path, capsys):
    s = tiny_setup
    small = ["--epochs", 3, "--d-model", 32, "--encoder-layers", 1, "--decoder-layers", 1]
    run("caption", "train", *data_args(s), "--out", tmp_path / "cap", "--variant", "s3d", *small)
    assert (tmp_path / "cap" / "captioner.safetensors").is_file()
    run("caption", "eval", tmp_path / "cap", "--corpus", s["corpus"], "--annotations", s["annotations"], "--no-meteor")
    assert "BLEU-4" in capsys.readouterr().out
    run("caption", "predict", tmp_path / "cap", "vid5", "--corpus", s["corpus"], "--start", 0, "--end", 7)
    small_all = [x if not str(x).startswith("--") else "--caption-" + x[2:] for x in small]  # eval all: --TASK-FIELD
    run("eval", "all", *data_args(s), "--out", tmp_path / "all", "--no-meteor", "--retrieval-max-segments", 4, *small_all)
    rep = json.loads((tmp_path / "all" / "report.json").read_text())
    assert set(rep) == {"meta", "zeroshot", "forecast", "retrieval", "alignment", "text2video", "caption"}
    assert [r["name"] for r in rep["caption"]["rows"]] == ["S3D features only", "VideoBERT only", "VideoBERT + S3D",
                                                        "nearest training caption (features)",
                                                        "perfect (the reference itself)"]
    md = (tmp_path / "all" / "report.md").read_text()
    assert md.count("## ") == 6 and "<table>" in (tmp_path / "all" / "report.html").read_text()
    assert (tmp_path / "all" / "captioners" / "videobert" / "captioner.json").is_file()


def test_eval_alignment_and_text2video(tiny_setup, tmp_path, capsys):
    s = tiny_setup
    # no annotations: the model directory has no pretraining run beside it, so every video is used
    run("eval", "alignment", s["model"], "--corpus", s["corpus"], "--out", tmp_path / "al")
    r = json.loads((tmp_path / "al" / "report.json").read_text())["alignment"]
    # 6 videos x 3 sentences; the middle one of each video overlaps both others (context clips): no same-video negative
    assert r["positives"] == 18 and r["negatives"] == {"other_video": 18, "same_video": 12}
    assert all(0 <= v <= 1 for v in r["balanced_accuracy"].values())
    run("eval", "alignment", s["model"], "--corpus", s["corpus"], "--annotations", s["annotations"])
    assert "6 held-out sentence-video pairs" in capsys.readouterr().out  # the 2 validation videos
    run("eval", "text2video", *data_args(s), "--length", 3, "--out", tmp_path / "t2v")
    r = json.loads((tmp_path / "t2v" / "report.json").read_text())["text2video"]
    assert r["pairs"] == 9 and r["length"] == 3 and r["chance_verb"] == 1 / 3
    assert 0 <= r["verb_accuracy"] <= 1 and 1 <= r["distinct_words"] <= 3
    assert r["template"] == "now let me show you how to {verb} the {noun} ."


def test_eval_flags_are_generated_from_each_tasks_config():
    import argparse
    import dataclasses

    from videobert.tasks.cli import CONFIG_SKIP, _task_configs, add_parser
    from videobert.tasks.registry import TASKS

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    base = ["M", "--corpus", "C", "--annotations", "A", "--out", "O"]
    args = parser.parse_args(["eval", "forecast", *base, "--context", "4"])
    assert _task_configs(args, ["forecast"])["forecast"] == TASKS["forecast"].config(context=4)
    args = parser.parse_args(["eval", "all", *base, "--forecast-context", "4", "--caption-epochs", "2",
                              "--retrieval-scorer", "alignment"])
    configs = _task_configs(args, list(TASKS))
    assert configs["forecast"].context == 4 and configs["caption"].epochs == 2 and configs["retrieval"].scorer == "alignment"
    assert configs["text2video"] == TASKS["text2video"].config()  # untouched tasks keep their config's defaults
    for name, task in TASKS.items():  # every field of every task's config has its flag in `eval all`
        for f in dataclasses.fields(task.config):
            if f.name not in CONFIG_SKIP.get(name, ()):
                assert hasattr(args, f"{name}_{f.name}"), (name, f.name)
