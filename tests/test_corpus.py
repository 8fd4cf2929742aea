import json

import numpy as np
import pytest

from videobert.corpus import Corpus, CorpusError, VideoRecord, check_video_id, shard_of


def _record(vid: str) -> VideoRecord:
    return VideoRecord(vid, f"/videos/{vid}.mp4", 3.0, np.array([0.0, 1.5]), np.zeros((2, 4), np.float16), [])


def test_valid_ids_round_trip(tmp_path):
    c = Corpus(tmp_path / "c")
    c.init({"backbone": "synthetic"})
    for vid in ("synth_0000", "clip-0a1b2c3d", "-yt_Id-0", "a.b"):
        assert check_video_id(vid) == vid
        c.write(_record(vid))
    assert c.video_ids() == sorted(["synth_0000", "clip-0a1b2c3d", "-yt_Id-0", "a.b"])
    assert c.read("a.b").video_id == "a.b"


@pytest.mark.parametrize("vid", ["/etc/passwd", "../../x", "..", ".", ".hidden", "a/b", "a\\b", "a..b", "", "x" * 202,
                                 "sp ace", "caf\u00e9", "nul\x00"])
def test_hostile_ids_are_refused_everywhere(tmp_path, vid):
    c = Corpus(tmp_path / "c")
    c.init({"backbone": "synthetic"})
    for call in (lambda: c.write(_record(vid)), lambda: c.read(vid), lambda: c.has(vid), lambda: c.read_meta(vid)):
        with pytest.raises(CorpusError, match="invalid video id"):
            call()
    with pytest.raises(CorpusError, match="give an id as the corpus lists it"):  # an id given, not read from a file
        c.read(vid)
    assert sorted(p.name for p in (tmp_path / "c").rglob("*")) == ["manifest.json"]


def test_a_record_whose_id_does_not_match_its_file_is_refused(tmp_path):
    c = Corpus(tmp_path / "c")
    c.init({"backbone": "synthetic"})
    c.write(_record("good"))
    _, jpath = c._paths("good")
    meta = json.loads(jpath.read_text())
    meta["video_id"] = "/tmp/elsewhere"
    jpath.write_text(json.dumps(meta))
    with pytest.raises(CorpusError, match=rf"{jpath}: its video_id field '/tmp/elsewhere' does not match"):
        c.read("good")
    # a file whose name is not a valid id, or that sits in the wrong shard, is named when listing
    bad = jpath.parent / "sp ace.json"
    bad.write_text("{}")
    with pytest.raises(CorpusError, match=r"sp ace\.json: invalid video id.*fix the id in that file"):
        c.video_ids()
    bad.unlink()
    wrong = tmp_path / "c" / "videos" / ("00" if shard_of("x") != "00" else "01") / "x.json"
    wrong.parent.mkdir(exist_ok=True)
    wrong.write_text("{}")
    with pytest.raises(CorpusError, match=rf"x\.json: video 'x' belongs in shard '{shard_of('x')}'"):
        c.video_ids()
