"""Risk: RFGH parts, repeat victims, ASB escalation, ranking rule, configuration."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from avert.analyse.risk import (
    asb_escalation_risk,
    offender_risk,
    risk_lists_to_dict,
    victim_risk,
)
from avert.config.risk import default_risk_config, load_risk_config
from avert.errors import ConfigError, SchemaError

AT = dt.datetime(2024, 12, 31, 12, 0)


def _planted_offenders(seed: int = 5) -> tuple[pl.DataFrame, pl.DataFrame, set[str]]:
    """500 occasional offenders (1-2 offences) and 20 planted high-rate ones (10-25)."""
    rng = np.random.default_rng(seed)
    people = [f"p{i:03d}" for i in range(500)]
    high = [f"h{i:02d}" for i in range(20)]
    offences = rng.integers(1, 3, 500).tolist() + rng.integers(10, 26, 20).tolist()
    who = np.repeat(people + high, offences)
    n = who.size
    days = rng.integers(0, 365, n)
    incidents = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(n)],
            "occurred_from": [AT - dt.timedelta(days=int(d)) for d in days],
            "harm_days": rng.choice(
                [2.0, 10.0, 30.0, 365.0], n, p=[0.5, 0.3, 0.15, 0.05]
            ),
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": incidents["incident_id"],
            "person_id": who,
            "role": ["offender"] * n,
        }
    )
    return incidents, involvements, set(high)


def test_planted_high_rate_offenders_top_the_list() -> None:
    incidents, involvements, high = _planted_offenders()
    res = offender_risk(incidents, involvements, at=AT)
    top20 = set(res.frame.head(20)["person_id"].to_list())
    assert len(top20 & high) >= 16  # >= 80 %
    parts = res.frame.select(res.parts).sum_horizontal()
    assert np.allclose(parts.to_numpy(), res.frame["score"].to_numpy())
    assert res.frame["rank"].to_list() == list(range(1, res.frame.height + 1))
    assert "365 days" in res.population


def test_rfgh_parts_follow_bands() -> None:
    incidents = pl.DataFrame(
        {
            "incident_id": ["a", "b", "c", "old"],
            "occurred_from": [
                AT - dt.timedelta(days=10),
                AT - dt.timedelta(days=100),
                AT - dt.timedelta(days=200),
                AT - dt.timedelta(days=400),
            ],
            "harm_days": [365.0, 10.0, None, 5000.0],
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ["a", "b", "c", "old"],
            "person_id": ["x", "x", "y", "x"],
            "role": ["offender"] * 4,
        }
    )
    res = offender_risk(incidents, involvements, at=AT)
    x = res.frame.filter(pl.col("person_id") == "x").to_dicts()[0]
    assert x["n_offences"] == 2  # 'old' is outside the 365-day window
    assert x["part_recency"] == 5  # last offence 10 days ago: <= 30 days
    assert x["part_frequency"] == 2
    assert x["part_gravity"] == 5  # 365 CCHI days
    assert x["part_harm"] == 4  # 375 days total
    assert x["score"] == 16
    y = res.frame.filter(pl.col("person_id") == "y").to_dicts()[0]
    assert y["part_gravity"] == 0  # null harm counts 0 days
    # ... and the list says so ('old', outside the window, is not counted)
    assert res.notes == (
        "1 offences of the window have no harm weight: they count as 0 days in "
        "gravity and harm (the parts and the order understate them).",
    )
    assert (
        offender_risk(
            incidents.filter(pl.col("incident_id") != "c"), involvements, at=AT
        ).notes
        == ()
    )
    with pytest.raises(SchemaError, match="classify"):
        offender_risk(incidents.drop("harm_days"), involvements, at=AT)


def test_exact_ties_fall_back_to_person_id() -> None:
    incidents = pl.DataFrame(
        {
            "incident_id": ["a", "b"],
            "occurred_from": [AT, AT],
            "harm_days": [10.0, 10.0],
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ["a", "b"],
            "person_id": ["zz", "aa"],
            "role": ["offender", "offender"],
        }
    )
    res = offender_risk(incidents, involvements, at=AT)
    assert res.frame["person_id"].to_list() == ["aa", "zz"]


def _two_offenders(
    harm: tuple[float, float], days_ago: tuple[int, int]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    incidents = pl.DataFrame(
        {
            "incident_id": ["a", "b"],
            "occurred_from": [AT - dt.timedelta(days=d) for d in days_ago],
            "harm_days": list(harm),
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ["a", "b"],
            "person_id": ["aa", "zz"],
            "role": ["offender", "offender"],
        }
    )
    return incidents, involvements


def test_equal_scores_rank_by_harm_days_then_recency_not_by_id() -> None:
    # same bands, so the same score; zz has more harm: zz first although "aa" < "zz"
    res = offender_risk(*_two_offenders((10.0, 12.0), (5, 5)), at=AT)
    assert res.frame["score"].n_unique() == 1
    assert res.frame["person_id"].to_list() == ["zz", "aa"]
    cols = res.frame.columns
    assert cols[: cols.index("harm_days") + 1] == [
        "rank",
        "person_id",
        "score",
        "harm_days",
    ]  # the tie-break figure is shown beside the score
    # same harm and score; zz offended more recently: zz first
    res = offender_risk(*_two_offenders((10.0, 10.0), (20, 3)), at=AT)
    assert res.frame["score"].n_unique() == 1
    assert res.frame["person_id"].to_list() == ["zz", "aa"]
    assert "harm days, then recency" in res.to_dict()["ranking"]


def test_victim_ties_rank_by_counts_then_recency() -> None:
    incidents = pl.DataFrame(
        {
            "incident_id": ["a", "b"],
            "occurred_from": [AT - dt.timedelta(days=6), AT - dt.timedelta(days=2)],
        }
    )
    involvements = pl.DataFrame(
        {"incident_id": ["a", "b"], "person_id": ["aa", "zz"], "role": ["victim"] * 2}
    )
    res = victim_risk(incidents, involvements, at=AT)
    assert res.frame["score"].n_unique() == 1
    assert res.frame["person_id"].to_list() == ["zz", "aa"]


def test_victim_risk_parts() -> None:
    incidents = pl.DataFrame(
        {
            "incident_id": ["a", "b", "c", "d"],
            "occurred_from": [AT - dt.timedelta(days=d) for d in (3, 40, 200, 5)],
            "domestic": [True, True, True, False],
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ["a", "b", "c", "d"],
            "person_id": ["v1", "v1", "v1", "v2"],
            "role": ["victim"] * 4,
        }
    )
    people = pl.DataFrame({"person_id": ["v1", "v2"], "vulnerable": [False, True]})
    res = victim_risk(incidents, involvements, people, at=AT)
    parts = ["part_repeats", "part_recency", "part_vulnerability", "part_domestic"]
    by_person = {
        r.pop("person_id"): r for r in res.frame.select("person_id", *parts).to_dicts()
    }
    assert tuple(by_person["v1"].values()) == (3, 3, 0, 4)
    assert tuple(by_person["v2"].values()) == (0, 3, 2, 0)
    assert res.frame["person_id"].to_list() == ["v1", "v2"]
    assert res.notes == ()


def test_victim_risk_says_which_flags_are_unknown() -> None:
    """An unknown vulnerability or domestic flag scores as 'no': the list says how
    many it treated so, as it does for a missing column."""
    incidents = pl.DataFrame(
        {
            "incident_id": ["a", "b", "c"],
            "occurred_from": [AT - dt.timedelta(days=d) for d in (3, 40, 5)],
            "domestic": [True, None, None],
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ["a", "b", "c", "c"],
            "person_id": ["v1", "v1", "v2", "v3"],
            "role": ["victim"] * 4,
        }
    )
    # v2's flag is empty, v3 has no people row
    people = pl.DataFrame({"person_id": ["v1", "v2"], "vulnerable": [True, None]})
    res = victim_risk(incidents, involvements, people, at=AT)
    assert res.notes == (
        "3 victimisations of the window have no domestic flag: they count as not "
        "domestic in the domestic part.",
        "2 of 3 victims have no recorded vulnerability (no people row, or an empty "
        "flag): they score 0 for vulnerability.",
    )
    assert res.frame.filter(pl.col("person_id") != "v1")[
        "part_vulnerability"
    ].to_list() == [0.0, 0.0]


def _asb_city(
    seed: int = 11,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, set[str]]:
    """200 callers with one or two reports; 5 planted chains: repeated ASB then violence."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(200):
        for _ in range(int(rng.integers(1, 3))):
            rows.append((f"c{i:03d}", int(rng.integers(1, 180)), rng.random() < 0.05))
    chains = {f"k{i}" for i in range(5)}
    for c in chains:
        rows += [(c, d, False) for d in (150, 120, 90, 60)]
    asb = pl.DataFrame(
        {
            "asb_id": [f"a{i}" for i in range(len(rows))],
            "occurred_at": [AT - dt.timedelta(days=d) for _, d, _ in rows],
            "caller_id": [c for c, _, _ in rows],
            "vulnerable_caller": [v for _, _, v in rows],
            "category": ["personal"] * len(rows),
            "x": rng.random(len(rows)) * 5000,
            "y": rng.random(len(rows)) * 5000,
        }
    )
    incidents = pl.DataFrame(
        {
            "incident_id": [f"v{c}" for c in sorted(chains)] + ["before"],
            "occurred_from": [AT - dt.timedelta(days=30)] * 5
            + [AT - dt.timedelta(days=170)],
            "in_definition": [True] * 6,
            "x": [100.0] * 6,
            "y": [100.0] * 6,
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": incidents["incident_id"],
            "person_id": [*sorted(chains), "k0"],
            "role": ["victim"] * 6,
        }
    )
    return asb, incidents, involvements, chains


