from __future__ import annotations

import json
import re

import av
import numpy as np
import pytest

from videobert.synth import NOUNS, VERBS, SynthConfig, generate, load_ground_truth
from videobert.synth.audio import espeak_path
from videobert.utils.config import ConfigError

from .conftest import TINY


def decode(path):
    """(frames (N, H, W, 3) uint8, video stream facts, audio stream facts or None)."""
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        info = {"fps": vs.average_rate, "codec": vs.codec_context.name, "pix_fmt": vs.codec_context.pix_fmt,
                "size": (vs.width, vs.height)}
        audio = None
        if c.streams.audio:
            a = c.streams.audio[0]
            audio = {"codec": a.codec_context.name, "rate": a.rate, "channels": a.codec_context.channels}
        frames = np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])
        if audio is not None:
            c.seek(0)
            audio["samples"] = sum(f.samples for f in c.decode(audio=0))
    return frames, info, audio


def assert_same_frames(a, b):
    """The same video, pixel for pixel. (Once, with the encoder converting RGB itself, a video
    now and then came out a few levels apart within a pytest session; synth converts to
    yuv420p itself since, see generator.rgb_to_yuv420p.)"""
    assert a.shape == b.shape and np.array_equal(a, b)


def parse_vtt(text):
    cues = re.findall(r"(\d\d):(\d\d):(\d\d\.\d{3}) --> (\d\d):(\d\d):(\d\d\.\d{3})\n(.+)\n", text)

    def sec(h, m, s):
        return int(h) * 3600 + int(m) * 60 + float(s)

    return [(sec(*c[0:3]), sec(*c[3:6]), c[6]) for c in cues]


def test_same_seed_is_identical(make_synth):
    a, b = make_synth("a"), make_synth("a_again")
    for name in ("annotations.json", "ground_truth.json", "synth_0000.vtt", "synth_0001.vtt", "synth_0002.vtt"):
        assert (a.out_dir / name).read_bytes() == (b.out_dir / name).read_bytes(), name
    for vid in ("synth_0000", "synth_0001", "synth_0002"):
        assert a.video_path(vid).read_bytes() == b.video_path(vid).read_bytes(), vid
        assert_same_frames(decode(a.video_path(vid))[0], decode(b.video_path(vid))[0])


def test_other_seed_differs(make_synth):
    a, c = make_synth("a"), make_synth("seed1", seed=1)
    assert (a.out_dir / "annotations.json").read_text() != (c.out_dir / "annotations.json").read_text()
    fa, _, _ = decode(a.video_path("synth_0000"))
    fc, _, _ = decode(c.video_path("synth_0000"))
    n = min(len(fa), len(fc))
    assert np.abs(fa[:n].astype(int) - fc[:n]).mean() > 5


def test_every_step_is_narrated_near_its_segment(make_synth):
    r = make_synth("a")
    for v in r.videos:
        cues = parse_vtt(r.captions_path(v.video_id).read_text())
        assert [(round(s, 3), round(e, 3), t) for s, e, t in cues] == \
            [(round(c.start, 3), round(c.end, 3), c.text + ".") for c in v.cues]
        for (s0, e0, _), (s1, _, _) in zip(cues, cues[1:]):
            assert s0 < e0 <= s1  # one sentence at a time
        assert cues[-1][1] <= v.duration
        for st in v.steps:
            near = [t for s, _, t in cues if st.start - 1.5 <= s <= st.end
                    and re.search(rf"\b{st.verb}\b.*\b{st.noun}\b", t)]
            assert near, f"{v.video_id}: step {st} has no caption near it in {cues}"
        for a, b in v.idles:  # idle stretches carry no filler talk
            assert not [c for c in v.cues if c.step is None and c.start < b and c.end > a]


def test_mp4_decodes_at_the_stated_fps_and_duration(make_synth):
    r = make_synth("a")
    for v in r.videos:
        frames, info, audio = decode(r.video_path(v.video_id))
        assert info == {"fps": 25, "codec": "h264", "pix_fmt": "yuv420p", "size": (64, 48)}
        assert frames.shape == (round(v.duration * 25), 48, 64, 3)
        assert (audio is not None) == r.audio
        if audio:
            assert audio["codec"] == "aac" and audio["rate"] == 16000 and audio["channels"] == 1
            assert abs(audio["samples"] / 16000 - v.duration) < 0.2


@pytest.mark.skipif(espeak_path() is None, reason="espeak-ng not installed")
def test_audio_present_iff_narrated(make_synth):
    with_audio, without = make_synth("a"), make_synth("mute", audio=False, videos=1)
    assert with_audio.audio and not without.audio
    assert decode(with_audio.video_path("synth_0000"))[2] is not None
    assert decode(without.video_path("synth_0000"))[2] is None
    assert json.loads((without.out_dir / "synth_config.json").read_text())["audio_used"] is False


