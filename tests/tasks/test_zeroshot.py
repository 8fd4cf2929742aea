import dataclasses
import types

import numpy as np
import pytest
import torch

from videobert.tasks.annotations import CorpusSegment, Segment
from videobert.tasks.common import fill_template, input_positions
from videobert.tasks.zeroshot import (
    PAPER_TEMPLATE,
    ZeroShotConfig,
    _text_only_scores,
    build_input,
    evaluate_zeroshot,
    load_text_init,
    score_labels,
)


class Spy:
    """Wraps a model and records the input ids of every forward pass."""

    def __init__(self, model, logits_fn=None):
        self.model, self.tokenizer, self.vocab = model, model.tokenizer, model.vocab
        self.calls, self.logits_fn = [], logits_fn

    def parameters(self):
        return self.model.parameters()

    def __call__(self, input_ids, token_type_ids=None, attention_mask=None):
        self.calls.append(input_ids.clone())
        if self.logits_fn is None:
            return self.model(input_ids, token_type_ids, attention_mask)
        B, T = input_ids.shape
        return types.SimpleNamespace(logits=self.logits_fn(B, T), align_logits=None, hidden_states=None)


def test_paper_template_mask_positions(tiny_model):
    tok = tiny_model.tokenizer
    f = fill_template(tok, PAPER_TEMPLATE)
    words = tok.text.convert_ids_to_tokens(f.text_ids)
    assert words == ["now", "let", "me", "show", "you", "how", "to", "[MASK]", "the", "[MASK]", "."]
    assert f.slots == [[7], [9]]
    f2 = fill_template(tok, PAPER_TEMPLATE, [2, 3])
    assert f2.slots == [[7, 8], [10, 11, 12]]
    assert [f2.text_ids[i] for s in f2.slots for i in s] == [tok.mask_id] * 5
    built = build_input(tok, f.text_ids, [3, 4, 5])
    pos = input_positions(built["input_ids"], f.text_ids, f.slots[0] + f.slots[1])
    assert pos == [8, 10]  # after [CLS]
    assert [built["input_ids"][p] for p in pos] == [tok.mask_id] * 2
    with pytest.raises(ValueError):
        fill_template(tok, "no slot here")


def test_text_only_input_has_no_video(tiny_model):
    tok = tiny_model.tokenizer
    text = fill_template(tok, PAPER_TEMPLATE).text_ids
    prior = build_input(tok, text, None)["input_ids"]
    assert tok.sep_video_id not in prior and max(prior) < tok.num_text
    joint = build_input(tok, text, [0, 11])["input_ids"]
    assert tok.sep_video_id in joint and max(joint) == tok.visual_offset + 11


def test_multi_piece_labels_use_their_own_mask_count(tiny_model):
    tok = tiny_model.tokenizer
    julienne = tok.encode_text("julienne")  # two word pieces
    cut = tok.encode_text("cut")
    assert len(julienne) == 2 and len(cut) == 1
    V = tok.vocab_size

    def logits(B, T):  # the same distribution at every position
        x = torch.zeros(B, T, V)
        x[..., julienne[0]] = 4.0
        x[..., julienne[1]] = 2.0
        x[..., cut[0]] = 3.0
        return x

    spy = Spy(tiny_model, logits)
    s = score_labels(spy, PAPER_TEMPLATE, 0, [cut, julienne], [None, [1, 2]])
    logz = float(torch.logsumexp(logits(1, 1)[0, 0, : tok.num_text], 0))  # a text slot: over the text ids
    assert s[:, 0] == pytest.approx([3.0 - logz] * 2, abs=1e-4)  # float32 log-softmax over 30K ids
    assert s[:, 1] == pytest.approx([(4.0 + 2.0) / 2 - logz] * 2, abs=1e-4)  # mean over the pieces
    # one pass per piece count: 1 mask in the verb slot for "cut", 2 for "julienne"; noun slot 1
    masks = sorted({int((c == tok.mask_id).sum(1)[0]) for c in spy.calls})
    assert masks == [2, 3]


def test_a_label_the_corpus_softmax_never_predicted_ranks_last(tiny_model, monkeypatch):
    # mlm_softmax "corpus": a text slot is normalized over the recorded pieces; a label outside them
    # (never a pretraining target, its logit untrained) scores -inf instead of a random value
    tok = tiny_model.tokenizer
    labels = [tok.encode_text(w) for w in ("cut", "stir", "julienne")]  # julienne: 2 pieces
    full = score_labels(tiny_model, PAPER_TEMPLATE, 0, labels, [None, [1, 2]])
    known = sorted({labels[0][0], labels[1][0], tok.encode_text("salt")[0]})
    monkeypatch.setitem(tiny_model.info, "text_pieces", known)
    s = score_labels(tiny_model, PAPER_TEMPLATE, 0, labels, [None, [1, 2]])
    assert np.isneginf(s[:, 2]).all() and np.isfinite(s[:, :2]).all()
    # the known labels keep their order and differences: one normalizer for both
    np.testing.assert_allclose(s[:, 0] - s[:, 1], full[:, 0] - full[:, 1], atol=1e-4)


