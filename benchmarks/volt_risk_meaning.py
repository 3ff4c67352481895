"""What the VOLT summary and the risk ranking mean on the synthetic city (issue 12.5).

On ``make_city(seed=0)`` classified under avb-2010 with the packaged harm table:

* VOLT: per row, distinct incidents and harm against entity-incident pairs (how much
  the old pair counts overstated incidents and harm);
* offender RFGH: distinct scores among the offenders, the size of the tie that the
  top-50 cut falls into, and how many adjacent pairs of the list are still decided by
  person id (an exact tie on score, harm days, recency, offences and gravity).

Nothing is hard-coded. Run: ``.venv/bin/python benchmarks/volt_risk_meaning.py``
"""

from __future__ import annotations

import polars as pl

from avert.analyse import offender_risk, volt_profiles
from avert.analyse.risk import OFFENDER_TIES
from avert.classify import classify_with_harm
from avert.synth import make_city


def main() -> None:
    """Print the figures."""
    city = make_city(seed=0)
    inc, inv = city.incidents, city.involvements
    cls = classify_with_harm(inc, inv, "avb-2010")
    violent = inc.join(
        cls.filter(pl.col("in_definition")).select("incident_id", "harm_days"),
        on="incident_id",
    )
    at = violent["occurred_from"].max()
    assert at is not None
    res = volt_profiles(violent, inv, at=at, window_days=730)
    print(f"VOLT on the synthetic city, avb-2010 violence, 730 days to {at}:")
    print(
        f"{'row':<10}{'entities':>10}{'incidents':>11}{'pairs':>9}{'pairs/inc':>11}"
        f"{'harm days':>13}{'pair harm':>13}{'ratio':>8}"
    )
    for r in res.frame.iter_rows(named=True):
        ratio_n = r["n_pairs"] / r["n_incidents"] if r["n_incidents"] else float("nan")
        harm, pair_harm = r["harm_days"] or 0.0, r["pair_harm_days"] or 0.0
        ratio_h = pair_harm / harm if harm else float("nan")
        print(
            f"{r['dimension']:<10}{r['n_entities']:>10,}{r['n_incidents']:>11,}"
            f"{r['n_pairs']:>9,}{ratio_n:>11.3f}{harm:>13,.0f}{pair_harm:>13,.0f}"
            f"{ratio_h:>8.3f}"
        )
    risk = offender_risk(violent, inv, at=at).frame
    n = risk.height
    top = min(50, n)
    cut_score = risk["score"][top - 1] if top else None
    tie = risk.filter(pl.col("score") == cut_score).height if top else 0
    keys = ["score", *(c for c, _ in OFFENDER_TIES)]
    same_as_next = risk.select(keys).with_columns(
        pl.all_horizontal(pl.col(k) == pl.col(k).shift(-1) for k in keys).alias("same")
    )["same"]
    score_ties = (risk["score"] == risk["score"].shift(-1)).sum()
    print(
        f"\noffender RFGH: {n} offenders, {risk['score'].n_unique()} distinct scores; "
        f"the top-{top} cut falls in a tie of {tie} at score {cut_score}"
    )
    print(
        f"adjacent pairs with equal score: {score_ties}; of them still decided by "
        f"person id (equal on every tie-break figure too): {int(same_as_next.sum())}"
    )


if __name__ == "__main__":
    main()
