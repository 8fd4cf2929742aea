"""Forecasting, text-to-video and retrieval on the tiny random model."""
import numpy as np
import pytest
import torch

from videobert.tasks.forecast import ForecastConfig, evaluate_forecast, forecast, next_token_logprobs
from videobert.tasks.retrieval import RetrievalConfig, alignment_scores, evaluate_retrieval, mlm_scores
from videobert.tasks.text2video import TextToVideoConfig, generate


def test_forecast_reads_the_mask_after_the_context(tiny_model):
    lp = next_token_logprobs(tiny_model, [[1, 2, 3], [4]])
    assert lp.shape == (2, tiny_model.vocab.num_tokens)
    assert np.allclose(np.exp(lp).sum(1), 1.0, atol=1e-5)  # a distribution over visual words only
    # same numbers as a hand-built `[CLS] [>] 1 2 3 [MASK] [SEP]`
    tok = tiny_model.tokenizer
    ids = [tok.cls_id, tok.sep_video_id, *tok.visual_ids([1, 2, 3]).tolist(), tok.mask_id, tok.sep_id]
    types = [0] + [1] * (len(ids) - 1)
    with torch.no_grad():
        out = tiny_model(torch.tensor([ids]), torch.tensor([types]))
    ref = torch.log_softmax(out.logits[0, 5, tok.visual_offset :], -1).numpy()
    assert np.allclose(lp[0], ref, atol=1e-5)
    top = forecast(tiny_model, [1, 2, 3], k=3)
    assert [j for j, _ in top] == np.argsort(-lp[0])[:3].tolist()
    with pytest.raises(ValueError):
        next_token_logprobs(tiny_model, [[]])


def test_eval_forecast_baseline(tiny_model):
    heldout = {"a": [5, 5, 5, 5, 5], "b": [5, 1, 5]}
    r = evaluate_forecast(tiny_model, heldout, [[5, 5, 1], [5]], ForecastConfig(k=3))
    assert r.n == 6 and r.num_videos == 2
    assert r.baseline_top1 == pytest.approx(5 / 6)  # "5" is the most frequent training token
    assert r.baseline_topk == 1.0  # 5 and 1 are the top-2
    assert 0.0 <= r.top1 <= r.topk <= 1.0
    assert "most frequent token" in r.markdown()
    # equal counts: a fixed order (lower id first), so 2 is the top-1 guess and 3 is in the top-2
    r = evaluate_forecast(tiny_model, {"a": [0, 3, 3]}, [[3, 2]], ForecastConfig(k=2))
    assert r.baseline_top1 == 0.0 and r.baseline_topk == 1.0


def test_text2video_greedy_and_sampling(tiny_model):
    g1 = generate(tiny_model, "cut the tomato", TextToVideoConfig(length=5))
    g2 = generate(tiny_model, "cut the tomato", TextToVideoConfig(length=5))
    assert g1.shape == (1, 5) and (g1 == g2).all()
    assert g1.min() >= 0 and g1.max() < tiny_model.vocab.num_tokens
    s1 = generate(tiny_model, "cut the tomato", TextToVideoConfig(length=6, samples=3, seed=1, temperature=2.0))
    s2 = generate(tiny_model, "cut the tomato", TextToVideoConfig(length=6, samples=3, seed=1, temperature=2.0))
    s3 = generate(tiny_model, "cut the tomato", TextToVideoConfig(length=6, samples=3, seed=2, temperature=2.0))
    assert s1.shape == (3, 6) and (s1 == s2).all() and not (s1 == s3).all()
    assert generate(tiny_model, "x", TextToVideoConfig(length=4, steps=2)).shape == (1, 4)
    with pytest.raises(ValueError, match="steps"):
        TextToVideoConfig(length=4, steps=5)


def test_retrieval_scores_every_pair(tiny_model):
    caps = ["add the salt", "cut the tomato", "stir"]
    vids = [[1, 2], [3, 4, 5], [6]]
    s = alignment_scores(tiny_model, caps, vids, RetrievalConfig(batch_size=4))
    assert s.shape == (3, 3) and ((s > 0) & (s < 1)).all()
    one = alignment_scores(tiny_model, caps[1:2], vids[2:3])
    assert one[0, 0] == pytest.approx(s[1, 2], abs=1e-5)  # batching/padding does not change a score
    r = evaluate_retrieval(tiny_model, caps, vids, RetrievalConfig(scorer="alignment"))
    assert r.n == 3 and 1 <= r.median_rank <= 3 and r.r10 == 1.0 and r.scorer == "alignment"
    assert "alignment head" in r.markdown()


