"""The city's other canonical tables: ASB, stop and search, ED attendances,
intelligence, relationships and declared groups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import polars as pl
from pyproj import Transformer

from avert.schema import AGE_RANGES, CONTINUUM_LEVELS, WEAPONS
from avert.synth.city._base import (
    DAY_S,
    ETHNIC,
    F64,
    I64,
    ROLE_VICTIM,
    SOURCE,
    B,
    Json,
    Obj,
    Str,
    _choice,
    _Ctx,
    _Events,
    _pick,
)
from avert.synth.city._domestic import _AsbReports, _Dyads
from avert.synth.city._frames import _age_range, _datetimes, _ids
from avert.synth.city._groups import _GROUP_SINCE_YEARS, _Group
from avert.synth.city._population import (
    _Families,
    _Geography,
    _Offenders,
    _People,
    _place_in_cells,
)


def _age_at(ctx: _Ctx, pp: _People, who: I64, t: I64) -> I64:
    """Whole years of age of people ``who`` at times ``t`` (seconds since the start).

    A person is ``age`` at the end date and born in ``birth_year``: a birth year one
    before ``end.year - age`` means the birthday falls after the end date in the year.
    The birthday is taken in the middle of the part of the year this allows, so the age
    agrees with the birth year a reader of the bundle sees.
    """
    end = ctx.end
    e = (end - end.replace(month=1, day=1, hour=0, minute=0, second=0)).days / 365.25
    after = (end.year - pp.age[who] - pp.birth_year[who]) > 0
    at_end = pp.age[who] + np.where(after, (1 + e) / 2, e / 2)
    years_before = (ctx.horizon_s - t) / (365.25 * DAY_S)
    out: I64 = np.floor(at_end - years_before).astype(np.int64)
    return out


def _area_codes(prefix: str, values: I64, width: int) -> pl.Series:
    return pl.select(
        pl.lit(prefix) + pl.Series("v", values).cast(pl.String).str.zfill(width)
    ).to_series()


def _residents_frame(pp: _People) -> pl.DataFrame:
    """Every resident of the city (not only those in a record): synthetic LSOA (its
    250 m cell, ``SYN0000``...), sex, age and ethnic group, for the demo's population
    denominators (:mod:`avert.synth.residents`)."""
    return pl.DataFrame(
        {
            "lsoa": _area_codes("SYN", pp.cell, 4),
            "sex": np.where(pp.male, "M", "F"),
            "age": pp.age,
            "ethnicity": np.array(ETHNIC)[pp.eth],
        }
    )


def _xy(
    ctx: _Ctx, geo: _Geography, place: I64, jitter_m: float, tr: Transformer
) -> tuple[F64, F64, F64, F64]:
    n = len(place)
    x = np.round(geo.px_m[place] + ctx.rng.normal(0, jitter_m, n), 1)
    y = np.round(geo.py_m[place] + ctx.rng.normal(0, jitter_m, n), 1)
    lon, lat = tr.transform(x, y)
    return x, y, np.round(np.asarray(lat), 6), np.round(np.asarray(lon), 6)


def _asb_frame(
    ctx: _Ctx,
    geo: _Geography,
    pp: _People,
    asb: _AsbReports,
    person_ids: Obj,
    inc_id_of: Obj,
    tr: Transformer,
) -> tuple[pl.DataFrame, Json]:
    t = asb.t
    order = np.lexsort((np.arange(len(t)), t))
    x, y, lat, lon = _xy(ctx, geo, asb.place[order], 10.0, tr)
    caller = asb.caller[order]
    known = caller >= 0
    safe = np.where(known, caller, 0)
    frame = (
        pl.DataFrame(
            {
                "asb_id": _ids("A", len(t), 7),
                "source": np.full(len(t), SOURCE),
                "occurred_at": _datetimes(ctx, t[order]),
                "category": np.array(("personal", "nuisance", "environmental"))[
                    asb.cat[order]
                ],
                "lat": lat,
                "lon": lon,
                "x": x,
                "y": y,
                "caller_id": pl.Series(values=person_ids[safe], dtype=pl.String),
                "vulnerable_caller": pp.vulnerable[safe],
                "_known": known,
            }
        )
        .with_columns(
            pl.when(pl.col("_known")).then(pl.col("caller_id", "vulnerable_caller"))
        )
        .drop("_known")
    )
    campaign = asb.campaign[order]
    chains = (
        pl.DataFrame({"asb_id": frame["asb_id"], "campaign": campaign})
        .filter(pl.col("campaign") >= 0)
        .group_by("campaign", maintain_order=True)
        .agg(pl.col("asb_id"))
        .sort("campaign")
    )
    ids_of = dict(
        zip(chains["campaign"].to_list(), chains["asb_id"].to_list(), strict=True)
    )
    targets = asb.targets
    esc_inc = dict(
        zip(
            asb.esc_campaigns.tolist(),
            inc_id_of[asb.esc_ids].tolist(),
            strict=True,
        )
    )
    escalation = [
        {
            "caller_id": str(person_ids[targets[c]]),
            "asb_ids": ids_of[c],
            "incident_id": esc_inc[c],
        }
        for c in sorted(esc_inc)
    ]
    campaigns = [
        {
            "caller_id": str(person_ids[targets[c]]),
            "asb_ids": ids_of[c],
            "escalated": bool(asb.escal[c]),
        }
        for c in sorted(ids_of)
    ]
    return frame, {"escalation_chains": escalation, "asb_campaigns": campaigns}


_LEGISLATION = {
    "Misuse of Drugs Act 1971 (section 23)": 0.62,
    "Police and Criminal Evidence Act 1984 (section 1)": 0.3,
    "Criminal Justice and Public Order Act 1994 (section 60)": 0.05,
    "Firearms Act 1968 (section 47)": 0.03,
}
_OBJECT = {
    "Misuse of Drugs Act 1971 (section 23)": "Controlled drugs",
    "Police and Criminal Evidence Act 1984 (section 1)": "Offensive weapons",
    "Criminal Justice and Public Order Act 1994 (section 60)": "Offensive weapons",
    "Firearms Act 1968 (section 47)": "Firearms",
}
_STOP_OUTCOME = {
    "A no further action disposal": 0.7,
    "Arrest": 0.13,
    "Community resolution": 0.08,
    "Penalty Notice for Disorder": 0.02,
    "Summons / charged by post": 0.02,
    "Khat or Cannabis warning": 0.05,
}


def _stops(
    ctx: _Ctx,
    geo: _Geography,
    pp: _People,
    off: _Offenders,
    person_ids: Obj,
    tr: Transformer,
) -> tuple[pl.DataFrame, Json, I64]:
    """Stops with a planted disproportionality: group chosen ∝ population × ratio."""
    cfg, rng = ctx.cfg, ctx.rng
    n = int(rng.poisson(cfg.stops_per_1000_per_year * cfg.people / 1000 * ctx.years))
    pop = np.bincount(pp.eth, minlength=len(ETHNIC)).astype(np.float64)
    ratio = np.array([cfg.stop_ratios.get(e, 1.0) for e in ETHNIC])
    eth = _choice(rng, pop * ratio, n)
    age = pp.age
    w = np.where(pp.male, 3.0, 1.0) * np.select(
        [age < 10, age < 15, age < 35, age < 50], [0.0, 1.0, 4.0, 1.5], 0.3
    )
    w = w * np.where(off.offender, 4.0, 1.0)
    who = np.zeros(n, np.int64)
    for e in range(len(ETHNIC)):
        sel = np.flatnonzero(eth == e)
        members = np.flatnonzero(pp.eth == e)
        if len(sel) and len(members):
            who[sel] = members[_pick(rng, np.cumsum(w[members]), len(sel))]
    t = ctx.times("night", n)
    hot = np.concatenate([geo.nte, geo.estates])
    cells = np.where(
        rng.random(n) < 0.5, pp.cell[who], hot[rng.integers(0, len(hot), n)]
    )
    place = _place_in_cells(ctx, geo, cells)
    order = np.lexsort((np.arange(n), t))
    who, t, place = who[order], t[order], place[order]
    x, y, lat, lon = _xy(ctx, geo, place, 8.0, tr)
    leg_names = list(_LEGISLATION)
    leg = np.array(leg_names)[_choice(rng, list(_LEGISLATION.values()), n)]
    obj = _lookup(leg, _OBJECT)
    self_eth = np.array(ETHNIC)[pp.eth[who]]
    officer = np.where(
        rng.random(n) < 0.92,
        self_eth,
        np.array(ETHNIC)[rng.integers(0, len(ETHNIC), n)],
    )
    outcome = np.array(list(_STOP_OUTCOME))[
        _choice(rng, list(_STOP_OUTCOME.values()), n)
    ]
    frame = pl.DataFrame(
        {
            "stop_id": _ids("S", n, 7),
            "source": np.full(n, SOURCE),
            "occurred_at": _datetimes(ctx, t),
            "search_type": np.full(n, "Person search"),
            "lat": lat,
            "lon": lon,
            "x": x,
            "y": y,
            "legislation": leg,
            "object_of_search": obj,
            "outcome": outcome,
            "outcome_linked": _outcome_linked(ctx, outcome),
            "age_range": _age_range(_age_at(ctx, pp, who, t)),
            "sex": np.where(pp.male[who], "M", "F"),
            "ethnicity": self_eth,
            "officer_ethnicity": officer,
            "person_id": pl.Series(values=person_ids[who], dtype=pl.String),
        }
    )
    stops_by = np.bincount(pp.eth[who], minlength=len(ETHNIC)).astype(np.float64)
    rate = stops_by / np.maximum(pop, 1) * 1000
    white = rate[ETHNIC.index("White")]
    realised = {
        e: (float(rate[i] / white) if white > 0 else None) for i, e in enumerate(ETHNIC)
    }
    return (
        frame,
        {
            "planted_ratios": {e: float(ratio[i]) for i, e in enumerate(ETHNIC)},
            "realised_ratios": realised,
            "rate_per_1000": {e: float(rate[i]) for i, e in enumerate(ETHNIC)},
            "definition": "searches per 1,000 residents of each self-defined ethnic group (truth population) divided by the White rate",
        },
        who,
    )


def _outcome_linked(ctx: _Ctx, outcome: Str) -> B:
    """Whether each search's outcome is linked to its object: never for no further
    action, else with the planted ``stop_outcome_linked_share``, the same for every
    group. Drawn from a child of the city's generator (``spawn``), which leaves the
    generator's own stream, and so every other table of a seed, as it was."""
    (child,) = ctx.rng.spawn(1)
    acted: B = outcome != "A no further action disposal"
    drawn: B = child.random(len(outcome)) < ctx.cfg.stop_outcome_linked_share
    return acted & drawn


