"""Issue 5 acceptance on the synthetic city: avert recovers the planted power few.

The city plants a heavy-tailed offending propensity, a set of high-rate offenders and
ASB escalation chains (``truth.json``). These tests run avert's own pipeline — the AVB
classifier with CCHI harm, then the pure analyses — and compare with what was planted.
"""

from __future__ import annotations

import polars as pl
import pytest

from avert.analyse.concentration import measure_concentration
from avert.analyse.risk import asb_escalation_risk, offender_risk
from avert.classify import classify_with_harm
from avert.synth import City, make_city


@pytest.fixture(scope="module", params=[0, 1])
def city(request: pytest.FixtureRequest) -> City:
    return make_city(seed=request.param)


def _classified(city: City) -> pl.DataFrame:
    classes = classify_with_harm(city.incidents, city.involvements, profile="avb-2010")
    return city.incidents.join(
        classes.select("incident_id", "in_definition", "category", "harm_days"),
        on="incident_id",
        how="left",
    )


def test_top20_offender_harm_share_matches_truth_within_1pp(city: City) -> None:
    incidents = _classified(city)
    # truth.json: every suspect/offender of an incident carries its full harm
    result = measure_concentration(
        incidents,
        city.involvements,
        entity="offender",
        measure="harm",
        roles=("suspect", "offender"),
    )
    planted = city.truth["top20_offender_harm_share"]
    assert result.top_shares["0.2"] == pytest.approx(planted, abs=0.01)


def test_planted_high_rate_offenders_fill_the_top50_risk_list(city: City) -> None:
    incidents = _classified(city)
    ranked = offender_risk(incidents, city.involvements, at=city.extracted_at).frame
    top50 = ranked.head(50)["person_id"]
    share = top50.is_in(city.truth["high_rate_offenders"]).mean()
    assert share is not None
    assert share >= 0.8


def test_escalation_chains_rank_in_the_top_decile_of_asb_risk(city: City) -> None:
    incidents = _classified(city)
    ranked = asb_escalation_risk(
        city.asb, incidents, city.involvements, at=city.extracted_at
    ).frame
    decile = set(ranked.head(max(1, ranked.height // 10))["person_id"].to_list())
    callers = {c["caller_id"] for c in city.truth["escalation_chains"]}
    assert callers, "the city planted no escalation chain"
    assert callers <= decile
