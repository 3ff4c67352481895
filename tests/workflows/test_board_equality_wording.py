"""The board pack's and the Equality page's equality section, read as an analyst
reads it: the period of its rates said, and a flag not placed "in" the force."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from test_force_areas import _humberside_and_london
from typer.testing import CliRunner

from avert.cli import app
from avert.report.render import render_html
from avert.store import Store
from avert.workflows.board import board_statistics


def _section(store: Store, tmp_path: Path) -> str:
    _humberside_and_london(store, tmp_path)
    stats = board_statistics(
        store, end=dt.date(2019, 1, 31), force="humberside", performance=False
    )
    assert stats["equality"]["available"], stats["equality"]["note"]
    return " ".join(render_html("_board_equality.html", stats=stats).split())


def test_the_rates_say_their_period(sqlite_store: Store, tmp_path: Path) -> None:
    """ "The rates are per 1,000 residents of all ages" with no period: a board
    member could read South Yorkshire's 21.47 Black searches per 1,000 as a rate
    per year or per month; they are the 12 months' searches. Here the store holds
    January 2019 alone of the 12 months: the rates are that month's searches (the
    sentence said "these 12 months" after "1 of its 12 months")."""
    html = _section(sqlite_store, tmp_path)
    assert "the store holds searches for 1 of its 12 months" in html
    assert (
        "The rates are the searches of the 1 month with searches per 1,000 "
        "residents of all ages (not a rate per year)"
    ) in html
    assert "these 12 months" not in html


def test_a_flag_is_not_placed_in_the_force(sqlite_store: Store, tmp_path: Path) -> None:
    """The EIA's flags read "Black in South Yorkshire Police": the force's own
    figures have no area to name."""
    html = _section(sqlite_store, tmp_path)
    flags = html[html.index('<ul class="flags">') :]
    flags = flags[: flags.index("</ul>")]
    assert "stop and search (rates): Black, ratio" in flags, flags
    assert " in Humberside Police" not in flags


def test_a_flagged_ratio_s_interval_does_not_read_as_reaching_1(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A ratio flagged as significantly above 1 whose interval starts at 1.0042
    printed "(1.00 to ...)"; it keeps the digits of its side of 1 now, in the table
    and the EIA's flags."""
    _humberside_and_london(sqlite_store, tmp_path)
    stats = board_statistics(
        sqlite_store, end=dt.date(2019, 1, 31), force="humberside", performance=False
    )
    row = next(r for r in stats["equality"]["rates"] if r["significantly_above_1"])
    row["ci_low"] = 1.0042
    for flag in stats["equality"]["eia"]["significantly_above_1"]:
        if flag.get("group") == row["group"] and "ci_low" in flag:
            flag["ci_low"] = 1.0042
    html = " ".join(render_html("_board_equality.html", stats=stats).split())
    assert "(1.004 to" in html
    assert "(1.00 to" not in html


