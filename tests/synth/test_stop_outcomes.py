"""The city's stops say whether each outcome was linked to the object of the search
(police.uk's "Outcome linked to object of search"), so the demo has a find rate."""

from __future__ import annotations

import polars as pl

from avert.synth import CityConfig, make_city


def test_a_linked_outcome_is_never_no_further_action_and_near_the_planted_share() -> (
    None
):
    config = CityConfig(people=30_000, days=730)
    stops = make_city(config, seed=1).stops
    nfa = pl.col("outcome") == "A no further action disposal"
    assert stops["outcome_linked"].null_count() == 0
    assert stops.filter(nfa)["outcome_linked"].sum() == 0
    acted = stops.filter(~nfa)
    share = acted["outcome_linked"].mean()
    assert acted.height > 100
    assert abs(float(share) - config.stop_outcome_linked_share) < 0.1  # type: ignore[arg-type]


def test_the_link_leaves_the_rest_of_a_seed_as_it_was() -> None:
    """Drawn from a child of the city's generator: a different share changes the
    links and nothing else of the city."""
    base = make_city(CityConfig(people=3_000, days=120), seed=4)
    other = make_city(
        CityConfig(people=3_000, days=120, stop_outcome_linked_share=0.2), seed=4
    )
    assert base.incidents.equals(other.incidents)
    assert base.people.equals(other.people)
    assert base.stops.drop("outcome_linked").equals(other.stops.drop("outcome_linked"))
