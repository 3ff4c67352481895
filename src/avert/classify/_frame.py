"""Shared preparation of the incidents frame for the classifier and the harm weights."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import polars as pl

from avert.config.definitions import CODE_KEY_STEPS, Profile
from avert.errors import SchemaError
from avert.schema import check_frame

__all__ = ["OPTIONAL_COLUMNS", "code_key_expr", "flag_columns", "prepare"]

DT: Final = pl.Datetime("us")
#: Columns read when present (missing ones are taken as null).
OPTIONAL_COLUMNS: Final[Mapping[str, pl.DataType]] = {
    "offence_code": pl.String(),
    "crime_type": pl.String(),
    "occurred_from": DT,
    "weapon": pl.String(),
    "injury": pl.String(),
    "domestic": pl.Boolean(),
    "hate": pl.String(),
    "n_suspects": pl.Int64(),
    "is_repeat_victim": pl.Boolean(),
}


def flag_columns(profile: Profile) -> list[str]:
    """Optional boolean columns that the profile's ``flag`` conditions read."""
    return sorted(
        {c.values[0] for r in profile.rules for c in r.require_any if c.kind == "flag"}
    )


def code_key_expr(code: pl.Expr) -> pl.Expr:
    """:func:`avert.config.definitions.code_key` over a column of codes."""
    key = code.str.strip_chars().str.to_uppercase()
    for pattern, _, replacement in CODE_KEY_STEPS:
        key = key.str.replace_all(pattern, replacement)
    return key


def prepare(
    incidents: pl.DataFrame,
    code_lookup: Mapping[str, str],
    *,
    flags: Sequence[str] = (),
) -> pl.LazyFrame:
    """Select and normalise the columns the classifier reads (missing ones are null).

    Adds ``_code`` (the canonical code of the offence code's
    :func:`~avert.config.definitions.code_key`, aliases resolved; a code the lookup
    does not know stays as written, stripped and upper-cased; null when empty),
    ``_ptype`` (police.uk category, lower case), ``_weapon``, ``_injury`` and
    ``_hate`` (lower case).
    """
    check_frame(incidents, ["incident_id"], name="incidents")
    if (
        "offence_code" not in incidents.columns
        and "crime_type" not in incidents.columns
    ):
        msg = (
            "incidents needs an offence_code or a crime_type column; "
            "see avert.schema.INCIDENTS"
        )
        raise SchemaError(msg)
    wanted = dict(OPTIONAL_COLUMNS)
    for flag in flags:
        wanted[flag] = pl.Boolean()
    exprs: list[pl.Expr] = [pl.col("incident_id").cast(pl.String)]
    for name, dtype in wanted.items():
        if name in incidents.columns:
            exprs.append(pl.col(name).cast(dtype))
        else:
            exprs.append(pl.lit(None, dtype).alias(name))
    code = pl.col("offence_code").str.strip_chars().str.to_uppercase()
    canonical = code_key_expr(code).replace_strict(
        dict(code_lookup), default=code, return_dtype=pl.String
    )
    return (
        incidents.lazy()
        .select(exprs)
        .with_columns(
            _code=pl.when(code != "").then(canonical),
            _ptype=pl.col("crime_type").str.strip_chars().str.to_lowercase(),
            _weapon=pl.col("weapon").str.strip_chars().str.to_lowercase(),
            _injury=pl.col("injury").str.strip_chars().str.to_lowercase(),
            _hate=pl.col("hate").str.to_lowercase(),
        )
    )
