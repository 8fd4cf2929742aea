"""Config round trips (save_config -> Config.load), the type tag, and errors that name the field."""
from __future__ import annotations

import dataclasses
import json

import pytest

from videobert.data.masking import MaskRates
from videobert.demo import DemoConfig
from videobert.ingest.config import IngestConfig
from videobert.synth.generator import SynthConfig
from videobert.tasks.alignment import AlignmentConfig
from videobert.tasks.captioning import CaptionerConfig
from videobert.tasks.forecast import ForecastConfig
from videobert.tasks.retrieval import RetrievalConfig
from videobert.tasks.text2video import TextToVideoConfig
from videobert.tasks.zeroshot import ZeroShotConfig
from videobert.train.config import PretrainConfig
from videobert.utils.config import Config, ConfigError, save_config
from videobert.vision.config import DistillConfig, StudentArch
from videobert.vocab.build import VocabConfig

# Every stage's config, with some fields off their defaults (None, tuples, floats, bools, strs).
STAGE_CONFIGS = [
    SynthConfig(videos=3, step_seconds=(1.5, 3.25), audio=False, style="studio"),
    IngestConfig(fps=10, frames=None, captions_dir="caps", sentence_pause=0.25),
    IngestConfig(backbone="efficientnet_lite0", pool="mean+motion"),
    VocabConfig(levels=2, k=3, normalize="none"),
    PretrainConfig(lr=3e-4, epochs=1.5, dropout=None, loss_weights=(1.0, 0.5, 2.0), tensorboard=True),
    MaskRates(text_rate=0.2, vt_function_rate=0.0),
    StudentArch(img_size=32, patch_size=8, embed_dim=32, depth=1, num_heads=2, frames=2),
    DistillConfig(mode="soft", tau=2.0, rand_augment="", mixup=0.0),
    CaptionerConfig(variant="s3d", dropout=0.0, lr=1e-3),
    AlignmentConfig(),
    ForecastConfig(),
    RetrievalConfig(),
    TextToVideoConfig(),
    ZeroShotConfig(),
    DemoConfig(videos=8, tiny=True, init="minilm"),
]


@pytest.mark.parametrize("cfg", STAGE_CONFIGS, ids=lambda c: type(c).__name__)
def test_every_stage_config_round_trips_through_save_config_and_load(cfg, tmp_path):
    path = save_config(cfg, tmp_path / "config.json")
    assert json.loads(path.read_text())["type"] == type(cfg).__name__
    again = type(cfg).load(path)
    assert again == cfg and type(again) is type(cfg)
    for f in dataclasses.fields(cfg):  # exactly: tuples stay tuples, floats floats
        assert type(getattr(again, f.name)) is type(getattr(cfg, f.name)), f.name
    assert type(cfg).from_dict(cfg.to_dict()) == cfg  # untagged dicts too


@dataclasses.dataclass(frozen=True)
class Inner(Config):
    rate: float = 0.5
    pair: tuple[int, int] = (1, 2)


@dataclasses.dataclass(frozen=True)
class Outer(Config):
    name: str = "x"
    inner: Inner = Inner()
    maybe: Inner | None = None
    grid: tuple[tuple[float, float], ...] = ((0.0, 1.0),)


def test_nested_configs_and_tuples_of_lists_round_trip(tmp_path):
    cfg = Outer(inner=Inner(rate=0.25, pair=(3, 4)), maybe=Inner(), grid=((0.5, 1.5), (2.0, 3.0)))
    d = cfg.to_dict()
    assert d["inner"] == {"rate": 0.25, "pair": [3, 4]}
    assert Outer.from_dict(json.loads(json.dumps(d))) == cfg
    assert Outer.load(save_config(cfg, tmp_path / "outer.json")) == cfg
    got = Outer.from_dict({"grid": [[1, 2]], "inner": {"pair": ["5", 6.0]}})
    assert got.grid == ((1.0, 2.0),) and got.inner == Inner(pair=(5, 6)) and got.maybe is None
    with pytest.raises(ConfigError, match="unknown Inner field"):
        Outer.from_dict({"inner": {"bogus": 1}})


def test_yaml_files_load_by_suffix(tmp_path):
    (tmp_path / "v.yaml").write_text("type: VocabConfig\nlevels: 2\nk: 5\n")
    (tmp_path / "v.yml").write_text("levels: 3\n")
    assert VocabConfig.load(tmp_path / "v.yaml") == VocabConfig(levels=2, k=5)
    assert VocabConfig.load(tmp_path / "v.yml") == VocabConfig(levels=3)
    (tmp_path / "v.txt").write_text("levels: 3\n")
    with pytest.raises(ConfigError, match="unknown config file type"):
        VocabConfig.load(tmp_path / "v.txt")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="expected a mapping of VocabConfig fields"):
        VocabConfig.load(tmp_path / "list.yaml")


def test_the_type_tag_must_name_the_config(tmp_path):
    path = save_config(VocabConfig(), tmp_path / "vocab.json")
    with pytest.raises(ConfigError, match=r"config type 'VocabConfig' is not PretrainConfig"):
        PretrainConfig.load(path)
    with pytest.raises(ConfigError, match="'SynthConfig' is not DemoConfig"):
        DemoConfig.from_dict({"type": "SynthConfig"})
    assert Config.from_dict({"type": "VocabConfig"}) == Config()  # a subclass' tag is accepted


def test_an_unknown_field_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown VocabConfig field\(s\): \['levles'\]"):
        VocabConfig.from_dict({"levles": 3})
    (tmp_path / "v.json").write_text('{"type": "VocabConfig", "levles": 3}')
    with pytest.raises(ConfigError, match=r"v\.json: unknown VocabConfig field\(s\): \['levles'\]"):
        VocabConfig.load(tmp_path / "v.json")
    assert VocabConfig.from_dict({"levles": 3}, strict=False) == VocabConfig()


@pytest.mark.parametrize("d, field, why", [
    ({"levels": "abc"}, "levels", "expected a number"),
    ({"levels": 2.5}, "levels", "expected a whole number"),
    ({"lr": "fast"}, "lr", "expected a number"),
    ({"loss_weights": [1, "x", 1]}, "loss_weights", "expected a number"),
])
def test_a_bad_number_is_named(d, field, why):
    cls = VocabConfig if field == "levels" else PretrainConfig
    with pytest.raises(ConfigError, match=f"invalid config field '{field}' = .*: {why}"):
        cls.from_dict(d)


def test_numbers_are_read_as_the_field_type():
    cfg = PretrainConfig.from_dict({"lr": "1e-3", "max_steps": 10.0, "kind_mix": [0, 1, 3], "epochs": None})
    assert cfg.lr == 1e-3 and cfg.max_steps == 10 and type(cfg.max_steps) is int
    assert cfg.kind_mix == (0.0, 1.0, 3.0) and cfg.epochs is None
    assert IngestConfig.from_dict({"frames": "3", "backbone": "efficientnet_lite0"}).frames == 3
