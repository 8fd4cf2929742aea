import pytest
import torch

from videobert.ingest import backbones as bb


def test_s3d_random_shape_and_determinism():
    clips = torch.randint(0, 256, (2, 30, 32, 32, 3), dtype=torch.uint8)  # (B, T, H, W, 3)
    a = bb.create_backbone("s3d", "random", 32, "cpu", seed=0)
    assert (a.feature_dim, a.input_size, a.resize, a.pretrained) == (1024, 32, (37, 37), False)
    with torch.inference_mode():
        fa = a(a.preprocess(clips))
        fb = bb.create_backbone("s3d", "random", 32, "cpu", seed=0)(a.preprocess(clips))
        fc = bb.create_backbone("s3d", "random", 32, "cpu", seed=1)(a.preprocess(clips))
    assert fa.shape == (2, 1024) and fa.dtype == torch.float32
    assert torch.equal(fa, fb) and not torch.allclose(fa, fc)


def test_preprocess_uses_kinetics_normalization():
    b = bb.create_backbone("s3d", "random", 32, "cpu")
    x = b.preprocess(torch.full((1, 2, 32, 32, 3), 255, dtype=torch.uint8))  # (B, 3, T, H, W)
    assert x.shape == (1, 3, 2, 32, 32)
    want = [(1 - m) / s for m, s in zip(bb.KINETICS_MEAN, bb.KINETICS_STD)]
    assert torch.allclose(x[0, :, 0, 0, 0], torch.tensor(want))


def test_kinetics_weights_unreachable_names_alternatives(monkeypatch):
    from torchvision.models.video import S3D_Weights

    def offline(*a, **k):
        raise OSError("network unreachable")

    monkeypatch.setattr(type(S3D_Weights.KINETICS400_V1), "get_state_dict", offline)
    with pytest.raises(RuntimeError, match=r"--weights random.*--weights PATH"):
        bb.create_backbone("s3d", "kinetics400", 32, "cpu")


def test_local_weights_path(tmp_path):
    src = bb.create_backbone("s3d", "random", 32, "cpu", seed=3)
    torch.save({"state_dict": {f"module.{k}": v for k, v in src.state_dict().items()}}, tmp_path / "w.pth")
    loaded = bb.create_backbone("s3d", str(tmp_path / "w.pth"), 32, "cpu", seed=0)
    assert loaded.pretrained
    assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in src.state_dict().items())
    torch.save({"foo": torch.zeros(1)}, tmp_path / "bad.pth")
    with pytest.raises(ValueError, match="not an S3D state_dict"):
        bb.create_backbone("s3d", str(tmp_path / "bad.pth"), 32, "cpu")
    with pytest.raises(FileNotFoundError, match="kinetics400"):
        bb.create_backbone("s3d", str(tmp_path / "nope.pth"), 32, "cpu")


def test_registry_prefix_and_unknown(monkeypatch):
    monkeypatch.setattr(bb, "_REGISTRY", dict(bb._REGISTRY))
    seen = []

    class Tiny(bb.Backbone):
        def __init__(self, size):
            super().__init__(size, 8, bb.KINETICS_MEAN, bb.KINETICS_STD)
            self.w = torch.nn.Parameter(torch.randn(3, 8))

        def forward(self, x):
            return x.mean((2, 3, 4)) @ self.w  # (B, 3) -> (B, 8)

    def factory(name, weights, size, device):
        seen.append((name, weights, size, device))
        return Tiny(size)

    bb.register_backbone("tiny_", factory)
    m1 = bb.create_backbone("tiny_a", "random", 32, "cpu", seed=5)
    m2 = bb.create_backbone("tiny_a", "random", 32, "cpu", seed=5)
    assert "tiny_" in bb.list_backbones() and seen[0] == ("tiny_a", "random", 32, "cpu")
    assert torch.equal(m1.w, m2.w) and not m1.training  # seeded, eval mode
    assert m1.resize == 32  # default: short side = input size
    with pytest.raises(ValueError, match="unknown backbone 'nope'"):
        bb.create_backbone("nope")