def _lookup(values: Str, table: dict[str, str]) -> Str:
    keys = np.array(list(table))
    vals = np.array(list(table.values()))
    order = np.argsort(keys)
    return vals[order][np.searchsorted(keys[order], values)]


def _attendances(
    ctx: _Ctx,
    geo: _Geography,
    pp: _People,
    ev: _Events,
    inv: pl.DataFrame,
    inc_id_of: Obj,
    tr: Transformer,
    t: I64,
    place: I64,
) -> tuple[pl.DataFrame, Json]:
    """ED assault attendances (Cardiff Model): injured victims attend; most never reach police."""
    cfg, rng = ctx.cfg, ctx.rng
    injury = np.concatenate(ev.injury)
    weapon = np.concatenate(ev.weapon)
    victims = inv.filter(pl.col("r") == ROLE_VICTIM).unique(
        subset=["e"], keep="first", maintain_order=True
    )
    vic_of = np.full(len(t), -1, np.int64)
    vic_of[victims["e"].to_numpy()] = victims["p"].to_numpy()
    p = np.select(
        [injury == 1, injury == 2], [cfg.ed_attend_minor, cfg.ed_attend_serious], 0.0
    )
    att = np.flatnonzero((rng.random(len(t)) < p) & (vic_of >= 0))
    m = len(att)
    u = round(m * (1 - cfg.ed_reported_share) / cfg.ed_reported_share)
    t_u = ctx.times("night", u)
    w = geo.pop_w.copy()
    w[geo.nte] *= 12.0
    w[geo.estates] *= cfg.estate_multiplier
    place_u = _place_in_cells(ctx, geo, _pick(rng, np.cumsum(w), u))
    weapon_u = _choice(rng, [0.8, 0.08, 0.005, 0.115], u)
    age_u = np.array(AGE_RANGES)[_choice(rng, [0.01, 0.12, 0.35, 0.3, 0.22], u)]
    sex_u = np.where(rng.random(u) < 0.7, "M", "F")
    v = vic_of[att]
    t_all = np.concatenate([t[att], t_u]) // 300 * 300  # times "as told": 5 minutes
    place_all = np.concatenate([place[att], place_u])
    order = np.lexsort((np.arange(m + u), t_all))
    x, y, lat, lon = _xy(ctx, geo, place_all[order], 40.0, tr)
    frame = pl.DataFrame(
        {
            "attendance_id": _ids("E", m + u, 7),
            "source": np.full(m + u, SOURCE),
            "occurred_at": _datetimes(ctx, t_all[order]),
            "lat": lat,
            "lon": lon,
            "x": x,
            "y": y,
            "weapon": np.array(WEAPONS)[np.concatenate([weapon[att], weapon_u])[order]],
            "age_range": np.concatenate(
                [_age_range(_age_at(ctx, pp, v, t[att])), age_u]
            )[order],
            "sex": np.concatenate([np.where(pp.male[v], "M", "F"), sex_u])[order],
        }
    )
    rank = np.empty(m + u, np.int64)
    rank[order] = np.arange(m + u)
    att_ids = frame["attendance_id"].to_numpy()
    links = [[str(att_ids[rank[i]]), str(inc_id_of[att[i]])] for i in range(m)]
    links.sort()
    return frame, {
        "reported_share_planted": cfg.ed_reported_share,
        "reported_share_realised": (m / (m + u)) if m + u else 0.0,
        "links": links,
    }


