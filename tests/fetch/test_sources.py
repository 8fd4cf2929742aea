"""URL lists, YouCook II / HowTo100M inputs and the caption conversions (no network)."""
from __future__ import annotations

import io
import json

import pytest

from videobert.fetch.download import FetchItem
from videobert.fetch.sources import (
    captions_to_vtt,
    howto100m_items,
    iter_json_object,
    load_captions,
    read_ids,
    read_url_list,
    shift_vtt,
    srt_to_vtt,
    youcook2_items,
)
from videobert.ingest.captions import parse_cues


def test_txt_list_skips_comments_and_blank_lines(tmp_path):
    p = tmp_path / "urls.txt"
    p.write_text("# mine\nhttps://www.youtube.com/watch?v=abcdefghijk\n\n  http://x.org/a.mp4  \n")
    assert read_url_list(p) == [FetchItem("https://www.youtube.com/watch?v=abcdefghijk"), FetchItem("http://x.org/a.mp4")]


def test_csv_and_tsv_lists_with_optional_columns(tmp_path):
    p = tmp_path / "urls.csv"
    p.write_text("URL,video_id,start,end\nhttp://x.org/a.mp4,cook 1,1.5,9\nhttp://x.org/b.mp4,,,\n")
    assert read_url_list(p) == [FetchItem("http://x.org/a.mp4", "cook_1", 1.5, 9.0), FetchItem("http://x.org/b.mp4")]
    t = tmp_path / "urls.tsv"
    t.write_text("url\tstart\nhttp://x.org/a.mp4\t2\n")
    assert read_url_list(t) == [FetchItem("http://x.org/a.mp4", None, 2.0, None)]


def test_parquet_list(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    p = tmp_path / "urls.parquet"
    pq.write_table(pa.table({"url": ["http://x.org/a.mp4", "http://x.org/b.mp4"], "video_id": ["a1", None],
                             "end": [3.0, None]}), p)
    assert read_url_list(p) == [FetchItem("http://x.org/a.mp4", "a1", None, 3.0), FetchItem("http://x.org/b.mp4")]


@pytest.mark.parametrize("text, message", [
    ("video_id\nx\n", "no 'url' column"),
    ("url,start\nhttp://x.org/a.mp4,soon\n", "row 2: start 'soon' is not a number"),
    ("url,start,end\nhttp://x.org/a.mp4,5,4\n", "row 2: end 4.0 is not after start 5.0"),
    ("url\nnot a url\n", "row 2: 'not a url' is not a URL"),
])
def test_bad_list_rows_are_named(tmp_path, text, message):
    p = tmp_path / "urls.csv"
    p.write_text(text)
    with pytest.raises(ValueError, match=message) as e:
        read_url_list(p)
    assert str(p) in str(e.value)


def test_youcook2_split_selection():
    db = {"aaaaaaaaaaa": {"subset": "training", "video_url": "https://www.youtube.com/watch?v=aaaaaaaaaaa"},
          "bbbbbbbbbbb": {"subset": "validation"}}
    assert [i.video_id for i in youcook2_items(db, "validation")] == ["bbbbbbbbbbb"]
    assert youcook2_items(db, "validation")[0].url == "https://www.youtube.com/watch?v=bbbbbbbbbbb"
    assert [i.video_id for i in youcook2_items(db, "all")] == ["aaaaaaaaaaa", "bbbbbbbbbbb"]
    with pytest.raises(ValueError, match="split 'test'"):
        youcook2_items(db, "test")


def test_read_ids_txt_and_howto100m_csv(tmp_path):
    t = tmp_path / "ids.txt"
    t.write_text("# ids\nabc\n\nabc\ndef\n")
    assert read_ids(t) == ["abc", "def"]
    c = tmp_path / "HowTo100M_v1.csv"
    c.write_text("video_id,category_1,category_2,rank,task_id\nnW1S9hwIIbs,Food,Drinks,27,52907\n")
    assert read_ids(c) == ["nW1S9hwIIbs"]


def test_streamed_caption_file_keeps_only_wanted_ids(tmp_path):
    data = {f"vid{i:03d}": {"text": [f"step {i} one", "step two"], "start": [0.5 + i, 3.25], "end": [2.0 + i, 5]}
            for i in range(200)}
    text = json.dumps(data, indent=1)
    # tiny chunks: keys, numbers and strings cut at every possible place
    got = dict(iter_json_object(io.BytesIO(text.encode()), {"vid007", "vid150"}, "x.json", chunk=7))
    assert got == {"vid007": data["vid007"], "vid150": data["vid150"]}
    assert dict(iter_json_object(io.BytesIO(text.encode()), None, "x.json", chunk=13)) == data
    p = tmp_path / "raw_caption.json"
    p.write_text(text)
    assert load_captions(p, ["vid199", "nope"]) == {"vid199": data["vid199"]}
    with pytest.raises(ValueError, match="x.json: JSON ends early"):
        list(iter_json_object(io.BytesIO(text[:-40].encode()), None, "x.json", chunk=64))


def test_howto100m_captions_become_vtt_that_ingest_reads(tmp_path):
    entry = {"text": ["and now we add the <salt>", "stir it well"], "start": [4.0, 1.5], "end": [6.25, 3.5]}
    vtt = captions_to_vtt(entry, "raw_caption.json: v1")
    path = tmp_path / "v1.en.vtt"
    path.write_text(vtt)
    cues = parse_cues(path)
    assert [(c.start, c.end, c.lines) for c in cues] == [(1.5, 3.5, ("stir it well",)),
                                                         (4.0, 6.25, ("and now we add the <salt>",))]
    items, missing = howto100m_items(["v1", "v2"], {"v1": entry}, url_template="http://mirror/{id}.mp4")
    assert missing == ["v2"] and items[0].vtt == vtt and items[1].vtt is None
    assert items[0].url == "http://mirror/v1.mp4" and items[0].source == "howto100m"
    with pytest.raises(ValueError, match="differ in length"):
        captions_to_vtt({"text": ["a"], "start": [0, 1], "end": [1]}, "x")


def test_shift_vtt_cuts_a_section():
    vtt = ("WEBVTT\nKind: captions\n\n00:00:01.000 --> 00:00:02.000\nbefore\n\n"
           "00:00:09.000 --> 00:00:11.000 align:start\nacross <00:00:10.500><c>start</c>\n\n"
           "00:00:12.000 --> 00:00:13.000\ninside\n\n00:00:19.000 --> 00:00:25.000\nacross end\n\n"
           "00:00:30.000 --> 00:00:31.000\nafter\n")
    out = shift_vtt(vtt, 10.0, 20.0)
    assert out.splitlines()[0] == "WEBVTT"
    assert "before" not in out and "after" not in out
    assert "00:00:00.000 --> 00:00:01.000 align:start\nacross <00:00:00.500><c>start</c>" in out
    assert "00:00:02.000 --> 00:00:03.000\ninside" in out and "00:00:09.000 --> 00:00:10.000\nacross end" in out


def test_srt_to_vtt():
    srt = "1\r\n00:00:01,500 --> 00:00:02,000\r\nhello\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,250\r\nworld\r\n"
    assert srt_to_vtt(srt) == "WEBVTT\n\n00:00:01.500 --> 00:00:02.000\nhello\n\n00:00:03.000 --> 00:00:04.250\nworld\n"
