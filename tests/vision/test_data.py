import numpy as np
import torch

from videobert.vision.data import BatchMixer, ClipAugment, one_hot


def test_rand_augment_is_the_same_on_every_frame_of_a_clip():
    aug = ClipAugment("rand-m9-mstd0.5-inc1", 32, (0.485, 0.456, 0.406))
    rng = np.random.default_rng(0)
    np.random.seed(0)
    changed = 0
    for _ in range(100):  # many draws: every op and magnitude (timm's posterize could reach 0 bits)
        frame = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
        out = aug(np.stack([frame, frame, frame]))
        assert out.shape == (3, 32, 32, 3) and out.dtype == np.uint8
        assert (out[0] == out[1]).all() and (out[1] == out[2]).all()
        changed += int((out[0] != frame).any())
    assert changed > 50  # most draws change the frame (some ops at low magnitude do not)


def test_mixup_mixes_every_label_set_with_the_same_lambda_and_pairs():
    torch.manual_seed(0)
    np.random.seed(0)
    coarse_of = torch.tensor([0, 0, 1, 1, 2])
    leaf = torch.tensor([0, 2, 3, 4, 1, 2])
    leaf_t = one_hot(leaf, 5)
    coarse_t = one_hot(coarse_of[leaf], 3)
    x = torch.randn(6, 2, 3, 16, 16)
    mixer = BatchMixer(mixup=0.8, cutmix=1.0, prob=1.0, erase_prob=0.5)
    x2, (c2, l2) = mixer(x.clone(), [coarse_t, leaf_t])
    assert x2.shape == x.shape and not torch.equal(x2, x)
    # Mixed coarse targets = mixed leaf targets summed per coarse cluster: the same mix for both.
    agg = torch.zeros(6, 3).index_add_(1, coarse_of, l2)
    assert torch.allclose(agg, c2, atol=1e-6) and torch.allclose(l2.sum(1), torch.ones(6))
    assert not torch.equal(l2, leaf_t)  # something was mixed
    assert torch.allclose(one_hot(torch.tensor([1]), 4, smoothing=0.2), torch.tensor([[0.05, 0.85, 0.05, 0.05]]))
