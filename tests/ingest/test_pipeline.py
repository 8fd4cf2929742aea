import dataclasses
import json
import subprocess
from fractions import Fraction

import numpy as np
import pytest
import torch

from videobert.cli import main
from videobert.corpus import Corpus, CorpusError
from videobert.ingest import IngestConfig, ingest, ingest_video, pipeline

VTT = "WEBVTT\n\n00:00:00.200 --> 00:00:01.000\nCut the <b>onion</b>.\n\n00:00:01.000 --> 00:00:02.500\nNow fry it!\n"


@pytest.fixture
def videos(tmp_path, make_video):
    d = tmp_path / "videos"
    d.mkdir()
    make_video(d / "cook.mp4", Fraction(30000, 1001), 100, audio=True)  # 3.336 s: 2 clips + 6.7 frames tail
    (d / "cook.vtt").write_text(VTT)
    make_video(d / "stir.mkv", 25, 80)  # 3.2 s: 2 clips
    make_video(d / "fry.webm", 60, 140)  # 2.333 s: 1 clip + 17 frames -> 2 clips
    return d


def test_ingest_video_record(videos, tiny_config):
    rec = ingest_video(videos / "cook.mp4", tiny_config)
    assert rec.video_id == "cook" and rec.source == str(videos / "cook.mp4")
    assert rec.duration == float(Fraction(100 * 1001, 30000))
    assert rec.clip_starts.tolist() == [0.0, 1.5]
    assert rec.features.shape == (2, 1024) and rec.features.dtype == np.float16
    assert np.isfinite(rec.features).all() and rec.features.std() > 0
    assert [(s.text, s.start) for s in rec.sentences] == [("Cut the onion.", 0.2), ("Now fry it!", 1.0)]
    assert rec.text_source == f"captions:{videos / 'cook.vtt'}"
    assert rec.meta["pretrained"] is False and rec.meta["features"]["weights"] == "random"
    assert rec.meta["t0"] == 0 and rec.meta["grid_frames"] == 67
    again = ingest_video(videos / "cook.mp4", tiny_config, video_id="other")
    assert again.video_id == "other" and np.array_equal(rec.features, again.features)  # deterministic


def test_text_sources(videos, tiny_config, tmp_path):
    caps = tmp_path / "caps"
    caps.mkdir()
    (caps / "stir.srt").write_text("1\n00:00:00,500 --> 00:00:01,500\nstir the soup\n")
    ann = tmp_path / "yc2.json"
    ann.write_text(json.dumps({"database": {"fry": {"annotations": [{"segment": [0, 2], "sentence": "fry eggs"}]}}}))
    cfg = tiny_config.replace(captions_dir=str(caps), annotations=str(ann))
    sents, src = pipeline.video_text(str(videos / "stir.mkv"), "stir", cfg)
    assert src == f"captions:{caps / 'stir.srt'}" and [s.text for s in sents] == ["stir the soup"]
    sents, src = pipeline.video_text(str(videos / "fry.webm"), "fry", cfg)
    assert src == "annotations" and [s.text for s in sents] == ["fry eggs"]
    assert pipeline.video_text(str(videos / "fry.webm"), "fry", tiny_config) == ([], "none")


def test_ass_caption_file_beside_the_video_is_its_text(videos, tiny_config):
    (videos / "stir.ass").write_text("[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
                                     "Dialogue: 0,0:00:00.50,0:00:02.00,Default,,0,0,0,,{\\i1}Stir{\\i0} the soup.\n")
    sents, src = pipeline.video_text(str(videos / "stir.mkv"), "stir", tiny_config)
    assert src == f"captions:{videos / 'stir.ass'}"
    assert [(s.text, s.start, s.end) for s in sents] == [("Stir the soup.", 0.5, 2.0)]


