"""Subtitle tracks inside the video (what `yt-dlp --embed-subs` writes) read as its text."""
import shutil
import subprocess

import pytest

from videobert.corpus import Corpus
from videobert.ingest import ingest
from videobert.ingest.subtitles import embedded_caption_words

SRT = "1\n00:00:00,500 --> 00:00:01,500\nNow we <i>cut</i> the carrots.\n\n2\n00:00:01,800 --> 00:00:03,000\nThen we stir.\n"
ASS_LINES = "Now we cut{\\i1} the{\\i0}\\Ncarrots."


@pytest.fixture
def mux(tmp_path, make_video):
    """mux(name, codec, language, srt=SRT): a 3.2 s video with that subtitle track (ffmpeg CLI)."""
    if not shutil.which("ffmpeg"):
        pytest.skip("no ffmpeg CLI")
    film = make_video(tmp_path / "film.mp4", 25, 80)

    def make(name, codec, language=None, srt=SRT):
        (tmp_path / "subs.srt").write_text(srt, encoding="utf-8")
        out = tmp_path / "videos" / name
        out.parent.mkdir(exist_ok=True)
        lang = ["-metadata:s:s:0", f"language={language}"] if language else []
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(film), "-i", str(tmp_path / "subs.srt"),
                        "-map", "0", "-map", "1", "-c:v", "copy", "-c:s", codec, *lang, str(out)], check=True)
        return out
    return make


@pytest.mark.parametrize("name, codec", [("a.mkv", "srt"), ("b.mp4", "mov_text"), ("c.mkv", "ass"),
                                         ("d.mkv", "webvtt")])
def test_an_english_subtitle_track_is_the_videos_text(mux, name, codec):
    words, lang = embedded_caption_words(mux(name, codec, "eng"))
    assert lang == "eng" and " ".join(w.text for w in words) == "Now we cut the carrots. Then we stir."
    assert words[0].start == pytest.approx(0.5, abs=0.05) and words[-1].end == pytest.approx(3.0, abs=0.05)


def test_ass_line_breaks_and_tags_and_what_is_not_read(mux):
    ass = "1\n00:00:00,500 --> 00:00:02,000\n" + ASS_LINES + "\n"
    words, _ = embedded_caption_words(mux("ass.mkv", "ass", "eng", srt=ass))
    assert [w.text for w in words] == ["Now", "we", "cut", "the", "carrots."]
    assert embedded_caption_words(mux("untagged.mkv", "srt"))[1] == "und"  # no language tag: read
    assert embedded_caption_words(mux("german.mkv", "srt", "ger")) is None  # another language: not read
    plain = mux("plain.mkv", "srt", "eng").parent.parent / "film.mp4"
    assert embedded_caption_words(plain) is None  # no subtitle track
    broken = plain.parent / "broken.mkv"
    broken.write_bytes(b"\x1a\x45\xdf\xa3" + b"\x00" * 200)
    assert embedded_caption_words(broken) is None  # the decoder reports the file, with its kind


def test_ingest_reads_the_track_after_a_caption_file_beside_the_video(mux, tiny_config, tmp_path):
    mux("sub.mkv", "srt", "eng")
    cap = mux("capped.mkv", "srt", "eng")
    cap.with_suffix(".vtt").write_text("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nA file beside it.\n")
    s = ingest([tmp_path / "videos"], tmp_path / "corpus", tiny_config, progress=False)
    assert (s.done, s.failed) == (2, 0)
    corpus = Corpus(tmp_path / "corpus")
    sub, capped = corpus.read("sub"), corpus.read("capped")
    assert sub.text_source == "subtitles:eng" and [x.text for x in sub.sentences] == ["Now we cut the carrots.",
                                                                                       "Then we stir."]
    assert capped.text_source.startswith("captions:") and capped.sentences[0].text == "A file beside it."
