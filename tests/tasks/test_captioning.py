import pytest
import torch

from videobert.tasks.captioning import (
    CaptionerConfig,
    SegmentFeatures,
    TrainedCaptioner,
    caption_metrics,
    train_captioner,
    videobert_features,
)

REFS = [["add the salt to the bowl"], ["cut the tomato into small pieces"]]


def test_identical_captions_score_perfectly():
    s = caption_metrics(REFS, ["add the salt to the bowl", "cut the tomato into small pieces"], meteor=False)
    assert s.bleu1 == pytest.approx(1.0, abs=1e-6) and s.bleu4 == pytest.approx(1.0, abs=1e-6)
    assert s.rouge_l == pytest.approx(1.0)
    assert s.meteor is None and "not computed" in s.meteor_note


@pytest.mark.slow
def test_meteor_runs_or_says_why():
    s = caption_metrics(REFS, ["add the salt to the bowl", "cut a tomato"])
    if s.meteor is None:
        assert s.meteor_note.startswith("METEOR unavailable")
    else:
        assert 0.0 < s.meteor < 1.0


def test_known_small_example():
    # 3 of 4 unigrams match, same length (no brevity penalty): BLEU-1 = 0.75; bigrams 2 of 3
    s = caption_metrics([["a b c d"]], ["a b c e"], meteor=False)
    assert s.bleu1 == pytest.approx(0.75, abs=1e-6)
    assert s.bleu2 == pytest.approx((0.75 * 2 / 3) ** 0.5, abs=1e-6)
    assert s.rouge_l == pytest.approx(0.75, abs=1e-6)  # LCS 3 of 4 both ways


def test_videobert_features_shape(tiny_model):
    f = videobert_features(tiny_model, [[1, 2, 3], [4]])
    assert f.shape == (2, 2 * tiny_model.bert.config.hidden_size) and torch.isfinite(f).all()


def test_captioner_learns_and_round_trips(tmp_path, tiny_model):
    torch.manual_seed(0)
    caps = ["add the salt", "cut the tomato", "stir the soup"]
    clips = [torch.randn(3, 8) + 3 * k for k in range(3)]  # distinct features per caption
    feats = SegmentFeatures(clips, torch.stack([c.mean(0) for c in clips]))
    cfg = CaptionerConfig(variant="s3d", epochs=40, batch_size=3, lr=5e-3, d_model=32, heads=2, ff_dim=64,
                          encoder_layers=1, decoder_layers=1, dropout=0.0)
    tc = train_captioner(feats, caps, tiny_model.tokenizer.text, cfg)
    assert tc.predict(feats) == caps
    assert tc.predict(feats, beam=3) == caps
    tc.save(tmp_path / "cap")
    again = TrainedCaptioner.load(tmp_path / "cap")
    assert again.predict(feats) == caps and again.net.config == cfg


def test_captioner_config_validation():
    with pytest.raises(ValueError, match="variant"):
        CaptionerConfig(variant="i3d")
    with pytest.raises(ValueError, match="heads"):
        CaptionerConfig(d_model=30, heads=4)


def test_meteor_failures_are_reported_not_raised(monkeypatch):
    import shutil

    import pycocoevalcap.meteor.meteor as meteor_mod

    monkeypatch.setattr(meteor_mod, "METEOR_JAR", "no-such-meteor.jar")  # java starts, then fails
    s = caption_metrics(REFS, ["add the salt", "cut a tomato"])
    assert s.meteor is None and s.meteor_note.startswith("METEOR unavailable") and s.bleu1 > 0
    monkeypatch.setattr(shutil, "which", lambda name: None)
    s = caption_metrics(REFS, ["add the salt", "cut a tomato"])
    assert s.meteor is None and "no `java`" in s.meteor_note
