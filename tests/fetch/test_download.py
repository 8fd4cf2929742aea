"""Failure classification, caption choice, ids, the probe; HowTo100M captions, YouCook II from an
archive and a start/end section, against the local server (tests/fetch/conftest.py)."""
from __future__ import annotations

import json
import tarfile
import zipfile

import pytest

pytest.importorskip("yt_dlp")

from videobert.fetch import FetchConfig, FetchItem, classify, fetch_howto100m, fetch_items, fetch_youcook2
from videobert.fetch.download import FetchError, caption_name, choose_subtitles, guess_id, probe_media

FAST = dict(retries=1, backoff=0.01, socket_timeout=0.5, workers=2)


def test_classify_youtube_messages():
    from yt_dlp.utils import DownloadError, ExtractorError, GeoRestrictedError

    def kind(e):
        return classify(DownloadError(f"ERROR: {e}", (type(e), e, None))).kind

    assert kind(ExtractorError("[youtube] x: Private video. Sign in if you've been granted access",
                               expected=True)) == "private"
    assert kind(ExtractorError("[youtube] x: Video unavailable. This video has been removed by the uploader",
                               expected=True)) == "unavailable"
    assert kind(GeoRestrictedError("The uploader has not made this video available in your country")) == "geo_blocked"
    err = classify(ExtractorError("Unable to download webpage: HTTP Error 503: Service Unavailable"))
    assert (err.kind, err.status, err.transient) == ("http_status", 503, True)
    err = classify(ExtractorError("Unable to download webpage: HTTP Error 403: Forbidden"))
    assert (err.kind, err.status, err.transient) == ("http_status", 403, False)
    assert classify(TimeoutError("read timed out")).transient
    assert classify(ConnectionResetError(104, "Connection reset by peer")).kind == "network_error"
    assert classify(RuntimeError("something else")).kind == "other"
    assert "please report" not in classify(ExtractorError("boom")).reason  # yt-dlp's bug-report footer dropped


def test_subtitle_choice_manual_first_then_automatic():
    info = {"subtitles": {"de": [{}], "en-GB": [{}]}, "automatic_captions": {"en": [{}], "fr": [{}]}}
    assert choose_subtitles(info, FetchConfig()) == ("en-GB", "manual")
    auto = {"en": [{}], "en-orig": [{}], "de": [{}]}  # YouTube's ASR of an English video (+ translations)
    assert choose_subtitles({"automatic_captions": auto}, FetchConfig()) == ("en-orig", "automatic")
    # a German video: "en" is a machine translation of its German ASR, not English speech
    assert choose_subtitles({"automatic_captions": {"en": [{}], "de-orig": [{}], "de": [{}]}}, FetchConfig()) == (None, None)
    assert choose_subtitles({"automatic_captions": {"en": [{}]}}, FetchConfig()) == ("en", "automatic")
    assert choose_subtitles({"automatic_captions": {"en": [{}]}}, FetchConfig(subs="manual")) == (None, None)
    assert choose_subtitles(info, FetchConfig(subs="none")) == (None, None)
    assert choose_subtitles(info, FetchConfig(lang="de")) == ("de", "manual")


def test_ids_from_urls():
    assert guess_id("https://www.youtube.com/watch?v=GLd3aX16zBg&t=10") == "GLd3aX16zBg"
    assert guess_id("https://youtu.be/GLd3aX16zBg") == "GLd3aX16zBg"
    assert guess_id("http://host/media/my clip.final.mp4?x=1") == "my_clip.final"
    assert caption_name("abc", "en") == "abc.en.vtt" and caption_name("abc", "de") == "abc.vtt"  # names ingest reads


def test_probe_rejects_non_video(tmp_path):
    p = tmp_path / "x.mp4"
    p.write_bytes(b"<html>not found</html>")
    with pytest.raises(FetchError) as e:
        probe_media(p)
    assert e.value.kind == "invalid_media"


def test_missing_yt_dlp_is_one_error_with_the_install_line(monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "yt_dlp", None)
    with pytest.raises(ImportError, match=r"pip install 'videobert\[fetch\]'"):
        fetch_items([FetchItem("http://127.0.0.1:9/a.mp4")], tmp_path / "out", FetchConfig(), False)


def test_config_names_the_bad_field():
    with pytest.raises(ValueError, match="'subs'"):
        FetchConfig(subs="some")
    with pytest.raises(ValueError, match="'workers'"):
        FetchConfig(workers=0)


