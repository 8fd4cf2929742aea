import numpy as np
import torch

from videobert.data import ExampleSpec, Masker, bucket_batches, collate, epoch_batches

from .conftest import random_videos


def test_bucketing_cuts_padding():
    rng = np.random.default_rng(0)
    lengths = rng.integers(5, 128, size=3000)
    def pad_frac(batches):
        return 1 - sum(lengths[b].sum() for b in batches) / sum(len(b) * lengths[b].max() for b in batches)
    plain = bucket_batches(lengths, 32, np.random.default_rng(1), pool=1)
    bucketed = bucket_batches(lengths, 32, np.random.default_rng(1), pool=50)
    assert sorted(np.concatenate(bucketed).tolist()) == list(range(3000))
    assert pad_frac(bucketed) < 0.1 < 0.3 < pad_frac(plain)


def test_epoch_batches_are_reproducible_and_collate(tokenizer):
    videos = random_videos(tokenizer)
    a = epoch_batches(videos, tokenizer, ExampleSpec(), 8, seed=3, epoch=1)
    b = epoch_batches(videos, tokenizer, ExampleSpec(), 8, seed=3, epoch=1)
    c = epoch_batches(videos, tokenizer, ExampleSpec(), 8, seed=3, epoch=2)
    key = lambda bs: [[e.input_ids.tolist() for e in batch] for batch in bs]  # noqa: E731
    assert key(a) == key(b) and key(a) != key(c)
    t = collate(a[0], Masker(tokenizer), np.random.default_rng(0))
    B, T = t["input_ids"].shape
    assert B == len(a[0]) and T == max(len(e.input_ids) for e in a[0])
    assert torch.equal(t["attention_mask"].sum(1), torch.tensor([len(e.input_ids) for e in a[0]]))
    assert (t["input_ids"][t["attention_mask"] == 0] == tokenizer.pad_id).all()
    assert (t["mlm_labels"][t["attention_mask"] == 0] == -100).all()
