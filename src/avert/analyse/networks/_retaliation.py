"""Retaliation alerts after violence against a group-linked person (GVI)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from avert.analyse._window import period_length, started_by
from avert.analyse.networks._common import (
    _SOURCE_EXPOSURE,
    _both_ways,
    _check_incidents,
    _check_involvements,
    _config,
    _each_way,
    _victims,
)
from avert.analyse.networks._conflicts import _conflict_incidents
from avert.analyse.networks._groups import match_groups
from avert.analyse.result import Result
from avert.analyse.retaliation_text import LIVE_REASON
from avert.config.networks import NetworksConfig, RetaliationConfig
from avert.schema import check_frame


@dataclass(frozen=True, kw_only=True)
class RetaliationResult(Result):
    """Retaliation alerts: one row per (violent incident, group-linked victim)."""

    def to_json(self) -> dict[str, Any]:
        """Return ``{"alerts": [{"incident_id", "victim_id", ...}], "notes"}``.

        Each alert names ``at_risk_of_retaliation_from``, ``possible_targets`` and its
        ``reasons``; ``notes`` are the caveats the table output prints under the alerts.
        """
        alerts = self.frame.with_columns(
            pl.col("occurred_from").dt.to_string("%Y-%m-%dT%H:%M:%S"),
            pl.col("live_until").dt.to_string("%Y-%m-%dT%H:%M:%S"),
        ).to_dicts()
        return {"alerts": alerts, "notes": list(self.notes)}


_ALERT_SCHEMA: Final[dict[str, pl.DataType]] = {
    "incident_id": pl.String(),
    "victim_id": pl.String(),
    "occurred_from": pl.Datetime("us"),
    "live_until": pl.Datetime("us"),
    "strength": pl.String(),
    "victim_linked": pl.Boolean(),
    "victim_groups": pl.List(pl.String()),
    "rival_groups": pl.List(pl.String()),
    "at_risk_of_retaliation_from": pl.List(pl.String()),
    "possible_targets": pl.List(pl.String()),
    "n_possible_targets": pl.Int64(),
    "rival_group_reasons": pl.List(pl.String()),
    "rival_group_sizes": pl.List(pl.Int64()),
    "reasons": pl.List(pl.String()),
}


def _capped_list(
    frame: pl.DataFrame,
    keys: list[str],
    value: str,
    order: Sequence[str],
    cap: int,
    name: str,
    *,
    ranked: bool = False,
) -> pl.DataFrame:
    """The first ``cap`` values per key by the ``order`` columns, then by id (the
    list sorted by id unless ``ranked``). Each column is compared in turn, not
    folded into one float (which loses a tie weight's last digits)."""
    head = pl.col(value).head(cap)
    return (
        frame.sort([*keys, *order, value])
        .unique([*keys, value], keep="first", maintain_order=True)
        .group_by(keys, maintain_order=True)
        .agg(
            (head if ranked else head.sort()).alias(name),
            pl.len().cast(pl.Int64).alias(f"n_{name}"),
        )
    )


def _rival_lists(rivals: pl.DataFrame, mem: pl.DataFrame) -> pl.DataFrame:
    """Per alert: rival groups in rank order, with reasons and sizes, by reason."""
    sizes = mem.group_by(pl.col("group_id").alias("rival_id")).agg(
        pl.len().cast(pl.Int64).alias("_size")
    )
    return (
        rivals.join(sizes, on="rival_id", how="left")
        .sort([*_KEYS, "_rank"])
        .group_by(*_KEYS, maintain_order=True)
        .agg(
            pl.col("rival_id").alias("rival_groups"),
            pl.col("_o")
            .replace_strict(_RIVAL_REASONS, return_dtype=pl.String)
            .alias("rival_group_reasons"),
            pl.col("_size").fill_null(0).alias("rival_group_sizes"),
            pl.col("rival_id").filter(pl.col("_o") == 0).alias("_named"),
            pl.col("rival_id").filter(pl.col("_o") == 1).alias("_against"),
            pl.col("rival_id").filter(pl.col("_o") == 2).alias("_by"),
        )
    )


def _alert_lists(
    base: pl.DataFrame, lists: Sequence[pl.DataFrame], rc: RetaliationConfig
) -> pl.DataFrame:
    """The alerts with their lists joined (empty where none), live-until, strength."""
    frame = base
    for part in lists:
        frame = frame.join(part, on=_KEYS, how="left")
    empty = pl.lit([], dtype=pl.List(pl.String))
    return frame.with_columns(
        pl.col(
            "victim_groups",
            "rival_groups",
            "_named",
            "_against",
            "_by",
            "at_risk_of_retaliation_from",
            "possible_targets",
            "rival_group_reasons",
            "_target_groups",
        ).fill_null(empty),
        pl.col("rival_group_sizes").fill_null(pl.lit([], dtype=pl.List(pl.Int64))),
        pl.col("n_at_risk_of_retaliation_from", "n_possible_targets").fill_null(0),
        # dated alone (or to the hour): its time is not known, so the alert is
        # live until ``window_days`` after the end of its day (hour), not its 00:00
        (
            pl.col("occurred_from")
            + pl.duration(days=rc.window_days)
            + period_length("_precision")
        ).alias("live_until"),
        pl.when(pl.col("victim_linked"))
        .then(pl.lit("strong"))
        .otherwise(pl.lit("weak"))
        .alias("strength"),
    )


def retaliation_alerts(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    membership: pl.DataFrame,
    *,
    since: dt.datetime,
    until: dt.datetime | None = None,
    co_edges: pl.DataFrame | None = None,
    family_edges: pl.DataFrame | None = None,
    config: NetworksConfig | None = None,
) -> RetaliationResult:
    """Alert when a group-linked person is a victim of violence: who may retaliate, on whom.

    Parameters
    ----------
    incidents, involvements
        As for :func:`co_offending_edges`; the whole history (earlier conflicts
        between groups name rivals when the offender is unknown).
    membership
        Output of :func:`group_membership` (groups of origin ``retaliation.origins``
        count).
    since, until
        Violent incidents with ``since <= occurred_from <= until`` raise alerts
        (``until`` default: no upper bound); one dated alone (``time_precision``
        ``day``, stored at 00:00) whose day runs past ``since`` too
        (:func:`avert.analyse._window.started_by`).
    co_edges
        Co-offending ties: the victim's co-offenders are listed as possible
        retaliators.
    family_edges
        Kin ties: listed as possible retaliators when ``retaliation.include_family``.
    config
        ``retaliation`` settings (``window_days``, ``max_people``, ...).

    Returns
    -------
    RetaliationResult
        ``frame`` columns: ``incident_id``, ``victim_id``, ``occurred_from``,
        ``live_until`` (occurred + ``window_days``; dated alone: the end of its
        day + ``window_days``, its time not being known; recorded to the hour: the
        end of its hour + ``window_days``), ``strength`` (``strong``: the
        victim is in a known group; ``weak``: linked by the attack only),
        ``victim_linked``, ``victim_groups``, ``rival_groups`` (ranked: named by the
        incident's suspects, then recent violence against the victim's group, then
        recently attacked by it), ``at_risk_of_retaliation_from`` (the victim and the
        people linked to them who may retaliate), ``possible_targets`` (ranked: the
        incident's suspects/offenders, then members of the rival groups in rank order;
        at most ``max_targets``), ``n_possible_targets`` (all of them),
        ``rival_group_reasons`` and ``rival_group_sizes`` (aligned with
        ``rival_groups``), ``reasons``. Strong alerts come first.

    Notes
    -----
    Group Violence Intervention (Kennedy 2011; Braga & Weisburd 2012) treats violence
    against a group member as the start of a cycle: reprisals come from the victim's
    group and associates against the offender's group, usually within days. Rival
    groups are those of the incident's suspects/offenders and, to cover unknown
    offenders, groups with earlier recorded violence against or from the victim's
    groups. Only the incident's own history (``occurred_from`` before it) is used to
    name earlier conflicts, so an alert never depends on what came after it.
    """
    cfg = _config(config)
    rc = cfg.retaliation
    inc = _check_incidents(incidents)
    inv = _check_involvements(involvements)
    mem = _counted_members(membership, rc.origins)
    window = _alert_window(inc, _precision(incidents), since=since, until=until)
    sides = _alert_sides(window, inv, mem, cfg)
    base = _triggered(window, sides, cfg)
    if base.height == 0:
        return _retaliation_result(
            pl.DataFrame(schema=_ALERT_SCHEMA), cfg, since, until
        )
    vg = sides.victim_groups.join(base.select(_KEYS), on=_KEYS)
    offenders = sides.offenders.join(
        base.select("incident_id").unique(), on="incident_id"
    )
    retal_lists = _retaliators(base, vg, mem, offenders, co_edges, family_edges, cfg)
    own_groups = vg.select(*_KEYS, "group_id")
    rivals = _rivals(base, own_groups, sides.offender_groups, mem, inc, inv, cfg, until)
    target_lists = _targets(base, offenders, rivals, mem, co_edges, rc.max_targets)
    vgroups = own_groups.group_by(_KEYS).agg(
        pl.col("group_id").unique().sort().alias("victim_groups")
    )
    frame = _alert_frame(
        base,
        window,
        [vgroups, _rival_lists(rivals, mem), retal_lists, target_lists],
        cfg,
        co_offenders=co_edges is not None,
        kin=rc.include_family and family_edges is not None,
    )
    return _retaliation_result(frame, cfg, since, until)


def retaliation_window_ids(
    incidents: pl.DataFrame,
    *,
    since: dt.datetime,
    until: dt.datetime,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """All that ``since`` and ``until`` select of ``incidents`` for
    :func:`retaliation_alerts`: the ids of the incidents that raise alerts (its
    window, the same rule) and of those after ``until`` (left out of the earlier
    conflicts that name rivals), each sorted.

    The alerts of the same frames, configuration and ties are the same for any
    two windows of the same ids: a live briefing's window slides every minute
    but its alerts change only when an incident enters or leaves it
    (:func:`avert.workflows.networks.briefing_retaliation` keeps them so).
    """
    inc = _check_incidents(incidents)
    window = _alert_window(inc, _precision(incidents), since=since, until=until)
    later = inc.filter(pl.col("occurred_from") > until)
    return (
        tuple(sorted(window.get_column("incident_id").cast(pl.String).to_list())),
        tuple(sorted(later.get_column("incident_id").cast(pl.String).to_list())),
    )


def _counted_members(membership: pl.DataFrame, origins: Sequence[str]) -> pl.DataFrame:
    """The memberships (``group_id``, ``person_id``, ``origin``) of groups of one
    of the ``origins`` that count for retaliation (``retaliation.origins``), the
    frame's columns checked first."""
    check_frame(membership, ["group_id", "person_id", "origin"], name="membership")
    return membership.filter(pl.col("origin").is_in(list(origins))).select(
        "group_id", "person_id", "origin"
    )


def _alert_window(
    inc: pl.DataFrame,
    precision: pl.Series,
    *,
    since: dt.datetime,
    until: dt.datetime | None,
) -> pl.DataFrame:
    """The incidents ``inc`` (with their time ``precision``) that raise alerts:
    ``since <= occurred_from <= until`` (``until`` None: no upper bound), and one
    dated alone (stored at 00:00) on the day ``since`` falls in, which may have
    happened after it (:func:`avert.analyse._window.started_by`, the briefing's
    own rule)."""
    window = inc.with_columns(precision).filter(started_by("occurred_from", since))
    if until is not None:
        window = window.filter(pl.col("occurred_from") <= until)
    return window


def _alert_frame(
    base: pl.DataFrame,
    window: pl.DataFrame,
    lists: list[pl.DataFrame],
    cfg: NetworksConfig,
    *,
    co_offenders: bool,
    kin: bool,
) -> pl.DataFrame:
    """The alerts' rows: ``base`` (one an alert) with its ``lists`` (victim groups,
    rivals, retaliators, targets) and its ``reasons``, whose live line follows the
    incident's ``time_precision`` (read from ``window``), strong alerts first."""
    precision = window.select(
        "incident_id", pl.col("time_precision").alias("_precision")
    ).unique("incident_id")
    frame = _alert_lists(
        base.join(precision, on="incident_id", how="left"), lists, cfg.retaliation
    )
    return (
        frame.with_columns(
            # the triggers in words, for the reasons (in one step with them,
            # polars 2.1 refused the list's eval: "null.str.format()")
            pl.col("_triggers")
            .list.eval(
                pl.element().replace_strict(TRIGGER_WORDS, return_dtype=pl.String)
            )
            .list.join(", ")
            .alias("_trigger_words")
        )
        .with_columns(
            pl.concat_list(_reasons(cfg, co_offenders=co_offenders, kin=kin))
            .list.drop_nulls()
            .alias("reasons")
        )
        .select(list(_ALERT_SCHEMA))
        .sort("strength", "occurred_from", "incident_id", "victim_id")
    )


_KEYS: Final = ["incident_id", "victim_id"]
#: Why a group is a rival of an alert, by rank class (see :func:`_rivals`).
_RIVAL_REASONS: Final = {
    0: "named_by_suspects",
    1: "recent_violence_against_victim_group",
    2: "recently_attacked_by_victim_group",
}


@dataclass(frozen=True)
class _Sides:
    """Who is on each side of the window's incidents (see :func:`_alert_sides`)."""

    victims: pl.DataFrame  # incident_id, victim_id, occurred_from
    victim_groups: pl.DataFrame  # incident_id, victim_id, occurred_from, group_id
    linked: pl.DataFrame  # incident_id, victim_id, _linked (victim in a group)
    offenders: pl.DataFrame  # incident_id, other_id (suspects/offenders)
    offender_groups: pl.DataFrame  # incident_id, group_id (offenders' groups)
    inter: pl.DataFrame  # incident_id, victim_id, _inter (offender in another group)


def _with_linked(
    frame: pl.DataFrame, links: pl.DataFrame, keys: list[str]
) -> pl.DataFrame:
    """``frame`` plus the rows of the linked view of each group (declared/detected)."""
    return pl.concat(
        [
            frame,
            frame.join(links, on="group_id").select(
                *keys, pl.col("linked_group_id").alias("group_id")
            ),
        ]
    ).unique()


def _alert_sides(
    window: pl.DataFrame, inv: pl.DataFrame, mem: pl.DataFrame, cfg: NetworksConfig
) -> _Sides:
    """Victims of the window's incidents, their groups, the offenders and theirs."""
    vi = _victims(inv).join(
        window.select("incident_id", "occurred_from"), on="incident_id"
    )
    direct = vi.join(mem.rename({"person_id": "victim_id"}), on="victim_id").select(
        *_KEYS, "occurred_from", "group_id"
    )
    links = match_groups(mem).select("group_id", "linked_group_id")
    # the victim's groups: direct membership plus the other view of the same group
    vg = _with_linked(direct, links, [*_KEYS, "occurred_from"])
    linked = direct.select(*_KEYS).unique().with_columns(pl.lit(True).alias("_linked"))
    cand = vi.select(*_KEYS, "occurred_from").unique(_KEYS)
    all_offenders = (
        inv.filter(pl.col("role").is_in(list(cfg.graph.roles)))
        .select("incident_id", pl.col("person_id").alias("other_id"))
        .unique()
        .join(cand.select("incident_id").unique(), on="incident_id")
    )
    mem_other = mem.select("group_id", pl.col("person_id").alias("other_id"))
    og_all = _with_linked(
        all_offenders.join(mem_other, on="other_id").select("incident_id", "group_id"),
        links,
        ["incident_id"],
    )
    inter = (
        cand.join(og_all, on="incident_id")
        .join(vg.select(*_KEYS, "group_id"), on=[*_KEYS, "group_id"], how="anti")
        .select(*_KEYS)
        .unique()
        .with_columns(pl.lit(True).alias("_inter"))
    )
    return _Sides(
        victims=cand,
        victim_groups=vg,
        linked=linked,
        offenders=all_offenders,
        offender_groups=og_all,
        inter=inter,
    )


def _triggered(
    window: pl.DataFrame, sides: _Sides, cfg: NetworksConfig
) -> pl.DataFrame:
    """(incident, victim) pairs that raise an alert, with the triggers that held."""
    rc = cfg.retaliation
    facts = window.select(
        "incident_id", "in_definition", "weapon", "gang_related", "injury"
    )
    trig = (
        sides.victims.join(facts, on="incident_id")
        .join(sides.inter, on=_KEYS, how="left")
        .join(sides.linked, on=_KEYS, how="left")
    )
    # a victim in no known group, hurt by a group-linked suspect, is linked to the
    # conflict by the attack itself (when retaliation.unlinked_victims)
    allowed_strong = pl.col("_linked").fill_null(False)
    allowed = allowed_strong
    if rc.unlinked_victims:
        allowed = allowed | pl.col("_inter").fill_null(False)
    conds = {
        "in_definition": pl.col("in_definition"),
        "weapon": pl.col("weapon") != "none",
        "injury": pl.col("injury").is_in(["minor", "serious", "fatal"]),
        "gang_related": pl.col("gang_related"),
        "inter_group": pl.col("_inter").fill_null(False),
    }
    # a victim in no group is admitted by _inter, so inter_group always holds for
    # them: their (weak) alert needs another trigger (violence of the definition,
    # a weapon, an injury, the gang flag), or any offence of a group-linked
    # person against anyone (a common assault outside the definition, a theft)
    # would be read as a reprisal risk
    fires = {**conds, "inter_group": conds["inter_group"] & allowed_strong}
    fired: pl.Expr = pl.lit(False)
    for name in rc.triggers:
        fired = fired | fires[name]
    trig = trig.with_columns(
        pl.concat_list([pl.when(conds[n]).then(pl.lit(n)) for n in rc.triggers])
        .list.drop_nulls()
        .alias("_triggers")
    ).filter(fired & allowed)
    return trig.select(
        *_KEYS,
        "occurred_from",
        "_triggers",
        pl.col("_linked").fill_null(False).alias("victim_linked"),
    )


def _retaliators(
    base: pl.DataFrame,
    vg: pl.DataFrame,
    mem: pl.DataFrame,
    offenders: pl.DataFrame,
    co_edges: pl.DataFrame | None,
    family_edges: pl.DataFrame | None,
    cfg: NetworksConfig,
) -> pl.DataFrame:
    """Who may retaliate: the victim, then group members, co-offenders, kin, allies."""
    rc = cfg.retaliation
    members = mem.select("group_id", pl.col("person_id").alias("other_id"))
    parts = [
        vg.join(members, on="group_id").select(
            *_KEYS, "other_id", pl.lit(0).alias("_o"), pl.lit(0.0).alias("_w")
        )
    ]
    if co_edges is not None and co_edges.height > 0 and rc.ally_min_incidents > 0:
        allies = _allied_groups(mem, co_edges, rc.ally_min_incidents)
        parts.append(
            vg.select(*_KEYS, "group_id")
            .join(allies, on="group_id")
            .join(members.rename({"group_id": "ally_id"}), on="ally_id")
            .select(
                *_KEYS, "other_id", pl.lit(3).alias("_o"), -pl.col("_n").alias("_w")
            )
        )
    if co_edges is not None and co_edges.height > 0:
        co = _both_ways(co_edges, "co_offender").rename({"person_id": "victim_id"})
        parts.append(
            base.join(co, on="victim_id").select(
                *_KEYS,
                "other_id",
                pl.lit(1).alias("_o"),
                -pl.col("weight").alias("_w"),
            )
        )
    if rc.include_family and family_edges is not None and family_edges.height > 0:
        fam = _both_ways(family_edges.select("person_a", "person_b"), "family").rename(
            {"person_id": "victim_id"}
        )
        parts.append(
            base.join(fam, on="victim_id").select(
                *_KEYS, "other_id", pl.lit(2).alias("_o"), pl.lit(0.0).alias("_w")
            )
        )
    # the victim comes first: victims of group violence often retaliate themselves,
    # also when recorded as a suspect too (a mutual fight, a counter-allegation);
    # the incident's other suspects/offenders are the other side, not retaliators
    victim_self = base.select(
        *_KEYS,
        pl.col("victim_id").alias("other_id"),
        pl.lit(-1).alias("_o"),
        pl.lit(0.0).alias("_w"),
    )
    linked = (
        pl.concat(parts)
        .filter(pl.col("other_id") != pl.col("victim_id"))
        .join(offenders, on=["incident_id", "other_id"], how="anti")
    )
    retal = pl.concat([victim_self, linked]).with_columns(pl.col("_w").cast(pl.Float64))
    return _capped_list(
        retal,
        _KEYS,
        "other_id",
        ("_o", "_w"),
        rc.max_people,
        "at_risk_of_retaliation_from",
    )


def _allied_groups(
    mem: pl.DataFrame, co_edges: pl.DataFrame, min_incidents: int
) -> pl.DataFrame:
    """Pairs of groups whose members co-offended together in ``min_incidents`` or more.

    ``group_id``, ``ally_id``, ``_n`` (shared incidents, summed over member pairs).
    Two groups that offend together are allies (or two views of one group split by
    sparse records): a reprisal may come from either.
    """
    n = (
        pl.col("n_incidents").cast(pl.Float64)
        if "n_incidents" in co_edges.columns
        else pl.lit(1.0)
    )
    ties = co_edges.select("person_a", "person_b", n.alias("_n"))
    ga = mem.select(pl.col("group_id"), pl.col("person_id").alias("person_a"))
    gb = mem.select(
        pl.col("group_id").alias("ally_id"), pl.col("person_id").alias("person_b")
    )
    pairs = (
        ties.join(ga, on="person_a")
        .join(gb, on="person_b")
        .filter(pl.col("group_id") != pl.col("ally_id"))
    )
    both = pl.concat(
        [
            pairs.select("group_id", "ally_id", "_n"),
            pairs.select(
                pl.col("ally_id").alias("group_id"),
                pl.col("group_id").alias("ally_id"),
                "_n",
            ),
        ]
    )
    return (
        both.group_by("group_id", "ally_id")
        .agg(pl.col("_n").sum())
        .filter(pl.col("_n") >= min_incidents)
    )


def _rivals(
    base: pl.DataFrame,
    own_groups: pl.DataFrame,
    offender_groups: pl.DataFrame,
    mem: pl.DataFrame,
    inc: pl.DataFrame,
    inv: pl.DataFrame,
    cfg: NetworksConfig,
    until: dt.datetime | None,
) -> pl.DataFrame:
    """Rival groups of each alert, ranked (``_rank`` 0 first).

    ``_o`` 0: a group of the incident's own suspects/offenders; 1: a group with
    violence against the victim's group in the last ``rival_history_days``; 2: a
    group the victim's group attacked in that time. Within 1 and 2 the most recent
    conflict comes first. ``_last`` is the latest such conflict (null for 0).
    """
    named = (
        base.join(offender_groups, on="incident_id")
        .join(own_groups, on=[*_KEYS, "group_id"], how="anti")
        .select(
            *_KEYS,
            pl.col("group_id").alias("rival_id"),
            pl.lit(0).alias("_o"),
            pl.lit(None, dtype=pl.Datetime("us")).alias("_last"),
        )
    )
    history = _conflict_incidents(
        mem, inc, inv, roles=cfg.graph.roles, start=None, end=until
    )
    sides = _each_way(
        history,
        "victim_group_id",
        "offender_group_id",
        names=("group_id", "rival_id"),
        tags=([pl.lit(1).alias("_o")], [pl.lit(2).alias("_o")]),
        carry=[
            pl.col("occurred_from").alias("_at"),
            pl.col("incident_id").alias("_cid"),
        ],
    )
    horizon = dt.timedelta(days=cfg.retaliation.rival_history_days)
    earlier = (
        own_groups.join(base.select(*_KEYS, "occurred_from"), on=_KEYS)
        .join(sides, on="group_id")
        .filter(
            (pl.col("_at") < pl.col("occurred_from"))
            & (pl.col("_at") >= pl.col("occurred_from") - horizon)
            & (pl.col("_cid") != pl.col("incident_id"))
        )
        .group_by(*_KEYS, "rival_id", "_o")
        .agg(pl.col("_at").max().alias("_last"))
    )
    rivals = (
        pl.concat([named, earlier.select(named.columns)])
        .join(
            own_groups.rename({"group_id": "rival_id"}),
            on=[*_KEYS, "rival_id"],
            how="anti",
        )
        # a group is ranked once, at its best reason
        .sort(
            [*_KEYS, "_o", "_last", "rival_id"],
            descending=[False, False, False, True, False],
            nulls_last=True,
        )
        .unique([*_KEYS, "rival_id"], keep="first", maintain_order=True)
    )
    return rivals.with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).over(_KEYS).alias("_rank")
    )