_INTEL_TOPICS = {
    "peer_group": {"other": 0.7, "drugs": 0.2, "weapon": 0.1},
    "street_gang": {"conflict": 0.35, "weapon": 0.3, "drugs": 0.3, "other": 0.05},
    "organised_network": {
        "drugs": 0.45,
        "exploitation": 0.25,
        "weapon": 0.25,
        "other": 0.05,
    },
    "high_rate": {"weapon": 0.3, "other": 0.5, "conflict": 0.2},
    "place": {"drugs": 0.6, "weapon": 0.3, "other": 0.1},
    "noise": {
        "weapon": 0.2,
        "drugs": 0.3,
        "conflict": 0.2,
        "exploitation": 0.1,
        "other": 0.2,
    },
}
_INTEL_LEVEL = {"peer_group": 0.3, "street_gang": 1.0, "organised_network": 1.5}


@dataclass
class _IntelEntries:
    """The intelligence entries drawn so far, one array per :meth:`add`: subject
    type and id, topic, whether the entry is accurate, and (entries on people) the
    people's indices."""

    rng: np.random.Generator
    subj_type: list[Str] = field(default_factory=list)
    subj: list[Str] = field(default_factory=list)
    topic: list[Str] = field(default_factory=list)
    accurate: list[B] = field(default_factory=list)
    person_idx: list[I64] = field(default_factory=list)

    def add(
        self,
        kind: str,
        ids: Str | Obj,
        counts: I64,
        topics: str,
        *,
        good: bool,
        idx: I64 | None = None,
    ) -> None:
        """``counts[i]`` entries on subject ``ids[i]``, their topics drawn from
        ``_INTEL_TOPICS[topics]``."""
        if idx is not None:
            self.person_idx.append(np.repeat(idx, counts))
        rep = np.repeat(ids, counts)
        self.subj_type.append(np.full(len(rep), kind))
        self.subj.append(rep.astype(str))
        spec = _INTEL_TOPICS[topics]
        self.topic.append(
            np.array(list(spec))[_choice(self.rng, list(spec.values()), len(rep))]
        )
        self.accurate.append(np.full(len(rep), good))


