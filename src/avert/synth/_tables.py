"""Package data of the synthetic city: offence mix, area make-up, age-sex pyramid, harm.

All three CSV files are small aggregates of open data (see ``data/README.md``); the
harm weights come from avert's own ``config/defaults/harm.toml`` (``load_harm``) so that the planted
truth uses exactly the weights avert computes with.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.config.definitions import load_harm

__all__ = ["age_sex", "area_ethnicity", "harm_days", "offence_mix"]

_ETHNIC: tuple[str, ...] = ("Asian", "Black", "Mixed", "White", "Other")


def _data(name: str) -> pl.DataFrame:
    ref = resources.files("avert.synth").joinpath("data", name)
    with resources.as_file(ref) as path:
        return pl.read_csv(path, infer_schema_length=0)


@cache
def offence_mix() -> pl.DataFrame:
    """National offence mix, England and Wales 2017/18 (Home Office, OGL v3).

    Columns: offence_code, description, offence_group, offence_subgroup, count,
    crime_type (data.police.uk category).
    """
    return _data("offence_mix.csv").with_columns(pl.col("count").cast(pl.Int64))


@cache
def area_ethnicity() -> pl.DataFrame:
    """Birmingham 2011 LSOA centroids (EPSG:27700) and usual residents by ethnic group."""
    return _data("area_ethnicity.csv").with_columns(
        pl.col("x", "y").cast(pl.Float64), pl.col(*_ETHNIC).cast(pl.Int64)
    )


@cache
def age_sex() -> pl.DataFrame:
    """England and Wales usual residents by single year of age (0-90) and sex, 2021."""
    return _data("age_sex.csv").with_columns(
        pl.col("age").cast(pl.Int64), pl.col("count").cast(pl.Int64)
    )


@cache
def _harm_table() -> dict[str, float]:
    table = load_harm()
    out: dict[str, float] = {}
    for code, entry in table.codes.items():
        out[code] = float(entry.days)
        for alias in entry.aliases:
            out.setdefault(alias, float(entry.days))
    return out


def harm_days(codes: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Cambridge Crime Harm Index weight (days) of each Home Office offence code.

    The weights are avert's own (``config/defaults/harm.toml``, Sherman, Neyroud &
    Neyroud 2016); an unknown code weighs 0.
    """
    table = _harm_table()
    arr = np.asarray(codes, dtype=object)
    uniq, inv = np.unique(arr.astype(str), return_inverse=True)
    weights = np.array([table.get(str(c), 0.0) for c in uniq], dtype=np.float64)
    return weights[inv]
