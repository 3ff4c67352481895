"""Area boundaries: WKT polygons loaded, bad rows quarantined, a reload adds nothing;
stops placed in the polygon holding them rather than by the nearest centroid."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from pyproj import Transformer

from avert.analyse.equality import place_stops, place_stops_by
from avert.errors import IngestError
from avert.ingest.boundaries import parse_boundaries
from avert.store import Store
from avert.workflows.board import load_boundaries, load_centroids
from avert.workflows.equality import _placed_stops, _why_unplaced


def _square(x0: int, y0: int, side: int = 1000) -> str:
    x1, y1 = x0 + side, y0 + side
    return f"POLYGON (({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0}))"


#: two 1 km squares side by side in British National Grid: A west of x = 531000, B east
SQUARES = (
    "LSOA11CD,LSOA11NM,geometry\n"
    f'A,west,"{_square(530000, 180000)}"\n'
    f'B,east,"{_square(531000, 180000)}"\n'
)
#: A's centroid near the shared edge, B's far from it (an irregular A would do so)
CENTROIDS_BNG = {"A": (530900.0, 180500.0), "B": (531900.0, 180500.0)}
#: a stop 50 m inside B: 150 m from A's centroid, 850 m from B's
STOP_BNG = (531050.0, 180500.0)


def _lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = Transformer.from_crs(
        "EPSG:27700", "EPSG:4326", always_xy=True
    ).transform(x, y)
    return float(lon), float(lat)


def _centroids() -> pl.DataFrame:
    rows = [(a, *_lonlat(*xy)) for a, xy in CENTROIDS_BNG.items()]
    return pl.DataFrame(rows, schema=["area", "lon", "lat"], orient="row")


def _stops() -> pl.DataFrame:
    lon, lat = _lonlat(*STOP_BNG)
    return pl.DataFrame({"lat": [lat, None], "lon": [lon, None]})


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_stop_across_a_border_goes_to_the_polygon_holding_it(tmp_path: Path) -> None:
    """The nearest centroid puts the stop in A (wrong); B's polygon holds it."""
    bounds = parse_boundaries(_write(tmp_path, "b.csv", SQUARES)).frames[
        "area_boundaries"
    ]
    assert place_stops(_stops(), _centroids()).to_list() == ["A", None]
    by = place_stops_by(_stops(), _centroids(), boundaries=bounds)
    assert by["area"].to_list() == ["B", None]
    assert by["placed_by"].to_list() == ["boundary", None]


def test_a_stop_in_no_polygon_falls_back_to_the_nearest_centroid(
    tmp_path: Path,
) -> None:
    only_b = SQUARES.splitlines()
    bounds = parse_boundaries(
        _write(tmp_path, "b.csv", "\n".join([only_b[0], only_b[2]]))
    ).frames["area_boundaries"]
    west = pl.DataFrame(
        dict(zip(("lon", "lat"), ([v] for v in _lonlat(530500, 180500)), strict=True))
    )
    by = place_stops_by(west, _centroids(), boundaries=bounds)
    assert by.rows() == [("A", "centroid")]


def test_a_file_crs_other_than_the_store_s_is_transformed(tmp_path: Path) -> None:
    """WKT in WGS84 (``--crs EPSG:4326``) is stored in the store's CRS."""
    corners = [_lonlat(x, y) for x, y in ((531000, 180000), (532000, 180000))]
    corners += [_lonlat(x, y) for x, y in ((532000, 181000), (531000, 181000))]
    ring = ", ".join(f"{lon} {lat}" for lon, lat in [*corners, corners[0]])
    text = f'area,wkt\nB,"POLYGON (({ring}))"\n'
    frame = parse_boundaries(_write(tmp_path, "w.csv", text), crs="EPSG:4326").frames[
        "area_boundaries"
    ]
    assert frame["crs"].to_list() == ["EPSG:27700"]
    assert frame["geometry_wkt"][0].startswith("POLYGON ((531000")
    by = place_stops_by(_stops(), _centroids(), boundaries=frame)
    assert by["area"].to_list() == ["B", None]


