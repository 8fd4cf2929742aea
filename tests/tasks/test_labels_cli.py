"""`videobert labels ANNOTATIONS --out DIR`: the label files eval reads."""
import json

import pytest

from videobert.cli import main
from videobert.tasks.annotations import read_labels

pytest.importorskip("spacy")


def _annotations(path):
    caps = ["add the salt", "add the chopped onions and stir", "cut the onion", "season with salt and pepper",
            "add salt to the pan", "spread mayonnaise on the bread", "pour the olive oil into the pan"]
    db = {"v0": {"subset": "training", "duration": 60, "annotations": [
        {"id": i, "segment": [5 * i, 5 * i + 4], "sentence": c} for i, c in enumerate(caps)]},
        "v1": {"subset": "validation", "duration": 10, "annotations": [
            {"id": 0, "segment": [0, 4], "sentence": "whisk the eggs"}]}}
    path.write_text(json.dumps({"database": db}))
    return path


def test_labels_command_writes_the_lists_most_common_first(tmp_path, capsys):
    ann = _annotations(tmp_path / "ann.json")
    try:
        rc = main(["labels", str(ann), "--out", str(tmp_path / "labels"), "--verbs", "3", "--nouns", "2"])
    except ImportError as e:
        pytest.skip(f"no spaCy English pipeline: {e}")
    assert rc == 0
    verbs = (tmp_path / "labels" / "verbs.txt").read_text().splitlines()
    assert verbs[0].startswith("# 3 most common verbs of 7 captions")
    body = [line for line in verbs if not line.startswith("#")]
    assert [line.split("#")[0].strip() for line in body] == ["add", "cut", "pour"]  # add 3, then 1 each: a-z
    assert body[0].endswith("# 3")
    assert read_labels(tmp_path / "labels" / "verbs.txt") == ["add", "cut", "pour"]  # eval's reader skips comments
    assert read_labels(tmp_path / "labels" / "nouns.txt") == ["salt", "onion"]  # salt 3, onion 2
    out = capsys.readouterr().out
    assert "parsed 7 captions" in out and "(3 verbs, 71.4% of the captions)" in out  # add 3 + cut + pour: 5 of 7
    assert main(["labels", str(ann), "--out", str(tmp_path / "all"), "--subset", "all"]) == 0
    assert "whisk" in read_labels(tmp_path / "all" / "verbs.txt")
