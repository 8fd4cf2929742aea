"""Typed, frozen dataclass configs that validate themselves and name the bad field.

Every stage has one `Config` subclass. It is built from CLI arguments (or YAML), checked in
`__post_init__` via `validate()`, and written next to the stage's output with `save_config`,
so the next stage (or a person) can see exactly what produced a file; `Config.load` reads
that file back (``X.load(save_config(cfg, path)) == cfg``).
"""
from __future__ import annotations

import dataclasses
import math
import os
import types
import typing
from pathlib import Path
from typing import Any, ClassVar, Mapping, Sequence, TypeVar, Union

from .io import atomic_write_json, read_json

C = TypeVar("C", bound="Config")


class ConfigError(ValueError):
    """A config field has a bad value; the message names the field."""


@dataclasses.dataclass(frozen=True)
class Config:
    # Allowed values of str fields, {field: values}, for generated CLIs (utils.cli); validate()
    # still does the checking.
    CHOICES: ClassVar[Mapping[str, tuple]] = {}
    # One line per field for generated CLIs' --help, {field: text}.
    HELP: ClassVar[Mapping[str, str]] = {}

    def __post_init__(self) -> None:
        self._check_seeds()
        self.validate()

    def _check_seeds(self) -> None:
        """Every int field named ``seed`` or ``*_seed`` is a valid numpy/torch seed (numpy's own
        error for -1 names no field)."""
        hints = field_types(type(self))
        for f in dataclasses.fields(self):
            if f.name == "seed" or f.name.endswith("_seed"):
                v = getattr(self, f.name)
                if optional_type(hints[f.name])[0] is int and v is not None and (
                        isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2**32):
                    self.fail(f.name, v, "a seed must be a whole number from 0 to 4294967295")

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
        """The config of a dict such as `to_dict` or `save_config` writes. A "type" key (the
        tag `save_config` adds) must name this class or a subclass. Nested dicts become the
        nested Config, lists the tuples, numbers the field's type (see `_convert`)."""
        d = dict(d)
        names = {f.name for f in dataclasses.fields(cls)}
        if "type" in d and "type" not in names:
            _check_type_tag(cls, d.pop("type"))
        unknown = set(d) - names
        if unknown and strict:
            raise ConfigError(f"unknown {cls.__name__} field(s): {sorted(unknown)}; known: {sorted(names)}")
        hints = field_types(cls)
        defaults = {f.name: f.default for f in dataclasses.fields(cls)}
        for k, v in d.items():  # e.g. `--set batch_size=` (YAML: null) for a field that needs a value
            if k in names and v is None and not optional_type(hints[k])[1] and defaults[k] is not None:
                raise ConfigError(f"invalid config field {k!r}: no value given; expected {_expected(hints[k])}")
        kwargs = {k: _convert(k, v, hints[k], strict) for k, v in d.items() if k in names}
        try:
            return cls(**kwargs)
        except TypeError:  # a value of the wrong kind reached validate(): name the field if we can
            bad = [k for k, v in kwargs.items() if not _kind_ok(v, hints[k])]
            if bad:
                raise ConfigError(f"invalid config field {bad[0]!r} = {kwargs[bad[0]]!r}: expected "
                                  f"{_expected(hints[bad[0]])}") from None
            raise

    @classmethod
    def load(cls: type[C], path: str | os.PathLike, strict: bool = True) -> C:
        """Read a config file: JSON (``.json``, what `save_config` writes) or YAML (``.yaml``/``.yml``)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".json":
            d = read_json(path)
        elif suffix in (".yaml", ".yml"):
            import yaml

            with open(path, "r", encoding="utf-8") as f:
                d = yaml.safe_load(f) or {}
        else:
            raise ConfigError(f"{path}: unknown config file type {path.suffix!r}; use .json, .yaml or .yml")
        if not isinstance(d, Mapping):
            raise ConfigError(f"{path}: expected a mapping of {cls.__name__} fields, got {type(d).__name__}")
        try:
            return cls.from_dict(d, strict=strict)
        except ConfigError as e:
            raise ConfigError(f"{path}: {e}") from None

    def replace(self: C, **changes: Any) -> C:
        return dataclasses.replace(self, **changes)


_FIELD_TYPES: dict[type, dict[str, Any]] = {}


def field_types(cls: type) -> dict[str, Any]:
    """{field: annotation} of a dataclass, with string annotations (``from __future__ import
    annotations``) resolved."""
    if cls not in _FIELD_TYPES:
        _FIELD_TYPES[cls] = typing.get_type_hints(cls)
    return _FIELD_TYPES[cls]


def _check_type_tag(cls: type, tag: Any) -> None:
    def subclasses(c: type):
        for s in c.__subclasses__():
            yield s
            yield from subclasses(s)

    if tag == cls.__name__ or any(tag == s.__name__ for s in subclasses(cls)):
        return
    raise ConfigError(f"config type {tag!r} is not {cls.__name__}: the file holds another stage's config")


def optional_type(annotation: Any) -> tuple[Any, bool]:
    """(X, True) for ``Optional[X]`` / ``X | None``, else (annotation, False)."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(args) < len(typing.get_args(annotation)):
            return args[0], True
    return annotation, False


