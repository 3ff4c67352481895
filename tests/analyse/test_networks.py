"""Unit tests of avert.analyse.networks on small literal frames."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from networks_world import _day
from networks_world import world as _world

from avert.analyse import networks as nw
from avert.config.networks import (
    CommunityConfig,
    ContinuumRule,
    NetworksConfig,
    load_networks_config,
)
from avert.errors import ConfigError, NotFound, SchemaError


def test_co_offending_edges_counts_and_weights() -> None:
    incidents, involvements, _ = _world()
    edges = nw.co_offending_edges(incidents, involvements, as_of=_day(340))
    assert (edges.get_column("person_a") < edges.get_column("person_b")).all()
    b12 = edges.filter((pl.col("person_a") == "b1") & (pl.col("person_b") == "b2")).row(
        0, named=True
    )
    assert b12["n_incidents"] == 6
    # weight = sum of 0.5**(age/365) * (1 + log1p(20)/log1p(365))
    expected = sum(
        0.5 ** ((340 - (30 * k + 5)) / 365) * (1 + math.log1p(20) / math.log1p(365))
        for k in range(6)
    )
    assert b12["weight"] == pytest.approx(expected, rel=1e-9)
    # the reprisal pair b2-b3 gets one more shared incident
    b23 = edges.filter((pl.col("person_a") == "b2") & (pl.col("person_b") == "b3")).row(
        0, named=True
    )
    assert b23["n_incidents"] == 7
    # victims are never tied as co-offenders
    assert not edges.filter(pl.col("person_a").str.starts_with("v")).height


def test_co_offending_weights_do_not_depend_on_row_order() -> None:
    # Leiden is sensitive to the last bit of a weight: a float sum in row (or
    # thread) order gave other groups on the same records (1 M incidents: 17,278
    # or 17,279 groups from one run to the next); the sum must not depend on order
    n = 400
    incidents = pl.DataFrame(
        {
            "incident_id": [f"i{k:03d}" for k in range(n)],
            "occurred_from": [_day(k % 300) for k in range(n)],
            "harm_days": [0.1 + (k * 7919 % 1000) ** 1.7 for k in range(n)],
            "in_definition": [True] * n,
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": [f"i{k:03d}" for k in range(n) for _ in range(2)],
            "person_id": ["a", "b"] * n,
            "role": ["suspect", "offender"] * n,
        }
    )
    weights = set()
    for seed in range(8):
        shuffled = incidents.sample(fraction=1.0, shuffle=True, seed=seed)
        edges = nw.co_offending_edges(shuffled, involvements, as_of=_day(340))
        weights.add(edges.row(0, named=True)["weight"])
    assert len(weights) == 1, sorted(weights)


def test_co_offending_window_and_cap() -> None:
    incidents, involvements, _ = _world()
    cfg = NetworksConfig()
    small = NetworksConfig(graph=type(cfg.graph)(window_days=10))
    edges = nw.co_offending_edges(
        incidents, involvements, as_of=_day(340), config=small
    )
    assert set(edges.get_column("person_a")) == {"b2"}  # only X2 in the last 10 days
    capped = NetworksConfig(graph=type(cfg.graph)(max_offenders_per_incident=2))
    edges = nw.co_offending_edges(
        incidents, involvements, as_of=_day(340), config=capped
    )
    assert not edges.filter(
        pl.col("person_a").str.starts_with("b")
        & (pl.col("person_b") == "b3")
        & (pl.col("person_a") == "b1")
    ).height


def test_missing_columns_raise_schema_error() -> None:
    incidents, involvements, _ = _world()
    with pytest.raises(SchemaError, match="harm_days"):
        nw.co_offending_edges(incidents.drop("harm_days"), involvements)


def test_detect_groups_recovers_the_two_groups() -> None:
    incidents, involvements, _ = _world()
    edges = nw.co_offending_edges(incidents, involvements, as_of=_day(340))
    groups = nw.detect_groups(edges)
    by_group = (
        groups.group_by("group_id").agg(pl.col("person_id").sort()).sort("group_id")
    )
    assert by_group.get_column("group_id").to_list() == ["net-a1", "net-b1"]
    assert by_group.get_column("person_id").to_list() == [
        ["a1", "a2", "a3", "a4"],
        ["b1", "b2", "b3"],
    ]
    # deterministic
    assert nw.detect_groups(edges).equals(groups)


def test_min_group_size_drops_small_communities() -> None:
    incidents, involvements, _ = _world()
    edges = nw.co_offending_edges(incidents, involvements, as_of=_day(340))
    cfg = NetworksConfig(
        communities=type(NetworksConfig().communities)(min_group_size=4)
    )
    groups = nw.detect_groups(edges, config=cfg)
    assert set(groups.get_column("group_id")) == {"net-a1"}


def test_analyse_groups_profiles_continuum_band_and_reasons() -> None:
    incidents, involvements, _ = _world()
    declared = pl.DataFrame(
        {"group_id": ["G-East"] * 3, "person_id": ["a1", "a2", "zz"]}
    )
    result = nw.analyse_groups(
        incidents, involvements, group_members=declared, as_of=_day(340)
    )
    frame = result.frame
    a = frame.filter(pl.col("group_id") == "net-a1").row(0, named=True)
    b = frame.filter(pl.col("group_id") == "net-b1").row(0, named=True)
    g = frame.filter(pl.col("group_id") == "G-East").row(0, named=True)
    assert a["size"] == 4
    assert a["n_incidents"] == 9  # 8 group incidents + X1
    assert a["violence_share"] == pytest.approx(1.0)
    assert a["weapon_share"] == pytest.approx(1.0)
    assert a["longevity_days"] == pytest.approx(330.0)
    assert a["n_conflicts"] == 2
    assert a["rivals"] == ["net-b1"]
    assert a["continuum"] == "street_gang"
    # B: thefts, 1 in 7 violent, two conflicts (< 3): a peer group by the defaults
    assert b["continuum"] == "peer_group"
    assert b["violence_share"] == pytest.approx(1 / 7)
    assert a["band"] in {"high", "medium"}
    assert any(r.startswith("continuum street gang") for r in a["reasons"])
    assert any("violent conflicts" in r for r in a["reasons"])
    # declared group: 'zz' has no record, so corroboration is 2 of 3
    assert g["origin"] == "declared"
    assert g["corroborated_share"] == pytest.approx(2 / 3)
    payload = result.to_json()
    ga = next(x for x in payload["groups"] if x["group_id"] == "net-a1")
    assert ga["members"] == ["a1", "a2", "a3", "a4"]
    assert set(ga) >= {"group_id", "members", "continuum", "band", "reasons"}
    assert result.explain().height >= 3


def test_continuum_rules_first_match_wins() -> None:
    profiles = pl.DataFrame(
        {
            "size": [8, 8, 2],
            "longevity_days": [800.0, 100.0, 800.0],
            "firearm_share": [0.5, 0.0, 0.5],
            "violence_share": [0.5, 0.5, 0.5],
        }
    )
    cfg = NetworksConfig(
        continuum=(
            ContinuumRule(
                "organised_network",
                {"size": 5, "longevity_days": 540},
                {"firearm_share": 0.1},
            ),
            ContinuumRule("street_gang", {"size": 3}, {"violence_share": 0.4}),
            ContinuumRule("peer_group"),
        )
    )
    out = nw.assign_continuum(profiles, config=cfg)
    assert out.get_column("continuum").to_list() == [
        "organised_network",
        "street_gang",
        "peer_group",
    ]
    # the measure in words (the groups page read "firearm_share 0.5 >= 0.1")
    reason = out.get_column("continuum_reason")[0]
    assert "share of incidents with a firearm 50 % (rule: at least 10 %)" in reason


def test_matrix_bands_follow_the_score() -> None:
    profiles = pl.DataFrame(
        {
            "group_id": ["hi", "mid", "lo"],
            "origin": ["detected"] * 3,
            "harm_days": [5000.0, 500.0, 10.0],
            "n_incidents": [10, 5, 2],
            "violence_share": [0.9, 0.5, 0.0],
            "weapon_share": [0.5, 0.0, 0.0],
            "firearm_share": [0.2, 0.0, 0.0],
            "n_conflicts": [3, 0, 0],
            "n_rivals": [1, 0, 0],
            "trend": ["rising", "stable", "falling"],
            "recent_incidents": [8, 2, 0],
            "previous_incidents": [2, 2, 2],
        }
    )
    out = nw.prioritise_groups(profiles)
    rows = {r["group_id"]: r for r in out.to_dicts()}
    assert rows["hi"]["matrix_score"] == 3 + 3 + 1
    assert rows["hi"]["band"] == "high"
    assert rows["mid"]["matrix_score"] == 2 + 1 + 0
    assert rows["mid"]["band"] == "low"
    assert rows["lo"]["matrix_score"] == 1 + 1 - 1
    assert rows["lo"]["band"] == "low"
    assert out.get_column("group_id").to_list()[0] == "hi"
    assert any("firearms" in r for r in rows["hi"]["reasons"])


def test_matrix_reasons_count_in_words_and_whole_percents() -> None:
    """Walked in a browser: the groups page read "18 violent conflicts with 1 rival
    groups", "1 incidents in the recent window" and "violence in 69.0% of
    incidents (>= 40%)"."""
    profiles = pl.DataFrame(
        {
            "group_id": ["one", "two"],
            "origin": ["detected"] * 2,
            "harm_days": [5000.0, 5000.0],
            "n_incidents": [10, 10],
            "violence_share": [0.69, 0.9],
            "weapon_share": [0.43, 0.5],
            "firearm_share": [0.2, 0.2],
            "n_conflicts": [18, 1],
            "n_rivals": [1, 2],
            "trend": ["rising", "rising"],
            "recent_incidents": [1, 8],
            "previous_incidents": [0, 2],
        }
    )
    rows = {
        r["group_id"]: r["reasons"] for r in nw.prioritise_groups(profiles).to_dicts()
    }
    assert "threat: 18 violent conflicts with 1 rival group" in rows["one"]
    assert "threat: 1 violent conflict with 2 rival groups" in rows["two"]
    assert any(
        r.startswith("trend: rising (1 incident in the recent") for r in rows["one"]
    )
    assert any(
        r.startswith("trend: rising (8 incidents in the recent") for r in rows["two"]
    )
    assert "threat: violence in 69% of incidents (>= 40%)" in rows["one"]
    assert not any(".0%" in r for rs in rows.values() for r in rs), rows


