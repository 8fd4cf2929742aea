"""CLI options generated from a Config's fields (utils.cli)."""
from __future__ import annotations

import argparse
import dataclasses
from typing import Optional

import pytest

from videobert.utils.cli import add_config_arguments, config_from_args
from videobert.utils.config import Config, ConfigError
from videobert.vision.config import DistillConfig


@dataclasses.dataclass(frozen=True)
class Knobs(Config):
    CHOICES = {"mode": ("fast", "slow")}

    steps: int = 3
    rate: float = 0.5
    name: str = "x"
    mode: str = "fast"
    audio: bool = True
    verbose: bool = False
    greedy: bool | None = None
    lr: float | None = None
    weights: Optional[str] = None
    pair: tuple[float, float] = (1.0, 2.0)
    sizes: tuple[int, ...] = (8,)
    inner_only: int = 0

    def validate(self) -> None:
        if self.steps < 1:
            self.fail("steps", self.steps, "must be >= 1")


def parse(*argv: str, skip=()) -> argparse.Namespace:
    p = argparse.ArgumentParser(exit_on_error=False)
    add_config_arguments(p, Knobs, skip=skip)
    return p.parse_args(list(argv))


def test_no_flags_give_the_config_defaults():
    assert config_from_args(Knobs, parse()) == Knobs()


def test_bool_flags_are_on_off_switches():
    args = parse("--no-audio", "--verbose", "--greedy")
    assert config_from_args(Knobs, args) == Knobs(audio=False, verbose=True, greedy=True)
    assert parse("--no-greedy").greedy is False and parse().greedy is None
    with pytest.raises(SystemExit):  # `--audio False` is no longer a truthy string
        parse("--audio", "False")


def test_typed_values_optionals_tuples_and_choices():
    args = parse("--steps", "7", "--rate", "1e-3", "--name", "y", "--mode", "slow", "--lr", "2e-4",
                 "--weights", "w.pt", "--pair", "3", "4.5", "--sizes", "1", "2", "3", "--inner-only", "5")
    assert config_from_args(Knobs, args) == Knobs(steps=7, rate=1e-3, name="y", mode="slow", lr=2e-4, weights="w.pt",
                                                  pair=(3.0, 4.5), sizes=(1, 2, 3), inner_only=5)
    assert parse("--lr", "2e-4", "--lr", "none").lr is None
    for bad in (["--mode", "medium"], ["--steps", "2.5"], ["--pair", "1"], ["--rate", "abc"]):
        with pytest.raises((SystemExit, argparse.ArgumentError)):
            parse(*bad)


def test_skip_leaves_fields_out_and_overrides_fill_them():
    args = parse(skip=("inner_only", "name"))
    assert not hasattr(args, "inner_only")
    assert config_from_args(Knobs, args, skip=("inner_only", "name"), name="z") == Knobs(name="z")


def test_the_config_still_validates_and_names_the_field():
    with pytest.raises(ConfigError, match="'steps' = 0"):
        config_from_args(Knobs, parse("--steps", "0"))


def test_help_shows_every_default(capsys):
    p = argparse.ArgumentParser()
    add_config_arguments(p, Knobs)
    text = p.format_help()
    assert "--audio, --no-audio" in text and text.count("(default: True)") == 1
    assert "--mode {fast,slow}" in text and "--pair FLOAT FLOAT" in text and "(default: 1.0 2.0)" in text


def test_the_distill_cli_is_generated_from_distill_config():
    from videobert.cli import build_parser

    args = build_parser().parse_args(["distill", "C", "--out", "S", "--mode", "soft", "--img-size", "32",
                                      "--patch-size", "8"])
    assert config_from_args(DistillConfig, args) == DistillConfig(mode="soft", img_size=32, patch_size=8)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["distill", "C", "--out", "S", "--mode", "medium"])
