"""Law of crime concentration on real data.police.uk street files (../shared/data).

For each dataset: the share of 'Violence and sexual offences' in the top 1 %, 5 % and
20 % of LSOAs and of 250 m grid cells, the Gini and the generalised Gini (Bernasco &
Steenbeek 2017), computed with :func:`avert.analyse.measure_concentration`. Points are
projected from WGS84 to British National Grid (EPSG:27700) with pyproj.

Place populations (zeros included), printed beside each figure:
* LSOA: every LSOA with at least one recorded row of any kind (crime or ASB) in the file;
* 250 m "box": every cell of the rectangle spanned by all recorded points;
* 250 m "active": every cell with at least one recorded row of any kind (a fairer
  denominator where the box holds parks, river and fields).

Compare with Weisburd (2015, Criminology 53:133-157): about 50 % of crime at about 4 % of street segments and 25 %
at about 1 %. data.police.uk points are anonymised snap points, and
LSOAs and cells are larger than street segments, so the figures are not like for like.

Run: ``.venv/bin/python benchmarks/real_concentration.py`` (prints a skip line when
../shared/data is absent).
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
from pyproj import Transformer

from avert.analyse import measure_concentration

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
VIOLENCE = ("Violence and sexual offences", "violent or sexual")
DATASETS = {
    "West Yorkshire 2018-07": ("police-uk-street-west-yorkshire-2018-07", "*.csv"),
    "City of London 2019": ("police-uk-street-city-of-london-2019", "*.csv"),
    "London 2022 Q1 (reduced)": ("police-uk-street-london-2022-q1-reduced", "*.csv"),
}


def read(folder: str, pattern: str) -> pl.DataFrame:
    """Read police.uk street CSVs into incident_id, crime_type, lsoa, x, y."""
    frame = pl.concat(
        [
            pl.read_csv(p, infer_schema_length=0)
            for p in sorted((DATA / folder).glob(pattern))
        ],
        how="diagonal_relaxed",
    )
    if "Crime type" in frame.columns:
        frame = frame.select(
            pl.col("Crime type").alias("crime_type"),
            pl.col("LSOA code").alias("lsoa"),
            pl.col("Longitude").cast(pl.Float64, strict=False).alias("lon"),
            pl.col("Latitude").cast(pl.Float64, strict=False).alias("lat"),
        )
    else:
        frame = frame.select(
            pl.col("type").alias("crime_type"),
            pl.lit(None, dtype=pl.String).alias("lsoa"),
            pl.col("longitude").cast(pl.Float64, strict=False).alias("lon"),
            pl.col("latitude").cast(pl.Float64, strict=False).alias("lat"),
        )
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    x, y = to_bng.transform(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    finite = pl.col("x").is_finite() & pl.col("y").is_finite()
    frame = frame.with_columns(pl.Series("x", x), pl.Series("y", y))
    return frame.with_columns(
        pl.when(finite).then(pl.col("x")).alias("x"),
        pl.when(finite).then(pl.col("y")).alias("y"),
        pl.int_range(pl.len()).cast(pl.String).alias("incident_id"),
    )


def line(label: str, population: str, res: object) -> None:
    """Print one result line."""
    r = res  # ConcentrationResult
    ts = r.top_shares  # type: ignore[attr-defined]
    half = r.entities_for_shares["0.5"]["share_of_entities"]  # type: ignore[attr-defined]
    print(
        f"  {label:18s} n={r.n_entities:6d} (with violence {r.n_entities_with_events:6d}) "  # type: ignore[attr-defined]
        f"events={r.n_events:6d}  top1%={100 * ts['0.01']:5.1f}%  top5%={100 * ts['0.05']:5.1f}%  "
        f"top20%={100 * ts['0.2']:5.1f}%  50% in {100 * half:4.1f}% of units  "
        f"G={r.gini:.3f}  G'={r.generalised_gini:.3f}  [{population}]"  # type: ignore[attr-defined]
    )


def main() -> None:
    """Compute and print the figures for every dataset present."""
    if not DATA.exists():
        print(f"skipped: {DATA} is absent (real data lives in ../shared/data)")
        sys.exit(0)
    for name, (folder, pattern) in DATASETS.items():
        if not (DATA / folder).exists():
            print(f"{name}: skipped, {folder} absent")
            continue
        area = read(folder, pattern)
        violence = area.filter(pl.col("crime_type").is_in(VIOLENCE))
        print(
            f"{name}: {area.height} rows, {violence.height} violence and sexual offences"
        )
        if area["lsoa"].drop_nulls().len():
            res = measure_concentration(
                violence, entity="place", measure="count", area=area
            )
            line("LSOA", "LSOAs with any recorded row", res)
        for kind in ("active", "box"):
            res = measure_concentration(
                violence,
                entity="place",
                measure="count",
                cell_size_m=250,
                area=area,
                cell_population=kind,  # type: ignore[arg-type]
            )
            line(f"250 m cells ({kind})", kind, res)
    print("Weisburd (2015): ~50 % of crime at ~4 % of street segments, ~25 % at ~1 %.")


if __name__ == "__main__":
    main()
