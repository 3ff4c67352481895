"""Planted-truth recovery of avert.analyse.networks on the synthetic city (issue 6).

Acceptance: planted groups recovered with adjusted Rand index >= 0.9 (members of
planted groups only); >= 90 % of planted reprisal pairs flagged by the retaliation
alert *before* the reprisal occurs (>= 80 % by strong, victim-linked, alerts alone;
issue 12.6); planted continuum levels recovered for >= 90 % of groups. The city is
``make_city(seed=SEED)`` (50,000 residents, two years).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from meeting_replay import classified_city, daily_alerts, timed_pairs

from avert.analyse import networks as nw
from avert.config.networks import NetworksConfig
from avert.synth import City

pytestmark = pytest.mark.slow

SEED = 1


def adjusted_rand_index(labels_true: list[str], labels_pred: list[str]) -> float:
    """Adjusted Rand index (Hubert & Arabie 1985) from the contingency table."""
    _, t = np.unique(np.asarray(labels_true), return_inverse=True)
    _, p = np.unique(np.asarray(labels_pred), return_inverse=True)
    table = np.zeros((t.max() + 1, p.max() + 1), np.int64)
    np.add.at(table, (t, p), 1)

    def pairs(x: np.ndarray) -> float:
        return float((x * (x - 1) // 2).sum())

    index = pairs(table.ravel())
    a, b = pairs(table.sum(1)), pairs(table.sum(0))
    expected = a * b / pairs(np.array([t.size]))
    return (index - expected) / (0.5 * (a + b) - expected)


def test_adjusted_rand_index_reference_values() -> None:
    assert adjusted_rand_index(list("aabb"), list("xxyy")) == pytest.approx(1.0)
    # sklearn.metrics.adjusted_rand_score([0, 0, 1, 2], [0, 0, 1, 1]) = 0.5714285714285715
    assert adjusted_rand_index(list("aabc"), list("xxyy")) == pytest.approx(
        0.5714285714285715
    )


@pytest.fixture(scope="module")
def city() -> tuple[City, pl.DataFrame]:
    return classified_city(SEED)


def _planted(c: City) -> pl.DataFrame:
    return pl.DataFrame(
        [
            (g["group_id"], p, g["continuum"])
            for g in c.truth["groups"]
            for p in g["members"]
        ],
        schema=["planted_id", "person_id", "level"],
        orient="row",
    )


def test_planted_groups_and_continuum_recovered(
    city: tuple[City, pl.DataFrame],
) -> None:
    c, incidents = city
    result = nw.analyse_groups(incidents, c.involvements, group_members=c.group_members)
    planted = _planted(c)
    detected = result.membership.filter(pl.col("origin") == "detected")
    joined = planted.join(detected, on="person_id", how="left").with_columns(
        # a planted member in no detected group is its own singleton
        pl.col("group_id").fill_null(pl.lit("none:") + pl.col("person_id"))
    )
    ari = adjusted_rand_index(
        joined["planted_id"].to_list(), joined["group_id"].to_list()
    )
    print(f"\nARI (planted members, {planted.height} people): {ari:.3f}")
    assert ari >= 0.9

    best = (
        joined.group_by("planted_id", "group_id")
        .len()
        .sort(["len", "group_id"], descending=[True, False])
        .unique("planted_id", keep="first")
    )
    levels = planted.unique("planted_id").select("planted_id", "level")
    compared = best.join(levels, on="planted_id").join(
        result.frame.select("group_id", "continuum"), on="group_id", how="left"
    )
    share = float((compared["level"] == compared["continuum"]).mean())  # type: ignore[arg-type]
    print(f"continuum recovered for {share:.1%} of {compared.height} planted groups")
    assert share >= 0.9


def test_reprisals_flagged_before_they_happen(city: tuple[City, pl.DataFrame]) -> None:
    """Each day with a planted original attack, as the daily meeting would run it.

    Groups and ties are rebuilt from the history *before* that day only; the alerts
    come from that day's incidents; a pair is flagged when one of the reprisal's
    suspects/offenders is listed as at risk of retaliating and the reprisal falls
    while the alert is live.
    """
    c, incidents = city
    cfg = NetworksConfig()
    inv = c.involvements
    pairs = timed_pairs(c.truth["reprisal_pairs"], incidents)
    assert pairs.height >= 20
    days = sorted(
        {t.replace(hour=0, minute=0, second=0, microsecond=0) for t in pairs["t_o"]}
    )
    alerts = pl.concat(daily_alerts(c, incidents, days, cfg))
    strong = alerts.filter(pl.col("strength") == "strong")
    assert alerts.get_column("possible_targets").list.len().max() <= (  # type: ignore[operator]
        cfg.retaliation.max_targets
    )
    per_incident = alerts.group_by("incident_id").agg(
        pl.col("at_risk_of_retaliation_from")
        .list.explode(keep_nulls=False)
        .alias("at_risk"),
        pl.col("possible_targets").list.explode(keep_nulls=False).alias("targets"),
        pl.col("live_until").max(),
    )
    strong_at_risk = strong.group_by("incident_id").agg(
        pl.col("at_risk_of_retaliation_from")
        .list.explode(keep_nulls=False)
        .alias("strong_at_risk"),
    )
    offenders = (
        inv.filter(pl.col("role").is_in(["suspect", "offender"]))
        .group_by("incident_id")
        .agg(pl.col("person_id").alias("avengers"))
    )
    victims = (
        inv.filter(pl.col("role") == "victim")
        .group_by("incident_id")
        .agg(pl.col("person_id").alias("targets_hit"))
    )
    rows = (
        pairs.join(
            offenders.rename({"incident_id": "reprisal_incident_id"}),
            on="reprisal_incident_id",
        )
        .join(
            victims.rename({"incident_id": "reprisal_incident_id"}),
            on="reprisal_incident_id",
        )
        .join(
            per_incident.rename({"incident_id": "original_incident_id"}),
            on="original_incident_id",
            how="left",
        )
        .join(
            strong_at_risk.rename({"incident_id": "original_incident_id"}),
            on="original_incident_id",
            how="left",
        )
        .to_dicts()
    )
    flagged = [
        r["at_risk"] is not None
        and r["t_r"] <= r["live_until"]
        and bool(set(r["avengers"]) & set(r["at_risk"]))
        for r in rows
    ]
    by_strong = [
        f and bool(set(r["avengers"]) & set(r["strong_at_risk"] or []))
        for f, r in zip(flagged, rows, strict=True)
    ]
    with_target = [
        f and bool(set(r["targets_hit"]) & set(r["targets"] or []))
        for f, r in zip(flagged, rows, strict=True)
    ]
    share = float(np.mean(flagged))
    strong_share = float(np.mean(by_strong))
    print(
        f"\nreprisal pairs flagged before the reprisal: {sum(flagged)}/{len(rows)} = {share:.1%}; "
        f"by strong alerts: {strong_share:.1%}; "
        f"with the reprisal's victim among possible targets: {np.mean(with_target):.1%}; "
        f"{alerts.height} alerts ({strong.height} strong) on {len(days)} days"
    )
    assert share >= 0.9
    assert strong_share >= 0.8