def test_asb_escalation_chains_rank_in_top_decile() -> None:
    asb, incidents, involvements, chains = _asb_city()
    res = asb_escalation_risk(asb, incidents, involvements, at=AT, unit="caller")
    decile = res.frame.head(max(1, res.frame.height // 10))
    assert chains <= set(decile["person_id"].to_list())
    k0 = res.frame.filter(pl.col("person_id") == "k0").to_dicts()[0]
    assert (
        k0["n_violence_after"] == 1
    )  # the earlier incident came before the first report
    assert k0["meets_case_review"] is True
    assert "182 days" in res.population
    places = asb_escalation_risk(asb, incidents, involvements, at=AT, unit="place")
    assert places.id_column == "place_id"
    assert places.frame["place_id"].str.starts_with("250m:").all()
    out = risk_lists_to_dict([res, places], top=5)
    assert out["kind"] == "asb"
    assert [lst["kind"] for lst in out["lists"]] == ["asb_caller", "asb_place"]
    assert len(out["lists"][0]["rows"]) == 5


def test_config_sources_and_overrides(tmp_path: Path) -> None:
    cfg = default_risk_config()
    assert cfg.offender.window_days == 365
    assert all(
        b.source for b in (cfg.offender.recency, cfg.victim.domestic, cfg.asb.repeats)
    )
    override = tmp_path / "risk.toml"
    override.write_text(
        '[asb]\ntrigger_reports = 2\n[offender.weights]\nharm = 2.0\nsource = "local"\n'
    )
    local = load_risk_config(override)
    assert local.asb.trigger_reports == 2
    assert local.offender.weights["harm"] == 2.0
    assert local.offender.window_days == 365
    bad = tmp_path / "bad.toml"
    bad.write_text("[offender.frequency]\nbands = [[3, 1], [2, 2]]\n")
    with pytest.raises(ConfigError, match=r"offender\.frequency\.bands"):
        load_risk_config(bad)


def test_a_repeated_victim_row_is_one_victimisation() -> None:
    """Two rows of v1 as victim of incident a (an extract that repeats a row, or a
    join) are one victimisation, as two offender rows are one offence: v1 was
    once scored as a repeat, domestic victim twice over."""
    incidents = pl.DataFrame(
        {
            "incident_id": ["a"],
            "occurred_from": [AT - dt.timedelta(days=3)],
            "domestic": [True],
        }
    )
    involvements = pl.DataFrame(
        {"incident_id": ["a", "a"], "person_id": ["v1", "v1"], "role": ["victim"] * 2}
    )
    row = victim_risk(incidents, involvements, at=AT).frame.row(0, named=True)
    assert (row["n_victimisations"], row["n_domestic"]) == (1, 1)
    assert row["part_repeats"] == 0.0  # one victimisation is not a repeat


def test_a_count_in_a_note_separates_its_thousands() -> None:
    """ "1200 offences of the window have no harm weight" read unlike every other
    count avert prints: "1,200"."""
    n = 1200
    incidents = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(n)],
            "occurred_from": [AT - dt.timedelta(days=10)] * n,
            "harm_days": [None] * n,
        },
        schema_overrides={"harm_days": pl.Float64},
    )
    involvements = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(n)],
            "person_id": ["x"] * n,
            "role": ["offender"] * n,
        }
    )
    notes = offender_risk(incidents, involvements, at=AT).notes
    assert notes[0].startswith("1,200 offences of the window have no harm weight")


