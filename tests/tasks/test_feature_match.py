"""A model evaluated on a corpus ingested with other feature settings is refused (unless --force)."""
import json
import shutil

import pytest

from videobert.cli import main
from videobert.ingest.config import FeatureMismatchError, check_feature_match
from videobert.tasks.report import load_eval_data


def _reingested_copy(corpus_dir, dst, **changes):
    """The corpus with its manifest saying it was ingested with `changes` (same features)."""
    shutil.copytree(corpus_dir, dst)
    m = json.loads((dst / "manifest.json").read_text())
    m["config"].update(changes)
    (dst / "manifest.json").write_text(json.dumps(m))
    return dst


def test_check_feature_match_names_the_field_and_both_values():
    with pytest.raises(FeatureMismatchError, match=r"size: 224 \(model M\) != 64 \(corpus C\)"):
        check_feature_match({"size": 224, "seed": 0}, {"size": 64, "seed": 0}, "model M", "corpus C")
    assert check_feature_match({"size": 224}, {"size": 64}, "m", "c", force=True) == {"size": (224, 64)}
    assert check_feature_match({"size": 224, "pool": "mean"}, {"size": 224}, "m", "c") == {}  # a key one predates


def test_eval_refuses_a_corpus_with_other_features_unless_forced(tiny_setup, tmp_path, capsys):
    s = tiny_setup
    other = _reingested_copy(s["corpus"], tmp_path / "other", size=64, seed=7)
    with pytest.raises(FeatureMismatchError, match="size.*seed"):
        load_eval_data(s["model"], str(other), s["annotations"])
    argv = ["eval", "zeroshot", s["model"], "--corpus", str(other), "--annotations", s["annotations"]]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'size'" not in err and "size: 32" in err and "--force" in err
    assert main(argv + ["--force"]) == 0
    assert main(["eval", "alignment", s["model"], "--corpus", str(other)]) == 1


def test_report_md_shows_raw_html_from_annotations_as_text(tmp_path):
    import types

    from videobert.tasks.report import write_report

    hostile = "<script>alert(1)</script> & <img src=x onerror=alert(2)>"
    result = types.SimpleNamespace(to_dict=lambda: {"caption": hostile},
                                   markdown=lambda: f"| caption | score |\n|---|---|\n| {hostile} | 1.0 |")
    out = write_report({"caption": result}, tmp_path, {"model": "m"})
    md, page = (out / "report.md").read_text(), (out / "report.html").read_text()
    for text in (md, page):
        assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img" in md and "| 1.0 |" in md
