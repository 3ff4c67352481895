"""A partner's equality figures of a force's own records, differenced across the
windows a partner can open (docs/equality.md, "Differencing").

Before 2026-12 a partner chose any month and read the 12 months to it: the counts
of a group in two windows that overlap differ by the months one holds and the
other does not, so a month's count the trend withholds (1 to 4) came back by
subtraction (the synthetic city, 30,000 residents over 760 days: 130 monthly
counts of 1 to 4 by group, power or arrest; a store of police.uk months and own
records alike). Partners now read fixed years ending 31 March.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

import polars as pl
from test_force_areas import HUMBERSIDE, _humberside_and_london

from avert.access import Audience
from avert.store import Store
from avert.workflows.board import board_statistics, partner_equality_year
from avert.workflows.late_searches import searches_loaded_late
from avert.workflows.load import load_files


def a_search_after_march(store: Store) -> None:
    """One White search of Humberside's own records on 2 April 2019: the year to
    March 2019 is over in the store, so a partner may read it."""
    row = {
        "stop_id": "april",
        "source": "humberside-records",
        "force": "humberside",
        "occurred_at": dt.datetime(2019, 4, 2),
        "lat": 53.5,
        "lon": -0.3,
        "ethnicity": "White",
    }
    with store.transaction() as tx:
        tx.append("stops", pl.DataFrame([row]))


def _two_months(
    store: Store, tmp_path: Path, *, january_source: str, april: bool = True
) -> None:
    """Humberside's searches: January 2019 10 White and 5 Other (police.uk's, or
    the force's own records), February 2019 10 White and 2 Other of its own
    records: February's 2 Other is a count the rule withholds; with ``april``,
    one search after March (:func:`a_search_after_march`)."""
    _humberside_and_london(store, tmp_path)
    months = [
        (dt.datetime(2019, 1, 10), 5, january_source),
        (dt.datetime(2019, 2, 10), 2, "humberside-records"),
    ]
    rows = [
        {
            "stop_id": f"{when:%m}-{group}-{i}",
            "source": source,
            "force": "humberside",
            "occurred_at": when,
            "lat": 53.5,
            "lon": -0.3,
            "ethnicity": group,
        }
        for when, others, source in months
        for group, n in (("White", 10), ("Other", others))
        for i in range(n)
    ]
    with store.transaction() as tx:
        tx._execute("DELETE FROM stops")
        tx.append("stops", pl.DataFrame(rows))
    if april:
        a_search_after_march(store)


def test_a_partner_cannot_difference_two_windows(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The 12 months to January 2019 read Other 5 to a partner, those to February
    7: February's 2 Other searches, withheld in the trend, came back as 7 - 5.
    A partner's windows are now fixed years ending 31 March: any two are the
    same or disjoint, and no two shown counts differ by 1 to 4."""
    _two_months(sqlite_store, tmp_path, january_source="humberside-records")
    shown: dict[tuple[dt.date, dt.date], int | None] = {}
    for end in (dt.date(2019, 1, 31), dt.date(2019, 2, 28), dt.date(2019, 3, 31)):
        eq = _partner_equality(sqlite_store, end)
        if not eq["available"]:
            assert "fixed years ending 31 March" in eq["note"]
            continue
        other = next(r for r in eq["rates"] if r["group"] == "Other")
        shown[tuple(eq["window"])] = other["searches"]
    assert shown, "no window a partner can read"
    windows = sorted(shown)
    for a, b in itertools.pairwise(windows):
        assert a[1] < b[0], f"{a} and {b} overlap"
    counts = [c for c in shown.values() if c is not None]
    assert not [(a, b) for a in counts for b in counts if 0 < abs(a - b) < 5], shown
    # the one year the three months ask for: both months' Other searches
    assert list(shown.values()) == [7]


