"""One way to read avert's TOML files: packaged file or path, TOML, then declared checks.

Every configuration file of avert (networks, risk, violence definitions, harm tables)
goes through this module:

1. :func:`read` finds the file (a file packaged under ``avert/config/defaults`` or a
   deployment's path) and parses it; an unreadable file or bad TOML is a
   :class:`~avert.errors.ConfigError` naming the file.
2. :func:`build` turns one TOML table into a frozen dataclass. What a key may hold is
   declared once, on the dataclass field, with :func:`option` (a minimum, a maximum,
   allowed choices, or a parser of its own), in the manner of scikit-learn's declarative
   ``_parameter_constraints``; the type comes from the field's annotation. A key left
   out takes the field's default; an unknown key, a wrong type or a value out of range
   is a ``ConfigError`` naming the file and the dotted key, e.g.
   ``networks.toml: communities.resolution: must be > 0; got -1``.
3. :func:`to_table` and :func:`dumps` write a dataclass back out as TOML, so that the
   packaged files can be checked to hold exactly the defaults (a round-trip test).

A file packaged with avert is the single source of its defaults: a dataclass takes its
field defaults from it with :class:`Defaults` instead of writing the numbers again.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Window:
...     days: int = option(7, minimum=1)
...     kind: str = option("rolling", choices=("rolling", "fixed"))
>>> build(Window, {"days": 14}, "my.toml", "window")
Window(days=14, kind='rolling')
>>> build(Window, {"days": 0}, "my.toml", "window")
Traceback (most recent call last):
...
avert.errors.ConfigError: my.toml: window.days: must be an integer >= 1; got 0
>>> print(dumps({"window": to_table(Window())}), end="")
[window]
days = 7
kind = "rolling"
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any, Final, Literal, TypeVar, get_args, get_origin, get_type_hints

from avert.errors import ConfigError

__all__ = [
    "Constraint",
    "Defaults",
    "Parser",
    "build",
    "check",
    "dumps",
    "fail",
    "integer",
    "merge",
    "number",
    "option",
    "packaged_path",
    "read",
    "read_file",
    "to_table",
    "toml_value",
]

T = TypeVar("T")
#: parses one value: (file, dotted key, raw value) -> value
Parser = Callable[[str, str, Any], Any]
#: writes one value back out as TOML data
Dumper = Callable[[Any], Any]
_META: Final = "avert.config"


@dataclass(frozen=True)
class Constraint:
    """What one key may hold, beside the type its field's annotation names."""

    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None
    choices: tuple[str, ...] | None = None
    non_empty: bool = False
    parse: Parser | None = None
    dump: Dumper | None = None


def option(
    default: Any = MISSING,
    *,
    factory: Callable[[], Any] | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    above: float | None = None,
    choices: tuple[str, ...] | None = None,
    non_empty: bool = False,
    parse: Parser | None = None,
    dump: Dumper | None = None,
) -> Any:
    """A dataclass field read from TOML: its default and its constraint.

    ``minimum``/``maximum`` bound a number (inclusive), ``above`` excludes its bound;
    ``choices`` lists the allowed strings (of a string or of each item of a list);
    ``non_empty`` refuses an empty list; ``parse`` replaces the checks by a function of
    its own and ``dump`` writes the value back out.
    """
    meta = {_META: Constraint(minimum, maximum, above, choices, non_empty, parse, dump)}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def fail(where: str, key: str, problem: str) -> ConfigError:
    """A :class:`ConfigError` naming the file (``where``) and the dotted key."""
    return ConfigError(f"{where}: {key}: {problem}" if key else f"{where}: {problem}")


# --- files ---------------------------------------------------------------------------
def packaged_path(name: str) -> Path:
    """Path of a file packaged under ``avert/config/defaults``."""
    return Path(str(resources.files("avert.config") / "defaults" / name))


def read_file(path: Path, what: str, where: str | None = None) -> dict[str, Any]:
    """Parse the TOML file ``path``; ``where`` names it in errors (default the path).

    Raises
    ------
    ConfigError
        ``no such {what} file``, ``cannot read {what} (...)`` or ``not valid TOML``.
    """
    where = str(path) if where is None else where
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as err:
        msg = f"{where}: no such {what} file"
        raise ConfigError(msg) from err
    except OSError as err:
        msg = f"{where}: cannot read {what} ({err.strerror})"
        raise ConfigError(msg) from err
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        msg = f"{where}: not valid TOML ({err})"
        raise ConfigError(msg) from err


