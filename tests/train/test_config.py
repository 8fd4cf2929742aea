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


def _pretrain_args(argv):
    import argparse

    from videobert.train.cli import add_parser

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    return parser.parse_args(["pretrain", "CORPUS", *argv])


def test_the_pretrain_cli_is_generated_from_the_config_and_layers_file_flags_set(tmp_path):
    import dataclasses

    from videobert.train.cli import config_from_args

    assert config_from_args(_pretrain_args(["--out", str(tmp_path / "r")])) == PretrainConfig()  # no default retyped
    (tmp_path / "c.yaml").write_text("lr: 1e-3\nbatch_size: 4\nkind_mix: [1, 1, 1]\n")
    args = _pretrain_args(["--out", str(tmp_path / "r"), "--config", str(tmp_path / "c.yaml"), "--batch-size", "8",
                           "--dropout", "none", "--no-bf16", "--loss-weights", "1", "0.5", "2", "--size", "tiny",
                           "--set", "concat_prob=0.5"])
    cfg = config_from_args(args)
    assert (cfg.lr, cfg.batch_size, cfg.kind_mix) == (1e-3, 8, (1.0, 1.0, 1.0))  # the file, then the flags
    assert cfg.dropout is None and cfg.bf16 is False and cfg.loss_weights == (1.0, 0.5, 2.0) and cfg.concat_prob == 0.5
    with pytest.raises(SystemExit):
        _pretrain_args(["--out", "r", "--size", "huge"])  # choices come from the config
    import contextlib
    import io

    help_text = io.StringIO()
    with contextlib.redirect_stdout(help_text), pytest.raises(SystemExit):
        _pretrain_args(["--help"])
    for f in dataclasses.fields(PretrainConfig):  # every field is a flag
        assert "--" + f.name.replace("_", "-") in help_text.getvalue(), f.name


def test_example_and_mask_defaults_are_the_data_stages_own():
    from videobert.data import ExampleSpec, MaskRates
    from videobert.vision.config import DistillConfig, StudentArch

    assert PretrainConfig().example_spec == ExampleSpec() and PretrainConfig().mask_rates == MaskRates()
    assert StudentArch(**DistillConfig().arch_dict()) == StudentArch()
