"""A synthetic city with planted truth, in avert's canonical tables.

The generator is vectorised (numpy + Polars, no loop over rows; loops run only over a
few dozen groups or over fixed category lists) and deterministic: every draw comes
from one ``numpy.random.Generator`` seeded by ``seed``, in a fixed order.

What is planted (``docs/synth.md`` gives each rate and its source):

- a grid of 250 m cells on central Birmingham (EPSG:27700) whose residents take the
  ethnic make-up of the nearest real 2011 LSOA and the national 2021 age-sex pyramid;
  a few night-time-economy (NTE) cells and estates with higher base rates; micro-places
  with Pareto weights inside each cell (Weisburd's law of crime concentration);
- families (parents, co-parents, children, siblings) with a shared offending factor;
- a heavy-tailed offending propensity (lognormal) plus planted high-rate offenders;
- background crime drawn from the national 2017/18 offence mix, with weekly, daily and
  seasonal rhythms, weapons, hate strands, injuries and near-repeat followers;
- peer groups, street gangs (territories, rivalries, reprisals) and organised
  networks whose co-offending stays mostly inside the group;
- escalating domestic-abuse dyads; targeted ASB campaigns against vulnerable callers,
  some ending in violence; stop and search with a planted disproportionality ratio;
  Cardiff-model ED attendances of which only a share reaches the police; graded
  intelligence about people, places and groups.

References
----------
Sherman, Neyroud & Neyroud (2016) The Cambridge Crime Harm Index; Weisburd (2015) The
law of crime concentration; Farrell & Pease (1993) Once bitten, twice bitten; Townsley,
Homel & Chaseling (2003) near repeats; Kennedy (Group Violence Intervention);
Sutherland, Sivarajasingam & Shepherd (2002) ED assaults unknown to police.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from pyproj import Transformer

from avert.schema import AGE_RANGES, CONTINUUM_LEVELS, WEAPONS
from avert.synth._tables import age_sex, area_ethnicity, harm_days, offence_mix
from avert.synth.config import CityConfig

__all__ = ["City", "Truth", "make_city", "offender_harm_share"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

SOURCE = "avert-synth"
ETHNIC = ("Asian", "Black", "Mixed", "White", "Other")
HATE_LABELS = (
    "",
    "race",
    "religion",
    "sexual_orientation",
    "disability",
    "transgender",
    "race;religion",
)
INJURY = ("none", "minor", "serious", "fatal")
ROLE_VICTIM, ROLE_SUSPECT, ROLE_OFFENDER, ROLE_WITNESS = 0, 1, 2, 3
ROLE_NAMES = ("victim", "suspect", "offender", "witness")
ROLE_NAMES_SORTED = tuple(sorted(ROLE_NAMES))
DAY_S = 86_400

# part labels of incidents (what generated them; kept in truth, not in the bundle)
PARTS = (
    "background",
    "near_repeat",
    "high_rate",
    "group",
    "rival_attack",
    "reprisal",
    "domestic",
    "asb_escalation",
)

# 24-hour shapes (clock hour 0..23) of the rhythms; weekend nights are boosted below.
_NIGHT = np.array(
    [8, 7, 5, 3, 2, 1, 1, 1, 2, 2, 3, 3, 4, 4, 4, 4, 5, 5, 6, 6, 7, 8, 9, 9], float
)
_DAY = np.array(
    [1, 1, 1, 1, 1, 1, 2, 3, 5, 6, 7, 8, 8, 8, 8, 8, 8, 7, 6, 5, 4, 3, 2, 1], float
)
_HOME = np.array(
    [4, 3, 2, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 5, 6, 7, 8, 8, 7, 5], float
)
_ASB = np.array(
    [2, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 5, 6, 7, 8, 8, 7, 6, 4, 3], float
)


@dataclass(frozen=True)
class Truth:
    """What was planted, as JSON-ready values (written to ``truth.json``).

    Attributes
    ----------
    fields
        Ordered mapping of every truth field; see ``docs/synth.md`` for each key.
    """

    fields: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        """The truth field ``key``."""
        return self.fields[key]


@dataclass(frozen=True)
class City:
    """A synthetic city: canonical-named Polars frames plus its planted truth."""

    config: CityConfig
    seed: int
    incidents: pl.DataFrame
    people: pl.DataFrame
    involvements: pl.DataFrame
    relationships: pl.DataFrame
    asb: pl.DataFrame
    stops: pl.DataFrame
    attendances: pl.DataFrame
    intelligence: pl.DataFrame
    groups: pl.DataFrame
    group_members: pl.DataFrame
    truth: Truth
    extracted_at: datetime

    def frames(self) -> dict[str, pl.DataFrame]:
        """The canonical tables by name (bundle order)."""
        return {
            "incidents": self.incidents,
            "people": self.people,
            "involvements": self.involvements,
            "relationships": self.relationships,
            "asb": self.asb,
            "stops": self.stops,
            "attendances": self.attendances,
            "intelligence": self.intelligence,
            "groups": self.groups,
            "group_members": self.group_members,
        }


# ------------------------------------------------------------------------------------
# small vectorised helpers


def _pick(rng: np.random.Generator, cum: F64, n: int) -> I64:
    """Indices drawn with probability proportional to the increments of ``cum``."""
    if n == 0:
        return np.zeros(0, np.int64)
    u = rng.random(n) * cum[-1]
    out: I64 = np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1).astype(
        np.int64
    )
    return out


def _choice(rng: np.random.Generator, p: list[float] | F64, n: int) -> I64:
    w = np.asarray(p, dtype=np.float64)
    return _pick(rng, np.cumsum(w), n)


@dataclass
class _Events:
    """Incidents under construction (arrays of equal length) and their involvements."""

    t: list[I64] = field(default_factory=list)
    code: list[I64] = field(default_factory=list)
    place: list[I64] = field(default_factory=list)
    domestic: list[B] = field(default_factory=list)
    weapon: list[I64] = field(default_factory=list)
    hate: list[I64] = field(default_factory=list)
    gang: list[B] = field(default_factory=list)
    injury: list[I64] = field(default_factory=list)
    part: list[I64] = field(default_factory=list)
    inv_event: list[I64] = field(default_factory=list)
    inv_person: list[I64] = field(default_factory=list)
    inv_role: list[I64] = field(default_factory=list)
    n: int = 0

    def add(
        self,
        *,
        t: I64,
        code: I64,
        place: I64,
        part: str,
        weapon: I64,
        injury: I64,
        domestic: B | None = None,
        hate: I64 | None = None,
        gang: B | None = None,
    ) -> I64:
        """Append events and return their global indices."""
        k = len(t)
        self.t.append(t.astype(np.int64))
        self.code.append(code.astype(np.int64))
        self.place.append(place.astype(np.int64))
        self.weapon.append(weapon.astype(np.int64))
        self.injury.append(injury.astype(np.int64))
        self.domestic.append(np.zeros(k, bool) if domestic is None else domestic)
        self.hate.append(
            np.zeros(k, np.int64) if hate is None else hate.astype(np.int64)
        )
        self.gang.append(np.zeros(k, bool) if gang is None else gang)
        self.part.append(np.full(k, PARTS.index(part), np.int64))
        idx = np.arange(self.n, self.n + k, dtype=np.int64)
        self.n += k
        return idx

    def involve(self, events: I64, people: I64, roles: I64 | int) -> None:
        """Record people in events with roles."""
        self.inv_event.append(events.astype(np.int64))
        self.inv_person.append(people.astype(np.int64))
        role_arr = np.broadcast_to(np.asarray(roles, dtype=np.int64), events.shape)
        self.inv_role.append(np.array(role_arr, dtype=np.int64))


class _Ctx:
    """Shared state of one generation run (arrays over cells, places and people)."""

    def __init__(self, config: CityConfig, rng: np.random.Generator) -> None:
        self.cfg = config
        self.rng = rng
        end = datetime.combine(config.end_date, time(6, 0))
        self.end = end
        self.start = end - timedelta(days=config.days)
        self.horizon_s = config.days * DAY_S
        self.years = config.days / 365.25
        mix = offence_mix().filter(
            ~pl.col("offence_group").is_in(list(config.exclude_offence_groups))
        )
        self.mix = mix
        self.codes: list[str] = mix["offence_code"].to_list()
        self.code_ix = {c: i for i, c in enumerate(self.codes)}
        self.crime_type = mix["crime_type"].to_list()
        groups = mix["offence_group"].to_numpy()
        subgroups = mix["offence_subgroup"].to_numpy()
        self.is_vap = groups == "Violence against the person"
        self.is_sexual = groups == "Sexual offences"
        self.is_serious = np.isin(
            np.array(self.codes),
            ["8N", "8P", "8S", "5D", "5E", "2", "1/4.1/4.10/4.2", "3B", "34A", "34B"],
        )
        self.has_victim = (
            self.is_vap
            | self.is_sexual
            | np.isin(np.array(self.codes), ["34B", "39", "58A"])
            | (subgroups == "Domestic burglary")
        ) & ~np.isin(np.array(self.codes), ["104", "8S"])
        self.at_home = (subgroups == "Domestic burglary") | (
            np.array(self.codes) == "58A"
        )
        self.night = (
            self.is_vap
            | self.is_sexual
            | np.isin(
                mix["crime_type"].to_numpy(),
                ["Public order", "Robbery", "Theft from the person"],
            )
        )
        self.harm = harm_days(np.array(self.codes))
        inj = np.zeros(len(self.codes), np.int64)
        inj[subgroups == "Violence with injury"] = 1
        inj[np.isin(np.array(self.codes), ["5D", "5E", "2"])] = 2
        inj[
            (subgroups == "Homicide")
            | np.char.startswith(np.array(self.codes, dtype=str), "4.")
        ] = 3
        self.injury_of_code = inj
        self.hour_cum: dict[str, F64] = {}

    def c(self, code: str) -> int:
        return self.code_ix[code]

    def codes_of(self, spec: dict[str, float], n: int) -> I64:
        keys = list(spec)
        idx = _choice(self.rng, list(spec.values()), n)
        lut = np.array([self.c(k) for k in keys], np.int64)
        return lut[idx]

    # --- time -------------------------------------------------------------------
    def _hour_weights(self, shape: F64, *, weekend_night: float) -> F64:
        n_hours = self.cfg.days * 24
        hours = np.arange(n_hours, dtype=np.int64)
        clock = (self.start.hour + hours) % 24
        start_ord = self.start.toordinal()
        # weekday of each hour: Monday = 0
        day_ord = start_ord + (self.start.hour + hours) // 24
        weekday = (day_ord - 1) % 7  # date.fromordinal(1) is a Monday
        w = shape[clock].copy()
        fri_sat_night = ((weekday == 4) | (weekday == 5)) & (clock >= 20)
        early_weekend = ((weekday == 5) | (weekday == 6)) & (clock < 5)
        w[fri_sat_night | early_weekend] *= weekend_night
        doy = (day_ord - datetime(self.start.year, 1, 1).toordinal()) % 365
        season = 1.0 + self.cfg.seasonal_amplitude * np.cos(
            2 * np.pi * (doy - 196) / 365.0
        )
        out: F64 = w * season
        return out

    def times(self, profile: str, n: int) -> I64:
        """Seconds since the start, drawn from a daily/weekly/seasonal rhythm."""
        if profile not in self.hour_cum:
            shapes = {
                "night": (_NIGHT, 2.5),
                "day": (_DAY, 1.0),
                "home": (_HOME, 1.4),
                "asb": (_ASB, 1.5),
            }
            shape, boost = shapes[profile]
            self.hour_cum[profile] = np.cumsum(
                self._hour_weights(shape, weekend_night=boost)
            )
        hour = _pick(self.rng, self.hour_cum[profile], n)
        offset_in_hour = (self.start.minute * 60) % 3600
        secs = hour * 3600 + self.rng.integers(0, 3600, n) - offset_in_hour
        out: I64 = np.clip(secs, 0, self.horizon_s - 1).astype(np.int64)
        return out


# ------------------------------------------------------------------------------------
# geography and people


def _geography(ctx: _Ctx) -> dict[str, Any]:
    cfg, rng = ctx.cfg, ctx.rng
    n_cells_min = math.ceil(cfg.people / cfg.people_per_cell)
    nx = math.ceil(math.sqrt(n_cells_min))
    ny = math.ceil(n_cells_min / nx)
    n_cells = nx * ny
    col = np.arange(n_cells) % nx
    row = np.arange(n_cells) // nx
    x0 = cfg.centre_x_m - nx * cfg.cell_size_m / 2
    y0 = cfg.centre_y_m - ny * cfg.cell_size_m / 2
    cx = x0 + (col + 0.5) * cfg.cell_size_m
    cy = y0 + (row + 0.5) * cfg.cell_size_m
    # residential weight: lognormal around 1, lower in the very centre (commercial core)
    dist = np.hypot(cx - cfg.centre_x_m, cy - cfg.centre_y_m)
    pop_w = rng.lognormal(0.0, 0.5, n_cells) * np.clip(dist / 600.0, 0.3, 1.0)
    # ethnic make-up of the nearest real LSOA centroid (Birmingham 2011)
    area = area_ethnicity()
    ax, ay = area["x"].to_numpy(), area["y"].to_numpy()
    counts = area.select(list(ETHNIC)).to_numpy().astype(np.float64)
    nearest = np.argmin(
        (cx[:, None] - ax[None, :]) ** 2 + (cy[:, None] - ay[None, :]) ** 2, axis=1
    )
    comp = counts[nearest]
    comp /= comp.sum(axis=1, keepdims=True)
    # hotspots: NTE cells among those nearest the centre; estates among the rest
    order = np.argsort(dist, kind="stable")
    pool = order[: max(3 * cfg.nte_hotspots, 6)]
    nte = np.sort(
        rng.choice(pool, size=min(cfg.nte_hotspots, len(pool)), replace=False)
    )
    rest = np.setdiff1d(np.arange(n_cells), nte)
    n_est = max(2, round(cfg.estate_share * n_cells))
    estates = np.sort(rng.choice(rest, size=min(n_est, len(rest)), replace=False))
    # micro-places with Pareto weights (law of crime concentration)
    k = cfg.places_per_cell
    p_cell = np.repeat(np.arange(n_cells), k)
    px = cx[p_cell] + (rng.random(n_cells * k) - 0.5) * cfg.cell_size_m
    py = cy[p_cell] + (rng.random(n_cells * k) - 0.5) * cfg.cell_size_m
    pw = rng.pareto(cfg.place_pareto_shape, n_cells * k) + 0.05
    cum_in_cell = np.cumsum(pw.reshape(n_cells, k), axis=1)
    return {
        "n_cells": n_cells,
        "nx": nx,
        "ny": ny,
        "cx": cx,
        "cy": cy,
        "pop_w": pop_w,
        "comp": comp,
        "nte": nte,
        "estates": estates,
        "px": px,
        "py": py,
        "cum_in_cell": cum_in_cell,
        "place_cum": np.cumsum(pw),
        "x0": x0,
        "y0": y0,
    }


def _place_in_cells(ctx: _Ctx, geo: dict[str, Any], cells: I64) -> I64:
    """A micro-place inside each given cell, drawn by the place weights.

    One binary search in the global cumulative weights (no n x places matrix).
    """
    k = ctx.cfg.places_per_cell
    cum = geo["place_cum"]
    lo = np.where(cells > 0, cum[np.maximum(cells * k - 1, 0)], 0.0)
    hi = cum[cells * k + k - 1]
    u = lo + ctx.rng.random(len(cells)) * (hi - lo)
    idx = np.searchsorted(cum, u, side="right")
    out: I64 = np.clip(idx, cells * k, cells * k + k - 1).astype(np.int64)
    return out


def _people(ctx: _Ctx, geo: dict[str, Any]) -> dict[str, Any]:
    cfg, rng = ctx.cfg, ctx.rng
    n = cfg.people
    cell = np.sort(_pick(rng, np.cumsum(geo["pop_w"]), n))
    pyr = age_sex()
    draw = _pick(rng, np.cumsum(pyr["count"].to_numpy().astype(np.float64)), n)
    age = pyr["age"].to_numpy()[draw] + (
        pyr["age"].to_numpy()[draw] == 90
    ) * rng.integers(0, 8, n)
    male = pyr["sex"].to_numpy()[draw] == "M"
    cum = np.cumsum(geo["comp"][cell], axis=1)
    u = rng.random(n)
    eth = np.minimum((u[:, None] > cum).sum(axis=1), len(ETHNIC) - 1)
    vulnerable = rng.random(n) < np.where(age >= 75, 0.3, cfg.vulnerable_share)
    home_place = _place_in_cells(ctx, geo, cell)
    birth_year = ctx.end.year - age - (rng.random(n) < 0.5)
    cell_start = np.searchsorted(cell, np.arange(geo["n_cells"] + 1))
    return {
        "n": n,
        "cell": cell,
        "age": age.astype(np.int64),
        "male": male,
        "eth": eth.astype(np.int64),
        "vulnerable": vulnerable,
        "home": home_place,
        "birth_year": birth_year.astype(np.int64),
        "cell_start": cell_start,
    }


def _residents(ctx: _Ctx, pp: dict[str, Any], cells: I64) -> I64:
    """A random resident of each given cell (cells with nobody get a random person)."""
    start = pp["cell_start"][cells]
    size = pp["cell_start"][cells + 1] - start
    pick = start + np.floor(ctx.rng.random(len(cells)) * np.maximum(size, 1)).astype(
        np.int64
    )
    fallback = ctx.rng.integers(0, pp["n"], len(cells))
    return np.where(size > 0, pick, fallback)


def _families(ctx: _Ctx, pp: dict[str, Any]) -> dict[str, Any]:
    """Parents, co-parents and children matched within cells by age gap."""
    cfg, rng = ctx.cfg, ctx.rng
    n, age, cell = pp["n"], pp["age"], pp["cell"]
    idx = np.arange(n)
    is_parent = (age >= 25) & (age <= 60) & (rng.random(n) < cfg.parent_share)
    parents = idx[is_parent]
    pkey = cell[parents] * 1000 + pp["birth_year"][parents] - 1850
    order = np.argsort(pkey, kind="stable")
    parents, pkey = parents[order], pkey[order]
    is_child = (age <= 17) | ((age <= 24) & (rng.random(n) < 0.5))
    kids = idx[is_child]
    gap = rng.integers(22, 39, len(kids))
    want = cell[kids] * 1000 + pp["birth_year"][kids] - gap - 1850
    pos = np.clip(np.searchsorted(pkey, want), 0, max(len(pkey) - 1, 0))
    ok = np.zeros(len(kids), bool)
    if len(pkey):
        found = parents[pos]
        ok = (
            (cell[found] == cell[kids])
            & (np.abs(pkey[pos] - want) <= 8)
            & (found != kids)
        )
        child, parent = kids[ok], found[ok]
    else:  # pragma: no cover - tiny populations only
        child, parent = kids[:0], kids[:0]
    # co-parents: pair parents consecutively within a cell after a shuffle
    shuffled = parents[rng.permutation(len(parents))]
    shuffled = shuffled[np.argsort(cell[shuffled], kind="stable")]
    a, b = shuffled[0:-1:2], shuffled[1::2]
    m = min(len(a), len(b))
    a, b = a[:m], b[:m]
    keep = (cell[a] == cell[b]) & (rng.random(m) < cfg.couple_share)
    a, b = a[keep], b[keep]
    partner = np.full(n, -1, np.int64)
    partner[a], partner[b] = b, a
    # other couples among adults 20-75 without children here
    free = idx[(age >= 20) & (age <= 75) & ~is_parent & ~is_child]
    free = free[rng.random(len(free)) < 0.5]
    free = free[rng.permutation(len(free))]
    free = free[np.argsort(cell[free], kind="stable")]
    c1, c2 = free[0:-1:2], free[1::2]
    m2 = min(len(c1), len(c2))
    c1, c2 = c1[:m2], c2[:m2]
    k2 = cell[c1] == cell[c2]
    c1, c2 = c1[k2], c2[k2]
    partner[c1], partner[c2] = c2, c1
    family = idx.copy()
    family[child] = parent
    co = partner[parent]
    family[b] = a  # the co-parent joins the first parent's family
    return {
        "child": child,
        "parent": parent,
        "coparent_of_child": co,
        "couple_a": np.concatenate([a, c1]),
        "couple_b": np.concatenate([b, c2]),
        "partner": partner,
        "family": family,
    }


def _offenders(ctx: _Ctx, pp: dict[str, Any], fam: dict[str, Any]) -> dict[str, Any]:
    """Who offends and how much: lognormal propensity with a shared family factor."""
    cfg, rng = ctx.cfg, ctx.rng
    n, age = pp["n"], pp["age"]
    age_w = np.select(
        [age < 10, age < 15, age < 25, age < 35, age < 50, age < 70],
        [0.0, 0.6, 2.0, 1.3, 0.7, 0.25],
        0.0,
    )
    sex_w = np.where(pp["male"], 1.6, 0.4)
    fam_f = rng.lognormal(0.0, cfg.familial_sigma, n)[fam["family"]]
    base = age_w * sex_w * fam_f
    eligible = age_w > 0
    p = base / base[eligible].mean() * cfg.offender_share
    offender = rng.random(n) < np.clip(p, 0, 0.9)
    # familial offending: children of offending parents offend more (planted)
    kid_boost = np.zeros(n, bool)
    kid_boost[fam["child"][offender[fam["parent"]]]] = True
    extra = (
        kid_boost
        & ~offender
        & (rng.random(n) < np.clip(p * (cfg.familial_offending_multiplier - 1), 0, 0.9))
    )
    offender |= extra & eligible
    propensity = np.where(
        offender, rng.lognormal(0.0, cfg.propensity_sigma, n) * np.sqrt(fam_f), 0.0
    )
    # planted high-rate offenders: young adult males among the offenders
    cand = np.flatnonzero(offender & pp["male"] & (age >= 16) & (age <= 40))
    h = min(cfg.n_high_rate, len(cand))
    high = np.sort(rng.choice(cand, size=h, replace=False))
    propensity[high] = 0.0  # they get their own (dedicated) offending below
    return {"offender": offender, "propensity": propensity, "high": high}


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


def _attribute(
    ctx: _Ctx,
    ev: _Events,
    events: I64,
    code: I64,
    off: dict[str, Any],
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
    pool = np.flatnonzero(off["propensity"] > 0)
    if len(pool) == 0:  # pragma: no cover - degenerate tiny config
        return
    cum = np.cumsum(off["propensity"][pool])
    who = pool[_pick(rng, cum, n)]
    same = has_v & (who == victims)
    solved &= ~same
    role = np.where(rng.random(n) < cfg.charged_share, ROLE_OFFENDER, ROLE_SUSPECT)
    ev.involve(events[solved], who[solved], role[solved])
    second = (
        solved
        & np.isin(
            np.array(ctx.crime_type)[code], ["Robbery", "Violence and sexual offences"]
        )
        & (rng.random(n) < 0.15)
    )
    who2 = pool[_pick(rng, cum, n)]
    second &= (who2 != who) & (who2 != victims)
    ev.involve(events[second], who2[second], role[second])
    wit = has_v & (rng.random(n) < cfg.witness_share)
    ev.involve(
        events[wit], rng.integers(0, len(victims_cum), int(wit.sum())), ROLE_WITNESS
    )


def _background(
    ctx: _Ctx,
    geo: dict[str, Any],
    pp: dict[str, Any],
    off: dict[str, Any],
    ev: _Events,
    vcum: F64,
) -> dict[str, Any]:
    cfg, rng = ctx.cfg, ctx.rng
    lam = cfg.crimes_per_1000_per_year * cfg.people / 1000 * ctx.years
    n = int(rng.poisson(lam))
    code = _pick(rng, np.cumsum(ctx.mix["count"].to_numpy().astype(np.float64)), n)
    night = ctx.night[code]
    t = np.where(night, ctx.times("night", n), ctx.times("day", n))
    clock = ((ctx.start.hour * 3600 + t) // 3600) % 24
    is_night = (clock >= 20) | (clock < 4)
    # cells: residential weights, estates heavier for violence/damage/drugs, NTE at night
    w_violent = geo["pop_w"].copy()
    w_violent[geo["estates"]] *= cfg.estate_multiplier
    w_violent[geo["nte"]] *= 3.0
    w_prop = geo["pop_w"].copy()
    w_prop[geo["nte"]] *= 4.0
    cell_v = _pick(rng, np.cumsum(w_violent), n)
    cell_p = _pick(rng, np.cumsum(w_prop), n)
    nte_pick = geo["nte"][rng.integers(0, len(geo["nte"]), n)]
    to_nte = night & is_night & (rng.random(n) < cfg.nte_night_share)
    cell = np.where(to_nte, nte_pick, np.where(night, cell_v, cell_p))
    place = _place_in_cells(ctx, geo, cell)
    victims = _pick(rng, vcum, n)
    home = ctx.at_home[code]
    place = np.where(home, pp["home"][victims], place)
    weapon = _weapons_for(
        ctx,
        code,
        knife=cfg.knife_share_serious_violence,
        firearm=cfg.firearm_share_serious_violence,
        other=cfg.other_weapon_share_violence,
    )
    weapon = np.where(
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
    ids = ev.add(
        t=t,
        code=code,
        place=place,
        part="background",
        weapon=weapon,
        injury=_injury_for(ctx, code),
        hate=_hate_for(ctx, code),
    )
    _attribute(ctx, ev, ids, code, off, victims_cum=vcum, victims=victims)
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
    px = geo["px"][place[parents]] + dx
    py = geo["py"][place[parents]] + dy
    # followers are placed at the nearest micro-place of the displaced point's cell
    col = np.clip(
        ((px - geo["x0"]) // cfg.cell_size_m).astype(np.int64), 0, geo["nx"] - 1
    )
    row = np.clip(
        ((py - geo["y0"]) // cfg.cell_size_m).astype(np.int64), 0, geo["ny"] - 1
    )
    cell2 = row * geo["nx"] + col
    place2 = _place_in_cells(ctx, geo, cell2)
    code2 = code[parents]
    victims2 = np.where(
        ctx.at_home[code2], _residents(ctx, pp, cell2), _pick(rng, vcum, len(parents))
    )
    place2 = np.where(ctx.at_home[code2], pp["home"][victims2], place2)
    ids2 = ev.add(
        t=t2,
        code=code2,
        place=place2,
        part="near_repeat",
        weapon=weapon[parents],
        injury=_injury_for(ctx, code2),
        hate=_hate_for(ctx, code2),
    )
    _attribute(ctx, ev, ids2, code2, off, victims_cum=vcum, victims=victims2)
    return {
        "near_repeat": np.stack([ids[parents], ids2])
        if len(parents)
        else np.zeros((2, 0), np.int64),
        "n_violence": int(ctx.is_vap[code].sum()),
    }


def _high_rate(
    ctx: _Ctx,
    geo: dict[str, Any],
    pp: dict[str, Any],
    off: dict[str, Any],
    ev: _Events,
    vcum: F64,
) -> None:
    cfg, rng = ctx.cfg, ctx.rng
    high = off["high"]
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
    cells = np.where(
        own, pp["cell"][who], geo["nte"][rng.integers(0, len(geo["nte"]), n)]
    )
    place = _place_in_cells(ctx, geo, cells)
    victims = _pick(rng, vcum, n)
    place = np.where(ctx.at_home[code], pp["home"][victims], place)
    weapon = _weapons_for(ctx, code, knife=0.12, firearm=0.01, other=0.05)
    ids = ev.add(
        t=t,
        code=code,
        place=place,
        part="high_rate",
        weapon=weapon,
        injury=_injury_for(ctx, code),
        hate=_hate_for(ctx, code),
    )
    has_v = ctx.has_victim[code] & (victims != who)
    ev.involve(ids[has_v], victims[has_v], ROLE_VICTIM)
    role = np.where(
        rng.random(n) < cfg.high_rate_charged_share, ROLE_OFFENDER, ROLE_SUSPECT
    )
    ev.involve(ids, who, role)


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


def _groups(
    ctx: _Ctx, geo: dict[str, Any], pp: dict[str, Any], off: dict[str, Any]
) -> list[dict[str, Any]]:
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
    taken = np.zeros(pp["n"], bool)
    taken[off["high"]] = True  # keep high-rate offenders out of groups: a clean truth
    groups: list[dict[str, Any]] = []
    nx, ny = geo["nx"], geo["ny"]
    anchor_w = geo["pop_w"].copy()
    anchor_w[geo["estates"]] *= 4.0
    for level in ("organised_network", "street_gang", "peer_group"):
        for _ in range(counts[level]):
            anchor = int(_pick(rng, np.cumsum(anchor_w), 1)[0])
            r = _GROUP_RADIUS[level]
            ac, ar = anchor % nx, anchor // nx
            cols = np.arange(max(0, ac - r), min(nx, ac + r + 1))
            rows = np.arange(max(0, ar - r), min(ny, ar + r + 1))
            cells = (rows[:, None] * nx + cols[None, :]).ravel()
            cand = np.concatenate(
                [np.arange(pp["cell_start"][c], pp["cell_start"][c + 1]) for c in cells]
            )
            lo, hi = _GROUP_AGE[level]
            a = pp["age"][cand]
            ok = (
                (a >= lo)
                & (a <= hi)
                & ~taken[cand]
                & (pp["male"][cand] | (rng.random(len(cand)) < 0.15))
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
                {
                    "group_id": gid,
                    "name": name,
                    "continuum": level,
                    "members": members,
                    "cells": np.sort(cells),
                    "rivals": [],
                }
            )
    # rivalries among street gangs: pairs, then a second ring for some
    gangs = [g for g in groups if g["continuum"] == "street_gang"]
    order = rng.permutation(len(gangs))
    pairs: list[tuple[int, int]] = []
    for i in range(0, len(order) - 1, 2):
        pairs.append((int(order[i]), int(order[i + 1])))
    for i in range(1, len(order) - 1, 2):
        if rng.random() < 0.5:
            pairs.append((int(order[i]), int(order[i + 1])))
    for a_i, b_i in pairs:
        gangs[a_i]["rivals"].append(gangs[b_i]["group_id"])
        gangs[b_i]["rivals"].append(gangs[a_i]["group_id"])
    for g in groups:
        g["rivals"] = sorted(g["rivals"])
        off["offender"][g["members"]] = True
        if g["continuum"] == "peer_group":
            # peer-group members offend mostly together, at a low level
            off["propensity"][g["members"]] *= 0.2
        elif g["continuum"] == "organised_network":
            # network members rarely offend alone: their record is the network's
            off["propensity"][g["members"]] *= 0.3
        else:
            # gang and network members also offend alone
            off["propensity"][g["members"]] = np.maximum(
                off["propensity"][g["members"]], 0.5
            )
    return groups


def _group_incidents(
    ctx: _Ctx,
    geo: dict[str, Any],
    pp: dict[str, Any],
    off: dict[str, Any],
    groups: list[dict[str, Any]],
    ev: _Events,
    vcum: F64,
) -> None:
    cfg, rng = ctx.cfg, ctx.rng
    for level in CONTINUUM_LEVELS:
        gs = [g for g in groups if g["continuum"] == level]
        if not gs:
            continue
        sizes = np.array([len(g["members"]) for g in gs])
        members = np.concatenate([g["members"] for g in gs])
        starts = np.r_[0, np.cumsum(sizes)[:-1]]
        lam = cfg.group_incidents_per_member_year * sizes * max(ctx.years, 0.5) / 2.7
        n_g = np.maximum(rng.poisson(lam), 6)
        g_of = np.repeat(np.arange(len(gs)), n_g)
        n = len(g_of)
        code = ctx.codes_of(_GROUP_MIX[level], n)
        t = ctx.times("night", n)
        cells = np.concatenate([g["cells"] for g in gs])
        c_sizes = np.array([len(g["cells"]) for g in gs])
        c_starts = np.r_[0, np.cumsum(c_sizes)[:-1]]
        in_territory = rng.random(n) < 0.8
        terr = cells[
            c_starts[g_of] + np.floor(rng.random(n) * c_sizes[g_of]).astype(np.int64)
        ]
        anywhere = _pick(rng, np.cumsum(geo["pop_w"]), n)
        place = _place_in_cells(ctx, geo, np.where(in_territory, terr, anywhere))
        knife, fire, other = _GROUP_WEAPON[level]
        weapon = _weapons_for(ctx, code, knife=knife, firearm=fire, other=other)
        gang = rng.random(n) < _GROUP_GANG_FLAG[level]
        ids = ev.add(
            t=t,
            code=code,
            place=place,
            part="group",
            weapon=weapon,
            injury=_injury_for(ctx, code),
            gang=gang,
        )
        k = 2 + _choice(rng, [0.5, 0.35, 0.15], n)
        inc = np.repeat(np.arange(n), k)
        who = members[
            starts[g_of[inc]]
            + np.floor(rng.random(len(inc)) * sizes[g_of[inc]]).astype(np.int64)
        ]
        pairs = np.unique(np.stack([inc, who], axis=1), axis=0)
        role = np.where(rng.random(n) < cfg.charged_share, ROLE_OFFENDER, ROLE_SUSPECT)
        ev.involve(ids[pairs[:, 0]], pairs[:, 1], role[pairs[:, 0]])
        # outside co-offenders are peripheral associates: local residents with no
        # other planted offending, so they attach to the group as leaves; peer groups
        # are small and have none
        outsider_share = 0.0 if level == "peer_group" else cfg.group_outsider_share
        outsider = rng.random(n) < outsider_share
        o_who = _residents(ctx, pp, np.where(in_territory, terr, anywhere))
        outsider &= off["propensity"][o_who] == 0
        in_group = np.zeros(pp["n"], bool)
        in_group[members] = True
        outsider &= ~in_group[o_who]
        ev.involve(ids[outsider], o_who[outsider], role[outsider])
        victims = _residents(ctx, pp, np.where(in_territory, terr, anywhere))
        has_v = ctx.has_victim[code] & ~in_group[victims]
        ev.involve(ids[has_v], victims[has_v], ROLE_VICTIM)


def _rivalry(
    ctx: _Ctx,
    geo: dict[str, Any],
    pp: dict[str, Any],
    groups: list[dict[str, Any]],
    ev: _Events,
) -> list[dict[str, Any]]:
    """Attacks between rival gangs and the reprisals that follow within days."""
    cfg, rng = ctx.cfg, ctx.rng
    by_id = {g["group_id"]: g for g in groups}
    pairs = sorted(
        {tuple(sorted((g["group_id"], r))) for g in groups for r in g["rivals"]}
    )
    if not pairs:
        return []
    n_pair = (
        rng.poisson(
            cfg.rival_attacks_per_rivalry_year * max(ctx.years, 0.5), len(pairs)
        )
        + 1
    )
    p_of = np.repeat(np.arange(len(pairs)), n_pair)
    n = len(p_of)
    flip = rng.random(n) < 0.5
    att = np.array(
        [
            by_id[pairs[i][1] if f else pairs[i][0]]["group_id"]
            for i, f in zip(p_of, flip, strict=True)
        ]
    )
    vic = np.array(
        [
            by_id[pairs[i][0] if f else pairs[i][1]]["group_id"]
            for i, f in zip(p_of, flip, strict=True)
        ]
    )
    # the last reprisal must fall inside the period: originals stop max_days before the end
    latest = ctx.horizon_s - int(cfg.reprisal_max_days * DAY_S) - 1
    t = np.minimum(ctx.times("night", n), latest)

    def member(gids: npt.NDArray[np.str_]) -> I64:
        return np.array(
            [
                by_id[g]["members"][int(rng.integers(0, len(by_id[g]["members"])))]
                for g in gids
            ],
            np.int64,
        )

    def cells_of(gids: npt.NDArray[np.str_]) -> I64:
        return np.array(
            [
                by_id[g]["cells"][int(rng.integers(0, len(by_id[g]["cells"])))]
                for g in gids
            ],
            np.int64,
        )

    code = ctx.codes_of({"8N": 0.45, "5D": 0.25, "34B": 0.1, "3B": 0.1, "105A": 0.1}, n)
    place = _place_in_cells(ctx, geo, cells_of(vic))
    weapon = _weapons_for(ctx, code, knife=0.45, firearm=0.07, other=0.08)
    gang = rng.random(n) < 0.8
    ids = ev.add(
        t=t,
        code=code,
        place=place,
        part="rival_attack",
        weapon=weapon,
        injury=_injury_for(ctx, code),
        gang=gang,
    )
    victim = member(vic)
    attacker = member(att)
    ev.involve(ids, victim, ROLE_VICTIM)
    role = np.where(rng.random(n) < cfg.charged_share, ROLE_OFFENDER, ROLE_SUSPECT)
    ev.involve(ids, attacker, role)
    second = rng.random(n) < 0.5
    att2 = member(att)
    second &= att2 != attacker
    ev.involve(ids[second], att2[second], role[second])
    # reprisals: the victim's group hits back at the attackers' group within days
    rep = rng.random(n) < cfg.reprisal_probability
    ri = np.flatnonzero(rep)
    delay = np.clip(
        rng.exponential(cfg.reprisal_mean_days * DAY_S, len(ri)),
        6 * 3600,
        cfg.reprisal_max_days * DAY_S,
    ).astype(np.int64)
    t_r = t[ri] + delay
    m = len(ri)
    code_r = ctx.codes_of({"5D": 0.4, "8N": 0.35, "2": 0.1, "3B": 0.05, "34B": 0.1}, m)
    place_r = _place_in_cells(ctx, geo, cells_of(att[ri]))
    weapon_r = _weapons_for(ctx, code_r, knife=0.5, firearm=0.12, other=0.08)
    ids_r = ev.add(
        t=t_r,
        code=code_r,
        place=place_r,
        part="reprisal",
        weapon=weapon_r,
        injury=_injury_for(ctx, code_r),
        gang=rng.random(m) < 0.85,
    )
    target = np.where(rng.random(m) < 0.6, attacker[ri], member(att[ri]))
    ev.involve(ids_r, target, ROLE_VICTIM)
    avenger = np.where(rng.random(m) < 0.3, victim[ri], member(vic[ri]))
    avenger = np.where(avenger == target, member(vic[ri]), avenger)
    role_r = np.where(rng.random(m) < cfg.charged_share, ROLE_OFFENDER, ROLE_SUSPECT)
    ev.involve(ids_r, avenger, role_r)
    helper = member(vic[ri])
    two = (rng.random(m) < 0.5) & (helper != avenger)
    ev.involve(ids_r[two], helper[two], role_r[two])
    return [
        {
            "original": int(o),
            "reprisal": int(r),
            "victim_group": str(v),
            "retaliating_group": str(v),
            "target_group": str(a),
        }
        for o, r, v, a in zip(ids[ri], ids_r, vic[ri], att[ri], strict=True)
    ]


def _domestic(
    ctx: _Ctx, pp: dict[str, Any], fam: dict[str, Any], ev: _Events, n_violence: int
) -> dict[str, Any]:
    """Domestic-abuse dyads; a planted share escalates in frequency and severity."""
    cfg, rng = ctx.cfg, ctx.rng
    a, b = fam["couple_a"], fam["couple_b"]
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
    male_a = pp["male"][a]
    male_b = pp["male"][b]
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
    # keep dyads in time order within themselves (flat ones sorted by t)
    place = pp["home"][victim[dy]]
    weapon = np.where(
        (ctx.is_serious[code]) & (rng.random(len(dy)) < 0.08), 1, 0
    ).astype(np.int64)
    ids = ev.add(
        t=t,
        code=code,
        place=place,
        part="domestic",
        weapon=weapon,
        injury=_injury_for(ctx, code),
        domestic=np.ones(len(dy), bool),
    )
    ev.involve(ids, victim[dy], ROLE_VICTIM)
    role = np.where(
        rng.random(len(dy)) < cfg.charged_share, ROLE_OFFENDER, ROLE_SUSPECT
    )
    ev.involve(ids, abuser[dy], role)
    ex = rng.random(d) < cfg.ex_partner_share
    return {
        "abuser": abuser,
        "victim": victim,
        "escalating": escalating,
        "ex": ex,
        "ids": ids,
        "dyad_of": dy,
    }


def _asb(
    ctx: _Ctx, geo: dict[str, Any], pp: dict[str, Any], off: dict[str, Any], ev: _Events
) -> dict[str, Any]:
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
    w = geo["pop_w"].copy()
    w[geo["estates"]] *= cfg.estate_multiplier
    w[geo["nte"]] *= 3.0
    cell = _pick(rng, np.cumsum(w), n)
    place = _place_in_cells(ctx, geo, cell)
    caller = _residents(ctx, pp, cell)
    has_caller = rng.random(n) < np.array([0.95, 0.6, 0.3])[cat]
    caller = np.where(has_caller, caller, -1)
    # campaigns against vulnerable callers (planted), some escalating to violence
    c = max(3, round(cfg.asb_campaigns_per_100k * cfg.people / 100_000))
    vul = np.flatnonzero(pp["vulnerable"])
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
    place_all = np.concatenate([place, pp["home"][targets[ci]]])
    caller_all = np.concatenate([caller, targets[ci]])
    campaign_all = np.concatenate([np.full(n, -1), ci])
    # escalation: violence against the caller 3-21 days after the last report
    ei = np.flatnonzero(escal)
    te = (e_end[ei] + rng.uniform(3, 21, len(ei)) * DAY_S).astype(np.int64)
    te = np.clip(te, 0, ctx.horizon_s - 1)
    code = ctx.codes_of(
        {"105A": 0.35, "8N": 0.35, "5D": 0.1, "3B": 0.1, "8L": 0.1}, len(ei)
    )
    ids = ev.add(
        t=te,
        code=code,
        place=pp["home"][targets[ei]],
        part="asb_escalation",
        weapon=_weapons_for(ctx, code, knife=0.1, firearm=0.0, other=0.1),
        injury=_injury_for(ctx, code),
    )
    ev.involve(ids, targets[ei], ROLE_VICTIM)
    pool = np.flatnonzero(off["propensity"] > 0)
    local = _residents(ctx, pp, pp["cell"][targets[ei]])
    susp = np.where(
        off["offender"][local] & (local != targets[ei]),
        local,
        pool[_pick(rng, np.cumsum(off["propensity"][pool]), len(ei))],
    )
    ev.involve(ids, susp, ROLE_SUSPECT)
    return {
        "t": t_all,
        "cat": cat_all,
        "place": place_all,
        "caller": caller_all,
        "campaign": campaign_all,
        "targets": targets,
        "escal": escal,
        "esc_campaigns": ei,
        "esc_ids": ids,
    }


# ------------------------------------------------------------------------------------
# assembly


def _age_range(age: I64) -> npt.NDArray[np.str_]:
    idx = np.select([age < 10, age < 18, age < 25, age < 35], [0, 1, 2, 3], 4)
    out: npt.NDArray[np.str_] = np.array(AGE_RANGES)[idx]
    return out


def _datetimes(ctx: _Ctx, secs: I64) -> pl.Series:
    base = np.datetime64(ctx.start, "us").astype(np.int64)
    return pl.Series(base + secs.astype(np.int64) * 1_000_000).cast(pl.Datetime("us"))


_OUTCOMES = (
    "Charged/summonsed",
    "Suspect identified; under investigation",
    "Investigation complete; no suspect identified",
)


def _lut(labels: tuple[str, ...] | list[str], idx: npt.ArrayLike) -> pl.Series:
    """String labels gathered by integer index (fast: no numpy string arrays)."""
    return pl.Series(values=list(labels), dtype=pl.String).gather(
        pl.Series(np.asarray(idx, dtype=np.int64))
    )


def _ids(prefix: str, n: int, width: int = 7) -> pl.Series:
    return pl.select(
        (
            pl.lit(prefix)
            + pl.int_range(1, n + 1, eager=False).cast(pl.String).str.zfill(width)
        ).alias("id")
    ).to_series()


def offender_harm_share(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    *,
    top_share: float = 0.2,
    roles: tuple[str, ...] = ("suspect", "offender"),
) -> float:
    """Share of offender-attributed harm carried by the top ``top_share`` of offenders.

    Each person with a role in ``roles`` in an incident is attributed the incident's full
    harm (CCHI days of its offence code, avert's ``harm.toml``), once per incident;
    offenders are ranked by their total, and the top ``ceil(top_share * n)`` are kept.
    The denominator is the sum of all offenders' totals (harm counted once per offender).
    """
    harm = incidents.select(
        "incident_id",
        pl.Series("harm", harm_days(incidents["offence_code"].to_numpy())),
    )
    per = (
        involvements.filter(pl.col("role").is_in(list(roles)))
        .select("incident_id", "person_id")
        .unique()
        .join(harm, on="incident_id", how="inner")
        .group_by("person_id")
        .agg(pl.col("harm").sum())
    )
    if per.height == 0:
        return 0.0
    totals = np.sort(per["harm"].to_numpy())[::-1]
    k = math.ceil(top_share * len(totals))
    denom = float(totals.sum())
    return float(totals[:k].sum() / denom) if denom > 0 else 0.0


def make_city(
    config: CityConfig | None = None,
    *,
    seed: int,
    progress: Callable[[str], None] | None = None,
) -> City:
    """Generate a synthetic city with planted truth.

    Parameters
    ----------
    config
        Every rate of the city (:class:`CityConfig`); defaults to a 50,000-person city
        over two years.
    seed
        Seed of the only random generator used: the same seed gives identical frames.
    progress
        Optional callback told the name of each generation step (for a progress bar).

    Returns
    -------
    City
        Canonical-named Polars frames (``avert.schema`` column names) and the
        :class:`Truth` of what was planted.

    Notes
    -----
    Method and sources of every rate: ``docs/synth.md``.
    """
    cfg = config or CityConfig()
    rng = np.random.default_rng(seed)
    ctx = _Ctx(cfg, rng)
    say = progress or (lambda _step: None)

    say("geography")
    geo = _geography(ctx)
    say("people")
    pp = _people(ctx, geo)
    fam = _families(ctx, pp)
    off = _offenders(ctx, pp, fam)
    vprop = rng.gamma(cfg.victim_gamma_shape, 1.0, pp["n"]) * np.where(
        (pp["age"] >= 16) & (pp["age"] <= 40), 1.5, 1.0
    )
    vcum = np.cumsum(vprop)
    ev = _Events()
    say("groups")
    groups = _groups(ctx, geo, pp, off)
    say("incidents")
    bg = _background(ctx, geo, pp, off, ev, vcum)
    _high_rate(ctx, geo, pp, off, ev, vcum)
    _group_incidents(ctx, geo, pp, off, groups, ev, vcum)
    reprisals = _rivalry(ctx, geo, pp, groups, ev)
    n_violence = int(ctx.is_vap[np.concatenate(ev.code)].sum())
    da = _domestic(ctx, pp, fam, ev, n_violence)
    say("asb")
    asb = _asb(ctx, geo, pp, off, ev)

    say("assemble")
    t = np.concatenate(ev.t)
    code = np.concatenate(ev.code)
    place = np.concatenate(ev.place)
    order = np.lexsort((np.arange(len(t)), t))  # by time, ties by creation order
    rank = np.empty(len(t), np.int64)
    rank[order] = np.arange(len(t))
    inc_ids = _ids("I", len(t), 8)
    x = np.round(geo["px"][place] + rng.normal(0, 6, len(t)), 1)
    y = np.round(geo["py"][place] + rng.normal(0, 6, len(t)), 1)
    tr = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(x, y)
    cell = place // cfg.places_per_cell
    weapon = np.concatenate(ev.weapon)
    inv_e = np.concatenate(ev.inv_event)
    inv_p = np.concatenate(ev.inv_person)
    inv_r = np.concatenate(ev.inv_role)
    has_off = np.zeros(len(t), bool)
    has_off[inv_e[inv_r == ROLE_OFFENDER]] = True
    has_susp = np.zeros(len(t), bool)
    has_susp[inv_e[inv_r == ROLE_SUSPECT]] = True
    n_cells = geo["n_cells"]
    all_cells = np.arange(n_cells)
    ward_of_cell = (all_cells // geo["nx"]) // 4 * 100 + (all_cells % geo["nx"]) // 4
    outcome_ix = np.where(has_off, 0, np.where(has_susp, 1, 2))
    inc_id_s = inc_ids.gather(rank)
    incidents = (
        pl.DataFrame(
            {
                "incident_id": inc_id_s,
                "offence_code": _lut(ctx.codes, code),
                "crime_type": _lut(ctx.crime_type, code),
                "occurred_from": _datetimes(ctx, t),
                "lat": np.round(lat, 6),
                "lon": np.round(lon, 6),
                "x": x,
                "y": y,
                "lsoa": _area_codes("SYN", all_cells, 4).gather(cell),
                "ward": _area_codes("SYNW", ward_of_cell, 4).gather(cell),
                "domestic": np.concatenate(ev.domestic),
                "weapon": _lut(WEAPONS, weapon),
                "hate": _lut(HATE_LABELS, np.concatenate(ev.hate)),
                "gang_related": np.concatenate(ev.gang),
                "injury": _lut(INJURY, np.concatenate(ev.injury)),
                "outcome": _lut(_OUTCOMES, outcome_ix),
                "_rank": rank,
            }
        )
        .with_columns(
            pl.lit(SOURCE).alias("source"),
            pl.lit("exact").alias("time_precision"),
            pl.lit("Synthetic City").alias("borough"),
            pl.col("hate").replace("", None),
            pl.lit(None, pl.Datetime("us")).alias("occurred_to"),
        )
        .select(
            "incident_id",
            "source",
            "offence_code",
            "crime_type",
            "occurred_from",
            "occurred_to",
            "time_precision",
            "lat",
            "lon",
            "x",
            "y",
            "lsoa",
            "ward",
            "borough",
            "domestic",
            "weapon",
            "hate",
            "gang_related",
            "injury",
            "outcome",
            "_rank",
        )
        .sort("_rank")
        .drop("_rank")
    )
    inc_id_of = inc_id_s.to_numpy()
    part = np.concatenate(ev.part)

    # involvements (unique incident, person, role; one role per person per incident)
    inv = pl.DataFrame({"e": inv_e, "p": inv_p, "r": inv_r}).unique(
        subset=["e", "p"], keep="first", maintain_order=True
    )
    person_s = _ids("P", pp["n"], 7)
    person_ids = person_s.to_numpy()
    # sort by (incident_id, role name, person_id) using integer keys: alphabetical role rank
    role_alpha = np.array([ROLE_NAMES_SORTED.index(r) for r in ROLE_NAMES])
    inv_sorted = inv.with_columns(
        pl.Series("ri", rank[inv["e"].to_numpy()]),
        pl.Series("ra", role_alpha[inv["r"].to_numpy()]),
    ).sort(["ri", "ra", "p"])
    involvements = pl.DataFrame(
        {
            "incident_id": inc_ids.gather(inv_sorted["ri"]),
            "person_id": person_s.gather(inv_sorted["p"]),
            "role": _lut(ROLE_NAMES, inv_sorted["r"].to_numpy()),
        }
    )

    say("asb, stops, attendances, intelligence")
    asb_frame, asb_truth = _asb_frame(ctx, geo, pp, asb, person_ids, inc_id_of, tr)
    stops, stop_truth, stop_who = _stops(ctx, geo, pp, off, person_ids, tr)
    attendances, att_truth = _attendances(
        ctx, geo, pp, ev, inv, inc_id_of, tr, t, place
    )
    intel, intel_truth, intel_idx = _intelligence(
        ctx, geo, pp, off, groups, person_ids, tr
    )
    involved = np.zeros(pp["n"], bool)
    involved[inv["p"].to_numpy()] = True
    involved[asb["caller"][asb["caller"] >= 0]] = True
    involved[stop_who] = True
    relationships, rel_idx = _relationships(ctx, fam, da, person_ids, involved)
    groups_frame, members_frame, member_idx = _declared_groups(ctx, groups, person_ids)

    # people known to the records: anyone referenced by any table
    known = involved.copy()
    known[intel_idx] = True
    known[member_idx] = True
    known[rel_idx] = True
    known_idx = np.flatnonzero(known)
    people = pl.DataFrame(
        {
            "person_id": person_s.gather(known_idx),
            "birth_year": pp["birth_year"][known_idx].astype(np.int32),
            "sex": np.where(pp["male"][known_idx], "M", "F"),
            "ethnicity": np.array(ETHNIC)[pp["eth"][known_idx]],
            "vulnerable": pp["vulnerable"][known_idx],
        }
    ).with_columns(pl.lit(SOURCE).alias("source"))

    say("truth")
    truth = _truth(
        ctx,
        geo=geo,
        pp=pp,
        fam=fam,
        off=off,
        groups=groups,
        reprisals=reprisals,
        da=da,
        bg=bg,
        person_ids=person_ids,
        inc_id_of=inc_id_of,
        incidents=incidents,
        involvements=involvements,
        asb_truth=asb_truth,
        stop_truth=stop_truth,
        att_truth=att_truth,
        intel_truth=intel_truth,
        part=part,
        groups_frame=groups_frame,
        seed=seed,
    )
    return City(
        config=cfg,
        seed=seed,
        incidents=incidents,
        people=people,
        involvements=involvements,
        relationships=relationships,
        asb=asb_frame,
        stops=stops,
        attendances=attendances,
        intelligence=intel,
        groups=groups_frame,
        group_members=members_frame,
        truth=truth,
        extracted_at=ctx.end,
    )


def _area_codes(prefix: str, values: I64, width: int) -> pl.Series:
    return pl.select(
        pl.lit(prefix) + pl.Series("v", values).cast(pl.String).str.zfill(width)
    ).to_series()


def _xy(
    ctx: _Ctx, geo: dict[str, Any], place: I64, jitter_m: float, tr: Transformer
) -> tuple[F64, F64, F64, F64]:
    n = len(place)
    x = np.round(geo["px"][place] + ctx.rng.normal(0, jitter_m, n), 1)
    y = np.round(geo["py"][place] + ctx.rng.normal(0, jitter_m, n), 1)
    lon, lat = tr.transform(x, y)
    return x, y, np.round(np.asarray(lat), 6), np.round(np.asarray(lon), 6)


def _asb_frame(
    ctx: _Ctx,
    geo: dict[str, Any],
    pp: dict[str, Any],
    asb: dict[str, Any],
    person_ids: npt.NDArray[Any],
    inc_id_of: npt.NDArray[Any],
    tr: Transformer,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    t = asb["t"]
    order = np.lexsort((np.arange(len(t)), t))
    x, y, lat, lon = _xy(ctx, geo, asb["place"][order], 10.0, tr)
    caller = asb["caller"][order]
    known = caller >= 0
    safe = np.where(known, caller, 0)
    frame = (
        pl.DataFrame(
            {
                "asb_id": _ids("A", len(t), 7),
                "source": np.full(len(t), SOURCE),
                "occurred_at": _datetimes(ctx, t[order]),
                "category": np.array(("personal", "nuisance", "environmental"))[
                    asb["cat"][order]
                ],
                "lat": lat,
                "lon": lon,
                "x": x,
                "y": y,
                "caller_id": person_ids[safe],
                "vulnerable_caller": pp["vulnerable"][safe],
                "_known": known,
            }
        )
        .with_columns(
            pl.when(pl.col("_known")).then(pl.col("caller_id", "vulnerable_caller"))
        )
        .drop("_known")
    )
    campaign = asb["campaign"][order]
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
    targets = asb["targets"]
    esc_inc = dict(
        zip(
            asb["esc_campaigns"].tolist(),
            inc_id_of[asb["esc_ids"]].tolist(),
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
            "escalated": bool(asb["escal"][c]),
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
    geo: dict[str, Any],
    pp: dict[str, Any],
    off: dict[str, Any],
    person_ids: npt.NDArray[Any],
    tr: Transformer,
) -> tuple[pl.DataFrame, dict[str, Any], I64]:
    """Stops with a planted disproportionality: group chosen ∝ population × ratio."""
    cfg, rng = ctx.cfg, ctx.rng
    n = int(rng.poisson(cfg.stops_per_1000_per_year * cfg.people / 1000 * ctx.years))
    pop = np.bincount(pp["eth"], minlength=len(ETHNIC)).astype(np.float64)
    ratio = np.array([cfg.stop_ratios.get(e, 1.0) for e in ETHNIC])
    eth = _choice(rng, pop * ratio, n)
    age = pp["age"]
    w = np.where(pp["male"], 3.0, 1.0) * np.select(
        [age < 10, age < 15, age < 35, age < 50], [0.0, 1.0, 4.0, 1.5], 0.3
    )
    w = w * np.where(off["offender"], 4.0, 1.0)
    who = np.zeros(n, np.int64)
    for e in range(len(ETHNIC)):
        sel = np.flatnonzero(eth == e)
        members = np.flatnonzero(pp["eth"] == e)
        if len(sel) and len(members):
            who[sel] = members[_pick(rng, np.cumsum(w[members]), len(sel))]
    t = ctx.times("night", n)
    hot = np.concatenate([geo["nte"], geo["estates"]])
    cells = np.where(
        rng.random(n) < 0.5, pp["cell"][who], hot[rng.integers(0, len(hot), n)]
    )
    place = _place_in_cells(ctx, geo, cells)
    order = np.lexsort((np.arange(n), t))
    who, t, place = who[order], t[order], place[order]
    x, y, lat, lon = _xy(ctx, geo, place, 8.0, tr)
    leg_names = list(_LEGISLATION)
    leg = np.array(leg_names)[_choice(rng, list(_LEGISLATION.values()), n)]
    obj = _lookup(leg, _OBJECT)
    self_eth = np.array(ETHNIC)[pp["eth"][who]]
    officer = np.where(
        rng.random(n) < 0.92,
        self_eth,
        np.array(ETHNIC)[rng.integers(0, len(ETHNIC), n)],
    )
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
            "outcome": np.array(list(_STOP_OUTCOME))[
                _choice(rng, list(_STOP_OUTCOME.values()), n)
            ],
            "age_range": _age_range(age[who]),
            "sex": np.where(pp["male"][who], "M", "F"),
            "ethnicity": self_eth,
            "officer_ethnicity": officer,
            "person_id": person_ids[who],
        }
    )
    stops_by = np.bincount(pp["eth"][who], minlength=len(ETHNIC)).astype(np.float64)
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


def _lookup(values: npt.NDArray[Any], table: dict[str, str]) -> npt.NDArray[Any]:
    keys = np.array(list(table))
    vals = np.array(list(table.values()))
    order = np.argsort(keys)
    return vals[order][np.searchsorted(keys[order], values)]


def _attendances(
    ctx: _Ctx,
    geo: dict[str, Any],
    pp: dict[str, Any],
    ev: _Events,
    inv: pl.DataFrame,
    inc_id_of: npt.NDArray[Any],
    tr: Transformer,
    t: I64,
    place: I64,
) -> tuple[pl.DataFrame, dict[str, Any]]:
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
    w = geo["pop_w"].copy()
    w[geo["nte"]] *= 12.0
    w[geo["estates"]] *= cfg.estate_multiplier
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
            "age_range": np.concatenate([_age_range(pp["age"][v]), age_u])[order],
            "sex": np.concatenate([np.where(pp["male"][v], "M", "F"), sex_u])[order],
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


def _intelligence(
    ctx: _Ctx,
    geo: dict[str, Any],
    pp: dict[str, Any],
    off: dict[str, Any],
    groups: list[dict[str, Any]],
    person_ids: npt.NDArray[Any],
    tr: Transformer,
) -> tuple[pl.DataFrame, dict[str, Any], I64]:
    """Graded intelligence; accurate entries are well graded, noise is poorly graded."""
    cfg, rng = ctx.cfg, ctx.rng
    yrs = max(ctx.years, 0.25)
    subj_type: list[npt.NDArray[Any]] = []
    subj: list[npt.NDArray[Any]] = []
    topic: list[npt.NDArray[Any]] = []
    accurate: list[B] = []
    person_idx: list[I64] = []

    def add(
        kind: str,
        ids: npt.NDArray[Any],
        counts: I64,
        topics: str,
        *,
        good: bool,
        idx: I64 | None = None,
    ) -> None:
        if idx is not None:
            person_idx.append(np.repeat(idx, counts))
        rep = np.repeat(ids, counts)
        subj_type.append(np.full(len(rep), kind))
        subj.append(rep.astype(str))
        spec = _INTEL_TOPICS[topics]
        topic.append(np.array(list(spec))[_choice(rng, list(spec.values()), len(rep))])
        accurate.append(np.full(len(rep), good))

    for level in CONTINUUM_LEVELS:
        gs = [g for g in groups if g["continuum"] == level]
        if not gs:
            continue
        f = _INTEL_LEVEL[level]
        gids = np.array([g["group_id"] for g in gs])
        add(
            "group",
            gids,
            rng.poisson(cfg.intel_per_group_year * yrs * f, len(gs)),
            level,
            good=True,
        )
        mem = np.concatenate([g["members"] for g in gs])
        add(
            "person",
            person_ids[mem],
            rng.poisson(cfg.intel_per_member_year * yrs * f, len(mem)),
            level,
            good=True,
            idx=mem,
        )
    high = off["high"]
    add(
        "person",
        person_ids[high],
        rng.poisson(2.0 * yrs, len(high)),
        "high_rate",
        good=True,
        idx=high,
    )
    hot = np.unique(
        np.concatenate(
            [
                geo["nte"],
                geo["estates"],
                *[g["cells"] for g in groups if g["continuum"] != "peer_group"],
            ]
        )
    )
    top_place = hot * cfg.places_per_cell + np.argmax(
        np.diff(np.c_[np.zeros(len(hot)), geo["cum_in_cell"][hot]], axis=1), axis=1
    )
    lon, lat = tr.transform(geo["px"][top_place], geo["py"][top_place])
    labels = np.array(
        [
            f"{a:.5f},{b:.5f}"
            for a, b in zip(np.asarray(lat), np.asarray(lon), strict=True)
        ]
    )
    add("place", labels, rng.poisson(3.0 * yrs, len(hot)), "place", good=True)
    n_noise = int(rng.poisson(cfg.intel_noise_per_1000_year * cfg.people / 1000 * yrs))
    noise = rng.integers(0, pp["n"], n_noise)
    add(
        "person",
        person_ids[noise],
        np.ones(n_noise, np.int64),
        "noise",
        good=False,
        idx=noise,
    )
    st = np.concatenate(subj_type)
    sid = np.concatenate(subj)
    tp = np.concatenate(topic)
    acc = np.concatenate(accurate)
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
        np.concatenate(person_idx),
    )


def _relationships(
    ctx: _Ctx,
    fam: dict[str, Any],
    da: dict[str, Any],
    person_ids: npt.NDArray[Any],
    involved: B,
) -> tuple[pl.DataFrame, I64]:
    cfg = ctx.cfg
    child, parent, co = fam["child"], fam["parent"], fam["coparent_of_child"]
    has_co = co >= 0
    kids = pl.DataFrame({"p": parent, "c": child})
    sib = kids.join(kids, on="p", suffix="_b").filter(pl.col("c") < pl.col("c_b"))
    a_all = [parent, co[has_co], sib["c"].to_numpy(), fam["couple_a"]]
    b_all = [child, child[has_co], sib["c_b"].to_numpy(), fam["couple_b"]]
    kinds = (
        ["parent"] * (len(parent) + int(has_co.sum()))
        + ["sibling"] * sib.height
        + ["partner"] * len(fam["couple_a"])
    )
    rel = pl.DataFrame(
        {"a": np.concatenate(a_all), "b": np.concatenate(b_all), "kind": kinds}
    )
    # domestic dyads that have separated become ex-partners
    ex = da["ex"]
    lo = np.minimum(da["abuser"][ex], da["victim"][ex])
    hi = np.maximum(da["abuser"][ex], da["victim"][ex])
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
            "person_a": person_ids[a[keep]],
            "person_b": person_ids[b[keep]],
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
    ctx: _Ctx, groups: list[dict[str, Any]], person_ids: npt.NDArray[Any]
) -> tuple[pl.DataFrame, pl.DataFrame, I64]:
    """Only some groups, and only most of their members, are declared (an input, not truth)."""
    cfg, rng = ctx.cfg, ctx.rng
    rows: list[dict[str, Any]] = []
    mem_g: list[npt.NDArray[Any]] = []
    mem_p: list[npt.NDArray[Any]] = []
    mem_s: list[npt.NDArray[Any]] = []
    mem_i: list[I64] = [np.zeros(0, np.int64)]
    for g in groups:
        # peer groups are rarely declared; gangs and networks more often
        p = cfg.declared_group_share * (0.3 if g["continuum"] == "peer_group" else 1.0)
        declared = bool(rng.random() < p) or (g is groups[0])
        g["declared"] = declared
        lo, hi = _GROUP_SINCE_YEARS[g["continuum"]]
        since_days = rng.uniform(lo, hi, len(g["members"])) * 365.25
        if not declared:
            continue
        rows.append(
            {
                "group_id": g["group_id"],
                "name": g["name"],
                "continuum": g["continuum"] if rng.random() < 0.7 else None,
            }
        )
        keep = rng.random(len(g["members"])) < cfg.declared_member_share
        keep[0] = True
        mem_g.append(np.full(int(keep.sum()), g["group_id"]))
        mem_p.append(person_ids[g["members"][keep]])
        mem_i.append(g["members"][keep])
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


def _mean(flags: pl.Series) -> float:
    return float(flags.cast(pl.Float64).to_numpy().mean()) if len(flags) else 0.0


def _share(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole else 0.0


def _truth(
    ctx: _Ctx,
    *,
    geo: dict[str, Any],
    pp: dict[str, Any],
    fam: dict[str, Any],
    off: dict[str, Any],
    groups: list[dict[str, Any]],
    reprisals: list[dict[str, Any]],
    da: dict[str, Any],
    bg: dict[str, Any],
    person_ids: npt.NDArray[Any],
    inc_id_of: npt.NDArray[Any],
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    asb_truth: dict[str, Any],
    stop_truth: dict[str, Any],
    att_truth: dict[str, Any],
    intel_truth: dict[str, Any],
    part: I64,
    groups_frame: pl.DataFrame,
    seed: int,
) -> Truth:
    cfg = ctx.cfg
    cell_code = _area_codes("SYN", np.arange(geo["n_cells"]), 4).to_numpy()
    # groups and their behaviour (the rules planted per continuum level)
    group_rows = [
        {
            "group_id": g["group_id"],
            "name": g["name"],
            "continuum": g["continuum"],
            "declared": bool(g.get("declared", False)),
            "members": person_ids[g["members"]].tolist(),
            "territory_cells": cell_code[g["cells"]].tolist(),
            "rivals": g["rivals"],
        }
        for g in groups
    ]
    reprisal_rows = sorted(
        (
            {
                "original_incident_id": str(inc_id_of[r["original"]]),
                "reprisal_incident_id": str(inc_id_of[r["reprisal"]]),
                "victim_group": r["victim_group"],
                "retaliating_group": r["retaliating_group"],
                "target_group": r["target_group"],
            }
            for r in reprisals
        ),
        key=lambda r: r["original_incident_id"],
    )
    dyad_ids = (
        pl.DataFrame({"d": da["dyad_of"], "incident_id": inc_id_of[da["ids"]]})
        .sort(["d", "incident_id"])
        .group_by("d", maintain_order=True)
        .agg("incident_id")
    )
    ids_of_dyad = dict(
        zip(dyad_ids["d"].to_list(), dyad_ids["incident_id"].to_list(), strict=True)
    )
    dyads = [
        {
            "abuser_id": str(person_ids[da["abuser"][i]]),
            "victim_id": str(person_ids[da["victim"][i]]),
            "escalating": bool(da["escalating"][i]),
            "ex_partner": bool(da["ex"][i]),
            "incident_ids": ids_of_dyad.get(i, []),
        }
        for i in range(len(da["abuser"]))
    ]
    # families with two or more offenders (familial offending)
    offenders_planted = off["offender"] | np.isin(np.arange(pp["n"]), off["high"])
    fam_frame = pl.DataFrame(
        {
            "family": fam["family"],
            "person": np.arange(pp["n"]),
            "off": offenders_planted,
        }
    )
    fam_sizes = fam_frame.group_by("family").agg(
        pl.len().alias("size"), pl.col("off").sum().alias("n_off")
    )
    families = fam_sizes.filter(pl.col("size") >= 2)
    off_fams = (
        fam_frame.join(
            families.filter(pl.col("n_off") >= 2).select("family"), on="family"
        )
        .filter(pl.col("off"))
        .sort(["family", "person"])
        .group_by("family", maintain_order=True)
        .agg("person")
    )
    # repeat victimisation measured on the data
    vict = (
        involvements.filter(pl.col("role") == "victim")
        .group_by("person_id")
        .agg(pl.len().alias("n"))
    )
    n_victims = vict.height
    repeat = vict.filter(pl.col("n") >= 2)
    slim = incidents.select("offence_code", "crime_type", "domestic", "weapon", "hate")
    violence = slim.filter(pl.col("crime_type") == "Violence and sexual offences")
    vap_codes = set(
        ctx.mix.filter(pl.col("offence_group") == "Violence against the person")[
            "offence_code"
        ].to_list()
    )
    vap = slim.filter(pl.col("offence_code").is_in(list(vap_codes)))
    serious_codes = [c for c, s in zip(ctx.codes, ctx.is_serious, strict=True) if s]
    serious = slim.filter(pl.col("offence_code").is_in(serious_codes))
    counts_part = np.bincount(part, minlength=len(PARTS))
    area_counts = np.zeros((geo["n_cells"], len(ETHNIC)), np.int64)
    np.add.at(area_counts, (pp["cell"], pp["eth"]), 1)
    fields: dict[str, Any] = {
        "format": "avert-synth-truth",
        "version": 1,
        "seed": seed,
        "config": cfg.to_dict(),
        "start": ctx.start.isoformat(),
        "end_date": cfg.end_date.isoformat(),
        "extracted_at": ctx.end.isoformat(),
        "last_day": cfg.end_date.isoformat(),
        "counts": {
            "incidents": incidents.height,
            "involvements": involvements.height,
            "incidents_by_part": {
                p: int(c) for p, c in zip(PARTS, counts_part, strict=True)
            },
            "residents": pp["n"],
        },
        "harm": {
            "scale": "Cambridge Crime Harm Index days (avert config/defaults/harm.toml)",
            "attribution": "each person with role suspect or offender in an incident gets the incident's full harm, once per incident",
            "top_share": 0.2,
            "top_n": "ceil(0.2 * number of offenders), ranked by total harm",
        },
        "top20_offender_harm_share": offender_harm_share(incidents, involvements),
        "high_rate_offenders": person_ids[off["high"]].tolist(),
        "groups": group_rows,
        "continuum_rules": {
            "peer_group": "4-8 members aged 13-21 from one neighbourhood; criminal damage, public order, shoplifting, cannabis; no weapons; rarely declared; no rivals",
            "street_gang": "8-18 members aged 15-30 with a 3x3-cell territory (80 % of their offending there); assault, GBH, robbery, knives (40 % of serious violence), drug supply; rivalries with other gangs and reprisals",
            "organised_network": "6-12 members aged 22-55 over a 7x7-cell area; firearms (35 % of serious violence; possession with intent), modern slavery, kidnapping, drug trafficking; members since 2-8 years; drugs/exploitation intelligence",
        },
        "reprisal_pairs": reprisal_rows,
        "escalation_chains": asb_truth["escalation_chains"],
        "asb_campaigns": asb_truth["asb_campaigns"],
        "domestic_dyads": dyads,
        "families": {
            "parent_child_links": len(fam["child"]),
            "families_with_2plus_members": families.height,
            "offending_families": [
                person_ids[np.array(p)].tolist() for p in off_fams["person"].to_list()
            ],
        },
        "repeat_victims": {
            "victims": n_victims,
            "repeat_victim_share": repeat.height / n_victims if n_victims else 0.0,
            "victimisations_by_repeat_victims_share": _share(
                repeat["n"].to_numpy().sum(), vict["n"].to_numpy().sum()
            ),
        },
        "near_repeat_pairs": [
            [str(inc_id_of[a]), str(inc_id_of[b])]
            for a, b in bg["near_repeat"].T.tolist()
        ],
        "rates_realised": {
            "domestic_share_of_violence_against_the_person": _mean(vap["domestic"]),
            "knife_share_of_serious_violence": _mean(serious["weapon"] == "knife"),
            "firearm_share_of_serious_violence": _mean(serious["weapon"] == "firearm"),
            "hate_share_of_violence": _mean(violence["hate"].is_not_null()),
        },
        "stops": stop_truth,
        "attendances": att_truth,
        "intelligence": intel_truth,
        "population": {
            "residents": pp["n"],
            "by_ethnicity": {
                e: int(c) for e, c in zip(ETHNIC, area_counts.sum(axis=0), strict=True)
            },
            "areas": [
                {
                    "lsoa": str(cell_code[i]),
                    "x": float(geo["cx"][i]),
                    "y": float(geo["cy"][i]),
                    **{e: int(area_counts[i, j]) for j, e in enumerate(ETHNIC)},
                }
                for i in range(geo["n_cells"])
            ],
        },
        "hotspots": {
            "nte_cells": cell_code[geo["nte"]].tolist(),
            "estate_cells": cell_code[geo["estates"]].tolist(),
        },
        "declared_groups": groups_frame["group_id"].to_list(),
    }
    return Truth(fields=fields)