def _intelligence(
    ctx: _Ctx,
    geo: _Geography,
    pp: _People,
    off: _Offenders,
    groups: list[_Group],
    person_ids: Obj,
    tr: Transformer,
) -> tuple[pl.DataFrame, Json, I64]:
    """Graded intelligence; accurate entries are well graded, noise is poorly graded.

    Accurate entries on the declared groups and their members (by continuum level),
    on the high-rate offenders and on the hot places (:func:`_intel_on_groups`,
    :func:`_hot_place_labels`); noise on random people; then graded and timed
    (:func:`_intel_frame`). The draws come from ``ctx.rng`` in that order.
    """
    cfg, rng = ctx.cfg, ctx.rng
    yrs = max(ctx.years, 0.25)
    entries = _IntelEntries(rng)
    _intel_on_groups(entries, ctx, groups, person_ids)
    high = off.high
    entries.add(
        "person",
        person_ids[high],
        rng.poisson(2.0 * yrs, len(high)),
        "high_rate",
        good=True,
        idx=high,
    )
    labels = _hot_place_labels(ctx, geo, groups, tr)
    entries.add(
        "place", labels, rng.poisson(3.0 * yrs, len(labels)), "place", good=True
    )
    n_noise = int(rng.poisson(cfg.intel_noise_per_1000_year * cfg.people / 1000 * yrs))
    noise = rng.integers(0, pp.n, n_noise)
    entries.add(
        "person",
        person_ids[noise],
        np.ones(n_noise, np.int64),
        "noise",
        good=False,
        idx=noise,
    )
    return _intel_frame(ctx, entries)


