import numpy as np

from videobert.data import ALIGN, IGNORE, MLM, T2V, TEXT, VIDEO_TEXT, Masker, MaskRates
from videobert.data.masking import function_word_ids


def _stats(tokenizer, ids, kind, view=MLM, rates=MaskRates(), n=2000):
    m = Masker(tokenizer, rates)
    rng = np.random.default_rng(0)
    outs, labs = zip(*[m(ids, kind, view, rng) for _ in range(n)])
    return np.stack(outs), np.stack(labs), np.tile(ids, (n, 1))


def test_text_and_video_masking_statistics(tokenizer):
    text = tokenizer.encode_text("cut the onion and slice the tomato into the pan with some salt")
    b = tokenizer.build(text, np.arange(30) % 50)
    ids = np.asarray(b["input_ids"])
    out, lab, orig = _stats(tokenizer, ids, VIDEO_TEXT, rates=MaskRates(0.15, 0.15, 0.15, 0.15))
    for sel, is_vis in ((tokenizer.is_text(orig), False), (tokenizer.is_visual(orig), True)):
        chosen = (lab != IGNORE) & sel
        assert abs(chosen.sum() / sel.sum() - 0.15) < 0.01
        assert (lab[chosen] == orig[chosen]).all()
        o = out[chosen]
        masked = o == tokenizer.mask_id
        same = o == orig[chosen]
        rand = ~masked & ~same
        assert abs(masked.mean() - 0.8) < 0.03 and abs(same.mean() - 0.1) < 0.03 and abs(rand.mean() - 0.1) < 0.03
        # random replacements stay within their modality
        assert (tokenizer.is_visual(o[rand]) == is_vis).all()
        if not is_vis:
            assert tokenizer.is_text(o[rand]).all()
    # specials and [>] are never touched
    special = ~tokenizer.is_text(orig) & ~tokenizer.is_visual(orig)
    assert (out[special] == orig[special]).all() and (lab[special] == IGNORE).all()


def test_video_text_masks_most_text_and_alignment_pairs_are_left_whole(tokenizer):
    text = tokenizer.encode_text("stir the soup in the pot and add some pepper then pour the oil")
    ids = np.asarray(tokenizer.build(text, [1, 2, 3, 4])["input_ids"])
    _, lab, orig = _stats(tokenizer, ids, VIDEO_TEXT)
    t = tokenizer.is_text(orig)
    func = np.isin(orig, function_word_ids(tokenizer))
    assert (func & t).sum() == 7 * len(orig)  # the, in, the, and, some, then, the (in every row)
    assert abs((lab[t & ~func] != IGNORE).mean() - 0.8) < 0.03  # content words: vt_text_rate
    assert abs((lab[t & func] != IGNORE).mean() - 0.15) < 0.03  # function words: vt_function_rate
    _, lab, _ = _stats(tokenizer, np.asarray(tokenizer.build(text, None)["input_ids"]), TEXT)
    assert abs((lab != IGNORE).sum() / (lab.shape[0] * len(text)) - 0.15) < 0.02
    # the alignment view: nothing masked, nothing predicted, whatever the label: the masks cannot
    # tell an aligned pair from a negative
    out, lab, orig = _stats(tokenizer, ids, VIDEO_TEXT, view=ALIGN, n=200)
    assert (lab == IGNORE).all() and (out == orig).all()


def test_text_to_video_view_masks_the_whole_video_and_keeps_the_text(tokenizer):
    text = tokenizer.encode_text("cut the tomato")
    ids = np.asarray(tokenizer.build(text, [5, 6, 7, 8, 9])["input_ids"])
    out, lab, orig = _stats(tokenizer, ids, VIDEO_TEXT, view=T2V, n=50)
    vis = tokenizer.is_visual(orig)
    assert (out[vis] == tokenizer.mask_id).all() and (lab[vis] == orig[vis]).all()
    assert (out[~vis] == orig[~vis]).all() and (lab[~vis] == IGNORE).all()


def test_the_maskers_per_id_tables_agree_with_the_tokenizer(tokenizer):
    m = Masker(tokenizer)
    ids = np.arange(tokenizer.vocab_size)
    np.testing.assert_array_equal(m._is_text, tokenizer.is_text(ids))
    np.testing.assert_array_equal(np.flatnonzero(m._is_function), m.function_ids)
