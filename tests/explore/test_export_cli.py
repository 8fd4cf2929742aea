"""`videobert explore CORPUS --export DIR`: static pages with relative links and copied media."""
from __future__ import annotations

import re

from videobert.cli import main


def test_export_writes_static_pages(demo_dir, tmp_path, monkeypatch, capsys):
    from videobert.explore import app as explore_app

    monkeypatch.setattr(explore_app, "VIDEOS_PER_PAGE", 3)  # the video list on several pages
    out = tmp_path / "site"
    assert main(["explore", str(demo_dir / "corpus"), "--cache", str(tmp_path / "cache"), "--export", str(out),
                 "--model", str(tmp_path / "no-model")]) == 0
    said = capsys.readouterr()
    assert "--model is not used with --export" in said.err  # said, not silently dropped
    assert "may not play" not in said.out  # the demo's videos are H.264 MP4
    from videobert.corpus import Corpus
    from videobert.vocab import VisualVocab

    ids = Corpus(demo_dir / "corpus").video_ids()
    n = VisualVocab.load(demo_dir / "corpus" / "vocab").num_tokens
    assert (out / "index.html").is_file() and (out / "videos.html").is_file()
    assert all((out / f"word-{i}.html").is_file() and (out / "img" / f"word-{i}.gif").is_file() for i in range(n))
    assert all((out / f"video-{v}.html").is_file() and (out / "media" / f"{v}.mp4").is_file() for v in ids)
    for page in out.glob("*.html"):
        html = page.read_text()
        for link in re.findall(r'(?:href|src)="([^"]*)"', html):
            if link.startswith(("data:", "#")):
                continue
            assert not link.startswith(("/", "http")), (page.name, link)  # relative: opens from disk
            target = link.split("#")[0]
            assert (out / target).is_file(), (page.name, link)
    # the demo's text comes from caption files: a shared site names them, not the folders they sit in
    video_page = (out / f"video-{ids[0]}.html").read_text()
    assert "text: captions: " in video_page and f"captions:{demo_dir}" not in video_page
    vocab = (out / "index.html").read_text()
    assert vocab.count('class="word"') == n
    pages = [out / "videos.html"] + [out / f"videos-{k}.html" for k in range(2, -(-len(ids) // 3) + 1)]
    listed = [v for p in pages for v in re.findall(r'<td><a href="video-([^"]+)\.html">', p.read_text())]
    assert sorted(listed) == sorted(ids) and not (out / f"videos-{len(pages) + 1}.html").exists()
    # marked, so that ingesting the folder it was written in does not take media/'s copies for new videos
    from videobert.ingest.inputs import EXPLORE_EXPORT_MARKER, expand_inputs

    assert (out / EXPLORE_EXPORT_MARKER).is_file() and expand_inputs([tmp_path]) == []


def test_explore_help_and_missing_corpus(tmp_path, capsys):
    assert main(["explore", str(tmp_path / "nothing"), "--export", str(tmp_path / "x")]) == 1
    assert "not a videobert corpus" in capsys.readouterr().err


def test_formats_browsers_may_not_play_are_named():
    from videobert.explore.app import browser_unplayable

    assert browser_unplayable({"container": "mov,mp4,m4a,3gp,3g2,mj2", "codec": "h264"}) is None
    assert browser_unplayable({"container": "matroska,webm", "codec": "vp9"}) is None
    assert browser_unplayable({}) is None  # nothing recorded: nothing said
    assert browser_unplayable({"container": "avi", "codec": "mjpeg"}) == "avi / mjpeg"
    assert browser_unplayable({"container": "mov,mp4,m4a,3gp,3g2,mj2", "codec": "prores"}) == "mov / prores"
    assert browser_unplayable({"container": "mpegts", "codec": "mpeg2video"}) == "mpegts / mpeg2video"


def test_a_caption_files_folders_are_left_out_of_its_name():
    from videobert.explore.pages import source_name

    assert source_name("captions:/home/me/cooking/x.en.vtt") == "captions: x.en.vtt"
    assert source_name("asr:whisper") == "asr:whisper" and source_name("shard:subtitles:en") == "shard:subtitles:en"
    assert source_name("none") == "none" and source_name("captions:") == "captions:"
