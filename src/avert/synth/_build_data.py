"""Rebuild the small package data of :mod:`avert.synth` from ``../shared/data``.

Run ``python -m avert.synth._build_data /work/shared/data``. The outputs are committed
in ``avert/synth/data`` (see its README for attribution), so the synthetic city works
without the shared folder; this module only documents and repeats how they were made.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
from pyproj import Transformer

__all__ = ["build"]

POLICEUK_CATEGORIES = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
    "Other crime",
)

_OUT = Path(__file__).parent / "data"


def build(shared: Path, out: Path = _OUT) -> None:
    """Write offence_mix.csv, area_ethnicity.csv and age_sex.csv from ``shared`` to ``out``."""
    prc = pl.read_csv(
        shared / "home-office-recorded-crime-pfa-2017-18" / "prc-pfa-2017-18.csv",
        infer_schema_length=0,
    )
    canon = {c.lower(): c for c in POLICEUK_CATEGORIES}
    mix = (
        prc.with_columns(pl.col("Number_of_Offences").cast(pl.Int64))
        .group_by(
            "Offence_Code",
            "Offence_Description",
            "Offence_Group",
            "Offence_Subgroup",
            "Policeuk_Cat",
        )
        .agg(pl.col("Number_of_Offences").sum().alias("count"))
        .select(
            pl.col("Offence_Code").alias("offence_code"),
            pl.col("Offence_Description").alias("description"),
            pl.col("Offence_Group").alias("offence_group"),
            pl.col("Offence_Subgroup").alias("offence_subgroup"),
            "count",
            pl.col("Policeuk_Cat")
            .str.to_lowercase()
            .replace_strict(canon)
            .alias("crime_type"),
        )
        .sort(["count", "offence_code"], descending=[True, False])
    )
    mix.write_csv(out / "offence_mix.csv")

    eth = pl.read_csv(
        shared
        / "census-2011-ethnicity-lsoa-england-wales"
        / "census-2011-ethnic-group-lsoa.csv"
    ).filter(pl.col("lad_name") == "Birmingham")
    cents = pl.read_csv(shared / "lsoa-centroids-uk-2011-2021" / "lsoa_latlong.csv")
    eth = eth.join(
        cents.select(pl.col("LSOACD").alias("lsoa11cd"), "latitude", "longitude"),
        on="lsoa11cd",
    )
    tr = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    x, y = tr.transform(eth["longitude"].to_numpy(), eth["latitude"].to_numpy())
    area = eth.select(
        "lsoa11cd",
        pl.Series("x", x).round(0).cast(pl.Int64),
        pl.Series("y", y).round(0).cast(pl.Int64),
        pl.sum_horizontal(
            "Indian", "Pakistani", "Bangladeshi", "Chinese", "OtherAsian"
        ).alias("Asian"),
        pl.sum_horizontal("BlkAfrican", "BlkCaribbean", "OtherBlk").alias("Black"),
        pl.col("Mixed"),
        pl.sum_horizontal("WhiteBrit", "Irish", "GypsyTraveller", "OtherWhite").alias(
            "White"
        ),
        pl.sum_horizontal("Arab", "Other").alias("Other"),
    ).sort("lsoa11cd")
    area.write_csv(out / "area_ethnicity.csv")

    age = (
        pl.read_csv(
            shared
            / "census-2021-age-sex-england-wales"
            / "census-2021-age-sex-england-wales.csv"
        )
        .select(
            pl.col("Age (91 categories) Code").alias("age"),
            pl.col("Sex (2 categories)")
            .replace_strict({"Female": "F", "Male": "M"})
            .alias("sex"),
            pl.col("Observation").alias("count"),
        )
        .sort(["age", "sex"])
    )
    age.write_csv(out / "age_sex.csv")


if __name__ == "__main__":  # pragma: no cover - maintenance script
    build(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