def _targets(
    base: pl.DataFrame,
    offenders: pl.DataFrame,
    rivals: pl.DataFrame,
    mem: pl.DataFrame,
    co_edges: pl.DataFrame | None,
    cap: int,
) -> pl.DataFrame:
    """Possible targets, ranked: the incident's suspects/offenders, then rival members.

    Members of a better-ranked rival group come first (see :func:`_rivals`); within a
    group, the closest co-offenders of the incident's suspects/offenders first (the
    sum of their tie weights), then by id. At most ``cap`` are listed (``possible_targets``), all are counted
    (``n_possible_targets``), and ``_target_groups`` summarises each rival group
    for the reasons (ids in text: never an output column of its own).
    """
    members = mem.select(
        pl.col("group_id").alias("rival_id"), pl.col("person_id").alias("other_id")
    )
    in_rivals = rivals.join(members, on="rival_id").filter(
        pl.col("other_id") != pl.col("victim_id")
    )
    ranked = in_rivals.select(
        *_KEYS,
        "other_id",
        (pl.col("_rank") + 1).cast(pl.Int64).alias("_ord"),
        pl.lit(0.0).alias("_w"),
    )
    if co_edges is not None and co_edges.height > 0:
        ties = (
            offenders.rename({"other_id": "person_id"})
            .join(_both_ways(co_edges, "co_offender"), on="person_id")
            .group_by("incident_id", "other_id")
            .agg(pl.col("weight").sum().alias("_tie"))
        )
        # within a rival group, stronger ties to the suspects first (_w: -tie)
        ranked = ranked.join(ties, on=["incident_id", "other_id"], how="left").select(
            *_KEYS, "other_id", "_ord", -pl.col("_tie").fill_null(0.0).alias("_w")
        )
    targets = pl.concat(
        [
            base.join(offenders, on="incident_id").select(
                *_KEYS,
                "other_id",
                pl.lit(0).cast(pl.Int64).alias("_ord"),
                pl.lit(0.0).alias("_w"),
            ),
            ranked,
        ]
    ).filter(pl.col("other_id") != pl.col("victim_id"))
    lists = _capped_list(
        targets, _KEYS, "other_id", ("_ord", "_w"), cap, "possible_targets", ranked=True
    )
    why = {
        0: "named by this incident's suspects/offenders",
        1: "recent violence against the victim's group",
        2: "recently attacked by the victim's group",
    }
    summary = (
        in_rivals.group_by(*_KEYS, "rival_id", "_o", "_rank", "_last")
        .agg(pl.len().alias("_n"))
        .sort([*_KEYS, "_rank"])
        .with_columns(
            pl.format(
                "{} ({}{}): {} members",
                pl.col("rival_id"),
                pl.col("_o").replace_strict(why, return_dtype=pl.String),
                pl.when(pl.col("_last").is_not_null())
                .then(pl.format(", last {}", pl.col("_last").dt.to_string("%Y-%m-%d")))
                .otherwise(pl.lit("")),
                pl.col("_n"),
            ).alias("_line")
        )
        .group_by(_KEYS, maintain_order=True)
        .agg(pl.col("_line").alias("_target_groups"))
    )
    return lists.join(summary, on=_KEYS, how="full", coalesce=True)


