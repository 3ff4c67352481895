"""The continuum rules and the network prioritisation matrix (seed ¶30-38, ¶35)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import polars as pl

from avert.analyse.harm_text import harm_days_text
from avert.analyse.networks._common import (
    _config,
)
from avert.config.networks import ContinuumRule, MatrixConfig, NetworksConfig


def _fmt(value: float) -> str:
    return f"{value:g}"


#: What each measure a continuum rule may test counts, in the words of its reason
#: (:data:`avert.config.networks.CONTINUUM_MEASURES`): the groups page read
#: "longevity_days 686.92 >= 90; n_violent_incidents 29 >= 5", then "days active
#: 686.92 >= 90".
MEASURE_WORDS: Final = {
    "size": "members",
    "n_incidents": "incidents",
    "harm_days": "crime harm days",
    "harm_days_per_member": "crime harm days per member",
    "harm_days_per_incident": "crime harm days per incident",
    "violence_share": "share of incidents violent",
    "n_violent_incidents": "violent incidents",
    "weapon_share": "share of incidents with a weapon",
    "firearm_share": "share of incidents with a firearm",
    "gang_flag_share": "share of incidents flagged gang-related",
    "longevity_days": "days active",
    "n_conflicts": "violent conflicts with rivals",
    "n_rivals": "rival groups",
    "max_rival_conflicts": "most violent conflicts with one rival group",
}


def _words(measure: str) -> str:
    """A rule's measure in words (any other: its name, spaces for underscores)."""
    return MEASURE_WORDS.get(measure) or measure.replace("_", " ")


#: Measures counted in whole units, said so (``longevity_days`` is fractional days
#: between a group's first and last incident: "days active 686.92" read as a count)
WHOLE_MEASURES: Final = frozenset({"longevity_days"})


def _is_share(measure: str) -> bool:
    """A measure that is a share of a group's incidents (0 to 1), said in per cent."""
    return measure.endswith("_share")


def _measure_said(measure: str, threshold: float) -> pl.Expr:
    """One measure of a rule against its threshold, in words: "days active 687
    (rule: at least 90)", whole days rounded; a share of incidents in whole per
    cent, as the threat line says them ("share of incidents violent 84 % (rule:
    at least 50 %)": the groups page read "0.84 (rule: at least 0.5)"); other
    values to two decimals."""
    value = pl.col(measure)
    if _is_share(measure):
        return pl.format(
            f"{_words(measure)} {{}} % (rule: at least {_fmt(100 * threshold)} %)",
            (100 * value).round(0).cast(pl.Int64),
        )
    value = (
        value.round(0).cast(pl.Int64) if measure in WHOLE_MEASURES else value.round(2)
    )
    return pl.format(
        f"{_words(measure)} {{}} (rule: at least {_fmt(threshold)})", value
    )


def _rule_expr(rule: ContinuumRule) -> tuple[pl.Expr, pl.Expr]:
    """(holds, reason) expressions of one continuum rule."""
    holds: pl.Expr = pl.lit(True)
    parts: list[pl.Expr] = []
    for measure, threshold in rule.all_of.items():
        cond = pl.col(measure) >= threshold
        holds = holds & cond
        parts.append(_measure_said(measure, threshold))
    if rule.any_of:
        n_any: pl.Expr = pl.lit(0, dtype=pl.Int64)
        for measure, threshold in rule.any_of.items():
            cond = pl.col(measure) >= threshold
            n_any = n_any + cond.cast(pl.Int64)
            parts.append(pl.when(cond).then(_measure_said(measure, threshold)))
        holds = holds & (n_any >= rule.min_any)
    text = (
        pl.concat_list(parts).list.drop_nulls().list.join("; ") if parts else pl.lit("")
    )
    level = rule.level.replace("_", " ")  # "street gang", as the Continuum column
    reason = (
        pl.format(f"continuum {level} by rule: {{}}", text)
        if parts
        else pl.lit(f"continuum {level}: default level (no higher rule holds)")
    )
    return holds, reason