def read(
    path: str | Path | None, *, packaged: str, what: str
) -> tuple[dict[str, Any], str]:
    """The TOML of ``path``, or of the packaged file ``packaged`` when it is None.

    Returns the parsed data and the name errors use: the path as given, or
    ``avert/config/defaults/NAME`` for the packaged file.
    """
    if path is None:
        where = f"avert/config/defaults/{packaged}"
        return read_file(packaged_path(packaged), what, where), where
    return read_file(Path(path), what, str(path)), str(path)


def merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` laid over ``base``: tables merge key by key, other values replace."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


class Defaults:
    """The values of a packaged TOML file, as field defaults of its dataclasses.

    >>> Defaults("networks.toml")("graph", "roles")
    ('suspect', 'offender')
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.data = read_file(packaged_path(name), "packaged configuration")

    def __call__(self, *keys: str) -> Any:
        """The value at ``keys`` (lists as tuples, for frozen dataclasses)."""
        node: Any = self.data
        for key in keys:
            node = node[key]
        return tuple(node) if isinstance(node, list) else node


# --- checks --------------------------------------------------------------------------
def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def _either(choices: tuple[str, ...]) -> str:
    quoted = [repr(c) for c in choices]
    if len(quoted) < 2:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _bounds(where: str, key: str, value: float, c: Constraint) -> None:
    if c.minimum is not None and value < c.minimum:
        raise fail(where, key, f"must be >= {c.minimum}; got {value!r}")
    if c.above is not None and value <= c.above:
        raise fail(where, key, f"must be > {c.above}; got {value!r}")
    if c.maximum is not None and value > c.maximum:
        raise fail(where, key, f"must be <= {c.maximum}; got {value!r}")


def _integer(where: str, key: str, value: Any, c: Constraint) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        ok = False
    else:
        ok = c.minimum is None or value >= c.minimum
    if not ok:
        least = f" >= {c.minimum:g}" if c.minimum is not None else ""
        raise fail(where, key, f"must be an integer{least}; got {value!r}")
    _bounds(where, key, value, c)
    return int(value)


def _number(where: str, key: str, value: Any, c: Constraint) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(where, key, f"must be a number; got {value!r}")
    _bounds(where, key, value, c)
    return float(value)


def _string(where: str, key: str, value: Any, c: Constraint) -> str:
    if not isinstance(value, str):
        raise fail(where, key, f"must be a string; got {value!r}")
    if c.choices is not None and value not in c.choices:
        raise fail(where, key, f"must be {_either(c.choices)}; got {value!r}")
    return value


def _strings(where: str, key: str, value: Any, c: Constraint) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, str) for v in value
    ):
        raise fail(where, key, f"must be a list of strings; got {value!r}")
    if c.non_empty and not value:
        raise fail(where, key, "must not be empty")
    if c.choices is not None:
        bad = [v for v in value if v not in c.choices]
        if bad:
            raise fail(where, key, f"unknown values {bad}; allowed {list(c.choices)}")
    return tuple(value)


def _numbers(
    where: str, key: str, value: Any, kinds: tuple[Any, ...], c: Constraint
) -> tuple[Any, ...]:
    n = len(kinds)
    if not isinstance(value, list | tuple) or len(value) != n:
        raise fail(where, key, f"must be a list of {n} numbers; got {value!r}")
    out = [_number(where, key, v, c) for v in value]
    if any(b < a for a, b in pairwise(out)):
        raise fail(where, key, f"must be increasing; got {value!r}")
    return tuple(kind(v) for kind, v in zip(kinds, out, strict=True))


def number(where: str, key: str, value: Any, *, minimum: float | None = None) -> float:
    """``value`` as a float, refusing booleans, non-numbers and values < ``minimum``."""
    return _number(where, key, value, Constraint(minimum=minimum))


def integer(where: str, key: str, value: Any, *, minimum: int | None = None) -> int:
    """``value`` as an int, refusing booleans, non-integers and values < ``minimum``."""
    return _integer(where, key, value, Constraint(minimum=minimum))


def check(where: str, key: str, value: Any, hint: Any, c: Constraint) -> Any:
    """``value`` checked against the type ``hint`` and the constraint ``c``."""
    if c.parse is not None:
        return c.parse(where, key, value)
    if hint is str and c.choices is None and isinstance(value, str):
        return value  # the common case, first
    if hint is bool:
        if not isinstance(value, bool):
            raise fail(where, key, f"must be true or false; got {value!r}")
        return value
    if hint is int:
        return _integer(where, key, value, c)
    if hint is float:
        return _number(where, key, value, c)
    origin, args = get_origin(hint), get_args(hint)
    if hint is str or origin is Literal:
        choices = tuple(args) if origin is Literal else c.choices
        return _string(where, key, value, Constraint(choices=choices))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis and args[0] is str:
        return _strings(where, key, value, c)
    if origin is tuple and all(a in (int, float) for a in args):
        return _numbers(where, key, value, args, c)
    if isinstance(hint, type) and is_dataclass(hint):
        return build(hint, value, where, key)
    msg = f"no TOML check for type {hint!r} of {key}"  # a programming error
    raise TypeError(msg)


_SPECS: dict[type[Any], dict[str, tuple[Any, Constraint, bool]]] = {}


def _options(cls: type[Any]) -> dict[str, tuple[Any, Constraint, bool]]:
    """Type, constraint and 'required' of each declared field of ``cls`` (cached)."""
    if cls not in _SPECS:
        _SPECS[cls] = _declared(cls)
    return _SPECS[cls]


def _declared(cls: type[Any]) -> dict[str, tuple[Any, Constraint, bool]]:
    hints = get_type_hints(cls)
    return {
        f.name: (
            hints[f.name],
            f.metadata[_META],
            f.default is MISSING and f.default_factory is MISSING,
        )
        for f in fields(cls)
        if _META in f.metadata
    }


def build(cls: type[T], table: Any, where: str, key: str = "", **given: Any) -> T:
    """A ``cls`` from the TOML ``table`` at dotted ``key`` of the file ``where``.

    Every key is checked against its field (see :func:`option`); keys left out take
    the field's default; ``given`` sets fields that do not come from the file.

    Raises
    ------
    ConfigError
        For a table that is not one, an unknown or missing key, or a bad value.
    """
    if not isinstance(table, Mapping):
        raise fail(where, key, "must be a table")
    specs = _options(cls)
    if not table.keys() <= specs.keys():
        unknown = sorted(set(table) - set(specs))
        raise fail(
            where,
            _join(key, unknown[0]),
            f"unknown key; allowed keys are {sorted(specs)}",
        )
    values: dict[str, Any] = {}
    for name, (hint, constraint, required) in specs.items():
        if name in table:
            values[name] = check(where, _join(key, name), table[name], hint, constraint)
        elif required:
            raise fail(where, _join(key, name), "missing")
    return cls(**values, **given)


# --- writing -------------------------------------------------------------------------
def _default(f: Any) -> Any:
    if f.default is not MISSING:
        return f.default
    return MISSING if f.default_factory is MISSING else f.default_factory()


def to_table(obj: Any, *, full: bool = True) -> dict[str, Any]:
    """The TOML data of a dataclass built by :func:`build` (its declared fields).

    ``full=False`` leaves out the fields that hold their default.
    """
    out: dict[str, Any] = {}
    specs = _options(type(obj))
    for f in fields(obj):
        if f.name not in specs:
            continue
        name, constraint = f.name, specs[f.name][1]
        value = getattr(obj, name)
        if not full and value == _default(f):
            continue
        if constraint.dump is not None:
            out[name] = constraint.dump(value)
        elif is_dataclass(value):
            out[name] = to_table(value)
        elif isinstance(value, tuple):
            out[name] = list(value)
        elif isinstance(value, Mapping):
            out[name] = dict(value)
        else:
            out[name] = value
    return out


def toml_value(value: Any) -> str:
    """One TOML value: a boolean, number, string, array or inline table."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    return json.dumps(str(value), ensure_ascii=False)


def _key(name: str) -> str:
    plain = name.replace("_", "").replace("-", "").isalnum() and name.isascii()
    return name if plain else json.dumps(name, ensure_ascii=False)


def _is_tables(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, Mapping) for v in value)
    )


def _emit(lines: list[str], table: Mapping[str, Any], path: tuple[str, ...]) -> None:
    plain = {
        k: v
        for k, v in table.items()
        if not isinstance(v, Mapping) and not _is_tables(v)
    }
    if path and (plain or not table):
        lines += ["", f"[{'.'.join(_key(p) for p in path)}]"]
    lines += [f"{_key(k)} = {toml_value(v)}" for k, v in plain.items()]
    for k, v in table.items():
        if isinstance(v, Mapping):
            _emit(lines, v, (*path, k))
        elif _is_tables(v):
            for item in v:
                lines += ["", f"[[{'.'.join(_key(p) for p in (*path, k))}]]"]
                lines += [f"{_key(ik)} = {toml_value(iv)}" for ik, iv in item.items()]


def dumps(data: Mapping[str, Any]) -> str:
    """TOML text of ``data`` (tables, arrays of tables, inline tables inside them)."""
    lines: list[str] = []
    _emit(lines, data, ())
    return "\n".join(lines).lstrip("\n") + "\n"
