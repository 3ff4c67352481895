"""The generated data show what truth.json says was planted."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avert.analyse import networks as nw
from avert.analyse.nearrepeat import knox_test
from avert.synth import City, CityConfig, make_city, offender_harm_share, tiny_city
from avert.synth._tables import harm_days, offence_mix


def _read(bundle: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(
        bundle / f"{name}.csv", infer_schema_length=0, try_parse_dates=False
    )


def _ts(col: str) -> pl.Expr:
    return pl.col(col).str.to_datetime("%Y-%m-%dT%H:%M:%S")


def test_top20_harm_share_matches_the_written_data(small_bundle: Path) -> None:
    truth = json.loads((small_bundle / "truth.json").read_text(encoding="utf-8"))
    inc = _read(small_bundle, "incidents")
    inv = _read(small_bundle, "involvements")
    # recomputed independently from the CSV files
    harm = inc.select(
        "incident_id", pl.Series("h", harm_days(inc["offence_code"].to_numpy()))
    )
    per = (
        inv.filter(pl.col("role").is_in(["suspect", "offender"]))
        .unique(["incident_id", "person_id"])
        .join(harm, on="incident_id")
        .group_by("person_id")
        .agg(pl.col("h").sum())
        .sort("h", descending=True)
    )
    k = int(np.ceil(0.2 * per.height))
    share = per["h"].head(k).sum() / per["h"].sum()
    assert abs(share - truth["top20_offender_harm_share"]) < 0.01
    assert 0.5 < share < 1.0  # heavy tailed, not degenerate


def test_harm_weights_are_avert_own() -> None:
    w = harm_days(np.array(["105A", "8N", "5D", "1/4.1/4.10/4.2", "no-such-code"]))
    assert w[0] < w[1] < w[2] < w[3]
    assert w[4] == 0.0
    assert (harm_days(offence_mix()["offence_code"].to_numpy()) > 0).mean() > 0.9


def test_every_reprisal_pair_exists(small_city: City) -> None:
    truth = small_city.truth.fields
    assert len(truth["reprisal_pairs"]) > 0
    inc = small_city.incidents.select("incident_id", "occurred_from").to_dict(
        as_series=False
    )
    when = dict(zip(inc["incident_id"], inc["occurred_from"], strict=True))
    inv = small_city.involvements
    members = {g["group_id"]: set(g["members"]) for g in truth["groups"]}
    rivals = {g["group_id"]: set(g["rivals"]) for g in truth["groups"]}
    max_days = small_city.config.reprisal_max_days
    for pair in truth["reprisal_pairs"]:
        o, r = pair["original_incident_id"], pair["reprisal_incident_id"]
        assert o in when
        assert r in when
        assert timedelta(0) < when[r] - when[o] <= timedelta(days=max_days)
        vg, tg = pair["victim_group"], pair["target_group"]
        assert pair["retaliating_group"] == vg
        assert tg in rivals[vg]
        orig = inv.filter(pl.col("incident_id") == o)
        rep = inv.filter(pl.col("incident_id") == r)
        assert set(orig.filter(pl.col("role") == "victim")["person_id"]) <= members[vg]
        assert set(orig.filter(pl.col("role") != "victim")["person_id"]) <= members[tg]
        assert set(rep.filter(pl.col("role") == "victim")["person_id"]) <= members[tg]
        assert set(rep.filter(pl.col("role") != "victim")["person_id"]) <= members[vg]


def test_escalation_chains_exist(small_bundle: Path) -> None:
    truth = json.loads((small_bundle / "truth.json").read_text(encoding="utf-8"))
    chains = truth["escalation_chains"]
    assert len(chains) >= 1
    asb = _read(small_bundle, "asb").with_columns(_ts("occurred_at"))
    inc = _read(small_bundle, "incidents").with_columns(_ts("occurred_at"))
    inv = _read(small_bundle, "involvements")
    people = _read(small_bundle, "people")
    for chain in chains:
        reports = asb.filter(pl.col("asb_id").is_in(chain["asb_ids"]))
        assert reports.height == len(chain["asb_ids"]) >= 3
        assert set(reports["caller_id"]) == {chain["caller_id"]}
        assert reports["vulnerable_caller"].to_list() == ["true"] * reports.height
        assert (
            people.filter(pl.col("person_id") == chain["caller_id"])[
                "vulnerable"
            ].item()
            == "true"
        )
        assert reports["occurred_at"].max() - reports["occurred_at"].min() <= timedelta(
            days=182
        )  # type: ignore[operator]
        violence = inc.filter(pl.col("incident_id") == chain["incident_id"])
        assert violence["crime_type"].item() == "Violence and sexual offences"
        assert violence["occurred_at"].item() > reports["occurred_at"].max()
        victims = inv.filter(
            (pl.col("incident_id") == chain["incident_id"])
            & (pl.col("role") == "victim")
        )
        assert victims["person_id"].to_list() == [chain["caller_id"]]


def test_high_rate_offenders_are_recent_and_heavy(small_city: City) -> None:
    truth = small_city.truth.fields
    high = truth["high_rate_offenders"]
    assert len(high) == small_city.config.n_high_rate
    end = small_city.extracted_at
    off = small_city.involvements.filter(pl.col("role") == "offender").join(
        small_city.incidents.select("incident_id", "occurred_from"), on="incident_id"
    )
    stats = off.group_by("person_id").agg(
        pl.len().alias("n"), pl.col("occurred_from").max().alias("last")
    )
    mine = stats.filter(pl.col("person_id").is_in(high))
    assert mine.height == len(high)
    assert (mine["last"] > end - timedelta(days=31)).all()
    # planted high-rate offenders dominate the offence counts
    top = stats.sort(["n", "person_id"], descending=[True, False]).head(len(high))
    assert top["person_id"].is_in(high).mean() >= 0.8


def test_groups_co_offend_mostly_inside(medium_city: City) -> None:
    truth = medium_city.truth.fields
    group_of = {p: g["group_id"] for g in truth["groups"] for p in g["members"]}
    assert {g["continuum"] for g in truth["groups"]} == {
        "peer_group",
        "street_gang",
        "organised_network",
    }
    inv = medium_city.involvements.filter(pl.col("role").is_in(["suspect", "offender"]))
    pairs = inv.join(inv, on="incident_id", suffix="_b").filter(
        pl.col("person_id") < pl.col("person_id_b")
    )
    a = pairs["person_id"].to_list()
    b = pairs["person_id_b"].to_list()
    member_pairs = [
        (group_of.get(x), group_of.get(y))
        for x, y in zip(a, b, strict=True)
        if x in group_of or y in group_of
    ]
    inside = sum(1 for x, y in member_pairs if x is not None and x == y)
    assert inside / len(member_pairs) > 0.8
    # every member co-offends with another member of their group at least once
    inside_people = {
        p
        for x, y, pa, pb in zip(
            [group_of.get(v) for v in a],
            [group_of.get(v) for v in b],
            a,
            b,
            strict=True,
        )
        if x is not None and x == y
        for p in (pa, pb)
    }
    assert len(inside_people) / len(group_of) > 0.9
    declared = set(medium_city.groups["group_id"])
    assert 0 < len(declared) < len(truth["groups"])  # some groups only


def test_continuum_behaviour_differs(medium_city: City) -> None:
    truth = medium_city.truth.fields
    level = {p: g["continuum"] for g in truth["groups"] for p in g["members"]}
    inv = medium_city.involvements.filter(pl.col("role").is_in(["suspect", "offender"]))
    inc = inv.with_columns(
        pl.col("person_id").replace_strict(level, default=None).alias("level")
    ).drop_nulls("level")
    inc = inc.unique(["incident_id", "level"]).join(
        medium_city.incidents, on="incident_id"
    )
    prof = (
        inc.with_columns(pl.Series("h", harm_days(inc["offence_code"].to_numpy())))
        .group_by("level")
        .agg(
            (pl.col("weapon") == "firearm").mean().alias("firearm"),
            (pl.col("weapon") != "none").mean().alias("weapon"),
            pl.col("h").mean().alias("harm"),
        )
    )
    p = {r["level"]: r for r in prof.to_dicts()}
    assert p["organised_network"]["firearm"] >= 0.15
    assert (
        p["organised_network"]["harm"]
        > p["street_gang"]["harm"]
        > p["peer_group"]["harm"]
    )
    assert p["street_gang"]["weapon"] > 0.25 > p["peer_group"]["weapon"]


def test_domestic_dyads_escalate(medium_city: City) -> None:
    truth = medium_city.truth.fields
    inc = medium_city.incidents.select(
        "incident_id", "occurred_from", "offence_code", "domestic"
    )
    rising = 0
    escalating = [d for d in truth["domestic_dyads"] if d["escalating"]]
    assert len(escalating) > 5
    for dyad in escalating:
        rows = inc.filter(pl.col("incident_id").is_in(dyad["incident_ids"])).sort(
            "occurred_from"
        )
        assert rows["domestic"].all()
        h = harm_days(rows["offence_code"].to_numpy())
        gaps = (
            np.diff(rows["occurred_from"].to_numpy())
            .astype("timedelta64[s]")
            .astype(float)
        )
        if h[-1] > h[0] and gaps[-1] < gaps[0]:
            rising += 1
    assert rising / len(escalating) > 0.8
    share = truth["rates_realised"]["domestic_share_of_violence_against_the_person"]
    assert abs(share - medium_city.config.domestic_share_violence) < 0.08


def test_stop_disproportionality_is_planted() -> None:
    city = make_city(
        CityConfig(people=5_000, days=365, stops_per_1000_per_year=600), seed=3
    )
    truth = city.truth.fields["stops"]
    pop = city.truth.fields["population"]["by_ethnicity"]
    counts = city.stops.group_by("ethnicity").len().to_dict(as_series=False)
    n = dict(zip(counts["ethnicity"], counts["len"], strict=True))
    ratio = (n["Black"] / pop["Black"]) / (n["White"] / pop["White"])
    assert ratio == pytest.approx(truth["realised_ratios"]["Black"])
    assert ratio == pytest.approx(truth["planted_ratios"]["Black"], rel=0.2)


def test_ed_attendances_mostly_unknown_to_police(medium_city: City) -> None:
    att = medium_city.truth.fields["attendances"]
    assert att["reported_share_realised"] == pytest.approx(
        medium_city.config.ed_reported_share, abs=0.01
    )
    linked = {i for _, i in att["links"]}
    injured = medium_city.incidents.filter(pl.col("incident_id").is_in(list(linked)))
    assert injured.height == len(linked)
    assert injured["injury"].is_in(["minor", "serious"]).all()


def test_rhythms_and_concentration(medium_city: City) -> None:
    inc = medium_city.incidents.filter(
        pl.col("crime_type") == "Violence and sexual offences", ~pl.col("domestic")
    )
    t = inc["occurred_from"]
    weekend_night = (
        (t.dt.weekday().is_in([5, 6]) & (t.dt.hour() >= 20))
        | (t.dt.weekday().is_in([6, 7]) & (t.dt.hour() < 4))
    ).mean()
    # four of 168 weekly hours x 4 = 16/168 ~ 9.5 % if flat
    assert weekend_night is not None
    assert weekend_night > 0.15
    summer = t.dt.month().is_in([6, 7, 8]).mean()
    winter = t.dt.month().is_in([12, 1, 2]).mean()
    assert summer > winter  # type: ignore[operator]
    places = medium_city.incidents.group_by(
        "x", "y"
    ).len()  # jittered points: use cells
    cells = medium_city.incidents.group_by("lsoa").len().sort("len", descending=True)
    top5 = cells["len"].head(max(1, cells.height // 20)).sum() / cells["len"].sum()
    assert top5 > 0.1
    assert places.height > 0


def test_repeat_victims_and_families(medium_city: City) -> None:
    truth = medium_city.truth.fields
    assert truth["repeat_victims"]["repeat_victim_share"] > 0.1
    assert truth["repeat_victims"]["victimisations_by_repeat_victims_share"] > 0.3
    assert len(truth["families"]["offending_families"]) > 10
    assert len(truth["near_repeat_pairs"]) > 10


def test_intelligence_quality(medium_city: City) -> None:
    intel = medium_city.intelligence
    good = set(medium_city.truth.fields["intelligence"]["accurate_ids"])
    graded = intel.with_columns(pl.col("intel_id").is_in(list(good)).alias("acc"))
    acc = graded.filter(pl.col("acc"))["grading"].str.slice(0, 1)
    bad = graded.filter(~pl.col("acc"))["grading"].str.slice(0, 1)
    assert acc.is_in(["A", "B", "C"]).all()
    assert bad.is_in(["C", "D", "E"]).all()
    groups = {g["group_id"]: g["continuum"] for g in medium_city.truth.fields["groups"]}
    on_ocn = intel.filter(
        pl.col("subject_id").is_in(
            [g for g, lv in groups.items() if lv == "organised_network"]
        )
    )
    assert on_ocn["topic"].is_in(["drugs", "exploitation", "weapon"]).mean() > 0.8  # type: ignore[operator]


def test_tiny_city_is_deterministic() -> None:
    a, b = tiny_city(4), tiny_city(4)
    for name, frame in a.frames().items():
        assert frame.equals(b.frames()[name]), name
    assert a.truth.fields == b.truth.fields


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.sampled_from(["105A", "8N", "5D", "46", "34B"]), min_size=1, max_size=30
    ),
    st.randoms(use_true_random=False),
)
def test_offender_harm_share_properties(codes: list[str], rnd: object) -> None:
    n = len(codes)
    incidents = pl.DataFrame(
        {"incident_id": [f"I{i}" for i in range(n)], "offence_code": codes}
    )
    people = [f"P{i % 7}" for i in range(n)]
    inv = pl.DataFrame(
        {
            "incident_id": incidents["incident_id"],
            "person_id": people,
            "role": ["suspect"] * n,
        }
    )
    share = offender_harm_share(incidents, inv)
    assert 0.2 - 1e-9 <= share <= 1.0 + 1e-9 or share == 0.0
    shuffled = inv.sample(fraction=1.0, shuffle=True, seed=1)
    assert offender_harm_share(incidents, shuffled) == pytest.approx(share)


@pytest.mark.slow
def test_default_city_truth() -> None:
    city = make_city(seed=0)
    t = city.truth.fields
    assert city.incidents.height > 10_000
    assert len(t["high_rate_offenders"]) >= 50
    assert len(t["reprisal_pairs"]) >= 30
    assert len(t["escalation_chains"]) >= 5
    assert (
        abs(
            offender_harm_share(city.incidents, city.involvements)
            - t["top20_offender_harm_share"]
        )
        < 1e-12
    )
    last_day = city.extracted_at - timedelta(days=1)
    recent = city.incidents.filter(pl.col("occurred_from") >= last_day)
    assert recent.height > 10
    assert datetime.fromisoformat(t["extracted_at"]) == city.extracted_at


def test_a_family_holds_both_parents_and_all_their_children() -> None:
    """Co-parents share a family, and so do the children of either of them (the
    co-parent's children once kept the co-parent's own, emptied, family)."""
    from avert.synth.city._base import _Ctx
    from avert.synth.city._population import _families, _geography, _people

    ctx = _Ctx(CityConfig(people=5_000, days=30), np.random.default_rng(3))
    pp = _people(ctx, _geography(ctx))
    fam = _families(ctx, pp)
    family = fam.family
    assert len(fam.child) > 100
    assert (family[fam.child] == family[fam.parent]).all()
    coparents = fam.partner[fam.parent] >= 0
    assert coparents.any()
    with_coparent = fam.parent[coparents]
    assert (family[with_coparent] == family[fam.partner[with_coparent]]).all()
    # every family is named by a member that heads it
    assert (family[family] == family).all()


def test_excluding_a_planted_offence_group_is_a_clear_error() -> None:
    from avert.errors import ConfigError

    config = CityConfig(
        people=2_000,
        days=30,
        exclude_offence_groups=("Fraud offences", "Drug offences"),
    )
    with pytest.raises(ConfigError, match=r"'92D' \(Drug offences\)"):
        make_city(config, seed=1)


def _age_at(frame: pl.DataFrame, people: pl.DataFrame, at: str) -> pl.DataFrame:
    """Rows with the person's age at ``at`` as a reader of the bundle sees it: the
    year of the event less the birth year (never less than the true age)."""
    return frame.join(
        people.select("person_id", "birth_year"), on="person_id"
    ).with_columns((pl.col(at).dt.year() - pl.col("birth_year")).alias("age"))


def test_no_one_under_ten_is_accused() -> None:
    """The age of criminal responsibility in England and Wales is 10: a suspect or
    offender younger than that at the incident is a wrong record (a three-year-old was
    once charged with modern slavery as a network's outside co-offender, and people
    10 at the end date offended two years earlier)."""
    city = make_city(CityConfig(people=20_000, days=730), seed=0)
    accused = city.involvements.filter(pl.col("role").is_in(["suspect", "offender"]))
    dated = accused.join(
        city.incidents.select("incident_id", "occurred_from"), on="incident_id"
    )
    young = _age_at(dated, city.people, "occurred_from").filter(pl.col("age") < 10)
    assert young.height == 0, young.head()
    # the outcome of an incident follows from who remains accused in it
    charged = set(city.involvements.filter(pl.col("role") == "offender")["incident_id"])
    said = set(
        city.incidents.filter(pl.col("outcome") == "Charged/summonsed")["incident_id"]
    )
    assert charged == said


def test_parents_are_22_to_38_years_older_than_their_children() -> None:
    """docs/synth.md: a child is matched to a parent 22-38 years older, whose
    co-parent is of about the same age; a co-parent of any age (a 'parent' born in
    the child's own year) was written as a parent of the child, and matches reached
    14-46 years."""
    from avert.synth.city._base import _Ctx
    from avert.synth.city._population import _families, _geography, _people

    ctx = _Ctx(CityConfig(people=20_000, days=365), np.random.default_rng(0))
    pp = _people(ctx, _geography(ctx))
    fam = _families(ctx, pp)
    older = pp.birth_year[fam.child] - pp.birth_year[fam.parent]
    assert len(older) > 1_000
    assert older.min() >= 22
    assert older.max() <= 38
    couples = fam.partner[fam.parent] >= 0
    assert couples.mean() > 0.3
    apart = (
        pp.birth_year[fam.parent[couples]]
        - pp.birth_year[fam.partner[fam.parent[couples]]]
    )
    assert np.abs(apart).max() <= 5
    # and so every parent link of the bundle is 17-43 years by birth year
    city = make_city(CityConfig(people=20_000, days=365), seed=0)
    people = city.people.select("person_id", "birth_year")
    parent = (
        city.relationships.filter(pl.col("kind") == "parent")
        .join(
            people.rename({"person_id": "person_a", "birth_year": "ya"}), on="person_a"
        )
        .join(
            people.rename({"person_id": "person_b", "birth_year": "yb"}), on="person_b"
        )
        .with_columns((pl.col("yb") - pl.col("ya")).alias("gap"))
    )
    assert parent.height > 1_000
    assert parent["gap"].min() >= 17, parent["gap"].min()  # type: ignore[operator]
    assert parent["gap"].max() <= 43, parent["gap"].max()  # type: ignore[operator]


def test_stop_age_ranges_are_the_age_at_the_search() -> None:
    """A person 18 at the end date was 16 at a search two years earlier: the search
    says 10-17 (it once said 18-24, the age at the end date)."""
    city = make_city(CityConfig(people=20_000, days=730), seed=0)
    stops = _age_at(city.stops, city.people, "occurred_at")
    order = ["under 10", "10-17", "18-24", "25-34", "over 34"]

    def band(age: pl.Expr) -> pl.Expr:
        return (
            pl.when(age < 10)
            .then(0)
            .when(age < 18)
            .then(1)
            .when(age < 25)
            .then(2)
            .when(age < 35)
            .then(3)
            .otherwise(4)
        )

    checked = stops.with_columns(
        pl.col("age_range").replace_strict(order, list(range(5))).alias("said"),
        band(pl.col("age")).alias("hi"),
        band(pl.col("age") - 1).alias("lo"),
    )
    wrong = checked.filter(
        (pl.col("said") < pl.col("lo")) | (pl.col("said") > pl.col("hi"))
    )
    assert stops.height > 300
    assert wrong.height == 0, wrong.head()


def test_a_short_city_does_not_pile_incidents_on_one_second() -> None:
    """Escalating domestic dyads longer than the period, reprisal originals in the last
    10 days and ASB escalations past the end were clamped to one instant: a 30-day city
    had 111 incidents at 05:59:59 on its last day and 10 at 05:59:59 ten days before."""
    city = make_city(CityConfig(people=50_000, days=30), seed=0)
    per_second = city.incidents.group_by("occurred_from").len()["len"]
    assert per_second.max() <= 3  # type: ignore[operator]
    t = city.truth.fields
    asb = city.asb.select("asb_id", "occurred_at")
    inc = city.incidents.select("incident_id", "occurred_from")
    for chain in t["escalation_chains"]:
        last = asb.filter(pl.col("asb_id").is_in(chain["asb_ids"]))["occurred_at"].max()
        hit = inc.filter(pl.col("incident_id") == chain["incident_id"])[
            "occurred_from"
        ][0]
        assert timedelta(days=3) <= hit - last <= timedelta(days=21)  # type: ignore[operator]
    # escalating dyads keep their shrinking gaps inside the period
    for dyad in t["domestic_dyads"]:
        if dyad["escalating"]:
            times = (
                inc.filter(pl.col("incident_id").is_in(dyad["incident_ids"]))
                .sort("occurred_from")["occurred_from"]
                .to_list()
            )
            assert len(set(times)) == len(times)


def test_every_group_incident_names_two_or_more_members(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A group incident is committed by 2-4 of its members (docs/synth.md). The
    members were drawn with replacement and a member drawn twice collapsed into
    one involvement: 36 of the 612 group incidents of the default city named a
    single member (and 169 member involvements were lost). Each incident's
    members, as the group step writes them, are now distinct."""
    import avert.synth.city as city_module

    written: list[tuple[np.ndarray, np.ndarray]] = []
    group_incidents = city_module._group_incidents

    def recording(*args: object) -> None:
        ev = args[5]
        involve = ev.involve  # type: ignore[attr-defined]

        def record(ids: np.ndarray, who: np.ndarray, role: object) -> None:
            written.append((np.asarray(ids).copy(), np.asarray(who).copy()))
            involve(ids, who, role)

        ev.involve = record  # type: ignore[attr-defined]
        try:
            group_incidents(*args)
        finally:
            ev.involve = involve  # type: ignore[attr-defined]

    monkeypatch.setattr(city_module, "_group_incidents", recording)
    make_city(CityConfig(people=20_000, days=365), seed=3)
    # per level: the members' involvements, then outsiders', then victims'
    members = written[0::3]
    assert len(members) == 3
    for ids, who in members:
        per_incident = (
            pl.DataFrame({"incident": ids, "person": who})
            .group_by("incident")
            .agg(pl.col("person").n_unique().alias("members"), pl.len().alias("rows"))
        )
        assert per_incident["members"].min() >= 2
        assert (per_incident["members"] == per_incident["rows"]).all()


def test_distinct_members_moves_a_repeated_draw_to_the_next_free_member() -> None:
    from avert.synth.city._groups import _distinct_members

    drawn = np.array([1, 1, 0, 0, 0, 3, 2, 3, 3], dtype=np.int64)
    k = np.array([2, 3, 4], dtype=np.int64)
    sizes = np.array([4, 4, 4], dtype=np.int64)
    got = _distinct_members(drawn, k, sizes)
    # first draws are kept; a repeat moves to the next free position, cyclically
    assert got.tolist() == [1, 2, 0, 1, 2, 3, 2, 0, 1]


def test_every_time_of_the_city_exists_on_a_london_clock() -> None:
    """Times were drawn as seconds of local days, and the day clocks go forward has
    23 hours: the default city wrote 5 times in the skipped hour (01:40 on 29
    March 2026), which exist on no clock and which ``avert ingest bundle`` reports.
    Such a time now reads as the clock does after the change (02:40)."""
    city = make_city(seed=0)
    columns = {
        "incidents": ["occurred_from", "occurred_to"],
        "asb": ["occurred_at"],
        "stops": ["occurred_at"],
        "attendances": ["occurred_at"],
        "intelligence": ["recorded_at"],
        "dash": ["assessed_at"],
    }
    for table, cols in columns.items():
        frame = getattr(city, table)
        for col in cols:
            at = frame[col].drop_nulls()
            on_the_clock = at.dt.replace_time_zone(
                "Europe/London", ambiguous="earliest", non_existent="null"
            )
            assert on_the_clock.null_count() == 0, (
                table,
                col,
                at.filter(on_the_clock.is_null()),
            )


def _accused_outside_groups(city: City) -> pl.DataFrame:
    """Per non-domestic incident with a suspect and no planted group member or
    high-rate offender accused: how many are accused, and the police.uk crime type."""
    truth = city.truth.fields
    planted = [p for g in truth["groups"] for p in g["members"]]
    planted += truth["high_rate_offenders"]
    accused = city.involvements.filter(pl.col("role").is_in(["suspect", "offender"]))
    other = accused.filter(pl.col("person_id").is_in(planted))["incident_id"]
    return (
        accused.filter(~pl.col("incident_id").is_in(other.implode()))
        .group_by("incident_id")
        .agg(pl.len().alias("n_accused"))
        .join(
            city.incidents.filter(~pl.col("domestic")).select(
                "incident_id", "crime_type"
            ),
            on="incident_id",
        )
    )


def test_second_accused_of_background_crime_is_a_documented_rate(
    medium_city: City,
) -> None:
    """docs/synth.md: 15 % of background robbery and violence with a suspect name a
    second one, drawn by propensity anywhere in the city (co-offending outside any
    planted group, which avert's communities find as groups of their own). The rate
    was a hidden constant, neither in CityConfig nor in the docs; with
    ``second_accused_share=0`` only planted groups co-offend."""
    doc = (Path(__file__).parents[2] / "docs" / "synth.md").read_text("utf-8")
    assert "`second_accused_share` | 0.15 " in doc
    assert CityConfig().second_accused_share == 0.15
    outside = _accused_outside_groups(medium_city)
    violent = outside.filter(
        pl.col("crime_type").is_in(["Robbery", "Violence and sexual offences"])
    )
    two = float((violent["n_accused"] >= 2).mean() or 0.0)
    assert 0.08 < two < 0.2, two
    assert outside.filter(
        ~pl.col("crime_type").is_in(["Robbery", "Violence and sexual offences"])
        & (pl.col("n_accused") >= 2)
    ).is_empty()
    none = make_city(
        CityConfig(people=8_000, days=365, second_accused_share=0.0), seed=0
    )
    assert _accused_outside_groups(none)["n_accused"].max() == 1


def test_declared_members_since_is_before_the_first_day_as_documented(
    medium_city: City,
) -> None:
    """docs/synth.md said network members were members "since 2-8 years" without
    saying before what; the generator draws ``since`` 2-8 years before the city's
    first day (gangs 0.5-3, peer groups 0-0.5), not before its last."""
    doc = (Path(__file__).parents[2] / "docs" / "synth.md").read_text("utf-8")
    flat = " ".join(doc.split())
    assert "0.5-3 for street gangs, 2-8 for organised networks" in flat
    first_day = datetime.fromisoformat(medium_city.truth.fields["start"]).date()
    level = {g["group_id"]: g["continuum"] for g in medium_city.truth.fields["groups"]}
    years = medium_city.group_members.select(
        pl.col("group_id").replace_strict(level).alias("level"),
        ((pl.lit(first_day) - pl.col("since")).dt.total_days() / 365.25).alias("y"),
    )
    bounds = {
        "peer_group": (0.0, 0.5),
        "street_gang": (0.5, 3.0),
        "organised_network": (2.0, 8.0),
    }
    for lvl, lo_hi in bounds.items():
        got = years.filter(pl.col("level") == lvl)["y"]
        if got.len():
            assert lo_hi[0] - 0.01 <= got.min() <= got.max() <= lo_hi[1] + 0.01, lvl
    assert years.height > 0


def test_asb_campaign_timing_is_as_documented(medium_city: City) -> None:
    """docs/synth.md said every ASB campaign ended within the last 170 days, over 1-3
    months: only the escalating ones are that recent (the others end anywhere in the
    last 70 % of the period), and a campaign spans 30-68 days (min(80, 0.4 x 170))."""
    doc = " ".join(
        (Path(__file__).parents[2] / "docs" / "synth.md").read_text("utf-8").split()
    )
    assert "3-8 personal ASB incidents over 30-68 days" in doc
    assert "the escalating ASB campaigns (those ending in violence against the" in doc
    assert "ASB campaigns end within the last 170 days" not in doc
    truth = medium_city.truth.fields
    end = datetime.fromisoformat(truth["extracted_at"])
    at = dict(medium_city.asb.select("asb_id", "occurred_at").iter_rows())
    days_before = {
        escalated: [
            [(end - at[a]).total_seconds() / 86_400 for a in c["asb_ids"]]
            for c in truth["asb_campaigns"]
            if c["escalated"] == escalated
        ]
        for escalated in (True, False)
    }
    for ages in days_before[True]:
        assert 25 - 1 <= min(ages) <= 90
        assert max(ages) <= 170
    assert max(max(ages) for ages in days_before[False]) > 170
    spans = [max(a) - min(a) for a in days_before[True] + days_before[False]]
    assert min(spans) >= 29
    assert max(spans) <= 69


def test_a_one_year_city_cannot_show_a_durable_network() -> None:
    """avert's organised-network rule needs 365 days of activity, which a city of a
    year cannot hold: its planted network is found but labelled a lower level
    (docs/synth.md says so, and to use longer cities for networks)."""
    doc = " ".join(
        (Path(__file__).parents[2] / "docs" / "synth.md").read_text("utf-8").split()
    )
    assert "A one-year city has no recoverable organised network." in doc
    city = make_city(CityConfig(people=3_000, days=365), seed=1)
    incidents = city.incidents.with_columns(
        pl.Series("harm_days", harm_days(city.incidents["offence_code"].to_numpy())),
        (pl.col("crime_type") == "Violence and sexual offences").alias("in_definition"),
    )
    result = nw.analyse_groups(incidents, city.involvements)
    found = result.membership.filter(pl.col("origin") == "detected").join(
        result.frame.select("group_id", "continuum", "longevity_days"), on="group_id"
    )
    networks = [
        g for g in city.truth.fields["groups"] if g["continuum"] == "organised_network"
    ]
    assert networks
    for g in networks:
        mine = found.filter(pl.col("person_id").is_in(g["members"]))
        assert mine.height >= len(g["members"]) // 2  # the group is found
        assert (mine["longevity_days"] < 365).all()
        assert "organised_network" not in set(mine["continuum"])


def test_domestic_repeats_not_planted_contagion_drive_knox_on_violence(
    medium_city: City,
) -> None:
    """docs/synth.md: escalating domestic dyads repeat at the victim's home within
    days, so a Knox test of violence finds space-time interaction even without the
    planted near-repeat followers; non-domestic violence without them shows none."""
    doc = " ".join(
        (Path(__file__).parents[2] / "docs" / "synth.md").read_text("utf-8").split()
    )
    assert "come mostly from domestic repeats" in doc
    followers = [b for _, b in medium_city.truth.fields["near_repeat_pairs"]]
    codes = ["34A", "34B", "3B", "5D", "5E", "8N", "8P", "8S"]  # followers' codes
    violence = medium_city.incidents.filter(
        pl.col("offence_code").is_in(codes) & ~pl.col("incident_id").is_in(followers)
    )

    def closest_band(events: pl.DataFrame) -> dict[str, float]:
        result = knox_test(
            events,
            time="occurred_from",
            space_bands_m=(0, 100),
            time_bands_days=(0, 7),
            n_sims=99,
            seed=0,
        )
        return result.frame.row(0, named=True)

    domestic = closest_band(violence.filter(pl.col("domestic")))
    assert domestic["ratio"] > 3
    assert domestic["p_value"] <= 0.02
    other = closest_band(violence.filter(~pl.col("domestic")))
    assert other["ratio"] < 1.3
    assert other["p_value"] > 0.05