def _intel_on_groups(
    entries: _IntelEntries, ctx: _Ctx, groups: list[_Group], person_ids: Obj
) -> None:
    """Accurate entries on each continuum level's groups and on their members, at
    the configured yearly rates scaled by :data:`_INTEL_LEVEL`."""
    cfg, rng = ctx.cfg, ctx.rng
    yrs = max(ctx.years, 0.25)
    for level in CONTINUUM_LEVELS:
        gs = [g for g in groups if g.continuum == level]
        if not gs:
            continue
        f = _INTEL_LEVEL[level]
        gids = np.array([g.group_id for g in gs])
        entries.add(
            "group",
            gids,
            rng.poisson(cfg.intel_per_group_year * yrs * f, len(gs)),
            level,
            good=True,
        )
        mem = np.concatenate([g.members for g in gs])
        entries.add(
            "person",
            person_ids[mem],
            rng.poisson(cfg.intel_per_member_year * yrs * f, len(mem)),
            level,
            good=True,
            idx=mem,
        )


def _hot_place_labels(
    ctx: _Ctx, geo: _Geography, groups: list[_Group], tr: Transformer
) -> Str:
    """ "lat,lon" of the busiest place of each hot cell (night-time economy, estates,
    the cells of the groups above peer groups): the places intelligence names."""
    hot = np.unique(
        np.concatenate(
            [
                geo.nte,
                geo.estates,
                *[g.cells for g in groups if g.continuum != "peer_group"],
            ]
        )
    )
    top_place = hot * ctx.cfg.places_per_cell + np.argmax(
        np.diff(np.c_[np.zeros(len(hot)), geo.cum_in_cell[hot]], axis=1), axis=1
    )
    lon, lat = tr.transform(geo.px_m[top_place], geo.py_m[top_place])
    return np.array(
        [
            f"{a:.5f},{b:.5f}"
            for a, b in zip(np.asarray(lat), np.asarray(lon), strict=True)
        ]
    )


