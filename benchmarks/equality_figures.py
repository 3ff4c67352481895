"""Stop-and-search equality figures, measured: South Yorkshire and the synthetic city.

Run ``python benchmarks/equality_figures.py [--seeds 0 1 2]``. Prints:

- South Yorkshire Police 2019-01 .. 2021-11 (``../shared/data``, 46,655 searches)
  against the 2011 Census residents of Barnsley, Doncaster, Rotherham and Sheffield
  (LSOA file summed by local authority) and against the 2021 Census (upper-tier
  local authorities): searches, residents, rate per 1,000, ratio to the White rate
  and its 95 % interval per self-defined group, the share with no recorded
  ethnicity, and the find and arrest rates;
- for the default synthetic city of each seed: the planted and recovered ratio per
  group and whether the planted ratio lies inside the 95 % interval.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import polars as pl

from avert.analyse.denominators import group_residents
from avert.analyse.equality import stop_search_equality
from avert.ingest.policeuk import parse_policeuk_parts
from avert.ingest.population import parse_population
from avert.ingest.sources import expand_paths

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SY = ["Barnsley", "Doncaster", "Rotherham", "Sheffield"]


def south_yorkshire() -> None:
    stops_dir = SHARED / "police-uk-stop-and-search-south-yorkshire-2019-2021"
    if not stops_dir.exists():
        print("../shared/data absent: South Yorkshire skipped")
        return
    files, _ = expand_paths([stops_dir])
    stops = pl.concat(
        [
            p.frames["stops"]
            for f in files
            for p in parse_policeuk_parts(f, crs="EPSG:27700")
        ],
        how="diagonal_relaxed",
    )
    for year, folder in (
        (2011, "census-2011-ethnicity-lsoa-england-wales"),
        (2021, "census-2021-ethnicity-upper-tier-la-england-wales"),
    ):
        path = next((SHARED / folder).glob("*.csv"))
        pops = parse_population(path).frames["populations"]
        residents = (
            group_residents(pops, SY, year=year)
            .group_by("group")
            .agg(pl.col("population").sum())
        )
        res = stop_search_equality(stops, residents)
        print(f"South Yorkshire 2019-2021 against the {year} Census ({', '.join(SY)})")
        with pl.Config(tbl_cols=12, tbl_width_chars=160, float_precision=3):
            print(
                res.frame.select(
                    "group",
                    "searches",
                    "residents",
                    "rate_per_1000",
                    "ratio_to_white",
                    "ci_low",
                    "ci_high",
                )
            )
        print(res.notes[0])
    with pl.Config(tbl_cols=12, tbl_width_chars=160, float_precision=3):
        print(res.outcomes.select("group", "searches", "find_rate", "arrest_rate"))
        print(
            res.by_legislation.filter(pl.col("group") == "Black").select(
                "power", "searches", "ratio_to_white", "ci_low", "ci_high"
            )
        )


def synthetic(seeds: list[int]) -> None:
    from avert.synth import make_city

    for seed in seeds:
        city = make_city(seed=seed)
        truth = city.truth.fields
        pop = truth["population"]["by_ethnicity"]
        res = stop_search_equality(
            city.stops,
            pl.DataFrame({"group": list(pop), "population": list(pop.values())}),
        )
        for row in res.frame.filter(pl.col("group") != "White").iter_rows(named=True):
            planted = truth["stops"]["planted_ratios"][row["group"]]
            inside = row["ci_low"] <= planted <= row["ci_high"]
            print(
                f"synthetic seed {seed} {row['group']:5s}: planted {planted:.2f} "
                f"recovered {row['ratio_to_white']:.2f} "
                f"[{row['ci_low']:.2f}, {row['ci_high']:.2f}] planted inside: {inside}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    south_yorkshire()
    synthetic(args.seeds)


if __name__ == "__main__":
    main()
