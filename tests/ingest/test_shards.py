"""video2dataset webdataset shards as ingest inputs, read inside the tar (never unpacked).

Shards are built here with `tarfile` in video2dataset's layout (`KEY.mp4`, `KEY.json`, `KEY.txt`,
plus `NNNNN.parquet`): its subtitle cues are webvtt-py's `{start: "HH:MM:SS.mmm", end, lines}`,
its clips `KEY_NNNNN` samples with `clips: [[start, end]]` and `clip_subtitles` in the source
video's time, its Whisper stage's `whisper_transcript` WhisperX's `{"segments": [...]}`."""
import gzip
import io
import json
import logging
import tarfile

import numpy as np
import pytest

from videobert.corpus import Corpus
from videobert.ingest import ingest, ingest_video, pipeline, shards
from videobert.ingest.asr import read_audio
from videobert.ingest.decode import ClipReader
from videobert.ingest.inputs import assign_ids, expand_inputs


def cue(start, end, *lines):
    return {"start": start, "end": end, "lines": list(lines)}


def meta(key, status="success", **extra):
    return {"url": f"https://www.youtube.com/watch?v={key}", "caption": None, "key": key, "status": status,
            "error_message": None if status == "success" else "ERROR: [youtube] Video unavailable",
            "yt_meta_dict": {}, **extra}


def write_shard(path, samples, parquet=None):
    """samples: key -> {ext: bytes | str | dict}; parquet: rows (key, status) for NNNNN.parquet."""
    with tarfile.open(path, "w") as tf:  # uncompressed, like webdataset's TarWriter
        for key, members in samples.items():
            for ext, data in members.items():
                if isinstance(data, dict):
                    data = json.dumps(data, indent=4)
                if isinstance(data, str):
                    data = data.encode("utf-8")
                ti = tarfile.TarInfo(f"{key}.{ext}")
                ti.size, ti.mtime = len(data), 0
                tf.addfile(ti, io.BytesIO(data))
    if parquet is not None:
        pa = pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        keys, statuses = zip(*parquet)
        pq.write_table(pa.table({"url": [f"u/{k}" for k in keys], "key": list(keys), "status": list(statuses),
                                 "error_message": [None] * len(keys)}), path.with_suffix(".parquet"))
    return path


@pytest.fixture
def clip_bytes(tmp_path, make_video):
    """A 2 s video (1 clip at 20 fps) with a 440 Hz tone, as bytes."""
    return make_video(tmp_path / "src.mp4", 25, 50, audio=True).read_bytes()


@pytest.fixture
def shard_dir(tmp_path, clip_bytes, make_video):
    """Two shards: every text source, a download video2dataset failed itself, a key with a success
    status but no media (in its .json), one listed only in the parquet, and a clip of a longer video."""
    pytest.importorskip("pyarrow")
    d = tmp_path / "shards"
    d.mkdir()
    subs = {"info": None, "subtitles": {"en": [cue("00:00:00.200", "00:00:01.000", "Cut the onion."),
                                               cue("00:00:01.000", "00:00:01.900", "Now fry it!")]}}
    whisper = {"segments": [{"text": " Add the salt.", "start": 0.1, "end": 0.9},
                            {"text": " Mix well.", "start": 1.2, "end": 1.8}], "language": "en"}
    write_shard(d / "00000.tar", {
        "000000000": {"mp4": clip_bytes, "json": meta("000000000", yt_meta_dict=subs), "txt": "not this one"},
        "000000001": {"mp4": clip_bytes, "json": meta("000000001", whisper_transcript=whisper), "txt": "nor this"},
        "000000002": {"mp4": clip_bytes, "json": meta("000000002"), "txt": "a person slicing onions\n"},
        "000000003": {"json": meta("000000003", status="failed_to_download"), "txt": ""},
        "000000004": {"json": meta("000000004"), "txt": ""},
    }, parquet=[(f"00000000{i}", "failed_to_download" if i == 3 else "success") for i in range(6)])
    clip_subs = [{"start": "00:00:09.000", "end": "00:00:10.500", "lines": {"en": ["stir the"]}},
                 {"start": "00:00:10.500", "end": "00:00:11.500", "lines": {"en": ["soup well."]}}]
    write_shard(d / "00001.tar", {
        "000010000_00001": {"mp4": clip_bytes, "m4a": make_video(tmp_path / "a.mp4", 25, 75, audio=True).read_bytes(),
                            "txt": "",
                            "json": meta("000010000_00001", clips=[["00:00:10.000", "00:00:12.000"]],
                                         clip_subtitles=clip_subs)},
    }, parquet=[("000010000_00001", "success")])
    return d