def test_a_partner_reads_no_year_mixing_police_uk_and_own_records(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """January 2019's searches police.uk's (Other 5, public), February's the
    force's own (Other 2): the year to March 2019 read Other 7 to a partner, and
    7 less police.uk's 5 gave back the own records' 2, a count the rule
    withholds. A year mixing the two is withheld from partners, saying why; the
    police read it whole."""
    _two_months(sqlite_store, tmp_path, january_source="policeuk")
    options: dict[str, Any] = {
        "end": dt.date(2019, 3, 31),
        "force": "humberside",
        "performance": False,
    }
    eq = board_statistics(sqlite_store, audience="partner", **options)["equality"]
    assert not eq["available"]
    assert "holds both searches police.uk has published" in eq["note"]
    assert "rates" not in eq
    police = board_statistics(sqlite_store, **options)["equality"]
    other = next(r for r in police["rates"] if r["group"] == "Other")
    assert other["searches"] == 7


def test_a_partners_figures_hold_no_whole_per_area_row(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """``areas`` held the per-area rows whole (February's 2 Other searches of
    Hull among them) in a partner's figures, which pages and the pack pass to
    their templates: none is rendered, but none is held either; the police's hold
    them."""
    _two_months(sqlite_store, tmp_path, january_source="humberside-records")
    options: dict[str, Any] = {
        "end": dt.date(2019, 3, 31),
        "force": "humberside",
        "performance": False,
    }
    police = board_statistics(sqlite_store, **options)["equality"]
    assert police["areas"], "no search placed in an area"
    eq = board_statistics(sqlite_store, audience="partner", **options)["equality"]
    assert eq["available"]
    assert eq["areas"] == []


def test_the_police_keep_the_12_months_to_the_month_asked(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The police roles and ``avert analyse equality`` read the 12 months to the
    month asked, whole."""
    _two_months(sqlite_store, tmp_path, january_source="humberside-records")
    eq = board_statistics(
        sqlite_store, end=dt.date(2019, 1, 31), force="humberside", performance=False
    )["equality"]
    assert eq["available"]
    other = next(r for r in eq["rates"] if r["group"] == "Other")
    assert other["searches"] == 5


def test_a_partner_reads_no_year_still_filling(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """With searches to February 2019, a partner asking March 2019 (or any month
    after the data) read the year to March 2019 so far, Other 7; read again
    once March's searches were loaded, the two counts' difference gave March's
    back. A year is read once the store holds a search after it: before the
    April search, no figure; after it, the year to March 2019 whatever later
    month is asked, not the year to March 2020 still filling."""
    _two_months(
        sqlite_store, tmp_path, january_source="humberside-records", april=False
    )

    for end in (dt.date(2019, 3, 31), dt.date(2020, 3, 31)):
        eq = _partner_equality(sqlite_store, end)
        assert not eq["available"], eq.get("window")
        assert "once the store holds a search after it" in eq["note"]
    a_search_after_march(sqlite_store)
    for end in (dt.date(2019, 3, 31), dt.date(2020, 3, 31), dt.date(2021, 6, 30)):
        eq = _partner_equality(sqlite_store, end)
        assert eq["available"]
        assert eq["window"][0] == dt.date(2018, 4, 1)
        assert eq["window"][1] <= dt.date(2019, 3, 31)
        assert _searches_by_group(eq)["Other"] == 7


def test_partner_years_end_in_march() -> None:
    assert partner_equality_year(dt.date(2019, 2, 28)) == (
        dt.date(2017, 4, 1),
        dt.date(2018, 3, 31),
    )
    assert partner_equality_year(dt.date(2019, 4, 30)) == (
        dt.date(2018, 4, 1),
        dt.date(2019, 3, 31),
    )


def test_the_fixed_year_is_said_above_the_figures(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The page's field read "12 months to March 2020" and the pack its month,
    yet a partner's figures were of the year to March 2019, said only in the
    notes at the section's end (the demo pack's last page, four after the
    table). It is said above the figures now."""
    from avert.report import render_html

    _two_months(sqlite_store, tmp_path, january_source="humberside-records")
    stats = board_statistics(
        sqlite_store,
        end=dt.date(2020, 3, 31),
        force="humberside",
        performance=False,
        audience="partner",
    )
    html = " ".join(render_html("_board_equality.html", stats=stats).split())
    said = html.index(
        "Partners and the board read the year April 2018 to March 2019, "
        "not the 12 months to March 2020"
    )
    assert said < html.index('<table class="rates')
    assert html.count("Partners and the board read the year") == 1


def _three_districts_own_records(store: Store, tmp_path: Path) -> tuple[str, ...]:
    """Humberside's four districts (:func:`_humberside_and_london`) and its own
    records of the year to March 2019, placed at each district's centroid: 20
    White in each; Black 10, 2, 8, 10 and Asian 10, 3, 10, 10 by district. The
    second district's Black 2 and Asian 3 are withheld, and down each group,
    against the force's Black 30 and Asian 33, another district's beside each."""
    _humberside_and_london(store, tmp_path)
    districts = tuple(
        store.read_frame("populations")
        .filter(pl.col("area_type") == "lsoa", pl.col("area") != "E09")
        .sort("area")["parent_area"]
        .unique(maintain_order=True)
    )
    counts = {
        "White": (20, 20, 20, 20),
        "Black": (10, 2, 8, 10),
        "Asian": (10, 3, 10, 10),
    }
    rows = [
        {
            "stop_id": f"{group}-{d}-{i}",
            "source": "humberside-records",
            "force": "humberside",
            "occurred_at": dt.datetime(2018, 10, 10),
            "lat": 53.5 + d,
            "lon": -0.3 - d,
            "ethnicity": group,
        }
        for group, by_district in counts.items()
        for d, n in enumerate(by_district)
        for i in range(n)
    ]
    with store.transaction() as tx:
        tx._execute("DELETE FROM stops")
        tx.append("stops", pl.DataFrame(rows))
    a_search_after_march(store)
    return districts


def _shown_area_cells(eq: dict[str, Any]) -> set[tuple[str, str]]:
    """The (area, group) cells whose count a partner can work out from the page:
    a group's ratio times its area's White rate times its residents (census,
    public), the White rate times the White residents."""
    shown = set()
    for row in eq["area_table"]:
        if row["white_rate"] is not None:
            shown.add((row["area"], "White"))
        shown |= {(row["area"], g) for g, r in row["ratios"].items() if r["ratio"]}
    return shown


def test_a_partner_cannot_difference_area_tables(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The per-area table of the force area withheld Hull's Black 2, and East
    Riding's Black 10 beside it (else the force's Black 30 less the others gives
    it back); a partner asking for East Riding alone read its Black ratio (10
    searches by its White rate and residents), and 30 - 10 - 8 - 10 gave the 2
    back. A partner now reads the per-area table of the force area
    avert sets only: no cell withheld there is shown in any area set asked."""
    districts = _three_districts_own_records(sqlite_store, tmp_path)

    def partner(areas: list[str] | None) -> dict[str, Any]:
        return _partner_equality(sqlite_store, dt.date(2019, 3, 31), areas=areas)

    whole = partner(None)
    shown = _shown_area_cells(whole)
    everyone = {(a, g) for a in districts for g in ("White", "Black", "Asian")}
    withheld = everyone - shown
    assert (districts[1], "Black") in withheld
    assert len(withheld) == 4  # and another district's beside each (secondary)
    for k in (1, 2, 3):
        for chosen in itertools.combinations(districts, k):
            eq = partner(list(chosen))
            assert not _shown_area_cells(eq) & withheld, chosen
            if not eq["area_table"]:
                said = next(n for n in eq["notes"] if n.startswith("By area:"))
                # the partner is told how to read them: the field left empty
                assert "Areas field left empty" in said, said
                assert "; ".join(districts) in said, said
    # the force area's districts named, in another order: the same table, shown
    assert partner(list(reversed(districts)))["area_table"] == whole["area_table"]
    # the police choose any areas and read them whole
    police = board_statistics(
        sqlite_store,
        end=dt.date(2019, 3, 31),
        force="humberside",
        areas=[districts[2]],
        performance=False,
    )["equality"]
    assert police["area_table"][0]["ratios"]["Black"]["ratio"] is not None


def _load(
    store: Store,
    load_id: str,
    at: dt.datetime,
    rows: list[dict[str, Any]],
    *,
    source: str = "humberside-records",
    file: str | None = None,
) -> None:
    """``rows`` (Humberside's own records) stored as load ``load_id`` recorded at
    ``at``, as a load records its file (``loads.loaded_at``); with ``file``, the
    rows name it (``stops.source_file``) and the record is of it (its digest
    ``file``: a load of several files calls this once per file)."""
    stops = [
        {
            "source": source,
            "force": "humberside",
            "lat": 53.5,
            "lon": -0.3,
            **row,
            "load_id": load_id,
            **({"source_file": file} if file else {}),
        }
        for row in rows
    ]
    record = {
        "load_id": load_id,
        "source_file": file or f"{load_id}/stops.csv",
        "file_sha256": file or load_id,
        "kind": "bundle-stops",
        "loaded_at": at,
        "rows": len(rows),
        "loaded": len(rows),
        "quarantined": 0,
        "duplicates": 0,
    }
    with store.transaction() as tx:
        tx.append("stops", pl.DataFrame(stops))
        tx.append("loads", pl.DataFrame([record]))


def _searches(group: str, n: int, when: dt.datetime, tag: str) -> list[dict[str, Any]]:
    return [
        {"stop_id": f"{tag}-{group}-{i}", "occurred_at": when, "ethnicity": group}
        for i in range(n)
    ]


def _partner_equality(
    store: Store,
    end: dt.date,
    *,
    force: str | None = "humberside",
    areas: list[str] | None = None,
) -> dict[str, Any]:
    """A partner's equality figures asked for the month ending ``end`` (their
    fixed year), the board's performance left out."""
    eq: dict[str, Any] = board_statistics(
        store,
        end=end,
        force=force,
        areas=areas,
        performance=False,
        audience="partner",
    )["equality"]
    return eq


def _searches_by_group(eq: dict[str, Any]) -> dict[str, int]:
    """The searches of each ethnic group in the equality figures ``eq``."""
    return {r["group"]: r["searches"] for r in eq["rates"]}


def _late_notes(eq: dict[str, Any]) -> list[str]:
    """The notes of ``eq`` on searches loaded after their year was first over."""
    return [n for n in eq["notes"] if "first over" in n]


def _no_searches(store: Store, tmp_path: Path) -> None:
    """Humberside and London (:func:`_humberside_and_london`), no search stored
    (nor the latest search time its loads stored: they made years over)."""
    _humberside_and_london(store, tmp_path)
    with store.transaction() as tx:
        tx._execute("DELETE FROM stops")
        tx._execute("DELETE FROM load_stop_spans")


def _load_january(
    store: Store, at: dt.datetime, *, source: str = "humberside-records"
) -> None:
    """Load ``first``, recorded at ``at``: Humberside's January 2019, 10 White
    and 5 Other searches."""
    january = dt.datetime(2019, 1, 10)
    _load(
        store,
        "first",
        at,
        _searches("White", 10, january, "jan") + _searches("Other", 5, january, "jan"),
        source=source,
    )


def _load_april(store: Store) -> None:
    """Load ``april``, recorded on 2 May 2019: one White search of 2 April 2019,
    which makes the year to March 2019 over in the store."""
    _load(
        store,
        "april",
        dt.datetime(2019, 5, 2, 9),
        _searches("White", 1, dt.datetime(2019, 4, 2), "apr"),
    )


def _partner_year_to_march_2019(
    store: Store, *, force: str | None = "humberside", areas: list[str] | None = None
) -> dict[str, Any]:
    """A partner's figures of the year to March 2019 (asked for June 2019)."""
    eq = _partner_equality(store, dt.date(2019, 6, 30), force=force, areas=areas)
    assert eq["available"], eq["note"]
    assert eq["window"][0] == dt.date(2018, 4, 1)
    return eq


def _late_year(store: Store, tmp_path: Path) -> None:
    """The year to March 2019 of Humberside's own records, loaded on 1 May 2019
    (White 10, Other 5 in January), and an April search loaded on 2 May: from
    then the year is over in the store."""
    _no_searches(store, tmp_path)
    _load_january(store, dt.datetime(2019, 5, 1, 9))
    _load_april(store)


def test_a_partner_cannot_difference_a_year_before_and_after_a_late_load(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The year to March 2019 read Other 5 to a partner once over; a batch of 2
    Other searches of February loaded late (June) made it Other 7, and 7 - 5 gave
    back the batch's 2, a count the rule withholds. A partner's year is now of
    the searches loaded by the time it was first over: Other 5 before and after,
    a note saying that fewer than 5 were loaded later (no count of 1 to 4); the
    police read the 7."""
    _late_year(sqlite_store, tmp_path)
    before = _partner_year_to_march_2019(sqlite_store)
    assert _searches_by_group(before)["Other"] == 5
    assert not _late_notes(before)
    _load(
        sqlite_store,
        "late",
        dt.datetime(2019, 6, 1, 9),
        _searches("Other", 2, dt.datetime(2019, 2, 10), "feb"),
    )
    after = _partner_year_to_march_2019(sqlite_store)
    for key in ("rates", "by_legislation", "by_age", "by_sex", "outcomes"):
        assert after[key] == before[key], key
    assert after["area_table"] == before["area_table"]
    [late] = _late_notes(after)
    assert late.startswith("Searches of this year were loaded after"), late
    assert "2" not in late.split(":")[0]
    police = board_statistics(
        sqlite_store, end=dt.date(2019, 3, 31), force="humberside", performance=False
    )["equality"]
    assert _searches_by_group(police)["Other"] == 7


def test_a_late_load_of_5_or_more_is_left_out_and_its_number_not_said(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The searches of the year in the load that first made it over (a March
    search loaded with the April one) count in the year; 6 loaded later are left
    out, and the note gives no number (a further load of 2 would change it by
    2)."""
    _late_year(sqlite_store, tmp_path)
    _load(
        sqlite_store,
        "late",
        dt.datetime(2019, 6, 1, 9),
        _searches("Asian", 6, dt.datetime(2019, 3, 10), "mar"),
    )
    eq = _partner_year_to_march_2019(sqlite_store)
    groups = _searches_by_group(eq)
    assert groups.get("Asian", 0) == 0, groups
    [late] = _late_notes(eq)
    assert late.startswith("Searches of this year were loaded after"), late
    # a further late load changes nothing a partner reads, the note neither: "6"
    # then "8" gave back the second load's 2, a count the rule withholds
    _load(
        sqlite_store,
        "later",
        dt.datetime(2019, 7, 1, 9),
        _searches("Asian", 2, dt.datetime(2019, 3, 11), "mar2"),
    )
    again = _partner_year_to_march_2019(sqlite_store)
    assert again["notes"] == eq["notes"]
    assert again["rates"] == eq["rates"]


def test_searches_loaded_with_the_load_that_ended_the_year_count(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A load holding both a March search and the first search after March: the
    year is over from that load, and its March search is in the year's figures."""
    _late_year(sqlite_store, tmp_path)
    with sqlite_store.transaction() as tx:
        tx._execute("DELETE FROM stops WHERE load_id = 'april'")
        tx._execute("DELETE FROM loads WHERE load_id = 'april'")
    _load(
        sqlite_store,
        "march-and-april",
        dt.datetime(2019, 5, 2, 9),
        _searches("Other", 2, dt.datetime(2019, 3, 10), "mar")
        + _searches("White", 1, dt.datetime(2019, 4, 2), "apr"),
    )
    eq = _partner_year_to_march_2019(sqlite_store)
    assert _searches_by_group(eq)["Other"] == 7
    assert not _late_notes(eq)


def test_a_late_file_leaves_out_its_own_searches_not_its_loads_others(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """January 2019 (White 10, Other 5) loaded in time from its file, an April
    search made the year to March 2019 over. January's rows deleted, then one
    load of two files: January's file again (the same bytes, loaded when first
    recorded: in time) and a late file of 2 Other searches of February. The
    leave-out was per load: January's searches went with the late file's and a
    partner read no figure, the year "loaded late whole", where it had read
    Other 5. It is per file: Other 5, the late file's 2 left out and noted."""
    _no_searches(sqlite_store, tmp_path)
    january = dt.datetime(2019, 1, 10)
    in_time = _searches("White", 10, january, "jan")
    in_time += _searches("Other", 5, january, "jan")
    _load(sqlite_store, "first", dt.datetime(2019, 5, 1, 9), in_time, file="jan.csv")
    _load_april(sqlite_store)
    assert _searches_by_group(_partner_year_to_march_2019(sqlite_store))["Other"] == 5
    with sqlite_store.transaction() as tx:
        tx._execute("DELETE FROM stops WHERE load_id = 'first'")
    at = dt.datetime(2019, 6, 1, 9)
    _load(sqlite_store, "both", at, in_time, file="jan.csv")
    late_rows = _searches("Other", 2, dt.datetime(2019, 2, 10), "feb")
    _load(sqlite_store, "both", at, late_rows, file="feb.csv")
    eq = _partner_year_to_march_2019(sqlite_store)
    assert _searches_by_group(eq)["Other"] == 5
    assert _late_notes(eq)
    year = (dt.date(2018, 4, 1), dt.date(2019, 3, 31))
    late = searches_loaded_late(sqlite_store, "humberside", year)
    assert (late.files, late.searches) == (frozenset({("both", "feb.csv")}), 2)


def test_a_month_police_uk_stored_again_stays_in_the_year(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """police.uk's searches are public: a month of them stored again by a later
    load (a re-issued month) gives nothing back by difference, and stays in a
    partner's year of police.uk's searches (the force's own records after it)."""
    _no_searches(sqlite_store, tmp_path)
    _load_january(sqlite_store, dt.datetime(2019, 5, 1, 9), source="policeuk")
    _load_april(sqlite_store)
    _load(
        sqlite_store,
        "reissued",
        dt.datetime(2019, 6, 1, 9),
        _searches("Other", 2, dt.datetime(2019, 2, 10), "feb"),
        source="policeuk",
    )
    eq = _partner_year_to_march_2019(sqlite_store)
    assert _searches_by_group(eq)["Other"] == 7
    assert not _late_notes(eq)


def _bundle(folder: Path, stops: list[str]) -> Path:
    """A record bundle of Humberside's own searches (``stops``: ``stop_id,
    occurred_at,ethnicity`` lines, each placed in Hull) and no incidents."""
    folder.mkdir()
    manifest = {
        "format": "avert-bundle",
        "version": 1,
        "crs": "EPSG:4326",
        "source": "humberside-records",
        "extracted_at": "2019-05-01T06:00:00",
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / "incidents.csv").write_text(
        "incident_id,occurred_at,category\n", encoding="utf-8"
    )
    lines = ["{},{},53.5,-0.3,{}".format(*line.split(",", 2)) for line in stops]
    (folder / "stops.csv").write_text(
        "stop_id,occurred_at,lat,lon,ethnicity\n" + "\n".join(lines) + "\n",
        encoding="utf-8",
    )
    return folder


def test_a_late_bundle_of_an_ended_year_leaves_a_partners_year_as_it_was(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Through the loader (its load records, not rows written by hand): a
    bundle of January 2019 (White 10, Other 5) and an April search, then a
    late bundle of 2 Other searches of February. A partner read the year to
    March 2019 as Other 5, then 7; now 5 both times, the note saying fewer than
    5 were loaded later; the police read 7."""
    _no_searches(sqlite_store, tmp_path)
    first = [f"w{i},2019-01-10T10:00:00,White" for i in range(10)]
    first += [f"o{i},2019-01-10T11:00:00,Other" for i in range(5)]
    first += ["apr,2019-04-02T10:00:00,White"]
    load_files(sqlite_store, [_bundle(tmp_path / "first", first)], kind="bundle")

    def others(audience: Audience) -> tuple[int, list[str]]:
        eq = board_statistics(
            sqlite_store,
            end=dt.date(2019, 3, 31),
            areas=list(HUMBERSIDE),
            performance=False,
            audience=audience,
        )["equality"]
        assert eq["available"], eq["note"]
        return _searches_by_group(eq)["Other"], _late_notes(eq)

    assert others("partner") == (5, [])
    late = [f"f{i},2019-02-10T10:00:00,Other" for i in range(2)]
    load_files(sqlite_store, [_bundle(tmp_path / "late", late)], kind="bundle")
    shown, notes = others("partner")
    assert shown == 5
    assert [n[:50] for n in notes] == [
        "Searches of this year were loaded after the year w"
    ]
    assert others("police") == (7, [])


def test_a_late_bundle_loaded_again_after_its_rows_were_deleted_stays_late(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A late bundle (2 Other searches of February) whose rows were deleted by
    hand, then loaded again: the file was recorded by its first load, so its
    second wrote no ``loads`` row, and its searches, naming a load with no
    record, counted as loaded first: a partner read Other 7 where it read 5
    (7 - 5 gave back the batch). The second load is recorded; they stay late."""
    _no_searches(sqlite_store, tmp_path)
    first = [f"w{i},2019-01-10T10:00:00,White" for i in range(10)]
    first += [f"o{i},2019-01-10T11:00:00,Other" for i in range(5)]
    first += ["apr,2019-04-02T10:00:00,White"]
    load_files(sqlite_store, [_bundle(tmp_path / "first", first)], kind="bundle")
    late = _bundle(
        tmp_path / "late", [f"f{i},2019-02-10T10:00:00,Other" for i in range(2)]
    )
    once = load_files(sqlite_store, [late], kind="bundle")
    assert (
        _searches_by_group(
            _partner_year_to_march_2019(
                sqlite_store, force=None, areas=list(HUMBERSIDE)
            )
        )["Other"]
        == 5
    )
    with sqlite_store.transaction() as tx:
        tx._execute("DELETE FROM stops WHERE load_id = ?", [once.load_id])
    again = load_files(sqlite_store, [late], kind="bundle")
    assert sum(f.loaded for f in again.files) == 2
    eq = _partner_year_to_march_2019(sqlite_store, force=None, areas=list(HUMBERSIDE))
    assert _searches_by_group(eq)["Other"] == 5
    assert _late_notes(eq)
    year = (dt.date(2018, 4, 1), dt.date(2019, 3, 31))
    found = searches_loaded_late(sqlite_store, None, year)
    assert again.load_id in {load for load, _ in found.files}
    # loaded a third time, all its rows stored: nothing added, no row recorded
    loads = sqlite_store.count("loads")
    load_files(sqlite_store, [late], kind="bundle")
    assert sqlite_store.count("loads") == loads


def test_an_in_time_bundle_loaded_again_after_its_rows_were_deleted_stays_in(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A bundle of January 2019 (Other 5) loaded in time, then an April search
    that made the year to March 2019 over: partners read Other 5. The January
    rows deleted by hand and the same bundle (same bytes) loaded again: its
    searches were loaded when the file was first recorded, in time, and stay in
    the year (they counted as late once the second load was recorded: partners
    read Other 5, then no figure)."""
    _no_searches(sqlite_store, tmp_path)
    january = [f"w{i},2019-01-10T10:00:00,White" for i in range(10)]
    january += [f"o{i},2019-01-10T11:00:00,Other" for i in range(5)]
    bundle = _bundle(tmp_path / "january", january)
    once = load_files(sqlite_store, [bundle], kind="bundle")
    april = ["apr,2019-04-02T10:00:00,White"]
    load_files(sqlite_store, [_bundle(tmp_path / "april", april)], kind="bundle")

    def others() -> int:
        eq = _partner_year_to_march_2019(
            sqlite_store, force=None, areas=list(HUMBERSIDE)
        )
        assert not _late_notes(eq)
        return _searches_by_group(eq)["Other"]

    assert others() == 5
    with sqlite_store.transaction() as tx:
        tx._execute("DELETE FROM stops WHERE load_id = ?", [once.load_id])
    again = load_files(sqlite_store, [bundle], kind="bundle")
    assert sum(f.loaded for f in again.files) == 15
    assert others() == 5
    year = (dt.date(2018, 4, 1), dt.date(2019, 3, 31))
    assert searches_loaded_late(sqlite_store, None, year).searches == 0


def test_a_year_once_over_stays_over_when_the_searches_after_it_are_deleted(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Through the loader: January 2019 (Other 5) and an April search loaded on
    1 May made the year to March 2019 over; a late batch of 2 Other searches of
    February loaded after was left out. The April search deleted (by hand, or
    police.uk re-issuing April without it), the year was first over at a later
    load, and the batch came into a year partners had read without it (Other 5,
    then 7 once another April search came). The loads keep the latest search
    time they stored: the year stays over from the first load, the batch late."""
    _no_searches(sqlite_store, tmp_path)
    first = [f"o{i},2019-01-10T11:00:00,Other" for i in range(5)]
    first += ["apr,2019-04-02T10:00:00,White"]
    load_files(sqlite_store, [_bundle(tmp_path / "first", first)], kind="bundle")
    late = [f"f{i},2019-02-10T10:00:00,Other" for i in range(2)]
    load_files(sqlite_store, [_bundle(tmp_path / "late", late)], kind="bundle")

    def others() -> int:
        eq = _partner_year_to_march_2019(
            sqlite_store, force=None, areas=list(HUMBERSIDE)
        )
        return _searches_by_group(eq)["Other"]

    assert others() == 5
    with sqlite_store.transaction() as tx:
        tx._execute("DELETE FROM stops WHERE occurred_at >= '2019-04-01'")
    assert others() == 5  # the year is still over: the one partners read
    may = ["may,2019-05-02T10:00:00,White"]
    load_files(sqlite_store, [_bundle(tmp_path / "may", may)], kind="bundle")
    assert others() == 5
    year = (dt.date(2018, 4, 1), dt.date(2019, 3, 31))
    assert searches_loaded_late(sqlite_store, None, year).searches == 2


def test_a_year_loaded_late_whole_says_so(sqlite_store: Store, tmp_path: Path) -> None:
    """Every search of the year loaded after an April search had made it over: a
    partner reads no figure, told that none was loaded in time and how many
    later, not that the store holds no search in the window."""
    _no_searches(sqlite_store, tmp_path)
    _load_april(sqlite_store)
    _load(
        sqlite_store,
        "late",
        dt.datetime(2019, 6, 1, 9),
        _searches("Other", 3, dt.datetime(2019, 2, 10), "feb"),
    )
    eq = _partner_equality(sqlite_store, dt.date(2019, 6, 30))
    assert not eq["available"]
    assert "None of this window's searches was loaded by the time" in eq["note"]
    assert "Searches of this year were loaded after" in eq["note"]
    assert "store holds them from" not in eq["note"]


def test_a_search_of_no_recorded_load_is_taken_as_loaded_first(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A search with no load recorded (stored before loads were, or by hand) is
    taken as loaded before every recorded load: in the year, it counts; after
    the year, the year was over before any recorded load, so the year's
    searches of recorded loads are late."""
    _two_months(sqlite_store, tmp_path, january_source="humberside-records")
    year = (dt.date(2018, 4, 1), dt.date(2019, 3, 31))
    assert searches_loaded_late(sqlite_store, "humberside", year).searches == 0
    _load(
        sqlite_store,
        "late",
        dt.datetime(2019, 6, 1, 9),
        _searches("Other", 2, dt.datetime(2019, 2, 10), "feb"),
    )
    late = searches_loaded_late(sqlite_store, "humberside", year)
    assert (late.files, late.searches) == (frozenset({("late", None)}), 2)


def test_a_partner_cannot_difference_a_year_read_with_and_without_the_force(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A store of two forces, the year to March 2019 of Humberside's own records
    alone: a London search of April 2019 loaded first (1 May) made the year over
    for a reading of no force named, Humberside's April (3 May) for one naming
    Humberside. A batch of 2 Other searches of Humberside's March loaded between
    (2 May) was left out of the first and counted in the second, and the two
    readings, open to a partner at once, differed by it. A partner's reading of
    no force is that of the one force of the year's searches: the same figures."""
    _no_searches(sqlite_store, tmp_path)
    _load_january(sqlite_store, dt.datetime(2019, 4, 5, 9))
    london = {"force": "london", "lat": 51.515, "lon": -0.09}
    _load(
        sqlite_store,
        "london-april",
        dt.datetime(2019, 5, 1, 9),
        [
            {**row, **london}
            for row in _searches("White", 1, dt.datetime(2019, 4, 2), "ld")
        ],
        source="policeuk",
    )
    _load(
        sqlite_store,
        "march",
        dt.datetime(2019, 5, 2, 9),
        _searches("Other", 2, dt.datetime(2019, 3, 10), "mar"),
    )
    _load(
        sqlite_store,
        "april",
        dt.datetime(2019, 5, 3, 9),
        _searches("White", 1, dt.datetime(2019, 4, 2), "apr"),
    )

    def read(force: str | None) -> dict[str, Any]:
        return _partner_year_to_march_2019(
            sqlite_store, force=force, areas=list(HUMBERSIDE)
        )

    named, unnamed = read("humberside"), read(None)
    assert _searches_by_group(named)["Other"] == 7
    for key in ("rates", "by_legislation", "by_age", "by_sex", "outcomes"):
        assert unnamed[key] == named[key], key
    assert unnamed["area_table"] == named["area_table"]
