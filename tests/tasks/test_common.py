import numpy as np
import pytest

from videobert.corpus import Corpus, VideoRecord
from videobert.tasks.common import VideoTokens
from videobert.utils.io import atomic_save_npy
from videobert.vocab import token_path

from .conftest import fake_vocab


def _corpus(root, config, dim):
    corpus = Corpus(root)
    corpus.init(config)
    feats = np.random.default_rng(0).standard_normal((5, dim)).astype(np.float16)
    corpus.write(VideoRecord(video_id="v0", source="/nonexistent/v0.mp4", duration=7.5,
                             clip_starts=np.arange(5) * 1.5, features=feats, sentences=[]))
    return corpus, feats


def test_video_tokens_assign_backbone_features_with_the_model_vocabulary(tmp_path):
    vocab = fake_vocab(dim=16)
    corpus, feats = _corpus(tmp_path / "c", {"backbone": "s3d", "feature_dim": 16}, 16)
    np.testing.assert_array_equal(VideoTokens(corpus, vocab)("v0"), vocab.assign(feats.astype(np.float32)))


def test_video_tokens_of_a_student_tokenized_corpus_are_its_token_files(tmp_path):
    # `ingest --tokenizer` stores student embeddings (another width) as features and the
    # student's own tokens under CORPUS/vocab: the tasks must read those, not re-assign.
    vocab = fake_vocab(dim=16)
    corpus, _ = _corpus(tmp_path / "s", {"backbone": "student", "feature_dim": 8, "tokenizer": "/students/a"}, 8)
    atomic_save_npy(token_path(corpus.root / "vocab", "v0"), np.array([3, 1, 4, 1, 5], np.int32))
    np.testing.assert_array_equal(VideoTokens(corpus, vocab)("v0"), [3, 1, 4, 1, 5])
    # the same features without the student mark are refused: they do not fit the vocabulary
    plain, _ = _corpus(tmp_path / "p", {"backbone": "student", "feature_dim": 8}, 8)
    with pytest.raises(ValueError, match="8-d features"):
        VideoTokens(plain, vocab)("v0")


def test_forward_batches_heads_run_on_access_with_the_same_numbers(tiny_model):
    """The lazy output (heads run when read) gives bitwise what model(...) gives (issue 29)."""
    import torch

    from videobert.tasks.common import forward_batches, mlm_logits_at, pad_batch

    tok = tiny_model.tokenizer
    items = [tok.build(tok.encode_text("cut the onion"), [1, 2, 3]), tok.build(tok.encode_text("stir"), [4])]
    (_, lazy), = list(forward_batches(tiny_model, items, 8))
    with torch.no_grad():
        full = tiny_model(**pad_batch(items, tok.pad_id, torch.device("cpu")))
    for name in ("hidden_states", "align_logits", "logits"):
        assert torch.equal(getattr(lazy, name), getattr(full, name)), name
    assert not lazy.logits.requires_grad
    batch = pad_batch(items, tok.pad_id, torch.device("cpu"))
    at = mlm_logits_at(tiny_model, batch, (torch.tensor([0, 1]), torch.tensor([2, 1])))
    # the head on 2 rows instead of B x T: BLAS may pick another kernel, so equal up to float rounding
    assert torch.allclose(at, full.logits[[0, 1], [2, 1]], rtol=1e-5, atol=1e-5)

    class Plain:  # a model with only __call__ (the tasks' contract): the full forward is used
        tokenizer = tok

        def __call__(self, **kw):
            return tiny_model(**kw)

        def parameters(self):
            return tiny_model.parameters()

    (_, out), = list(forward_batches(Plain(), items, 8))
    assert torch.equal(out.logits, full.logits)
