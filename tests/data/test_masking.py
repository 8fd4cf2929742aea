import numpy as np

from videobert.data import IGNORE, TEXT, VIDEO_TEXT, Masker, MaskRates


def _stats(tokenizer, ids, kind, label=0, rates=MaskRates(), n=2000):
    m = Masker(tokenizer, rates)
    rng = np.random.default_rng(0)
    outs, labs = zip(*[m(ids, kind, label, rng) for _ in range(n)])
    return np.stack(outs), np.stack(labs), np.tile(ids, (n, 1))


def test_text_and_video_masking_statistics(tokenizer):
    text = tokenizer.encode_text("cut the onion and slice the tomato into the pan with some salt")
    b = tokenizer.build(text, np.arange(30) % 50)
    ids = np.asarray(b["input_ids"])
    out, lab, orig = _stats(tokenizer, ids, VIDEO_TEXT, rates=MaskRates(0.15, 0.15, 0.15))
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


def test_video_text_masks_more_text_and_negatives_are_masked_but_not_predicted(tokenizer):
    text = tokenizer.encode_text("stir the soup in the pot and add some pepper then pour the oil")
    ids = np.asarray(tokenizer.build(text, [1, 2, 3, 4])["input_ids"])
    _, lab, orig = _stats(tokenizer, ids, VIDEO_TEXT)
    t = tokenizer.is_text(orig)
    assert abs((lab[t] != IGNORE).mean() - 0.5) < 0.03
    _, lab, _ = _stats(tokenizer, np.asarray(tokenizer.build(text, None)["input_ids"]), TEXT)
    assert abs((lab != IGNORE).sum() / (lab.shape[0] * len(text)) - 0.15) < 0.02
    out, lab, orig = _stats(tokenizer, ids, VIDEO_TEXT, label=1, n=400)
    assert (lab == IGNORE).all()
    # negatives carry [MASK]s at the same rate as aligned pairs, so masks do not give the label away
    assert abs((out[tokenizer.is_text(orig)] == tokenizer.mask_id).mean() - 0.5 * 0.8) < 0.03

