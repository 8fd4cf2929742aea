import json

import numpy as np
import pytest

from videobert.tasks.annotations import clip_range, load_youcook, read_labels


def write_youcook(path, videos):
    db = {vid: {"subset": sub, "duration": 30.0, "recipe_type": "101",
                "annotations": [{"id": i, "segment": list(seg), "sentence": s} for i, (seg, s) in enumerate(anns)]}
          for vid, (sub, anns) in videos.items()}
    path.write_text(json.dumps({"database": db}))
    return path


def test_load_youcook(tmp_path):
    p = write_youcook(tmp_path / "a.json", {
        "v1": ("training", [((1, 4), "add the salt"), ((5, 9), "cut the tomato")]),
        "v2": ("validation", [((0, 3), "stir the soup")]),
    })
    segs = load_youcook(p)
    assert [(s.video_id, s.subset, s.index, s.start, s.end) for s in segs] == [
        ("v1", "training", 0, 1.0, 4.0), ("v1", "training", 1, 5.0, 9.0), ("v2", "validation", 0, 0.0, 3.0)]
    assert [s.sentence for s in load_youcook(p, "validation")] == ["stir the soup"]


def test_load_youcook_rejects_bad_files(tmp_path):
    (tmp_path / "x.json").write_text(json.dumps({"videos": {}}))
    with pytest.raises(ValueError, match="database"):
        load_youcook(tmp_path / "x.json")
    p = write_youcook(tmp_path / "y.json", {"v": ("training", [((4, 2), "x")])})
    with pytest.raises(ValueError, match="end"):
        load_youcook(p)


def test_clip_range_overlapping_clips():
    starts = np.arange(10) * 1.5  # clips [0,1.5) [1.5,3) ...
    assert clip_range(starts, 2.0, 5.0) == (1, 4)  # clips 1 (1.5-3), 2 (3-4.5), 3 (4.5-6)
    assert clip_range(starts, 3.0, 4.5) == (2, 3)  # touching boundaries do not overlap
    assert clip_range(starts, 0.0, 100.0) == (0, 10)
    assert clip_range(starts, 50.0, 60.0) == (0, 0)


def test_read_labels(tmp_path):
    (tmp_path / "v.txt").write_text("# verbs\nAdd\ncut  # chop\n\nadd\n")
    assert read_labels(tmp_path / "v.txt") == ["add", "cut"]
    (tmp_path / "w.txt").write_text("add\n")
    with pytest.raises(ValueError, match="at least 2"):
        read_labels(tmp_path / "w.txt")


def test_a_directory_or_missing_file_for_annotations_or_labels_says_what_was_expected(tmp_path, capsys):
    from videobert.cli import main

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "manifest.json").write_text("{}")
    (corpus / "failures.json").write_text("[]")
    assert main(["labels", str(corpus), "--out", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Errno" not in err
    assert f"expected a YouCook II style annotation JSON file, got the directory {corpus}" in err
    assert "that is a corpus" in err and "did you mean" not in err  # the corpus' own JSON files are no annotations
    (corpus / "ann.json").write_text("{}")
    with pytest.raises(IsADirectoryError, match=rf"did you mean {corpus / 'ann.json'}\?"):
        load_youcook(corpus)
    with pytest.raises(FileNotFoundError, match="nope.json: no such file; expected a YouCook II"):
        load_youcook(tmp_path / "nope.json")
    labels = tmp_path / "labels"
    labels.mkdir()
    for name in ("nouns.txt", "verbs.txt"):
        (labels / name).write_text("salt\npepper\n")
    with pytest.raises(IsADirectoryError, match=rf"expected a label file.* did you mean {labels / 'nouns.txt'} or "):
        read_labels(labels)
