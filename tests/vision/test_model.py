import math

import pytest
import torch

from videobert.vision.config import StudentArch
from videobert.vision.model import DistilledStudent, combine_heads, load_student, save_student

ARCH = StudentArch(img_size=32, patch_size=8, embed_dim=32, depth=1, num_heads=2, frames=2)
COARSE_OF = torch.tensor([0, 0, 1, 1, 1])  # 5 leaves under 2 coarse clusters


def _student(arch=ARCH):
    torch.manual_seed(0)
    return DistilledStudent(arch, COARSE_OF).eval()


def test_two_heads_predict_coarse_and_leaf():
    m = _student()
    out = m(torch.randn(3, 2, 3, 32, 32))
    assert out.coarse_logits.shape == (3, 2) and out.leaf_logits.shape == (3, 5)
    assert m.dist_token.shape == (1, 1, 32)  # the distillation token next to the class token
    assert m.embed(torch.randn(3, 2, 3, 32, 32)).shape == (3, 32)


def test_frames_are_averaged_before_the_heads():
    m = _student()
    frame = torch.randn(2, 1, 3, 32, 32)
    one = m(frame)
    two = m(frame.expand(2, 2, 3, 32, 32))  # the same frame twice = one frame
    assert torch.allclose(one.leaf_logits, two.leaf_logits, atol=1e-5)
    assert torch.allclose(one.coarse_logits, two.coarse_logits, atol=1e-5)


def test_combination_multiplies_leaf_and_coarse_probabilities():
    coarse_of = torch.tensor([0, 0, 1])
    coarse = torch.tensor([[0.0, math.log(3.0)]])  # p_cls = (1/4, 3/4)
    leaf = torch.zeros(1, 3)  # p_dist uniform
    p = combine_heads(coarse, leaf, coarse_of).exp()[0]
    assert p.tolist() == pytest.approx([0.2, 0.2, 0.6], abs=1e-6)  # (1/4, 1/4, 3/4) / (5/4)
    # A confident class head overrides a distillation head that prefers a leaf of the other cluster.
    leaf = torch.tensor([[0.0, 0.0, 1.0]])
    coarse = torch.tensor([[5.0, 0.0]])
    assert int(combine_heads(coarse, leaf, coarse_of).argmax()) in (0, 1)


def test_save_load_roundtrip(tmp_path):
    m = _student()
    save_student(m, tmp_path, {"grid": {"fps": 20}})
    m2, info = load_student(tmp_path)
    x = torch.randn(2, 2, 3, 32, 32)
    assert torch.equal(m(x).leaf_logits, m2(x).leaf_logits)
    assert info["num_leaves"] == 5 and info["arch"]["frames"] == 2 and torch.equal(m2.coarse_of, COARSE_OF)
    with pytest.raises(FileNotFoundError, match="student.json"):
        load_student(tmp_path / "missing")


def test_arch_validation_names_the_field():
    with pytest.raises(ValueError, match="img_size"):
        StudentArch(img_size=30, patch_size=8)
