"""Atomic writes: a failure mid-write leaves the old file as it was and no temp file behind."""
from __future__ import annotations

import json
import os
import stat

import numpy as np
import pytest

from videobert.utils import io as uio
from videobert.utils.io import atomic_save_npy, atomic_write_bytes, atomic_write_json, atomic_write_text, read_json


def test_writes_replace_the_file_and_leave_nothing_else(tmp_path):
    path = tmp_path / "sub" / "f.json"  # missing folders are made
    atomic_write_json(path, {"a": 1})
    atomic_write_json(path, {"a": 2, "p": tmp_path, "n": np.int64(3), "x": np.arange(2)})
    assert read_json(path) == {"a": 2, "p": str(tmp_path), "n": 3, "x": [0, 1]}
    atomic_write_text(tmp_path / "t.txt", "héllo")
    assert (tmp_path / "t.txt").read_text(encoding="utf-8") == "héllo"
    atomic_save_npy(tmp_path / "a.npy", np.arange(6).reshape(2, 3)[:, ::2])
    assert np.load(tmp_path / "a.npy").tolist() == [[0, 2], [3, 5]]
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.npy", "f.json", "sub", "t.txt"]


def test_new_files_get_the_usual_permissions(tmp_path):
    mode = stat.S_IMODE(os.stat(atomic_write_bytes(tmp_path / "f", b"x")).st_mode)
    assert mode == 0o666 & ~uio._UMASK  # not mkstemp's 0600


@pytest.mark.parametrize("where, error", [("fsync", OSError(28, "No space left on device")),
                                          ("replace", OSError("rename failed")),
                                          ("fsync", KeyboardInterrupt())])
def test_a_failure_mid_write_keeps_the_old_file_and_no_temp_file(tmp_path, monkeypatch, where, error):
    path = atomic_write_json(tmp_path / "state.json", {"step": 1})
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(uio.os, where, fail)
    with pytest.raises(type(error)):
        atomic_write_json(path, {"step": 2, "big": list(range(10_000))})
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_an_unserializable_object_writes_nothing(tmp_path):
    path = atomic_write_json(tmp_path / "f.json", [1])
    with pytest.raises(TypeError, match="not JSON serializable: object"):
        atomic_write_json(path, {"x": object()})
    assert json.loads(path.read_text()) == [1] and len(list(tmp_path.iterdir())) == 1


def test_read_json_names_a_damaged_file(tmp_path):
    (tmp_path / "cut.json").write_text('{"a": [1, 2')
    with pytest.raises(json.JSONDecodeError, match=r"cut\.json: not valid JSON"):
        read_json(tmp_path / "cut.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match=r"bin\.json: not UTF-8"):
        read_json(tmp_path / "bin.json")