def test_brace_patterns():
    assert shards.expand_braces("s/{00008..00011}.tar") == [f"s/{i:05d}.tar" for i in range(8, 12)]
    assert shards.expand_braces("{a,b}/{1..2}.tar") == ["a/1.tar", "a/2.tar", "b/1.tar", "b/2.tar"]
    assert shards.expand_braces("plain.tar") == ["plain.tar"]
    assert shards.has_braces("x/{0..3}.tar") and not shards.has_braces("x/{key}.tar")


def test_shard_inputs_ids_and_sources(shard_dir, caplog):
    caplog.set_level(logging.INFO)
    sources = expand_inputs([str(shard_dir / "{00000..00001}.tar")])
    tar0, tar1 = shard_dir / "00000.tar", shard_dir / "00001.tar"
    assert [str(s) for s in sources] == [f"{tar0}#00000000{i}.mp4" for i in range(3)] + [
        f"{tar0}#000000004", f"{tar0}#000000005", f"{tar1}#000010000_00001.mp4"]
    assert "1 key(s) video2dataset did not download, skipped (failed_to_download: 1)" in caplog.text
    assert expand_inputs([shard_dir]) == sources  # a folder of shards
    assert expand_inputs([tar0]) == sources[:5]  # one shard
    ids = [vid for vid, _ in assign_ids(sources)]
    assert ids == ["000000000", "000000001", "000000002", "000000004", "000000005", "000010000_00001"]


def test_member_decodes_like_the_file_it_holds(shard_dir, tmp_path, clip_bytes, tiny_config):
    src = f"{shard_dir / '00000.tar'}#000000002.mp4"
    path, offset, size = shards.member_span(src)
    with open(path, "rb") as f:
        f.seek(offset)
        assert f.read(size) == clip_bytes
    (tmp_path / "plain.mp4").write_bytes(clip_bytes)
    a, b = ClipReader(src, 32), ClipReader(str(tmp_path / "plain.mp4"), 32)
    assert all(np.array_equal(x, y) for x, y in zip(list(a), list(b), strict=True))
    assert (a.t0, a.end, a.num_clips) == (b.t0, b.end, 1)
    assert 40000 > read_audio(src).size == read_audio(str(tmp_path / "plain.mp4")).size > 16000  # the mp4's own audio
    assert read_audio(f"{shard_dir / '00001.tar'}#000010000_00001.mp4").size > 40000  # its 3 s KEY.m4a
    rec = ingest_video(src, tiny_config, video_id="000000002")
    plain = ingest_video(tmp_path / "plain.mp4", tiny_config)
    assert rec.source == src and np.array_equal(rec.features, plain.features)
    assert rec.meta["origin"] == {"shard": str(shard_dir / "00000.tar"), "key": "000000002",
                                  "url": "https://www.youtube.com/watch?v=000000002", "clip": None}


