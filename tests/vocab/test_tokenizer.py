import numpy as np
import pytest

from videobert.corpus import VideoRecord
from videobert.utils.io import atomic_save_npy
from videobert.vocab import StudentTokens, VisualTokenizer, VisualVocab, token_path, visual_tokenizer


def _vocab(dim=4):
    c = np.eye(3, dim, dtype=np.float32)
    return VisualVocab([c], [np.zeros(3, np.int64)], {"normalize": "none"})


def _record(feats, **meta):
    feats = np.asarray(feats, np.float16)
    return VideoRecord(video_id="v0", source="/nonexistent/v0.mp4", duration=1.5 * len(feats),
                       clip_starts=np.arange(len(feats)) * 1.5, features=feats, sentences=[], meta=meta)


def test_the_vocabulary_tokenizes_features_and_refuses_another_width():
    vocab = _vocab()
    assert isinstance(vocab, VisualTokenizer) and visual_tokenizer(vocab, {"backbone": "s3d"}) is vocab
    np.testing.assert_array_equal(vocab.tokens(_record(np.eye(3, 4)[[2, 0, 1]])), [2, 0, 1])
    with pytest.raises(ValueError, match="5-d features"):
        vocab.tokens(_record(np.zeros((2, 5))))


def test_a_student_tokenized_corpus_reads_the_stored_tokens(tmp_path):
    tok = visual_tokenizer(_vocab(), {"tokenizer": "/students/a"}, tmp_path)
    assert isinstance(tok, StudentTokens) and isinstance(tok, VisualTokenizer) and tok.num_tokens == 3
    np.testing.assert_array_equal(tok.tokens(_record(np.zeros((2, 8)), student_tokens=[2, 1])), [2, 1])  # fresh
    atomic_save_npy(token_path(tmp_path, "v0"), np.array([1, 2], np.int32))
    np.testing.assert_array_equal(tok.tokens(_record(np.zeros((2, 8)))), [1, 2])  # stored by ingest
    with pytest.raises(ValueError, match="no student tokens"):
        StudentTokens(3).tokens(_record(np.zeros((2, 8))))