def test_an_empty_window_says_so_and_where_the_records_are() -> None:
    """A risk list of a window without records says why it is empty (an empty list
    must not read as "no one at risk"), and where the records run."""
    incidents, involvements, _ = _planted_offenders()
    early = AT - dt.timedelta(days=800)
    res = offender_risk(incidents, involvements, at=early)
    assert res.frame.height == 0
    (note,) = [n for n in res.notes if n.startswith("No incident in the window")]
    assert "not because no one is at risk" in note
    first = incidents["occurred_from"].min()
    assert f"run from {first:%Y-%m-%d} to {AT:%Y-%m-%d}" in note
    # nothing at all on or before then
    none_before = offender_risk(incidents.head(0), involvements, at=early)
    assert any("there is no incident on or before" in n for n in none_before.notes)


def test_a_window_whose_records_name_no_one_says_so() -> None:
    incidents, _, _ = _planted_offenders()
    nobody = pl.DataFrame(
        schema={"incident_id": pl.String, "person_id": pl.String, "role": pl.String}
    )
    res = victim_risk(incidents, nobody, at=AT)
    n_window = incidents.filter(
        pl.col("occurred_from") > AT - dt.timedelta(days=365)
    ).height
    assert any(
        n.startswith(f"None of the {n_window:,} incidents of the 365 days")
        and "as victim" in n
        for n in res.notes
    )
    # a list with people in it has no such note
    full = offender_risk(incidents, _planted_offenders()[1], at=AT)
    assert not any("the list is empty" in n for n in full.notes)