def _naming(column: str, text: str) -> pl.Expr:
    """``text`` with the ``column`` list joined by commas in its ``{}``; null when the
    list is empty (a reason line that only stands when there is something to name)."""
    return pl.when(pl.col(column).list.len() > 0).then(
        pl.format(text, pl.col(column).list.join(", "))
    )


#: Each trigger of an alert (``RETALIATION_TRIGGERS``, the ``_triggers`` keys) as
#: its reason line says it: a meeting read "trigger: in_definition, inter_group".
TRIGGER_WORDS: Final[dict[str, str]] = {
    "in_definition": "violence in the definition",
    "weapon": "a weapon",
    "injury": "an injury",
    "gang_related": "recorded as gang-related",
    "inter_group": "a suspect or offender of another group",
}


def _reasons(cfg: NetworksConfig, *, co_offenders: bool, kin: bool) -> list[pl.Expr]:
    """The reason lines of an alert, one expression each (nulls dropped); the
    retaliators' line names the ties that were given (``co_offenders``, ``kin``)."""
    rc = cfg.retaliation
    ties = ", ".join(
        ["group members"]
        + (["co-offenders"] if co_offenders else [])
        + (["kin"] if kin else [])
        + ["allied groups"]
    )
    return [
        pl.format("raised for: {}", pl.col("_trigger_words")),
        pl.when(pl.col("victim_groups").list.len() > 0)
        .then(
            pl.format(
                "victim {} is linked to group(s) {}",
                pl.col("victim_id"),
                pl.col("victim_groups").list.join(", "),
            )
        )
        .otherwise(
            pl.format(
                "victim {} is in no known group but was hurt by a group-linked "
                "suspect/offender: the attack links them to the conflict",
                pl.col("victim_id"),
            )
        ),
        pl.format(
            f"the victim and {{}} linked people ({ties}) may retaliate",
            pl.col("n_at_risk_of_retaliation_from") - 1,
        ),
        pl.when(pl.col("n_at_risk_of_retaliation_from") > rc.max_people).then(
            pl.format(
                f"retaliation list shows the first {rc.max_people} (the victim, group members, then strongest ties)"
            )
        ),
        _naming(
            "_named", "rival group(s) named by this incident's suspects/offenders: {}"
        ),
        _naming(
            "_against",
            f"recent violence (last {rc.rival_history_days} days) against the "
            "victim's group by group(s): {}",
        ),
        _naming(
            "_by",
            f"the victim's group attacked group(s) in the last {rc.rival_history_days} days: {{}}",
        ),
        pl.when(pl.col("n_possible_targets") > rc.max_targets).then(
            pl.format(
                f"possible targets: the first {rc.max_targets} of {{}} shown, ranked "
                "(the incident's suspects/offenders, then rival groups in order: {})",
                pl.col("n_possible_targets"),
                pl.col("_target_groups").list.join("; "),
            )
        ),
        pl.when(pl.col("strength") == "weak").then(
            pl.lit(
                "weak alert: the victim is in no known group (linked by the attack only)"
            )
        ),
        pl.when(pl.col("_precision") == "day")
        .then(
            pl.format(
                f"{LIVE_REASON}for {rc.window_days} days after the end of its day "
                "(dated {} alone, no time recorded), until {}",
                pl.col("occurred_from").dt.to_string("%Y-%m-%d"),
                pl.col("live_until").dt.to_string("%Y-%m-%d %H:%M"),
            )
        )
        .when(pl.col("_precision") == "hour")
        .then(
            pl.format(
                f"{LIVE_REASON}for {rc.window_days} days after the end of its hour "
                "(recorded to the hour, {}, no minute), until {}",
                pl.col("occurred_from").dt.to_string("%Y-%m-%d %H:00"),
                pl.col("live_until").dt.to_string("%Y-%m-%d %H:%M"),
            )
        )
        .otherwise(
            pl.format(
                f"{LIVE_REASON}for {rc.window_days} days, until {{}}",
                pl.col("live_until").dt.to_string("%Y-%m-%d %H:%M"),
            )
        ),
    ]


def _precision(incidents: pl.DataFrame) -> pl.Series:
    """The incidents' ``time_precision`` (null where the frame has none: known)."""
    if "time_precision" in incidents.columns:
        return incidents.get_column("time_precision").cast(pl.String)
    return pl.Series("time_precision", [None] * incidents.height, dtype=pl.String)


def _retaliation_result(
    frame: pl.DataFrame,
    cfg: NetworksConfig,
    since: dt.datetime,
    until: dt.datetime | None,
) -> RetaliationResult:
    return RetaliationResult(
        frame=frame,
        params={
            "since": since,
            "until": until,
            "window_days": cfg.retaliation.window_days,
            "origins": list(cfg.retaliation.origins),
            "include_family": cfg.retaliation.include_family,
            "config": cfg.source,
        },
        method=(
            "violent incident with a group-linked victim -> victim's group members, "
            "co-offenders and kin as possible retaliators; offenders' groups and groups "
            "in earlier recorded conflict as rivals"
        ),
        source="Kennedy (2011) Don't Shoot; Braga & Weisburd (2012) Campbell Syst Rev; "
        + _SOURCE_EXPOSURE,
        notes=(
            "An alert is a prompt for safeguarding and prevention, not evidence against anyone.",
        ),
    )