def test_text_of_each_sample(shard_dir, tiny_config, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # --captions-json's index cache
    tar0, tar1 = shard_dir / "00000.tar", shard_dir / "00001.tar"

    def text(src, vid):
        sents, where = pipeline.video_text(src, vid, tiny_config)
        return [(s.text, round(s.start, 3), round(s.end, 3)) for s in sents], where

    assert text(f"{tar0}#000000000.mp4", "000000000") == (
        [("Cut the onion.", 0.2, 1.0), ("Now fry it!", 1.0, 1.9)], "shard:subtitles:en")
    assert text(f"{tar0}#000000001.mp4", "000000001") == (
        [("Add the salt.", 0.1, 0.9), ("Mix well.", 1.2, 1.8)], "shard:whisper")
    assert text(f"{tar0}#000000002.mp4", "000000002") == ([("a person slicing onions", 0.0, 2.0)], "shard:caption")
    # a clip: its subtitles shifted from the source video's time (10 s .. 12 s) to the clip's, cut to it
    assert text(f"{tar1}#000010000_00001.mp4", "000010000_00001") == (
        [("stir the soup well.", 0.0, 1.5)], "shard:subtitles:en")
    assert shards.origin(f"{tar1}#000010000_00001.mp4")["clip"] == [10.0, 12.0]
    assert shards.sample_text(str(tar0)) is None  # not a member

    # among the other sources (docs/formats.md): subtitles > --captions-json > whisper > .txt caption
    raw = shard_dir / "raw_caption.json"
    raw.write_text(json.dumps({k: {"text": ["from the json"], "start": [0], "end": [1]} for k in
                               ("000000000", "000000001", "000000002")}))
    tiny_config = tiny_config.replace(captions_json=str(raw))
    assert text(f"{tar0}#000000000.mp4", "000000000")[1] == "shard:subtitles:en"
    assert text(f"{tar0}#000000001.mp4", "000000001") == ([("from the json", 0.0, 1.0)], "captions-json")
    assert text(f"{tar0}#000000002.mp4", "000000002-1a2b3c4d")[1] == "captions-json"  # by key when the id differs


def test_rolling_auto_subtitles_get_their_spoken_time(tmp_path, clip_bytes):
    """video2dataset keeps the 10 ms cues between YouTube's word-timed ones: each line is taken
    to last from the previous cue's end (when it was spoken) to its own end."""
    subs = {"subtitles": {"de": [cue("00:00:00.000", "00:00:01.000", "hallo")],
                          "en": [cue("00:00:00.500", "00:00:00.510", "hey guys welcome back"),
                                 cue("00:00:01.800", "00:00:01.810", "to my channel")]}}
    tar = write_shard(tmp_path / "00007.tar", {"k": {"mp4": clip_bytes, "json": meta("k", yt_meta_dict=subs)}})
    t = shards.sample_text(f"{tar}#k.mp4")
    assert t.language == "en"
    words = [(w.text, round(w.start, 3), round(w.end, 3)) for w in t.subtitles]
    assert [w for w, _, _ in words] == "hey guys welcome back to my channel".split()
    assert (words[0][1], words[3][2]) == (0.5, 0.51)  # the first line: no cue before it, its own time
    assert (words[4][1], words[-1][2]) == (0.51, 1.81)  # spoken from the previous cue's end


def test_ingest_shards_failures_and_resume(shard_dir, tiny_config, tmp_path):
    out = tmp_path / "corpus"
    s = ingest([str(shard_dir / "{00000..00001}.tar")], out, tiny_config, progress=False)
    assert (s.total, s.done, s.failed) == (6, 4, 2)
    fails = {f["video_id"]: f for f in Corpus(out).failures()}
    assert {k: f["kind"] for k, f in fails.items()} == {"000000004": "missing_media", "000000005": "missing_media"}
    assert "listed as 'success' in 000000004.json but the tar has no video" in fails["000000004"]["reason"]
    assert "listed as 'success' in 00000.parquet but the tar has no video" in fails["000000005"]["reason"]
    c = Corpus(out)
    assert c.video_ids() == ["000000000", "000000001", "000000002", "000010000_00001"]
    assert c.read("000000000").source == f"{shard_dir / '00000.tar'}#000000000.mp4"
    assert c.read("000010000_00001").text_source == "shard:subtitles:en"
    assert not list(out.rglob("*.mp4")) and not list(shard_dir.rglob("*.mp4"))  # nothing unpacked
    again = ingest([shard_dir], out, tiny_config, progress=False)  # the folder: the same videos, already done
    assert (again.skipped, again.done, again.failed) == (4, 0, 2)
    gone = ingest([str(shard_dir / "{00001..00002}.tar")], out, tiny_config, progress=False)  # 00002.tar: none
    assert (gone.skipped, gone.failed) == (1, 1)
    assert {f["video_id"]: f["reason"] for f in gone.failures}["00002"] == f"{shard_dir / '00002.tar'}: no such file"


def test_without_pyarrow_the_parquet_is_not_read(shard_dir, monkeypatch, caplog):
    monkeypatch.setitem(__import__("sys").modules, "pyarrow.parquet", None)  # import fails
    shards._shard.cache_clear()
    shards._no_pyarrow_logged.cache_clear()
    caplog.set_level(logging.WARNING)
    sources = [str(s) for s in expand_inputs([shard_dir / "00000.tar"])]
    shards._shard.cache_clear()
    assert "pyarrow is not installed" in caplog.text
    assert sources[-1].endswith("#000000004")  # its .json still says success without media
    assert not any(s.endswith("#000000005") for s in sources)  # only the parquet listed it


def test_damaged_and_compressed_shards_are_reported(tmp_path, clip_bytes, tiny_config):
    d = tmp_path / "in"
    d.mkdir()
    data = write_shard(d / "00000.tar", {"a": {"mp4": clip_bytes}}).read_bytes()
    cut = write_shard(tmp_path / "b.tar", {"b": {"mp4": clip_bytes}}).read_bytes()
    (d / "00001.tar").write_bytes(cut[: 512 + len(clip_bytes) // 2])  # the tar ends inside b.mp4
    (d / "00002.tar").write_bytes(gzip.compress(data))  # a .tar.gz named .tar
    out = tmp_path / "corpus"
    s = ingest([d], out, tiny_config, progress=False)
    fails = {f["video_id"]: f for f in Corpus(out).failures()}
    assert s.done == 1 and Corpus(out).video_ids() == ["a"]
    assert fails["b"]["kind"] == "truncated" and "the tar ends inside this member" in fails["b"]["reason"]
    assert fails["00002"]["kind"] == "unreadable"
    assert "not a readable uncompressed tar shard" in fails["00002"]["reason"]
