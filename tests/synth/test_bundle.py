"""The bundle is byte-identical per seed and follows FORMATS.md exactly."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from avert import schema
from avert.errors import ConfigError
from avert.synth import City, CityConfig, make_city, write_bundle
from avert.synth._tables import offence_mix
from avert.synth.bundle import BUNDLE_COLUMNS

TINY = CityConfig(people=1_500, days=60)


def _read(bundle: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(bundle / f"{name}.csv", infer_schema_length=0)


def _files(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_seed_gives_byte_identical_bundle(tmp_path: Path, fmt: str) -> None:
    write_bundle(make_city(TINY, seed=5), tmp_path / "a", fmt=fmt)  # type: ignore[arg-type]
    write_bundle(make_city(TINY, seed=5), tmp_path / "b", fmt=fmt)  # type: ignore[arg-type]
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert sorted(a) == sorted(b)
    assert len(a) == 13  # 11 tables (the dash extension among them), manifest, truth
    for name in a:
        assert a[name] == b[name], name


def test_different_seeds_differ(tmp_path: Path) -> None:
    write_bundle(make_city(TINY, seed=1), tmp_path / "a")
    write_bundle(make_city(TINY, seed=2), tmp_path / "b")
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    for name in ("incidents.csv", "people.csv", "involvements.csv", "truth.json"):
        assert a[name] != b[name], name


def test_columns_are_exactly_formats(small_bundle: Path) -> None:
    for name, columns in BUNDLE_COLUMNS.items():
        header = (
            (small_bundle / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0]
        )
        assert header.split(",") == columns, name


def test_manifest(small_bundle: Path, small_city: City) -> None:
    manifest = json.loads((small_bundle / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "avert-bundle"
    assert manifest["version"] == 1
    assert manifest["crs"] == "EPSG:27700"
    assert (
        manifest["extracted_at"] == f"{small_city.config.end_date.isoformat()}T06:00:00"
    )


def test_enums_and_booleans(small_bundle: Path) -> None:
    inc = _read(small_bundle, "incidents")
    assert set(inc["weapon"]) <= set(schema.WEAPONS)
    assert set(inc["injury"]) <= set(schema.INJURY_LEVELS)
    for col in ("domestic", "gang_related"):
        assert set(inc[col]) == {"true", "false"}
    strands = inc["hate"].drop_nulls().str.split(";").explode()
    assert len(strands) > 0
    assert set(strands) <= set(schema.HATE_STRANDS)
    assert set(inc["offence_code"]) <= set(offence_mix()["offence_code"])
    assert inc["incident_id"].n_unique() == inc.height
    inv = _read(small_bundle, "involvements")
    assert set(inv["role"]) == set(schema.ROLES)
    people = _read(small_bundle, "people")
    assert set(people["sex"]) <= set(schema.SEXES)
    assert set(people["ethnicity"]) <= set(schema.ETHNICITIES)
    assert set(people["vulnerable"]) <= {"true", "false"}
    rel = _read(small_bundle, "relationships")
    assert set(rel["kind"]) <= set(schema.RELATIONSHIP_KINDS)
    assert {"parent", "sibling", "partner", "ex_partner"} <= set(rel["kind"])
    asb = _read(small_bundle, "asb")
    assert set(asb["category"]) == set(schema.ASB_CATEGORIES)
    assert set(asb["vulnerable_caller"].drop_nulls()) <= {"true", "false"}
    stops = _read(small_bundle, "stops")
    assert set(stops["age_range"]) <= set(schema.AGE_RANGES)
    assert set(stops["ethnicity"]) <= set(schema.ETHNICITIES)
    att = _read(small_bundle, "attendances")
    assert set(att["weapon"]) <= set(schema.WEAPONS)
    assert set(att["age_range"]) <= set(schema.AGE_RANGES)
    intel = _read(small_bundle, "intelligence")
    assert set(intel["subject_type"]) == set(schema.INTEL_SUBJECT_TYPES)
    assert set(intel["topic"]) <= set(schema.INTEL_TOPICS)
    assert intel["grading"].str.contains(r"^[A-E][1-3]$").all()


def test_references_resolve(small_bundle: Path) -> None:
    inc = _read(small_bundle, "incidents")
    people = set(_read(small_bundle, "people")["person_id"])
    inv = _read(small_bundle, "involvements")
    assert set(inv["incident_id"]) <= set(inc["incident_id"])
    assert set(inv["person_id"]) <= people
    rel = _read(small_bundle, "relationships")
    assert set(rel["person_a"]) | set(rel["person_b"]) <= people
    assert set(_read(small_bundle, "asb")["caller_id"].drop_nulls()) <= people
    assert set(_read(small_bundle, "stops")["person_id"]) <= people
    members = _read(small_bundle, "group_members")
    assert set(members["person_id"]) <= people
    assert set(members["group_id"]) <= set(_read(small_bundle, "groups")["group_id"])
    intel = _read(small_bundle, "intelligence")
    assert set(intel.filter(pl.col("subject_type") == "person")["subject_id"]) <= people


def test_times_and_places(small_bundle: Path, small_city: City) -> None:
    inc = pl.read_csv(
        small_bundle / "incidents.csv",
        try_parse_dates=True,
        schema_overrides={"offence_code": pl.String},
    )
    end = datetime.combine(small_city.config.end_date, datetime.min.time()).replace(
        hour=6
    )
    assert inc["occurred_at"].max() < end  # type: ignore[operator]
    assert (end - inc["occurred_at"].min()).days <= small_city.config.days  # type: ignore[operator]
    # central Birmingham, in both coordinate systems
    assert inc["lat"].is_between(52.3, 52.7).all()
    assert inc["lon"].is_between(-2.1, -1.7).all()
    assert inc["x"].is_between(395_000, 420_000).all()
    assert inc["y"].is_between(275_000, 300_000).all()


def test_bad_format_is_refused(small_city: City, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'fmt' parameter"):
        write_bundle(small_city, tmp_path, fmt="xlsx")  # type: ignore[arg-type]


def test_config_is_validated() -> None:
    with pytest.raises(ConfigError, match="'people' parameter"):
        CityConfig(people=10)
    with pytest.raises(ConfigError, match="'reprisal_probability'"):
        CityConfig(reprisal_probability=1.5)


def test_identical_across_processes(tmp_path: Path) -> None:
    """Hash randomisation and thread scheduling do not change the bytes."""
    import os
    import subprocess
    import sys

    outs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"p{hash_seed}"
        code = (
            "from avert.synth import CityConfig, make_city, write_bundle; "
            f"write_bundle(make_city(CityConfig(people=2000, days=90), seed=3), {str(out)!r})"
        )
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", code], check=True, env=env)
        outs.append(_files(out))
    assert outs[0] == outs[1]


def test_a_small_city_with_no_stops_writes_its_bundle(tmp_path: Path) -> None:
    """Empty id columns are typed text, not numpy objects the CSV writer refuses."""
    city = make_city(CityConfig(people=1000, days=30), seed=0)
    assert city.stops.schema["person_id"] == pl.String
    write_bundle(city, tmp_path / "b")
    assert (tmp_path / "b" / "stops.csv").exists()


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("crimes_per_1000_per_year", -5.0, "'crimes_per_1000_per_year' .* >= 0"),
        ("near_repeat_share", float("nan"), "'near_repeat_share' .* >= 0"),
        (
            "knife_share_serious_violence",
            1.5,
            "'knife_share_serious_violence' .* share",
        ),
        ("places_per_cell", 0, "'places_per_cell' .* > 0"),
        ("nte_hotspots", 0, "'nte_hotspots' .* > 0"),
        ("cell_size_m", 0.0, "'cell_size_m' .* > 0"),
        # numpy's Pareto draw of the micro-places' weights: "a <= 0"
        ("place_pareto_shape", 0.0, "'place_pareto_shape' .* > 0"),
    ],
)
def test_impossible_rates_are_a_clear_error(
    field: str, value: float, match: str
) -> None:
    """They once failed deep in numpy (``lam < 0``, ``index 0 is out of bounds``) or,
    for a zero cell size, made a city of one point."""
    with pytest.raises(ConfigError, match=match):
        CityConfig(people=2_000, days=60, **{field: value})  # type: ignore[arg-type]


def test_a_city_without_high_rate_offenders_or_groups(tmp_path: Path) -> None:
    """Zero planted high-rate offenders (an IndexError once) or groups give a valid
    bundle whose truth lists none."""
    config = CityConfig(
        people=2_000,
        days=60,
        high_rate_offenders=0,
        peer_groups_per_100k=0.0,
        street_gangs_per_100k=0.0,
        organised_networks_per_100k=0.0,
        min_peer_groups=0,
        min_street_gangs=0,
        min_organised_networks=0,
    )
    city = make_city(config, seed=1)
    assert city.truth.fields["high_rate_offenders"] == []
    assert city.truth.fields["groups"] == []
    assert city.incidents.height > 0
    write_bundle(city, tmp_path / "b")
    assert (tmp_path / "b" / "incidents.csv").exists()


@pytest.mark.parametrize("end", [date(1, 3, 1), date(26, 11, 24)])
def test_an_end_date_before_1900_is_a_clear_error(end: date) -> None:
    """Year 1 once crashed with ``OverflowError: date value out of range``; a
    mistyped year (0026) made a city in the first century."""
    with pytest.raises(ConfigError, match="'end_date' and 'days'"):
        CityConfig(people=1_000, days=400, end_date=end)


def test_rewriting_a_folder_in_the_other_format_leaves_one_bundle(
    small_city: City, tmp_path: Path
) -> None:
    """A CSV city then a Parquet city in one folder once left both files of every
    table, and ``avert ingest bundle`` refused it ("table asb given twice")."""
    write_bundle(small_city, tmp_path, fmt="csv")
    write_bundle(small_city, tmp_path, fmt="parquet")
    assert not list(tmp_path.glob("*.csv"))
    write_bundle(small_city, tmp_path, fmt="csv")
    assert not list(tmp_path.glob("*.parquet"))
    assert {p.name for p in tmp_path.iterdir()} == {
        *(f"{name}.csv" for name in BUNDLE_COLUMNS),
        "manifest.json",
        "truth.json",
    }
