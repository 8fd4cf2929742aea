import numpy as np
import pytest
from PIL import Image

from videobert.cli import main
from videobert.corpus import Corpus, VideoRecord
from videobert.vocab import VisualVocab, VocabConfig, build_vocab
from videobert.vocab.pictures import exemplar_frame, strip

RED, BLUE = (220, 30, 30), (30, 30, 220)


@pytest.fixture
def red_then_blue_mp4(tmp_path):
    """64x48, 25 fps, 4 s: red before t = 2 s, blue after."""
    av = pytest.importorskip("av")
    path = tmp_path / "redblue.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(100):
            img = np.zeros((48, 64, 3), np.uint8)
            img[:] = RED if i < 50 else BLUE
            out.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(stream.encode())
    return path


def test_exemplar_frames_and_contact_sheet(tmp_path, red_then_blue_mp4):
    corpus = Corpus(tmp_path / "corpus")
    corpus.init({"backbone": "synthetic"})
    # two clips (0-1.5 s red, 1.5-3 s whose middle 2.25 s is blue) with far-apart features
    feats = np.array([[0.0, 0.0], [10.0, 10.0]], np.float16)
    corpus.write(VideoRecord("rb", str(red_then_blue_mp4), 4.0, np.array([0.0, 1.5]), feats, []))
    vocab = build_vocab(corpus.root, VocabConfig(levels=1, k=2))
    tok = vocab.assign(feats.astype(np.float32))
    red, blue = exemplar_frame(vocab, int(tok[0]), 32), exemplar_frame(vocab, int(tok[1]), 32)
    assert red.size == blue.size == (32, 32)
    r, b = np.asarray(red)[16, 16].astype(int), np.asarray(blue)[16, 16].astype(int)
    assert r[0] > 150 and r[2] < 100 and b[2] > 150 and b[0] < 100

    row = strip([red, blue], ["a", "b"])
    assert row.width >= 64 and row.height > 32

    assert main(["vocab", "show", str(corpus.root), "--top", "2"]) == 0
    sheet = Image.open(corpus.root / "vocab" / "contact_sheet.png")
    assert sheet.width >= 2 * 128


def test_cli_fit_then_show_with_missing_sources(blob_corpus, tmp_path, capsys):
    corpus = blob_corpus()
    out = tmp_path / "v"
    assert main(["vocab", str(corpus.root), "--out", str(out), "--levels", "2", "--k", "3", "--sample", "100"]) == 0
    vocab = VisualVocab.load(out)
    assert vocab.sizes[0] == 3 and vocab.config["sample"] == 100 and vocab.counts.sum() == 6 * 40
    assert main(["vocab", "show", str(out), "--out", str(tmp_path / "s.png"), "--top", "5", "--size", "40"]) == 0
    assert Image.open(tmp_path / "s.png").size[0] >= 5 * 40
    placeholder = np.asarray(exemplar_frame(vocab, 0, 40))
    assert (placeholder == 96).mean() > 0.5  # grey "source missing" tile
    with pytest.raises(SystemExit):
        main(["vocab", "show", str(out), "--k", "3"])
    import shutil

    shutil.copytree(out, tmp_path / "model" / "visual_vocab")  # a saved model carries its vocabulary there
    assert main(["vocab", "show", str(tmp_path / "model"), "--out", str(tmp_path / "m.png"), "--top", "2"]) == 0
    assert (tmp_path / "m.png").is_file()
    assert main(["vocab", str(tmp_path / "no_corpus")]) == 1
    assert "not a videobert corpus" in capsys.readouterr().err


