"""Ingest under faults (issue 27): failures kept and cheap, bad sizes and weight files refused up front."""
import json
import time

import pytest
import torch

from videobert.corpus import Corpus
from videobert.ingest.pipeline import _FailureLog, ingest


def test_failures_are_kept_across_runs_until_the_video_succeeds(make_video, tiny_config, tmp_path):
    out = tmp_path / "corpus"
    lst = tmp_path / "list.txt"
    lst.write_text(f"{tmp_path / 'later.mp4'}\n{tmp_path / 'never.mp4'}\n")
    s = ingest([lst], out, tiny_config, progress=False)
    assert s.failed == 2
    assert sorted(f["video_id"] for f in Corpus(out).failures()) == ["later", "never"]
    make_video(tmp_path / "other.mp4")  # another run, of another video: the earlier failures stay
    ingest([tmp_path / "other.mp4"], out, tiny_config, progress=False)
    assert sorted(f["video_id"] for f in Corpus(out).failures()) == ["later", "never"]
    make_video(tmp_path / "later.mp4")  # the file appears: its entry leaves once it is ingested
    s = ingest([lst], out, tiny_config, progress=False)
    assert (s.done, s.failed) == (1, 1)
    failures = Corpus(out).failures()
    assert [f["video_id"] for f in failures] == ["never"] and "no such file" in failures[0]["reason"]


def test_ten_thousand_failures_are_written_in_batches(tmp_path, monkeypatch):
    corpus = Corpus(tmp_path)
    corpus.write_failures([{"video_id": f"old{i}", "kind": "unreadable", "reason": "x"} for i in range(3)])
    writes = []
    real = corpus.write_failures
    monkeypatch.setattr(corpus, "write_failures", lambda f: (writes.append(len(f)), real(f)))
    log = _FailureLog(corpus)
    t0 = time.monotonic()
    for i in range(10_000):
        log.add({"video_id": f"v{i:05d}", "path": f"/nope/v{i:05d}.mp4", "kind": "unreadable", "reason": "no such file"})
    log.write()
    assert time.monotonic() - t0 < 5  # was one fsynced rewrite of the whole list per failure: minutes
    assert len(writes) <= 4 and writes[-1] == 10_003
    assert len(json.loads((tmp_path / "failures.json").read_text())) == 10_003


def test_an_unreasonable_size_is_refused_before_anything_is_written(tmp_path, capsys):
    from videobert.cli import main

    assert main(["ingest", str(tmp_path / "v.mp4"), "--out", str(tmp_path / "corpus"), "--size", "100000"]) == 1
    err = capsys.readouterr().err.strip()
    assert "'size' = 100000" in err and "1024" in err and "\n" not in err
    assert not (tmp_path / "corpus").exists()


def test_an_empty_corpus_takes_the_settings_of_the_next_run(tmp_path):
    corpus = Corpus(tmp_path)
    corpus.init({"backbone": "s3d", "size": 100000})  # e.g. a run whose every video failed
    corpus.init({"backbone": "s3d", "size": 224})
    assert corpus.config["size"] == 224


@pytest.mark.parametrize("content", [b"not a checkpoint at all", "list", "ints"])
def test_a_weights_file_that_is_not_a_checkpoint_is_one_clear_error(tmp_path, content):
    from videobert.ingest.backbones import create_backbone

    path = tmp_path / "weights.pth"
    if content == "list":
        torch.save([torch.zeros(2)], path)
    elif content == "ints":
        torch.save({101: torch.zeros(2)}, path)  # was KeyError: 101
    else:
        path.write_bytes(content)
    for backbone in ("s3d", "efficientnet_lite0"):
        with pytest.raises(ValueError, match=rf"--weights {path}: (not a PyTorch checkpoint|holds a) .*give an? "):
            create_backbone(backbone, str(path), 64, "cpu")