def test_person_metrics_exposure_and_betweenness() -> None:
    edges = pl.DataFrame(
        {
            "person_a": ["p1", "p2", "p3"],
            "person_b": ["p2", "p3", "p4"],
            "weight": [1.0, 2.0, 1.0],
        }
    )
    family = pl.DataFrame({"person_a": ["p1"], "person_b": ["k1"], "kind": ["sibling"]})
    victims = pl.DataFrame({"person_id": ["p2", "k1"]})
    m = nw.person_metrics(edges, family_edges=family, victimised=victims)
    rows = {r["person_id"]: r for r in m.to_dicts()}
    assert rows["p2"]["degree"] == 2
    assert rows["p2"]["weighted_degree"] == pytest.approx(3.0)
    assert rows["p2"]["betweenness"] == pytest.approx(2.0)  # on paths p1-p3, p1-p4
    assert rows["p1"]["exposure"] == pytest.approx(1.0)  # p2 and k1 both victims
    assert rows["p3"]["exposure"] == pytest.approx(0.5)
    assert rows["p4"]["exposure"] == pytest.approx(0.0)
    no_family = NetworksConfig(
        exposure=type(NetworksConfig().exposure)(include_family=False)
    )
    m2 = nw.person_metrics(
        edges, family_edges=family, victimised=victims, config=no_family
    )
    assert m2.filter(pl.col("person_id") == "p1").get_column("n_network").item() == 1


def test_rank_equal_risk_different_membership_ranks_equal() -> None:
    risk = pl.DataFrame(
        {
            "person_id": ["m", "n", "o"],
            "score": [5.0, 5.0, 9.0],
            "part_harm": [1.0, 1.0, 2.0],
        }
    )
    membership = pl.DataFrame(
        {
            "group_id": ["net-x", "net-x", "G1"],
            "person_id": ["n", "o", "n"],
            "origin": ["detected", "detected", "declared"],
        }
    )
    ranked = nw.rank_people(risk, membership=membership)
    assert ranked.get_column("person_id").to_list() == ["o", "m", "n"]
    ranks = dict(
        zip(ranked.get_column("person_id"), ranked.get_column("rank"), strict=True)
    )
    assert ranks["m"] == ranks["n"] == 2
    assert ranks["o"] == 1
    assert ranked.filter(pl.col("person_id") == "n").get_column(
        "groups"
    ).item().to_list() == ["G1", "net-x"]


