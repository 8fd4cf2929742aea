"""The pretraining objective's masked-token softmax: per modality (the default) or joint."""
import json

import pytest
import torch
import torch.nn.functional as F

from tests.tasks.conftest import fake_vocab
from videobert.model import VideoBERT
from videobert.train.config import PretrainConfig
from videobert.train.engine import check_same_config
from videobert.train.loop import PretrainingObjective


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return VideoBERT.create("scratch", fake_vocab(), {}, size="tiny", seed=0).eval()


def test_mlm_logits_of_one_modality_are_its_columns_of_the_joint_head(model):
    tok = model.tokenizer
    h = torch.randn(5, model.bert.config.hidden_size)
    with torch.no_grad():
        joint = model.mlm_logits(h)  # (5, V)
        text, visual = model.mlm_logits(h, "text"), model.mlm_logits(h, "visual")
    assert text.shape == (5, tok.num_text) and visual.shape == (5, tok.num_visual)
    torch.testing.assert_close(text, joint[:, : tok.num_text])
    torch.testing.assert_close(visual, joint[:, tok.visual_offset :])
    with pytest.raises(ValueError, match="'joint', 'text' or 'visual'"):
        model.mlm_logits(h, "audio")


def _batch(tok, labels):
    B, T = len(labels), len(labels[0])
    return {"input_ids": torch.full((B, T), tok.mask_id), "token_type_ids": torch.zeros(B, T, dtype=torch.long),
            "attention_mask": torch.ones(B, T, dtype=torch.long), "mlm_labels": torch.tensor(labels),
            "kinds": torch.full((B,), 2), "align_labels": torch.full((B,), -1), "views": torch.zeros(B, dtype=torch.long)}