def test_youcook2_annotations_and_split(make_synth):
    r = make_synth("a")
    db = json.loads(r.annotations_path.read_text())["database"]
    assert sorted(db) == [v.video_id for v in r.videos]
    verbs = (r.out_dir / "verbs.txt").read_text().split()
    nouns = (r.out_dir / "nouns.txt").read_text().split()
    assert verbs == list(VERBS) and nouns == list(NOUNS) and len(verbs) >= 6 and len(nouns) >= 8
    for vid, entry in db.items():
        assert set(entry) == {"subset", "duration", "recipe_type", "annotations"}
        assert entry["subset"] in ("training", "validation")
        assert [a["id"] for a in entry["annotations"]] == list(range(len(entry["annotations"])))
        for a in entry["annotations"]:
            s, e = a["segment"]
            assert 0 <= s < e <= entry["duration"]
            m = re.fullmatch(r"(\w+) the (small|big) (\w+) (\w+)( and put it (in the bowl|on the plate|in the pot))?",
                             a["sentence"])
            assert m and m[1] in verbs and m[4] in nouns, a["sentence"]
    assert sorted(e["subset"] for e in db.values()) == ["training", "training", "validation"]


def test_ground_truth_round_trip(make_synth):
    r = make_synth("a")
    back = load_ground_truth(r.out_dir)
    assert back.videos == r.videos and back.config == r.config and back.audio == r.audio


def test_resume_skips_finished_and_refuses_other_config(tmp_path):
    r = generate(tmp_path, SynthConfig(**TINY))  # its own copy: this test deletes and rewrites files
    done = r.video_path("synth_0000").stat().st_mtime_ns
    old = decode(r.video_path("synth_0002"))[0]
    r.captions_path("synth_0002").unlink()  # as if killed before the vtt was written
    again = generate(r.out_dir, r.config)
    assert again.videos == r.videos
    assert r.video_path("synth_0000").stat().st_mtime_ns == done
    assert_same_frames(decode(r.video_path("synth_0002"))[0], old)
    with pytest.raises(ValueError, match="different synth config"):
        generate(r.out_dir, r.config.replace(fps=24))


def test_config_names_the_bad_field():
    with pytest.raises(ConfigError, match="width"):
        SynthConfig(width=63)
    with pytest.raises(ConfigError, match="steps_max"):
        SynthConfig(steps_min=4, steps_max=3)


def test_cli(tmp_path):
    from videobert.cli import main

    assert main(["synth", str(tmp_path), "--videos", "1", "--size", "64x48", "--fps", "24",
                 "--steps-min", "1", "--steps-max", "1", "--no-audio"]) == 0
    r = load_ground_truth(tmp_path)
    assert r.config.fps == 24 and not r.audio and len(r.videos[0].steps) == 1
    assert (tmp_path / "synth_0000.mp4").is_file() and (tmp_path / "synth_0000.vtt").is_file()


def test_without_espeak_there_is_no_audio_stream(tmp_path, monkeypatch, caplog):
    import videobert.synth.generator as gen

    monkeypatch.setattr(gen, "espeak_path", lambda: None)
    r = generate(tmp_path, SynthConfig(videos=1, width=64, height=48, steps_min=1, steps_max=1))
    assert not r.audio and "espeak-ng is not on PATH" in caplog.text
    assert decode(r.video_path("synth_0000"))[2] is None
    assert r.captions_path("synth_0000").read_text().startswith("WEBVTT")


def test_rgb_to_yuv420p_matches_the_int32_formula():
    """The uint16 conversion gives the bytes of the plain BT.601 integer formula, extremes included."""
    from videobert.synth.generator import rgb_to_yuv420p

    def reference(rgb):
        x = rgb.astype(np.int32)
        r, g, b = x[..., 0], x[..., 1], x[..., 2]
        h, w = r.shape
        y = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16
        rb, gb, bb = ((c.reshape(h // 2, 2, w // 2, 2).sum((1, 3)) + 2) >> 2 for c in (r, g, b))
        u = ((-38 * rb - 74 * gb + 112 * bb + 128) >> 8) + 128
        v = ((112 * rb - 94 * gb - 18 * bb + 128) >> 8) + 128
        return np.concatenate([y, u.reshape(h // 4, w), v.reshape(h // 4, w)]).clip(0, 255).astype(np.uint8)

    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (480, 64, 3), dtype=np.uint8), np.zeros((8, 4, 3), np.uint8),
              np.full((8, 4, 3), 255, np.uint8)]
    for c in range(3):  # one channel at its maximum, the others at 0: u and v at their extremes
        f = np.zeros((4, 4, 3), np.uint8)
        f[..., c] = 255
        frames.append(f)
    for f in frames:
        assert np.array_equal(rgb_to_yuv420p(f), reference(f))