def _segments(n):
    return [CorpusSegment(Segment(f"v{i}", "validation", 0, 0.0, 6.0, s), 0, 4)
            for i, s in enumerate(["add the salt", "cut the tomato", "add the tomato", "cut the salt"][:n])]


def test_language_prior_ignores_the_video(tiny_model):
    tok = tiny_model.tokenizer
    segs = _segments(4)

    def tokens_a(vid):
        return np.array([0, 1, 2, 3, 4])

    def tokens_b(vid):
        return np.array([7, 9, 11, 10, 8])

    results, spies = [], []
    for tokens in (tokens_a, tokens_b):
        spy = Spy(tiny_model)
        results.append(evaluate_zeroshot(spy, segs, tokens, ["add", "cut"], ["salt", "tomato"]))
        spies.append(spy)
    a, b = results
    for key in ("prior_verb_top1", "prior_verb_top5", "prior_noun_top1", "prior_noun_top5"):
        assert getattr(a, key) == getattr(b, key)
    prior_calls = [c for c in spies[0].calls if not (c == tok.sep_video_id).any()]
    assert len(prior_calls) == 2  # one text-only pass per slot
    assert all(int(c.max()) < tok.num_text for c in prior_calls)
    # and the with-video path does see the video: its scores change with the tokens
    verbs_pieces = [tok.encode_text("add"), tok.encode_text("cut")]
    sa = score_labels(tiny_model, PAPER_TEMPLATE, 0, verbs_pieces, [[0, 1, 2, 3], None])
    sb = score_labels(tiny_model, PAPER_TEMPLATE, 0, verbs_pieces, [[7, 9, 11, 10], None])
    assert not np.allclose(sa[0], sb[0]) and np.allclose(sa[1], sb[1])
    assert a.n_verb == 4 and a.n_noun == 4
    assert "language prior" in a.markdown() and a.to_dict()["num_verbs"] == 2


def test_zeroshot_config_validation():
    with pytest.raises(ValueError, match="template"):
        ZeroShotConfig(template="how to [MASK] it")
    with pytest.raises(ValueError, match="noun_slot"):
        ZeroShotConfig(noun_slot=0)
    assert ZeroShotConfig(template="[MASK] [MASK] the [MASK]", verb_slot=1, noun_slot=2).noun_slot == 2


def test_table_in_the_papers_layout_with_left_out_segments(tiny_model):
    segs = _segments(4) + [CorpusSegment(Segment("v9", "validation", 0, 0.0, 6.0, "whisk the eggs"), 0, 4)]
    r = evaluate_zeroshot(tiny_model, segs, lambda vid: np.array([0, 1, 2, 3]), ["add", "cut"], ["salt", "tomato"],
                          ZeroShotConfig(bert_prior=False))
    assert (r.n_segments, r.n_verb, r.n_noun) == (5, 4, 4)  # "whisk the eggs": neither label listed
    md = r.markdown()
    assert "5 validation segments: 4 with a verb among the 2 verb labels (1 left out)" in md
    assert "| method | verb top-1 (%) | verb top-5 (%) | object top-1 (%) | object top-5 (%) |" in md
    lines = [line.split(" | ")[0].lstrip("| ") for line in md.splitlines() if line.startswith("| ")][1:]
    assert lines == ["BERT language prior (scratch, no video)", "VideoBERT language prior (no video)",
                     "VideoBERT cross-modal", "chance"]
    assert "| chance | 50.0 | 100.0 | 50.0 | 100.0 |" in md and "not computed" in md
    assert f"| VideoBERT cross-modal | {100 * r.verb_top1:.1f} |" in md
    ref = dataclasses.replace(r, reference="youcook2").markdown()
    assert "| paper: VideoBERT cross-modal (YouCook II val.) | 3.2 | 43.3 | 13.1 | 33.7 |" in ref and "Table 1" in ref


def test_bert_language_prior_of_the_text_init(tiny_model):
    assert load_text_init("scratch")[0] is None and "not applicable" in load_text_init("scratch")[1]
    assert load_text_init(None)[0] is None
    missing = load_text_init("/nonexistent/bert")
    assert missing[0] is None and "not available" in missing[1]
    init, note = load_text_init("minilm")  # a sentence encoder: its MLM head starts random, and the note says so
    assert init is not None and "starts random" in note
    scores = _text_only_scores(init, PAPER_TEMPLATE, 0, ["add", "julienne"])
    assert scores.shape == (2,) and np.isfinite(scores).all()
    # the prior row is scored once through the init's own head, without any video
    tiny_model.info["init"] = "minilm"
    try:
        r = evaluate_zeroshot(tiny_model, _segments(4), lambda vid: np.array([0, 1, 2, 3]), ["add", "cut"],
                              ["salt", "tomato"])
    finally:
        tiny_model.info["init"] = "scratch"
    assert r.init == "minilm" and r.bert_verb_top1 in (0.0, 0.5, 1.0) and "starts random" in r.markdown()


def test_a_template_longer_than_the_positions_fails_in_one_line(tiny_model):
    template = "now " * 600 + PAPER_TEMPLATE
    with pytest.raises(ValueError, match=r"zero-shot template 'now now .* \.\.\.' .*shorten the template"):
        score_labels(tiny_model, template, 0, [tiny_model.tokenizer.encode_text("cut")], [[1, 2]])