def test_one_vehicle_only_search_reads_as_one(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """One search of a vehicle only (Kent, January 2019) read "1 searches of a
    vehicle only (no person searched) are in none either"."""
    _humberside_and_london(sqlite_store, tmp_path)
    stats = board_statistics(
        sqlite_store, end=dt.date(2019, 1, 31), force="humberside", performance=False
    )
    row = stats["equality"]["not_stated"][0]
    row["vehicle_only"] = 1
    html = " ".join(render_html("_board_equality.html", stats=stats).split())
    assert "1 search of a vehicle only (no person searched) is in none either." in html
    row["vehicle_only"] = 3
    html = " ".join(render_html("_board_equality.html", stats=stats).split())
    assert (
        "3 searches of a vehicle only (no person searched) are in none either." in html
    )


@pytest.mark.parametrize(
    ("row", "cell"),
    [
        (
            {"ratio_to_white": 3.4, "ci_low": 1.26, "significantly_above_1": False},
            "no: too few",
        ),
        ({"ratio_to_white": 3.4, "ci_low": 1.26, "significantly_above_1": True}, "yes"),
        (
            {"ratio_to_white": 1.02, "ci_low": 0.25, "significantly_above_1": False},
            "no",
        ),
        (
            {"ratio_to_white": 1.0, "ci_low": None, "significantly_above_1": False},
            "n/a",
        ),
        (
            {"ratio_to_white": None, "ci_low": None, "significantly_above_1": False},
            "n/a",
        ),
    ],
)
def test_the_cli_table_says_which_ratio_is_flagged(
    row: dict[str, object], cell: str
) -> None:
    """Durham's Mixed ratio, January 2019, printed 3.40 (1.26-9.16) on 4 searches
    with nothing saying the exact test does not bear it out."""
    from avert.cli.board import significance_cell

    assert significance_cell(row) == cell


def test_the_cli_equality_table_has_the_flag_column(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """`avert analyse equality` prints each ratio's flag beside its interval."""
    _humberside_and_london(sqlite_store, tmp_path)
    args = ["analyse", "equality", "--force", "humberside"]
    result = CliRunner().invoke(
        app, ["--db", sqlite_store.url.sqlalchemy, *args], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "significantly above 1" in result.output
    black = next(line for line in result.output.splitlines() if "│ Black" in line)
    assert black.rstrip(" │").endswith("yes"), black


def test_the_per_area_note_has_its_table(sqlite_store: Store, tmp_path: Path) -> None:
    """The pack and the Equality page said "Per-area rates count the 44,988
    searches placed in the force area" (the Met, January-June 2018) over no
    per-area figure at all: the rates per area are shown, each area's placed
    searches adding up to the note's count, a flagged ratio marked."""
    html = _section(sqlite_store, tmp_path)
    assert "Per-area rates count the 40 searches placed in the force area" in html
    assert "<h3>By area</h3>" in html
    table = html[html.index('<table class="by-area stack') :]
    # each cell's column, for a phone (``data-label``), left out
    table = re.sub(r' data-label="[^"]*"', "", table[: table.index("</table>")])
    # 40 searches in East Riding (White 0.21 per 1,000; Black 95 times it,
    # significantly above 1), none in Humberside's three other areas
    assert "<td>East Riding of Yorkshire</td><td>40</td><td>0.21</td>" in table
    assert '<td class="flagged">95.00</td>' in table
    assert "<td>North Lincolnshire</td><td>0</td>" in table
    assert table.count("<tr>") == 5  # the header and the force's 4 areas


def test_vehicle_only_searches_with_an_age_are_footnoted(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The Met, January-June 2018: "vehicle only" 696 in the age table and 710
    in the sex table, unexplained; 14 searches of no person record an age and
    count in their band. The age table now says so."""
    import polars as pl

    from avert.analyse.equality import stop_search_equality
    from avert.workflows.board import _vehicle_only_aged

    stops = pl.DataFrame(
        {
            "ethnicity": [None, None, None, "White"],
            "sex": [None, None, None, "F"],
            "age_range": [None, "over 34", "18-24", None],
            "search_type": ["Vehicle search"] * 3 + ["Person search"],
        },
        schema_overrides={"ethnicity": pl.String, "sex": pl.String},
    )
    residents = pl.DataFrame({"group": ["White", "Black"], "population": [1000, 200]})
    by_age = stop_search_equality(stops, residents).by_age
    assert _vehicle_only_aged(by_age) == 2
    assert _vehicle_only_aged(pl.DataFrame()) == 0
    _humberside_and_london(sqlite_store, tmp_path)
    stats = board_statistics(
        sqlite_store, end=dt.date(2019, 1, 31), force="humberside", performance=False
    )
    assert stats["equality"]["vehicle_only_aged"] == 0
    assert "Vehicle only:" not in render_html("_board_equality.html", stats=stats)
    stats["equality"]["vehicle_only_aged"] = 14
    html = " ".join(render_html("_board_equality.html", stats=stats).split())
    assert (
        "Vehicle only: searches of no person (a vehicle searched, no ethnicity or "
        "sex recorded) with no age recorded; 14 more record an age and are counted "
        "in their age band, so the sex table's vehicle only row is 14 higher."
    ) in html


def test_the_assessment_lists_the_ratios_by_area_highest_first(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The EIA listed the force's ratios only ("The assessment below lists the
    force's ratios, not these"): it now lists each area's with its interval,
    highest first, marked where the interval excludes 1; a withheld count reads
    [c] there and in the By area table (the small-cell rule of avert.access)."""
    _humberside_and_london(sqlite_store, tmp_path)
    stats = board_statistics(
        sqlite_store, end=dt.date(2019, 1, 31), force="humberside", performance=False
    )
    by_area = stats["equality"]["eia"]["by_area"]
    assert (by_area[0]["area"], by_area[0]["group"]) == (
        "East Riding of Yorkshire",
        "Black",
    )
    assert by_area[0]["ratio_to_white"] == pytest.approx(95.0)
    html = " ".join(render_html("_board_equality.html", stats=stats).split())
    html = re.sub(r' data-label="[^"]*"', "", html)
    table = html[html.index('<table class="eia-by-area') :]
    table = table[: table.index("</table>")]
    assert (
        '<tr class="flagged"><td>East Riding of Yorkshire</td><td>Black</td>'
        "<td>20</td><td>95.00 (" in table
    ), table
    assert "<td>significantly above 1</td>" in table
    assert "lists the force's ratios, not these" not in html
    # a withheld cell: [c] in both tables
    by_area[0].update(searches=None, searches_withheld=True, ratio_to_white=None)
    by_area[0].update(ci_low=None, ci_high=None, interval_excludes_1=None)
    by_area[0].update(significance=None)
    row = next(
        r for r in stats["equality"]["area_table"] if r["area"].startswith("East")
    )
    row["ratios"]["Black"].update(ratio=None, withheld=True, flagged=False)
    html = " ".join(render_html("_board_equality.html", stats=stats).split())
    html = re.sub(r' data-label="[^"]*"', "", html)
    table = html[html.index('<table class="eia-by-area') :]
    assert "<td>Black</td><td>[c]</td><td>[c]</td><td>–</td>" in table
    area = html[html.index('<table class="by-area') :]
    assert "<td>[c]</td>" in area[: area.index("</table>")]


def test_the_assessment_by_area_says_what_its_shading_says(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A row whose interval lies above 1 but whose exact test's lower end does not
    was unshaded and read "yes, above 1": a contradiction a board member reads.
    It reads "interval above 1, exact test not" now, and only a shaded row reads
    "significantly above 1". The rows with no search are counted in one line, not
    listed (the JSON keeps them)."""
    _humberside_and_london(sqlite_store, tmp_path)
    stats = board_statistics(
        sqlite_store, end=dt.date(2019, 1, 31), force="humberside", performance=False
    )
    eia = stats["equality"]["eia"]
    first = eia["by_area"][0]
    assert first["significantly_above_1"] is True
    first.update(
        significantly_above_1=False,
        exact_ci_low=0.98,
        significance="interval above 1, exact test not",
    )
    zero = dict(first, area="Nowhere", searches=0, significance=None)
    zero.update(ratio_to_white=None, ci_low=None, ci_high=None)
    eia["by_area"].append(zero)
    eia["by_area_no_search"] = 1
    html = " ".join(render_html("_board_equality.html", stats=stats).split())
    html = re.sub(r' data-label="[^"]*"', "", html)
    table = html[html.index('<table class="eia-by-area') :]
    table, after = table[: table.index("</table>")], table[table.index("</table>") :]
    body = table[table.index("<tbody>") :]
    rows = re.findall(r"<tr( class=\"flagged\")?>(.*?)</tr>", body)
    assert rows[0] == (
        "",
        f"<td>{first['area']}</td><td>Black</td><td>20</td>"
        f"<td>95.00 ({first['ci_low']:.2f} to {first['ci_high']:.2f})</td>"
        "<td>interval above 1, exact test not</td>",
    ), rows[0]
    assert "above 1</td>" not in "".join(r for f, r in rows[1:] if not f)
    assert "Nowhere" not in table
    # a ratio withheld with the area's White count reads "[c]", not "–" (no ratio)
    taken = dict(first, area="Elsewhere", significance=None, ratio_withheld=True)
    taken.update(ratio_to_white=None, ci_low=None, ci_high=None)
    eia["by_area"].append(taken)
    html = " ".join(render_html("_board_equality.html", stats=stats).split())
    html = re.sub(r' data-label="[^"]*"', "", html)
    assert "<td>Elsewhere</td><td>Black</td><td>20</td><td>[c]</td><td>–</td>" in (html)
    assert after.startswith(
        '</table><p class="meta">1 area-group pair with no search is not listed.</p>'
    ), after[:200]


def test_force_figures_are_not_withheld_where_area_ones_are(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The small-cell rule holds down the areas, not at force level, for every
    reader of the page (partners and the board see the same aggregates) when the
    searches are police.uk's: it publishes each search with its ethnicity and outcome, and a force area's count
    of a group singles no one out (docs/equality.md, "Force-level figures"). So
    Humberside's 2 Other searches, one an arrest, read 2 with their arrest rate in
    the force's tables, and "[c]" in Hull's row of the ratios by area."""
    _humberside_with_two_others(sqlite_store, tmp_path, "policeuk")
    stats = board_statistics(
        sqlite_store,
        end=dt.date(2019, 1, 31),
        force="humberside",
        performance=False,
        audience="partner",  # a partner reads police.uk's force figures whole
    )
    assert stats["equality"]["withheld"] is False
    html = " ".join(render_html("_board_equality.html", stats=stats).split())
    html = re.sub(r' data-label="[^"]*"', "", html)
    rates = html[html.index('<table class="rates') :]
    assert "<td>Other</td><td>2</td>" in rates[: rates.index("</table>")]
    outcomes = html[html.index('<table class="outcomes') :]
    outcomes = outcomes[: outcomes.index("</table>")]
    assert re.search(r"<tr><td>Other</td><td>2</td><td>[^<]*</td><td>50", outcomes)
    hull = next(
        r
        for r in stats["equality"]["eia"]["by_area"]
        if r["group"] == "Other" and r["area"].startswith("Kingston upon Hull")
    )
    assert hull["searches_withheld"] is True
    assert hull["searches"] is None
    assert not any("not from police.uk" in n for n in stats["equality"]["notes"])


def _bundle_others(store: Store, tmp_path: Path) -> None:
    """Humberside's January 2019 searches of the force's own records, with 2
    more of Other people from a record bundle, one ending in arrest; and one own
    search in April 2019, after the year to March a partner reads
    (:func:`test_equality_differencing.a_search_after_march`). A year holding
    police.uk's searches beside own records a partner reads none of
    (test_equality_differencing.py)."""
    from test_equality_differencing import a_search_after_march

    _humberside_with_two_others(store, tmp_path, "humberside-records")
    a_search_after_march(store)


def _humberside_with_two_others(store: Store, tmp_path: Path, source: str) -> None:
    """Humberside's and London's January 2019 searches, every one of ``source``
    (the fixture's is "t"), with 2 more of Other people in Humberside on 4
    January, one ending in arrest."""
    import polars as pl

    _humberside_and_london(store, tmp_path)
    other = pl.DataFrame(
        {
            "stop_id": ["o1", "o2"],
            "source": [source] * 2,
            "force": ["humberside"] * 2,
            "occurred_at": [dt.datetime(2019, 1, 4)] * 2,
            "lat": [53.5] * 2,
            "lon": [-0.3] * 2,
            "ethnicity": ["Other"] * 2,
            "outcome": ["Arrest", "A no further action disposal"],
        }
    )
    with store.transaction() as tx:
        tx._execute("UPDATE stops SET source = ?", (source,))
        tx.append("stops", other)


def _plain(stats: dict[str, object]) -> str:
    html = " ".join(render_html("_board_equality.html", stats=stats).split())
    return re.sub(r' data-label="[^"]*"', "", html)


def _table(html: str, css: str) -> str:
    part = html[html.index(f'<table class="{css}') :]
    return part[: part.index("</table>")]


def test_a_partner_reads_a_bundle_stores_small_counts_withheld(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A force's own records are published by no one, yet a partner read its 2
    Other searches, one an arrest (an arrest rate of 50 %), in the force's
    tables and charts. For a partner audience they read "[c]" wherever they
    appeared: the rates table, its chart, the outcomes table and chart, and the
    JSON rows; the police read them whole."""
    _bundle_others(sqlite_store, tmp_path)
    # a partner reads a force's own records by years ending 31 March: March's
    end = dt.date(2019, 3, 31)
    police = board_statistics(
        sqlite_store, end=end, force="humberside", performance=False
    )
    partner = board_statistics(
        sqlite_store,
        end=end,
        force="humberside",
        performance=False,
        audience="partner",
    )
    assert police["equality"]["withheld"] is False
    assert "<td>Other</td><td>2</td>" in _table(_plain(police), "rates")
    eq = partner["equality"]
    assert eq["withheld"] is True
    html = _plain(partner)
    rates = _table(html, "rates")
    assert "<td>Other</td><td>[c]</td>" in rates
    assert "<td>Other</td><td>2</td>" not in rates
    other = next(r for r in eq["rates"] if r["group"] == "Other")
    assert other["searches"] is None
    assert other["rate_per_1000"] is None
    assert other["ratio_to_white"] is None
    outcomes = _table(html, "outcomes")
    assert re.search(
        r"<tr><td>Other</td><td>\[c\]</td><td>[^<]*</td><td>\[c\]", outcomes
    )
    assert "50" not in re.search(r"<tr><td>Other</td>.*?</tr>", outcomes).group(0)
    assert "[c]" in eq["charts"]["rates"]
    assert "[c]" in eq["charts"]["outcomes"]
    rows = [r for r in eq["by_legislation"] if r["group"] == "Other"]
    assert rows
    assert all(r["searches"] in (None, 0) for r in rows)
    assert any(r["searches_withheld"] for r in rows)
    assert not any(
        f.get("group") == "Other" for f in eq["eia"]["significantly_above_1"]
    )
    assert "The police read them whole." in html
    (note,) = [n for n in eq["notes"] if "not from police.uk" in n]
    assert note.startswith("44 of these 44 searches are not from police.uk "), note
    assert "(humberside-records)" in note
    assert "for partners and the board" in note


def test_the_board_pack_withholds_a_bundle_stores_small_counts(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The board pack is the board's (a partner audience): its equality section
    showed the 2 Other searches of a force's own records whole; it withholds
    them now."""
    import secrets

    from avert.config.settings import load_settings
    from avert.workflows import delivery

    _bundle_others(sqlite_store, tmp_path)
    settings = load_settings({"AVERT_PSEUDONYM_KEY": secrets.token_hex(32)})
    delivery.board_pack(
        sqlite_store,
        settings,
        month="2019-03",  # its year ending 31 March holds January's searches
        out_dir=tmp_path / "pack",
        pdf=False,
        force="humberside",
    )
    html = (tmp_path / "pack" / "board-pack-2019-03.html").read_text(encoding="utf-8")
    html = re.sub(r' data-label="[^"]*"', "", " ".join(html.split()))
    rates = _table(html, "rates")
    assert "<td>Other</td><td>[c]</td>" in rates
    assert "<td>Other</td><td>2</td>" not in rates


def test_a_partner_reads_no_figure_of_a_force_s_1_to_4_own_searches(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """One search of a White person from a force's own records: a partner read
    White "[c]" and Asian "[c]" (a zero withheld beside it) in the rates, yet
    "0 of 1 searches", the 1 search placed in its area and the outcomes table's
    one row (White) gave the count back. With 1 to 4 searches in all no cell can
    be withheld against the total: a partner reads none of the figures; the
    police read them whole."""
    from test_equality_differencing import a_search_after_march

    _humberside_and_london(sqlite_store, tmp_path)
    with sqlite_store.transaction() as tx:
        tx._execute("UPDATE stops SET source = 'humberside-records'")
        tx._execute("DELETE FROM stops WHERE stop_id != 's0'")  # one White search
    a_search_after_march(sqlite_store)  # the year to March over, in the store
    options: dict[str, Any] = {
        "end": dt.date(2019, 3, 31),  # a partner's year ending 31 March
        "force": "humberside",
        "performance": False,
    }
    police = board_statistics(sqlite_store, **options)
    assert police["equality"]["available"] is True
    assert "<td>White</td><td>1</td>" in _table(_plain(police), "rates")
    partner = board_statistics(sqlite_store, **options, audience="partner")
    eq = partner["equality"]
    assert eq["available"] is False
    assert "fewer than 5 searches" in eq["note"]
    html = _plain(partner)
    assert "<table" not in html
    assert " 1 search" not in html
    assert "of 1 searches" not in html


def test_the_by_area_table_gives_back_no_withheld_count() -> None:
    """The By area table showed each area's White rate and ratios whatever their
    counts: 2 White searches of 10,000 residents read 0.20 per 1,000, and Black
    ratio 15.00 beside them gave both counts back. It follows the assessment's
    small-cell rule now, down each group's areas too (the force's counts, shown
    above the table, less A's or C's would give B's back)."""
    import polars as pl

    from avert.analyse.equality import stop_search_equality
    from avert.workflows.board import _area_table
    from avert.workflows.equality import BoardEquality

    stops = pl.DataFrame(
        {
            "area": ["A"] * 130 + ["B"] * 32 + ["C"] * 80,
            "ethnicity": ["White"] * 100
            + ["Black"] * 30
            + ["White"] * 2
            + ["Black"] * 30
            + ["White"] * 40
            + ["Black"] * 40,
        }
    )
    residents = pl.DataFrame(
        {"area": ["A", "A", "B", "B", "C", "C"], "group": ["White", "Black"] * 3}
    ).with_columns(population=pl.lit(10_000))
    areas = stop_search_equality(stops, residents, area="area")
    rows = {r["area"]: r for r in _area_table(BoardEquality(force=areas, areas=areas))}
    # A or C withheld with B (Black first: A's 30, then A's White completes A)
    assert rows["C"]["white_rate"] == pytest.approx(4.0)
    assert rows["C"]["ratios"]["Black"]["ratio"] == pytest.approx(1.0)
    assert rows["A"]["white_withheld"] is True
    assert rows["A"]["ratios"]["Black"]["withheld"] is True
    assert rows["B"]["white_rate"] is None
    assert rows["B"]["white_withheld"] is True
    assert rows["B"]["ratios"]["Black"] == {
        "ratio": None,
        "flagged": False,
        "withheld": True,
    }


def test_no_unstated_search_does_not_make_the_rates_a_lower_bound(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The Met's API sample, September 2024, records every searched person's own
    ethnicity; the pack read "No ethnicity stated: 0 of 3,253 searches (0 %). They
    are in no group's rate: the rates above are a lower bound"."""
    _humberside_and_london(sqlite_store, tmp_path)
    stats = board_statistics(
        sqlite_store, end=dt.date(2019, 1, 31), force="humberside", performance=False
    )
    row = stats["equality"]["not_stated"][0]
    row.update(not_stated=0, share_not_stated=0.0)
    html = " ".join(render_html("_board_equality.html", stats=stats).split())
    assert "No ethnicity stated:</b> 0 of" in html
    assert "the rates above are a lower bound" not in html
    row.update(not_stated=3, share_not_stated=3 / row["searches_of_people"])
    html = " ".join(render_html("_board_equality.html", stats=stats).split())
    assert "the rates above are a lower bound" in html