def test_mlm_retrieval_score_is_the_caption_pseudo_log_likelihood(tiny_model):
    tok = tiny_model.tokenizer
    caps = ["add the salt", "stir"]
    vids = [[1, 2], [3, 4, 5], [6]]
    s = mlm_scores(tiny_model, caps, vids, RetrievalConfig(batch_size=4))
    assert s.shape == (2, 3) and (s < 0).all()
    # by hand: "add the salt" with video [3, 4, 5], one piece masked at a time
    t = tok.encode_text(caps[0])
    expect = 0.0
    for p in range(len(t)):
        masked = list(t)
        masked[p] = tok.mask_id
        b = tok.build(masked, [3, 4, 5])
        with torch.no_grad():
            out = tiny_model(torch.tensor([b["input_ids"]]), torch.tensor([b["token_type_ids"]]))
        expect += float(out.logits[0, 1 + p, : tok.num_text].float().log_softmax(-1)[t[p]])  # a text slot: text ids
    assert s[0, 1] == pytest.approx(expect, abs=1e-4)
    assert mlm_scores(tiny_model, caps[1:], vids[:1])[0, 0] == pytest.approx(s[1, 0], abs=1e-4)  # batching
    r = evaluate_retrieval(tiny_model, caps + ["cut the tomato"], vids)
    assert r.scorer == "mlm" and r.n == 3 and "likelihood" in r.markdown()
    with pytest.raises(ValueError, match="scorer"):
        RetrievalConfig(scorer="cosine")


def test_mlm_retrieval_with_the_corpus_softmax_scores_the_pieces_the_model_knows(tiny_model, monkeypatch):
    # a model trained with mlm_softmax "corpus" normalizes a text slot over its recorded pieces; a
    # caption's piece outside them is -inf for every video alike, so it is left out of the score
    tok = tiny_model.tokenizer
    caps, vids = ["add the salt", "stir"], [[1, 2], [3, 4, 5]]
    t = tok.encode_text(caps[0])
    known = sorted(set(t[:2]) | {tok.encode_text("tomato")[0]})  # "add", "the" (not "salt"), and another piece
    monkeypatch.setitem(tiny_model.info, "text_pieces", known)
    s = mlm_scores(tiny_model, caps, vids, RetrievalConfig(batch_size=4))
    assert np.isfinite(s).all() and (s[1] == 0).all()  # "stir" is unknown: no piece to score, 0 for every video
    expect = 0.0
    for p in range(2):  # "add" and "the" only
        masked = list(t)
        masked[p] = tok.mask_id
        b = tok.build(masked, vids[1])
        with torch.no_grad():
            out = tiny_model(torch.tensor([b["input_ids"]]), torch.tensor([b["token_type_ids"]]))
        expect += float(out.logits[0, 1 + p, known].float().log_softmax(-1)[known.index(t[p])])
    assert s[0, 1] == pytest.approx(expect, abs=1e-4)


def test_mlm_scores_and_generation_equal_the_full_forward(tiny_model):
    """Retrieval and text-to-video run the MLM head only where they read it (issue 29): the
    numbers must be those of the full model's logits."""
    from videobert.tasks.common import forward_batches

    tok = tiny_model.tokenizer
    caps, vids = ["cut the onion", "stir the pan now"], [[1, 2, 3], [4, 5], [6]]
    got = mlm_scores(tiny_model, caps, vids, RetrievalConfig(batch_size=4))
    want = np.zeros_like(got)
    for i, c in enumerate(caps):
        t = tok.encode_text(c)
        items = [(j, p, tok.build([*t[:p], tok.mask_id, *t[p + 1:]], v)) for j, v in enumerate(vids) for p in range(len(t))]
        for i0, out in forward_batches(tiny_model, [x[2] for x in items], 4):
            for r, (j, p, _) in enumerate(items[i0:i0 + out.logits.shape[0]]):
                want[i, j] += torch.log_softmax(out.logits[r, 1 + p, : tok.num_text].float(), -1)[t[p]].item()
    assert np.allclose(got, want, rtol=1e-6, atol=1e-6)
    # text-to-video: greedy generation equals argmax of the full model's logits at the video positions
    cfg = TextToVideoConfig(length=4, steps=4)
    leaves = generate(tiny_model, "cut the onion", cfg)[0]
    built = tok.build(tok.encode_text("cut the onion"), [0] * 4)
    n_text = len(built["input_ids"]) - 5
    ids = torch.tensor([built["input_ids"]])
    ids[0, n_text:n_text + 4] = tok.mask_id
    types = torch.tensor([built["token_type_ids"]])
    vis = torch.as_tensor(tok.visual_ids(list(range(tiny_model.vocab.num_tokens))))
    done = []
    with torch.no_grad():
        for _ in range(4):  # one word a step, the most confident open position first
            logits = tiny_model(ids, types).logits[0, n_text:n_text + 4][:, vis].float()
            probs = torch.softmax(logits, -1).max(-1)
            conf = probs.values.clone()
            conf[done] = -1.0
            pos = int(conf.argmax())
            done.append(pos)
            ids[0, n_text + pos] = vis[probs.indices[pos]]
            assert leaves[pos] == int(probs.indices[pos])