def test_howto100m_captions_beside_each_video(server, tmp_path):
    server.plan.pop("h1", None)
    ids = tmp_path / "ids.txt"
    ids.write_text("h1\nh2\n")
    caps = tmp_path / "raw_caption.json"
    caps.write_text(json.dumps({"zz": {"text": ["x"], "start": [0], "end": [1]},
                                "h1": {"text": ["crack the eggs", "whisk them"], "start": [0.2, 0.6], "end": [0.6, 0.9]}}))
    cookies = tmp_path / "cookies.txt"
    cookies.write_text("# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc\n")
    before = cookies.read_text()
    out = tmp_path / "out"
    s = fetch_howto100m(ids, caps, out, FetchConfig(subs="none", cookies=str(cookies), **FAST), False,
                        url_template=server.base + "/v/{id}.mp4")
    assert (s.done, s.failed) == (2, 0)
    vtt = (out / "h1.en.vtt").read_text()
    assert "00:00:00.200 --> 00:00:00.600\ncrack the eggs" in vtt
    assert not (out / "h2.en.vtt").exists()  # no caption entry, --subs none
    assert json.loads((out / "h1.info.json").read_text())["subtitles"] == "howto100m"
    assert cookies.read_text() == before  # yt-dlp wrote its jar to a private copy


@pytest.fixture
def youcook2_files(tmp_path, video_bytes):
    db = {"database": {
        "aaaaaaaaaaa": {"subset": "training", "duration": 1.0, "annotations": [
            {"segment": [0, 1], "id": 0, "sentence": "cut the onion"}]},
        "bbbbbbbbbbb": {"subset": "validation", "duration": 1.0, "annotations": []},
        "ccccccccccc": {"subset": "validation", "duration": 1.0, "annotations": []},
    }}
    ann = tmp_path / "youcookii_annotations_trainval.json"
    ann.write_text(json.dumps(db))
    raw = tmp_path / "raw_videos"
    (raw / "training" / "101").mkdir(parents=True)
    (raw / "validation" / "102").mkdir(parents=True)
    (raw / "training" / "101" / "aaaaaaaaaaa.mp4").write_bytes(video_bytes)
    (raw / "validation" / "102" / "bbbbbbbbbbb.webm").write_bytes(b"broken")  # ccccccccccc is missing
    return ann, raw


@pytest.mark.parametrize("packing", ["folder", "zip", "tar.gz"])
def test_youcook2_from_the_raw_video_archive(youcook2_files, tmp_path, packing):
    ann, raw = youcook2_files
    archive = raw
    if packing == "zip":
        archive = tmp_path / "raw_videos.zip"
        with zipfile.ZipFile(archive, "w") as z:
            for f in raw.rglob("*.*"):
                z.write(f, f.relative_to(tmp_path))
    elif packing == "tar.gz":
        archive = tmp_path / "raw_videos.tar.gz"
        with tarfile.open(archive, "w:gz") as t:
            t.add(raw, "raw_videos")
    out = tmp_path / "out"
    s = fetch_youcook2(str(ann), out, FetchConfig(), "all", str(archive), False)
    assert (s.done, s.failed) == (1, 2)
    assert (out / "annotations.json").read_bytes() == ann.read_bytes()  # as is, for ingest/eval --annotations
    assert (out / "aaaaaaaaaaa.mp4").read_bytes() == raw.joinpath("training/101/aaaaaaaaaaa.mp4").read_bytes()
    kinds = {f["video_id"]: f["kind"] for f in json.loads((out / "failures.json").read_text())}
    assert kinds == {"bbbbbbbbbbb": "invalid_media", "ccccccccccc": "unavailable"}
    assert not (out / "bbbbbbbbbbb.webm").exists()
    again = fetch_youcook2(str(ann), out, FetchConfig(), "training", str(archive), False)
    assert (again.skipped, again.done, again.failed) == (1, 0, 0)


@pytest.mark.slow  # ffmpeg re-encodes the cut: ~5 s
def test_section_is_cut_and_captions_shifted(server, tmp_path, video_bytes):
    out = tmp_path / "out"
    s = fetch_items([FetchItem(server.page_url("part"), start=0.4, end=0.9)], out, FetchConfig(**FAST), False)
    assert (s.done, s.failed) == (1, 0), s.failures
    (info_path,) = out.glob("*.info.json")
    info = json.loads(info_path.read_text())
    assert info["video_id"] == "part-1_0.4-0.9" and info["start"] == 0.4
    assert info["duration"] == pytest.approx(0.5, abs=0.1)
    vtt = (out / "part-1_0.4-0.9.en.vtt").read_text()
    assert "00:00:00.000 --> 00:00:00.300\nCut the <b>onion</b>." in vtt
    assert "00:00:00.300 --> 00:00:00.500\nNow fry it in the pan." in vtt