def test_bad_rows_are_quarantined_with_line_and_reason(tmp_path: Path) -> None:
    text = (
        SQUARES
        + 'C,bad,"POLYGON ((1 2, 3"\n'
        + 'D,empty,"POLYGON EMPTY"\n'
        + f',nocode,"{_square(0, 0)}"\n'
        + 'E,point,"POINT (1 2)"\n'
        + "F,blank,\n"
    )
    parsed = parse_boundaries(_write(tmp_path, "b.csv", text))
    assert parsed.rows == 7
    assert parsed.frames["area_boundaries"]["area"].to_list() == ["A", "B"]
    assert parsed.problems.select("line", "column", "reason").rows() == [
        (4, "geometry", "WKT does not parse"),
        (5, "geometry", "empty geometry"),
        (6, "LSOA11CD", "no area code"),
        (7, "geometry", "geometry is not a POLYGON or MULTIPOLYGON"),
        (8, "geometry", "no geometry"),
    ]


def test_columns_and_crs_must_be_known(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="area code column"):
        parse_boundaries(_write(tmp_path, "b.csv", "name,shape\nA,x\n"))
    with pytest.raises(IngestError, match="not a CRS"):
        parse_boundaries(_write(tmp_path, "c.csv", SQUARES), crs="EPSG:99999")
    named = parse_boundaries(
        _write(tmp_path, "d.csv", f'zone,shape\nZ,"{_square(0, 0)}"\n'),
        code_column="zone",
        geometry_column="shape",
    )
    assert named.frames["area_boundaries"]["area"].to_list() == ["Z"]


def test_load_quarantines_and_a_reload_adds_nothing(
    any_store: Store, tmp_path: Path
) -> None:
    """One transaction per load on SQLite and PostgreSQL; the same file again is
    all duplicates."""
    path = _write(tmp_path, "b.csv", SQUARES + 'C,bad,"POLYGON ((1 2, 3"\n')
    first = load_boundaries(any_store, [path])
    assert (first.loaded, first.quarantined) == (2, 1)
    again = load_boundaries(any_store, [path])
    assert again.loaded == 0
    assert any_store.count("area_boundaries") == 2
    stored = any_store.read_frame("area_boundaries").sort("area")
    assert stored["geometry_wkt"][1] == _square(531000, 180000)
    lon, lat = _lonlat(530000, 180000)
    assert stored["lon_min"][0] == pytest.approx(lon, abs=1e-3)
    assert stored["lat_min"][0] == pytest.approx(lat, abs=1e-3)
    quarantine = any_store.read_frame("quarantine").filter(pl.col("kind") == "rejected")
    assert quarantine.select("line", "reason").rows() == [(4, "WKT does not parse")]
    assert quarantine["source_file"][0].endswith("b.csv")


def test_equality_places_by_polygon_and_says_how_many(
    any_store: Store, tmp_path: Path
) -> None:
    """The workflow reads the stored polygons: the stop goes to B, and a note counts
    the stops each method placed."""
    load_boundaries(any_store, [_write(tmp_path, "b.csv", SQUARES)])
    cent = "area,latitude,longitude\n" + "".join(
        f"{a},{lat},{lon}\n"
        for a, lon, lat in _centroids().select("area", "lon", "lat").rows()
    )
    load_centroids(any_store, [_write(tmp_path, "c.csv", cent)])
    lsoa_rows = pl.DataFrame(
        {"area": ["A", "B"], "parent_area": ["LA1", "LA2"], "year": [2011, 2011]}
    )
    notes: list[str] = []
    placed = _placed_stops(any_store, _stops(), lsoa_rows, max_km=5.0, notes=notes)
    assert placed["lsoa"].to_list() == ["B", None]
    assert placed["parent"].to_list() == ["LA2", None]
    assert notes == [
        "Stops placed in LSOAs by boundary polygon: 1; in no loaded polygon, so by "
        "the nearest centroid within 5 km: 0; not placed: 1."
    ]