@settings(max_examples=40, deadline=None)
@given(
    scores=st.lists(st.integers(0, 5), min_size=2, max_size=12),
    groups=st.lists(st.sampled_from(["g1", "g2", None]), min_size=12, max_size=12),
)
def test_rank_never_depends_on_membership(
    scores: list[int], groups: list[str | None]
) -> None:
    people = [f"p{i:02d}" for i in range(len(scores))]
    risk = pl.DataFrame({"person_id": people, "score": [float(s) for s in scores]})
    rows = [
        (g, p, "detected")
        for p, g in zip(people, groups, strict=False)
        if g is not None
    ]
    membership = pl.DataFrame(
        rows,
        schema={"group_id": pl.String, "person_id": pl.String, "origin": pl.String},
        orient="row",
    )
    with_m = nw.rank_people(risk, membership=membership)
    without = nw.rank_people(risk)
    assert with_m.select("person_id", "rank").equals(
        without.select("person_id", "rank")
    )
    ranks = dict(
        zip(with_m.get_column("person_id"), with_m.get_column("rank"), strict=True)
    )
    for p, s in zip(people, scores, strict=True):
        for q, t in zip(people, scores, strict=True):
            if s == t:
                assert ranks[p] == ranks[q]


def test_retaliation_alert_names_retaliators_and_targets() -> None:
    incidents, involvements, relationships = _world()
    from avert.analyse.families import family_edges

    result = nw.analyse_groups(incidents, involvements, as_of=_day(329))
    fam = family_edges(relationships)
    alerts = nw.retaliation_alerts(
        incidents,
        involvements,
        result.membership,
        since=_day(330),
        until=_day(330.5),
        co_edges=result.co_edges,
        family_edges=fam,
    )
    assert alerts.frame.height == 1
    alert = alerts.to_json()["alerts"][0]
    assert alert["incident_id"] == "X1"
    assert alert["victim_id"] == "b1"
    # the victim and their group: b2 and b3 are the later reprisal's suspects
    assert alert["at_risk_of_retaliation_from"] == ["b1", "b2", "b3"]
    assert set(alert["possible_targets"]) == {"a1", "a2", "a3", "a4"}
    assert alert["rival_groups"] == ["net-a1"]
    assert any("named by this incident" in r for r in alert["reasons"])
    assert any(
        "(group members, co-offenders, kin, allied groups)" in r
        for r in alert["reasons"]
    )
    # the reprisal X2 (victim a2, group A) raises its own alert naming b2, b3 as targets
    later = nw.retaliation_alerts(
        incidents,
        involvements,
        result.membership,
        since=_day(331),
        co_edges=result.co_edges,
        family_edges=fam,
    )
    row = later.to_json()["alerts"][0]
    assert row["victim_id"] == "a2"
    assert {"b2", "b3"} <= set(row["possible_targets"])
    assert "a1" in row["at_risk_of_retaliation_from"]
    assert "b2" not in row["at_risk_of_retaliation_from"]
    assert row["live_until"] == "2024-12-13T12:00:00"  # day 333 + 14 days


def test_retaliation_victim_also_recorded_as_suspect_may_retaliate() -> None:
    """In a mutual fight (b1 recorded as victim and as suspect, with a1 of group A),
    b1 was dropped from those who may retaliate with the incident's suspects, yet the
    reason still read "the victim and 1 linked people" beside b2 and b3: the victim
    is listed first whatever else they are recorded as, and the count is right."""
    incidents, involvements, _ = _world()
    result = nw.analyse_groups(incidents, involvements, as_of=_day(329))
    fight = pl.DataFrame(
        {"incident_id": ["X1"], "person_id": ["b1"], "role": ["suspect"]}
    )
    alerts = nw.retaliation_alerts(
        incidents,
        pl.concat([involvements, fight]),
        result.membership,
        since=_day(330),
        until=_day(330.5),
        co_edges=result.co_edges,
    )
    alert = alerts.to_json()["alerts"][0]
    assert alert["victim_id"] == "b1"
    assert alert["at_risk_of_retaliation_from"] == ["b1", "b2", "b3"]
    assert any("the victim and 2 linked people" in r for r in alert["reasons"])
    assert "b1" not in alert["possible_targets"]


@pytest.mark.parametrize("beside", ["", "a3"])
def test_a_mutual_fight_ties_no_one_and_keeps_rival_groups_apart(beside: str) -> None:
    """Two groups of three (six shoplifting incidents each) and a knife fight in which
    a1 and b1 are each recorded as suspect and victim (a counter-allegation): the
    fight tied a1 and b1 as co-offenders, which merged the rival groups into one
    group of six with no conflict and no rival, and b2's later stabbing of a2 listed
    b1 and b3, the attacker's own group, among those who may retaliate for a2, with
    no rival group. A victim of the incident ties no one.

    With a3 recorded as a suspect only (fighting beside a1), a3 ties to neither a1
    nor b1 there: the records do not say on which side a3 fought, and a tie to b1
    (one shared incident is enough, ``ally_min_incidents``) would make the rival
    group an ally and list b1 and b3 as retaliators for a2 again; a3's tie to a1
    stands on their shared offending elsewhere."""
    t = _day(200)
    rows: list[tuple[str, dt.datetime, float, bool, str]] = []
    people: list[tuple[str, str, str]] = []
    for k in range(6):
        for g in ("a", "b"):
            rows.append(
                (f"{g}{k}", t - dt.timedelta(days=30 * k + 5), 10.0, False, "none")
            )
            people += [(f"{g}{k}", f"{g}{j}", "offender") for j in (1, 2, 3)]
    rows += [
        ("F0", t - dt.timedelta(days=2), 200.0, True, "knife"),
        ("S1", t + dt.timedelta(days=1), 200.0, True, "knife"),
    ]
    people += [("F0", p, r) for p in ("a1", "b1") for r in ("suspect", "victim")]
    people += [("F0", beside, "suspect")] if beside else []
    people += [("S1", "a2", "victim"), ("S1", "b2", "suspect")]
    incidents = pl.DataFrame(
        rows,
        schema=["incident_id", "occurred_from", "harm_days", "in_definition", "weapon"],
        orient="row",
    )
    involvements = pl.DataFrame(
        people, schema=["incident_id", "person_id", "role"], orient="row"
    )
    history = incidents.filter(pl.col("occurred_from") < t)
    edges = nw.co_offending_edges(history, involvements, as_of=t)
    assert ("a1", "b1") not in set(edges.select("person_a", "person_b").rows())
    result = nw.analyse_groups(history, involvements, as_of=t)
    assert result.co_edges.equals(edges)
    groups = result.membership.group_by("group_id").agg(pl.col("person_id").sort())
    assert sorted(groups["person_id"].to_list()) == [
        ["a1", "a2", "a3"],
        ["b1", "b2", "b3"],
    ]
    by_id = {r["group_id"]: r for r in result.frame.to_dicts()}
    assert by_id["net-a1"]["rivals"] == ["net-b1"]  # the fight is a conflict
    alert = nw.retaliation_alerts(
        incidents, involvements, result.membership, since=t, co_edges=edges
    ).to_json()["alerts"][0]
    assert alert["victim_id"] == "a2"
    assert alert["rival_groups"] == ["net-b1"]
    assert alert["at_risk_of_retaliation_from"] == ["a1", "a2", "a3"]


