import pytest

from videobert.train.config import PretrainConfig, load_config
from videobert.utils.config import ConfigError, save_config


@pytest.mark.parametrize("value", [-0.1, 1.01, 2.0])
def test_concat_prob_is_a_probability(value):
    with pytest.raises(ConfigError, match=r"'concat_prob' = .*: must be in \[0, 1\]"):
        PretrainConfig(concat_prob=value)


@pytest.mark.parametrize("value", [0.0, 0.3, 1.0])
def test_concat_prob_accepts_every_probability(value):
    assert PretrainConfig(concat_prob=value).example_spec.concat_prob == value


def test_load_config_reads_a_saved_config_json_with_its_type_tag(tmp_path):
    cfg = PretrainConfig(lr=3e-4, max_steps=7)
    path = save_config(cfg, tmp_path / "config.json")
    assert load_config(path) == cfg
    assert load_config(path, {"max_steps": 9, "lr": None}) == cfg.replace(max_steps=9)
