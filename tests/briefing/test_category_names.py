"""The briefing names police.uk violence by its crime type, not "no single category".

A London quarter's briefing (data.police.uk, January to March 2022) labelled
21,813 of its 24,333 violent incidents "no single category" in its summary, its
incident list and its map legend: rows in the definition on their crime type
alone ("Violence and sexual offences") have no profile category. The category
counts and the performance series name them "police.uk: violence and sexual
offences"; the briefing now does too.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.briefing import daily_briefing
from avert.report.charts import OTHER_COLOUR
from avert.report.render import LIST_LIMITS, render_briefing_html
from avert.workflows.performance import source_category_names
from avert.workflows.views import category_tally

VSO = "police.uk: violence and sexual offences"
ROBBERY = "police.uk: robbery (personal and business)"


def _month(n_vso: int, n_rob: int, *, crime_type: bool = True) -> pl.DataFrame:
    n = n_vso + n_rob
    return pl.DataFrame(
        {
            "incident_id": [f"L{i}" for i in range(n)],
            "source": "policeuk",
            "crime_type": (
                ["Violence and sexual offences"] * n_vso + ["Robbery"] * n_rob
                if crime_type
                else [None] * n
            ),
            "occurred_from": dt.datetime(2022, 1, 1),
            "time_precision": "month",
            "lsoa": "E01000001",
            "x": [530000.0 + (i % 50) * 20 for i in range(n)],
            "y": [180000.0 + (i % 40) * 20 for i in range(n)],
            "in_definition": True,
            "category": [None] * n_vso + ["personal_robbery"] * n_rob,
            "harm_days": [119.0] * n_vso + [365.0] * n_rob,
        },
        schema_overrides={"crime_type": pl.String, "category": pl.String},
    )


def _legend(html: str) -> str:
    legend = html[html.index("dots: incidents in the window by category") :]
    return legend[: legend.index("</div>")]


def test_police_uk_violence_is_named_by_its_crime_type() -> None:
    n = LIST_LIMITS["incidents"] + 5  # more than listed: the summary line shows
    b = daily_briefing(_month(n, 2), at=dt.datetime(2022, 2, 1, 6))
    by_label = {c["label"]: c for c in b.summary["by_category"]}
    assert by_label[VSO]["category"] is None  # the key keeps its meaning
    assert by_label[VSO]["n"] == n
    # police.uk's robbery holds business robbery too: it counts under the
    # definition's "Personal robbery" (90 % of it nationally) but is not named so
    assert by_label[ROBBERY]["category"] == "personal_robbery"
    assert {i["label"] for i in b.incidents} == {VSO, ROBBERY}
    html = render_briefing_html(b)
    assert "no single category" not in html
    assert f"By category:\n{VSO} {n} (" in html  # the summary line
    assert f"<b>{VSO}</b>" in html  # the incident list
    legend = _legend(html)
    assert f"{VSO} ({n})" in legend
    # the chart keeps its neutral colour for them
    at = legend.index(f"{VSO} ({n})")
    assert OTHER_COLOUR in legend[max(0, at - 80) : at]
    json_points = {p["label"] for p in b.map_points}
    assert json_points == {VSO, ROBBERY}
    assert f"{ROBBERY} (2)" in legend


def test_rows_with_no_crime_type_are_still_in_no_single_category() -> None:
    b = daily_briefing(_month(3, 0, crime_type=False), at=dt.datetime(2022, 2, 1, 6))
    assert [c["label"] for c in b.summary["by_category"]] == [None]
    html = render_briefing_html(b)
    assert "no single category (3)" in _legend(html)


def test_police_uk_robbery_is_named_as_police_uk_s_not_personal_robbery() -> None:
    """London, March 2022: police.uk's "Robbery" rows read "Personal robbery" in
    the summary, the incident list and the map, though police.uk's category holds
    robbery of business property (34A) too. A coded robbery (34B) and a mapped
    source's row keep the definition's name."""
    month = pl.concat(
        [
            _month(0, 2).with_columns(offence_code=pl.lit(None, pl.String)),
            _month(0, 1).with_columns(
                offence_code=pl.lit("34B"), incident_id=pl.lit("C0")
            ),
            _month(0, 1).with_columns(
                offence_code=pl.lit(None, pl.String),
                source=pl.lit("toronto-mci"),
                incident_id=pl.lit("T0"),
            ),
        ]
    )
    b = daily_briefing(
        month,
        at=dt.datetime(2022, 2, 1, 6),
        category_titles={"personal_robbery": "Personal robbery"},
    )
    by_id = {i["incident_id"]: i["label"] for i in b.incidents}
    assert by_id == {
        "L0": ROBBERY,
        "L1": ROBBERY,
        "C0": "Personal robbery",
        "T0": "Personal robbery",
    }
    html = render_briefing_html(b)
    assert f"<b>{ROBBERY}</b>" in html
    assert "<b>Personal robbery</b>" in html  # the coded one
    # its reasons say why it counts as personal robbery; the coded one's need not
    why = 'police.uk\'s "Robbery" holds personal and business robbery, not told'
    reasons = {i["incident_id"]: " ".join(i["reasons"]) for i in b.incidents}
    assert why in reasons["L0"], reasons["L0"]
    assert why not in reasons["C0"]
    assert why not in reasons["T0"]


def test_a_mapped_source_is_named_by_its_source() -> None:
    b = daily_briefing(
        _month(4, 0).with_columns(source=pl.lit("toronto-mci")),
        at=dt.datetime(2022, 2, 1, 6),
        category_names={("toronto-mci", VSO): "toronto-mci: Assault"},
    )
    assert [c["label"] for c in b.summary["by_category"]] == ["toronto-mci: Assault"]
    assert "toronto-mci: Assault (4)" in _legend(render_briefing_html(b))


def test_a_mapped_source_beside_police_uk_rows_keeps_its_own_name() -> None:
    """A store holding police.uk files and a force's own records mapped to
    police.uk's crime types: the names were keyed by label alone, so the mapped
    rows were named "police.uk: violence and sexual offences" as soon as one
    police.uk row shared their label."""
    month = pl.concat(
        [
            _month(3, 0),
            _month(2, 0).with_columns(
                source=pl.lit("toronto-mci"),
                incident_id=pl.format("T{}", pl.col("incident_id")),
            ),
        ]
    )
    names = source_category_names(month)
    assert names == {("toronto-mci", VSO): "toronto-mci: Assault"}
    b = daily_briefing(month, at=dt.datetime(2022, 2, 1, 6), category_names=names)
    counts = {c["label"]: c["n"] for c in b.summary["by_category"]}
    assert counts == {VSO: 3, "toronto-mci: Assault": 2}
    by_id = {i["incident_id"]: i["label"] for i in b.incidents}
    assert by_id["L0"] == VSO
    assert by_id["TL0"] == "toronto-mci: Assault"


def test_the_incidents_page_tally_carries_the_label() -> None:
    rows = pl.DataFrame(
        {
            "category": [None, None, "personal_robbery"],
            "label": [VSO, VSO, "personal_robbery"],
        },
        schema_overrides={"category": pl.String},
    )
    assert category_tally(rows) == [
        {"category": None, "label": VSO, "len": 2},
        {"category": "personal_robbery", "label": "personal_robbery", "len": 1},
    ]