def test_retaliation_unknown_offender_uses_earlier_conflicts() -> None:
    incidents, involvements, _ = _world()
    result = nw.analyse_groups(incidents, involvements, as_of=_day(340))
    extra_inc = pl.DataFrame(
        [("X3", _day(345), 500.0, True, "knife")],
        schema=incidents.columns,
        orient="row",
    )
    extra_inv = pl.DataFrame(
        [("X3", "b3", "victim")], schema=involvements.columns, orient="row"
    )
    alerts = nw.retaliation_alerts(
        pl.concat([incidents, extra_inc]),
        pl.concat([involvements, extra_inv]),
        result.membership,
        since=_day(344),
    )
    row = alerts.to_json()["alerts"][0]
    assert row["victim_id"] == "b3"
    # no co-offending or kin ties given (the daily briefing's case): the reason
    # names only the ties that were used
    assert any("(group members, allied groups)" in r for r in row["reasons"])
    assert not any("co-offenders" in r or "kin" in r for r in row["reasons"])
    assert row["rival_groups"] == ["net-a1"]
    assert any("recent violence" in r and "net-a1" in r for r in row["reasons"])
    assert set(row["possible_targets"]) == {"a1", "a2", "a3", "a4"}


def test_unlinked_victims_of_group_offenders() -> None:
    incidents, involvements, _ = _world()
    result = nw.analyse_groups(incidents, involvements, as_of=_day(340))
    # victims v0..v7 are in no group; group A hurt them
    off = NetworksConfig(
        retaliation=type(NetworksConfig().retaliation)(unlinked_victims=False)
    )
    none = nw.retaliation_alerts(
        incidents,
        involvements,
        result.membership,
        since=_day(0),
        until=_day(300),
        config=off,
    )
    assert none.frame.height == 0
    assert none.to_json() == {"alerts": [], "notes": list(none.notes)}
    alerts = nw.retaliation_alerts(
        incidents, involvements, result.membership, since=_day(0), until=_day(300)
    )
    assert alerts.frame.height == 8
    assert not alerts.frame["victim_linked"].any()
    row = alerts.to_json()["alerts"][0]
    assert row["at_risk_of_retaliation_from"] == [row["victim_id"]]
    assert row["rival_groups"] == ["net-a1"]
    assert any("in no known group" in r for r in row["reasons"])


def test_person_network_picture() -> None:
    incidents, involvements, relationships = _world()
    from avert.analyse.families import family_edges

    result = nw.analyse_groups(incidents, involvements, as_of=_day(340))
    risk = pl.DataFrame({"person_id": ["a1"], "score": [7.0], "part_recency": [3.0]})
    pic = nw.person_network(
        "a1",
        incidents=incidents,
        involvements=involvements,
        co_edges=result.co_edges,
        membership=result.membership,
        family_edges=family_edges(relationships),
        risk=risk,
        as_of=_day(340),
    )
    assert pic["risk"]["score"] == 7.0
    assert {c["person_id"] for c in pic["co_offenders"]} == {"a2", "a4"}
    assert pic["family"] == [{"person_id": "s1", "kind": "sibling"}]
    assert pic["groups"] == [{"group_id": "net-a1", "origin": "detected"}]
    assert pic["metrics"]["component_size"] == 4
    # a2 (victim of X2 at day 333) is in a1's network: exposure 1 of 3 (a2, a4, s1)
    assert pic["metrics"]["exposure"] == pytest.approx(1 / 3)
    with pytest.raises(NotFound):
        nw.person_network(
            "nobody",
            incidents=incidents,
            involvements=involvements,
            co_edges=result.co_edges,
            membership=result.membership,
        )


def test_victim_offender_edges() -> None:
    incidents, involvements, _ = _world()
    vo = nw.victim_offender_edges(incidents, involvements)
    row = vo.filter(
        (pl.col("offender_id") == "b2") & (pl.col("victim_id") == "a2")
    ).row(0, named=True)
    assert row["n_incidents"] == 1
    assert row["n_violent"] == 1
    assert row["harm_days"] == 1800.0


def test_config_defaults_file_matches_builtin_and_errors_name_key(tmp_path) -> None:
    loaded = load_networks_config()
    builtin = NetworksConfig()
    assert loaded.graph == builtin.graph
    assert loaded.continuum == builtin.continuum
    assert loaded.matrix == builtin.matrix
    assert loaded.retaliation == builtin.retaliation
    bad = tmp_path / "n.toml"
    bad.write_text("[communities]\nresolution = -1\n")
    with pytest.raises(ConfigError, match=r"communities.resolution"):
        load_networks_config(bad)
    bad.write_text(
        '[[continuum.rules]]\nlevel = "street_gang"\nall_of = { height = 3 }\n'
    )
    with pytest.raises(ConfigError, match="unknown measure"):
        load_networks_config(bad)
    ok = tmp_path / "ok.toml"
    ok.write_text("[retaliation]\nwindow_days = 7\n")
    assert load_networks_config(ok).retaliation.window_days == 7


