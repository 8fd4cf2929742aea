import hashlib
import os

import pytest

from videobert.corpus import CorpusError, check_video_id
from videobert.ingest.inputs import _hashed, assign_ids, expand_inputs, id_base


def test_files_folders_lists_and_ids(tmp_path):
    for rel in ["a/x.mp4", "a/sub/y.mkv", "a/notes.md", "b/x.webm", "c/z.MOV"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    lst = tmp_path / "list.txt"
    lst.write_text("# my videos\nc/z.MOV\n\nb\nmissing.mp4\n")
    paths = expand_inputs([tmp_path / "a", lst, tmp_path / "a" / "x.mp4"])
    rel = [p.relative_to(tmp_path).as_posix() for p in paths]
    assert rel == ["a/sub/y.mkv", "a/x.mp4", "c/z.MOV", "b/x.webm", "missing.mp4"]  # dupes dropped, missing kept
    ids = dict(assign_ids(paths))
    # a/x.mp4 sorts first: it keeps the plain stem; the other x gets stem + 8 hex of its real path
    assert ids["x"] == tmp_path / "a" / "x.mp4"
    x_ids = [i for i in ids if i.startswith("x-")]
    assert len(x_ids) == 1 and len(x_ids[0]) == 10 and ids[x_ids[0]] == tmp_path / "b" / "x.webm"
    assert {"y", "z", "missing"} <= set(ids)
    assert assign_ids(paths) == assign_ids(list(paths))  # stable


def _touch(path, data=b""):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_one_real_file_reached_twice_is_one_input(tmp_path):
    real = _touch(tmp_path / "v" / "clip.mp4", b"1")
    os.symlink(real, tmp_path / "v" / "alias.mp4")  # a symlink beside its target, in the folder
    lst = tmp_path / "list.txt"
    lst.write_text("v/clip.mp4\nv/../v/clip.mp4\n")
    paths = expand_inputs([lst, tmp_path / "v", tmp_path / "v" / "alias.mp4"])
    assert paths == [tmp_path / "v" / "clip.mp4"]  # the first spelling is kept
    assert [vid for vid, _ in assign_ids(paths)] == ["clip"]


def test_ids_do_not_depend_on_the_input_order(tmp_path):
    paths = [_touch(tmp_path / d / "clip.mp4", d.encode()) for d in ("s2", "s1", "s3")]
    a = dict(assign_ids(paths))
    b = dict(assign_ids(list(reversed(paths))))
    assert a == b and a["clip"] == tmp_path / "s1" / "clip.mp4"
    h = hashlib.sha1(str(tmp_path / "s2" / "clip.mp4").encode()).hexdigest()[:8]
    assert a[f"clip-{h}"] == tmp_path / "s2" / "clip.mp4"


def test_ids_against_the_corpus(tmp_path):
    s1, s2 = _touch(tmp_path / "s1" / "clip.mp4", b"1"), _touch(tmp_path / "s2" / "clip.mp4", b"2")
    h2 = "clip-" + hashlib.sha1(str(s2).encode()).hexdigest()[:8]
    # the corpus holds s2's clip under the plain id: s2 is done under it, s1 gets a hashed id
    h1 = "clip-" + hashlib.sha1(str(s1).encode()).hexdigest()[:8]
    stored = {"clip": str(s2)}
    assert dict(assign_ids([s1, s2], stored.get)) == {"clip": s2, h1: s1}
    # a corpus made by the old rule (every clash hashed) keeps both ids: nothing is redone
    old = {h1: str(s1), h2: str(s2)}
    assert dict(assign_ids([s1, s2], old.get)) == {h1: s1, h2: s2}
    # the stored source is compared by real path (a symlink to the same file is the same video)
    os.symlink(s1, tmp_path / "link.mp4")
    assert assign_ids([s1], {"clip": str(tmp_path / "link.mp4")}.get) == [("clip", s1)]
    # a hashed id taken by another file too: the longer hash
    taken = {"clip": "/elsewhere/clip.mp4", h1: "/elsewhere/other.mp4"}
    (vid, _), = assign_ids([s1], taken.get)
    assert vid == "clip-" + hashlib.sha1(str(s1).encode()).hexdigest()[:16]


def test_id_bases_are_valid_file_names():
    assert id_base("synth_0000") == "synth_0000" and id_base("-yt-Id_0") == "-yt-Id_0"
    assert id_base("my video (1)") == "my_video__1_"
    assert id_base("..evil") == "_evil" and id_base(".hidden") == "_hidden" and id_base("a..b") == "a.b"
    assert id_base("x" * 300) == "x" * 150
    for bad in ("/etc/passwd", "../..", "..", ".", "a/b", "", "x" * 202, "a..b", ".hidden", "caf\u00e9", None):
        with pytest.raises(CorpusError, match="invalid video id"):
            check_video_id(bad)


def test_bad_path_lists_are_errors_naming_the_file(tmp_path):
    lst = tmp_path / "self.txt"
    lst.write_text("other.txt\n")
    (tmp_path / "other.txt").write_text("self.txt\n")
    with pytest.raises(ValueError, match=r"path list includes itself .*self\.txt -> .*other\.txt -> .*self\.txt"):
        expand_inputs([lst])
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9.mp4\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin\.txt: path list is not UTF-8"):
        expand_inputs([latin])
    (tmp_path / "twice.txt").write_text("v.mp4\n")  # the same list twice (not a cycle) is fine
    (tmp_path / "both.txt").write_text("twice.txt\ntwice.txt\n")
    assert expand_inputs([tmp_path / "both.txt"]) == [tmp_path / "v.mp4"]


def test_empty_folder_directory_named_like_a_video_and_dangling_symlink_are_reported(tmp_path, caplog):
    (tmp_path / "empty").mkdir()
    (tmp_path / "x.mp4").mkdir()  # a directory named like a video, given directly: a failed video
    (tmp_path / "v" / "y.mp4").mkdir(parents=True)  # ... and in a folder: a warning
    os.symlink(tmp_path / "gone.mp4", tmp_path / "v" / "dangling.mp4")
    with caplog.at_level("WARNING", logger="videobert.ingest.inputs"):
        paths = expand_inputs([tmp_path / "empty", tmp_path / "x.mp4", tmp_path / "v"])
    assert paths == [tmp_path / "x.mp4", tmp_path / "v" / "dangling.mp4"]
    assert "empty: folder holds no video files" in caplog.text and "it is empty" in caplog.text
    assert "y.mp4: a directory named like a video file" in caplog.text


def test_ingest_reports_them(tmp_path, capsys):
    from videobert.cli import main

    (tmp_path / "empty").mkdir()
    assert main(["ingest", str(tmp_path / "empty"), "--out", str(tmp_path / "c"), "--no-progress"]) == 1
    assert "no video files in" in capsys.readouterr().err
    (tmp_path / "x.mp4").mkdir()
    os.symlink(tmp_path / "gone.mp4", tmp_path / "link.mp4")
    argv = ["ingest", str(tmp_path / "x.mp4"), str(tmp_path / "link.mp4"), "--out", str(tmp_path / "c"),
            "--no-progress", "--weights", "random", "--size", "32", "--device", "cpu"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "x.mp4: is a directory, not a video file" in err and "link.mp4: dangling symbolic link" in err


def test_hidden_folders_are_not_scanned(tmp_path):
    """fetch's `.partial/` (a download in progress) and explore's `.explore-cache/` are not inputs."""
    _touch(tmp_path / "v" / "a.mp4")
    _touch(tmp_path / "v" / ".partial" / "b" / "b.mp4")
    _touch(tmp_path / "v" / ".explore-cache" / "c.mp4")
    _touch(tmp_path / ".outer" / "d.mp4")
    paths = expand_inputs([tmp_path / "v"])
    assert [p.name for p in paths] == ["a.mp4"]
    # a hidden folder named explicitly is still read (only folders below an input are skipped)
    assert [p.name for p in expand_inputs([tmp_path / ".outer"])] == ["d.mp4"]


def test_videos_named_like_corpus_videos_whose_source_is_gone_are_flagged_as_moved(tmp_path):
    from videobert.ingest.inputs import moved_away

    new = _touch(tmp_path / "new" / "clip.mp4", b"1")
    other = _touch(tmp_path / "new" / "other.mp4", b"2")
    kept = _touch(tmp_path / "kept" / "keep.mp4", b"3")
    stored = {"clip": str(tmp_path / "old" / "clip.mp4"),  # its folder was moved: gone
              "keep": str(tmp_path / "elsewhere.mp4"), "other": str(tmp_path / "old" / "shard.tar#other.mp4")}
    _touch(tmp_path / "elsewhere.mp4", b"4")  # a different, existing file of the same name: not moved
    jobs = assign_ids([new, other, kept], stored.get)
    flagged = moved_away([(v, p) for v, p in jobs if v not in stored], stored.get)
    assert [(p, vid) for p, vid, _ in flagged] == [(new, "clip"), (other, "other")]
    assert moved_away([], stored.get) == [] and moved_away(jobs, {}.get) == []


def test_a_folder_without_videos_says_what_it_holds(tmp_path, caplog):
    for name in ("a.m4a", "b.m4a", "c.gif", "notes"):
        _touch(tmp_path / "audio" / name)
    with caplog.at_level("WARNING", logger="videobert.ingest.inputs"):
        assert expand_inputs([tmp_path / "audio"]) == []
    assert "holds no video files" in caplog.text and "only .m4a x2, (no extension) x1, .gif x1" in caplog.text


def test_camcorder_and_broadcast_containers_are_videos(tmp_path):
    names = ["a.MTS", "b.m2ts", "c.mxf", "d.vob", "e.dv", "f.3g2", "g.f4v", "h.asf"]
    for n in names:
        _touch(tmp_path / "cam" / n)
    _touch(tmp_path / "cam" / "i.m4a")  # audio: not a video
    assert [p.name for p in expand_inputs([tmp_path / "cam"])] == names


def test_ids_of_non_english_names_fold_accents_and_keep_earlier_ids(tmp_path):
    assert id_base("Küche – Zwiebeln schneiden 🔪") == "Kuche___Zwiebeln_schneiden__"
    assert id_base("crème brûlée") == "creme_brulee" and id_base("ﬁlm") == "film"
    assert id_base("日本語の料理") == "video" and id_base("料理 2") == "___2"
    assert id_base("a b.c..d") == "a_b.c.d" and id_base("___") == "___"  # ASCII names as before
    a, b = _touch(tmp_path / "日本語の料理.mp4"), _touch(tmp_path / "ケーキ.mp4")
    ids = [vid for vid, _ in assign_ids([a, b])]
    assert sorted(ids)[1].startswith("video-") and "video" in ids  # two such names: both kept apart
    # a corpus ingested before the folding keeps its ids ("K_che", not "Kuche" again)
    k = _touch(tmp_path / "Küche.mp4")
    assert assign_ids([k], {"K_che": str(k)}.get) == [("K_che", k)]
    assert assign_ids([k]) == [("Kuche", k)]


def test_macos_metadata_files_are_not_videos(tmp_path):
    _touch(tmp_path / "v" / "clip.mp4")
    _touch(tmp_path / "v" / "._clip.mp4", b"\x00\x05\x16\x07")  # AppleDouble, beside a copied video
    assert [p.name for p in expand_inputs([tmp_path / "v"])] == ["clip.mp4"]


def _non_utf8_name(folder, name: bytes):
    """A file named by bytes that are not UTF-8 (a Latin-1 name from an old archive), as Python
    sees it (surrogate-escaped); skips where the file system refuses such names."""
    folder.mkdir(parents=True, exist_ok=True)
    raw = os.path.join(os.fsencode(folder), name)
    try:
        with open(raw, "wb") as f:
            f.write(b"x")
    except OSError as e:
        pytest.skip(f"this file system does not take non-UTF-8 names: {e}")
    return type(folder)(os.fsdecode(raw))


def test_a_name_that_is_not_utf8_gets_an_ascii_id(tmp_path):
    a = _non_utf8_name(tmp_path / "a", b"caf\xe9_latin1.mp4")
    b = _non_utf8_name(tmp_path / "b", b"caf\xe9_latin1.mp4")  # same base: one gets the hashed id
    ids = dict(assign_ids([a, b]))
    assert set(ids) == {"caf__latin1", "caf__latin1-" + hashlib.sha1(os.fsencode(b)).hexdigest()[:8]}
    assert all(vid.isascii() and check_video_id(vid) == vid for vid in ids)
    # a UTF-8 name hashes as before (the ids of corpora made by earlier versions)
    c = _touch(tmp_path / "b" / "café.mp4")
    assert _hashed("cafe", c, 8) == "cafe-" + hashlib.sha1(str(c).encode("utf-8")).hexdigest()[:8]


def test_a_name_that_is_not_utf8_is_left_out_alone_with_a_warning(tmp_path, make_video, tiny_config, caplog):
    from videobert.corpus import Corpus
    from videobert.ingest import ingest

    (tmp_path / "v").mkdir()
    make_video(tmp_path / "v" / "good.mp4", 25, 40)
    bad = _non_utf8_name(tmp_path / "v", b"caf\xe9_latin1.mp4")
    bad.write_bytes((tmp_path / "v" / "good.mp4").read_bytes())
    with caplog.at_level("WARNING", logger="videobert.ingest.inputs"):
        assert expand_inputs([tmp_path / "v"]) == [tmp_path / "v" / "good.mp4"]
        s = ingest([tmp_path / "v", bad], tmp_path / "c", tiny_config, progress=False)  # in a folder and named
    assert (s.total, s.done, s.failed) == (1, 1, 0)
    assert Corpus(tmp_path / "c").video_ids() == ["good"]
    assert "caf\\xe9_latin1.mp4" in caplog.text and "not UTF-8" in caplog.text and "rename them" in caplog.text


def _scan_lines(caplog, words):
    return [r.getMessage() for r in caplog.records if r.name == "videobert.ingest.inputs" and words in r.getMessage()]


def test_a_folder_scan_names_the_files_it_skipped_in_one_line(tmp_path, caplog):
    v = tmp_path / "v"
    for name in ("clip.mp4", "sub/clip2.mkv", "anim.gif", "sub/voice.m4a", "sub/more.m4a", "README"):
        _touch(v / name)
    # what goes with videos, hidden and macOS metadata files, and what ingest and fetch write: not "skipped"
    for name in ("clip.vtt", "clip.en.srt", "clip.ass", "clip.sbv", "clip.info.json", "failures.json", "list.txt",
                 "urls.csv", ".DS_Store", "._clip.mp4", ".partial/x.gif"):
        _touch(v / name)
    with caplog.at_level("INFO", logger="videobert.ingest.inputs"):
        assert [p.name for p in expand_inputs([v])] == ["clip.mp4", "clip2.mkv"]
    lines = _scan_lines(caplog, "skipped")
    assert lines == [f"{v}: skipped 4 files that are not videos by their extension: .m4a x2, (no extension) x1, "
                     ".gif x1; name a file directly to ingest it"]
    caplog.clear()
    with caplog.at_level("INFO", logger="videobert.ingest.inputs"):
        expand_inputs([v / "sub" / "clip2.mkv", v / "anim.gif"])  # named files: no scan, and the gif is taken
        assert [p.name for p in expand_inputs([v / "anim.gif"])] == ["anim.gif"]
    assert _scan_lines(caplog, "skipped") == []


def test_corpus_and_explore_export_folders_are_not_scanned(tmp_path, caplog):
    """An explore site exported into the videos' folder holds copies of the corpus videos
    (media/ID.mp4): scanning it would ingest each video again, under another id."""
    import json

    from videobert.ingest.inputs import EXPLORE_EXPORT_MARKER

    proj = tmp_path / "proj"
    _touch(proj / "clip.mp4")
    _touch(proj / "site" / EXPLORE_EXPORT_MARKER, b"x")
    _touch(proj / "site" / "media" / "clip.mp4")
    _touch(proj / "site" / "media" / "deeper" / "x.mp4")
    for name in ("index.html", "static/explore.js", "media/clip.mp4"):  # a site exported before the marker
        _touch(proj / "old_site" / name)
    (proj / "corpus" / "videos").mkdir(parents=True)
    (proj / "corpus" / "manifest.json").write_text(json.dumps({"format": "videobert-corpus/1", "config": {}}))
    _touch(proj / "corpus" / "pictures" / "a.mp4")
    # another tool's manifest.json, a web page without the explorer's script: ordinary folders
    (proj / "other").mkdir()
    (proj / "other" / "manifest.json").write_text('{"format": "something-else"}')
    _touch(proj / "other" / "b.mp4")
    _touch(proj / "web" / "index.html")
    _touch(proj / "web" / "c.mp4")
    with caplog.at_level("INFO", logger="videobert.ingest.inputs"):
        paths = expand_inputs([proj])
    assert [p.relative_to(proj).as_posix() for p in paths] == ["clip.mp4", "other/b.mp4", "web/c.mp4"]
    lines = _scan_lines(caplog, "not scanned")
    assert len(lines) == 1 and "corpus/ (a videobert corpus)" in lines[0]
    assert "old_site/ (a `videobert explore --export` site" in lines[0] and "site/ (a `videobert" in lines[0]
    # the files in those folders are not "skipped" files either
    assert _scan_lines(caplog, "skipped") == [f"{proj}: skipped 1 file that is not a video by its extension: .html x1; "
                                              "name a file directly to ingest it"]
    # a site named directly is read (only folders below an input are passed over)
    assert [p.name for p in expand_inputs([proj / "site"])] == ["clip.mp4", "x.mp4"]


def test_inputs_that_do_not_exist(tmp_path):
    from videobert.ingest.inputs import check_inputs_exist

    with pytest.raises(ValueError, match=r"nosuchdir: no such file or folder; nothing ingested"):
        check_inputs_exist([tmp_path / "nosuchdir"])
    with pytest.raises(ValueError, match=r"a\.mp4, .*b: no such files or folders; nothing ingested"):
        check_inputs_exist([tmp_path / "a.mp4", tmp_path / "b"])
    with pytest.raises(ValueError, match="no such file"):
        check_inputs_exist([str(tmp_path / "shards" / "{00000..00002}.tar")])
    # one that exists is enough: the missing ones are the batch's failures, as before
    _touch(tmp_path / "shards" / "00001.tar")
    os.symlink(tmp_path / "gone.mp4", tmp_path / "dangling.mp4")  # exists as a name: an unreadable video
    for some in ([tmp_path / "a.mp4", tmp_path / "shards"], [str(tmp_path / "shards" / "{00000..00002}.tar")],
                 [str(tmp_path / "shards" / "00001.tar#key.mp4")], [tmp_path / "dangling.mp4"]):
        check_inputs_exist(some)


def test_ingest_of_a_mistyped_folder_makes_no_corpus(tmp_path, capsys):
    from videobert.cli import main

    out = tmp_path / "c_bad"
    argv = ["ingest", str(tmp_path / "nosuchdir"), "--out", str(out), "--no-progress", "--weights", "random",
            "--size", "32", "--device", "cpu"]
    assert main(argv) == 1
    assert "nosuchdir: no such file or folder" in capsys.readouterr().err
    assert not out.exists()
    from videobert.ingest import IngestConfig, ingest  # the Python API as well as the command

    with pytest.raises(ValueError, match="nosuchdir: no such file or folder"):
        ingest([tmp_path / "nosuchdir"], out, IngestConfig(weights="random", size=32, device="cpu"), progress=False)
    assert not out.exists()
