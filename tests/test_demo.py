"""End to end: `videobert demo --tiny` runs every stage and writes a self-contained report."""
import json
import re

from videobert.cli import main
from videobert.demo import Demo, DemoConfig


def test_tiny_demo_end_to_end_and_resume(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--tiny", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    for i, stage in enumerate(("synth", "ingest", "vocab", "pretrain", "eval", "report"), 1):
        assert f"[{i}/6] {stage} done" in said

    report = json.loads((out / "report.json").read_text())
    assert {"zeroshot", "forecast", "retrieval", "alignment", "text2video", "caption", "reference"} <= set(report)
    # the default features are the pretrained frame backbone, and the report says which were used
    assert report["meta"]["backbone"] == "efficientnet_lite0" and "ImageNet" in report["meta"]["features"]
    manifest = json.loads((out / "corpus" / "manifest.json").read_text())
    assert manifest["config"]["backbone"] == "efficientnet_lite0" and manifest["config"]["weights"] == "imagenet"
    assert [r["name"] for r in report["caption"]["rows"]] == ["EfficientNet-Lite0 features only",
                                                             "VideoBERT only",
                                                             "VideoBERT + EfficientNet-Lite0",
                                                             "nearest training caption (features)",
                                                             "perfect (the reference itself)"]
    zs = report["zeroshot"]
    assert 0.0 <= zs["verb_top1"] <= 1.0 and 0.0 <= zs["prior_noun_top1"] <= 1.0
    assert 0.0 <= report["reference"]["vote_verb_top1"] <= 1.0 and 0.0 <= report["reference"]["nn_noun_top1"] <= 1.0
    assert report["text2video"]["pairs"] == 48  # every verb-noun pair of the synthetic label lists

    page = (out / "report.html").read_text()
    assert "src='http" not in page and 'src="http' not in page  # opens with no server, offline
    images = re.findall(r"src='data:image/png;base64,", page)
    assert len(images) >= 4  # loss curves, contact sheet, text-to-video strips, forecasts
    for title in ("Zero-shot action classification", "Forecasting", "retrieval", "Captioning", "1-NN",
                  "alignment", "Text-to-video"):
        assert title.lower() in page.lower()
    # each task's heading is followed by that task's own text and table, before the next heading
    sections = {h: body for h, body in re.findall(r"<h2>([^<]*)</h2>(.*?)(?=<h2>|</body>)", page, re.S)}
    assert "language prior" in sections["Zero-shot action classification"]
    assert "most frequent token" in sections["Forecasting the next visual token"]
    assert "R@10" in sections["Text-to-video retrieval"]
    assert "BLEU" in sections["Captioning"]
    assert "other video negatives" in sections["Linguistic-visual alignment"]
    assert "most frequent words" in sections["Text-to-video"]

    # a re-run reuses every finished stage, and the report keeps the first run's stage timings
    first = json.loads((out / "report.json").read_text())["stage_seconds"]
    assert "stage seconds" in report["meta"] and "{" not in report["meta"]["stage seconds"]
    again = Demo(out, DemoConfig.tiny_config(), progress=False, say=lambda s: None)
    again.run()
    assert again.seconds_this_run["pretrain"] < 5 and again.seconds_this_run["eval"] < 5
    rerun = json.loads((out / "report.json").read_text())["stage_seconds"]
    for stage in ("synth", "ingest", "vocab", "pretrain", "eval"):
        assert rerun[stage] == first[stage] > 0


def test_demo_refuses_a_directory_made_with_another_config(tmp_path):
    import pytest

    out = tmp_path / "d"
    out.mkdir()
    (out / "demo_config.json").write_text(json.dumps({**DemoConfig.tiny_config().to_dict(), "videos": 99}))
    with pytest.raises(ValueError, match="another configuration"):
        Demo(out, DemoConfig.tiny_config(), say=lambda s: None).run()


def test_demo_backbones_and_what_the_report_says():
    import pytest

    assert DemoConfig().backbone == "efficientnet_lite0" and DemoConfig().crop == 224
    s3d = DemoConfig(backbone="s3d")
    assert s3d.crop == 64 and "RANDOM" in s3d.features  # the report says S3D's features are not pretrained
    assert DemoConfig(backbone="s3d", size=112).crop == 112
    with pytest.raises(ValueError, match="backbone"):
        DemoConfig(backbone="resnet")


def test_report_words_for_timings_and_diverging_losses(tmp_path):
    from videobert.demo import format_timings, loss_trend_notes

    assert format_timings({"synth": 49.2, "ingest": 111.0}) == "synth 49 s, ingest 1 min 51 s; total 2 min 40 s"
    rows = [{"step": s, "split": "train", "loss_align": 0.7 - s / 1000, "loss_video": 5.0 - s / 100} for s in
            range(10, 101, 10)]
    rows += [{"step": s, "split": "heldout", "loss_align": a, "loss_video": 5.0 - s / 100}
             for s, a in ((20, 0.69), (40, 0.60), (60, 0.70), (80, 0.75), (100, 0.80))]
    path = tmp_path / "metrics.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    notes = loss_trend_notes(path)
    assert len(notes) == 1 and "Held-out loss_align rose from 0.600 (step 40) to 0.800 (step 100)" in notes[0]
    assert "overfits" in notes[0]


def test_the_demo_command_hands_its_options_to_the_config(monkeypatch, tmp_path, capsys):
    import videobert.demo as demo

    seen = []

    class Recorder:
        def __init__(self, out, config, progress=True, say=print):
            seen.append(config)

        def run(self):
            return tmp_path / "report.html"

    monkeypatch.setattr(demo, "Demo", Recorder)
    assert main(["demo", "--size", "160", "--steps", "10", "--out", str(tmp_path / "d")]) == 0
    assert (seen[-1].size, seen[-1].crop, seen[-1].max_steps) == (160, 160, 10)
    assert main(["demo", "--out", str(tmp_path / "d")]) == 0
    assert seen[-1].crop == 224  # 0: the backbone's demo size
    capsys.readouterr()
    assert main(["demo", "--size", "-3", "--out", str(tmp_path / "d")]) == 1
    assert "'size' = -3" in capsys.readouterr().err