def test_an_empty_asb_window_says_so() -> None:
    asb = pl.DataFrame(
        {
            "asb_id": ["a1", "a2"],
            "occurred_at": [AT - dt.timedelta(days=400), AT - dt.timedelta(days=300)],
            "caller_id": ["c1", "c1"],
            "x": [1.0, 1.0],
            "y": [1.0, 1.0],
        }
    )
    incidents = pl.DataFrame(
        schema={"incident_id": pl.String, "occurred_from": pl.Datetime("us")}
    )
    res = asb_escalation_risk(asb, incidents, None, at=AT, unit="caller")
    assert res.frame.height == 0
    assert any(
        n.startswith("No ASB report in the window (the 182 days to") and "run from" in n
        for n in res.notes
    )


def test_a_top_cut_inside_an_exact_tie_says_so() -> None:
    """Three co-offenders of one incident share every figure behind their score:
    a list of the top 2 names two of them by id alone, and says so."""
    incidents = pl.DataFrame(
        {
            "incident_id": ["i1", "i2"],
            "occurred_from": [AT - dt.timedelta(days=3), AT - dt.timedelta(days=40)],
            "harm_days": [365.0, 10.0],
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ["i1", "i1", "i1", "i2"],
            "person_id": ["c", "a", "b", "d"],
            "role": ["offender"] * 4,
        }
    )
    res = offender_risk(incidents, involvements, at=AT)
    assert res.frame["person_id"].to_list() == ["a", "b", "c", "d"]
    (note,) = [n for n in res.to_dict(top=2)["notes"] if "exact tie" in n]
    assert note.startswith(
        "The top 2 end inside an exact tie: 2 of the 3 people with score "
    )
    assert note.endswith("the other 1 is left out by id order alone.")
    # the top 3 (all of the tie) and the top 1 of a list of distinct figures: no note
    assert not any("exact tie" in n for n in res.to_dict(top=3)["notes"])
    assert not any("exact tie" in n for n in res.to_dict(top=None)["notes"])


