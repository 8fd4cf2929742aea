import numpy as np
import pytest
import torch

from videobert.model import JointTokenizer, VideoBERT, centroid_embeddings
from videobert.model.init import load_init


@pytest.fixture(scope="module")
def model(tiny_corpus):
    import videobert.vocab as V

    vocab = V.VisualVocab.load(tiny_corpus.root / "vocab")
    return VideoBERT.create("scratch", vocab, tiny_corpus.config, size="tiny", seed=0)


def test_layout_and_token_types(model):
    tok: JointTokenizer = model.tokenizer
    text = tok.encode_text("cut the onion")
    b = tok.build(text, [0, 5, 11])
    assert b["input_ids"] == [tok.cls_id, *text, tok.sep_video_id, tok.visual_offset, tok.visual_offset + 5,
                              tok.visual_offset + 11, tok.sep_id]
    assert b["token_type_ids"] == [0] * (1 + len(text)) + [1] * 5
    assert tok.build(text, None) == {"input_ids": [tok.cls_id, *text, tok.sep_id], "token_type_ids": [0] * (len(text) + 2)}
    assert tok.build([], [3])["input_ids"] == [tok.cls_id, tok.sep_video_id, tok.visual_offset + 3, tok.sep_id]
    assert tok.decode(b["input_ids"]) == "[CLS] cut the onion [>] <v0> <v5> <v11> [SEP]"
    assert tok.vocab_size == 30522 + 1 + model.vocab.num_tokens == model.bert.config.vocab_size
    with pytest.raises(ValueError, match="visual token ids must be in"):
        tok.build(text, [model.vocab.num_tokens])


def test_forward_shapes_and_tied_head(model):
    tok = model.tokenizer
    b = tok.build(tok.encode_text("stir the pan"), [1, 2])
    out = model(torch.tensor([b["input_ids"]]), torch.tensor([b["token_type_ids"]]))
    T = len(b["input_ids"])
    assert out.logits.shape == (1, T, tok.vocab_size) and out.align_logits.shape == (1, 2)
    assert out.hidden_states.shape == (1, T, 128)
    emb = model.bert.get_input_embeddings().weight
    assert model.bert.get_output_embeddings().weight.data_ptr() == emb.data_ptr()
    p = model.alignment_score(torch.tensor([b["input_ids"]]), torch.tensor([b["token_type_ids"]]))
    assert p.shape == (1,) and 0 < float(p) < 1


def test_visual_embeddings_come_from_centroids(model):
    tok, emb = model.tokenizer, model.bert.get_input_embeddings().weight.detach()
    vis = emb[tok.visual_offset :].numpy()
    expect = centroid_embeddings(model.vocab.leaf_centroids, emb.shape[1], float(emb[: tok.num_text].std())).numpy()
    np.testing.assert_allclose(vis, expect, rtol=1e-5, atol=1e-6)
    assert model.info["visual_init_power"] == 0.5


@pytest.mark.parametrize("power", [0.0, 0.5, 1.0])
def test_centroid_embeddings_scale_principal_components_by_a_power(power):
    rng = np.random.default_rng(0)
    # 40 centroids in 24-d with one dominant direction, as raw clip features have
    c = rng.standard_normal((40, 24)) * np.r_[30.0, np.linspace(3, 1, 23)]
    e = centroid_embeddings(c, 32, 0.02, seed=1, power=power).numpy().astype(np.float64)
    assert e.shape == (40, 32) and abs(e.std() - 0.02) < 1e-6
    u, s, _ = np.linalg.svd(c - c.mean(0), full_matrices=False)
    w = u * s ** power  # the expected geometry, up to a rotation and a global scale
    dc = np.linalg.norm(w[:, None] - w[None], axis=-1).ravel()
    de = np.linalg.norm(e[:, None] - e[None], axis=-1).ravel()
    np.testing.assert_allclose(de / de.max(), dc / dc.max(), atol=1e-6)
    sv = np.linalg.svd(e - e.mean(0), compute_uv=False)[: len(s)]
    np.testing.assert_allclose(sv / sv[0], (s / s[0]) ** power, rtol=1e-6, atol=1e-9)


