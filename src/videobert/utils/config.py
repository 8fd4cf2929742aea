"""Typed, frozen dataclass configs that validate themselves and name the bad field.

Every stage has one `Config` subclass. It is built from CLI arguments (or YAML), checked in
`__post_init__` via `validate()`, and written next to the stage's output with `save_config`,
so the next stage (or a person) can see exactly what produced a file.
"""
from __future__ import annotations

import dataclasses
import math
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
            kwargs[k] = _coerce(k, v, names[k].type)
        return cls(**kwargs)

    def replace(self: C, **changes: Any) -> C:
        return dataclasses.replace(self, **changes)


def _coerce(name: str, value: Any, annotation: Any) -> Any:
    """Numbers as the field's type says: YAML 1.1 reads ``1e-3`` as a string, and ``8.5`` or
    ``"abc"`` for an int field would otherwise fail later with a message that names no field."""
    kinds = str(annotation)
    wants_int = kinds.split("|")[0].strip() == "int"
    wants_float = kinds.split("|")[0].strip() == "float"
    if not (wants_int or wants_float) or value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ConfigError(f"invalid config field {name!r} = {value!r}: expected a number") from None
    if wants_int:
        if not isinstance(value, (int, float)) or not math.isfinite(value) or float(value) != int(value):
            raise ConfigError(f"invalid config field {name!r} = {value!r}: expected a whole number")
        return int(value)
    if isinstance(value, (int, float)):
        return float(value)
    raise ConfigError(f"invalid config field {name!r} = {value!r}: expected a number")


def save_config(config: Config | Mapping[str, Any], path: str | os.PathLike) -> Path:
    d = config.to_dict() if isinstance(config, Config) else dict(config)
    if isinstance(config, Config):
        d = {"type": type(config).__name__, **d}
    return atomic_write_json(path, d)
