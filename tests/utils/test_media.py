import os

import pytest

from videobert.utils import media
from videobert.utils.media import VIDEO_DIRS_ENV, add_video_dirs, locate


@pytest.fixture
def dirs(monkeypatch):
    monkeypatch.setenv(VIDEO_DIRS_ENV, "")  # restored after the test, whatever the code sets


def touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_locate_keeps_an_existing_source_and_a_missing_one_without_folders(tmp_path, dirs):
    here = touch(tmp_path / "a.mp4")
    assert locate(here) == str(here)
    assert locate(tmp_path / "gone" / "b.mp4") == str(tmp_path / "gone" / "b.mp4")  # nowhere to look


def test_locate_finds_the_longest_tail_of_a_moved_video(tmp_path, dirs):
    old = "/data/cooking/day1/cut.mp4"
    new = touch(tmp_path / "mnt" / "cooking" / "day1" / "cut.mp4")
    decoy = touch(tmp_path / "mnt" / "cut.mp4")  # the same name elsewhere: a shorter tail
    add_video_dirs([tmp_path / "mnt"])
    assert locate(old) == str(new)
    assert media.video_dirs() == [tmp_path / "mnt"]
    add_video_dirs([tmp_path / "mnt" / "cooking"])  # given first: searched first
    assert locate(old) == str(new)
    assert locate("/elsewhere/cut.mp4") == str(decoy)  # only its name matches, under the second folder
    assert locate("/data/other.mp4") == "/data/other.mp4"  # not found: the recorded path, reported missing
    assert os.environ[VIDEO_DIRS_ENV] == os.pathsep.join([str(tmp_path / "mnt" / "cooking"), str(tmp_path / "mnt")])


def test_locate_a_shard_member_by_its_tar(tmp_path, dirs):
    tar = touch(tmp_path / "new" / "shards" / "00000.tar")
    add_video_dirs([tmp_path / "new"])
    assert locate("/old/shards/00000.tar#000001.mp4") == f"{tar}#000001.mp4"
    assert locate(f"{tar}#000001.mp4") == f"{tar}#000001.mp4"  # the tar is where it was
