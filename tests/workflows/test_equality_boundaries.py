"""``avert ingest boundaries`` then ``run_equality``: stops just across a border are
counted in the area whose polygon holds them, not the nearest centroid's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from pyproj import Transformer
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store
from avert.workflows.equality import run_equality

#: two 1 km squares in British National Grid: A west of x = 531000, B east of it
SQUARES = (
    "LSOA11CD,geometry\n"
    'A,"POLYGON ((530000 180000, 531000 180000, 531000 181000, 530000 181000, '
    '530000 180000))"\n'
    'B,"POLYGON ((531000 180000, 532000 180000, 532000 181000, 531000 181000, '
    '531000 180000))"\n'
)


def _lonlat(x: float, y: float) -> tuple[float, float]:
    to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform(x, y)
    return float(lon), float(lat)


def _invoke(store: Store, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", store.url.sqlalchemy, *args])
    assert result.exit_code == 0, result.output
    return result.output


def _two_squares(store: Store, tmp_path: Path) -> None:
    """Residents of LSOA A (Westside) and B (Eastside), their centroids, and ten
    stops 50 m inside B, nearer A's centroid."""
    census = tmp_path / "census-2011.csv"
    census.write_text(
        "lsoa11cd,lad_name,persons,WhiteBrit,Mixed,Indian,BlkAfrican,Other\n"
        "A,Westside,1500,1200,50,100,100,50\n"
        "B,Eastside,1500,1200,50,100,100,50\n",
        encoding="utf-8",
    )
    cents = tmp_path / "cents.csv"
    cents.write_text(
        "LSOACD,latitude,longitude\n"
        # A's centroid near the shared edge, B's far from it
        + "".join(
            f"{a},{lat},{lon}\n"
            for a, (lon, lat) in (
                ("A", _lonlat(530900, 180500)),
                ("B", _lonlat(531900, 180500)),
            )
        ),
        encoding="utf-8",
    )
    _invoke(store, "ingest", "population", str(census))
    _invoke(store, "ingest", "centroids", str(cents))
    lon, lat = _lonlat(531050, 180500)  # 150 m from A's centroid, 850 m from B's
    n = 10
    with store.transaction() as tx:
        tx.append(
            "stops",
            pl.DataFrame(
                {
                    "stop_id": [f"s{i}" for i in range(n)],
                    "source": ["t"] * n,
                    "force": ["test"] * n,
                    "occurred_at": [dt.datetime(2019, 1, 3)] * n,
                    "lat": [lat] * n,
                    "lon": [lon] * n,
                    "ethnicity": ["Black" if i % 2 else "White" for i in range(n)],
                }
            ),
        )


def _eastside_searches(store: Store) -> int:
    """Searches counted in Eastside's per-area rates (0: no per-area rates)."""
    areas = run_equality(store, force="test", areas=["Eastside"]).areas
    if areas is None:
        return 0
    return int(areas.frame.filter(pl.col("area") == "Eastside")["searches"].sum())


def test_stops_across_a_border_count_in_the_polygon_s_area(
    sqlite_store: Store, tmp_path: Path
) -> None:
    _two_squares(sqlite_store, tmp_path)
    assert _eastside_searches(sqlite_store) == 0  # nearest centroid: Westside
    bounds = tmp_path / "b.csv"
    bounds.write_text(SQUARES, encoding="utf-8")
    _invoke(sqlite_store, "ingest", "boundaries", str(bounds))
    assert sqlite_store.count("area_boundaries") == 2
    assert _eastside_searches(sqlite_store) == 10
    notes = run_equality(sqlite_store, force="test", areas=["Eastside"]).notes
    assert (
        "Stops placed in LSOAs by boundary polygon: 10; in no loaded polygon, so by "
        "the nearest centroid within 5 km: 0; not placed: 0." in notes
    )
