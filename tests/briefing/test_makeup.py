"""The make-up of each list of people in the briefing (JSON, HTML), police and partner."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import polars as pl

from avert.access import Pseudonymiser
from avert.briefing import daily_briefing
from avert.briefing.makeup import make_up
from avert.report.render import render_briefing_html

AT = dt.datetime(2026, 3, 2, 8, 0)
N = 24  # offenders in the window; every third is a woman, every fourth is Black


def _frames() -> tuple[pl.DataFrame, pl.DataFrame, dict[str, pl.DataFrame]]:
    incidents = pl.DataFrame(
        {
            "incident_id": [f"I{i}" for i in range(N)],
            "occurred_from": [AT - dt.timedelta(hours=1 + i % 20) for i in range(N)],
            "in_definition": [True] * N,
            "category": ["assault_with_injury"] * N,
            "harm_days": [float(10 + i) for i in range(N)],
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": [f"I{i}" for i in range(N)] * 2,
            "person_id": [f"O{i:02d}" for i in range(N)]
            + [f"V{i % 6}" for i in range(N)],
            "role": ["offender"] * N + ["victim"] * N,
        }
    )
    people = pl.DataFrame(
        {
            "person_id": [f"O{i:02d}" for i in range(N)] + [f"V{i}" for i in range(6)],
            "sex": ["F" if i % 3 == 0 else "M" for i in range(N)] + ["F"] * 6,
            "birth_year": [2026 - 16 - i for i in range(N)] + [1990] * 6,
            "ethnicity": ["Black" if i % 4 == 0 else "White" for i in range(N)]
            + ["White"] * 6,
        }
    )
    residents = pl.DataFrame(
        {
            "dimension": ["sex", "sex", "ethnicity", "ethnicity"],
            "category": ["M", "F", "White", "Black"],
            "population": [4900, 5100, 9000, 1000],
        }
    )
    return incidents, involvements, {"people": people, "residents": residents}


def test_briefing_json_has_the_make_up_of_people_of_concern() -> None:
    incidents, involvements, tables = _frames()
    b = daily_briefing(incidents, involvements, at=AT, tables=tables)
    data = b.to_json()
    made = data["make_up"]["people"]
    listed = [p["person_id"] for p in data["people"]]
    assert made["n"] == len(listed) == 10
    assert made["n_pool"] == N
    assert made["residents"] is True
    people = tables["people"].filter(pl.col("person_id").is_in(listed))
    expected = Counter(people["sex"].to_list())
    got = {
        r["category"]: r["listed"]
        for r in made["rows"]
        if r["dimension"] == "sex" and r["listed"]
    }
    assert got == dict(expected)
    black = next(r for r in made["rows"] if r["category"] == "Black")
    n_black = people.filter(pl.col("ethnicity") == "Black").height
    assert black["listed"] == n_black
    assert black["pool"] == N // 4
    assert black["per_1000_residents"] == n_black / 1000 * 1000
    # repeat victims: their own pool, the window's victims
    assert data["make_up"]["repeat_victims"]["n_pool"] == 6
    html = render_briefing_html(b, data=data)
    assert 'id="makeup-people"' in html
    assert 'id="makeup-repeat-victims"' in html
    assert html.index('id="people"') < html.index('id="makeup-people"')


def test_partner_briefing_make_up_withholds_small_cells() -> None:
    incidents, involvements, tables = _frames()
    b = daily_briefing(
        incidents,
        involvements,
        at=AT,
        tables=tables,
        audience="partner",
        pseudonymiser=Pseudonymiser("test-key"),
    )
    data = b.to_json()
    made = data["make_up"]["people"]
    assert made["disclosure"]
    assert "[c]" in made["disclosure"]
    for row in made["rows"]:
        assert row["listed"] in (None, 0) or row["listed"] >= 5
    assert any(row["listed_withheld"] for row in made["rows"])
    html = render_briefing_html(b, data=data)
    assert "[c]" in html
    for pid in tables["people"]["person_id"]:
        assert f">{pid}<" not in html


def test_listed_people_outside_the_pool_are_counted_and_said() -> None:
    people = pl.DataFrame(
        {
            "person_id": ["a", "b", "c"],
            "sex": ["M", "F", "M"],
            "birth_year": [2000, 2000, 2000],
            "ethnicity": ["White", "White", "Asian"],
        }
    )
    made = make_up(
        ["a", "c"],
        ["a", "b"],
        people,
        at_year=2026,
        key="group_members",
        label="members",
        pool_label="offenders",
    )
    assert made["n"] == 2
    assert made["added_to_pool"] == 1
    assert made["n_pool"] == 2
    sex = {r["category"]: r for r in made["rows"] if r["dimension"] == "sex"}
    assert {k: (r["listed"], r["pool"]) for k, r in sex.items()} == {
        "F": (0, 1),
        "M": (2, 1),
    }
    asian = next(r for r in made["rows"] if r["category"] == "Asian")
    assert (asian["listed"], asian["pool"], asian["share_listed"]) == (1, 0, 0.5)
    # not drawn from the pool: no listing-rate ratio
    assert all(r["ratio"] is None for r in made["rows"])
    assert any("not among the offenders" in n for n in made["notes"])
    assert any("Residents" in n for n in made["notes"])


def test_partner_make_up_gives_no_ratio_to_a_withheld_reference() -> None:
    """A ratio shown beside its own counts would give a withheld reference back."""
    people = pl.DataFrame(
        {
            "person_id": [f"P{i:02d}" for i in range(76)],
            "sex": ["M"] * 76,
            "birth_year": [1990] * 76,
            "ethnicity": ["White"] * 6 + ["Black"] * 40 + ["Asian"] * 30,
        }
    )
    # listed: 3 of the 6 White (withheld), 20 of the 40 Black, 10 of the 30 Asian
    listed = [f"P{i:02d}" for i in [*range(3), *range(6, 26), *range(46, 56)]]
    residents = pl.DataFrame(
        {
            "dimension": ["ethnicity"] * 3,
            "category": ["White", "Black", "Asian"],
            "population": [100_000, 8_000, 9_000],
        }
    )

    def made_for(audience: str) -> dict[str, Any]:
        return make_up(
            listed,
            people["person_id"],
            people,
            at_year=2026,
            key="people",
            label="people",
            pool_label="pool",
            audience=audience,  # type: ignore[arg-type]
            residents=residents,
        )

    made = made_for("partner")
    rows = {r["category"]: r for r in made["rows"] if r["dimension"] == "ethnicity"}
    assert rows["White"]["listed"] is None
    black = rows["Black"]
    assert black["listed"] == 20
    # (20/40) / (c/6) and (20/8000) / (c/100000) would give c = 3
    relative = [c for c in black if c.startswith(("ratio", "ci_", "significantly"))]
    assert len(relative) == 7
    for col in relative:
        assert black[col] is None, col
    # the exact conditional lower end is a ratio to the reference too
    assert black["exact_ci_low"] is None
    # the police see them
    police = made_for("police")
    shown = next(r for r in police["rows"] if r["category"] == "Black")
    assert shown["ratio"] == 1.0
    assert shown["exact_ci_low"] is not None


def test_partner_make_up_of_one_sex_does_not_say_so() -> None:
    """A list and pool of four men, all 30 and White: each breakdown had one row,
    withheld, beside the list's size (4), so a partner still read "all four are
    men, aged 25-34, White". Every breakdown now carries its standard categories,
    and the rule withholds a zero beside the one small count."""
    people = pl.DataFrame(
        {
            "person_id": ["a", "b", "c", "d"],
            "sex": ["M"] * 4,
            "birth_year": [1996] * 4,
            "ethnicity": ["White"] * 4,
        }
    )

    def made_for(audience: str) -> dict[str, Any]:
        ids = ["a", "b", "c", "d"]
        return make_up(
            ids,
            ids,
            people,
            at_year=2026,
            key="people",
            label="people",
            pool_label="offenders",
            audience=audience,  # type: ignore[arg-type]
        )

    made = made_for("partner")
    assert made["n"] == 4
    for dim in ("sex", "age_band", "ethnicity"):
        rows = [r for r in made["rows"] if r["dimension"] == dim]
        withheld = [r["category"] for r in rows if r["listed_withheld"]]
        assert len(withheld) >= 2, (dim, withheld)
        shown = [r["listed"] for r in rows if not r["listed_withheld"]]
        assert all(n == 0 for n in shown), (dim, rows)
    # the police see the breakdown as it is, no added zero rows
    police = made_for("police")
    assert [r["category"] for r in police["rows"] if r["dimension"] == "sex"] == ["M"]


def test_make_up_interval_ends_keep_their_side_of_one() -> None:
    """A ratio flagged above 1 whose interval starts at 1.0031 printed "(1.00-2.30)",
    as if it reached no change; the end prints with the decimals that keep its side
    (as the board's intervals, ``interval_end_text``)."""
    from avert.report.render import environment

    macro = environment().from_string(
        "{% import '_macros.html' as m %}"
        "{{ m.interval(r, 'ratio', 'ci_low', 'ci_high', False) }}"
    )
    shown = macro.render(r={"ratio": 1.52, "ci_low": 1.0031, "ci_high": 2.3})
    assert "(1.003–2.30)" in shown
    below = macro.render(r={"ratio": 0.61, "ci_low": 0.3, "ci_high": 0.9996})
    assert "(0.30–0.9996)" in below
    missing = macro.render(r={"ratio": 1.2, "ci_low": None, "ci_high": None})
    assert "(–––)" in missing