LONG_PROMPT = "cut the tomato " * 200  # 600 word pieces: longer than the model's 512 positions


def test_text2video_long_prompt_keeps_its_beginning_with_a_warning(tiny_model, caplog):
    with caplog.at_level("WARNING", logger="videobert.tasks.common"):
        g = generate(tiny_model, LONG_PROMPT, TextToVideoConfig(length=3, steps=1))
    assert g.shape == (1, 3)
    limit = tiny_model.bert.config.max_position_embeddings
    fits = limit - 3 - 3  # 3 visual words, [CLS] [>] [SEP]
    assert f"dropped the last {600 - fits}" in caplog.text
    # the same tokens as the prompt already cut to what fits
    short = " ".join(tiny_model.tokenizer.text.decode(p) for p in tiny_model.tokenizer.encode_text(LONG_PROMPT)[:fits])
    assert (generate(tiny_model, short, TextToVideoConfig(length=3, steps=1)) == g).all()
    with pytest.raises(ValueError, match=rf"text-to-video prompt: .*--length {limit - 4} or less \(asked {limit}\)"):
        generate(tiny_model, "cut", TextToVideoConfig(length=limit))  # no room left for the prompt


def test_forecast_context_longer_than_the_positions_keeps_its_last_tokens(tiny_model, caplog):
    limit = tiny_model.bert.config.max_position_embeddings
    long = [i % 12 for i in range(limit + 20)]
    with caplog.at_level("WARNING", logger="videobert.tasks.forecast"):
        lp = next_token_logprobs(tiny_model, [long])
    assert "kept the last" in caplog.text
    assert np.allclose(lp, next_token_logprobs(tiny_model, [long[-(limit - 4):]]), atol=1e-5)


def test_retrieval_inputs_longer_than_the_positions_fail_in_one_line(tiny_model):
    cfg = RetrievalConfig(max_text_tokens=600, max_video_tokens=8)
    with pytest.raises(ValueError, match="retrieval input: .*--max-text-tokens"):
        mlm_scores(tiny_model, [LONG_PROMPT, "stir"], [[1], [2]], cfg)
    with pytest.raises(ValueError, match="at most 512 positions; lower the task's max_video_tokens"):
        alignment_scores(tiny_model, [LONG_PROMPT, "stir"], [[1], [2]], cfg)


def test_text2video_with_an_empty_prompt_says_so(tiny_model, caplog):
    import logging

    with caplog.at_level(logging.WARNING, logger="videobert"):
        generate(tiny_model, "  ", TextToVideoConfig(length=2))
    assert "the prompt '  ' has no words" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="videobert"):
        generate(tiny_model, "cut the onion", TextToVideoConfig(length=2))
    assert "has no words" not in caplog.text


def test_counts_and_sizes_of_the_task_commands_are_checked_by_the_parser(capsys):
    from videobert.cli import main

    for argv, flag in ((["forecast", "m", "v", "--k", "0"], "--k"), (["forecast", "m", "v", "--context", "-1"], "--context"),
                       (["text2video", "m", "x", "--size", "-5"], "--size"),
                       (["caption", "predict", "c", "v", "--beam", "0"], "--beam")):
        with pytest.raises(SystemExit):
            main(argv)
        assert f"argument {flag}: must be >= " in capsys.readouterr().err