def _intel_frame(ctx: _Ctx, entries: _IntelEntries) -> tuple[pl.DataFrame, Json, I64]:
    """The intelligence table of ``entries``, in time order: accurate entries graded
    A-C / 1-2, the others C-E / 2-3, at uniform times over the horizon; the truth
    (which ids are accurate) and the people's indices of the entries on people."""
    rng = ctx.rng
    st = np.concatenate(entries.subj_type)
    sid = np.concatenate(entries.subj)
    tp = np.concatenate(entries.topic)
    acc = np.concatenate(entries.accurate)
    n = len(st)
    good_letter = np.array(list("ABC"))[_choice(rng, [0.3, 0.5, 0.2], n)]
    good_digit = np.array(list("12"))[_choice(rng, [0.6, 0.4], n)]
    bad_letter = np.array(list("CDE"))[_choice(rng, [0.3, 0.4, 0.3], n)]
    bad_digit = np.array(list("23"))[_choice(rng, [0.3, 0.7], n)]
    grading = np.char.add(
        np.where(acc, good_letter, bad_letter), np.where(acc, good_digit, bad_digit)
    )
    t = (rng.random(n) * ctx.horizon_s).astype(np.int64)
    order = np.lexsort((np.arange(n), t))
    frame = pl.DataFrame(
        {
            "intel_id": _ids("N", n, 7),
            "source": np.full(n, SOURCE),
            "recorded_at": _datetimes(ctx, t[order]),
            "subject_type": st[order],
            "subject_id": sid[order],
            "grading": grading[order],
            "topic": tp[order],
        }
    )
    ids = frame["intel_id"].to_numpy()
    return (
        frame,
        {
            "grading": "intelligence assessment letter (A-E) + source evaluation digit (1-3), as FORMATS.md's example 'B2'",
            "accurate_ids": ids[acc[order]].tolist(),
            "inaccurate_ids": ids[~acc[order]].tolist(),
        },
        np.concatenate(entries.person_idx),
    )