def test_empty_captions_fall_through_to_annotations_and_latin1_srt_is_read(videos, tiny_config, tmp_path, caplog):
    caps = tmp_path / "caps"
    caps.mkdir()
    (caps / "fry.vtt").write_bytes(b"")  # 0 bytes: does not hide the annotations entry
    (caps / "stir.srt").write_bytes("1\n00:00:00,500 --> 00:00:01,500\nsauté the crème brûlée\n".encode("latin-1"))
    ann = tmp_path / "yc2.json"
    ann.write_text(json.dumps({"database": {"fry": {"annotations": [{"segment": [0, 2], "sentence": "fry eggs"}]}}}))
    cfg = tiny_config.replace(captions_dir=str(caps), annotations=str(ann))
    sents, src = pipeline.video_text(str(videos / "fry.webm"), "fry", cfg)
    assert src == "annotations" and [s.text for s in sents] == ["fry eggs"]
    with caplog.at_level("WARNING", logger="videobert.ingest.captions"):
        sents, src = pipeline.video_text(str(videos / "stir.mkv"), "stir", cfg)
    assert src == f"captions:{caps / 'stir.srt'}" and [s.text for s in sents] == ["sauté the crème brûlée"]
    assert f"{caps / 'stir.srt'}: not UTF-8" in caplog.text


