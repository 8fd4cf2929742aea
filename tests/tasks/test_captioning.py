import dataclasses
import math
from collections import Counter

import pytest
import torch

from videobert.tasks.captioning import (
    PERFECT,
    CaptionerConfig,
    CaptionResult,
    SegmentFeatures,
    TrainedCaptioner,
    caption_metrics,
    evaluate_nearest_caption,
    mean_clip_features,
    nearest_captions,
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
        from videobert.tasks import captioning

        jvm = captioning._METEOR[0].meteor_p.pid
        other = caption_metrics(REFS, ["cut a tomato", "add the salt to the bowl"])
        again = caption_metrics(REFS, ["add the salt to the bowl", "cut a tomato"])
        assert captioning._METEOR[0].meteor_p.pid == jvm  # one JVM for every scoring of the process
        assert again.meteor == s.meteor and other.meteor != s.meteor


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


def test_a_small_training_set_trains_for_more_epochs_up_to_min_steps(monkeypatch, tiny_model):
    cfg = CaptionerConfig(epochs=30, batch_size=32)
    assert cfg.total_steps(80) == 90  # 3 batches an epoch, 30 epochs (the default: no floor)
    floor = cfg.replace(min_steps=450)
    assert floor.total_steps(80) == 450 and floor.total_steps(97) == 452  # whole epochs: 150 x 3, 113 x 4
    assert floor.total_steps(1000) == 32 * 30  # enough steps already: the epochs rule
    with pytest.raises(ValueError, match="min_steps"):
        CaptionerConfig(min_steps=-1)
    # the training loop and its schedule run exactly that many steps
    import videobert.tasks.captioning as cap

    seen = {}
    real_fit = cap.fit
    monkeypatch.setattr(cap, "fit", lambda fn, total, *a, **k: seen.setdefault("total", total) and real_fit(fn, total, *a, **k))
    clips = [torch.randn(2, 8) for _ in range(5)]
    feats = SegmentFeatures(clips, torch.stack([c.mean(0) for c in clips]))
    small = CaptionerConfig(variant="s3d", epochs=2, min_steps=7, batch_size=2, d_model=32, heads=2, ff_dim=64,
                            encoder_layers=1, decoder_layers=1)
    train_captioner(feats, ["add the salt"] * 5, tiny_model.tokenizer.text, small)
    assert seen["total"] == 9  # 3 batches an epoch: 3 epochs reach 7


def test_captioner_config_validation():
    with pytest.raises(ValueError, match="variant"):
        CaptionerConfig(variant="i3d")
    with pytest.raises(ValueError, match="heads"):
        CaptionerConfig(d_model=30, heads=4)


def test_meteor_failures_are_reported_not_raised(monkeypatch):
    import shutil

    import pycocoevalcap.meteor.meteor as meteor_mod

    from videobert.tasks import captioning

    monkeypatch.setattr(captioning, "_METEOR", [])  # no scorer started by an earlier test
    monkeypatch.setattr(meteor_mod, "METEOR_JAR", "no-such-meteor.jar")  # java starts, then fails
    s = caption_metrics(REFS, ["add the salt", "cut a tomato"])
    assert s.meteor is None and s.meteor_note.startswith("METEOR unavailable") and s.bleu1 > 0
    monkeypatch.setattr(shutil, "which", lambda name: None)
    s = caption_metrics(REFS, ["add the salt", "cut a tomato"])
    assert s.meteor is None and "no `java`" in s.meteor_note


# ---- BLEU by hand -------------------------------------------------------------------------------
def _ngrams(words, n):
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def _hand_bleu(references, candidates, n_max):
    """Corpus BLEU-1..n_max (Papineni et al.): clipped n-gram matches and candidate n-grams summed
    over the corpus, geometric mean of the precisions, brevity penalty exp(1 - r/c) with r the sum
    of each candidate's closest reference length (pycocoevalcap's 'closest')."""
    correct, guess = [0] * n_max, [0] * n_max
    c_len = r_len = 0
    for refs, cand in zip(references, candidates):
        cw, rws = cand.split(), [r.split() for r in refs]
        c_len += len(cw)
        r_len += min((abs(len(r) - len(cw)), len(r)) for r in rws)[1]
        for n in range(1, n_max + 1):
            max_ref = Counter()
            for r in rws:
                max_ref |= _ngrams(r, n)
            got = _ngrams(cw, n)
            correct[n - 1] += sum(min(k, max_ref[g]) for g, k in got.items())
            guess[n - 1] += sum(got.values())
    bp = 1.0 if c_len >= r_len else math.exp(1 - r_len / c_len)
    return [bp * math.prod(correct[k] / guess[k] for k in range(n)) ** (1 / n) for n in range(1, n_max + 1)], correct, guess


def test_bleu_matches_hand_computation():
    refs = [["the cat is on the mat", "there is a cat"], ["a cat sat on the mat"], ["the dog runs"]]
    cands = ["the the the cat", "a cat sat", "dog runs fast today"]
    hand, correct, guess = _hand_bleu(refs, cands, 2)
    # by hand: unigrams 2 (clipped "the") + 1, 3, 2 of 4 + 3 + 4; bigrams 1, 2, 1 of 3 + 2 + 3;
    # candidate length 11 < closest reference lengths 4 + 6 + 3 = 13
    assert correct == [8, 4] and guess == [11, 8]
    bp = math.exp(1 - 13 / 11)
    assert hand == pytest.approx([bp * 8 / 11, bp * (8 / 11 * 4 / 8) ** 0.5], abs=1e-12)
    s = caption_metrics(refs, cands, meteor=False)
    # pycocoevalcap smooths each precision as (correct + 1e-15) / (guess + 1e-9): far below 1e-6
    assert s.bleu1 == pytest.approx(hand[0], abs=1e-6) and s.bleu2 == pytest.approx(hand[1], abs=1e-6)
    assert s.n == 3 and s.bleu3 < s.bleu2


# ---- the captioner: overfitting, determinism ----------------------------------------------------
OVERFIT_CAPS = ["add the salt to the bowl", "add the pepper to the pan",
                "cut the tomato on the board", "stir the soup in the pot"]


def _overfit(tiny_model, seed=0):
    g = torch.Generator().manual_seed(1)
    clips = [torch.randn(2 + k, 8, generator=g) + 2 * k for k in range(4)]  # distinct features per caption
    feats = SegmentFeatures(clips, torch.stack([c.mean(0) for c in clips]))
    cfg = CaptionerConfig(variant="s3d", epochs=150, batch_size=4, lr=5e-3, d_model=32, heads=2, ff_dim=64,
                          encoder_layers=1, decoder_layers=1, dropout=0.0, seed=seed)
    return train_captioner(feats, OVERFIT_CAPS, tiny_model.tokenizer.text, cfg), feats


def test_captioner_overfits_a_handful_of_segments(tiny_model):
    tc, feats = _overfit(tiny_model)
    assert tc.predict(feats) == OVERFIT_CAPS
    assert tc.predict(feats, beam=3) == OVERFIT_CAPS
    s = caption_metrics([[c] for c in OVERFIT_CAPS], tc.predict(feats), meteor=False)
    assert s.bleu4 == pytest.approx(1.0, abs=1e-6)


def test_decoding_is_deterministic_for_a_seed(tiny_model):
    a, feats = _overfit(tiny_model, seed=3)
    b, _ = _overfit(tiny_model, seed=3)
    noisy = SegmentFeatures([c + torch.randn_like(c) for c in feats.clips], feats.globals + 0.5)  # off the training points
    for beam in (1, 3):
        assert a.predict(noisy, beam=beam) == b.predict(noisy, beam=beam) == a.predict(noisy, beam=beam)
    assert all(torch.equal(p, q) for p, q in zip(a.net.state_dict().values(), b.net.state_dict().values()))


# ---- the nearest-caption baseline ---------------------------------------------------------------
def test_nearest_caption_is_the_training_caption_of_the_nearest_segment():
    caps = ["add the salt", "cut the tomato", "stir the soup"]
    # training means point along the axes; scale must not matter (cosine), only direction
    train = SegmentFeatures([torch.tensor([[2.0, 0, 0], [4.0, 0, 0]]), torch.tensor([[0, 1.0, 0]]),
                             torch.tensor([[0, 0, 5.0], [0, 0, 1.0]])], torch.zeros(3, 3))
    means = mean_clip_features(train)
    assert torch.allclose(means, torch.tensor([[3.0, 0, 0], [0, 1, 0], [0, 0, 3]]))
    query = torch.tensor([[0.1, 9.0, 0.2], [0.0, 0.3, 0.01], [1.0, 0.1, 0.0], [0.5, 0.0, 0.6]])
    assert nearest_captions(means, caps, query) == ["cut the tomato", "cut the tomato", "add the salt", "stir the soup"]
    # Euclidean distance would pick "cut the tomato" (0.74 vs 2.54 to [3, 0, 0]); the cosine (0.74 vs 0.67) picks salt
    assert nearest_captions(means, caps, torch.tensor([[0.5, 0.45, 0.0]])) == ["add the salt"]
    val = SegmentFeatures([torch.tensor([[0.0, 0.2, 0.0], [0.0, 0.4, 0.1]]), torch.tensor([[7.0, 1.0, 0.0]])],
                          torch.zeros(2, 3))
    s = evaluate_nearest_caption(train, caps, val, ["cut the tomato", "add a pinch of salt"], meteor=False)
    assert s.name == "nearest training caption (features)" and s.n == 2
    assert s.examples == (("cut the tomato", "cut the tomato"), ("add the salt", "add a pinch of salt"))
    with pytest.raises(ValueError, match="training captions"):
        nearest_captions(means, caps[:2], query)


def test_caption_result_markdown_shows_every_row_and_examples():
    rows = tuple(
        dataclasses.replace(caption_metrics(REFS, ["add the salt", "cut a tomato"], name, meteor=False),
                            examples=((f"{name} pred", "ref"),))
        for name in ("S3D features only", "VideoBERT + S3D", "nearest training caption (features)")
    )
    perfect = caption_metrics(REFS, [r[0] for r in REFS], PERFECT, meteor=False)
    assert perfect.bleu4 == pytest.approx(1.0) and perfect.cider == pytest.approx(10.0)  # both captions have 4-grams
    md = CaptionResult(rows + (dataclasses.replace(perfect, meteor_note=""),)).markdown()
    assert f"| {PERFECT} |" in md and "Perfect: each reference" in md
    for r in rows:
        assert f"| {r.name} |" in md and f"Examples ({r.name})" in md and f"- {r.name} pred / ref" in md
    assert "Nearest training caption:" in md and "not computed" in md


def test_caption_table_in_the_papers_layout():
    """Table 3: BLEU-3, BLEU-4, METEOR, ROUGE-L x 100, CIDEr as the paper prints it; its rows with --reference."""
    row = dataclasses.replace(caption_metrics(REFS, ["add the salt", "cut a tomato"], "VideoBERT only", meteor=False),
                              meteor=0.1234)
    md = CaptionResult((row,)).markdown()
    header = next(line for line in md.splitlines() if line.startswith("| method"))
    assert header == "| method | BLEU-3 | BLEU-4 | METEOR | ROUGE-L | CIDEr |"
    assert (f"| VideoBERT only | {100 * row.bleu3:.2f} | {100 * row.bleu4:.2f} | 12.34 | {100 * row.rouge_l:.2f} "
            f"| {row.cider:.2f} |") in md
    assert "| paper:" not in md
    ref = CaptionResult((row,), reference="youcook2").markdown()
    assert "| paper: VideoBERT + S3D | 7.59 | 4.33 | 11.94 | 28.80 | 0.55 |" in ref
    assert "| paper: S3D features only | \u2013 | 3.24 | 9.52 | 26.09 | 0.31 |" in ref
    assert "10.68, not 11.55" in ref  # the leaderboard's erratum on Zhou et al.


def test_videobert_only_features_hold_no_clip_features(tiny_model):
    from videobert.tasks.annotations import CorpusSegment, Segment
    from videobert.tasks.captioning import segment_features

    class FakeCorpus:
        def read(self, vid):
            return type("Rec", (), {"features": torch.randn(6, 40).numpy()})()

    segs = [CorpusSegment(Segment("v", "training", 0, 0.0, 9.0, "cut it"), 0, 6)]
    H = tiny_model.bert.config.hidden_size
    only = segment_features(FakeCorpus(), segs, CaptionerConfig(variant="videobert_only", max_clips=4), tiny_model,
                            lambda vid: [1, 2, 3, 4, 5, 6])
    assert only.globals.shape == (1, 2 * H) and only.clips[0].shape == (4, H)  # VideoBERT's outputs only
    both = segment_features(FakeCorpus(), segs, CaptionerConfig(variant="videobert", max_clips=4), tiny_model,
                            lambda vid: [1, 2, 3, 4, 5, 6])
    assert both.globals.shape == (1, 2 * H + 40) and both.clips[0].shape == (4, 40)
