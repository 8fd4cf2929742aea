import pytest
import torch

from videobert.ingest.backbones import create_backbone, list_backbones


def test_registered_through_the_ingest_registry():
    assert {"vit_", "deit_"} <= set(list_backbones())


@pytest.mark.parametrize("name", ["vit_tiny_patch16_224", "deit_tiny_distilled_patch16_224"])
def test_random_vit_pools_frames_into_one_feature_per_clip(name):
    b = create_backbone(name, "random", 32, "cpu")
    assert (b.feature_dim, b.input_size) == (192, 32) and b.resize >= 32
    clips = torch.randint(0, 256, (2, 30, 32, 32, 3), dtype=torch.uint8)
    x = b.preprocess(clips)
    assert x.shape == (2, 4, 3, 32, 32)  # 4 evenly spaced frames
    with torch.no_grad():
        f = b(x)
    assert f.shape == (2, 192) and torch.isfinite(f).all()
    # Seeded: the same name and seed give the same weights.
    b2 = create_backbone(name, "random", 32, "cpu")
    with torch.no_grad():
        assert torch.equal(b2(x), f)


def test_local_checkpoint_and_clear_errors(tmp_path, monkeypatch):
    from safetensors.torch import save_file

    b = create_backbone("deit_tiny_patch16_224", "random", 32, "cpu", seed=1)
    path = tmp_path / "deit.safetensors"
    save_file({k: v.contiguous() for k, v in b.model.state_dict().items()}, str(path))
    loaded = create_backbone("deit_tiny_patch16_224", str(path), 32, "cpu", seed=2)
    x = torch.randn(1, 4, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(loaded(x), b(x))
    with pytest.raises(ValueError, match="not a deit_tiny_distilled_patch16_224 checkpoint"):
        create_backbone("deit_tiny_distilled_patch16_224", str(path), 32, "cpu")  # no dist_token in the file
    with pytest.raises(ValueError, match="unknown timm model"):
        create_backbone("vit_nonexistent", "random", 32, "cpu")

    import timm

    def offline(*a, pretrained=False, **k):  # what an offline machine does, without waiting for retries
        raise OSError("network unreachable")

    monkeypatch.setattr(timm, "create_model", offline)
    with pytest.raises(RuntimeError, match="--weights random"):
        create_backbone("deit_tiny_patch16_224", "pretrained", 32, "cpu")
