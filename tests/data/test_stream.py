"""Streaming batches (data.stream): the in-memory builder's examples, sharded, resumable."""
import numpy as np
import pytest
import torch

from tests.conftest import build_vocab, make_corpus
from videobert.data import ExampleSpec, StreamingBatches, epoch_batches, load_videos

SPEC = ExampleSpec(max_len=48, kind_mix=(1, 1, 2))


@pytest.fixture(scope="module")
def corpus8(tmp_path_factory):
    root = tmp_path_factory.mktemp("stream")
    corpus = make_corpus(root / "corpus", n_videos=8, n_clips=24)
    build_vocab(corpus, root / "vocab")
    return corpus, root / "vocab"


def _stream(corpus8, tokenizer, chunk, streams=1, ids=None, **kw):
    corpus, vocab = corpus8
    return StreamingBatches(corpus, vocab, tokenizer, ids or corpus.video_ids(), SPEC, 4, 0, chunk, streams, pool=2, **kw)


def _same(a, b):
    return [(e.source, e.input_ids.tolist(), e.view) for e in a] == [(e.source, e.input_ids.tolist(), e.view) for e in b]


def test_one_chunk_yields_the_in_memory_builders_batches_epoch_after_epoch(corpus8, tokenizer):
    corpus, vocab = corpus8
    videos = load_videos(corpus, vocab, tokenizer, corpus.video_ids())
    memory = [b for e in (0, 1) for b in epoch_batches(videos, tokenizer, SPEC, 4, 0, e, 2)]
    s = _stream(corpus8, tokenizer, chunk=100)
    assert s.num_chunks == 1 and s.epoch_length(0) == len(epoch_batches(videos, tokenizer, SPEC, 4, 0, 0, 2))
    assert all(_same(s.examples(p), memory[p]) for p in range(len(memory)))
    s.close()


def test_chunks_partition_each_epoch_and_streams_share_them_out(corpus8, tokenizer):
    corpus, _ = corpus8
    s = _stream(corpus8, tokenizer, chunk=3, streams=2)
    assert s.num_chunks == 3
    for epoch in (0, 1):
        chunks = [s.chunk_ids(epoch, c) for c in range(3)]
        assert sorted(v for c in chunks for v in c) == sorted(corpus.video_ids())  # disjoint and complete
    assert s.chunk_ids(0, 0) != s.chunk_ids(1, 0)  # reshuffled per epoch
    # stream 0 reads chunks 0, 2 of each epoch, stream 1 chunk 1: each batch holds one chunk's videos
    n = s.epoch_length(0)
    seen = set()
    for pos in range(n):
        videos = {e.source[0] for e in s.examples(pos)}
        owner = [c for c in range(3) if videos <= set(s.chunk_ids(0, c)) or videos <= set(s.chunk_ids(1, c))]
        assert owner, pos
        seen |= videos
    assert seen == set(corpus.video_ids())
    with pytest.raises(ValueError, match="fewer than the 4 streams"):
        _stream(corpus8, tokenizer, chunk=3, streams=4)
    s.close()


def test_each_process_builds_only_its_streams_and_gets_the_same_batches(corpus8, tokenizer):
    """V = 2 streams read by one process (W=1, A=2) or by two (W=2, A=1): the same batch at every position."""
    one = _stream(corpus8, tokenizer, chunk=2, streams=2)
    ranks = [_stream(corpus8, tokenizer, chunk=2, streams=2) for _ in range(2)]
    for step in range(12):  # more than an epoch of each stream
        for r in range(2):
            pos = step * 2 + r
            a, b = one.get(pos), ranks[r].get(pos)
            assert all(torch.equal(a[k], b[k]) for k in a), (step, r)
    for r, s in enumerate(ranks):  # rank r built chunks r, r+2 only (and may have prefetched its next one)
        assert {c % 2 for (_, c) in s._counts} == {r}
    for s in [one, *ranks]:
        s.close()


def test_random_access_after_a_resume_equals_the_sequential_walk(corpus8, tokenizer):
    walked = _stream(corpus8, tokenizer, chunk=3, streams=1)
    batches = [walked.get(p) for p in range(40)]  # ~3 epochs
    fresh = _stream(corpus8, tokenizer, chunk=3, streams=1, prefetch=False)  # a resumed run: starts at position 29
    for p in (29, 30, 39, 5):
        got = fresh.get(p)
        assert all(torch.equal(got[k], batches[p][k]) for k in got), p
    assert fresh.available(1000) == walked.epoch_length(0) and fresh.available(2) == 2
    assert len(walked._current) == 1 and len(walked._ahead) <= 1  # memory: one chunk, one being prefetched
    walked.close()


def test_a_corpus_without_examples_is_a_clear_error(corpus8, tokenizer, tmp_path):
    from videobert.corpus import Corpus, VideoRecord

    empty = Corpus(tmp_path / "c")
    empty.init(corpus8[0].config)
    empty.write(VideoRecord("v0", "v0.mp4", 0.0, np.zeros(0), np.zeros((0, 8), np.float16), []))
    from videobert.vocab.vocabulary import token_path

    token_path(tmp_path / "v", "v0").parent.mkdir(parents=True)
    np.save(token_path(tmp_path / "v", "v0"), np.zeros(0, np.int64))
    s = StreamingBatches(empty, tmp_path / "v", tokenizer, ["v0"], SPEC, 4, 0, 1)
    with pytest.raises(ValueError, match="no training examples"):
        s.get(0)
    with pytest.raises(ValueError, match="no videos"):
        StreamingBatches(empty, tmp_path / "v", tokenizer, [], SPEC, 4, 0, 1)
