import numpy as np

from videobert.data import (
    ALIGN,
    IGNORE,
    MLM,
    NEG_OTHER,
    NEG_SAME,
    T2V,
    TEXT,
    VIDEO,
    VIDEO_TEXT,
    ExampleSpec,
    make_examples,
    split_videos,
    video_data,
)

from .conftest import make_record, random_videos


def test_segments_follow_sentences_and_silence(tokenizer):
    # clips start every 1.5 s; the sentence covers [3.2, 5.0] -> clips 2 (3.0-4.5) and 3 (4.5-6.0)
    rec = make_record("a", 40, [("cut the onion", 3.2, 5.0)])
    tokens = np.arange(40) % 50
    v = video_data(rec, tokens, tokenizer)
    speech = [s for s in v.segments if s.text_ids is not None]
    silent = [s for s in v.segments if s.text_ids is None]
    assert [(s.lo, s.hi) for s in speech] == [(2, 4)]
    assert speech[0].text_ids == tokenizer.encode_text("cut the onion")
    # uncovered clips 0-1 and 4-39 become video-only segments of <= 16 clips
    assert [(s.lo, s.hi) for s in silent] == [(0, 2), (4, 20), (20, 36), (36, 40)]


def test_examples_kinds_layout_and_lengths(tokenizer):
    videos = random_videos(tokenizer)
    spec = ExampleSpec(max_len=24, kind_mix=(1, 1, 2))
    ex = make_examples(videos, tokenizer, spec, np.random.default_rng(0))
    kinds = {e.kind for e in ex}
    assert kinds == {TEXT, VIDEO, VIDEO_TEXT}
    for e in ex:
        assert len(e.input_ids) <= 24 and e.input_ids[0] == tokenizer.cls_id and e.input_ids[-1] == tokenizer.sep_id
        vis = tokenizer.is_visual(e.input_ids)
        if e.kind == TEXT:
            assert not vis.any() and e.align_label == IGNORE
        elif e.kind == VIDEO:
            assert vis.any() and not tokenizer.is_text(e.input_ids).any() and e.align_label == IGNORE
        else:
            assert vis.any() and tokenizer.is_text(e.input_ids).any()
            # only the alignment view carries a label; the masked views are always aligned pairs
            assert e.align_label in ((0, 1) if e.view == ALIGN else (IGNORE,))
            assert e.view == ALIGN or e.video_source == e.source


def test_negatives_never_pair_a_video_with_itself(tokenizer):
    videos = random_videos(tokenizer, n_videos=3)
    ex = [e for seed in range(40)  # ~300 alignment pairs: enough for a stable negative rate
          for e in make_examples(videos, tokenizer, ExampleSpec(kind_mix=(0, 0, 1)), np.random.default_rng(seed))]
    neg = [e for e in ex if e.align_label == 1]
    pos = [e for e in ex if e.align_label == 0]
    align = [e for e in ex if e.view == ALIGN]
    assert 0.35 < len(align) / sum(e.kind == VIDEO_TEXT for e in ex) < 0.65  # align_view_rate 0.5
    assert 0.4 < len(neg) / len(align) < 0.6, len(align)  # negative_rate 0.5
    assert all(e.video_source[0] != e.source[0] and e.negative == NEG_OTHER for e in neg)
    assert all(e.video_source == e.source and e.negative is None for e in pos)


def test_same_video_negatives_come_from_another_time(tokenizer):
    videos = random_videos(tokenizer, n_videos=3)
    spec = ExampleSpec(kind_mix=(0, 0, 1), align_view_rate=1.0, same_video_negative_rate=1.0, context_clips=0)
    ex = [e for seed in range(5) for e in make_examples(videos, tokenizer, spec, np.random.default_rng(seed))]
    same = [e for e in ex if e.negative == NEG_SAME]
    assert same and all(e.view == ALIGN and e.align_label == 1 for e in same)
    by_id = {v.video_id: v for v in videos}
    for e in same:
        v = by_id[e.source[0]]
        assert e.video_source[0] == e.source[0] and e.video_source[1] != e.source[1]
        a, b = v.segments[e.source[1]], v.segments[e.video_source[1]]
        assert a.hi <= b.lo or b.hi <= a.lo  # another time: the two segments do not overlap