def _relationships(
    ctx: _Ctx,
    fam: _Families,
    da: _Dyads,
    person_ids: Obj,
    involved: B,
) -> tuple[pl.DataFrame, I64]:
    cfg = ctx.cfg
    child, parent, co = fam.child, fam.parent, fam.coparent_of_child
    has_co = co >= 0
    kids = pl.DataFrame({"p": parent, "c": child})
    sib = kids.join(kids, on="p", suffix="_b").filter(pl.col("c") < pl.col("c_b"))
    a_all = [parent, co[has_co], sib["c"].to_numpy(), fam.couple_a]
    b_all = [child, child[has_co], sib["c_b"].to_numpy(), fam.couple_b]
    kinds = (
        ["parent"] * (len(parent) + int(has_co.sum()))
        + ["sibling"] * sib.height
        + ["partner"] * len(fam.couple_a)
    )
    rel = pl.DataFrame(
        {"a": np.concatenate(a_all), "b": np.concatenate(b_all), "kind": kinds}
    )
    # domestic dyads that have separated become ex-partners
    ex = da.ex
    lo = np.minimum(da.abuser[ex], da.victim[ex])
    hi = np.maximum(da.abuser[ex], da.victim[ex])
    ex_pairs = pl.DataFrame({"lo": lo, "hi": hi, "ex": np.ones(len(lo), bool)})
    rel = (
        rel.with_columns(
            pl.min_horizontal("a", "b").alias("lo"),
            pl.max_horizontal("a", "b").alias("hi"),
        )
        .join(ex_pairs, on=["lo", "hi"], how="left")
        .with_columns(
            pl.when(pl.col("ex") & (pl.col("kind") == "partner"))
            .then(pl.lit("ex_partner"))
            .otherwise(pl.col("kind"))
            .alias("kind")
        )
    )
    a = rel["a"].to_numpy()
    b = rel["b"].to_numpy()
    keep = involved[a] | involved[b]
    valid_to = pl.Series(
        [ctx.end.date() - timedelta(days=int(cfg.days // 3))] * int(keep.sum()),
        dtype=pl.Date,
    )
    out = pl.DataFrame(
        {
            "person_a": pl.Series(values=person_ids[a[keep]], dtype=pl.String),
            "person_b": pl.Series(values=person_ids[b[keep]], dtype=pl.String),
            "kind": rel["kind"].to_numpy()[keep],
            "source": np.full(int(keep.sum()), SOURCE),
        }
    ).with_columns(
        pl.lit(None, pl.Date).alias("valid_from"),
        pl.when(pl.col("kind") == "ex_partner")
        .then(valid_to)
        .otherwise(None)
        .alias("valid_to"),
    )
    out = out.unique(subset=["person_a", "person_b", "kind"], keep="first").sort(
        ["person_a", "person_b", "kind"]
    )
    return out, np.concatenate([a[keep], b[keep]])


def _declared_groups(
    ctx: _Ctx, groups: list[_Group], person_ids: Obj
) -> tuple[pl.DataFrame, pl.DataFrame, I64]:
    """Only some groups, and only most of their members, are declared (an input, not truth)."""
    cfg, rng = ctx.cfg, ctx.rng
    rows: list[dict[str, str | None]] = []
    mem_g: list[Str] = []
    mem_p: list[Obj] = []
    mem_s: list[F64] = []
    mem_i: list[I64] = [np.zeros(0, np.int64)]
    for g in groups:
        # peer groups are rarely declared; gangs and networks more often
        p = cfg.declared_group_share * (0.3 if g.continuum == "peer_group" else 1.0)
        declared = bool(rng.random() < p) or (g is groups[0])
        lo, hi = _GROUP_SINCE_YEARS[g.continuum]
        since_days = rng.uniform(lo, hi, len(g.members)) * 365.25
        if not declared:
            continue
        rows.append(
            {
                "group_id": g.group_id,
                "name": g.name,
                "continuum": g.continuum if rng.random() < 0.7 else None,
            }
        )
        keep = rng.random(len(g.members)) < cfg.declared_member_share
        keep[0] = True
        mem_g.append(np.full(int(keep.sum()), g.group_id))
        mem_p.append(person_ids[g.members[keep]])
        mem_i.append(g.members[keep])
        mem_s.append(since_days[keep])
    groups_frame = pl.DataFrame(
        rows, schema={"group_id": pl.String, "name": pl.String, "continuum": pl.String}
    ).with_columns(pl.lit(SOURCE).alias("source"))
    start = ctx.start.date()
    if mem_g:
        since = [start - timedelta(days=int(d)) for d in np.concatenate(mem_s)]
        members = pl.DataFrame(
            {
                "group_id": np.concatenate(mem_g),
                "person_id": np.concatenate(mem_p),
                "since": pl.Series(since, dtype=pl.Date),
            }
        )
    else:  # pragma: no cover - only when no group is declared
        members = pl.DataFrame(
            schema={"group_id": pl.String, "person_id": pl.String, "since": pl.Date}
        )
    return groups_frame, members.sort(["group_id", "person_id"]), np.concatenate(mem_i)