def test_declared_continuum_shown_beside_rules() -> None:
    incidents, involvements, _ = _world()
    declared = pl.DataFrame(
        {"group_id": ["G-East"] * 3, "person_id": ["a1", "a2", "a3"]}
    )
    groups = pl.DataFrame({"group_id": ["G-East"], "continuum": ["organised_network"]})
    result = nw.analyse_groups(
        incidents, involvements, group_members=declared, groups=groups, as_of=_day(340)
    )
    g = next(x for x in result.to_json()["groups"] if x["group_id"] == "G-East")
    assert g["declared_continuum"] == "organised_network"
    assert g["continuum"] == "street_gang"
    assert any("declared level organised network differs" in r for r in g["reasons"])


def _ring_of_cliques(n_cliques: int, size: int) -> pl.DataFrame:
    """Cliques of ``size`` people, each tied to the next by one shared incident."""
    rows = []
    for c in range(n_cliques):
        members = [f"p{c:03d}-{i}" for i in range(size)]
        rows += [
            (members[i], members[j]) for i in range(size) for j in range(i + 1, size)
        ]
        rows.append((members[0], f"p{(c + 1) % n_cliques:03d}-1"))
    edges = pl.DataFrame(rows, schema=["person_a", "person_b"], orient="row")
    return edges.select(
        pl.min_horizontal("person_a", "person_b").alias("person_a"),
        pl.max_horizontal("person_a", "person_b").alias("person_b"),
        pl.lit(1.0).alias("weight"),
        pl.lit(1, dtype=pl.Int64).alias("n_incidents"),
    )


def test_cpm_has_no_resolution_limit_where_modularity_merges() -> None:
    """Fortunato & Barthelemy's ring of cliques: modularity merges neighbours, CPM not."""
    edges = _ring_of_cliques(60, 5)
    cpm = nw.detect_groups(edges)
    assert cpm.get_column("group_id").n_unique() == 60
    assert (cpm.group_by("group_id").len().get_column("len") == 5).all()
    modularity = NetworksConfig(
        communities=CommunityConfig(objective="modularity", resolution=1.0)
    )
    merged = nw.detect_groups(edges, config=modularity)
    assert merged.get_column("group_id").n_unique() < 60
    # the CPM resolution is cpm_density x the mean weight of one shared incident
    doubled = edges.with_columns(pl.col("weight") * 2)
    assert nw.community_resolution(doubled) == pytest.approx(
        2 * nw.community_resolution(edges)
    )
    assert nw.community_resolution(edges) == pytest.approx(
        NetworksConfig().communities.cpm_density
    )


def test_continuum_min_any_needs_several_kinds_of_evidence() -> None:
    profiles = pl.DataFrame(
        {
            "size": [6, 6, 6],
            "violence_share": [0.9, 0.9, 0.1],
            "weapon_share": [0.5, 0.0, 0.5],
            "max_rival_conflicts": [0, 0, 4],
        }
    )
    rule = ContinuumRule(
        "street_gang",
        {"size": 3},
        {"violence_share": 0.5, "weapon_share": 0.3, "max_rival_conflicts": 3},
        min_any=2,
    )
    cfg = NetworksConfig(continuum=(rule, ContinuumRule("peer_group")))
    out = nw.assign_continuum(profiles, config=cfg)
    assert out.get_column("continuum").to_list() == [
        "street_gang",
        "peer_group",
        "street_gang",
    ]


def test_profiles_count_rivalry_violence_and_gang_flags() -> None:
    incidents, involvements, _ = _world()
    flagged = incidents.with_columns(
        pl.col("incident_id").str.starts_with("A").alias("gang_related")
    )
    frame = nw.analyse_groups(flagged, involvements, as_of=_day(340)).frame
    a = frame.filter(pl.col("group_id") == "net-a1").row(0, named=True)
    b = frame.filter(pl.col("group_id") == "net-b1").row(0, named=True)
    assert a["n_violent_incidents"] == 9
    assert a["gang_flag_share"] == pytest.approx(8 / 9)
    assert a["max_rival_conflicts"] == 2  # X1 and X2, both with net-b1
    assert b["n_violent_incidents"] == 1
    assert b["gang_flag_share"] == 0.0


def test_default_rules_call_random_violence_a_peer_group() -> None:
    """Violence without weapons, rivalry or gang flags is not a street gang."""
    profiles = pl.DataFrame(
        {
            "size": [9],
            "n_incidents": [54],
            "longevity_days": [1000.0],
            "violence_share": [0.35],
            "n_violent_incidents": [19],
            "weapon_share": [0.15],
            "firearm_share": [0.02],
            "gang_flag_share": [0.0],
            "n_conflicts": [6],
            "max_rival_conflicts": [1],
        }
    )
    out = nw.assign_continuum(profiles)
    assert out.get_column("continuum").to_list() == ["peer_group"]


def test_config_objective_and_min_any_are_checked(tmp_path) -> None:
    bad = tmp_path / "n.toml"
    bad.write_text('[communities]\nobjective = "louvain"\n')
    with pytest.raises(ConfigError, match=r"communities.objective"):
        load_networks_config(bad)
    bad.write_text(
        '[[continuum.rules]]\nlevel = "street_gang"\nany_of = { size = 3 }\n'
        'min_any = 2\n\n[[continuum.rules]]\nlevel = "peer_group"\n'
    )
    with pytest.raises(ConfigError, match=r"min_any"):
        load_networks_config(bad)
    assert load_networks_config().communities == NetworksConfig().communities


