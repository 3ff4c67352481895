"""Harm weights of incidents: the Cambridge Crime Harm Index (CCHI).

Each incident with a Home Office offence code gets the CCHI weight of its code: days of
imprisonment at the sentencing guideline's starting point for a first offender (Sherman,
Neyroud & Neyroud 2016), published or derived by the same method (``harm.toml`` says
which, with the reasoning). A data.police.uk row with only a category gets the expected
weight of that category under the national 2017/18 offence mix, marked
``expected:<category>`` so that it is never shown as an exact harm.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from avert.classify._frame import prepare
from avert.config.definitions import HarmTable, load_harm

__all__ = ["attach_harm", "expected_harm_origin", "harm_lazy"]


def expected_harm_origin(sources: Iterable[str | None]) -> str:
    """Where the expected harm weights of records of ``sources`` come from, as a
    phrase after "the expected weight of": their data.police.uk category, or for
    other data (an ``avert ingest table`` mapping such as ``toronto-mci``) the
    category weights of their mapping, each the expected weight of the
    data.police.uk category the mapping translates the source's category to.

    >>> expected_harm_origin(["policeuk"])
    'their police.uk category'
    >>> expected_harm_origin(["toronto-mci"])
    'their category under the toronto-mci mapping, each weighted as the data.police.uk category it maps to'
    """
    named = {s for s in sources if s}
    others = sorted(s for s in named if not s.startswith("policeuk"))
    if not others:
        return "their police.uk category"
    mapping = (
        f"the {others[0]} mapping"
        if len(others) == 1
        else f"the mappings of {', '.join(others)}"
    )
    either = "police.uk category or " if len(others) < len(named) else ""
    return (
        f"their {either}category under {mapping}, each weighted as the "
        "data.police.uk category it maps to"
    )


def harm_lazy(lf: pl.LazyFrame, harm: HarmTable) -> pl.LazyFrame:
    """Add ``harm_days`` and ``harm_source`` to a frame prepared by ``_frame.prepare``."""
    codes = list(harm.codes.values())
    code_frame = pl.LazyFrame(
        {
            "_code": [c.code for c in codes],
            "_h_days": [c.days for c in codes],
            "_h_src": [("derived:" if c.derived else "cchi:") + c.code for c in codes],
        },
        schema={"_code": pl.String, "_h_days": pl.Float64, "_h_src": pl.String},
    )
    exp = list(harm.expected.values())
    unweighted = list(harm.unweighted)
    cat_frame = pl.LazyFrame(
        {
            "_ptype": [e.category for e in exp] + unweighted,
            "_e_days": [e.days for e in exp] + [None] * len(unweighted),
            "_e_src": [f"expected:{e.category}" for e in exp]
            + [f"none:{u}" for u in unweighted],
        },
        schema={"_ptype": pl.String, "_e_days": pl.Float64, "_e_src": pl.String},
    )
    code_null = pl.col("_code").is_null()
    lf = lf.join(code_frame, on="_code", how="left", maintain_order="left").join(
        cat_frame, on="_ptype", how="left", maintain_order="left"
    )
    return lf.with_columns(
        harm_days=pl.when(code_null)
        .then(pl.col("_e_days"))
        .otherwise(pl.col("_h_days")),
        harm_source=pl.when(~code_null)
        .then(pl.coalesce(pl.col("_h_src"), pl.lit("unknown:") + pl.col("_code")))
        .when(pl.col("_ptype").is_not_null())
        .then(pl.coalesce(pl.col("_e_src"), pl.lit("unknown:") + pl.col("_ptype"))),
    )


def attach_harm(
    incidents: pl.DataFrame, harm_table: HarmTable | None = None
) -> pl.DataFrame:
    """Add the Cambridge Crime Harm Index weight of each incident.

    Parameters
    ----------
    incidents
        Frame with ``incident_id`` and ``offence_code`` and/or ``crime_type``.
    harm_table
        Weights (default: the packaged ``harm.toml``).

    Returns
    -------
    pl.DataFrame
        ``incidents`` with ``harm_days`` (float, null when unknown) and ``harm_source``:
        ``cchi:<code>`` (published CCHI weight), ``derived:<code>`` (derived by the CCHI
        method, see ``harm.toml``), ``expected:<police.uk category>`` (expected weight of
        the category under the national 2017/18 offence mix: an expectation, never the
        exact harm of the record), ``none:<category>`` (no weight, e.g. ASB) or
        ``unknown:<code or category>``.

    Notes
    -----
    Harm of a set of incidents = sum of ``harm_days`` (CCHI). Codes are stripped,
    upper-cased and mapped through the table's aliases (homicide ``1``, ``4.1``, ``4.2``,
    ``4.10`` read as ``1/4.1/4.10/4.2``).

    References
    ----------
    Sherman, L., Neyroud, P. and Neyroud, E. (2016). The Cambridge Crime Harm Index:
    Measuring total harm from crime based on sentencing guidelines. Policing 10(3),
    171-183.

    Examples
    --------
    >>> import polars as pl
    >>> from avert.classify import attach_harm
    >>> attach_harm(pl.DataFrame({"incident_id": ["a"], "offence_code": ["34B"]}))["harm_days"][0]
    365.0
    """
    harm = harm_table if harm_table is not None else load_harm()
    lf = harm_lazy(prepare(incidents, harm.code_lookup), harm)
    extra = lf.select("harm_days", "harm_source").collect()
    return pl.concat(
        [incidents.drop(["harm_days", "harm_source"], strict=False), extra],
        how="horizontal",
    )
