"""Speech recognition with word timestamps: pocketsphinx (offline) or faster-whisper.

pocketsphinx (``[asr]`` extra) uses the US-English model its wheel ships, so it runs with
no network; its voice activity segmenter cuts the audio into utterances first. faster-whisper
(``[whisper]`` extra) downloads its weights on first use. Both return `Word`s in seconds.
"""
from __future__ import annotations

import functools
import io

import av
import numpy as np

from ..utils.lazy import require
from .sentences import Word

SAMPLE_RATE = 16000


def read_audio(path: str) -> np.ndarray | None:
    """The first audio stream as mono 16 kHz int16 samples, or None when there is none."""
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        chunks = []
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):  # flush
            chunks.append(out.to_ndarray().reshape(-1))
    return np.concatenate(chunks) if chunks else np.zeros(0, np.int16)


@functools.lru_cache(maxsize=1)
def _pocketsphinx_decoder():
    ps = require("pocketsphinx", "asr", "offline speech recognition (--asr pocketsphinx)")
    return ps.Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")


def pocketsphinx_words(samples: np.ndarray) -> list[Word]:
    ps = require("pocketsphinx", "asr", "offline speech recognition (--asr pocketsphinx)")
    decoder = _pocketsphinx_decoder()
    frame_s = 1.0 / decoder.config["frate"]  # pocketsphinx counts 10 ms frames
    words = []
    segmenter = ps.Segmenter(sample_rate=SAMPLE_RATE)
    for seg in segmenter.segment(io.BytesIO(samples.astype(np.int16).tobytes())):
        decoder.start_utt()
        decoder.process_raw(seg.pcm, full_utt=True)
        decoder.end_utt()
        for s in decoder.seg():
            w = s.word
            if w.startswith(("<", "[")) or w in ("", "<sil>"):  # <s>, </s>, <sil>, [NOISE]
                continue
            w = w.split("(")[0]  # alternate pronunciations: "the(2)"
            words.append(Word(w, seg.start_time + s.start_frame * frame_s, seg.start_time + (s.end_frame + 1) * frame_s))
    return words


@functools.lru_cache(maxsize=1)
def _whisper_model(name: str):
    fw = require("faster_whisper", "whisper", "speech recognition with --asr whisper")
    return fw.WhisperModel(name)


def whisper_words(samples: np.ndarray, model: str = "small") -> list[Word]:
    audio = samples.astype(np.float32) / 32768.0
    segments, _ = _whisper_model(model).transcribe(audio, word_timestamps=True)
    return [Word(w.word.strip(), float(w.start), float(w.end)) for seg in segments for w in seg.words or [] if w.word.strip()]


def transcribe(path: str, engine: str, whisper_model: str = "small") -> list[Word]:
    """Words spoken in the video's audio; [] when it has no audio stream."""
    samples = read_audio(path)
    if samples is None or samples.size == 0:
        return []
    if engine == "pocketsphinx":
        return pocketsphinx_words(samples)
    if engine == "whisper":
        return whisper_words(samples, whisper_model)
    raise ValueError(f"unknown ASR engine {engine!r}")