@pytest.mark.parametrize("softmax", ["modality", "joint"])
def test_each_masked_word_is_scored_among_its_modality_or_all_words(model, softmax):
    tok = model.tokenizer
    v0 = tok.visual_offset
    labels = [[-100, 2023, v0 + 3, -100], [v0, -100, 1996, v0 + 7]]  # text and visual words mixed
    batch = _batch(tok, labels)
    obj = PretrainingObjective(model, softmax=softmax)
    loss, stats = obj(batch)
    hidden, _ = model.encode(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
    want = []
    for b, t in ((0, 1), (0, 2), (1, 0), (1, 2), (1, 3)):
        y = labels[b][t]
        logits = model.mlm_logits(hidden[b, t])
        if softmax == "modality":
            logits = logits[v0:] if y >= v0 else logits[: tok.num_text]
            y = y - v0 if y >= v0 else y
        want.append(F.cross_entropy(logits[None].float(), torch.tensor([y])))
    # every example is video-text (kind 2), no alignment views: the loss is the mean masked-word loss
    torch.testing.assert_close(loss, torch.stack(want).mean())
    loss.backward()  # the slices' gradients reach the tied embedding
    assert model.bert.get_input_embeddings().weight.grad is not None
    model.zero_grad(set_to_none=True)


def test_a_batch_without_text_masks_still_runs_the_text_part(model):
    # DDP: every rank must build the same graph, so an empty part runs on zero rows (a part skipped
    # on one rank only desynchronized torchrun's gradient all-reduces; the slow torchrun test).
    tok = model.tokenizer
    v0 = tok.visual_offset
    batch = _batch(tok, [[-100, v0 + 1, v0 + 2, -100]])
    loss, stats = PretrainingObjective(model, softmax="modality")(batch)
    hidden, _ = model.encode(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
    want = torch.stack([F.cross_entropy(model.mlm_logits(hidden[0, t], "visual")[None], torch.tensor([j]))
                        for t, j in ((1, 1), (2, 2))]).mean()
    torch.testing.assert_close(loss, want)
    loss.backward()
    head = model.bert.cls.predictions
    assert head.transform.dense.weight.grad is not None and head.bias.grad[: tok.num_text].abs().sum() == 0
    model.zero_grad(set_to_none=True)


def test_a_run_saved_before_mlm_softmax_resumes_only_with_the_joint_softmax(tmp_path):
    cfg = PretrainConfig(init="scratch", size="tiny")
    saved = {k: v for k, v in json.loads(json.dumps(cfg.to_dict())).items() if k != "mlm_softmax"}
    (tmp_path / "config.json").write_text(json.dumps(saved))
    with pytest.raises(ValueError, match="mlm_softmax"):
        check_same_config(tmp_path / "config.json", cfg)  # the new default would change its objective
    check_same_config(tmp_path / "config.json", cfg.replace(mlm_softmax="joint"))
    with pytest.raises(ValueError, match="mlm_softmax"):
        PretrainConfig(mlm_softmax="text")


@pytest.mark.parametrize("rows", [(4, 3), (0, 3), (4, 0)])
def test_the_per_modality_head_writes_the_same_gradients_as_autograd_through_slices(model, rows):
    # `mlm_logits_by_modality` writes the tied weight's gradient once (no zero-filled buffer per
    # slice); it must equal what autograd gives through the two slices, including the `[>]` row
    # (in neither modality: zero) and a part with no rows (DDP runs both parts always).
    torch.manual_seed(1)
    H = model.bert.config.hidden_size
    ht, hv = torch.randn(rows[0], H), torch.randn(rows[1], H)
    head = model.bert.cls.predictions
    params = [head.decoder.weight, head.bias, head.transform.dense.weight]

    def grads(fn):
        model.zero_grad(set_to_none=True)
        xt, xv = ht.clone().requires_grad_(), hv.clone().requires_grad_()
        lt, lv = fn(xt, xv)
        ((lt * torch.arange(lt.shape[1])).sum().sin() + (lv ** 2).sum().cos()).backward()  # uneven upstream grads
        return [lt.detach(), lv.detach(), xt.grad, xv.grad] + [p.grad.clone() for p in params]

    fused = grads(model.mlm_logits_by_modality)
    sliced = grads(lambda xt, xv: (model.mlm_logits(xt, "text"), model.mlm_logits(xv, "visual")))
    for a, b in zip(fused, sliced):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    tok = model.tokenizer
    assert fused[4].shape == head.decoder.weight.shape and fused[4][tok.sep_video_id].abs().sum() == 0
    model.zero_grad(set_to_none=True)


def _corpus_model(pieces):
    torch.manual_seed(0)
    m = VideoBERT.create("scratch", fake_vocab(), {}, size="tiny", seed=0).eval()
    m.info["text_pieces"] = pieces
    return m


def test_the_corpus_softmax_scores_a_text_piece_among_the_recorded_pieces():
    pieces = [1996, 2023, 4937, 7592]
    model = _corpus_model(pieces)
    tok = model.tokenizer
    v0 = tok.visual_offset
    labels = [[-100, 2023, v0 + 3, -100], [v0, -100, 1996, 7592]]
    batch = _batch(tok, labels)
    loss, _ = PretrainingObjective(model, softmax="corpus")(batch)
    hidden, _ = model.encode(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
    want = []
    for b, t in ((0, 1), (0, 2), (1, 0), (1, 2), (1, 3)):
        y = labels[b][t]
        logits = model.mlm_logits(hidden[b, t])
        logits, y = (logits[v0:], y - v0) if y >= v0 else (logits[pieces], pieces.index(y))
        want.append(F.cross_entropy(logits[None].float(), torch.tensor([y])))
    torch.testing.assert_close(loss, torch.stack(want).mean())
    # a model without recorded pieces cannot train with it, nor one with pieces with another softmax
    with pytest.raises(ValueError, match="records its text pieces"):
        PretrainingObjective(VideoBERT.create("scratch", fake_vocab(), {}, size="tiny", seed=0), softmax="corpus")
    with pytest.raises(ValueError, match="records its text pieces"):
        PretrainingObjective(model, softmax="modality")


@pytest.mark.parametrize("rows", [(4, 3), (0, 3), (4, 0)])
def test_the_corpus_head_writes_the_same_gradients_as_autograd_through_an_index(rows):
    # the text part's rows are an index of the tied weight: its rows outside the index, and the
    # `[>]` row, get zero gradient; the rest equals autograd through index_select
    pieces = [5, 17, 1996, 2023, 30000]
    model = _corpus_model(pieces)
    torch.manual_seed(1)
    H = model.bert.config.hidden_size
    ht, hv = torch.randn(rows[0], H), torch.randn(rows[1], H)
    head = model.bert.cls.predictions
    params = [head.decoder.weight, head.bias, head.transform.dense.weight]
    idx = torch.tensor(pieces)

    def grads(fn):
        model.zero_grad(set_to_none=True)
        xt, xv = ht.clone().requires_grad_(), hv.clone().requires_grad_()
        lt, lv = fn(xt, xv)
        ((lt * torch.arange(lt.shape[1])).sum().sin() + (lv ** 2).sum().cos()).backward()
        return [lt.detach(), lv.detach(), xt.grad, xv.grad] + [p.grad.clone() for p in params]

    def reference(xt, xv):
        st = head.transform(xt)
        return F.linear(st, head.decoder.weight[idx], head.bias[idx]), model.mlm_logits(xv, "visual")

    fused = grads(model.mlm_logits_by_modality)
    for a, b in zip(fused, grads(reference)):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    assert fused[0].shape == (rows[0], len(pieces))
    outside = torch.ones(model.tokenizer.num_text, dtype=torch.bool)
    outside[idx] = False
    assert fused[4][: model.tokenizer.num_text][outside].abs().sum() == 0
    model.zero_grad(set_to_none=True)


def test_text_log_probs_are_normalized_over_the_recorded_pieces():
    pieces = [1996, 2023, 4937]
    model = _corpus_model(pieces)
    logits = torch.randn(2, model.tokenizer.vocab_size)
    logp = model.text_log_probs(logits)  # (2, num_text)
    assert logp.shape == (2, model.tokenizer.num_text)
    torch.testing.assert_close(logp[:, pieces], torch.log_softmax(logits[:, pieces], -1))
    assert torch.isinf(logp[:, 0]).all() and logp[:, pieces].exp().sum(-1).allclose(torch.ones(2))
    model.info["text_pieces"] = [5, 6, 7]  # another record of the same length: read afresh
    assert model.text_log_probs(logits)[:, [5, 6, 7]].isfinite().all() and model.text_pieces().tolist() == [5, 6, 7]
    del model.info["text_pieces"]  # no record: every text piece
    torch.testing.assert_close(model.text_log_probs(logits), torch.log_softmax(logits[:, : model.tokenizer.num_text], -1))


def test_the_recorded_pieces_are_saved_with_the_model_and_checked_on_load(tiny_corpus, tmp_path):
    from videobert.vocab import VisualVocab

    model = VideoBERT.create("scratch", VisualVocab.load(tiny_corpus.root / "vocab"), tiny_corpus.config, "tiny")
    model.info["text_pieces"] = [1996, 2023, 4937]
    d = model.save_pretrained(tmp_path / "m")
    loaded = VideoBERT.from_pretrained(d)
    assert loaded.info["text_pieces"] == [1996, 2023, 4937]
    logits = torch.randn(2, model.tokenizer.vocab_size)
    torch.testing.assert_close(loaded.text_log_probs(logits), model.text_log_probs(logits))
    for bad in ([2023, 1996], [], [5, 5], [10 ** 6], ["a"]):
        meta = json.loads((d / "videobert.json").read_text())
        meta["text_pieces"] = bad
        (d / "videobert.json").write_text(json.dumps(meta))
        with pytest.raises(ValueError, match="sorted list of distinct text ids"):
            VideoBERT.from_pretrained(d)
