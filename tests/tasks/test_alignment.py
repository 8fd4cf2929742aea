import numpy as np
import pytest

from videobert.data import Segment, VideoData
from videobert.tasks.alignment import AlignmentConfig, alignment_pairs, auc, evaluate_alignment


def _videos():
    rng = np.random.default_rng(0)
    out = []
    for v in range(3):
        segs = [Segment([2000 + v, 2001 + k], 3 * k, 3 * k + 2) for k in range(4)]
        out.append(VideoData(f"v{v}", rng.integers(0, 12, 14), segs + [Segment(None, 12, 14)]))
    return out


def test_pairs_are_balanced_and_negatives_as_long_as_positives():
    videos = _videos()
    pairs = alignment_pairs(videos, AlignmentConfig(context_clips=1))
    kinds = [k for *_, k in pairs]
    assert kinds.count(None) == kinds.count("other_video") == kinds.count("same_video") == 12
    for i in range(0, len(pairs), 3):  # positive, other-video, same-video for each sentence
        (t, v, k0), (t1, v1, k1), (t2, v2, k2) = pairs[i : i + 3]
        assert (k0, k1, k2) == (None, "other_video", "same_video")
        assert t == t1 == t2 and len(v) == len(v1) == len(v2)
    again = alignment_pairs(videos)  # seeded
    assert all(a[0] == b[0] and np.array_equal(a[1], b[1]) and a[2] == b[2] for a, b in zip(pairs, again))


def test_auc():
    assert auc(np.array([0.9, 0.8]), np.array([0.1, 0.2])) == 1.0
    assert auc(np.array([0.1]), np.array([0.9])) == 0.0
    assert auc(np.array([0.5, 0.5]), np.array([0.5])) == 0.5


def test_evaluate_alignment_on_a_tiny_model(tiny_model):
    videos = [VideoData(v.video_id, v.tokens, [Segment([1996, 3013], s.lo, s.hi) if s.text_ids else s
                                               for s in v.segments]) for v in _videos()]
    r = evaluate_alignment(tiny_model, videos)
    assert r.positives == 12 and r.negatives == {"other_video": 12, "same_video": 12}
    for k in ("other_video", "same_video"):
        assert r.balanced_accuracy[k] == pytest.approx((r.positive_accuracy + r.negative_accuracy[k]) / 2)
        assert 0 <= r.auc[k] <= 1
    assert "other video negatives" in r.markdown()
    with pytest.raises(ValueError, match="spoken sentences"):
        evaluate_alignment(tiny_model, [VideoData("x", np.arange(4), [Segment(None, 0, 4)])])