def test_victim_risk_without_flag_columns_says_so_in_order() -> None:
    """No ``domestic`` column and no people: both parts score 0 and the notes say
    so, the domestic note first."""
    incidents = pl.DataFrame(
        {
            "incident_id": ["a", "b"],
            "occurred_from": [AT - dt.timedelta(days=d) for d in (3, 40)],
        }
    )
    involvements = pl.DataFrame(
        {"incident_id": ["a", "b"], "person_id": ["v1", "v1"], "role": ["victim"] * 2}
    )
    res = victim_risk(incidents, involvements, at=AT)
    assert res.notes == (
        "incidents has no 'domestic' flag: the domestic part scores 0.",
        "No people.vulnerable: the vulnerability part scores 0.",
    )
    assert res.frame["part_domestic"].to_list() == [0.0]
    assert res.frame["part_vulnerability"].to_list() == [0.0]
    assert res.frame["vulnerable"].to_list() == [False]


def test_asb_callers_without_involvements_say_violence_is_unseen() -> None:
    asb, incidents, _, _ = _asb_city()
    res = asb_escalation_risk(asb, incidents, None, at=AT, unit="caller")
    assert res.notes == (
        "No involvements: violence against callers cannot be seen (part scores 0).",
    )
    assert res.frame["n_violence_after"].sum() == 0
    assert res.frame["part_violence_after"].sum() == 0.0


def test_a_date_alone_counts_its_days_since_from_its_days_end() -> None:
    """A record dated alone (stored at 00:00) may have happened late in its day:
    its days since run from the day's end (an hour's from the hour's end), never
    below 0; the last record is the one whose period ends last, and the list says
    its precision. Before, 00:00 overstated them by up to a day."""
    day = dt.datetime.combine(AT.date(), dt.time())  # 00:00 of AT's day (12:00)
    rows = [  # (incident, person, occurred_from, time_precision)
        ("a", "aa", day - dt.timedelta(days=1), "day"),
        ("b", "bb", day - dt.timedelta(hours=6), "exact"),  # 18:00 the day before
        ("c", "bb", day - dt.timedelta(days=1), "day"),  # ends after b
        ("d", "cc", day, "day"),  # AT's own day: ends after AT
        ("e", "dd", AT - dt.timedelta(hours=2), "hour"),
        ("f", "ee", day - dt.timedelta(days=1), None),  # no precision: exact
    ]
    incidents = pl.DataFrame(
        {
            "incident_id": [r[0] for r in rows],
            "occurred_from": [r[2] for r in rows],
            "time_precision": [r[3] for r in rows],
            "harm_days": [1.0] * len(rows),
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": [r[0] for r in rows],
            "person_id": [r[1] for r in rows],
            "role": ["offender"] * len(rows),
        }
    )
    expected = {  # person: (days since, last_at, last_precision)
        "aa": (0.5, day - dt.timedelta(days=1), "day"),
        "bb": (0.5, day - dt.timedelta(days=1), "day"),
        "cc": (0.0, day, "day"),
        "dd": (1 / 24, AT - dt.timedelta(hours=2), "hour"),
        "ee": (1.5, day - dt.timedelta(days=1), None),
    }
    victims = involvements.with_columns(pl.lit("victim").alias("role"))
    for res in (
        offender_risk(incidents, involvements, at=AT),
        victim_risk(incidents.drop("harm_days"), victims, at=AT),
    ):
        got = {
            r["person_id"]: (
                pytest.approx(r["days_since_last"]),
                r["last_at"],
                r["last_precision"],
            )
            for r in res.frame.to_dicts()
        }
        assert got == expected
    # without the column every record is exact, as before
    plain = offender_risk(incidents.drop("time_precision"), involvements, at=AT)
    assert dict(plain.frame.select("person_id", "days_since_last").iter_rows()) == {
        "aa": 1.5,
        "bb": 0.75,
        "cc": 0.5,
        "dd": pytest.approx(2 / 24),
        "ee": 1.5,
    }