def test_half_whitening_keeps_neighbours_when_words_outnumber_dimensions():
    # Full whitening with K - 1 >= H makes the rows near-orthonormal (all words equidistant);
    # power 0.5 keeps which word is near which (what the demo's measurements turned on).
    rng = np.random.default_rng(0)
    centers = rng.standard_normal((6, 64)) * 3
    c = np.repeat(centers, 24, axis=0) + rng.standard_normal((144, 64))  # 6 groups of 24 words
    group = np.repeat(np.arange(6), 24)

    def nn_same_group(e):
        d = np.linalg.norm(e[:, None] - e[None], axis=-1)
        np.fill_diagonal(d, np.inf)
        return float(np.mean(group[d.argmin(1)] == group))

    assert nn_same_group(centroid_embeddings(c, 128, 0.02, power=0.5).numpy()) == 1.0
    assert nn_same_group(centroid_embeddings(c, 128, 0.02, power=0.0).numpy()) < 0.5


def test_save_load_round_trip(model, tmp_path):
    model.eval()
    tok = model.tokenizer
    b = tok.build(tok.encode_text("pour the oil"), [3, 4, 5])
    ids, tt = torch.tensor([b["input_ids"]]), torch.tensor([b["token_type_ids"]])
    with torch.no_grad():
        ref = model(ids, tt)
    model.save_pretrained(tmp_path / "m")
    import videobert

    loaded = videobert.load_model(tmp_path / "m")
    with torch.no_grad():
        got = loaded(ids, tt)
    torch.testing.assert_close(got.logits, ref.logits)
    torch.testing.assert_close(got.align_logits, ref.align_logits)
    assert loaded.ingest_config == model.ingest_config and loaded.tokenizer.vocab_size == tok.vocab_size
    assert (tmp_path / "m" / "bert" / "model.safetensors").is_file()


def test_vocab_model_mismatch_is_a_clear_error(model, tiny_corpus, tmp_path):
    from tests.conftest import build_vocab

    model.save_pretrained(tmp_path / "m")
    small = build_vocab(tiny_corpus, tmp_path / "v3", k=3, levels=1)
    assert small.num_tokens != model.vocab.num_tokens
    small.save(tmp_path / "m" / "visual_vocab")
    with pytest.raises(ValueError, match="model/vocabulary mismatch"):
        VideoBERT.from_pretrained(tmp_path / "m")


def test_init_errors_name_offline_options(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(RuntimeError, match="--init minilm"):
        load_init("bert-base-uncased")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="config.json"):
        load_init(str(tmp_path / "empty"))
    with pytest.raises(ValueError, match="unknown model size"):
        load_init("scratch", size="huge")


@pytest.mark.parametrize("damage,file,expect", [
    (lambda d: (d / "videobert.json").write_text('{"format": '), "videobert.json", "not valid JSON"),
    (lambda d: (d / "videobert.json").write_text("[1, 2]"), "videobert.json", "unknown format"),
    (lambda d: (d / "text_tokenizer" / "tokenizer.json").unlink(), "text_tokenizer/tokenizer.json", "missing"),
    (lambda d: (d / "visual_vocab" / "vocab.npz").write_bytes(bytes(range(256)) * 4), "visual_vocab/vocab.npz",
     "not a NumPy .npz archive"),
    (lambda d: (d / "visual_vocab" / "vocab.npz").write_bytes(b"PK\x03\x04" + bytes(200)), "visual_vocab/vocab.npz",
     "not a readable vocabulary array file"),
    (lambda d: (d / "visual_vocab" / "vocab.json").write_text("{"), "visual_vocab/vocab.json", "not valid JSON"),
])
def test_a_damaged_model_directory_names_the_file(model, tmp_path, damage, file, expect):
    d = model.save_pretrained(tmp_path / "m")
    damage(d)
    with pytest.raises((ValueError, FileNotFoundError)) as e:
        VideoBERT.from_pretrained(d)
    assert f"{d / file}: " in str(e.value) and expect in str(e.value)