def test_pocketsphinx_asr(tmp_path, make_video, tiny_config):
    wav = tmp_path / "s.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), "now cut the onion and fry it in the pan"], check=True)
    import wave

    with wave.open(str(wav)) as w:
        speech = np.frombuffer(w.readframes(w.getnframes()), np.int16)
    rate = 22050  # espeak-ng's rate; resample to 16 kHz for the fixture
    speech = np.interp(np.arange(0, len(speech), rate / 16000), np.arange(len(speech)), speech).astype(np.int16)
    path = make_video(tmp_path / "talk.mp4", 25, 25 * (len(speech) // 16000 + 1), audio=speech)
    sents, src = pipeline.video_text(str(path), "talk", tiny_config.replace(asr="pocketsphinx"))
    assert src == "asr:pocketsphinx" and sents
    assert all(0 <= s.start < s.end <= len(speech) / 16000 + 0.5 for s in sents)


def corpus_files(root):
    """The corpus' files and contents (not the writer lock's record of its last holder)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".videobert.lock"}


def test_ingest_failures_and_resume(videos, tiny_config, tmp_path, make_video):
    (videos / "empty.mp4").write_bytes(b"")
    (videos / "junk.avi").write_bytes(b"not a video at all\n" * 100)
    good = (videos / "cook.mp4").read_bytes()
    (videos / "cut.mp4").write_bytes(good[: len(good) // 2])
    make_video(videos / "blip.mp4", 25, 5)
    make_video(videos / "badcap.mp4", 25, 40)
    (videos / "badcap.srt").write_text("1\n00:00:01,000 --> 00:0x:02,000\nhi\n")
    out = tmp_path / "corpus"
    lst = tmp_path / "list.txt"
    lst.write_text(f"{videos}\n{tmp_path / 'gone.mp4'}\n")
    s = ingest([lst], out, tiny_config, progress=False)
    assert (s.total, s.done, s.failed, s.clips) == (9, 3, 6, 6)
    kinds = {f["video_id"]: f["kind"] for f in Corpus(out).failures()}
    assert kinds == {"empty": "zero_length", "junk": "corrupt", "cut": "truncated", "blip": "too_short",
                     "badcap": "bad_captions", "gone": "unreadable"}
    c = Corpus(out)
    assert c.video_ids() == ["cook", "fry", "stir"]
    # the manifest records the passes used (None: on a CPU the backbone's own, s3d 1 clip)
    assert IngestConfig.from_dict(c.config) == dataclasses.replace(tiny_config, clips_per_pass=1)
    assert c.read("fry").clip_starts.tolist() == [0.0, 1.5]
    s2 = ingest([videos], out, tiny_config, progress=False)
    assert (s2.skipped, s2.done) == (3, 0)
    with pytest.raises(CorpusError, match="size"):
        ingest([videos], out, tiny_config.replace(size=64), progress=False)


def test_interrupted_ingest_resumes_to_same_corpus(videos, tiny_config, tmp_path, monkeypatch):
    full = tmp_path / "full"
    ingest([videos], full, tiny_config, progress=False)

    real = pipeline.ingest_video
    calls = []

    def interrupted(path, config, video_id=None, backbone=None):
        calls.append(video_id)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(path, config, video_id, backbone)

    part = tmp_path / "part"
    monkeypatch.setattr(pipeline, "ingest_video", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ingest([videos], part, tiny_config, progress=False)
    monkeypatch.setattr(pipeline, "ingest_video", real)
    assert len(Corpus(part).video_ids()) == 1
    # A kill between the .npy and the .json leaves features without metadata: redone on resume.
    npy, _ = Corpus(part)._paths(calls[1])
    npy.parent.mkdir(parents=True, exist_ok=True)
    npy.write_bytes(b"partial")
    s = ingest([videos], part, tiny_config, progress=False)
    assert (s.skipped, s.done) == (1, 2)
    assert corpus_files(part) == corpus_files(full)


def test_cli_exit_status(videos, tmp_path, capsys):
    args = ["--out", str(tmp_path / "c"), "--weights", "random", "--size", "32", "--no-progress"]
    assert main(["ingest", str(videos / "stir.mkv"), *args]) == 0
    assert "1 ingested" in capsys.readouterr().out
    (videos / "junk.mp4").write_bytes(b"junk" * 10)
    assert main(["ingest", str(videos / "stir.mkv"), str(videos / "junk.mp4"), *args]) == 1
    captured = capsys.readouterr()
    assert "1 already done, 1 failed" in captured.out and "[corrupt]" in captured.err
    assert main(["ingest", str(videos), "--out", str(tmp_path / "d"), "--weights", "nope.pth"]) == 1
    assert not (tmp_path / "d" / "manifest.json").exists()  # bad weights: nothing written, free to retry


@pytest.mark.slow  # two spawned workers import torch and build S3D: ~10-25 s
def test_process_pool_matches_sequential(videos, tiny_config, tmp_path):
    ingest([videos], tmp_path / "seq", tiny_config, progress=False)
    s = ingest([videos], tmp_path / "pool", tiny_config, workers=2, progress=False)
    assert (s.done, s.failed) == (3, 0)
    assert corpus_files(tmp_path / "seq") == corpus_files(tmp_path / "pool")


@pytest.mark.slow
def test_ray_executor_matches_sequential(videos, tiny_config, tmp_path):
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False)
    try:
        s = ingest([videos], tmp_path / "ray", tiny_config, executor="ray", progress=False)
    finally:
        ray.shutdown()
    assert (s.done, s.failed) == (3, 0)
    ingest([videos], tmp_path / "seq", tiny_config, progress=False)
    seq, rayc = Corpus(tmp_path / "seq"), Corpus(tmp_path / "ray")
    for vid in seq.video_ids():
        np.testing.assert_allclose(seq.read(vid).features, rayc.read(vid).features, atol=2e-3)
        assert seq.read_meta(vid)["clip_starts"] == rayc.read_meta(vid)["clip_starts"]


def test_same_name_in_two_folders_gives_two_videos(tmp_path, make_video, tiny_config):
    s1, s2 = tmp_path / "sub1" / "clip.mp4", tmp_path / "sub2" / "clip.mp4"
    for p, n in ((s1, 40), (s2, 70)):  # two different videos of the same name
        p.parent.mkdir()
        make_video(p, 25, n)
    out = tmp_path / "corpus"
    assert (ingest([s1], out, tiny_config, progress=False).done) == 1
    s = ingest([s2], out, tiny_config, progress=False)
    assert (s.done, s.skipped) == (1, 0)  # not "already done": the stored clip is another file
    c = Corpus(out)
    ids = c.video_ids()
    assert ids[0] == "clip" and len(ids) == 2 and ids[1].startswith("clip-")
    assert {c.read(v).source: c.read(v).num_clips for v in ids} == {str(s1): 1, str(s2): 2}
    # both again, in the other order, plus a symlink to one of them: all done, nothing stored twice
    (tmp_path / "alias.mp4").symlink_to(s1)
    s = ingest([s2, tmp_path / "alias.mp4", tmp_path], out, tiny_config, progress=False)
    assert (s.total, s.done, s.skipped) == (2, 0, 2)
    assert Corpus(out).video_ids() == ids
    # a fresh corpus from both at once: the same ids, whatever the order
    s = ingest([tmp_path / "alias.mp4", s2, s1], tmp_path / "fresh", tiny_config, progress=False)
    assert (s.total, s.done) == (2, 2) and Corpus(tmp_path / "fresh").video_ids() == ids


def test_a_moved_folder_is_ingested_again_with_a_warning(tmp_path, make_video, tiny_config, caplog):
    # ingest cannot tell a moved file from another of the same name, so the videos come in again
    # beside the old records; the warning says so before the corpus holds each twice
    old = tmp_path / "old" / "clip.mp4"
    old.parent.mkdir()
    make_video(old, 25, 40)
    out = tmp_path / "corpus"
    ingest([old], out, tiny_config, progress=False)
    moved = tmp_path / "moved"
    old.parent.rename(moved)
    with caplog.at_level("WARNING", logger="videobert.ingest.pipeline"):
        s = ingest([moved], out, tiny_config, progress=False)
    assert s.done == 1 and len(Corpus(out).video_ids()) == 2
    assert f"{moved / 'clip.mp4'}: named like corpus video 'clip', whose source {old} is gone" in caplog.text
    assert "--video-dir NEW_FOLDER" in caplog.text  # what to do instead


def test_temp_files_of_a_killed_run_are_removed(videos, tiny_config, tmp_path):
    import fcntl
    import os

    from videobert.utils.lock import DirectoryLocked

    out = tmp_path / "corpus"
    ingest([videos / "stir.mkv"], out, tiny_config, progress=False)
    shard = next((out / "videos").iterdir())
    left = [out / ".failures.json.k1ll3d00.tmp", shard / ".stir.npy.k1ll3d01.tmp", shard / ".fry.json.k1ll3d02.tmp"]
    vocab_tmp = out / "vocab" / "tokens" / "ab" / ".x.npy.k1ll3d03.tmp"  # `videobert vocab`'s, not ingest's
    for p in left + [vocab_tmp]:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"partial")
    s = ingest([videos / "stir.mkv"], out, tiny_config, progress=False)
    assert s.skipped == 1 and not any(p.exists() for p in left) and vocab_tmp.exists()
    # another ingest of the corpus is running (it holds the lock): refused at once, nothing touched
    fresh = left[1]
    fresh.write_bytes(b"partial")
    fd = os.open(out / ".videobert.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(DirectoryLocked, match="in use by another"):
            ingest([videos / "stir.mkv"], out, tiny_config, progress=False)
    finally:
        os.close(fd)
    assert fresh.exists()


DRIVER = '''
import os, sys, time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import torch  # noqa: F401  (loaded before the platform is faked below, as in an ingest worker)

from videobert.utils import executors


def init(threads, parent):
    sys.platform = "darwin"  # as on a platform without prctl: the parent-pid watchdog alone
    executors.init_worker(threads, parent)


def pid():
    return os.getpid()


if __name__ == "__main__":
    init_fn = init if sys.argv[1] == "watchdog" else executors.init_worker  # the pool's initializer
    with ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=init_fn,
                             initargs=(1, os.getpid())) as pool:
        print(pool.submit(pid).result(), flush=True)
        time.sleep(120)
'''


def _alive(pid: int) -> bool:
    import os

    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            return False


@pytest.mark.parametrize("mode", ["pdeathsig", "watchdog"])
def test_pool_workers_exit_when_the_driver_is_killed(tmp_path, mode):
    import os
    import signal
    import sys
    import time

    if mode == "pdeathsig" and not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux-only")
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    driver = subprocess.Popen([sys.executable, str(script), mode], stdout=subprocess.PIPE, text=True, env=env)
    worker = None
    try:
        worker = int(driver.stdout.readline())
        assert _alive(worker)
        driver.send_signal(signal.SIGKILL)  # no cleanup in the driver at all
        driver.wait(30)
        deadline = time.time() + 20
        while _alive(worker) and time.time() < deadline:
            time.sleep(0.1)
        assert not _alive(worker), f"worker {worker} outlived its killed driver ({mode})"
    finally:
        if driver.poll() is None:
            driver.kill()
        if worker is not None and _alive(worker):
            os.kill(worker, signal.SIGKILL)


def test_a_long_gap_is_bounded_by_the_header_and_costs_one_forward_pass(tmp_path, make_video, tiny_config):
    # 3 frames at 0, 1 and 3600 s: the MP4 muxer gives the last frame the 3599 s gap before it
    # as its duration (7,199 s in all); the header says 3,600.04 s
    path = make_video(tmp_path / "gap.mp4", 25, pts_ms=[0, 1000, 3_600_000])
    backbone = pipeline.get_backbone(tiny_config)
    seen = []
    real_forward = backbone.forward

    def counting(x):
        seen.append(len(x))
        return real_forward(x)

    backbone.forward = counting
    try:
        rec = ingest_video(path, tiny_config.replace(batch_size=64), backbone=backbone)
    finally:
        del backbone.forward
    assert 3600 <= rec.duration <= 3601
    assert rec.num_clips == 2400 and len(rec.features) == 2400
    assert sum(seen) <= 3  # clip 0 (frames 0 and 1), clip 1 (frame 1 then 3600 s), then one held frame
    assert (rec.features[2:] == rec.features[-1]).all()


def test_repeated_clips_get_the_same_features_as_a_plain_forward_pass(videos, tiny_config):
    from videobert.ingest.decode import ClipReader

    backbone = pipeline.get_backbone(tiny_config)
    reader = ClipReader(str(videos / "stir.mkv"), 32)
    clips = list(reader)
    clips = np.stack([clips[0], clips[0], clips[1], clips[1], clips[1], clips[0]])
    with torch.inference_mode():
        want = backbone(backbone.preprocess(torch.from_numpy(clips))).float().numpy().astype(np.float16)

    class Fixed:  # a reader that yields these clips
        def __iter__(self):
            return iter(list(clips))

    got, _ = pipeline.extract_features(Fixed(), backbone, batch_size=2)
    np.testing.assert_allclose(got.astype(np.float32), want.astype(np.float32), atol=2e-3)


def test_same_features_whatever_the_worker_count(videos, tiny_config, tmp_path):
    # Issue 13: CPU features change with the intra-op thread count (oneDNN/OpenMP reductions), and
    # --workers used to set it (the driver: all cores; each of N workers: cores // N). Every
    # featurizing process now uses config.threads (default 1), whatever the driver's own setting.
    torch.set_num_threads(2)  # the driver as the CLI starts it on a 2-core machine
    ingest([videos], tmp_path / "w1", tiny_config.replace(size=64), progress=False)
    assert torch.get_num_threads() == 2  # restored after featurizing with config.threads
    s = ingest([videos], tmp_path / "w2", tiny_config.replace(size=64), workers=2, progress=False)
    assert (s.done, s.failed) == (3, 0)
    w1, w2 = Corpus(tmp_path / "w1"), Corpus(tmp_path / "w2")
    assert w1.video_ids() == w2.video_ids() == ["cook", "fry", "stir"]
    for vid in w1.video_ids():
        assert np.array_equal(w1.read(vid).features, w2.read(vid).features), vid
    assert w1.config["threads"] == 1  # recorded in the manifest
    with pytest.raises(ValueError, match="'threads' = -1"):
        ingest([videos], tmp_path / "bad", tiny_config.replace(threads=-1), progress=False)


# ---- clips per backbone pass (a feature setting) -------------------------------------------

class _CountingBackbone(torch.nn.Module):
    """A stand-in backbone recording the size of each forward pass."""

    feature_dim = 4
    device = torch.device("cpu")

    def __init__(self):
        super().__init__()
        self.passes = []

    def preprocess(self, clips):
        return clips.float()

    def forward(self, x):
        self.passes.append(len(x))
        return x.flatten(1)[:, :4]


class _FakeReader:
    def __init__(self, n):
        rng = np.random.default_rng(0)
        self.clips = [rng.integers(0, 255, (2, 2, 2, 3), dtype=np.uint8) for _ in range(n)]

    def __iter__(self):
        return iter(self.clips)


@pytest.mark.parametrize("per_pass, passes", [(0, [5, 2]), (1, [1] * 7), (2, [2, 2, 1, 2]), (9, [5, 2])])
def test_extract_features_runs_the_backbone_in_passes(monkeypatch, per_pass, passes):
    monkeypatch.setattr(pipeline, "iter_clip_batches", lambda r, b: (np.stack(r.clips[i:i + b]) for i in range(0, 7, b)))
    bb = _CountingBackbone()
    feats, _ = pipeline.extract_features(_FakeReader(7), bb, batch_size=5, clips_per_pass=per_pass)
    assert bb.passes == passes
    whole, _ = pipeline.extract_features(_FakeReader(7), _CountingBackbone(), batch_size=5, clips_per_pass=0)
    assert np.array_equal(feats, whole)  # the stand-in's features do not depend on the pass size


def test_one_clip_a_pass_starts_the_backbone_on_the_first_decoded_clip():
    # Handed over in batches, a video shorter than a batch was decoded whole before the backbone
    # started; one clip a pass takes each clip as it comes, whatever the batch size.
    decoded = []

    class Reader(_FakeReader):
        def __iter__(self):
            for c in self.clips:
                decoded.append(1)
                yield c

    class Backbone(_CountingBackbone):
        def forward(self, x):
            self.seen_when_first = getattr(self, "seen_when_first", len(decoded))
            return super().forward(x)

    bb = Backbone()
    pipeline.extract_features(Reader(7), bb, batch_size=8, clips_per_pass=1)
    assert bb.passes == [1] * 7
    assert bb.seen_when_first <= 1 + 2 * 8  # not "all 7 first": the queue is the only lead the reader has
    assert pipeline._handover(8, 1) == (1, 16) and pipeline._handover(8, 3) == (8, 2) and pipeline._handover(8, 0) == (8, 2)


def test_one_clip_handover_gives_bitwise_the_batched_features(videos, tiny_config, monkeypatch):
    from videobert.ingest.decode import ClipReader

    backbone = pipeline.get_backbone(tiny_config)
    path = str(videos / "stir.mkv")
    one, _ = pipeline.extract_features(ClipReader(path, 32), backbone, batch_size=2, clips_per_pass=1)
    monkeypatch.setattr(pipeline, "_handover", lambda b, c: (b, 2))  # the old handover: whole batches
    batched, _ = pipeline.extract_features(ClipReader(path, 32), backbone, batch_size=2, clips_per_pass=1)
    assert len(one) == 2 and np.array_equal(one, batched)  # one item of two clips against two of one


def test_clips_per_pass_defaults_and_predating_configs():
    assert pipeline.resolved_clips_per_pass(IngestConfig(backbone="s3d", device="cpu")) == 1
    assert pipeline.resolved_clips_per_pass(IngestConfig(backbone="efficientnet_lite0", device="cpu")) == 1
    assert pipeline.resolved_clips_per_pass(IngestConfig(backbone="s3d", device="cuda")) == 0  # a GPU wants batches
    assert pipeline.resolved_clips_per_pass(IngestConfig(backbone="s3d", clips_per_pass=0)) == 0
    recorded = IngestConfig(backbone="s3d").to_dict()
    del recorded["clips_per_pass"]  # a corpus or model recorded before the field existed: one pass a batch
    assert IngestConfig.from_dict(recorded).clips_per_pass == 0
    with pytest.raises(ValueError, match="clips_per_pass"):
        IngestConfig(clips_per_pass=-1)


def test_a_corpus_made_before_clips_per_pass_keeps_one_pass_per_batch(videos, tiny_config, tmp_path):
    out = tmp_path / "corpus"
    ingest([videos / "cook.mp4"], out, tiny_config, progress=False)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["clips_per_pass"] == 1
    del manifest["config"]["clips_per_pass"]  # as written before the field existed
    (out / "manifest.json").write_text(json.dumps(manifest))
    ingest([videos / "fry.webm"], out, tiny_config, progress=False)  # the default: the corpus' own setting
    assert Corpus(out).read("fry").meta["features"]["clips_per_pass"] == 0
    with pytest.raises(CorpusError, match="clips_per_pass"):
        ingest([videos / "stir.mkv"], out, dataclasses.replace(tiny_config, clips_per_pass=1), progress=False)
    out2 = tmp_path / "corpus2"  # a corpus made with other passes (e.g. on a GPU: the whole batch) keeps them
    ingest([videos / "cook.mp4"], out2, dataclasses.replace(tiny_config, clips_per_pass=3), progress=False)
    ingest([videos / "stir.mkv"], out2, tiny_config, progress=False)
    assert Corpus(out2).read("stir").meta["features"]["clips_per_pass"] == 3


def test_camcorder_and_dvd_containers_are_ingested_like_any_video(tmp_path, make_video, tiny_config):
    # AVCHD (.mts / .m2ts: MPEG-TS, H.264, AAC) and DVD (.vob: MPEG-PS, MPEG-2, MP2)
    d = tmp_path / "cam"
    d.mkdir()
    for name in ("a.MTS", "b.m2ts", "c.vob"):
        make_video(d / name.lower(), 25, 80, audio=True).rename(d / name)  # 3.2 s: 2 clips each
    s = ingest([d], tmp_path / "corpus", tiny_config, progress=False)
    assert (s.done, s.failed) == (3, 0)
    corpus = Corpus(tmp_path / "corpus")
    assert sorted(corpus.video_ids()) == ["a", "b", "c"]
    for vid in corpus.video_ids():
        assert corpus.read(vid).num_clips == 2


def _fake_asr(monkeypatch, words):
    """--asr pocketsphinx whose recognizer returns `words`, after reading the audio as the real one does."""
    from videobert.ingest import asr

    calls = []

    def transcribe(path, engine, model, device, pause):
        calls.append(path)
        asr.read_audio(path)  # opens the file, as speech recognition does
        return list(words)

    monkeypatch.setattr(pipeline, "transcribe", transcribe)
    monkeypatch.setattr(pipeline, "require", lambda *a, **k: None)
    return calls


def test_with_asr_a_bad_video_fails_with_its_decode_reason_naming_the_file(videos, tiny_config, tmp_path,
                                                                           monkeypatch, make_video):
    from videobert.ingest.sentences import Word

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.mp4").write_bytes(b"")
    good = (videos / "cook.mp4").read_bytes()  # has an audio track
    (bad / "cut.mp4").write_bytes(good[: len(good) // 2])
    make_video(bad / "talk.mp4", 25, 40, audio=True)  # 1.6 s, no captions: its text is the ASR's
    calls = _fake_asr(monkeypatch, [Word("Stir", 0.1, 0.4), Word("it.", 0.4, 0.8)])
    s = ingest([bad], tmp_path / "corpus", tiny_config.replace(asr="pocketsphinx"), progress=False)
    assert (s.done, s.failed) == (1, 2)
    failures = {f["video_id"]: f for f in s.failures}
    assert {v: f["kind"] for v, f in failures.items()} == {"empty": "zero_length", "cut": "truncated"}
    for vid, f in failures.items():
        assert f["reason"].startswith(f"{bad / vid}.mp4: ")
    assert calls == [str(bad / "talk.mp4")]  # no speech recognition for a video that cannot be decoded
    assert [x.text for x in Corpus(tmp_path / "corpus").read("talk").sentences] == ["Stir it."]


def test_sentences_after_the_videos_end_are_dropped_with_one_warning(videos, tiny_config, tmp_path, caplog,
                                                                     monkeypatch):
    from videobert.ingest.sentences import Word

    (videos / "stir.vtt").write_text("WEBVTT\n\n00:00:00.500 --> 00:00:01.500\nStir it.\n\n"  # stir.mkv: 3.2 s
                                     "00:00:03.000 --> 00:00:05.000\nAnd serve.\n\n"  # starts inside: kept
                                     "00:00:03.200 --> 00:00:04.000\nAt the end.\n\n"  # at its end: dropped
                                     "00:00:30.000 --> 00:00:33.000\nAnother video's words.\n")
    out = tmp_path / "corpus"
    with caplog.at_level("WARNING", logger="videobert.ingest.pipeline"):
        s = ingest([videos / "stir.mkv", videos / "fry.webm"], out, tiny_config, progress=False)
    assert s.done == 2
    rec = Corpus(out).read("stir")
    assert [(x.text, x.start, x.end) for x in rec.sentences] == [("Stir it.", 0.5, 1.5), ("And serve.", 3.0, 5.0)]
    assert rec.meta["sentences_after_end"] == 2 and "sentences_after_end" not in Corpus(out).read("fry").meta
    warnings = [r.getMessage() for r in caplog.records if "end" in r.getMessage()]
    assert warnings == [f"{videos / 'stir.mkv'}: 2 sentence(s) of its text (captions:{videos / 'stir.vtt'}) start at "
                        "or after the video's end (3.20 s) and were dropped, 2 kept: is that text another video's "
                        "(a caption file of another name), or are its times offset?"]
    # speech past the end of the picture (an audio track longer than the video)
    caplog.clear()
    _fake_asr(monkeypatch, [Word("Fry", 0.5, 1.0), Word("it.", 1.0, 1.5), Word("Later.", 2.5, 2.9)])
    with caplog.at_level("WARNING", logger="videobert.ingest.pipeline"):
        ingest([videos / "fry.webm"], tmp_path / "asr", tiny_config.replace(asr="pocketsphinx"), progress=False)
    assert [x.text for x in Corpus(tmp_path / "asr").read("fry").sentences] == ["Fry it."]  # fry.webm: 2.33 s
    assert "1 sentence(s) of its text (asr:pocketsphinx)" in caplog.text
    assert "its audio track runs longer than its video" in caplog.text


def test_a_resumed_run_with_other_text_settings_warns_that_done_videos_keep_their_text(videos, tiny_config,
                                                                                      tmp_path, caplog):
    caps = tmp_path / "caps"
    caps.mkdir()
    (caps / "stir.srt").write_text("1\n00:00:00,500 --> 00:00:01,500\nstir the soup\n")
    out = tmp_path / "corpus"
    ingest([videos / "stir.mkv"], out, tiny_config, progress=False)
    assert Corpus(out).read("stir").meta["text"] == {
        "text": "auto", "captions_dir": None, "annotations": None, "captions_json": None, "asr": "none",
        "sentence_pause": 0.6, "sentence_max_words": 24}
    with_caps = tiny_config.replace(captions_dir=str(caps))
    with caplog.at_level("WARNING", logger="videobert.ingest.pipeline"):
        s = ingest([videos / "stir.mkv", videos / "fry.webm"], out, with_caps, progress=False)
    assert (s.skipped, s.done) == (1, 1) and Corpus(out).read("stir").sentences == []  # kept its (lack of) text
    [warning] = [r.getMessage() for r in caplog.records if "text settings" in r.getMessage()]
    assert warning.startswith(f"1 of this run's 1 video(s) already in {out} were ingested with other text settings "
                              f"(captions_dir: unset -> {str(caps)!r}), 1 of them without any text. They keep the "
                              "text they were ingested with")
    assert f"delete its record {out}/videos/*/VIDEO_ID.json" in warning and "a new --out" in warning
    # the same settings again: no warning; each video is compared with the settings it was made with
    caplog.clear()
    with caplog.at_level("WARNING", logger="videobert.ingest.pipeline"):
        ingest([videos / "fry.webm"], out, with_caps, progress=False)
        ingest([videos / "stir.mkv"], out, tiny_config, progress=False)
    assert "text settings" not in caplog.text
    with caplog.at_level("WARNING", logger="videobert.ingest.pipeline"):
        ingest([videos / "fry.webm", videos / "stir.mkv"], out, tiny_config, progress=False)
    assert "1 of this run's 2 video(s)" in caplog.text and f"captions_dir: {str(caps)!r} -> unset" in caplog.text
    # a video recorded before the settings were kept per video is compared with the manifest's
    _, jpath = Corpus(out)._paths("stir")
    m = json.loads(jpath.read_text())
    del m["meta"]["text"]
    jpath.write_text(json.dumps(m))
    caplog.clear()
    with caplog.at_level("WARNING", logger="videobert.ingest.pipeline"):
        ingest([videos / "stir.mkv"], out, tiny_config.replace(sentence_max_words=5), progress=False)
    assert "(sentence_max_words: 24 -> 5)" in caplog.text
    # the way the warning names: deleting the record redoes the video, with this run's text
    npy_before = Corpus(out)._paths("stir")[0].read_bytes()
    jpath.unlink()
    assert ingest([videos / "stir.mkv"], out, with_caps, progress=False).done == 1
    assert [x.text for x in Corpus(out).read("stir").sentences] == ["stir the soup"]
    assert Corpus(out)._paths("stir")[0].read_bytes() == npy_before  # the same features


def test_a_captions_folder_that_does_not_exist_is_refused_before_any_work(videos, tiny_config, tmp_path, capsys):
    from videobert.utils.config import ConfigError

    cfg = tiny_config.replace(captions_dir=str(tmp_path / "nope"))  # a recorded config may name one: not refused
    with pytest.raises(ConfigError, match=f"'captions_dir' = '{tmp_path / 'nope'}': no such folder"):
        ingest([videos], tmp_path / "corpus", cfg, progress=False)
    with pytest.raises(ConfigError, match="captions_dir.*is a file, not a folder"):
        ingest([videos], tmp_path / "corpus", cfg.replace(captions_dir=str(videos / "cook.vtt")), progress=False)
    with pytest.raises(ConfigError, match="'annotations'.*no such file"):
        ingest([videos], tmp_path / "corpus", tiny_config.replace(annotations=str(tmp_path / "a.json")), progress=False)
    assert not (tmp_path / "corpus").exists()
    args = [str(videos), "--out", str(tmp_path / "corpus"), "--weights", "random", "--captions", str(tmp_path / "nope")]
    assert main(["ingest", *args]) == 1
    assert "captions_dir" in capsys.readouterr().err and not (tmp_path / "corpus").exists()