def test_a_date_alone_on_the_windows_first_day_is_scored() -> None:
    """The window ``(at - 365 days, at]`` at 12:00 starts at 12:00 on its first
    day: a record dated alone that day (stored at 00:00) may have happened after
    that, and the briefing's incidents list has it, but the scores compared its
    00:00 and left it out. Now it counts (its day overlaps the window); one with
    its time at 11:00 that day stays out, and the list's frame of incidents without
    ``time_precision`` is read as exact times."""
    first = dt.datetime.combine((AT - dt.timedelta(days=365)).date(), dt.time())
    incidents = pl.DataFrame(
        {
            "incident_id": ["alone", "timed", "inside"],
            "occurred_from": [first, first + dt.timedelta(hours=11), AT],
            "time_precision": ["day", "exact", "exact"],
            "harm_days": [1.0, 1.0, 1.0],
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ["alone", "timed", "inside", "alone"],
            "person_id": ["p1", "p2", "p3", "p3"],
            "role": ["offender"] * 4,
        }
    )
    victims = involvements.with_columns(pl.lit("victim").alias("role"))
    for res in (
        offender_risk(incidents, involvements, at=AT),
        victim_risk(incidents.drop("harm_days"), victims, at=AT),
    ):
        col = "n_offences" if res.kind == "offender" else "n_victimisations"
        counts = dict(res.frame.select("person_id", col).rows())
        assert counts == {"p1": 1, "p3": 2}
    exact = offender_risk(incidents.drop("time_precision"), involvements, at=AT)
    assert dict(exact.frame.select("person_id", "n_offences").rows()) == {"p3": 1}


def test_an_asb_report_dated_alone_counts_by_its_day() -> None:
    """A caller's three ASB reports of the 182 days to 31 Dec 2024 12:00, the
    first dated 2 Jul 2024 alone (stored at 00:00; the window starts at 12:00
    that day, so it may be in it) and the last dated 30 Dec alone (its day ends
    12 hours before ``at``). Without ``time_precision`` (as before 0034) the
    first was out: 2 reports, short of the case review threshold of 3, and the
    last 1.5 days old; by their days: 3 reports, 0.5 days."""
    first = dt.datetime(2024, 7, 2)
    assert AT - dt.timedelta(days=182) == first + dt.timedelta(hours=12)
    asb = pl.DataFrame(
        {
            "asb_id": ["a1", "a2", "a3"],
            "occurred_at": [
                first,
                dt.datetime(2024, 9, 1, 10),
                dt.datetime(2024, 12, 30),
            ],
            "time_precision": ["day", "exact", "day"],
            "caller_id": ["c1"] * 3,
        }
    )
    incidents = pl.DataFrame(
        schema={"incident_id": pl.String, "occurred_from": pl.Datetime("us")}
    )
    cols = ["n_reports", "meets_case_review", "days_since_last", "last_at"]
    got = asb_escalation_risk(asb, incidents, None, at=AT, unit="caller").frame
    assert got.select(cols).rows() == [(3, True, 0.5, dt.datetime(2024, 12, 30))]
    stored = asb_escalation_risk(
        asb.drop("time_precision"), incidents, None, at=AT, unit="caller"
    ).frame
    assert stored.select(cols).rows() == [(2, False, 1.5, dt.datetime(2024, 12, 30))]


def test_violence_dated_alone_on_the_first_report_s_day_counts_after_it() -> None:
    """Caller c1 first reported ASB on 1 Dec 2024 at 09:00 and was the victim of
    violence dated 1 Dec alone (stored at 00:00, of any time that day); caller c2
    reported on 1 Dec alone (stored at 00:00) and was the victim at 10:00 that
    day. Both may be after the report (their order is unknown, as reports of one
    day in the ASB bridge). By the stored times c2's counted and c1's did not:
    the answer hung on which record happened to be dated alone. Violence the
    day before c1's report, dated alone, stays before it."""
    asb = pl.DataFrame(
        {
            "asb_id": ["a1", "a2"],
            "occurred_at": [dt.datetime(2024, 12, 1, 9), dt.datetime(2024, 12, 1)],
            "time_precision": ["exact", "day"],
            "caller_id": ["c1", "c2"],
        }
    )
    incidents = pl.DataFrame(
        {
            "incident_id": ["v1", "v2", "v0"],
            "occurred_from": [
                dt.datetime(2024, 12, 1),
                dt.datetime(2024, 12, 1, 10),
                dt.datetime(2024, 11, 30),
            ],
            "time_precision": ["day", "exact", "day"],
            "in_definition": [True] * 3,
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ["v1", "v2", "v0"],
            "person_id": ["c1", "c2", "c1"],
            "role": ["victim"] * 3,
        }
    )
    got = asb_escalation_risk(asb, incidents, involvements, at=AT, unit="caller")
    after = dict(got.frame.select("person_id", "n_violence_after").rows())
    assert after == {"c1": 1, "c2": 1}
