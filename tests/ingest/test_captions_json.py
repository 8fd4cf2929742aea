"""--captions-json: HowTo100M's raw_caption.json layout as a text source."""
import json

import pytest

from videobert.ingest import captions_json, ingest, pipeline
from videobert.ingest.captions_json import CaptionsJsonError, caption_lines, captions_index, captions_json_words

# HowTo100M's lines are rolling YouTube captions: each overlaps the next, some repeat
RAW = {
    "ytid_cook": {"text": ["so today we are going to", "so today we are going to", "make a quick tomato soup",
                           float("nan"), "first chop the onions"],
                  "start": [0.0, 0.4, 2.0, 3.0, 4.0], "end": [3.0, 3.1, 5.5, 3.5, 6.0]},
    "é-other": {"text": ["héllo"], "start": [1], "end": [2]},
    "empty": {"text": [], "start": [], "end": []},
}


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the index cache, not the user's
    captions_json._index.cache_clear()
    yield
    captions_json._index.cache_clear()


def write_raw(tmp_path, data=RAW, name="raw_caption.json"):
    p = tmp_path / name
    p.write_text(json.dumps(data, ensure_ascii=False))  # NaN as HowTo100M has it
    return p


@pytest.mark.parametrize("chunk", [7, 1 << 20])  # entries and keys cut by the read buffer, and not
def test_index_reads_each_entry_alone(tmp_path, monkeypatch, chunk):
    p = write_raw(tmp_path)
    monkeypatch.setattr(captions_json, "CHUNK", chunk)
    captions_json._index.cache_clear()
    idx = captions_index(p)
    assert list(idx) == ["ytid_cook", "é-other", "empty"]
    data = p.read_bytes()
    for vid, (offset, length) in idx.items():
        assert json.loads(data[offset: offset + length]) == json.loads(json.dumps(RAW[vid]))
    captions_json._index.cache_clear()


def test_index_is_cached_on_disk_per_file_version(tmp_path, monkeypatch):
    p = write_raw(tmp_path)
    first = captions_index(p)
    assert len(list((tmp_path / "cache" / "videobert" / "captions-json").glob("raw_caption-*.json"))) == 1
    captions_json._index.cache_clear()  # e.g. a worker process: loads the cache instead of scanning
    monkeypatch.setattr(captions_json, "_scan", lambda path: pytest.fail("scanned again"))
    assert captions_index(p) == first
    captions_json._index.cache_clear()
    write_raw(tmp_path, {"new": {"text": ["x"], "start": [0], "end": [1]}})  # changed: indexed again
    with pytest.raises(pytest.fail.Exception, match="scanned again"):
        captions_index(p)


def test_lines_merged_and_cut_then_words():
    lines = caption_lines(RAW["ytid_cook"])
    assert lines == [("so today we are going to", 0.0, 2.0), ("make a quick tomato soup", 2.0, 4.0),
                     ("first chop the onions", 4.0, 6.0)]  # repeat merged, NaN line skipped, overlaps cut
    assert caption_lines({"text": ["add salt", "add salt and pepper"], "start": [1, 1.5], "end": [2, 3]}) == [
        ("add salt and pepper", 1.0, 3.0)]  # a line extending the previous one replaces it
    # HowTo100M's captions are YouTube's: sound tags are not narration
    assert caption_lines({"text": ["[Music]", "now [Applause] stir"], "start": [0, 2], "end": [2, 4]}) == [
        ("now stir", 2.0, 4.0)]


def test_words_by_id_then_stem(tmp_path):
    p = write_raw(tmp_path)
    assert captions_json_words(p, ("nope",)) is None
    words = captions_json_words(p, ("ytid_cook-1a2b3c4d", "ytid_cook"))
    assert words[0].text == "so" and words[0].start == 0.0 and words[-1].text == "onions" and words[-1].end == 6.0
    assert captions_json_words(p, ("empty",)) == []


@pytest.mark.parametrize("text, match", [
    ("[1, 2]", "expected a JSON object of video ids"),
    ('{"a": {"text": []}, "b" 1}', "expected ':' after 'b' at byte"),
    ('{"a": {"text": [1, }', "invalid JSON at byte 6"),
])
def test_bad_files_name_the_file_and_byte(tmp_path, text, match):
    p = tmp_path / "bad.json"
    p.write_text(text)
    with pytest.raises(CaptionsJsonError, match=match) as e:
        captions_index(p)
    assert str(p) in str(e.value)


def test_bad_entry_names_the_video(tmp_path):
    p = write_raw(tmp_path, {"v": {"text": ["a", "b"], "start": [0], "end": [1, 2]}})
    with pytest.raises(CaptionsJsonError, match=r"video 'v': 'text', 'start', 'end' differ in length \(2, 1, 2\)"):
        captions_json_words(p, ("v",))


def test_place_among_the_text_sources(tmp_path, make_video, tiny_config):
    video = make_video(tmp_path / "ytid_cook.mp4", 25, 50)
    raw = write_raw(tmp_path)
    ann = tmp_path / "yc2.json"
    ann.write_text(json.dumps({"database": {"ytid_cook": {"annotations": [{"segment": [0, 2], "sentence": "x"}]}}}))
    cfg = tiny_config.replace(captions_json=str(raw), annotations=str(ann))
    sents, where = pipeline.video_text(str(video), "ytid_cook", cfg)
    assert where == "captions-json"  # before the annotations
    assert [(s.text, s.start, s.end) for s in sents] == [
        ("so today we are going to make a quick tomato soup first chop the onions", 0.0, 6.0)]  # no punctuation
    (tmp_path / "ytid_cook.vtt").write_text("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nFrom the file.\n")
    assert pipeline.video_text(str(video), "ytid_cook", cfg)[1].startswith("captions:")  # a caption file first


def test_ingest_fails_once_on_a_bad_file(tmp_path, make_video, tiny_config):
    make_video(tmp_path / "v.mp4", 25, 50)
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    with pytest.raises(CaptionsJsonError, match="expected a JSON object"):
        ingest([tmp_path / "v.mp4"], tmp_path / "corpus", tiny_config.replace(captions_json=str(bad)), progress=False)
