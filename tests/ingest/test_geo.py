"""Coordinate checks: one area rule for every projected CRS (its EPSG area of use
widened by a margin; British National Grid's UK box), null island and places that
do not project."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from avert.errors import ConfigError
from avert.ingest.geo import (
    AREA_MARGIN_DEG,
    UK_BOUNDS,
    check_store_crs,
    coordinate_failing,
    coordinate_problem,
    crs_area,
)
from avert.store import Store
from avert.workflows.load import load_files

PLACES = {
    "toronto": ("-79.40", "43.70"),
    "vancouver": ("-123.12", "49.28"),
    "new york": ("-74.01", "40.71"),
    "null island": ("0", "0"),
    "london": ("-0.13", "51.51"),
    "jersey": ("-2.11", "49.19"),
    "utm 17 singular": ("9", "0"),  # 90 degrees from the zone's central meridian
    "blank": (None, None),
}


def _reasons(crs: str) -> dict[str, str | None]:
    frame = pl.DataFrame(
        {
            "lon": [v[0] for v in PLACES.values()],
            "lat": [v[1] for v in PLACES.values()],
        },
        schema={"lon": pl.String, "lat": pl.String},
    )
    _, reason = coordinate_problem("lon", "lat", crs=crs)
    out = frame.select(
        reason.alias("reason"), coordinate_failing("lon", "lat", crs=crs).alias("bad")
    )
    # the cheap mask flags exactly the rows given a reason
    assert out["bad"].to_list() == out["reason"].is_not_null().to_list()
    return dict(zip(PLACES, out["reason"].to_list(), strict=True))


def test_utm_zone_quarantines_other_cities_and_null_island() -> None:
    r = _reasons("EPSG:32617")
    assert r["toronto"] is None
    assert r["blank"] is None
    for city in ("vancouver", "new york"):
        assert r[city] is not None
        assert r[city].startswith("longitude outside the area of use for EPSG:32617")
        assert "lon -84..-78, lat 0..84, 1 degree margin" in r[city]
    assert r["null island"] == "null island (0, 0): a missing place coded as zeros"


def test_british_national_grid_keeps_its_uk_box_and_messages() -> None:
    area = crs_area("EPSG:27700")
    assert area is not None
    assert (area.west, area.east, area.south, area.north) == UK_BOUNDS
    r = _reasons("EPSG:27700")
    assert r["london"] is None
    assert r["jersey"] is None  # outside BNG's EPSG area, inside the UK box
    assert r["toronto"] == "latitude outside the UK for EPSG:27700: 43.70"
    assert r["null island"] is not None
    assert r["null island"].startswith("null island")


def test_a_crs_without_an_area_still_refuses_what_does_not_project() -> None:
    crs = "+proj=utm +zone=17 +datum=WGS84"
    assert crs_area(crs) is None
    r = _reasons(crs)
    assert r["toronto"] is None
    assert r["vancouver"] is None  # no area to check, and it projects
    assert r["utm 17 singular"] == (
        f"does not project to finite x/y in {crs}: lat, lon 0, 9"
    )


def test_world_crs_has_no_area_and_antimeridian_areas_wrap() -> None:
    assert crs_area("EPSG:4326") is None
    area = crs_area("EPSG:3994")  # around New Zealand, across 180 degrees
    assert area is not None
    assert area.west > area.east
    assert area.west == pytest.approx(155.0 - AREA_MARGIN_DEG)
    frame = pl.DataFrame({"lon": [174.8, -178.0, 0.0], "lat": [-41.3, -40.0, -40.0]})
    outside = frame.select(area.lon_outside(pl.col("lon"))).to_series().to_list()
    assert outside == [False, False, True]


@pytest.mark.parametrize(
    ("crs", "match"),
    [
        (
            "EPSG:3435",
            r"EPSG:3435 \(NAD83 / Illinois East \(ftUS\)\) measures x/y in US",
        ),
        ("EPSG:4326", r"EPSG:4326 \(WGS 84\) is geographic \(degrees\)"),
        (
            "EPSG:3857",
            r"EPSG:3857 \(WGS 84 / Pseudo-Mercator\) measures x/y in metres that "
            "are not ground metres",
        ),
    ],
)
def test_a_store_crs_not_in_metres_stops_the_load(
    tmp_path: Path, sqlite_store: Store, crs: str, match: str
) -> None:
    """Chicago's own State Plane CRS (feet) or lon/lat as the store's CRS would
    load, and every cell, bandwidth and distance would be wrong by its unit; Web
    Mercator's metres are cos(latitude) ground metres (0.70 in Chicago: a "150 m"
    cell 105 m wide)."""
    store = sqlite_store
    data = tmp_path / "t.csv"
    data.write_text("id,t,c,lat,lon\n1,2021-01-01T10:00,Robbery,41.88,-87.63\n")
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        "[columns]\nincident_id = 'id'\noccurred_at = 't'\ncrime_type = 'c'\n"
        "lat = 'lat'\nlon = 'lon'\n"
    )
    with pytest.raises(ConfigError, match=match):
        load_files(store, [data], kind="table", mapping=mapping, crs=crs)
    load_files(store, [data], kind="table", mapping=mapping, crs="EPSG:32616")


@pytest.mark.parametrize(
    "crs",
    ["EPSG:32618", "EPSG:27700", "EPSG:3035", "EPSG:2154", "EPSG:3375", "EPSG:5070"],
)
def test_local_and_continental_projections_in_metres_are_store_crss(crs: str) -> None:
    """UTM, national grids (BNG, Lambert-93, Malaysia's oblique Mercator RSO) and
    continental equal-area projections (LAEA Europe, CONUS Albers) keep their
    metres within 5 % of ground metres over their areas: accepted."""
    check_store_crs(crs)


@pytest.mark.parametrize("crs", ["EPSG:3857", "EPSG:3435"])
def test_a_refused_store_crs_says_stored_incidents_stay_in_it(crs: str) -> None:
    """A store loaded in Web Mercator before this check: its next load is refused,
    and the advice (set crs to a UTM zone) alone would put the new incidents in
    UTM beside the old ones in Web Mercator (the store records no CRS), cells and
    distances across them wrong by thousands of kilometres. The message says the
    stored incidents do not move and to load the files into a new store."""
    with pytest.raises(ConfigError) as refused:
        check_store_crs(crs)
    said = " ".join(str(refused.value).split())
    assert "changing the setting does not move them" in said
    assert "load the files again into a new store" in said
