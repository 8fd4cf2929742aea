import math

import pytest
import torch

from videobert.vision.losses import DistillationLoss, quantization_scale, teacher_soft_targets

# One clip; 2 coarse clusters, 3 leaves.
COARSE = torch.tensor([[0.0, 0.0]])  # p_cls = (1/2, 1/2)
LEAF = torch.tensor([[math.log(3.0), 0.0, 0.0]])  # p_dist = (3/5, 1/5, 1/5)
CE_COARSE = math.log(2.0)  # -log 1/2
CE_LEAF0 = math.log(5.0 / 3.0)  # -log 3/5


def test_none_is_class_head_ce_only():
    loss = DistillationLoss("none")(COARSE, LEAF, torch.tensor([0]), torch.tensor([2]))
    assert loss.item() == pytest.approx(CE_COARSE, abs=1e-6)


def test_hard_is_half_ce_class_plus_half_ce_teacher_argmax():
    loss = DistillationLoss("hard")(COARSE, LEAF, torch.tensor([1]), torch.tensor([0]))
    assert loss.item() == pytest.approx(0.5 * CE_COARSE + 0.5 * CE_LEAF0, abs=1e-6)
    # Probability targets (after Mixup / smoothing) give the expected cross-entropy.
    soft_t = torch.tensor([[0.5, 0.5, 0.0]])
    loss = DistillationLoss("hard", alpha=1.0)(COARSE, LEAF, torch.tensor([1]), soft_t)
    assert loss.item() == pytest.approx(0.5 * CE_LEAF0 + 0.5 * math.log(5.0), abs=1e-6)


@pytest.mark.parametrize("tau", [1.0, 2.0])
def test_soft_is_tau2_kl_at_temperature(tau):
    p = [0.5, 0.25, 0.25]  # teacher distribution (already at temperature tau)
    z = [math.exp(math.log(3.0) / tau), 1.0, 1.0]
    q = [v / sum(z) for v in z]  # student at temperature tau
    kl = sum(pi * math.log(pi / qi) for pi, qi in zip(p, q))
    loss = DistillationLoss("soft", alpha=0.5, tau=tau)(COARSE, LEAF, torch.tensor([0]), torch.tensor([p]))
    assert loss.item() == pytest.approx(0.5 * CE_COARSE + 0.5 * tau**2 * kl, abs=1e-6)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="mode"):
        DistillationLoss("medium")
    with pytest.raises(ValueError, match="teacher probabilities"):
        DistillationLoss("soft")(COARSE, LEAF, torch.tensor([0]), torch.tensor([0]))


def test_teacher_soft_targets_from_centroid_distances():
    centroids = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    feats = torch.tensor([[0.0, 0.0]])  # distances 0, 1, 2
    p = teacher_soft_targets(feats, centroids, scale=1.0, tau=1.0)
    e = [1.0, math.exp(-1), math.exp(-2)]
    assert p[0].tolist() == pytest.approx([v / sum(e) for v in e], abs=1e-6)
    # Doubling the scale (or tau) flattens the distribution the same way.
    assert torch.allclose(teacher_soft_targets(feats, centroids, 2.0, 1.0), teacher_soft_targets(feats, centroids, 1.0, 2.0))
    assert quantization_scale(torch.tensor([[0.0, 1.0], [3.0, 0.0]]), centroids, torch.tensor([0, 1])) == pytest.approx(1.5)
