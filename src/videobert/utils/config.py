"""Typed, frozen dataclass configs that validate themselves and name the bad field.

Every stage has one `Config` subclass. It is built from CLI arguments (or YAML), checked in
`__post_init__` via `validate()`, and written next to the stage's output with `save_config`,
so the next stage (or a person) can see exactly what produced a file.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Mapping, TypeVar

from .io import atomic_write_json

C = TypeVar("C", bound="Config")


class ConfigError(ValueError):
    """A config field has a bad value; the message names the field."""


@dataclasses.dataclass(frozen=True)
class Config:
    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:  # overridden by subclasses
        pass

    @staticmethod
    def fail(field: str, value: Any, why: str) -> None:
        raise ConfigError(f"invalid config field {field!r} = {value!r}: {why}")

    def to_dict(self) -> dict[str, Any]:
        out = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, Config):
                v = v.to_dict()
            elif isinstance(v, Path):
                v = str(v)
            elif isinstance(v, tuple):
                v = list(v)
            out[f.name] = v
        return out

    @classmethod
    def from_dict(cls: type[C], d: Mapping[str, Any], strict: bool = True) -> C:
        names = {f.name: f for f in dataclasses.fields(cls)}
        unknown = set(d) - set(names)
        if unknown and strict:
            raise ConfigError(f"unknown {cls.__name__} field(s): {sorted(unknown)}; known: {sorted(names)}")
        kwargs = {}
        for k, v in d.items():
            if k not in names:
                continue
            if isinstance(v, list):
                v = tuple(v)
            kwargs[k] = v
        return cls(**kwargs)

    def replace(self: C, **changes: Any) -> C:
        return dataclasses.replace(self, **changes)


def save_config(config: Config | Mapping[str, Any], path: str | os.PathLike) -> Path:
    d = config.to_dict() if isinstance(config, Config) else dict(config)
    if isinstance(config, Config):
        d = {"type": type(config).__name__, **d}
    return atomic_write_json(path, d)
