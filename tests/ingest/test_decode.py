import math
import os
import wave
from fractions import Fraction

import numpy as np
import pytest

from videobert.ingest.decode import ClipReader, DecodeError, resized_shape


def read(path, **kw):
    r = ClipReader(str(path), kw.pop("size", 32), **kw)
    return r, list(r)


def expected_grid(duration: Fraction, fps=20, clip=30, min_last=15):
    grid = math.ceil(duration * fps)
    full, tail = divmod(grid, clip)
    return grid, full + (tail >= min_last)


@pytest.mark.parametrize(
    "fps,n_frames",
    [(Fraction(24000, 1001), 100), (25, 80), (Fraction(30000, 1001), 90), (30, 100), (60, 150)],
)
def test_clip_grid_is_exact(tmp_path, make_video, frame_level, fps, n_frames):
    level = frame_level
    path = make_video(tmp_path / "v.mp4", fps, n_frames)
    r, clips = read(path)
    duration = n_frames / Fraction(fps)  # last frame lasts 1/fps
    grid, n_clips = expected_grid(duration)
    assert (r.t0, r.end) == (0, duration)
    assert r.num_grid_frames == grid
    assert len(clips) == r.num_clips == n_clips
    assert r.clip_starts() == [Fraction(3, 2) * i for i in range(n_clips)]
    assert all(c.shape == (30, 32, 32, 3) and c.dtype == np.uint8 for c in clips)
    # Sample-and-hold: grid frame k shows source frame floor(k / 20 * fps).
    n = min(grid, 30 * len(clips))  # real (not padded) frames kept
    got = np.concatenate(clips)[:n, 16, 16, 0].astype(int)
    want = np.array([level(math.floor(Fraction(k, 20) * Fraction(fps))) for k in range(n)])
    assert np.abs(got - want).max() <= 3


def test_last_partial_clip_policy(tmp_path, make_video):
    # 57 frames at 25 fps = 2.28 s -> ceil(45.6) = 46 grid frames: 1 clip + 16 -> kept, padded.
    r, clips = read(make_video(tmp_path / "keep.mp4", 25, 57))
    assert (r.num_grid_frames, r.num_clips, r.last_clip_frames) == (46, 2, 16)
    assert (clips[1][16:] == clips[1][15]).all()
    r, clips = read(make_video(tmp_path / "drop.mp4", 25, 55))  # 2.2 s -> 44 frames: tail 14 dropped
    assert (r.num_grid_frames, r.num_clips, r.last_clip_frames) == (44, 1, 30)
    r, clips = read(make_video(tmp_path / "edge.mp4", 25, 56))  # 2.24 s -> ceil(44.8) = 45: tail 15 kept
    assert (r.num_grid_frames, r.num_clips, r.last_clip_frames) == (45, 2, 15)


def test_variable_frame_rate(tmp_path, make_video, frame_level):
    level = frame_level
    pts = [0, 40, 70, 200, 210, 400, 430, 900, 1000, 1010, 1500, 1700, 1990]  # ms, irregular
    path = make_video(tmp_path / "vfr.mkv", 30, pts_ms=pts)
    r, clips = read(path, min_last_clip_frames=1)
    end = Fraction(1990, 1000) + Fraction(1, 30)  # matroska stores the nominal 1/30 s frame duration, in ms
    end = Fraction(round(end * 1000), 1000)
    assert r.end == end
    grid = math.ceil(end * 20)
    assert r.num_grid_frames == grid and r.num_clips == 2
    n = min(grid, 60)
    got = np.concatenate(clips)[:n, 16, 16, 0].astype(int)
    shown = [max(i for i, t in enumerate(pts) if Fraction(t, 1000) <= Fraction(k, 20)) for k in range(n)]
    assert np.abs(got - np.array([level(i) for i in shown])).max() <= 3


@pytest.mark.parametrize("ext", ["mp4", "mkv", "webm", "avi", "mov"])
@pytest.mark.parametrize("audio", [False, True])
def test_containers_with_and_without_audio(tmp_path, make_video, ext, audio):
    path = make_video(tmp_path / f"v.{ext}", 25, 40, audio=audio)
    r, clips = read(path)
    assert r.end == Fraction(40, 25) and len(clips) == 1  # 1.6 s -> 32 grid frames -> 1 clip, tail 2 dropped
    assert r.info["width"] == 64 and r.info["frames"] == 40


def test_resize_and_center_crop(tmp_path, make_video):
    assert resized_shape(320, 240, 112) == (112, 149)  # short side, aspect kept
    assert resized_shape(240, 320, 112) == (149, 112)
    assert resized_shape(1280, 720, (128, 128)) == (128, 128)  # exact (S3D weights' transform)
    path = make_video(tmp_path / "wide.mp4", 25, 40, size=(96, 48))
    r, clips = read(path, size=40, resize=(46, 46))
    assert clips[0].shape == (30, 40, 40, 3)


