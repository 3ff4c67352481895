"""The person page says what each number counts: the risk score's window and
roles beside its offences, all-time involvements beside roles and history, and
network counts as whole numbers."""

from __future__ import annotations

import re

import polars as pl

from avert.config.risk import default_risk_config
from web.helpers import World, csrf_of, signed_in


def _prolific(world: World) -> str:
    """The person with the most involvements as offender in the last incident's year."""
    inv = world.store.read_frame(
        "involvements", columns=["incident_id", "person_id", "role"]
    )
    inc = world.store.read_frame("incidents", columns=["incident_id", "occurred_from"])
    last = inc["occurred_from"].max()
    recent = inc.filter(pl.col("occurred_from") > pl.lit(last) - pl.duration(days=300))
    top = (
        inv.filter(pl.col("role") == "offender")
        .join(recent, on="incident_id")
        .group_by("person_id")
        .len()
        .sort(["len", "person_id"], descending=[True, False])
    )
    return str(top["person_id"][0])


def test_person_page_says_what_each_number_counts(world: World) -> None:
    client = signed_in(world.app, "analyst")
    person = _prolific(world)
    token = csrf_of(client.get(f"/people/{person}").text)
    page = client.post(
        f"/people/{person}", data={"csrf_token": token, "purpose": "wording check"}
    )
    assert page.status_code == 200, page.text
    html = page.text
    days = default_risk_config().offender.window_days
    assert f"offences as offender in the score's {days} days" in html
    assert 'id="risk-window"' in html
    assert "every recorded involvement, all time" in html
    assert "one per incident and role, every offence, all time" in html
    metrics = html[html.index('id="metrics"') :]
    metrics = metrics[: metrics.index("</section>")]
    counts = re.findall(
        r"(degree|component size|n network(?: victims)?) ([\d,.]+)", metrics
    )
    assert {name for name, _ in counts} >= {"degree", "n network"}, metrics
    assert all("." not in value for _, value in counts), counts  # 9, not 9.00
    # the view stays audited with its purpose
    audit = world.store.read_frame("audit")
    rows = audit.filter(audit["object"] == f"person:{person}")
    assert "wording check" in rows["reason"].to_list()
