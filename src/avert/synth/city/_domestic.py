"""Escalating domestic abuse and targeted anti-social behaviour."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from avert.synth.city._base import (
    DAY_S,
    I64,
    ROLE_SUSPECT,
    ROLE_VICTIM,
    B,
    _accused_roles,
    _choice,
    _Ctx,
    _Events,
    _pick,
)
from avert.synth.city._events import _add_incidents, _weapons_for
from avert.synth.city._population import (
    _Families,
    _Geography,
    _Offenders,
    _People,
    _place_in_cells,
    _residents,
)


@dataclass(frozen=True)
class _Dyads:
    """Planted domestic-abuse dyads and their incidents."""

    # per dyad (person indices and flags): abuser, victim, escalating, separated
    abuser: I64
    victim: I64
    escalating: B
    ex: B
    # per incident (equal length): its event index and the dyad it belongs to
    ids: I64
    dyad_of: I64


def _domestic(
    ctx: _Ctx, pp: _People, fam: _Families, ev: _Events, n_violence: int
) -> _Dyads:
    """Domestic-abuse dyads; a planted share escalates in frequency and severity."""
    cfg, rng = ctx.cfg, ctx.rng
    a, b = fam.couple_a, fam.couple_b
    target = (
        cfg.domestic_share_violence
        / (1 - cfg.domestic_share_violence)
        * max(n_violence, 1)
    )
    esc_n = rng.integers(5, 11, 10_000).mean()
    mean_per = (
        cfg.escalating_dyad_share * esc_n + (1 - cfg.escalating_dyad_share) * 1.67
    )
    d = int(min(len(a), max(4, round(target / mean_per))))
    pick = np.sort(rng.choice(len(a), size=d, replace=False))
    a, b = a[pick], b[pick]
    male_a = pp.male[a]
    male_b = pp.male[b]
    a_abuses = np.where(
        male_a != male_b,
        np.where(rng.random(d) < 0.85, male_a, ~male_a),
        rng.random(d) < 0.5,
    )
    abuser = np.where(a_abuses, a, b)
    victim = np.where(a_abuses, b, a)
    escalating = rng.random(d) < cfg.escalating_dyad_share
    k = np.where(escalating, rng.integers(5, 11, d), 1 + rng.geometric(0.6, d) - 1)
    k = np.maximum(k, 1)
    dy = np.repeat(np.arange(d), k)
    first = np.r_[0, np.cumsum(k)[:-1]]
    j = np.arange(len(dy)) - first[dy]
    kk = k[dy]
    g0 = rng.uniform(15, 45, d) * DAY_S
    r = 0.7
    # escalating: gaps shrink geometrically (g0 * r^j); the last falls near the end for some
    span = g0 * (1 - r ** (k - 1)) / (1 - r)
    # a schedule longer than most of the period is shrunk to fit (short cities), so
    # its incidents are never clamped together at the period's last second
    fit = np.minimum(1.0, 0.8 * ctx.horizon_s / np.maximum(span, 1.0))
    g0, span = g0 * fit, span * fit
    near_end = escalating & (rng.random(d) < 0.25)
    start = np.where(
        near_end,
        ctx.horizon_s - 1 - rng.integers(0, 7 * DAY_S, d) - span,
        rng.random(d) * np.maximum(ctx.horizon_s - span, 1),
    )
    start = np.maximum(start, 0)
    cum_gap = np.where(j > 0, g0[dy] * (1 - r**j) / (1 - r), 0.0)
    t_esc = start[dy] + cum_gap
    t_flat = rng.random(len(dy)) * ctx.horizon_s
    esc = escalating[dy]
    base_t = np.where(esc, t_esc, t_flat).astype(np.int64)
    hour = ctx.times("home", len(dy)) % DAY_S
    t = np.clip((base_t // DAY_S) * DAY_S + hour, 0, ctx.horizon_s - 1)
    frac = np.where(kk > 1, j / np.maximum(kk - 1, 1), 1.0)
    ladder = np.select(
        [frac < 0.3, frac < 0.6, frac < 0.95],
        [
            ctx.codes_of({"8L": 0.5, "8R": 0.3, "8Q": 0.2}, len(dy)),
            np.full(len(dy), ctx.c("105A")),
            np.full(len(dy), ctx.c("8N")),
        ],
        np.where(rng.random(len(dy)) < 0.6, ctx.c("5D"), ctx.c("8N")),
    )
    flat = ctx.codes_of({"105A": 0.45, "8L": 0.2, "8N": 0.25, "8R": 0.1}, len(dy))
    code = np.where(esc, ladder, flat)
    # an escalating dyad's incidents fall in time order (gaps of days); a flat one's
    # are drawn at random over the period, in no order
    place = pp.home[victim[dy]]
    weapon = np.where(
        (ctx.is_serious[code]) & (rng.random(len(dy)) < 0.08), 1, 0
    ).astype(np.int64)
    ids = _add_incidents(
        ctx,
        ev,
        "domestic",
        t=t,
        code=code,
        place=place,
        weapon=weapon,
        domestic=np.ones(len(dy), bool),
    )
    ev.involve(ids, victim[dy], ROLE_VICTIM)
    ev.involve(ids, abuser[dy], _accused_roles(rng, len(dy), cfg.charged_share))
    ex = rng.random(d) < cfg.ex_partner_share
    return _Dyads(
        abuser=abuser,
        victim=victim,
        escalating=escalating,
        ex=ex,
        ids=ids,
        dyad_of=dy,
    )


@dataclass(frozen=True)
class _AsbReports:
    """ASB reports (background and campaign reports, in creation order) and the
    planted campaigns against vulnerable callers."""

    # per report (equal length): seconds since the start, category (0 personal,
    # 1 nuisance, 2 environmental), micro-place, caller (person index, -1 when
    # anonymous) and campaign (index into ``targets``, -1 when none)
    t: I64
    cat: I64
    place: I64
    caller: I64
    campaign: I64
    # per campaign: the targeted caller (person index) and whether it escalated
    targets: I64
    escal: B
    # per escalation (equal length): its campaign and the event index of the violence
    esc_campaigns: I64
    esc_ids: I64


def _asb(
    ctx: _Ctx, geo: _Geography, pp: _People, off: _Offenders, ev: _Events
) -> _AsbReports:
    cfg, rng = ctx.cfg, ctx.rng
    n = int(rng.poisson(cfg.asb_per_1000_per_year * cfg.people / 1000 * ctx.years))
    cat = _choice(
        rng,
        [
            cfg.asb_personal_share,
            1 - cfg.asb_personal_share - cfg.asb_environmental_share,
            cfg.asb_environmental_share,
        ],
        n,
    )
    t = ctx.times("asb", n)
    w = geo.pop_w.copy()
    w[geo.estates] *= cfg.estate_multiplier
    w[geo.nte] *= 3.0
    cell = _pick(rng, np.cumsum(w), n)
    place = _place_in_cells(ctx, geo, cell)
    caller = _residents(ctx, pp, cell)
    has_caller = rng.random(n) < np.array([0.95, 0.6, 0.3])[cat]
    caller = np.where(has_caller, caller, -1)
    # campaigns against vulnerable callers (planted), some escalating to violence
    c = max(3, round(cfg.asb_campaigns_per_100k * cfg.people / 100_000))
    vul = np.flatnonzero(pp.vulnerable)
    targets = np.sort(rng.choice(vul, size=min(c, len(vul)), replace=False))
    c = len(targets)
    escal = np.zeros(c, bool)
    escal[rng.permutation(c)[: max(1, round(cfg.asb_escalation_share * c))]] = True
    k = rng.integers(3, 9, c)
    window = min(170, cfg.days - 1)
    end_lo, end_hi = min(25.0, 0.2 * window), min(90.0, 0.5 * window)
    e_end = np.where(
        escal,
        ctx.horizon_s - rng.uniform(end_lo, end_hi, c) * DAY_S,
        rng.uniform(0.3, 1.0, c) * ctx.horizon_s,
    )
    span = rng.uniform(min(30.0, 0.2 * window), min(80.0, 0.4 * window), c) * DAY_S
    e_start = np.maximum(e_end - span, 0)
    ci = np.repeat(np.arange(c), k)
    first = np.r_[0, np.cumsum(k)[:-1]]
    j = np.arange(len(ci)) - first[ci]
    u = np.where(j == 0, 0.0, np.where(j == k[ci] - 1, 1.0, rng.random(len(ci))))
    tc = (e_start[ci] + u * (e_end[ci] - e_start[ci])).astype(np.int64)
    tc = (tc // DAY_S) * DAY_S + ctx.times("asb", len(ci)) % DAY_S
    tc = np.clip(tc, 0, ctx.horizon_s - 1)
    t_all = np.concatenate([t, tc])
    cat_all = np.concatenate([cat, np.zeros(len(ci), np.int64)])
    place_all = np.concatenate([place, pp.home[targets[ci]]])
    caller_all = np.concatenate([caller, targets[ci]])
    campaign_all = np.concatenate([np.full(n, -1), ci])
    # escalation: violence against the caller 3-21 days after the last report
    ei = np.flatnonzero(escal)
    # (at most until the period's end, which is 5.8 days or more after e_end)
    room = (ctx.horizon_s - 1 - e_end[ei]) / DAY_S
    te = (e_end[ei] + rng.uniform(3, np.minimum(21, room), len(ei)) * DAY_S).astype(
        np.int64
    )
    te = np.clip(te, 0, ctx.horizon_s - 1)
    code = ctx.codes_of(
        {"105A": 0.35, "8N": 0.35, "5D": 0.1, "3B": 0.1, "8L": 0.1}, len(ei)
    )
    ids = _add_incidents(
        ctx,
        ev,
        "asb_escalation",
        t=te,
        code=code,
        place=pp.home[targets[ei]],
        weapon=_weapons_for(ctx, code, knife=0.1, firearm=0.0, other=0.1),
    )
    ev.involve(ids, targets[ei], ROLE_VICTIM)
    pool = np.flatnonzero(off.propensity > 0)
    local = _residents(ctx, pp, pp.cell[targets[ei]])
    susp = np.where(
        off.offender[local] & (local != targets[ei]),
        local,
        pool[_pick(rng, np.cumsum(off.propensity[pool]), len(ei))],
    )
    ev.involve(ids, susp, ROLE_SUSPECT)
    return _AsbReports(
        t=t_all,
        cat=cat_all,
        place=place_all,
        caller=caller_all,
        campaign=campaign_all,
        targets=targets,
        escal=escal,
        esc_campaigns=ei,
        esc_ids=ids,
    )