def test_failure_kinds(tmp_path, make_video):
    def kind(p, **kw):
        with pytest.raises(DecodeError) as e:
            read(p, **kw)
        return e.value.kind

    assert kind(tmp_path / "missing.mp4") == "unreadable"
    assert kind(tmp_path) == "unreadable"
    (tmp_path / "empty.mp4").write_bytes(b"")
    assert kind(tmp_path / "empty.mp4") == "zero_length"
    for i in range(3):
        (tmp_path / f"junk{i}.mp4").write_bytes(np.random.default_rng(i).bytes(4096))
        assert kind(tmp_path / f"junk{i}.mp4") == "corrupt"

    good = make_video(tmp_path / "good.mp4", 25, 150).read_bytes()  # index ('moov') at the end
    (tmp_path / "cut.mp4").write_bytes(good[: len(good) // 2])
    assert kind(tmp_path / "cut.mp4") == "truncated"
    mkv = make_video(tmp_path / "good.mkv", 25, 150).read_bytes()  # header declares 6 s
    (tmp_path / "cut.mkv").write_bytes(mkv[: len(mkv) // 2])
    assert kind(tmp_path / "cut.mkv") == "truncated"

    with wave.open(str(tmp_path / "audio.wav"), "wb") as w:  # audio only
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(np.zeros(16000, np.int16).tobytes())
    assert kind(tmp_path / "audio.wav") == "no_video_stream"
    assert kind(make_video(tmp_path / "short.mp4", 25, 10)) == "too_short"  # 0.4 s: 8 grid frames < 15
    if os.geteuid() != 0:  # root reads anything
        (tmp_path / "locked.mp4").write_bytes(good)
        os.chmod(tmp_path / "locked.mp4", 0)
        assert kind(tmp_path / "locked.mp4") == "unreadable"


def _half_bright_video(path, rotation: int, w: int = 96, h: int = 48, n: int = 40):
    """Top half bright, bottom half dark (as stored), with a display-matrix rotation (degrees ccw)."""
    import av

    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=20)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        if rotation:
            s.set_display_rotation(rotation)
        img = np.full((h, w, 3), 20, np.uint8)
        img[: h // 2] = 220
        for _ in range(n):
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def _ffmpeg_rotated(src, dst):
    """`src` remuxed by the ffmpeg CLI with rotate=90 metadata (a phone video's display matrix)."""
    import shutil
    import subprocess

    if not shutil.which("ffmpeg"):
        pytest.skip("no ffmpeg CLI")
    for opts in (["-display_rotation", "90", "-i", str(src)], ["-i", str(src), "-metadata:s:v", "rotate=90"]):
        if subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *opts, "-c", "copy", str(dst)]).returncode == 0:
            return dst
    pytest.skip("this ffmpeg writes no rotation")


@pytest.mark.parametrize("how", ["pyav", "ffmpeg"])
def test_display_rotation_is_applied_and_recorded(tmp_path, how):
    upright, clips = read(_half_bright_video(tmp_path / "plain.mp4", 0), size=48)
    assert upright.info["rotation"] == 0
    top, bottom = clips[0][0, :12].mean(), clips[0][0, -12:].mean()
    assert top > 150 > 60 > bottom  # as stored: bright on top

    if how == "pyav":
        path = _half_bright_video(tmp_path / "phone.mp4", 90)
    else:
        path = _ffmpeg_rotated(tmp_path / "plain.mp4", tmp_path / "phone.mp4")
    r, clips = read(path, size=48)
    assert r.info["rotation"] == 90 and (r.info["width"], r.info["height"]) == (96, 48)
    frame = clips[0][0]  # 96x48 shown as 48 wide x 96 tall: short side 48 = the whole width
    left, right = frame[:, :12].mean(), frame[:, -12:].mean()
    assert left > 150 > 60 > right  # turned 90 degrees counterclockwise, as a player shows it
    assert abs(frame[:12].mean() - frame[-12:].mean()) < 10


def test_the_film_is_read_not_a_cover_picture_stored_as_the_first_track(tmp_path, make_video):
    import shutil
    import subprocess

    import av as pyav

    from videobert.utils.media import main_stream

    if not shutil.which("ffmpeg"):
        pytest.skip("no ffmpeg CLI")
    film = make_video(tmp_path / "film.mp4", 25, 80)  # 3.2 s: 2 clips
    cover = tmp_path / "cover.png"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "color=red:size=32x32", "-frames:v", "1",
                    str(cover)], check=True)
    mkv = tmp_path / "with_cover.mkv"  # track 0: a one-frame PNG; track 1: the film
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(film), "-i", str(cover), "-map", "1", "-map", "0",
                    "-c", "copy", str(mkv)], check=True)
    with pyav.open(str(mkv)) as c:
        assert c.streams.video[0].codec_context.name == "png"
        assert main_stream(c, "video").codec_context.name == "h264"
    plain, a = read(film, size=32)
    covered, b = read(mkv, size=32)
    assert covered.info["codec"] == "h264" and len(a) == len(b) == 2
    assert all(np.array_equal(x, y) for x, y in zip(a, b))  # the film's own frames
    with pyav.open(str(cover)) as c:
        assert main_stream(c, "video").codec_context.name == "png"  # a lone picture is still the video