def test_pictures_of_a_corpus_ingested_from_a_shard(tmp_path, red_then_blue_mp4):
    """A video read in place from a video2dataset shard (source ``SHARD.tar#KEY.mp4``): its
    exemplar frames and the contact sheet show its pixels, not the grey 'cannot decode' tile."""
    from videobert.ingest import IngestConfig, ingest
    from videobert.vocab.pictures import contact_sheet

    from ..ingest.test_shards import write_shard

    tar = write_shard(tmp_path / "00000.tar", {"000000000": {"mp4": red_then_blue_mp4.read_bytes(), "txt": "x"}})
    red_then_blue_mp4.unlink()  # only the tar remains
    s = ingest([str(tar)], tmp_path / "corpus", IngestConfig(weights="random", size=32, batch_size=4, device="cpu"),
               progress=False)
    assert (s.done, s.failed) == (1, 0)
    assert Corpus(tmp_path / "corpus").read("000000000").source == f"{tar}#000000000.mp4"
    vocab = build_vocab(tmp_path / "corpus", VocabConfig(levels=1, k=2))
    used = [i for i in range(vocab.num_tokens) if vocab.exemplars[i] is not None]
    assert used
    for leaf in used:
        px = np.asarray(exemplar_frame(vocab, leaf, 32))[16, 16].astype(int)
        want = RED if vocab.exemplars[leaf]["start"] + 0.75 < 2.0 else BLUE  # the frame 0.75 s into the clip
        assert np.abs(px - want).max() < 60, (leaf, px)
    sheet = np.asarray(contact_sheet(vocab, size=32)).astype(int)
    tiles = int((vocab.counts > 0).sum())
    colour = sum((np.abs(sheet - c).max(axis=-1) < 60).sum() for c in (RED, BLUE))
    assert colour >= 0.9 * tiles * 32 * 24  # every tile a 4:3 frame, letterboxed (a grey placeholder has none)


def test_a_frame_is_read_at_the_players_clock_of_a_late_starting_container(tmp_path, red_then_blue_mp4):
    # the clip times ingest stores count from a player's 0:00; an MPEG-TS may start an hour in
    import shutil
    import subprocess

    from videobert.vocab.pictures import frame_images, read_frame

    if not shutil.which("ffmpeg"):
        pytest.skip("no ffmpeg CLI")
    ts = tmp_path / "late.ts"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(red_then_blue_mp4), "-c:v", "libx264", "-output_ts_offset",
                    "3600", str(ts)], check=True)
    for path in (red_then_blue_mp4, ts):
        early, late = np.asarray(read_frame(path, 1.0))[24, 32], np.asarray(read_frame(path, 3.0))[24, 32]
        assert early[0] > 150 > 100 > early[2] and late[2] > 150 > 100 > late[0], path  # red at 1 s, blue at 3 s
        # several times, one opening (the explorer's): past the end, the last frame
        reds = [int(np.asarray(im)[24, 32][0] > 150) for im in frame_images(path, [0.5, 1.0, 3.0, 9.0])]
        assert reds == [1, 1, 0, 0], path


def test_pictures_of_videos_moved_since_ingest_come_from_video_dir(tmp_path, red_then_blue_mp4, monkeypatch):
    """The corpus recorded /old/... ; the video now lives elsewhere: `--video-dir` finds it, and
    the contact sheet shows its pixels instead of the grey 'source missing' tile."""
    from videobert.utils.media import VIDEO_DIRS_ENV

    monkeypatch.setenv(VIDEO_DIRS_ENV, "")  # restored after the test, whatever the code sets
    moved = tmp_path / "new_disk" / "cooking" / "redblue.mp4"
    moved.parent.mkdir(parents=True)
    red_then_blue_mp4.rename(moved)
    corpus = Corpus(tmp_path / "corpus")
    corpus.init({"backbone": "synthetic"})
    feats = np.array([[0.0, 0.0], [10.0, 10.0]], np.float16)
    corpus.write(VideoRecord("rb", "/old_disk/cooking/redblue.mp4", 4.0, np.array([0.0, 1.5]), feats, []))
    vocab = build_vocab(corpus.root, VocabConfig(levels=1, k=2))
    red_leaf = int(vocab.assign(feats.astype(np.float32))[0])
    assert (np.asarray(exemplar_frame(vocab, red_leaf, 32)) == 96).mean() > 0.5  # not found: the grey tile
    sheet = tmp_path / "sheet.png"
    assert main(["vocab", "show", str(corpus.root), "--top", "2", "--size", "32", "--out", str(sheet),
                 "--video-dir", str(tmp_path / "new_disk")]) == 0
    r = np.asarray(exemplar_frame(vocab, red_leaf, 32))[16, 16].astype(int)  # the option stays set in this process
    assert r[0] > 150 and r[2] < 100
    assert np.asarray(Image.open(sheet).convert("RGB"))[..., 0].max() > 150  # red pixels on the sheet
