"""CLI options generated from a `Config`'s fields, so a stage's flags and defaults are written once.

``add_config_arguments(parser, DistillConfig)`` adds ``--img-size INT``, ``--mode {none,soft,hard}``
and so on, each defaulting to the field's default; ``config_from_args(DistillConfig, args)`` builds
the config back from the parsed namespace (through `Config.from_dict`, so numbers are checked and
named like a config file's).
"""
from __future__ import annotations

import argparse
import dataclasses
import typing
from typing import Any, Callable, Iterable

from .config import Config, field_types, optional_type

_NONE_WORDS = ("none", "null")


def option_name(field: str) -> str:
    return "--" + field.replace("_", "-")


def add_config_arguments(parser: argparse.ArgumentParser, config_cls: type[Config], skip: Iterable[str] = (),
                         only_given: bool = False, prefix: str = "") -> None:
    """One option per field of `config_cls` (except those in `skip`), dest = the field's name:

    - ``bool``: ``--x`` / ``--no-x`` (``argparse.BooleanOptionalAction``);
    - ``int`` / ``float`` / ``str``: one value of that type; ``Optional[int|float]`` also takes
      ``none``;
    - ``tuple[X, ...]``: one or more values, ``tuple[X, X]``: exactly two (one element type);
    - a str field named in ``config_cls.CHOICES``: one of those values.

    `only_given`: an option that is not on the command line leaves no attribute (for stages
    whose config also comes from a file: `given_config_args` returns what the user typed).
    `prefix` (e.g. ``"caption-"``): options ``--caption-epochs`` ..., dest ``caption_epochs``, for a
    command that takes several configs whose field names collide.
    """
    skip = set(skip)
    hints = field_types(config_cls)
    defaults = config_cls()
    for f in dataclasses.fields(config_cls):
        if f.name in skip or not f.init:
            continue
        default = getattr(defaults, f.name)
        kind, optional = optional_type(hints[f.name])
        kwargs: dict[str, Any] = {"default": argparse.SUPPRESS if only_given else default}
        if kind is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif typing.get_origin(kind) is tuple:
            args = typing.get_args(kind)
            element = args[0] if args else str
            if len(set(a for a in args if a is not Ellipsis)) != 1:
                raise TypeError(f"{config_cls.__name__}.{f.name}: no CLI option for {kind} (pass skip=)")
            kwargs.update(type=_scalar(element, optional=False), metavar=element.__name__.upper(),
                          nargs="+" if Ellipsis in args else len(args))
        elif kind in (int, float, str):
            kwargs.update(type=_scalar(kind, optional), metavar=kind.__name__.upper())
        else:
            raise TypeError(f"{config_cls.__name__}.{f.name}: no CLI option for {kind} (pass skip=)")
        choices = config_cls.CHOICES.get(f.name)
        if choices is not None:
            kwargs["choices"] = tuple(choices)
            kwargs.pop("metavar", None)
        action = parser.add_argument(option_name(prefix + f.name), dest=_dest(prefix, f.name), **kwargs)
        # Set after construction: some Python versions' BooleanOptionalAction append their own default.
        text = config_cls.HELP.get(f.name, "")
        action.help = (f"{text} " if text else "") + f"(default: {_show(default)})"


def _dest(prefix: str, name: str) -> str:
    return prefix.replace("-", "_") + name


def config_from_args(config_cls: type[Config], args: argparse.Namespace, skip: Iterable[str] = (), prefix: str = "",
                     **fields: Any):
    """The config of the options `add_config_arguments` added (``fields`` override them)."""
    skip = set(skip)
    d = {f.name: getattr(args, _dest(prefix, f.name)) for f in dataclasses.fields(config_cls)
         if f.init and f.name not in skip}
    return config_cls.from_dict({**d, **fields})


def given_config_args(config_cls: type[Config], args: argparse.Namespace) -> dict[str, Any]:
    """{field: value} of the options of `add_config_arguments(..., only_given=True)` that were given."""
    return {f.name: getattr(args, f.name) for f in dataclasses.fields(config_cls) if f.init and hasattr(args, f.name)}


def _scalar(kind: type, optional: bool) -> Callable[[str], Any]:
    if not optional or kind is str:
        return kind

    def parse(text: str) -> Any:
        return None if text.strip().lower() in _NONE_WORDS else kind(text)

    parse.__name__ = kind.__name__  # argparse names the type in "invalid int value" errors
    return parse


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return " ".join(str(v) for v in value)
    return repr(value)


def at_least(low: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number >= `low` (argparse names the flag in its error)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {value}")
        return value

    parse.__name__ = f"whole number >= {low}"
    return parse
