"""Peer groups, street gangs and organised networks: their incidents and rivalries."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from avert.schema import CONTINUUM_LEVELS
from avert.synth.city._base import (
    DAY_S,
    F64,
    I64,
    ROLE_VICTIM,
    Str,
    _accused_roles,
    _choice,
    _Ctx,
    _Events,
    _pick,
)
from avert.synth.city._events import _add_incidents, _injury_for, _weapons_for
from avert.synth.city._population import (
    _Geography,
    _Offenders,
    _People,
    _place_in_cells,
    _residents,
)

_GROUP_MIX: dict[str, dict[str, float]] = {
    "peer_group": {
        "58D": 0.25,
        "58A": 0.1,
        "9A": 0.1,
        "59": 0.05,
        "46": 0.2,
        "92E": 0.15,
        "49": 0.1,
        "105A": 0.05,
    },
    "street_gang": {
        "8N": 0.25,
        "5D": 0.1,
        "34B": 0.15,
        "105A": 0.1,
        "3B": 0.05,
        "10D": 0.15,
        "92A": 0.15,
        "92D": 0.05,
    },
    "organised_network": {
        "10A": 0.2,
        "106": 0.15,
        "36": 0.05,
        "5D": 0.15,
        "34A": 0.1,
        "92A": 0.25,
        "10B": 0.1,
    },
}
_GROUP_WEAPON = {
    "peer_group": (0.0, 0.0, 0.02),
    "street_gang": (0.4, 0.03, 0.05),
    "organised_network": (0.25, 0.35, 0.05),
}
_GROUP_SIZE = {
    "peer_group": (4, 8),
    "street_gang": (8, 18),
    "organised_network": (6, 12),
}
_GROUP_AGE = {
    "peer_group": (13, 21),
    "street_gang": (15, 30),
    "organised_network": (22, 55),
}
_GROUP_RADIUS = {"peer_group": 1, "street_gang": 1, "organised_network": 3}
_GROUP_GANG_FLAG = {"peer_group": 0.05, "street_gang": 0.7, "organised_network": 0.4}
_GROUP_SINCE_YEARS = {
    "peer_group": (0.0, 0.5),
    "street_gang": (0.5, 3.0),
    "organised_network": (2.0, 8.0),
}
_NAMES_A = (
    "North",
    "South",
    "East",
    "West",
    "Park",
    "Hill",
    "Canal",
    "Market",
    "Bridge",
    "Green",
    "Moor",
    "Heath",
)
_NAMES_B = ("Boys", "Crew", "Block", "Mandem", "Gang", "Firm", "Set", "Lot")


@dataclass(frozen=True)
class _Group:
    """One planted group: a peer group, a street gang or an organised network."""

    # identity: id ("G001"), display name and level (one of CONTINUUM_LEVELS)
    group_id: str
    name: str
    continuum: str
    # members (sorted person indices) and territory (sorted cell indices)
    members: I64
    cells: I64
    # ids of the rival groups, sorted (street gangs only)
    rivals: tuple[str, ...] = ()


def _groups(ctx: _Ctx, geo: _Geography, pp: _People, off: _Offenders) -> list[_Group]:
    """Groups drawn around anchor cells; rivalries among street gangs.

    Marks every member an offender and rescales members' propensity in ``off`` (in
    place).
    """
    cfg, rng = ctx.cfg, ctx.rng
    scale = cfg.people / 100_000
    counts = {
        "peer_group": max(cfg.min_peer_groups, round(cfg.peer_groups_per_100k * scale)),
        "street_gang": max(
            cfg.min_street_gangs, round(cfg.street_gangs_per_100k * scale)
        ),
        "organised_network": max(
            cfg.min_organised_networks, round(cfg.organised_networks_per_100k * scale)
        ),
    }
    taken = np.zeros(pp.n, bool)
    taken[off.high] = True  # keep high-rate offenders out of groups: a clean truth
    groups: list[_Group] = []
    nx, ny = geo.nx, geo.ny
    anchor_w = geo.pop_w.copy()
    anchor_w[geo.estates] *= 4.0
    for level in ("organised_network", "street_gang", "peer_group"):
        for _ in range(counts[level]):
            anchor = int(_pick(rng, np.cumsum(anchor_w), 1)[0])
            r = _GROUP_RADIUS[level]
            ac, ar = anchor % nx, anchor // nx
            cols = np.arange(max(0, ac - r), min(nx, ac + r + 1))
            rows = np.arange(max(0, ar - r), min(ny, ar + r + 1))
            cells = (rows[:, None] * nx + cols[None, :]).ravel()
            cand = np.concatenate(
                [np.arange(pp.cell_start[c], pp.cell_start[c + 1]) for c in cells]
            )
            lo, hi = _GROUP_AGE[level]
            a = pp.age[cand]
            ok = (
                (a >= lo)
                & (a <= hi)
                & ~taken[cand]
                & (pp.male[cand] | (rng.random(len(cand)) < 0.15))
            )
            cand = cand[ok]
            smin, smax = _GROUP_SIZE[level]
            size = int(rng.integers(smin, smax + 1))
            if len(cand) < 3:
                continue
            members = np.sort(
                rng.choice(cand, size=min(size, len(cand)), replace=False)
            )
            taken[members] = True
            gid = f"G{len(groups) + 1:03d}"
            name = f"{_NAMES_A[int(rng.integers(0, len(_NAMES_A)))]} {_NAMES_B[int(rng.integers(0, len(_NAMES_B)))]}"
            groups.append(
                _Group(
                    group_id=gid,
                    name=name,
                    continuum=level,
                    members=members,
                    cells=np.sort(cells),
                )
            )
    # rivalries among street gangs: pairs, then a second ring for some
    gangs = [g for g in groups if g.continuum == "street_gang"]
    order = rng.permutation(len(gangs))
    pairs: list[tuple[int, int]] = []
    for i in range(0, len(order) - 1, 2):
        pairs.append((int(order[i]), int(order[i + 1])))
    for i in range(1, len(order) - 1, 2):
        if rng.random() < 0.5:
            pairs.append((int(order[i]), int(order[i + 1])))
    rivals: dict[str, list[str]] = {g.group_id: [] for g in groups}
    for a_i, b_i in pairs:
        rivals[gangs[a_i].group_id].append(gangs[b_i].group_id)
        rivals[gangs[b_i].group_id].append(gangs[a_i].group_id)
    groups = [replace(g, rivals=tuple(sorted(rivals[g.group_id]))) for g in groups]
    for g in groups:
        off.offender[g.members] = True
        if g.continuum == "peer_group":
            # peer-group members offend mostly together, at a low level
            off.propensity[g.members] *= 0.2
        elif g.continuum == "organised_network":
            # network members rarely offend alone: their record is the network's
            off.propensity[g.members] *= 0.3
        else:
            # street-gang members also offend alone (a floor on their propensity)
            off.propensity[g.members] = np.maximum(off.propensity[g.members], 0.5)
    return groups


def _group_incidents(
    ctx: _Ctx,
    geo: _Geography,
    pp: _People,
    off: _Offenders,
    groups: list[_Group],
    ev: _Events,
    vcum: F64,
) -> None:
    cfg, rng = ctx.cfg, ctx.rng
    for level in CONTINUUM_LEVELS:
        gs = [g for g in groups if g.continuum == level]
        if not gs:
            continue
        sizes = np.array([len(g.members) for g in gs])
        members = np.concatenate([g.members for g in gs])
        starts = np.r_[0, np.cumsum(sizes)[:-1]]
        lam = cfg.group_incidents_per_member_year * sizes * max(ctx.years, 0.5) / 2.7
        n_g = np.maximum(rng.poisson(lam), 6)
        g_of = np.repeat(np.arange(len(gs)), n_g)
        n = len(g_of)
        code = ctx.codes_of(_GROUP_MIX[level], n)
        t = ctx.times("night", n)
        cells = np.concatenate([g.cells for g in gs])
        c_sizes = np.array([len(g.cells) for g in gs])
        c_starts = np.r_[0, np.cumsum(c_sizes)[:-1]]
        in_territory = rng.random(n) < 0.8
        terr = cells[
            c_starts[g_of] + np.floor(rng.random(n) * c_sizes[g_of]).astype(np.int64)
        ]
        anywhere = _pick(rng, np.cumsum(geo.pop_w), n)
        place = _place_in_cells(ctx, geo, np.where(in_territory, terr, anywhere))
        knife, fire, other = _GROUP_WEAPON[level]
        weapon = _weapons_for(ctx, code, knife=knife, firearm=fire, other=other)
        gang = rng.random(n) < _GROUP_GANG_FLAG[level]
        ids = _add_incidents(
            ctx, ev, "group", t=t, code=code, place=place, weapon=weapon, gang=gang
        )
        k = 2 + _choice(rng, [0.5, 0.35, 0.15], n)
        inc = np.repeat(np.arange(n), k)
        drawn = np.floor(rng.random(len(inc)) * sizes[g_of[inc]]).astype(np.int64)
        who = members[starts[g_of[inc]] + _distinct_members(drawn, k, sizes[g_of])]
        pairs = np.unique(np.stack([inc, who], axis=1), axis=0)
        role = _accused_roles(rng, n, cfg.charged_share)
        ev.involve(ids[pairs[:, 0]], pairs[:, 1], role[pairs[:, 0]])
        # outside co-offenders are peripheral associates: local residents with no
        # other planted offending, so they attach to the group as leaves; peer groups
        # are small and have none
        outsider_share = 0.0 if level == "peer_group" else cfg.group_outsider_share
        outsider = rng.random(n) < outsider_share
        o_who = _residents(ctx, pp, np.where(in_territory, terr, anywhere))
        outsider &= off.propensity[o_who] == 0
        in_group = np.zeros(pp.n, bool)
        in_group[members] = True
        outsider &= ~in_group[o_who]
        ev.involve(ids[outsider], o_who[outsider], role[outsider])
        victims = _residents(ctx, pp, np.where(in_territory, terr, anywhere))
        has_v = ctx.has_victim[code] & ~in_group[victims]
        ev.involve(ids[has_v], victims[has_v], ROLE_VICTIM)


def _distinct_members(drawn: I64, k: I64, sizes: I64) -> I64:
    """Each incident's ``k`` drawn member positions (``drawn``, incident after
    incident, each in ``[0, size)``) made distinct within the incident.

    A group incident is committed by 2-4 of its members (docs/synth.md), but
    the members were drawn with replacement and a position drawn twice collapsed
    into one involvement: 36 of the 612 group incidents of the default city
    (5.9 %) named a single member. A position already taken by an earlier draw of
    the same incident now moves to the next free one (cyclically), so the random
    draws, and every other table of a seed, are unchanged; ``k`` is at most 4 and
    a group has at least 4 members, so a free position always exists.
    """
    first = np.r_[0, np.cumsum(k)[:-1]]
    inc = np.repeat(np.arange(len(k)), k)
    pos = np.arange(len(drawn)) - first[inc]
    taken = np.full((len(k), int(k.max(initial=0))), -1, dtype=np.int64)
    taken[inc, pos] = drawn
    for p in range(1, taken.shape[1]):
        rows = np.flatnonzero(k > p)
        for _ in range(p):  # p earlier draws: p moves at most
            clash = (taken[rows, :p] == taken[rows, p][:, None]).any(axis=1)
            if not clash.any():
                break
            hit = rows[clash]
            taken[hit, p] = (taken[hit, p] + 1) % sizes[hit]
    out: I64 = taken[inc, pos]
    return out


@dataclass(frozen=True)
class _Reprisal:
    """One planted reprisal: a rival attack and the attack back that followed it."""

    # event indices (creation order, as ``_Events.add`` returns them)
    original: int
    reprisal: int
    # group ids: the group attacked first (which retaliates) and the one it hits back
    victim_group: str
    retaliating_group: str
    target_group: str


def _rivalry(
    ctx: _Ctx,
    geo: _Geography,
    pp: _People,
    groups: list[_Group],
    ev: _Events,
) -> list[_Reprisal]:
    """Attacks between rival gangs and the reprisals that follow within days.

    Steps, in the city's draw order: which gang attacks which (:func:`_rival_sides`),
    when (:func:`_original_times`), the attacks with their victim, attacker and a
    second attacker, then the reprisals (:func:`_reprisals`)."""
    cfg, rng = ctx.cfg, ctx.rng
    by_id = {g.group_id: g for g in groups}
    pairs = sorted({tuple(sorted((g.group_id, r))) for g in groups for r in g.rivals})
    if not pairs:
        return []
    att, vic = _rival_sides(ctx, pairs)
    n = len(att)
    t = _original_times(ctx, n)
    code = ctx.codes_of({"8N": 0.45, "5D": 0.25, "34B": 0.1, "3B": 0.1, "105A": 0.1}, n)
    place = _place_in_cells(ctx, geo, _cells_of(rng, by_id, vic))
    weapon = _weapons_for(ctx, code, knife=0.45, firearm=0.07, other=0.08)
    gang = rng.random(n) < 0.8
    ids = _add_incidents(
        ctx, ev, "rival_attack", t=t, code=code, place=place, weapon=weapon, gang=gang
    )
    victim = _member(rng, by_id, vic)
    attacker = _member(rng, by_id, att)
    ev.involve(ids, victim, ROLE_VICTIM)
    role = _accused_roles(rng, n, cfg.charged_share)
    ev.involve(ids, attacker, role)
    second = rng.random(n) < 0.5
    att2 = _member(rng, by_id, att)
    second &= att2 != attacker
    ev.involve(ids[second], att2[second], role[second])
    return _reprisals(
        ctx,
        geo,
        ev,
        by_id,
        t=t,
        ids=ids,
        att=att,
        vic=vic,
        attacker=attacker,
        victim=victim,
    )


def _rival_sides(ctx: _Ctx, pairs: list[tuple[str, ...]]) -> tuple[Str, Str]:
    """The attacking and the attacked group of each attack: 1 + Poisson(rate x
    years) attacks per rival pair, each side attacking with probability 1/2."""
    cfg, rng = ctx.cfg, ctx.rng
    n_pair = (
        rng.poisson(
            cfg.rival_attacks_per_rivalry_year * max(ctx.years, 0.5), len(pairs)
        )
        + 1
    )
    p_of = np.repeat(np.arange(len(pairs)), n_pair)
    flip = rng.random(len(p_of)) < 0.5
    att = np.array(
        [pairs[i][1] if f else pairs[i][0] for i, f in zip(p_of, flip, strict=True)]
    )
    vic = np.array(
        [pairs[i][0] if f else pairs[i][1] for i, f in zip(p_of, flip, strict=True)]
    )
    return att, vic


def _original_times(ctx: _Ctx, n: int) -> I64:
    """Night times of ``n`` original attacks, early enough for their reprisals."""
    # the last reprisal must fall inside the period: originals stop max_days before the end
    # (an original drawn later moves back by whole weeks, keeping its hour and day)
    latest = ctx.horizon_s - int(ctx.cfg.reprisal_max_days * DAY_S) - 1
    t = ctx.times("night", n)
    week = 7 * DAY_S
    t = np.where(t > latest, t - -((latest - t) // week) * week, t)
    return np.maximum(t, 0)


def _member(rng: np.random.Generator, by_id: dict[str, _Group], gids: Str) -> I64:
    """A member of each group of ``gids``, drawn uniformly."""
    return np.array(
        [by_id[g].members[int(rng.integers(0, len(by_id[g].members)))] for g in gids],
        np.int64,
    )


def _cells_of(rng: np.random.Generator, by_id: dict[str, _Group], gids: Str) -> I64:
    """A territory cell of each group of ``gids``, drawn uniformly."""
    return np.array(
        [by_id[g].cells[int(rng.integers(0, len(by_id[g].cells)))] for g in gids],
        np.int64,
    )


def _reprisals(
    ctx: _Ctx,
    geo: _Geography,
    ev: _Events,
    by_id: dict[str, _Group],
    *,
    t: I64,
    ids: I64,
    att: Str,
    vic: Str,
    attacker: I64,
    victim: I64,
) -> list[_Reprisal]:
    """Reprisals: with probability ``reprisal_probability`` the victim's group hits
    back at the attackers' group, after an exponential delay (6 h to
    ``reprisal_max_days``), in the attackers' territory."""
    cfg, rng = ctx.cfg, ctx.rng
    rep = rng.random(len(t)) < cfg.reprisal_probability
    ri = np.flatnonzero(rep)
    delay = np.clip(
        rng.exponential(cfg.reprisal_mean_days * DAY_S, len(ri)),
        6 * 3600,
        cfg.reprisal_max_days * DAY_S,
    ).astype(np.int64)
    t_r = t[ri] + delay
    m = len(ri)
    code_r = ctx.codes_of({"5D": 0.4, "8N": 0.35, "2": 0.1, "3B": 0.05, "34B": 0.1}, m)
    place_r = _place_in_cells(ctx, geo, _cells_of(rng, by_id, att[ri]))
    weapon_r = _weapons_for(ctx, code_r, knife=0.5, firearm=0.12, other=0.08)
    # the gang flags are drawn after the injuries here (the city's draw order)
    ids_r = ev.add(
        t=t_r,
        code=code_r,
        place=place_r,
        part="reprisal",
        weapon=weapon_r,
        injury=_injury_for(ctx, code_r),
        gang=rng.random(m) < 0.85,
    )
    target = np.where(rng.random(m) < 0.6, attacker[ri], _member(rng, by_id, att[ri]))
    ev.involve(ids_r, target, ROLE_VICTIM)
    avenger = np.where(rng.random(m) < 0.3, victim[ri], _member(rng, by_id, vic[ri]))
    avenger = np.where(avenger == target, _member(rng, by_id, vic[ri]), avenger)
    role_r = _accused_roles(rng, m, cfg.charged_share)
    ev.involve(ids_r, avenger, role_r)
    helper = _member(rng, by_id, vic[ri])
    two = (rng.random(m) < 0.5) & (helper != avenger)
    ev.involve(ids_r[two], helper[two], role_r[two])
    return [
        _Reprisal(
            original=int(o),
            reprisal=int(r),
            victim_group=str(v),
            retaliating_group=str(v),
            target_group=str(a),
        )
        for o, r, v, a in zip(ids[ri], ids_r, vic[ri], att[ri], strict=True)
    ]