def _convert(name: str, value: Any, annotation: Any, strict: bool = True) -> Any:
    """`value` as the field's annotation says: a dict for a Config field becomes that Config, a
    list for a tuple field a tuple (element by element), a number for an int/float field that
    type (YAML 1.1 reads ``1e-3`` as a string, and ``8.5`` or ``"abc"`` for an int field would
    otherwise fail later with a message that names no field)."""
    if value is None:
        return None
    annotation, _ = optional_type(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Config) and isinstance(value, Mapping):
        return annotation.from_dict(value, strict=strict)
    if isinstance(value, list):
        value = tuple(value)
    if typing.get_origin(annotation) is tuple and not isinstance(value, tuple):
        raise ConfigError(f"invalid config field {name!r} = {value!r}: expected {_expected(annotation)}")
    if isinstance(value, tuple) and typing.get_origin(annotation) is tuple:
        args = typing.get_args(annotation)
        if len(args) == 2 and args[1] is Ellipsis:
            args = (args[0],) * len(value)
        if len(args) == len(value):  # a wrong length is for validate() to name
            return tuple(_convert(name, v, a, strict) for v, a in zip(value, args))
        return value
    if annotation in (int, float):
        return _coerce(name, value, annotation)
    return value


def _expected(annotation: Any) -> str:
    """Words for what a field of this annotation takes, for error messages."""
    annotation, optional = optional_type(annotation)
    if typing.get_origin(annotation) is tuple:
        args = typing.get_args(annotation)
        kind = _expected(args[0]) if args else "value"
        n = "one or more" if Ellipsis in args else str(len(args))
        text = f"a list of {n} {kind.replace('a whole number', 'whole numbers').replace('a number', 'numbers')}"
    else:
        text = {int: "a whole number", float: "a number", bool: "true or false", str: "a text value"}.get(
            annotation, getattr(annotation, "__name__", str(annotation)))
    return text + (" or null" if optional else "")


def _kind_ok(value: Any, annotation: Any) -> bool:
    annotation, optional = optional_type(annotation)
    if value is None:
        return optional
    if typing.get_origin(annotation) is tuple:
        return isinstance(value, tuple)
    if annotation is bool:
        return isinstance(value, bool)
    if annotation in (int, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return not isinstance(annotation, type) or isinstance(value, annotation)


def _coerce(name: str, value: Any, kind: type) -> Any:
    if isinstance(value, bool):  # YAML's true/false, e.g. `batch_size: true`: not a number
        raise ConfigError(f"invalid config field {name!r} = {value!r}: expected {_expected(kind)}, not true/false")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ConfigError(f"invalid config field {name!r} = {value!r}: expected a number") from None
    if kind is int:
        if not isinstance(value, (int, float)) or not math.isfinite(value) or float(value) != int(value):
            raise ConfigError(f"invalid config field {name!r} = {value!r}: expected a whole number")
        return int(value)
    if isinstance(value, (int, float)):
        return float(value)
    raise ConfigError(f"invalid config field {name!r} = {value!r}: expected a number")


def save_config(config: Config | Mapping[str, Any], path: str | os.PathLike) -> Path:
    """Write `config` as JSON (atomically), tagged with its type name ("type"), which `from_dict`
    and `load` check and drop."""
    d = config.to_dict() if isinstance(config, Config) else dict(config)
    if isinstance(config, Config):
        d = {"type": type(config).__name__, **d}
    return atomic_write_json(path, d)


def parse_overrides(items: Sequence[str], flag: str = "--set") -> dict[str, Any]:
    """``KEY=VALUE`` strings (VALUE in YAML syntax, e.g. ``kind_mix=[1, 1, 2]``) as a dict; a bad
    one is a `ConfigError` of one line naming the flag and the item."""
    import yaml

    out: dict[str, Any] = {}
    for kv in items:
        key, eq, value = kv.partition("=")
        if not eq or not key.strip():
            raise ConfigError(f"{flag} {kv!r}: expected KEY=VALUE, e.g. {flag} batch_size=16")
        try:
            out[key.strip()] = yaml.safe_load(value)
        except yaml.YAMLError as e:
            problem = getattr(e, "problem", None) or str(e).splitlines()[0]
            raise ConfigError(f"{flag} {kv!r}: {value!r} is not a valid YAML value ({problem}); quote text, "
                              f"write lists as [1, 2, 3]") from None
    return out