def test_times_are_on_the_players_clock_when_the_container_starts_late(tmp_path, make_video):
    # MPEG-TS from a camcorder starts at ~1.4 s, a broadcast recording hours in; caption files and
    # speech recognition count from the start a player shows as 0:00
    import shutil
    import subprocess

    if not shutil.which("ffmpeg"):
        pytest.skip("no ffmpeg CLI")
    film = make_video(tmp_path / "film.mp4", 25, 80)
    ts = tmp_path / "late.ts"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(film), "-c", "copy", "-output_ts_offset", "3600",
                    str(ts)], check=True)
    plain, a = read(film, size=32)
    late, b = read(ts, size=32)
    assert late.t0 < Fraction(1, 10) and late.duration == plain.duration  # not 3,601 s in
    assert [round(float(x - late.t0), 6) for x in late.clip_starts()] == [0.0, 1.5]
    assert len(a) == len(b) == 2 and all(np.array_equal(x, y) for x, y in zip(a, b))


# ---- `frames`: only the positions a backbone reads are converted (issue 29) ---------------------
@pytest.mark.parametrize("frames", [(5, 15, 25), (0, 0, 29), (29, 3)])
def test_frames_option_gives_the_same_rows_as_full_clips(tmp_path, make_video, frames):
    # 57 frames at 25 fps: one full clip and a 16-frame tail padded with its last frame.
    path = make_video(tmp_path / "v.mp4", 25, 57)
    full_r, full = read(path)
    part_r, part = read(path, frames=frames)
    assert len(part) == len(full) == 2
    for a, b in zip(full, part):
        assert b.shape == (len(frames), 32, 32, 3)
        np.testing.assert_array_equal(b, a[list(frames)])  # bitwise, padded tail rows included
    for attr in ("num_grid_frames", "num_clips", "last_clip_frames", "t0", "end"):
        assert getattr(part_r, attr) == getattr(full_r, attr)


def test_frames_option_converts_only_those_frames(tmp_path, make_video, monkeypatch):
    path = make_video(tmp_path / "v.mp4", 25, 100)  # 4 s: 80 grid frames, 2 clips + a 20-frame tail
    calls = []
    orig = ClipReader._convert
    monkeypatch.setattr(ClipReader, "_convert", lambda self, f: calls.append(1) or orig(self, f))
    read(path)
    all_calls, calls[:] = len(calls), []
    read(path, frames=(5, 15, 25))
    assert all_calls == 80
    assert len(calls) == 3 * 2 + 2 + 1  # 3 a clip; the tail's positions 5 and 15, then its pad for 25


@pytest.mark.parametrize("frames", [(), (30,), (-1, 3)])
def test_frames_option_refuses_positions_outside_a_clip(tmp_path, frames):
    with pytest.raises(ValueError, match="clip_frames=30"):
        ClipReader(str(tmp_path / "v.mp4"), 32, frames=frames)


@pytest.mark.parametrize("pool, n", [("mean", 3), ("mean+motion", 4)])
def test_frame_backbone_features_are_bitwise_those_of_full_clips(tmp_path, make_video, pool, n):
    """The decoder passing only the sampled frames must not change one bit of the features."""
    pytest.importorskip("efficientnet_lite_pytorch")
    import torch

    from videobert.ingest.backbones import create_backbone
    from videobert.ingest.pipeline import extract_features

    torch.set_num_threads(1)
    bb = create_backbone("efficientnet_lite0", "random", 32, "cpu", frames=n,
                         pool=None if pool == "mean" else pool)
    used = bb.clip_frame_indices(30)
    assert len(used) == n
    # constant rate with a padded tail, and variable frame rate (frames held across clips)
    paths = [make_video(tmp_path / "c.mp4", 25, 90),
             make_video(tmp_path / "vfr.mp4", pts_ms=[0, 40, 80, 900, 940, 1700, 2500, 2540, 3300, 4000])]
    for path in paths:
        full, _ = extract_features(ClipReader(str(path), 32, bb.resize), bb, batch_size=2)
        part, _ = extract_features(ClipReader(str(path), 32, bb.resize, frames=used), bb, batch_size=2)
        assert full.shape[0] >= 2
        assert full.tobytes() == part.tobytes()


def test_pictures_turn_a_rotated_video_as_ingest_does(tmp_path):
    """Exemplar pictures and the explorer's frames (`vocab.pictures.frame_images`) read the display
    rotation as the decoder does (`utils.media.quarter_turns`): the same upright picture."""
    from videobert.vocab.pictures import frame_images

    (img,) = frame_images(_half_bright_video(tmp_path / "phone.mp4", 90), [0.5])
    px = np.asarray(img.convert("L")).astype(float)
    assert img.size == (48, 96)  # 96x48 stored, shown 48 wide and 96 tall
    assert px[:, :12].mean() > 150 > 60 > px[:, -12:].mean()  # bright on the left, as in the clips
    (plain,) = frame_images(_half_bright_video(tmp_path / "plain.mp4", 0), [0.5])
    assert plain.size == (96, 48)