def test_retaliation_targets_ranked_capped_and_strong_first() -> None:
    """Rivals named by the suspects first, then recent violence against the victim's group."""
    members = {
        "G1": ["g1a", "g1b", "g1c"],
        "R1": ["r1a", "r1b", "r1c"],
        "R2": ["r2a", "r2b", "r2c", "r2d"],
        "R3": ["r3a", "r3b", "r3c"],
        "R4": ["r4a", "r4b", "r4c"],
    }
    membership = pl.DataFrame(
        [(g, p, "detected") for g, ps in members.items() for p in ps],
        schema=["group_id", "person_id", "origin"],
        orient="row",
    )
    rows = [
        ("OLD", -500, "r4a", "g1b"),  # R4 hurt G1 long ago: outside the history
        ("C2", 10, "r2a", "g1b"),  # R2 hurt G1 recently
        ("C3", 20, "g1c", "r3a"),  # G1 hurt R3 recently
        ("W", 29, "r1a", "u1"),  # a victim in no group: a weak alert
        ("Z", 30, "r1a", "g1a"),  # the alert: R1 named by the suspect
    ]
    incidents = pl.DataFrame(
        [(i, _day(d), 100.0, True, "knife") for i, d, _, _ in rows],
        schema=["incident_id", "occurred_from", "harm_days", "in_definition", "weapon"],
        orient="row",
    )
    involvements = pl.DataFrame(
        [(i, o, "suspect") for i, _, o, _ in rows]
        + [(i, v, "victim") for i, _, _, v in rows],
        schema=["incident_id", "person_id", "role"],
        orient="row",
    )
    cfg = NetworksConfig(retaliation=type(NetworksConfig().retaliation)(max_targets=5))
    alerts = nw.retaliation_alerts(
        incidents, involvements, membership, since=_day(25), config=cfg
    ).to_json()["alerts"]
    assert [(a["incident_id"], a["strength"]) for a in alerts] == [
        ("Z", "strong"),
        ("W", "weak"),
    ]
    z = alerts[0]
    assert z["rival_groups"] == ["R1", "R2", "R3"]  # R4's violence is too old
    assert z["possible_targets"] == ["r1a", "r1b", "r1c", "r2a", "r2b"]
    assert z["n_possible_targets"] == 10
    assert z["rival_group_reasons"] == [
        "named_by_suspects",
        "recent_violence_against_victim_group",
        "recently_attacked_by_victim_group",
    ]
    assert z["rival_group_sizes"] == [3, 4, 3]
    assert any("R1 (named by this incident's suspects" in r for r in z["reasons"])
    assert any("the first 5 of 10 shown" in r for r in z["reasons"])
    assert any("weak alert" in r for r in alerts[1]["reasons"])


def test_weak_alert_needs_a_trigger_other_than_the_attackers_group() -> None:
    """A victim in no group is admitted because a suspect is in a group, so
    inter_group always holds for them: it alone must not raise their weak alert
    (a group member's common assault outside the violence definition, unarmed, is
    no reprisal risk); a group-linked victim's inter_group still does."""
    membership = pl.DataFrame(
        [(g, g.lower() + s, "detected") for g in ("G1", "R1") for s in "ab"],
        schema=["group_id", "person_id", "origin"],
        orient="row",
    )
    rows = [
        ("U", 10, "r1a", "u1", False, "none"),  # 105A on a victim in no group
        ("K", 11, "r1a", "u2", False, "knife"),  # armed: a weak alert
        ("D", 12, "r1b", "u3", True, "none"),  # in the definition: a weak alert
        ("G", 13, "r1a", "g1a", False, "none"),  # on a group member: strong
    ]
    incidents = pl.DataFrame(
        [(i, _day(d), 10.0, de, w) for i, d, _, _, de, w in rows],
        schema=["incident_id", "occurred_from", "harm_days", "in_definition", "weapon"],
        orient="row",
    )
    involvements = pl.DataFrame(
        [(i, o, "suspect") for i, _, o, _, _, _ in rows]
        + [(i, v, "victim") for i, _, _, v, _, _ in rows],
        schema=["incident_id", "person_id", "role"],
        orient="row",
    )
    alerts = nw.retaliation_alerts(
        incidents, involvements, membership, since=_day(0)
    ).frame
    assert sorted(zip(alerts["incident_id"], alerts["strength"], strict=True)) == [
        ("D", "weak"),
        ("G", "strong"),
        ("K", "weak"),
    ]
    # what raised each, in words (the meeting read "trigger: in_definition,
    # inter_group")
    raised = {
        i: r[0] for i, r in zip(alerts["incident_id"], alerts["reasons"], strict=True)
    }
    assert raised["D"] == (
        "raised for: violence in the definition, a suspect or offender of another group"
    )
    assert raised["K"] == "raised for: a weapon, a suspect or offender of another group"
    assert raised["G"] == "raised for: a suspect or offender of another group"


def test_allied_groups_may_retaliate_last() -> None:
    """Members of a group that co-offended with the victim's group are listed last."""
    membership = pl.DataFrame(
        [
            *[("G1", p, "detected") for p in ("g1a", "g1b", "g1c")],
            *[("G2", p, "detected") for p in ("g2a", "g2b", "g2c")],
            *[("R1", p, "detected") for p in ("r1a", "r1b", "r1c")],
        ],
        schema=["group_id", "person_id", "origin"],
        orient="row",
    )
    co_edges = pl.DataFrame(
        {
            "person_a": ["g1a", "g1c"],
            "person_b": ["g2a", "x9"],
            "weight": [1.0, 5.0],
            "n_incidents": [1, 3],
        }
    )
    incidents = pl.DataFrame(
        [("Z", _day(30), 100.0, True, "knife")],
        schema=["incident_id", "occurred_from", "harm_days", "in_definition", "weapon"],
        orient="row",
    )
    involvements = pl.DataFrame(
        [("Z", "r1a", "suspect"), ("Z", "g1b", "victim")],
        schema=["incident_id", "person_id", "role"],
        orient="row",
    )

    def at_risk(ally_min_incidents: int) -> list[str]:
        cfg = NetworksConfig(
            retaliation=type(NetworksConfig().retaliation)(
                ally_min_incidents=ally_min_incidents
            )
        )
        frame = nw.retaliation_alerts(
            incidents,
            involvements,
            membership,
            since=_day(29),
            co_edges=co_edges,
            config=cfg,
        ).frame
        return sorted(frame.get_column("at_risk_of_retaliation_from")[0])

    assert at_risk(0) == ["g1a", "g1b", "g1c"]
    assert at_risk(1) == ["g1a", "g1b", "g1c", "g2a", "g2b", "g2c"]
    assert at_risk(2) == ["g1a", "g1b", "g1c"]