def assign_continuum(
    profiles: pl.DataFrame,
    *,
    config: NetworksConfig | None = None,
) -> pl.DataFrame:
    """Place each group on the continuum by the first configured rule that holds.

    Parameters
    ----------
    profiles
        Output of :func:`group_profiles`.
    config
        ``continuum`` rules, tried from the top (highest level first).

    Returns
    -------
    polars.DataFrame
        ``profiles`` with ``continuum`` and ``continuum_reason``.

    Notes
    -----
    Levels follow the seed's continuum (AVB delivery plan 2010 ¶30-38: peer group
    → street gang → organised criminal network). Default thresholds follow the
    Eurogang definition (durability), the Home Office 2011 gang definition
    (violence, conflict) and UK OCG mapping (firearms, serious harm, longevity).
    """
    cfg = _config(config)
    level: Any = None
    reason: Any = None
    for rule in cfg.continuum:
        holds, text = _rule_expr(rule)
        if level is None:
            level = pl.when(holds).then(pl.lit(rule.level))
            reason = pl.when(holds).then(text)
        else:
            level = level.when(holds).then(pl.lit(rule.level))
            reason = reason.when(holds).then(text)
    return profiles.with_columns(
        level.otherwise(pl.lit(None, dtype=pl.String)).alias("continuum"),
        reason.otherwise(pl.lit(None, dtype=pl.String)).alias("continuum_reason"),
    )


def prioritise_groups(
    profiles: pl.DataFrame,
    *,
    config: NetworksConfig | None = None,
) -> pl.DataFrame:
    """Band groups by harm, threat and trend: the network prioritisation matrix.

    Parameters
    ----------
    profiles
        Output of :func:`group_profiles` (optionally with ``continuum_reason``).
    config
        ``matrix`` thresholds.

    Returns
    -------
    polars.DataFrame
        ``profiles`` with ``harm_level`` (1-3), ``threat_points``, ``threat_level``
        (1-3), ``trend_points`` (-1, 0, +1), ``matrix_score`` (their sum), ``band``
        (``high`` | ``medium`` | ``low``) and ``reasons`` (list of strings), sorted
        by band, score, harm and ``group_id``.

    Notes
    -----
    After the seed's Criminal Networks Prioritisation Matrix (¶35), UK OCG mapping
    (threat and harm scoring) and MoRiLE (impact × likelihood): harm is the members'
    Cambridge Crime Harm Index days; threat counts one point each for violence share,
    weapon share, firearm share and conflicts over their thresholds.
    """
    m = _config(config).matrix
    over = _threats_over(m)
    out = _matrix_scores(profiles, m, over)
    band_order = pl.col("band").replace_strict(
        {"high": 0, "medium": 1, "low": 2}, return_dtype=pl.Int64
    )
    return out.with_columns(
        pl.concat_list(_matrix_reasons(out, m, over)).list.drop_nulls().alias("reasons")
    ).sort(band_order, -pl.col("matrix_score"), -pl.col("harm_days"), "group_id")


#: the shares that score a threat point: what is shared, its column, its threshold
_THREAT_SHARES: tuple[tuple[str, str, str], ...] = (
    ("violence", "violence_share", "threat_violence_share"),
    ("weapons", "weapon_share", "threat_weapon_share"),
    ("firearms", "firearm_share", "threat_firearm_share"),
)


def _threats_over(m: MatrixConfig) -> list[pl.Expr]:
    """One condition per threat point: each share over its threshold, then conflicts."""
    shares = [
        pl.col(column) >= getattr(m, threshold)
        for _, column, threshold in _THREAT_SHARES
    ]
    conflicts = (pl.col("n_conflicts") >= m.threat_conflicts) & (
        pl.col("n_conflicts") > 0
    )
    return [*shares, conflicts]