def test_views_follow_their_rates(tokenizer):
    videos = random_videos(tokenizer, n_videos=3)
    spec = ExampleSpec(kind_mix=(0, 0, 1), align_view_rate=0.25, t2v_rate=0.5)
    ex = [e for seed in range(10) for e in make_examples(videos, tokenizer, spec, np.random.default_rng(seed))]
    vt = [e for e in ex if e.kind == VIDEO_TEXT]
    share = {view: sum(e.view == view for e in vt) / len(vt) for view in (MLM, ALIGN, T2V)}
    assert abs(share[ALIGN] - 0.25) < 0.1 and abs(share[T2V] - 0.375) < 0.1 and abs(share[MLM] - 0.375) < 0.1


def test_concatenation_and_subsampling_vary_examples(tokenizer):
    videos = random_videos(tokenizer, n_videos=2)
    n_sent = sum(s.text_ids is not None for v in videos for s in v.segments)
    no_tricks = ExampleSpec(kind_mix=(0, 1, 0), concat_prob=0.0, subsample_max=1)
    tricks = ExampleSpec(kind_mix=(0, 1, 0), concat_prob=0.9, subsample_max=5)
    a = make_examples(videos, tokenizer, no_tricks, np.random.default_rng(0))
    b = make_examples(videos, tokenizer, tricks, np.random.default_rng(0))
    assert len(b) < len(a)  # neighbours were merged
    assert len(a) == n_sent + sum(s.text_ids is None for v in videos for s in v.segments)
    # a subsampled segment is shorter than its clip span
    assert sum(len(e.input_ids) for e in b) < sum(len(e.input_ids) for e in a)


def test_split_is_deterministic_and_disjoint():
    ids = [f"v{i}" for i in range(200)]
    train, held = split_videos(ids, 0.1)
    assert set(split_videos(list(reversed(ids)), 0.1)[1]) == set(held)  # order-independent
    t2, h2 = split_videos(ids, 0.1)
    assert (t2, h2) == (train, held) and set(train).isdisjoint(held) and len(train) + len(held) == 200
    assert 5 <= len(held) <= 40
    assert split_videos(["a", "b"], 0.01)[1]  # at least one held-out video


def test_negative_video_is_as_long_as_the_positive_and_centred_on_a_segment(tokenizer):
    # Video length must not tell aligned pairs from negatives: with subsampling off, each text
    # gets the same number of video tokens whether its own video or another one comes with it.
    from videobert.data.examples import video_window

    videos = random_videos(tokenizer, n_videos=3)
    spec = ExampleSpec(kind_mix=(0, 0, 1), subsample_max=1, concat_prob=0.5, max_len=512, align_view_rate=1.0)
    ex = [e for seed in range(10) for e in make_examples(videos, tokenizer, spec, np.random.default_rng(seed))]
    n_vis = {}
    for e in ex:
        n_vis.setdefault((e.source, int(tokenizer.is_text(e.input_ids).sum())), set()).add(
            int(tokenizer.is_visual(e.input_ids).sum()))
    assert any(e.align_label == 1 for e in ex) and any(e.align_label == 0 for e in ex)
    assert all(len(lengths) == 1 for lengths in n_vis.values())  # same text -> same video length
    v = videos[0]
    seg = next(s for s in v.segments if s.text_ids is not None)
    k = v.segments.index(seg)
    w = video_window(v, k, 7)
    assert len(w) == 7
    expect = min(max((seg.lo + seg.hi - 7) // 2, 0), len(v.tokens) - 7)  # centred, kept inside the video
    np.testing.assert_array_equal(w, v.tokens[expect : expect + 7])
    assert expect < seg.hi and expect + 7 > seg.lo  # it shows the segment
    assert len(video_window(v, k, len(v.tokens) + 5)) == len(v.tokens)  # never longer than the video
