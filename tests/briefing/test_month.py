"""Month-precision data brief honestly (issue 12.3): the window, the sources, the trend."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from avert.access import Pseudonymiser
from avert.analyse.trend import Trend, year_on_year
from avert.briefing import daily_briefing
from avert.briefing.context import window_for
from avert.report.render import LIST_LIMITS, render_briefing_html
from avert.store import Store
from avert.workflows.briefing import run_briefing


def _month_rows(
    month: dt.datetime, n: int, *, force: str = "City of London Police", start: int = 0
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "incident_id": [
                f"{force[:3]}{month:%Y%m}-{i}" for i in range(start, start + n)
            ],
            "source": "policeuk",
            "force": force,
            "crime_type": "Violence and sexual offences",
            "occurred_from": month,
            "time_precision": "month",
            "location": [f"On or near Street {i % 7}" for i in range(n)],
            "lsoa": "E01000001",
            "lsoa_name": "City of London 001A",
            "x": [530000.0 + (i % 50) * 20 for i in range(n)],
            "y": [180000.0 + (i % 40) * 20 for i in range(n)],
        }
    )


def _classes(inc: pl.DataFrame) -> pl.DataFrame:
    return inc.select(
        "incident_id",
        pl.lit("avb-2010").alias("profile"),
        pl.lit(True).alias("in_definition"),
        pl.lit("assault_with_injury").alias("category"),
        pl.lit("vap.injury;vap.abh;a.rule.with.a.very.long.identifier").alias(
            "rule_ids"
        ),
        (pl.int_range(pl.len()) % 30 + 1).cast(pl.Float64).alias("harm_days"),
    )


def test_window_is_the_last_complete_month_before_at() -> None:
    oct_, nov = dt.datetime(2022, 10, 1), dt.datetime(2022, 11, 1)
    at = dt.datetime(2022, 11, 1, 6)
    # November's records exist, but November is not over at 06:00 on 1 November
    inc = pl.concat([_month_rows(oct_, 3), _month_rows(nov, 2)]).with_columns(
        in_definition=pl.lit(True), category=pl.lit("x"), harm_days=pl.lit(1.0)
    )
    b = daily_briefing(inc, at=at)
    assert (b.window_from, b.window_to) == (oct_, nov)
    assert b.window_to <= at
    assert any("last complete month" in n for n in b.notes)


def test_exact_time_sources_win_over_month_sources() -> None:
    month = dt.datetime(2019, 12, 1)
    # exact-time data newer than the month data: an exact window, even if empty
    w = window_for(
        dt.datetime(2030, 1, 1),
        24,
        latest_exact=dt.datetime(2025, 3, 10, 2),
        latest_month=month,
    )
    assert w[2] == "exact"
    assert w[:2] == (dt.datetime(2029, 12, 31), dt.datetime(2030, 1, 1))
    assert "latest is from 10 Mar 2025" in w[3][0]
    for latest_exact, kind in (
        # exact data covering the same month as the month data: exact wins
        (dt.datetime(2019, 12, 20), "exact"),
        # only older exact data: the month
        (dt.datetime(2019, 6, 1), "month"),
    ):
        w = window_for(
            dt.datetime(2020, 1, 10),
            24,
            latest_exact=latest_exact,
            latest_month=month,
        )
        assert w[2] == kind, latest_exact


def test_exact_window_lists_no_month_only_rows() -> None:
    at = dt.datetime(2019, 7, 1, 8)
    inc = pl.DataFrame(
        {
            "incident_id": ["exact1", "month1"],
            "occurred_from": [dt.datetime(2019, 7, 1, 2), dt.datetime(2019, 7, 1)],
            "time_precision": ["exact", "month"],
            "in_definition": [True, True],
            "category": ["assault_with_injury"] * 2,
            "harm_days": [30.0, 30.0],
        }
    )
    b = daily_briefing(inc, at=at)
    assert b.precision == "exact"
    assert [i["incident_id"] for i in b.incidents] == ["exact1"]


def test_trend_compares_like_with_like() -> None:
    feb, feb21 = dt.datetime(2022, 2, 1), dt.datetime(2021, 2, 1)
    london = _month_rows(feb, 50, force="Metropolitan Police Service")
    city = _month_rows(feb, 5)
    city_ly = _month_rows(feb21, 4)

    def february(*parts: pl.DataFrame) -> Trend:
        """The year-on-year trend of February 2022 (month data) over these rows."""
        return year_on_year(
            pl.concat(parts).with_columns(in_definition=pl.lit(True)),
            at=dt.datetime(2022, 3, 15),
            precision="month",
            window_from=feb,
            window_to=dt.datetime(2022, 3, 1),
        )

    t = february(london, city, city_ly)
    period = t["periods"][0]
    # compared on the City of London only: 5 against 4, not 55 against 4
    assert (period["count"], period["year_earlier"]) == (5, 4)
    assert period["change"] == pytest.approx(0.25)
    assert "City of London Police" in t["line"]
    # no shared source: no comparable baseline, no percentage
    t2 = february(london, city_ly)
    assert t2["periods"][0]["change"] is None
    assert "no comparable baseline" in t2["line"]
    assert "%" not in t2["line"]


def test_month_store_briefs_fields_and_caps_the_page(
    sqlite_store: Store, tmp_path: Path
) -> None:
    months = [dt.datetime(2019, m, 1) for m in (5, 6)]
    inc = pl.concat([_month_rows(m, 600, start=i * 600) for i, m in enumerate(months)])
    with sqlite_store.transaction() as tx:
        tx.append("incidents", inc)
        tx.append("classifications", _classes(inc))
    files = run_briefing(
        sqlite_store, at=dt.datetime(2019, 7, 1, 6), out_dir=tmp_path, pdf=False
    )
    data = json.loads(files.json.read_text(encoding="utf-8"))
    assert data["window"] == {
        "from": "2019-06-01T00:00:00",
        "to": "2019-07-01T00:00:00",
    }
    assert len(data["incidents"]) == 600  # the full list is in the JSON
    for item in data["incidents"]:
        assert item["crime_type"] == "Violence and sexual offences"
        assert item["location"].startswith("On or near")
        assert item["lsoa_name"] == "City of London 001A"
    html = files.html.read_text(encoding="utf-8")
    assert html.count('<tr id="incident-') == LIST_LIMITS["incidents"]
    assert "City of London 001A" in html
    assert "Violence and sexual offences" in html
    assert "June 2019" in html
    assert "are in briefing.json" in html


def test_any_window_gives_a_short_pdf(sqlite_store: Store) -> None:
    """5,000 incidents in the window still give a PDF of at most 30 pages."""
    weasyprint = pytest.importorskip("weasyprint")
    month = dt.datetime(2019, 6, 1)
    inc = _month_rows(month, 5000).with_columns(
        pl.col("x") + pl.int_range(pl.len()).cast(pl.Float64) * 37.0
    )
    b = daily_briefing(
        inc.join(_classes(inc).drop("profile"), on="incident_id"),
        at=dt.datetime(2019, 7, 2),
    )
    html = render_briefing_html(b)
    assert "<b>5,000</b>violent incidents" in html  # thousands read as such
    doc = weasyprint.HTML(string=html).render()
    assert len(doc.pages) <= 30, len(doc.pages)
    # every page after the first names the briefing and its window at its top
    heads = [
        "".join(t.text for t in _texts(m))
        for page in doc.pages[1:]
        for m in page._page_box.children
        if getattr(m, "at_keyword", "") == "@top-left"
    ]
    assert heads == ["Daily risk briefing · June 2019"] * (len(doc.pages) - 1)


def _texts(box: Any) -> Iterator[Any]:
    """The text boxes inside ``box`` (WeasyPrint's layout tree)."""
    if hasattr(box, "text"):
        yield box
    for child in getattr(box, "children", None) or []:
        yield from _texts(child)


def _violent_january() -> pl.DataFrame:
    """40 violent month-only rows of January 2022, classified."""
    return _month_rows(dt.datetime(2022, 1, 1), 40).with_columns(
        in_definition=pl.lit(True),
        category=pl.lit("assault_with_injury"),
        harm_days=pl.lit(10.0),
    )


def test_an_unfinished_month_is_neither_counted_in_days_nor_mapped() -> None:
    # a store of January 2022 (month-only, dated 1 January) briefed on 15 January:
    # January is not over, so there is no month to brief on, and its rows must not
    # count as the last 28 (or 7) days' violence or as the places of those days
    inc = _violent_january()
    for at in (dt.datetime(2022, 1, 15, 6), dt.datetime(2022, 1, 1, 12)):
        b = daily_briefing(inc, at=at)
        assert b.precision == "exact"
        assert b.incidents == ()
        # nor as 0: West Yorkshire's July 2018 on 15 July read "last 7 days 0;
        # last 28 days 0" with 10,911 July records that may fall in those days
        assert [p["count"] for p in b.trend["periods"]] == [None, None]
        assert b.trend["line"].startswith(
            "Violence: last 7 days not counted; last 28 days not counted (for both, "
            "only month-only records, without a day)"
        ), b.trend["line"]
        assert "40 month-only records" in b.trend["line"]
        assert any(
            "40 violent month-only records" in n and "brief at 2022-02-01" in n
            for n in b.notes
        ), b.notes
        assert b.places == ()


def test_the_trend_counts_every_month_only_record_whose_month_meets_the_28_days() -> (
    None
):
    """A store of a force's own records and police.uk months briefed on 3 March 2022
    counted March's month-only records as "dated in the last 28 days" and not
    February's, whose month overlaps those days too."""
    months = pl.concat(
        [
            _month_rows(dt.datetime(2022, 1, 1), 5),
            _month_rows(dt.datetime(2022, 2, 1), 30),
            _month_rows(dt.datetime(2022, 3, 1), 40),
        ]
    ).with_columns(
        in_definition=pl.lit(True),
        category=pl.lit("assault_with_injury"),
        harm_days=pl.lit(10.0),
    )
    exact = pl.DataFrame(
        {
            "incident_id": ["e1"],
            "occurred_from": [dt.datetime(2022, 3, 2, 22)],
            "time_precision": ["exact"],
            "in_definition": [True],
            "category": ["assault_with_injury"],
            "harm_days": [10.0],
        }
    )
    inc = pl.concat([months, exact], how="diagonal_relaxed")
    b = daily_briefing(inc, at=dt.datetime(2022, 3, 3, 6))
    assert b.precision == "exact"
    line = b.trend["line"]
    assert "70 month-only records (data.police.uk) of February and March 2022" in line
    assert "dated in the last 28 days" not in line


def test_a_month_brief_names_the_month_and_an_empty_previous_month() -> None:
    inc = _violent_january()
    b = daily_briefing(inc, at=dt.datetime(2022, 2, 1, 6))
    assert b.precision == "month"
    assert "previous month (December 2021): no records of any kind" in b.trend["line"]
    # the JSON says the same as the line: no count (null), not a month of 0 violence
    assert b.trend["previous_month"] is None
    assert b.places_summary is not None
    assert "January 2022's violence" in b.places_summary["line"]
    assert "last 31 days" not in b.places_summary["line"]
    assert all("in January 2022" in p["reasons"][1] for p in b.places)


def test_a_mixed_store_says_month_rows_are_left_out_without_a_date_to_wait_for() -> (
    None
):
    # exact records of one source go on through January; police.uk's January rows
    # are month-only: the briefing stays on the exact days, so "brief on 1 February
    # for January as a whole" would be false advice
    exact = pl.DataFrame(
        {
            "incident_id": ["e1", "e2"],
            "occurred_from": [dt.datetime(2022, 1, 10), dt.datetime(2022, 1, 14, 23)],
            "time_precision": ["exact", "exact"],
            "in_definition": [True, True],
            "category": ["assault_with_injury"] * 2,
            "harm_days": [10.0, 10.0],
        }
    )
    inc = pl.concat([_violent_january(), exact], how="diagonal_relaxed")
    b = daily_briefing(inc, at=dt.datetime(2022, 1, 15, 6))
    assert b.precision == "exact"
    [note] = [n for n in b.notes if "40 violent month-only records" in n]
    assert "brief at" not in note
    assert "sources with times" in note


def test_a_month_brief_leaves_a_stray_300_km_away_out_of_its_map_with_a_note() -> None:
    """A police.uk month with one place mis-geocoded 300 km away (inside the CRS's
    area): the hotspot map of the month covers the rest and the brief says so."""
    inc = _violent_january()
    stray = inc.head(1).with_columns(
        incident_id=pl.lit("stray"), x=pl.lit(230_000.0), y=pl.lit(60_000.0)
    )
    at = dt.datetime(2022, 2, 1, 6)
    alone = daily_briefing(inc, at=at)
    b = daily_briefing(pl.concat([inc, stray]), at=at)
    assert [p["cell_id"] for p in b.places] == [p["cell_id"] for p in alone.places]
    (note,) = [n for n in b.notes if n.startswith("Left out of the hotspot map")]
    assert note.startswith("Left out of the hotspot map: 1 of 41 located events")
    assert "first at x 230000, y 60000)" in note
    assert not [n for n in alone.notes if n.startswith("Left out")]


@pytest.mark.parametrize("day", [dt.date(2026, 3, 29), dt.date(2026, 10, 25)])
def test_the_window_is_wall_clock_on_the_mornings_the_clocks_change(
    day: dt.date,
) -> None:
    """docs/briefing.md: 24 hours before 08:00 start at 08:00 the day before (23 or
    25 elapsed hours in London): since the last meeting, as the meeting reads it."""
    at = dt.datetime.combine(day, dt.time(8))
    start, end, precision, _ = window_for(
        at, 24, latest_exact=at - dt.timedelta(hours=1), latest_month=None
    )
    assert (start, end, precision) == (at - dt.timedelta(days=1), at, "exact")


def test_a_cut_through_tied_harm_is_said(sqlite_store: Store) -> None:
    """police.uk robberies all weigh 365 days: the 40 listed of West Yorkshire's 327
    tied robberies were read as the 40 worst; the page says they tie."""
    month = dt.datetime(2019, 6, 1)
    inc = _month_rows(month, 100)
    classes = _classes(inc).with_columns(
        harm_days=pl.when(pl.int_range(pl.len()) < 70)
        .then(365.0)
        .otherwise(pl.col("harm_days"))
    )
    b = daily_briefing(
        inc.join(classes.drop("profile"), on="incident_id"),
        at=dt.datetime(2019, 7, 2),
    )
    html = render_briefing_html(b)
    limit = LIST_LIMITS["incidents"]
    assert (
        f"70 incidents share the last listed harm (365 days) and {limit} of them "
        "are listed" in " ".join(html.split())
    )
    # no tie at the cut: no sentence
    few = daily_briefing(
        inc.join(_classes(inc).drop("profile"), on="incident_id").head(30),
        at=dt.datetime(2019, 7, 2),
    )
    assert "share the last listed harm" not in render_briefing_html(few)


@pytest.mark.parametrize("audience", ["police", "partner"])
def test_the_briefing_does_not_depend_on_the_order_of_its_rows(audience: str) -> None:
    """The same records in another order give the same briefing, byte for byte.

    SQLite and PostgreSQL return rows with equal times (every month-only record of a
    month) in different orders: the map points, the places' scores and the harm
    totals (float sums) must not follow that order.
    """
    month = dt.datetime(2019, 2, 1)
    inc = _month_rows(month, 80).with_columns(
        in_definition=pl.lit(True),
        category=pl.lit("x"),
        harm_days=pl.int_range(pl.len()).cast(pl.Float64) * 0.1 + 1 / 3,
    )
    at = dt.datetime(2019, 3, 15)

    def brief(frame: pl.DataFrame) -> str:
        b = daily_briefing(
            frame,
            at=at,
            hours=720,
            audience=audience,
            pseudonymiser=Pseudonymiser("test-key") if audience == "partner" else None,
        )
        return json.dumps(b.to_json(), sort_keys=True)

    first = brief(inc)
    for seed in range(3):
        assert brief(inc.sample(fraction=1.0, shuffle=True, seed=seed)) == first
    assert brief(inc.reverse()) == first


def test_a_running_month_of_police_uk_is_not_called_a_lagging_feed() -> None:
    """A store of July's months briefed on 16 July: July's records are dated 1 July
    but run through the window. "The latest record is at 2018-07-01 00:00, 366 hours
    before the window's end ... (is the feed up to date?)" was untrue; the same
    records with exact times do lag, and are still said to."""
    inc = _violent_january()
    at = dt.datetime(2022, 1, 16, 6)
    running = daily_briefing(inc, at=at)
    assert not any("The latest record is at" in n for n in running.notes)
    exact = inc.with_columns(time_precision=pl.lit("exact"))
    stale = daily_briefing(exact, at=at)
    assert any("The latest record is at" in n for n in stale.notes), stale.notes


def test_the_map_legend_names_violence_in_no_single_category() -> None:
    """police.uk "violence and sexual offences" rows are in the definition in no
    single category: the map's legend said "None (125)" (City of London, November
    2019); it names them by their crime type, as the incident list does."""
    inc = _month_rows(dt.datetime(2019, 11, 1), 5).with_columns(
        in_definition=pl.lit(True),
        category=pl.lit(None, dtype=pl.String),
        harm_days=pl.lit(119.0),
    )
    b = daily_briefing(inc, at=dt.datetime(2019, 12, 1, 6))
    assert b.precision == "month"
    html = render_briefing_html(b)
    legend = html[html.index("dots: incidents in the window by category") :]
    legend = legend[: legend.index("</div>")]
    assert "None" not in legend
    assert "police.uk: violence and sexual offences (5)" in legend


def test_the_map_dots_and_title_name_what_a_month_map_shows() -> None:
    """West Yorkshire, July 2018: every dot of a police.uk violence and sexual
    offence had the tooltip "<id> None" (the legend beside it named them), a
    robbery's read "personal_robbery", and the map of the month's in-sample
    hotspots was titled "Places for the next 24 hours from 01 Aug 2018 08:00"
    under a heading saying where the window's violence concentrated."""
    inc = pl.concat(
        [
            _month_rows(dt.datetime(2018, 7, 1), 5).with_columns(
                in_definition=pl.lit(True),
                category=pl.lit(None, dtype=pl.String),
                harm_days=pl.lit(119.0),
            ),
            _month_rows(dt.datetime(2018, 7, 1), 2, start=5).with_columns(
                crime_type=pl.lit("Robbery"),
                in_definition=pl.lit(True),
                category=pl.lit("personal_robbery"),
                harm_days=pl.lit(365.0),
            ),
        ]
    )
    b = daily_briefing(inc, at=dt.datetime(2018, 8, 1, 8))
    assert b.precision == "month"
    svg = render_briefing_html(b)
    dots = re.findall(r"<circle [^>]*><title>([^<]*)</title>", svg)
    assert len(dots) == 7, dots
    assert not any("None" in d or "_" in d for d in dots), dots
    assert (
        sum(d.endswith(" police.uk: violence and sexual offences") for d in dots) == 5
    )
    # police.uk's robbery holds business robbery too: named as police.uk's
    assert (
        sum(d.endswith(" police.uk: robbery (personal and business)") for d in dots)
        == 2
    )
    assert "Places for the next" not in svg
    assert "<title>Places where violence concentrated in July 2018</title>" in svg


def test_a_month_brief_does_not_count_people_it_cannot_see() -> None:
    """Month data name no one: the people tiles and sections say they are not in
    the data, not "0" and "No repeat victim was hit again", which read as findings
    (a London month's briefing: "0 repeat victims hit again")."""
    inc = _violent_january()
    b = daily_briefing(inc, at=dt.datetime(2022, 2, 3, 6))
    assert b.precision == "month"
    html = render_briefing_html(b)
    assert "No repeat victim was hit again" not in html
    assert "No suspects or offenders are linked" not in html
    assert "<b>0</b>repeat victims hit again" not in html
    assert "<b>–</b>people of concern" in html
    assert html.count("Not shown: month-precision data") == 6
    # an exact-time briefing still counts its zeros
    exact = render_briefing_html(
        daily_briefing(inc.head(0), at=dt.datetime(2022, 2, 3, 6))
    )
    assert "<b>0</b>repeat victims hit again" in exact
    assert "No repeat victim was hit again" in exact


def test_a_month_brief_s_json_gives_counts_it_cannot_see_as_null() -> None:
    """briefing.json gave a month's retaliation alerts, repeat victims, people of
    concern and intelligence as 0 (a finding: "no retaliation") where the PDF and
    HTML show "–" (London, 2022-03): they are null, each with why, and the page
    read from that JSON still shows "–" with the reason."""
    inc = _violent_january()
    b = daily_briefing(inc, at=dt.datetime(2022, 2, 3, 6))
    summary = b.to_json()["summary"]
    unknown = (
        "n_retaliation",
        "n_retaliation_strong",
        "n_repeat_victims",
        "n_asb_callers",
        "n_asb_escalating",
        "n_people",
        "n_people_linked",
        "n_intelligence",
    )
    assert {k: summary[k] for k in unknown} == dict.fromkeys(unknown)
    assert summary["not_computable"] == dict.fromkeys(
        unknown, "not in month-precision data"
    )
    assert summary["n_incidents"] == inc.height  # counted: not null
    assert summary["n_actions_due"] == 0  # the plan is not month data
    html = render_briefing_html(b)
    assert "<b>–</b>retaliation alerts <small>(not in month-precision data)" in html
    assert "<b>–</b>intelligence reports" in html
    # an exact-time briefing's zeros are findings and stay 0
    exact = daily_briefing(inc.head(0), at=dt.datetime(2022, 2, 3, 6)).to_json()
    assert exact["summary"]["n_repeat_victims"] == 0
    # a store without intelligence: its 0 is none held, not none found; without
    # groups no retaliation alert can be raised (tests/briefing/test_retaliation_json.py)
    assert exact["summary"]["not_computable"] == {
        "n_intelligence": "the store holds none",
        "n_retaliation": "no groups recorded",
        "n_retaliation_strong": "no groups recorded",
    }


def test_the_places_line_writes_thousands_as_the_briefing_does() -> None:
    """London's March 2022 read "(24333 incidents with a place)" beside "24,333"."""
    inc = _month_rows(dt.datetime(2022, 1, 1), 1200)
    b = daily_briefing(
        inc.join(_classes(inc).drop("profile"), on="incident_id"),
        at=dt.datetime(2022, 2, 3, 6),
    )
    assert b.places_summary is not None
    assert "(1,200 incidents with a place)" in b.places_summary["line"]


def test_a_month_s_kde_scores_say_they_are_not_comparable_across_months() -> None:
    """London's February 2022 top cell read "KDE score 2684.9": weighted incidents
    per km² whose recency weight depends on the month's length (every record is
    dated the 1st), read as comparable with January's; the line says it is not."""
    inc = _month_rows(dt.datetime(2022, 1, 1), 1200)
    b = daily_briefing(
        inc.join(_classes(inc).drop("profile"), on="incident_id"),
        at=dt.datetime(2022, 2, 3, 6),
    )
    assert b.places_summary is not None
    line = b.places_summary["line"]
    assert "weighted incidents per km²" in line
    assert "not comparable across months" in line
    assert "KDE score " in b.places[0]["reasons"][0]


def test_a_month_brief_says_its_harm_is_each_category_s_expectation() -> None:
    """police.uk records carry their category's expected harm: a London month
    listed 40 of 1,982 robberies (365 days each) as its "highest-harm" incidents,
    above every violence and sexual offence (119.3), without saying that the order
    ranks categories, not incidents."""
    inc = _month_rows(dt.datetime(2022, 1, 1), 6).with_columns(
        in_definition=pl.lit(True),
        category=pl.Series([None] * 4 + ["personal_robbery", None]),
        crime_type=pl.Series(["Violence and sexual offences"] * 4 + ["Robbery", "X"]),
        harm_days=pl.Series([119.3036] * 4 + [365.0, 5.0]),
        harm_source=pl.Series(
            ["expected:violence and sexual offences"] * 4
            + ["expected:robbery", "cchi:8N"]
        ),
    )
    b = daily_briefing(inc, at=dt.datetime(2022, 2, 1, 6))
    assert b.precision == "month"
    (note,) = [n for n in b.notes if "expected weight" in n]
    assert note.startswith("Harm of 5 of 6 incidents of the window")
    assert "(robbery 365.0 days; violence and sexual offences 119.3 days)" in note
    assert "ranks categories, not incidents" in note
    assert "ranks categories" in render_briefing_html(b)
    # records with a harm of their own: no such note
    own = daily_briefing(
        inc.with_columns(harm_source=pl.lit("cchi:8N")), at=dt.datetime(2022, 2, 1, 6)
    )
    assert not [n for n in own.notes if "expected weight" in n]


def test_expected_harm_of_mapped_data_names_the_mapping_not_police_uk() -> None:
    """The Toronto store (``ingest table --mapping toronto-mci``) said its harm was
    the expected weight of each record's "police.uk category": the data are not
    police.uk; the weights are the mapping's categories, each weighted as the
    data.police.uk category it maps to."""
    inc = _month_rows(dt.datetime(2022, 1, 1), 3).with_columns(
        source=pl.lit("toronto-mci"),
        in_definition=pl.lit(True),
        category=pl.Series([None, None, "personal_robbery"]),
        crime_type=pl.Series(["Violence and sexual offences"] * 2 + ["Robbery"]),
        harm_days=pl.Series([119.3036] * 2 + [365.0]),
        harm_source=pl.Series(
            ["expected:violence and sexual offences"] * 2 + ["expected:robbery"]
        ),
    )
    b = daily_briefing(inc, at=dt.datetime(2022, 2, 1, 6))
    (note,) = [n for n in b.notes if "expected weight" in n]
    assert "police.uk category (" not in note, note
    assert (
        "expected weight of their category under the toronto-mci mapping, each "
        "weighted as the data.police.uk category it maps to (robbery 365.0 days"
    ) in note, note


def test_the_map_of_expected_harm_samples_the_categories_in_proportion() -> None:
    """A London month's map drew 400 of 1,982 robberies (365 days each) and none
    of 19,573 violence and sexual offences (119.3) as "the 400 highest-harm": with
    harm a category's expected weight, the map draws each category in proportion,
    the same sample every time, and says so."""
    n_vso, n_rob = 900, 100
    inc = _month_rows(dt.datetime(2022, 1, 1), n_vso + n_rob).with_columns(
        in_definition=pl.lit(True),
        category=pl.Series([None] * n_vso + ["personal_robbery"] * n_rob),
        harm_days=pl.Series([119.3036] * n_vso + [365.0] * n_rob),
        harm_source=pl.Series(
            ["expected:violence and sexual offences"] * n_vso
            + ["expected:robbery"] * n_rob
        ),
    )
    at = dt.datetime(2022, 2, 1, 6)
    b = daily_briefing(inc, at=at)
    html = render_briefing_html(b)
    legend = html[html.index("dots: incidents in the window by category") :]
    legend = legend[: legend.index("</div>")]
    assert "police.uk: violence and sexual offences (360)" in legend
    assert "(40)" in legend
    assert "highest-harm of 1,000" not in html
    assert "a sample with each category in proportion" in html
    assert render_briefing_html(daily_briefing(inc, at=at)) == html
    # harm of each record's own: the highest-harm are drawn, as before
    own = daily_briefing(inc.with_columns(harm_source=pl.lit("cchi:8N")), at=at)
    own_html = render_briefing_html(own)
    assert "The map shows the 400 highest-harm of 1,000 incidents" in own_html
    assert "(100)" in own_html


def test_an_unfinished_police_uk_month_is_no_finding_of_no_violence() -> None:
    """West Yorkshire's July 2018 (police.uk) briefed on 15 July showed "0 violent
    incidents", "0 harm days" and "No violent incidents recorded in the window":
    its 10,911 July records may fall in those 24 hours, but have no day."""
    inc = _violent_january()
    b = daily_briefing(inc, at=dt.datetime(2022, 1, 15, 6))
    assert b.precision == "exact"
    assert b.incidents == ()
    assert b.incidents_not_shown is not None
    assert "40 violent month-only records" in b.incidents_not_shown
    html = render_briefing_html(b)
    assert "<b>0</b>violent incidents" not in html
    assert "<b>0</b>harm days" not in html
    assert "No violent incidents recorded in the window" not in html
    assert "day unknown in month-precision data" in html
    assert "of January 2022 may fall in this window" in html
    # exact records of that month go on: the exact window's count is a finding
    exact = pl.DataFrame(
        {
            "incident_id": ["e1"],
            "occurred_from": [dt.datetime(2022, 1, 10)],
            "time_precision": ["exact"],
            "in_definition": [True],
            "category": ["assault_with_injury"],
            "harm_days": [10.0],
        }
    )
    mixed = daily_briefing(
        pl.concat([inc, exact], how="diagonal_relaxed"),
        at=dt.datetime(2022, 1, 15, 6),
    )
    assert mixed.incidents_not_shown is None
    assert "No violent incidents recorded in the window" in render_briefing_html(mixed)


def test_an_unfinished_police_uk_month_s_json_gives_its_counts_as_null() -> None:
    """West Yorkshire's July 2018 briefed on Leeds at 06:00 on 15 July: the
    tiles and the command line read "–" (day unknown), but briefing.json gave
    ``n_incidents`` 0 and ``harm_days`` 0.0 with no word in ``not_computable``,
    "no violence" to any reader of the JSON or the API."""
    inc = _violent_january()
    b = daily_briefing(inc, at=dt.datetime(2022, 1, 15, 6))
    summary = b.to_json()["summary"]
    assert summary["n_incidents"] is None
    assert summary["harm_days"] is None
    why = summary["not_computable"]["n_incidents"]
    assert "40 violent month-only records" in why
    assert summary["not_computable"]["harm_days"] == why


def test_a_month_brief_is_titled_by_its_month_not_a_day() -> None:
    """London's February 2022 briefing was titled "Daily risk briefing — 01 Mar 2022
    00:00" (the browser tab and the PDF's title): a month shown as a day."""
    b = daily_briefing(_violent_january(), at=dt.datetime(2022, 2, 1, 6))
    assert b.precision == "month"
    html = render_briefing_html(b)
    assert "<title>Daily risk briefing — January 2022</title>" in html
    exact = render_briefing_html(
        daily_briefing(_violent_january().head(0), at=dt.datetime(2022, 2, 3, 6))
    )
    assert "<title>Daily risk briefing — 03 Feb 2022 06:00</title>" in exact


def test_flags_a_source_does_not_record_are_null_not_no() -> None:
    """Every police.uk incident of a briefing's JSON read "weapon": "none",
    "domestic": false: police.uk records neither, so they are unknown (null)."""
    inc = _violent_january().with_columns(
        weapon=pl.Series([None] * 39 + ["knife"], dtype=pl.String),
        domestic=pl.Series([None] * 39 + [True], dtype=pl.Boolean),
        hate=pl.lit(None, pl.String),
        gang_related=pl.lit(None, pl.Boolean),
        injury=pl.lit(None, pl.String),
    )
    b = daily_briefing(inc, at=dt.datetime(2022, 2, 1, 6))
    items = {i["incident_id"]: i for i in b.to_json()["incidents"]}
    unknown = items["Cit202201-0"]
    assert [unknown[k] for k in ("weapon", "domestic", "hate", "gang_related")] == [
        None
    ] * 4
    assert unknown["injury"] is None
    known = items["Cit202201-39"]
    assert (known["weapon"], known["domestic"]) == ("knife", True)
    assert "weapon: knife" in known["reasons"]
    assert "domestic abuse" in known["reasons"]
    html = render_briefing_html(b)
    assert (
        "None" not in html.split('<section id="incidents">')[1].split("</section>")[0]
    )


def test_a_month_brief_names_its_month_in_the_trend_not_this_month() -> None:
    """London briefed on 15 March 2022 briefs February, but its trend line read
    "Violence: this month 21,961; previous month 22,571": March so far, to the
    chair. The months are named."""
    jan = _violent_january()
    feb = _month_rows(dt.datetime(2022, 2, 1), 30, start=100).with_columns(
        in_definition=pl.lit(True),
        category=pl.lit("assault_with_injury"),
        harm_days=pl.lit(10.0),
    )
    b = daily_briefing(pl.concat([jan, feb]), at=dt.datetime(2022, 3, 15, 8))
    assert b.precision == "month"
    line = b.trend["line"]
    assert line.startswith("Violence: February 2022 30 ("), line
    assert "previous month (January 2022) 40" in line
    assert "this month" not in line
    assert b.trend["periods"][0]["period"] == "February 2022"


def test_an_unfinished_month_s_places_note_does_not_say_there_is_no_violence() -> None:
    """West Yorkshire's July 2018 briefed on 16 July said "No violent incident with
    a place in the last 28 days: no top cells" beside "10,911 violent month-only
    records of July 2018 are not listed, mapped or counted": 10,524 of them have a
    place. The places note says what is missing is a day."""
    b = daily_briefing(_violent_january(), at=dt.datetime(2022, 1, 15, 6))
    assert b.places == ()
    assert not any(n.startswith("No violent incident with a place") for n in b.notes)
    assert any(
        n.startswith("No violent incident with a known day and a place in the last 28")
        and "40 month-only records" in n
        for n in b.notes
    ), b.notes


def test_the_map_draws_its_sample_from_the_incidents_in_its_frame() -> None:
    """A force-wide month's map is framed on its top cells (1.5 km around), but
    its 400 dots were sampled from the whole force: London's March 2022 drew 25 of
    them in the frame, around a top cell that alone held 53 incidents, so the map
    showed little violence where most was. The sample is now drawn from the
    incidents in the frame, and the caption says how many those are."""
    n_near, n_far = 600, 3000
    near = _month_rows(dt.datetime(2022, 1, 1), n_near)  # 1 km x 0.8 km
    far = _month_rows(dt.datetime(2022, 1, 1), n_far, start=n_near).with_columns(
        x=pl.Series([560_000.0 + (i % 60) * 1000 for i in range(n_far)]),
        y=pl.Series([150_000.0 + (i // 60) * 1000 for i in range(n_far)]),
    )
    inc = pl.concat([near, far]).with_columns(
        in_definition=pl.lit(True),
        category=pl.lit(None, pl.String),
        harm_days=pl.lit(119.3036),
        harm_source=pl.lit("expected:violence and sexual offences"),
    )
    b = daily_briefing(inc, at=dt.datetime(2022, 2, 1, 6))
    html = render_briefing_html(b)
    assert (
        "The map shows 400 of the 600 incidents in its frame (3,600 in the window)"
        in html
    )
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count("<circle") >= 400


@pytest.mark.parametrize("day", [16, 29, 31])
def test_the_last_days_of_a_running_month_read_its_month_only_records(
    sqlite_store: Store, tmp_path: Path, day: int
) -> None:
    """West Yorkshire's July 2018 (police.uk, 10,911 violent records) briefed from
    the store on 29, 30 or 31 July read "0 violent incidents" and "Violence: last 7
    days 0; last 28 days 0": the records are dated 1 July, more than the 28 days
    before the window the store was read for, so the briefing never saw them (on
    16 July it did, and said their day is unknown)."""
    inc = _month_rows(dt.datetime(2019, 5, 1), 40)
    with sqlite_store.transaction() as tx:
        tx.append("incidents", inc)
        tx.append("classifications", _classes(inc))
    files = run_briefing(
        sqlite_store, at=dt.datetime(2019, 5, day, 6), out_dir=tmp_path, pdf=False
    )
    data = json.loads(files.json.read_text(encoding="utf-8"))
    assert data["precision"] == "exact"
    assert any(
        n.startswith("40 violent month-only records (data.police.uk) of May 2019")
        for n in data["notes"]
    ), data["notes"]
    assert "last 28 days 0" not in data["trend"]["line"]
    assert "last 28 days not counted" in data["trend"]["line"]
    html = files.html.read_text(encoding="utf-8")
    assert "<b>0</b>violent incidents" not in html
    assert "No violent incidents recorded in the window" not in html


def test_the_store_read_names_the_month_before_whose_records_meet_the_28_days(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A force's own records and police.uk months briefed from the store on 3 March
    2022 said "40 month-only records ... of March 2022" not counted: February's 30,
    whose month overlaps the last 28 days too (and which the briefing of the whole
    frame names), are dated 1 February, before the 28 days the store was read for."""
    months = pl.concat(
        [
            _month_rows(dt.datetime(2022, 1, 1), 5),
            _month_rows(dt.datetime(2022, 2, 1), 30),
            _month_rows(dt.datetime(2022, 3, 1), 40),
        ]
    )
    exact = _month_rows(dt.datetime(2022, 3, 2, 22), 1, force="Own").with_columns(
        source=pl.lit("own"), time_precision=pl.lit("exact")
    )
    inc = pl.concat([months, exact])
    with sqlite_store.transaction() as tx:
        tx.append("incidents", inc)
        tx.append("classifications", _classes(inc))
    files = run_briefing(
        sqlite_store, at=dt.datetime(2022, 3, 3, 6), out_dir=tmp_path, pdf=False
    )
    data = json.loads(files.json.read_text(encoding="utf-8"))
    assert data["precision"] == "exact"
    line = data["trend"]["line"]
    assert "70 month-only records (data.police.uk) of February and March 2022" in line


def test_one_record_of_the_running_month_is_named_in_the_singular() -> None:
    """The note said "1 violent month-only records (data.police.uk) of May 2019
    are not listed, mapped or counted: their day is unknown"."""
    inc = _month_rows(dt.datetime(2019, 5, 1), 1).with_columns(
        in_definition=pl.lit(True), category=pl.lit("x"), harm_days=pl.lit(1.0)
    )
    notes = daily_briefing(inc, at=dt.datetime(2019, 5, 16, 6)).notes
    assert any(
        n.startswith(
            "1 violent month-only record (data.police.uk) of May 2019 is not "
            "listed, mapped or counted: its day is unknown"
        )
        for n in notes
    ), notes


def test_a_month_brief_says_why_it_lists_no_escalating_asb() -> None:
    """London's March 2022 briefing (data.police.uk, months only) read "–
    escalating ASB reports (not in month-precision data)" in its tile and "No ASB
    report of the window escalates under the definition's ASB bridge" in the
    section below it: a finding the tile says it cannot make. The section now says
    why, as the tile does and the other people sections do."""
    inc = _violent_january()
    html = render_briefing_html(daily_briefing(inc, at=dt.datetime(2022, 2, 3, 6)))
    assert "<b>–</b>escalating ASB reports" in html
    section = html.split('id="asb-escalating"', 1)[1].split("</section>", 1)[0]
    assert "No ASB report of the window escalates" not in section
    assert "Not shown: month-precision data" in section
    exact = render_briefing_html(
        daily_briefing(inc.head(0), at=dt.datetime(2022, 2, 3, 6))
    )
    assert "No ASB report of the window escalates" in exact