def test_person_family_says_parent_or_child_from_the_person_side() -> None:
    """A parent tie read "parent" on both pages: the mother's page listed her child
    as "k1 (parent)". The kind is the other person's tie to this one."""
    from avert.analyse.families import family_edges

    incidents, involvements, _ = _world()
    relationships = pl.DataFrame(
        {
            "person_a": ["zz-mum", "a1"],
            "person_b": ["a1", "a0-kid"],
            "kind": ["parent"] * 2,
        }
    )
    result = nw.analyse_groups(incidents, involvements, as_of=_day(340))
    pic = nw.person_network(
        "a1",
        incidents=incidents,
        involvements=involvements,
        co_edges=result.co_edges,
        membership=result.membership,
        family_edges=family_edges(relationships),
        as_of=_day(340),
    )
    assert pic["family"] == [
        {"person_id": "a0-kid", "kind": "child"},
        {"person_id": "zz-mum", "kind": "parent"},
    ]


def test_person_without_co_offenders_has_every_metric() -> None:
    """docs/networks.md lists `component_size` among a person's metrics; a person
    with no co-offender had no such key (a KeyError for a JSON reader): it is 1,
    the person alone, with degree and betweenness 0."""
    incidents, involvements, relationships = _world()
    from avert.analyse.families import family_edges

    result = nw.analyse_groups(incidents, involvements, as_of=_day(340))
    pic = nw.person_network(
        "s1",
        incidents=incidents,
        involvements=involvements,
        co_edges=result.co_edges,
        membership=result.membership,
        family_edges=family_edges(relationships),
        as_of=_day(340),
    )
    assert pic["co_offenders"] == []
    metrics = pic["metrics"]
    assert set(metrics) == {
        "degree",
        "betweenness",
        "component_size",
        "n_network",
        "n_network_family",
        "n_network_victims",
        "exposure",
        "exposure_window_days",
    }
    assert (metrics["degree"], metrics["betweenness"]) == (0, 0.0)
    # a close network without co-offenders is the family alone
    assert metrics["n_network_family"] == metrics["n_network"]
    assert metrics["component_size"] == 1


def test_retaliation_of_an_incident_dated_alone_is_by_its_day() -> None:
    """X1 dated alone (``time_precision`` ``day``, stored at 00:00): an alert
    window starting later that day left it out (no briefing raised it), and its
    alert was live until 00:00 fourteen days on, though the attack may have been at
    23:59. It is in the window, live until the end of its day plus 14 days, and the
    reason says its time is not known."""
    incidents, involvements, _ = _world()
    midnight = dt.datetime.combine(_day(330).date(), dt.time())
    incidents = incidents.with_columns(
        pl.when(pl.col("incident_id") == "X1")
        .then(pl.lit(midnight))
        .otherwise(pl.col("occurred_from"))
        .alias("occurred_from"),
        pl.when(pl.col("incident_id") == "X1")
        .then(pl.lit("day"))
        .otherwise(pl.lit("exact"))
        .alias("time_precision"),
    )
    membership = nw.analyse_groups(incidents, involvements, as_of=_day(329)).membership
    alerts = nw.retaliation_alerts(
        incidents, involvements, membership, since=_day(330), until=_day(330.5)
    ).to_json()["alerts"]
    assert [a["incident_id"] for a in alerts] == ["X1"]
    live = midnight + dt.timedelta(days=15)
    assert alerts[0]["live_until"] == f"{live:%Y-%m-%dT%H:%M:%S}"
    assert any(
        f"dated {midnight:%Y-%m-%d} alone, no time recorded" in r
        for r in alerts[0]["reasons"]
    )


def test_each_form_of_the_live_reason_is_one_a_partner_may_read() -> None:
    """A partner's alert passes on the analysis's live line only if it is of
    :data:`LIVE_REASON_FORM` (dates and numbers, no one named): each of its three
    forms (exact, dated alone, to the hour) is, so a change of wording here shows
    as a failure, not as partners silently losing the line."""
    incidents, involvements, _ = _world()
    hour = _day(330).replace(minute=0, second=0, microsecond=0)
    midnight = dt.datetime.combine(_day(330).date(), dt.time())
    for at, precision in ((None, None), (midnight, "day"), (hour, "hour")):
        frame = incidents
        if precision is not None:
            frame = incidents.with_columns(
                pl.when(pl.col("incident_id") == "X1")
                .then(pl.lit(at))
                .otherwise(pl.col("occurred_from"))
                .alias("occurred_from"),
                pl.when(pl.col("incident_id") == "X1")
                .then(pl.lit(precision))
                .otherwise(pl.lit("exact"))
                .alias("time_precision"),
            )
        membership = nw.analyse_groups(frame, involvements, as_of=_day(329)).membership
        alerts = nw.retaliation_alerts(
            frame, involvements, membership, since=midnight, until=_day(330.5)
        ).to_json()["alerts"]
        assert [a["incident_id"] for a in alerts] == ["X1"]
        live = [r for r in alerts[0]["reasons"] if r.startswith(nw.LIVE_REASON)]
        assert len(live) == 1
        assert nw.LIVE_REASON_FORM.fullmatch(live[0]), live[0]
        assert alerts[0]["victim_id"] not in live[0]


def test_retaliation_of_an_incident_recorded_to_the_hour_runs_from_its_hour_s_end() -> (
    None
):
    """X1 recorded to the hour (``time_precision`` ``hour``, stored at HH:00, as
    Toronto's table): its alert was live until HH:00 fourteen days on, up to 59
    minutes early for an attack at HH:59. Live until 14 days after its hour's end,
    the rule of one dated alone (:func:`avert.analyse._window.period_length`)."""
    incidents, involvements, _ = _world()
    hour = _day(330).replace(minute=0, second=0, microsecond=0)
    incidents = incidents.with_columns(
        pl.when(pl.col("incident_id") == "X1")
        .then(pl.lit(hour))
        .otherwise(pl.col("occurred_from"))
        .alias("occurred_from"),
        pl.when(pl.col("incident_id") == "X1")
        .then(pl.lit("hour"))
        .otherwise(pl.lit("exact"))
        .alias("time_precision"),
    )
    membership = nw.analyse_groups(incidents, involvements, as_of=_day(329)).membership
    alerts = nw.retaliation_alerts(
        incidents, involvements, membership, since=hour, until=_day(330.5)
    ).to_json()["alerts"]
    assert [a["incident_id"] for a in alerts] == ["X1"]
    live = hour + dt.timedelta(days=14, hours=1)
    assert alerts[0]["live_until"] == f"{live:%Y-%m-%dT%H:%M:%S}"
    assert any(
        f"end of its hour (recorded to the hour, {hour:%Y-%m-%d %H}:00" in r
        for r in alerts[0]["reasons"]
    )


