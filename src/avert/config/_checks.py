"""Checks shared by the TOML loaders: each error names the file and the key."""

from __future__ import annotations

from typing import Any

from avert.errors import ConfigError

__all__ = ["fail", "integer", "number"]


def fail(where: str, key: str, problem: str) -> ConfigError:
    """A :class:`ConfigError` naming the file (``where``) and the key."""
    return ConfigError(f"{where}: [{key}] {problem}")


def number(where: str, key: str, value: Any, *, minimum: float | None = None) -> float:
    """``value`` as a float, refusing booleans, non-numbers and values < ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(where, key, f"must be a number; got {value!r}")
    if minimum is not None and value < minimum:
        raise fail(where, key, f"must be >= {minimum}; got {value!r}")
    return float(value)


def integer(where: str, key: str, value: Any, *, minimum: int | None = None) -> int:
    """``value`` as an int, refusing booleans, non-integers and values < ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(where, key, f"must be an integer; got {value!r}")
    if minimum is not None and value < minimum:
        raise fail(where, key, f"must be >= {minimum}; got {value!r}")
    return value