def _shared_data(*parts: str) -> Path:
    """A folder of ``shared/data`` found upward from here (a worktree's ../shared may
    be absent), else /work/shared/data; skips with the reason when neither has it."""
    here = Path(__file__).resolve()
    roots = [p / "shared" / "data" for p in here.parents]
    roots.append(Path("/work/shared/data"))
    for root in roots:
        if root.joinpath(*parts).exists():
            return root.joinpath(*parts)
    reason = f"shared/data/{'/'.join(parts)} not found above {here.parent}"
    print(f"skipped: {reason}")
    pytest.skip(reason)


def test_city_of_london_stops_fall_inside_the_city_by_polygon() -> None:
    """City of London Police, January 2019 (153 searches, 117 with coordinates), on
    the 2011 LSOA polygons: the nearest centroid put 60 in City LSOAs, the polygons
    put 100 there (41 moved in, 1 moved out)."""
    bounds_csv = _shared_data(
        "boundaries-london-lsoa-2011-2021-boroughs", "london-2011-lsoa-trunc.csv"
    )
    stops_csv = _shared_data(
        "police-uk-stop-and-search-2019-01-all-forces",
        "2019-01-city-of-london-stop-and-search.csv",
    )
    cents_csv = _shared_data("lsoa-centroids-uk-2011-2021", "lsoa_latlong.csv")
    bounds = parse_boundaries(bounds_csv).frames["area_boundaries"]
    lad = pl.read_csv(bounds_csv, columns=["LSOA11CD", "LAD11CD"])
    city = lad.filter(pl.col("LAD11CD") == "E09000001")["LSOA11CD"]
    cents = (
        pl.read_csv(cents_csv)
        .select(
            pl.col("LSOACD").alias("area"),
            pl.col("latitude").alias("lat"),
            pl.col("longitude").alias("lon"),
        )
        .join(bounds.select("area"), on="area", how="semi")
    )
    stops = pl.read_csv(stops_csv).select(
        pl.col("Latitude").alias("lat"), pl.col("Longitude").alias("lon")
    )
    by_centroid = (
        place_stops(stops, cents).is_in(city.implode()).fill_null(False).to_numpy()
    )
    placed = place_stops_by(stops, cents, boundaries=bounds)
    by_polygon = placed["area"].is_in(city.implode()).fill_null(False).to_numpy()
    moved_in = int((by_polygon & ~by_centroid).sum())
    moved_out = int((by_centroid & ~by_polygon).sum())
    methods = placed["placed_by"].value_counts().sort("placed_by").rows()
    print(
        f"City stops {stops.height}: in City LSOAs by centroid {by_centroid.sum()}, "
        f"by polygon {by_polygon.sum()} (moved in {moved_in}, out {moved_out}); "
        f"placed by {methods}"
    )
    assert (int(by_centroid.sum()), int(by_polygon.sum())) == (60, 100)
    assert (moved_in, moved_out) == (41, 1)
    assert methods == [(None, 36), ("boundary", 108), ("centroid", 9)]


def test_boundaries_alone_place_stops_and_say_why_none_fell(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Without centroids, polygons place the stops; when none falls in one, the
    reason names the boundaries, not missing centroids."""
    load_boundaries(sqlite_store, [_write(tmp_path, "b.csv", SQUARES)])
    lsoa_rows = pl.DataFrame(
        {"area": ["A", "B"], "parent_area": ["LA1", "LA2"], "year": [2011, 2011]}
    )
    notes: list[str] = []
    placed = _placed_stops(sqlite_store, _stops(), lsoa_rows, max_km=5.0, notes=notes)
    assert placed["lsoa"].to_list() == ["B", None]
    far = pl.DataFrame({"lat": [52.0], "lon": [-1.0]})
    why = _why_unplaced(sqlite_store, far, pl.DataFrame(), lsoa_rows, 5.0)
    assert why == "no stop lies within a loaded LSOA boundary"
