"""A person's offender risk is one score wherever it is shown: the risk list
(`avert analyse risk`), the person page and the briefing's people of concern all
score the violence of the definition (a person's other offences do not count)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from avert.briefing.model import JSON_SIGNIFICANT_DIGITS
from avert.config.risk import load_risk_config
from avert.store import Store
from avert.workflows.analysis import run_risk
from avert.workflows.briefing import build_briefing
from avert.workflows.networks import person_report


def _as_json(score: float) -> float:
    """``score`` as briefing.json gives it (rounded, JSON_SIGNIFICANT_DIGITS)."""
    return float(f"{score:.{JSON_SIGNIFICANT_DIGITS}g}")


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


def test_a_custom_risk_config_scores_the_briefing_as_the_list(
    city_store: Store, tmp_path: Path
) -> None:
    """With a deployment's risk TOML (setting ``risk_config``) the briefing's people
    of concern carry the list's score under that TOML, not the packaged one."""
    latest = city_store.read_frame("incidents", columns=["occurred_from"])[
        "occurred_from"
    ].max()
    assert isinstance(latest, dt.datetime)
    # the briefing's window is [at - 24 h, at): brief just after the last incident so
    # the window holds it (the city once piled incidents on its last second)
    latest += dt.timedelta(seconds=1)
    custom = tmp_path / "risk.toml"
    custom.write_text("[offender.weights]\nharm = 4.0\n", encoding="utf-8")
    briefing = build_briefing(
        city_store, at=latest, risk_config=load_risk_config(custom)
    )
    people = briefing.to_json()["people"]
    assert people, "the window should hold people of concern"
    listed = run_risk(city_store, kind="offender", at=latest, config_path=custom)
    by_id = dict(zip(*listed[0].frame.select("person_id", "score"), strict=True))
    packaged = run_risk(city_store, kind="offender", at=latest)[0].frame
    packaged_by_id = dict(zip(*packaged.select("person_id", "score"), strict=True))
    scored = [p for p in people if p["person_id"] in by_id]
    assert scored
    assert any(by_id[p["person_id"]] != packaged_by_id[p["person_id"]] for p in scored)
    for person in scored:
        assert person["score"] == _as_json(by_id[person["person_id"]]), person[
            "person_id"
        ]


def test_the_briefing_repeat_victims_carry_the_victim_list_score(
    city_store: Store,
) -> None:
    """Repeat victims in the briefing count and score violence of the definition, as
    ``avert analyse risk --kind victim`` does (before, every recorded offence)."""
    latest = city_store.read_frame("incidents", columns=["occurred_from"])[
        "occurred_from"
    ].max()
    assert isinstance(latest, dt.datetime)
    # an hour past the last record: the briefing's window [at - hours, at) and the
    # list's (at - 365 days, at] then hold the same incidents
    latest += dt.timedelta(hours=1)
    listed = run_risk(city_store, kind="victim", at=latest)[0].frame
    by_id = {
        row["person_id"]: (_as_json(row["score"]), row["n_victimisations"])
        for row in listed.select("person_id", "score", "n_victimisations").to_dicts()
    }
    seen = 0
    for hours in (24, 24 * 7, 24 * 28):
        victims = build_briefing(city_store, at=latest, hours=hours).to_json()[
            "repeat_victims"
        ]
        for victim in victims:
            assert (victim["score"], victim["n_victimisations"]) == by_id[
                victim["person_id"]
            ], victim["person_id"]
            seen += 1
    assert seen >= 5


def test_an_empty_window_before_the_records_says_where_they_run(
    city_store: Store,
) -> None:
    """The lists read the incidents up to ``at`` only: a window before the first
    record said "there is no incident on or before" it, not where the records run
    (which the note promises); the store's span is named now."""
    times = city_store.read_frame("incidents", columns=["occurred_from"])[
        "occurred_from"
    ]
    first, last = times.min(), times.max()
    assert isinstance(first, dt.datetime)
    assert isinstance(last, dt.datetime)
    span = f"the store's incidents run from {first:%Y-%m-%d} to {last:%Y-%m-%d}"
    for kind in ("offender", "victim"):
        (result,) = run_risk(city_store, kind=kind, at=first - dt.timedelta(days=400))
        assert result.frame.height == 0
        (note,) = [n for n in result.notes if n.startswith("No incident in the window")]
        assert note.endswith(span + "."), note
    # a window with records in it: no such note (and no query for the span)
    (full,) = run_risk(city_store, kind="victim", at=last)
    assert not any("the store's incidents" in n for n in full.notes)
