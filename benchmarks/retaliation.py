"""Benchmark: retaliation alerts a meeting can act on, on synthetic cities with reprisals.

For each seed, the synthetic city (``make_city``, planted groups with rivalries and
planted reprisal pairs) is classified under ``avb-2010``, then the daily meeting is
replayed on every day of the last ``--days`` days of the city: groups and ties are
rebuilt from the history before that day (``analyse_groups``, as stored detected
groups would be), and that day's incidents raise alerts (``retaliation_alerts``).

Printed, measured (nothing hard-coded):

- alerts raised in the window: all, strong (victim in a known group) and weak;
- planted reprisal pairs whose original falls in the window, and the share foreseen
  (an alert on the original lists one of the reprisal's suspects/offenders as at
  risk of retaliating, and the reprisal falls while the alert is live), by any alert
  and by strong alerts only;
- possible targets listed per alert (mean and max), all targets counted, and the
  share of foreseen reprisals whose victim is among the listed targets.

Runs against whatever ``avert`` is importable, so the figures before a change can be
measured by pointing ``PYTHONPATH`` at an older checkout (alerts without a
``strength`` column count as strong when ``victim_linked``).

Run: ``.venv/bin/python benchmarks/retaliation.py [--seeds 1,2,3] [--days 182]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "truth"))

from meeting_replay import classified_city, daily_alerts, timed_pairs  # noqa: E402

from avert.config.networks import NetworksConfig  # noqa: E402


def replay(seed: int, days: int) -> dict[str, float]:
    """Alerts and reprisal foresight for one city over its last ``days`` days."""
    city, incidents = classified_city(seed)
    end = incidents.get_column("occurred_from").max()
    assert isinstance(end, dt.datetime)
    first = (end - dt.timedelta(days=days)).replace(hour=0, minute=0, second=0)
    t0 = time.perf_counter()
    frames = daily_alerts(
        city,
        incidents,
        [first + dt.timedelta(days=k) for k in range(days + 1)],
        NetworksConfig(),
    )
    seconds = time.perf_counter() - t0
    alerts = pl.concat(frames, how="diagonal_relaxed")
    if "strength" not in alerts.columns:
        alerts = alerts.with_columns(
            pl.when(pl.col("victim_linked"))
            .then(pl.lit("strong"))
            .otherwise(pl.lit("weak"))
            .alias("strength")
        )
    if "n_possible_targets" not in alerts.columns:
        alerts = alerts.with_columns(
            pl.col("possible_targets").list.len().alias("n_possible_targets")
        )
    foreseen = _foresight(
        city.truth["reprisal_pairs"], incidents, city.involvements, alerts, first
    )
    listed = alerts.get_column("possible_targets").list.len().cast(pl.Float64)
    counted = alerts.get_column("n_possible_targets").cast(pl.Float64)
    n_strong = int((alerts.get_column("strength") == "strong").sum())
    print(
        f"seed {seed}: {alerts.height:,} alerts in {days} days ({n_strong:,} strong, "
        f"{alerts.height - n_strong:,} weak); {foreseen['pairs']:.0f} planted "
        f"reprisals; foreseen by any alert {foreseen['any']:.1%}, by strong alerts "
        f"{foreseen['strong']:.1%}; reprisal victim among listed targets "
        f"{foreseen['target']:.1%}; targets listed per alert mean "
        f"{_num(listed.mean()):.1f}, max {_num(listed.max()):.0f}; targets counted "
        f"max {_num(counted.max()):.0f} ({seconds:.0f} s)"
    )
    return {"alerts": float(alerts.height), "n_strong": float(n_strong), **foreseen}


def _num(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _foresight(
    reprisal_pairs: list[dict[str, str]],
    incidents: pl.DataFrame,
    inv: pl.DataFrame,
    alerts: pl.DataFrame,
    first: dt.datetime,
) -> dict[str, float]:
    pairs = timed_pairs(reprisal_pairs, incidents).filter(pl.col("t_o") >= first)
    avengers = (
        inv.filter(pl.col("role").is_in(["suspect", "offender"]))
        .select(
            pl.col("incident_id").alias("reprisal_incident_id"),
            pl.col("person_id").alias("avenger"),
        )
        .unique()
    )
    hurt = (
        inv.filter(pl.col("role") == "victim")
        .select(
            pl.col("incident_id").alias("reprisal_incident_id"),
            pl.col("person_id").alias("hurt"),
        )
        .unique()
    )
    flat = alerts.select(
        pl.col("incident_id").alias("original_incident_id"),
        "strength",
        "live_until",
        "possible_targets",
        pl.col("at_risk_of_retaliation_from").alias("avenger"),
    ).explode("avenger")
    hits = (
        pairs.join(avengers, on="reprisal_incident_id")
        .join(flat, on=["original_incident_id", "avenger"])
        .filter(pl.col("t_r") <= pl.col("live_until"))
    )
    key = ["original_incident_id", "reprisal_incident_id"]
    strong = hits.filter(pl.col("strength") == "strong").select(key).unique()
    targeted = (
        hits.explode("possible_targets")
        .join(hurt, on="reprisal_incident_id")
        .filter(pl.col("possible_targets") == pl.col("hurt"))
        .select(key)
        .unique()
    )
    n = max(pairs.select(key).unique().height, 1)
    return {
        "pairs": float(pairs.select(key).unique().height),
        "any": hits.select(key).unique().height / n,
        "strong": strong.height / n,
        "target": targeted.height / n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds")
    parser.add_argument("--days", type=int, default=182, help="days replayed")
    args = parser.parse_args()
    seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
    runs = [replay(seed, args.days) for seed in seeds]
    pairs = sum(r["pairs"] for r in runs) or 1.0

    def share(name: str) -> float:
        return sum(r["pairs"] * r[name] for r in runs) / pairs

    print(
        f"all seeds: {sum(r['alerts'] for r in runs):,.0f} alerts "
        f"({sum(r['n_strong'] for r in runs):,.0f} strong) for {pairs:.0f} planted "
        f"reprisals; foreseen by any alert {share('any'):.1%}, by strong alerts "
        f"{share('strong'):.1%}; victim among listed targets {share('target'):.1%}"
    )


if __name__ == "__main__":
    main()