def test_co_offending_weights_counted_to_a_later_time_scale_alike() -> None:
    """Ages counted to a time after the window's end multiply every tie's weight
    by one factor (the ties rank as before); a time before it is refused."""
    incidents, involvements, _ = _world()
    at = _day(340)
    edges = nw.co_offending_edges(incidents, involvements, as_of=at)
    later = nw.co_offending_edges(
        incidents, involvements, as_of=at, weights_as_of=at + dt.timedelta(days=1)
    )
    keys = ["person_a", "person_b"]
    both = edges.join(later, on=keys, suffix="_later").sort(keys)
    assert both.height == edges.height == later.height
    factor = 0.5 ** (1 / NetworksConfig().graph.half_life_days)
    assert both["weight_later"].to_list() == pytest.approx(
        (both["weight"] * factor).to_list(), rel=1e-9
    )
    assert both["n_incidents"].to_list() == both["n_incidents_later"].to_list()
    with pytest.raises(ValueError, match="before the window's end"):
        nw.co_offending_edges(
            incidents, involvements, as_of=at, weights_as_of=at - dt.timedelta(hours=1)
        )


def test_retaliation_window_ids_are_what_the_alerts_window_selects() -> None:
    incidents, involvements, _ = _world()
    result = nw.analyse_groups(incidents, involvements, as_of=_day(329))
    since, until = _day(329.9), _day(330.5)
    window, later = nw.retaliation_window_ids(incidents, since=since, until=until)
    alerts = nw.retaliation_alerts(
        incidents, involvements, result.membership, since=since, until=until
    )
    assert set(alerts.frame["incident_id"]) <= set(window)
    in_window = incidents.filter(
        (pl.col("occurred_from") >= since) & (pl.col("occurred_from") <= until)
    )
    assert window == tuple(sorted(in_window["incident_id"].to_list()))
    after = incidents.filter(pl.col("occurred_from") > until)
    assert later == tuple(sorted(after["incident_id"].to_list()))
    # a minute later selects the same: the alerts are the same
    moved = nw.retaliation_window_ids(
        incidents,
        since=since + dt.timedelta(minutes=1),
        until=until + dt.timedelta(minutes=1),
    )
    assert moved == (window, later)
    again = nw.retaliation_alerts(
        incidents,
        involvements,
        result.membership,
        since=since + dt.timedelta(minutes=1),
        until=until + dt.timedelta(minutes=1),
    )
    assert again.frame.height
    assert again.frame.equals(alerts.frame)
    # the window's start past X1 (day 330): it is no longer selected
    gone = nw.retaliation_window_ids(
        incidents, since=_day(330) + dt.timedelta(minutes=1), until=until
    )
    assert "X1" in window
    assert "X1" not in gone[0]


def _close_ties_alert(
    weights: tuple[float, float], *, max_people: int = 10
) -> dict[str, list[str]]:
    """One alert: ``r1a`` (group R1) stabs ``g1a`` (group G1); the suspect's
    co-offenders ``r1b`` and ``r1c`` (R1) and the victim's ``g1b`` and ``g1c`` (no
    group) tied to them by ``weights``, ``*c`` the stronger."""
    membership = pl.DataFrame(
        [("G1", "g1a", "detected"), ("R1", "r1a", "detected")]
        + [("R1", p, "detected") for p in ("r1b", "r1c")],
        schema=["group_id", "person_id", "origin"],
        orient="row",
    )
    weak, strong = weights
    co_edges = pl.DataFrame(
        {
            "person_a": ["r1a", "r1a", "g1a", "g1a"],
            "person_b": ["r1b", "r1c", "g1b", "g1c"],
            "n_incidents": [1, 1, 1, 1],
            "weight": [weak, strong, weak, strong],
        }
    )
    incidents = pl.DataFrame(
        [("Z", _day(30), 100.0, True, "knife")],
        schema=["incident_id", "occurred_from", "harm_days", "in_definition", "weapon"],
        orient="row",
    )
    involvements = pl.DataFrame(
        [("Z", "r1a", "suspect"), ("Z", "g1a", "victim")],
        schema=["incident_id", "person_id", "role"],
        orient="row",
    )
    cfg = NetworksConfig(
        retaliation=type(NetworksConfig().retaliation)(max_people=max_people)
    )
    alert = nw.retaliation_alerts(
        incidents,
        involvements,
        membership,
        since=_day(29),
        co_edges=co_edges,
        config=cfg,
    ).frame.row(0, named=True)
    return {
        "possible_targets": alert["possible_targets"],
        "at_risk_of_retaliation_from": alert["at_risk_of_retaliation_from"],
    }


@pytest.mark.parametrize("scale", [1.0, 0.977, 1e-6])
@pytest.mark.parametrize(
    "weights",
    [
        (0.02137533621862531, 0.02137538860552013),  # seen in the city
        (0.5, 0.50000003),
    ],
)
def test_retaliation_ranks_by_ties_however_close_or_scaled(
    weights: tuple[float, float], scale: float
) -> None:
    """Targets and retaliators were ranked by one float (rank - tie / 1e9, or
    kind * 1e9 - tie), which lost ties closer than about 1e-7: two co-offenders
    whose ties differ by 5e-8 (a briefing of the synthetic city, half-life 30
    days) were listed by id, the weaker first, and scaling every tie by one
    factor (the briefing's weights as of the end of the day) changed the order.
    Ranked by rank, then tie: the stronger first at any scale."""
    scaled = (weights[0] * scale, weights[1] * scale)
    alert = _close_ties_alert(scaled)
    assert alert["possible_targets"] == ["r1a", "r1c", "r1b"]
    # the victim first, then the stronger co-offender; capped at 2 the weaker
    # one is the one left out (the list itself reads by id)
    capped = _close_ties_alert(scaled, max_people=2)
    assert capped["at_risk_of_retaliation_from"] == ["g1a", "g1c"]
