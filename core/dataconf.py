"""Build frozen config dataclasses from plain dicts, strictly.

Every unknown key is an error naming its dotted path; every required field
(one without a default) must be given; nested dataclass fields recurse; tuple
fields accept lists. Values are coerced only between int and float. A float must be finite
(NaN and infinities are refused) and an integer must fit in int64 (what every writer stores).
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from typing import Any, TypeVar

import yaml

from .errors import ConfigError

T = TypeVar("T")
INT64_MAX = 2**63 - 1


def _is_dataclass_type(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _coerce(value: Any, tp: Any, key: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if value is None:
        if origin in (typing.Union, types.UnionType) and type(None) in args:
            return None
        raise ConfigError(key, "is missing a value; give one or delete the key to use the default")
    if _is_dataclass_type(tp):
        if not isinstance(value, dict):
            raise ConfigError(key, f"expected a mapping of sub-keys, got {type(value).__name__}")
        return from_dict(tp, value, prefix=key + ".")
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _coerce(value, inner[0], key)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(key, f"expected a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(v, args[0], f"{key}[{i}]") for i, v in enumerate(value))
        if len(args) != len(value):
            raise ConfigError(key, f"expected {len(args)} values, got {len(value)}")
        return tuple(_coerce(v, a, f"{key}[{i}]") for i, (v, a) in enumerate(zip(value, args)))
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(key, f"expected a number, got {value!r}")
        if not math.isfinite(value):
            raise ConfigError(key, f"{value!r} is not a finite number; give a finite value")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(key, f"expected an integer, got {value!r}")
        if not -INT64_MAX - 1 <= value <= INT64_MAX:
            raise ConfigError(key, f"{value} does not fit in 64 bits; give a value in [{-INT64_MAX - 1}, {INT64_MAX}]")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(key, f"expected true or false, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(key, f"expected a string, got {value!r}")
        return value
    return value


def from_dict(cls: type[T], data: dict[str, Any], prefix: str = "") -> T:
    """Instantiate dataclass ``cls`` from ``data``; raise ConfigError naming any bad key."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for k in data:
        if k not in fields:
            close = ", ".join(sorted(fields))
            raise ConfigError(prefix + str(k), f"unknown key; valid keys here are: {close}")
    kwargs = {}
    for name, f in fields.items():
        key = prefix + name
        if name in data:
            kwargs[name] = _coerce(data[name], hints[name], key)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(key, "is required but missing; add it to the config file or pass it as an override")
    try:
        return cls(**kwargs)
    except ConfigError as e:
        if prefix and not e.key.startswith(prefix):
            raise ConfigError(prefix + e.key, str(e).split(": ", 1)[1]) from None
        raise


def to_dict(obj: Any) -> Any:
    """Plain JSON/YAML-friendly dict of a (nested) dataclass; tuples become lists."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    return obj


def apply_override(tree: dict[str, Any], item: str) -> None:
    """Apply one ``dotted.key=value`` override in place; the value is parsed as YAML."""
    if "=" not in item:
        raise ConfigError(item, "overrides are written key=value, e.g. grasp.top_k=8")
    key, raw = item.split("=", 1)
    key = key.strip()
    if not key:
        raise ConfigError(item, "override has an empty key")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as e:
        problem = " ".join(str(getattr(e, "problem", None) or e).split())
        raise ConfigError(key, f"value {raw!r} is not valid YAML ({problem}); quote it, e.g. {key}='\"text\"'") from None
    node = tree
    parts = key.split(".")
    for p in parts[:-1]:
        nxt = node.setdefault(p, {})
        if not isinstance(nxt, dict):
            raise ConfigError(key, f"'{p}' is a value, not a section")
        node = nxt
    node[parts[-1]] = value


def check_range(key: str, lo: float, hi: float, *, min_value: float | None = None) -> None:
    """Validate a (lo, hi) range: lo <= hi and, optionally, lo >= min_value."""
    if lo > hi:
        raise ConfigError(key, f"min {lo} > max {hi}; swap them")
    if min_value is not None and lo < min_value:
        raise ConfigError(key, f"min {lo} is below the allowed {min_value}")
