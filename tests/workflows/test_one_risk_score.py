"""A person's offender risk is one score wherever it is shown: the risk list
(`avert analyse risk`), the person page and the briefing's people of concern all
score the violence of the definition (a person's other offences do not count)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from avert.store import Store
from avert.workflows.analysis import run_risk
from avert.workflows.networks import person_report
from loaded_city import loaded_city


@pytest.fixture(scope="module")
def city_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = loaded_city(
        Path(tmp_path_factory.mktemp("one-risk")),
        quarantined={"source_file": "x.csv", "line": 2, "reason": "test", "raw": ""},
    )
    yield store
    store.close()


def test_the_person_page_shows_the_risk_list_score(city_store: Store) -> None:
    latest = city_store.read_frame("incidents", columns=["occurred_from"])[
        "occurred_from"
    ].max()
    assert isinstance(latest, dt.datetime)
    listed = run_risk(city_store, kind="offender", at=latest)[0].frame.head(15)
    assert listed.height == 15
    for row in listed.to_dicts():
        page = person_report(city_store, row["person_id"], as_of=latest)
        assert page["risk"] is not None
        assert page["risk"]["score"] == row["score"], row["person_id"]
