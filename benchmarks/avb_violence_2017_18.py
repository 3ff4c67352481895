"""England and Wales 2017/18 under the AVB definition: totals, categories, harm, forces.

Reads the Home Office police recorded crime table (code x force totals; the full
../shared file when present, else the subset in tests/data) and prints the figures of
the closing note of avert issue 3. Nothing is hard-coded: every figure is computed.

Run: .venv/bin/python benchmarks/avb_violence_2017_18.py [--profile avb-2010]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import polars as pl

from avert.classify import classify_with_harm

ROOT = Path(__file__).resolve().parents[1]
FULL = (
    ROOT.parent
    / "shared/data/home-office-recorded-crime-pfa-2017-18/prc-pfa-2017-18.csv"
)
SUBSET = ROOT / "tests/data/home-office-2017-18/offences-by-force-and-code.csv"
# Not territorial police force areas of England and Wales.
NON_TERRITORIAL = {
    "British Transport Police",
    "Action Fraud",
    "CIFAS",
    "UK Finance",
    "Financial Fraud Action UK",
}


def load() -> tuple[pl.DataFrame, str]:
    """Code x force totals of 2017/18 and where they came from."""
    path = FULL if FULL.exists() else SUBSET
    frame = pl.read_csv(path, schema_overrides={"Offence_Code": pl.String})
    agg = frame.group_by("Force_Name", "Offence_Code").agg(
        pl.col("Number_of_Offences").sum()
    )
    return agg, str(path)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", default="avb-2010")
    args = parser.parse_args()
    table, source = load()
    frame = table.with_columns(
        incident_id=pl.col("Force_Name") + "|" + pl.col("Offence_Code"),
        offence_code=pl.col("Offence_Code"),
    )
    cls = classify_with_harm(frame, None, args.profile).join(
        frame.select("incident_id", "Force_Name", n="Number_of_Offences"),
        on="incident_id",
    )
    ew = cls.filter(~pl.col("Force_Name").is_in(list(NON_TERRITORIAL)))
    inside = ew.filter(pl.col("in_definition")).with_columns(
        harm=pl.col("n") * pl.col("harm_days")
    )
    total_n = int(inside["n"].sum())
    total_h = float(inside["harm"].sum())
    all_n = int(ew["n"].sum())
    print(f"source: {source}")
    print(
        f"profile: {args.profile}; 43 territorial forces of England and Wales, 2017/18"
    )
    print(f"all recorded offences: {all_n:,}")
    print(
        f"in the definition: {total_n:,} ({total_n / all_n:.1%}); harm {total_h:,.0f} days"
    )
    by_cat = (
        inside.group_by("category")
        .agg(n=pl.col("n").sum(), harm=pl.col("harm").sum())
        .sort("harm", descending=True)
    )
    print(
        f"\n{'category':<26}{'offences':>12}{'share':>8}{'harm days':>15}{'harm share':>12}"
    )
    for cat, n, harm in by_cat.iter_rows():
        print(
            f"{cat:<26}{n:>12,}{n / total_n:>8.1%}{harm:>15,.0f}{harm / total_h:>12.1%}"
        )
    forces = (
        inside.group_by("Force_Name")
        .agg(n=pl.col("n").sum(), harm=pl.col("harm").sum())
        .with_columns(per=pl.col("harm") / pl.col("n"))
        .sort("per", descending=True)
    )
    print(f"\nforces: {forces.height}; top 5 by harm per AVB-violence offence (days):")
    for force, n, harm, per in forces.head(5).iter_rows():
        print(f"  {force:<22}{per:>8.1f}  ({n:,} offences, {harm:,.0f} days)")
    print(f"  national mean         {total_h / total_n:>8.1f}")
    btp = cls.filter(
        pl.col("Force_Name") == "British Transport Police", pl.col("in_definition")
    )
    print(
        f"\nBritish Transport Police (not included above): {int(btp['n'].sum()):,} in the definition"
    )


if __name__ == "__main__":
    main()
