"""The one TOML mechanism: reading, declared checks, defaults and writing back out."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from avert.config._toml import (
    Defaults,
    build,
    dumps,
    merge,
    option,
    packaged_path,
    read,
    read_file,
    to_table,
)
from avert.config.networks import NetworksConfig, load_networks_config
from avert.errors import ConfigError


@dataclass(frozen=True)
class Inner:
    size: int = option(3, minimum=1)


def _codes(where: str, key: str, value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: {key}: must be a table")
    return {k: float(v) for k, v in value.items()}


@dataclass(frozen=True)
class Example:
    name: str = option()
    enabled: bool = option(False)
    count: int = option(2, minimum=0, maximum=10)
    rate: float = option(1.0, above=0)
    kind: str = option("a", choices=("a", "b"))
    mode: Literal["both", "prior"] = option("both")
    roles: tuple[str, ...] = option(("x",), choices=("x", "y"), non_empty=True)
    span: tuple[int, int] = option((1, 2))
    inner: Inner = option(factory=Inner)
    codes: Mapping[str, float] = option(factory=dict, parse=_codes)
    origin: str = "set by the loader"


def test_build_takes_defaults_and_given_fields() -> None:
    got = build(Example, {"name": "n", "span": [3, 4]}, "f.toml", "ex", origin="here")
    assert got == Example(name="n", span=(3, 4), origin="here")
    assert isinstance(got.rate, float)
    assert build(Example, {"name": "n", "inner": {"size": 5}}, "f.toml").inner.size == 5


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({}, "f.toml: ex.name: missing"),
        ({"name": "n", "colour": 1}, "f.toml: ex.colour: unknown key; allowed keys"),
        ({"name": 3}, "ex.name: must be a string; got 3"),
        ({"name": "n", "enabled": 1}, "ex.enabled: must be true or false; got 1"),
        ({"name": "n", "count": -1}, "ex.count: must be an integer >= 0; got -1"),
        ({"name": "n", "count": True}, "ex.count: must be an integer >= 0; got True"),
        ({"name": "n", "count": 11}, "ex.count: must be <= 10; got 11"),
        ({"name": "n", "rate": 0}, "ex.rate: must be > 0; got 0"),
        ({"name": "n", "rate": "1"}, "ex.rate: must be a number; got '1'"),
        ({"name": "n", "kind": "c"}, "ex.kind: must be 'a' or 'b'; got 'c'"),
        ({"name": "n", "mode": "after"}, "ex.mode: must be 'both' or 'prior'"),
        ({"name": "n", "roles": ["z"]}, "ex.roles: unknown values ['z']; allowed"),
        ({"name": "n", "roles": []}, "ex.roles: must not be empty"),
        ({"name": "n", "roles": "x"}, "ex.roles: must be a list of strings"),
        ({"name": "n", "span": [2, 1]}, "ex.span: must be increasing"),
        ({"name": "n", "span": [1]}, "ex.span: must be a list of 2 numbers"),
        ({"name": "n", "inner": {"size": 0}}, "ex.inner.size: must be an integer >= 1"),
        ({"name": "n", "inner": 3}, "ex.inner: must be a table"),
        ({"name": "n", "codes": 3}, "ex.codes: must be a table"),
    ],
)
def test_build_errors_name_file_and_key(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        build(Example, table, "f.toml", "ex")
    assert message in str(info.value)


def test_read_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such thing file"):
        read(tmp_path / "none.toml", packaged="networks.toml", what="thing")
    bad = tmp_path / "bad.toml"
    bad.write_text("[a\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml: not valid TOML"):
        read_file(bad, "thing")
    with pytest.raises(ConfigError, match="cannot read thing"):
        read_file(tmp_path, "thing")
    data, where = read(None, packaged="networks.toml", what="thing")
    assert where == "avert/config/defaults/networks.toml"
    assert "graph" in data


def test_merge_lays_tables_key_by_key() -> None:
    base = {"a": {"x": 1, "y": 2}, "b": [1]}
    assert merge(base, {"a": {"y": 3}, "b": [2]}) == {"a": {"x": 1, "y": 3}, "b": [2]}
    assert base == {"a": {"x": 1, "y": 2}, "b": [1]}


def test_dumps_reads_back() -> None:
    data = {
        "top": 1,
        "t": {"f": 0.5, "s": 'q"uote', "b": True, "l": [1, 2], "sub": {"k": "v"}},
        "arr": [{"level": "x", "m": {"a": 1.0}}, {"level": "y"}],
        "odd key": {},
    }
    assert tomllib.loads(dumps(data)) == data


def test_defaults_reads_a_packaged_file() -> None:
    d = Defaults("networks.toml")
    with packaged_path("networks.toml").open("rb") as fh:
        raw = tomllib.load(fh)
    assert d("graph", "window_days") == raw["graph"]["window_days"]
    assert d("graph", "roles") == tuple(raw["graph"]["roles"])


# --- the packaged networks file is the single source of the defaults ---------------
def test_networks_packaged_file_is_exactly_the_defaults() -> None:
    loaded = load_networks_config()
    builtin = NetworksConfig()
    for f in dataclasses.fields(NetworksConfig):
        if f.name != "source":
            assert getattr(loaded, f.name) == getattr(builtin, f.name), f.name
    with packaged_path("networks.toml").open("rb") as fh:
        assert to_table(builtin) == tomllib.load(fh)


def test_networks_defaults_written_back_out_reload_the_same(tmp_path: Path) -> None:
    path = tmp_path / "networks.toml"
    path.write_text(dumps(to_table(NetworksConfig())), encoding="utf-8")
    again = load_networks_config(path)
    assert dataclasses.replace(again, source="x") == dataclasses.replace(
        NetworksConfig(), source="x"
    )


def test_bytes_that_are_not_utf8_are_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "latin.toml"
    bad.write_bytes(b'title = "caf\xe9"\n')
    with pytest.raises(ConfigError, match=r"latin\.toml: not valid TOML"):
        read_file(bad, "thing")


def test_every_packaged_file_loads_through_its_loader() -> None:
    from avert.config.definitions import PROFILES, load_harm, load_profile
    from avert.config.places import load_places_config
    from avert.config.risk import load_risk_config
    from avert.ingest.table import read_mapping

    defaults = packaged_path("networks.toml").parent
    loaders = {
        "networks.toml": load_networks_config,
        "places.toml": load_places_config,
        "risk.toml": load_risk_config,
        "harm.toml": load_harm,
        **dict.fromkeys(PROFILES.values(), load_profile),
    }
    assert {p.name for p in defaults.glob("*.toml")} == set(loaders)
    for name, load in loaders.items():
        assert load(defaults / name) is not None
    for mapping in (defaults.parent / "mappings").glob("*.toml"):
        assert read_mapping(mapping).columns


def test_risk_keys_are_checked_where_they_are_declared(tmp_path: Path) -> None:
    from avert.config.risk import load_risk_config

    bad = tmp_path / "risk.toml"
    for body, message in [
        ("[asb]\nwindow_dayz = 3\n", "asb.window_dayz: unknown key"),
        ("[offender]\nroles = []\n", "offender.roles: must not be empty"),
        ("[offender]\nroles = ['bystander']\n", "offender.roles: unknown values"),
        ("[victim.vulnerability]\npoints = -1\n", "victim.vulnerability.points"),
        ("[asb.recency]\nsource = ''\n", "asb.recency: needs a non-empty 'source'"),
        ("[asb.weights]\nloud = 2\n", "asb.weights: unknown keys ['loud']"),
    ]:
        bad.write_text(body, encoding="utf-8")
        with pytest.raises(ConfigError, match=re.escape(message)):
            load_risk_config(bad)
