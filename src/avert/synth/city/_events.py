"""Background incidents: offence attributes, rhythms and high-rate offenders."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from avert.synth.city._base import (
    DAY_S,
    F64,
    I64,
    ROLE_VICTIM,
    ROLE_WITNESS,
    B,
    _accused_roles,
    _choice,
    _Ctx,
    _Events,
    _pick,
)
from avert.synth.city._population import (
    _Geography,
    _Offenders,
    _People,
    _place_in_cells,
    _residents,
)

# ------------------------------------------------------------------------------------
# incidents


def _weapons_for(
    ctx: _Ctx, code: I64, *, knife: float, firearm: float, other: float
) -> I64:
    rng = ctx.rng
    n = len(code)
    u = rng.random(n)
    w = np.where(
        u < knife,
        1,
        np.where(u < knife + firearm, 2, np.where(u < knife + firearm + other, 3, 0)),
    )
    serious = ctx.is_serious[code] | ctx.is_vap[code]
    w = np.where(serious, w, 0)
    codes = np.array(ctx.codes)[code]
    w = np.where(codes == "10D", 1, w)
    w = np.where(np.isin(codes, ["10A", "10B", "81"]), 2, w)
    w = np.where(codes == "10C", 3, w)
    w = np.where(codes == "90", 1, w)
    return w.astype(np.int64)


def _hate_for(ctx: _Ctx, code: I64) -> I64:
    rng = ctx.rng
    n = len(code)
    codes = np.array(ctx.codes)[code]
    racial = np.isin(codes, ["8P", "105B", "9B", "8M", "58J"])
    strand = 1 + _choice(rng, [0.70, 0.06, 0.17, 0.09, 0.03], n)
    eligible = ctx.is_vap[code] | (np.array(ctx.crime_type)[code] == "Public order")
    flagged = eligible & (rng.random(n) < ctx.cfg.hate_share_violence)
    h = np.where(flagged, strand, 0)
    h = np.where(racial, np.where(rng.random(n) < 0.1, 6, 1), h)
    return h.astype(np.int64)


def _injury_for(ctx: _Ctx, code: I64) -> I64:
    inj = ctx.injury_of_code[code].copy()
    codes = np.array(ctx.codes)[code]
    rob = np.isin(codes, ["34A", "34B"]) & (ctx.rng.random(len(code)) < 0.3)
    inj[rob] = 1
    return inj


def _add_incidents(
    ctx: _Ctx,
    ev: _Events,
    part: str,
    *,
    t: I64,
    code: I64,
    place: I64,
    weapon: I64,
    hate: bool = False,
    domestic: B | None = None,
    gang: B | None = None,
) -> I64:
    """Append incidents of one ``part``, drawing each one's injury from its offence
    (then, with ``hate``, its hate strands); return their global indices."""
    injury = _injury_for(ctx, code)
    return ev.add(
        t=t,
        code=code,
        place=place,
        part=part,
        weapon=weapon,
        injury=injury,
        hate=_hate_for(ctx, code) if hate else None,
        domestic=domestic,
        gang=gang,
    )


def _attribute(
    ctx: _Ctx,
    ev: _Events,
    events: I64,
    code: I64,
    off: _Offenders,
    *,
    victims_cum: F64,
    exclude_victim: I64 | None = None,
    victims: I64 | None = None,
) -> None:
    """Victims (propensity-weighted), suspects/offenders and witnesses of events."""
    cfg, rng = ctx.cfg, ctx.rng
    n = len(events)
    if victims is None:
        victims = _pick(rng, victims_cum, n)
    has_v = ctx.has_victim[code]
    ev.involve(events[has_v], victims[has_v], ROLE_VICTIM)
    p_susp = np.where(
        ctx.is_vap[code] | ctx.is_sexual[code],
        cfg.suspect_share_violence,
        cfg.suspect_share_other,
    )
    solved = rng.random(n) < p_susp
    pool = np.flatnonzero(off.propensity > 0)
    if len(pool) == 0:  # pragma: no cover - degenerate tiny config
        return
    cum = np.cumsum(off.propensity[pool])
    who = pool[_pick(rng, cum, n)]
    same = has_v & (who == victims)
    solved &= ~same
    role = _accused_roles(rng, n, cfg.charged_share)
    ev.involve(events[solved], who[solved], role[solved])
    second = (
        solved
        & np.isin(
            np.array(ctx.crime_type)[code], ["Robbery", "Violence and sexual offences"]
        )
        & (rng.random(n) < cfg.second_accused_share)
    )
    who2 = pool[_pick(rng, cum, n)]
    second &= (who2 != who) & (who2 != victims)
    ev.involve(events[second], who2[second], role[second])
    wit = has_v & (rng.random(n) < cfg.witness_share)
    ev.involve(
        events[wit], rng.integers(0, len(victims_cum), int(wit.sum())), ROLE_WITNESS
    )


@dataclass(frozen=True)
class _Background:
    """What the background step planted beyond its events."""

    # near-repeat pairs: row 0 the triggering event, row 1 its follower (2 x pairs,
    # event indices in creation order)
    near_repeat: I64
    # background incidents of violence against the person (not used: the domestic
    # step counts the violence of every step so far)
    n_violence: int


def _background(
    ctx: _Ctx,
    geo: _Geography,
    pp: _People,
    off: _Offenders,
    ev: _Events,
    vcum: F64,
) -> _Background:
    """The city's everyday crime: Poisson(rate x people x years) incidents of the
    offence mix, at day or night times, in cells by residents (violence heavier on
    estates and at night in the night-time economy), at the victim's home where the
    offence is at home; then one generation of near-repeat followers
    (:func:`_near_repeats`)."""
    cfg, rng = ctx.cfg, ctx.rng
    lam = cfg.crimes_per_1000_per_year * cfg.people / 1000 * ctx.years
    n = int(rng.poisson(lam))
    code = _pick(rng, np.cumsum(ctx.mix["count"].to_numpy().astype(np.float64)), n)
    night = ctx.night[code]
    t = np.where(night, ctx.times("night", n), ctx.times("day", n))
    place = _place_in_cells(ctx, geo, _background_cells(ctx, geo, night, t))
    victims = _pick(rng, vcum, n)
    home = ctx.at_home[code]
    place = np.where(home, pp.home[victims], place)
    weapon = _background_weapons(ctx, code)
    ids = _add_incidents(
        ctx, ev, "background", t=t, code=code, place=place, weapon=weapon, hate=True
    )
    _attribute(ctx, ev, ids, code, off, victims_cum=vcum, victims=victims)
    return _Background(
        near_repeat=_near_repeats(
            ctx,
            geo,
            pp,
            off,
            ev,
            vcum,
            ids=ids,
            code=code,
            t=t,
            place=place,
            weapon=weapon,
        ),
        n_violence=int(ctx.is_vap[code].sum()),
    )


def _background_cells(ctx: _Ctx, geo: _Geography, night: B, t: I64) -> I64:
    """The cell of each background incident: by residents, violence (the offences
    of the night) heavier on estates and in the night-time economy, property
    elsewhere heavier there too; ``nte_night_share`` of the night's violence at
    night into the night-time economy."""
    cfg, rng = ctx.cfg, ctx.rng
    n = len(t)
    clock = ((ctx.start.hour * 3600 + t) // 3600) % 24
    is_night = (clock >= 20) | (clock < 4)
    # cells: residential weights, estates heavier for violence/damage/drugs, NTE at night
    w_violent = geo.pop_w.copy()
    w_violent[geo.estates] *= cfg.estate_multiplier
    w_violent[geo.nte] *= 3.0
    w_prop = geo.pop_w.copy()
    w_prop[geo.nte] *= 4.0
    cell_v = _pick(rng, np.cumsum(w_violent), n)
    cell_p = _pick(rng, np.cumsum(w_prop), n)
    nte_pick = geo.nte[rng.integers(0, len(geo.nte), n)]
    to_nte = night & is_night & (rng.random(n) < cfg.nte_night_share)
    return np.where(to_nte, nte_pick, np.where(night, cell_v, cell_p))


def _background_weapons(ctx: _Ctx, code: I64) -> I64:
    """Weapons of the background incidents (:func:`_weapons_for`): kept for serious
    violence and for the weapon offences (10A-10D, 81, 90), only an "other" weapon
    (3) for other violence against the person, none for the rest."""
    cfg = ctx.cfg
    weapon = _weapons_for(
        ctx,
        code,
        knife=cfg.knife_share_serious_violence,
        firearm=cfg.firearm_share_serious_violence,
        other=cfg.other_weapon_share_violence,
    )
    return np.where(
        ctx.is_serious[code],
        weapon,
        np.where(
            ctx.is_vap[code] & (weapon == 3),
            3,
            np.where(
                np.isin(
                    np.array(ctx.codes)[code], ["10A", "10B", "81", "10C", "10D", "90"]
                ),
                weapon,
                0,
            ),
        ),
    )


def _near_repeats(
    ctx: _Ctx,
    geo: _Geography,
    pp: _People,
    off: _Offenders,
    ev: _Events,
    vcum: F64,
    *,
    ids: I64,
    code: I64,
    t: I64,
    place: I64,
    weapon: I64,
) -> I64:
    """Near-repeat followers of burglary and serious violence, one generation of
    contagion: ``near_repeat_share`` of them followed after an exponential delay
    (mean ``near_repeat_days``) at a normal displacement (``near_repeat_m``).
    Returns the pairs (2 x pairs: trigger, follower; event indices)."""
    cfg, rng = ctx.cfg, ctx.rng
    n = len(code)
    # near-repeat followers of burglary and violence: one generation of contagion
    codes_s = np.array(ctx.codes)[code]
    trig = (np.isin(codes_s, ["28E", "28F"]) | ctx.is_serious[code]) & (
        rng.random(n) < cfg.near_repeat_share
    )
    parents = np.flatnonzero(trig)
    delay = (
        rng.exponential(cfg.near_repeat_days * DAY_S, len(parents)).astype(np.int64)
        + 600
    )
    t2 = t[parents] + delay
    keep = t2 < ctx.horizon_s
    parents, t2 = parents[keep], t2[keep]
    dx = rng.normal(0, cfg.near_repeat_m, len(parents))
    dy = rng.normal(0, cfg.near_repeat_m, len(parents))
    px = geo.px_m[place[parents]] + dx
    py = geo.py_m[place[parents]] + dy
    # followers are placed at a micro-place (drawn by weight) of the displaced point's cell
    col = np.clip(((px - geo.x0_m) // cfg.cell_size_m).astype(np.int64), 0, geo.nx - 1)
    row = np.clip(((py - geo.y0_m) // cfg.cell_size_m).astype(np.int64), 0, geo.ny - 1)
    cell2 = row * geo.nx + col
    place2 = _place_in_cells(ctx, geo, cell2)
    code2 = code[parents]
    victims2 = np.where(
        ctx.at_home[code2], _residents(ctx, pp, cell2), _pick(rng, vcum, len(parents))
    )
    place2 = np.where(ctx.at_home[code2], pp.home[victims2], place2)
    ids2 = _add_incidents(
        ctx,
        ev,
        "near_repeat",
        t=t2,
        code=code2,
        place=place2,
        weapon=weapon[parents],
        hate=True,
    )
    _attribute(ctx, ev, ids2, code2, off, victims_cum=vcum, victims=victims2)
    return (
        np.stack([ids[parents], ids2]) if len(parents) else np.zeros((2, 0), np.int64)
    )


def _high_rate(
    ctx: _Ctx,
    geo: _Geography,
    pp: _People,
    off: _Offenders,
    ev: _Events,
    vcum: F64,
) -> None:
    cfg, rng = ctx.cfg, ctx.rng
    high = off.high
    if len(high) == 0:  # a city without planted high-rate offenders
        return
    k = rng.poisson(cfg.high_rate_offences_per_year * ctx.years, len(high)) + 2
    who = np.repeat(high, k)
    n = len(who)
    spec = {
        "8N": 0.2,
        "34B": 0.15,
        "28E": 0.12,
        "105A": 0.15,
        "5D": 0.08,
        "46": 0.1,
        "39": 0.07,
        "3B": 0.05,
        "92D": 0.05,
        "2": 0.03,
    }
    code = ctx.codes_of(spec, n)
    t = ctx.times("night", n)
    # the first two of each offender's offences fall in the last 30 days: clearly recent
    first = np.r_[0, np.cumsum(k)[:-1]]
    recent = np.concatenate([first, first + 1])
    t[recent] = (
        ctx.horizon_s - 1 - rng.integers(0, min(30, cfg.days) * DAY_S, len(recent))
    )
    own = rng.random(n) < 0.6
    cells = np.where(own, pp.cell[who], geo.nte[rng.integers(0, len(geo.nte), n)])
    place = _place_in_cells(ctx, geo, cells)
    victims = _pick(rng, vcum, n)
    place = np.where(ctx.at_home[code], pp.home[victims], place)
    weapon = _weapons_for(ctx, code, knife=0.12, firearm=0.01, other=0.05)
    ids = _add_incidents(
        ctx, ev, "high_rate", t=t, code=code, place=place, weapon=weapon, hate=True
    )
    has_v = ctx.has_victim[code] & (victims != who)
    ev.involve(ids[has_v], victims[has_v], ROLE_VICTIM)
    ev.involve(ids, who, _accused_roles(rng, n, cfg.high_rate_charged_share))