def _matrix_scores(
    profiles: pl.DataFrame, m: MatrixConfig, over: Sequence[pl.Expr]
) -> pl.DataFrame:
    """Harm level, threat points and level, trend points, score and band."""
    h0, h1 = m.harm_days
    threat_points: pl.Expr = over[0].cast(pl.Int64)
    for cond in over[1:]:
        threat_points = threat_points + cond.cast(pl.Int64)
    out = profiles.with_columns(
        (
            1
            + (pl.col("harm_days") >= h0).cast(pl.Int64)
            + (pl.col("harm_days") >= h1).cast(pl.Int64)
        ).alias("harm_level"),
        threat_points.alias("threat_points"),
        pl.when(pl.col("trend") == "rising")
        .then(1)
        .when(pl.col("trend") == "falling")
        .then(-1)
        .otherwise(0)
        .cast(pl.Int64)
        .alias("trend_points"),
    ).with_columns(
        (
            1
            + (pl.col("threat_points") >= m.threat_levels[0]).cast(pl.Int64)
            + (pl.col("threat_points") >= m.threat_levels[1]).cast(pl.Int64)
        ).alias("threat_level"),
    )
    return out.with_columns(
        (pl.col("harm_level") + pl.col("threat_level") + pl.col("trend_points")).alias(
            "matrix_score"
        )
    ).with_columns(
        pl.when(pl.col("matrix_score") >= m.bands[1])
        .then(pl.lit("high"))
        .when(pl.col("matrix_score") >= m.bands[0])
        .then(pl.lit("medium"))
        .otherwise(pl.lit("low"))
        .alias("band"),
    )


def _counted(count: pl.Expr, noun: str) -> pl.Expr:
    """``count`` and ``noun``, plural unless the count is 1 ("1 rival group", "2
    rival groups"; the groups page read "with 1 rival groups")."""
    return pl.format(
        "{} {}",
        count,
        pl.when(count == 1).then(pl.lit(noun)).otherwise(pl.lit(noun + "s")),
    )


def _matrix_reasons(
    out: pl.DataFrame, m: MatrixConfig, over: Sequence[pl.Expr]
) -> list[pl.Expr]:
    """The reasons of each group's band, null where a reason does not apply."""
    h0, h1 = m.harm_days
    reasons = [
        pl.format(
            "band {}: score {} = harm level {} + threat level {} + trend {}",
            pl.col("band"),
            pl.col("matrix_score"),
            pl.col("harm_level"),
            pl.col("threat_level"),
            pl.col("trend_points"),
        ),
        pl.format(
            f"harm: {{}} crime harm days in {{}} incidents (levels at {_fmt(h0)} and {_fmt(h1)})",
            # whole days, as the groups page's Harm column ("10,488 d")
            harm_days_text(pl.col("harm_days").round(0)),
            pl.col("n_incidents"),
        ),
    ]
    for (what, column, threshold), cond in zip(_THREAT_SHARES, over[:-1], strict=True):
        reasons.append(
            pl.when(cond).then(
                pl.format(
                    f"threat: {what} in {{}}% of incidents (>= {_fmt(100 * getattr(m, threshold))}%)",
                    # whole percent, as its threshold ("69%", not "69.0%")
                    (100 * pl.col(column)).round(0).cast(pl.Int64),
                )
            )
        )
    reasons += [
        pl.when(over[-1]).then(
            pl.format(
                "threat: {} with {}",
                _counted(pl.col("n_conflicts"), "violent conflict"),
                _counted(pl.col("n_rivals"), "rival group"),
            )
        ),
        pl.format(
            "trend: {} ({} in the recent window, {} in the one before)",
            pl.col("trend"),
            _counted(pl.col("recent_incidents"), "incident"),
            pl.col("previous_incidents"),
        ),
    ]
    if "continuum_reason" in out.columns:
        reasons.append(pl.col("continuum_reason"))
    if "corroborated_share" in out.columns:
        reasons.append(
            pl.when(
                (pl.col("origin") == "declared") & (pl.col("corroborated_share") < 0.5)
            ).then(
                pl.format(
                    "caution: only {}% of declared members have a recorded co-offending tie to another member",
                    (100 * pl.col("corroborated_share")).round(0),
                )
            )
        )
    return reasons
