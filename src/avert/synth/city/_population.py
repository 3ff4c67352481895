"""Geography and people: cells, residents, families and offenders."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from avert.synth._tables import age_sex, area_ethnicity
from avert.synth.city._base import ETHNIC, F64, I64, B, _Ctx, _pick

# ------------------------------------------------------------------------------------
# geography and people


@dataclass(frozen=True)
class _Geography:
    """The grid of cells (row-major, ``nx`` columns by ``ny`` rows) and its micro-places."""

    # grid: number of cells, columns and rows; south-west corner (EPSG:27700 metres)
    n_cells: int
    nx: int
    ny: int
    x0_m: float
    y0_m: float
    # per cell: centre (metres), residential weight, ethnic make-up (cell x ETHNIC
    # shares, rows sum to 1), and cumulative place weights within the cell (cell x k)
    cx_m: F64
    cy_m: F64
    pop_w: F64
    comp: F64
    cum_in_cell: F64
    # hotspot cells: night-time economy and estates (sorted cell indices)
    nte: I64
    estates: I64
    # per micro-place (cell * places_per_cell + j): position (metres) and the
    # cumulative Pareto weight over all places
    px_m: F64
    py_m: F64
    place_cum: F64


def _geography(ctx: _Ctx) -> _Geography:
    cfg, rng = ctx.cfg, ctx.rng
    n_cells_min = math.ceil(cfg.people / cfg.people_per_cell)
    nx = math.ceil(math.sqrt(n_cells_min))
    ny = math.ceil(n_cells_min / nx)
    n_cells = nx * ny
    col = np.arange(n_cells) % nx
    row = np.arange(n_cells) // nx
    x0 = cfg.centre_x_m - nx * cfg.cell_size_m / 2
    y0 = cfg.centre_y_m - ny * cfg.cell_size_m / 2
    cx = (x0 + (col + 0.5) * cfg.cell_size_m).astype(np.float64)
    cy = (y0 + (row + 0.5) * cfg.cell_size_m).astype(np.float64)
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
    return _Geography(
        n_cells=n_cells,
        nx=nx,
        ny=ny,
        x0_m=x0,
        y0_m=y0,
        cx_m=cx,
        cy_m=cy,
        pop_w=pop_w,
        comp=comp,
        cum_in_cell=cum_in_cell,
        nte=nte,
        estates=estates,
        px_m=px,
        py_m=py,
        place_cum=np.cumsum(pw),
    )


def _place_in_cells(ctx: _Ctx, geo: _Geography, cells: I64) -> I64:
    """A micro-place inside each given cell, drawn by the place weights.

    One binary search in the global cumulative weights (no n x places matrix).
    """
    k = ctx.cfg.places_per_cell
    cum = geo.place_cum
    lo = np.where(cells > 0, cum[np.maximum(cells * k - 1, 0)], 0.0)
    hi = cum[cells * k + k - 1]
    u = lo + ctx.rng.random(len(cells)) * (hi - lo)
    idx = np.searchsorted(cum, u, side="right")
    out: I64 = np.clip(idx, cells * k, cells * k + k - 1).astype(np.int64)
    return out


@dataclass(frozen=True)
class _People:
    """Every resident (index = person), sorted by home cell."""

    # number of residents
    n: int
    # person attributes: home cell, age (years at the end date), sex, ETHNIC index,
    # vulnerability, home micro-place and birth year
    cell: I64
    age: I64
    male: B
    eth: I64
    vulnerable: B
    home: I64
    birth_year: I64
    # residents of cell c are people cell_start[c] .. cell_start[c + 1] - 1 (n_cells + 1)
    cell_start: I64


def _people(ctx: _Ctx, geo: _Geography) -> _People:
    cfg, rng = ctx.cfg, ctx.rng
    n = cfg.people
    cell = np.sort(_pick(rng, np.cumsum(geo.pop_w), n))
    pyr = age_sex()
    draw = _pick(rng, np.cumsum(pyr["count"].to_numpy().astype(np.float64)), n)
    age = pyr["age"].to_numpy()[draw] + (
        pyr["age"].to_numpy()[draw] == 90
    ) * rng.integers(0, 8, n)
    male = pyr["sex"].to_numpy()[draw] == "M"
    cum = np.cumsum(geo.comp[cell], axis=1)
    u = rng.random(n)
    eth = np.minimum((u[:, None] > cum).sum(axis=1), len(ETHNIC) - 1)
    vulnerable = rng.random(n) < np.where(age >= 75, 0.3, cfg.vulnerable_share)
    home_place = _place_in_cells(ctx, geo, cell)
    birth_year = ctx.end.year - age - (rng.random(n) < 0.5)
    cell_start = np.searchsorted(cell, np.arange(geo.n_cells + 1))
    return _People(
        n=n,
        cell=cell,
        age=age.astype(np.int64),
        male=male,
        eth=eth.astype(np.int64),
        vulnerable=vulnerable,
        home=home_place,
        birth_year=birth_year.astype(np.int64),
        cell_start=cell_start,
    )


def _residents(ctx: _Ctx, pp: _People, cells: I64) -> I64:
    """A random resident of each given cell (cells with nobody get a random person)."""
    start = pp.cell_start[cells]
    size = pp.cell_start[cells + 1] - start
    pick = start + np.floor(ctx.rng.random(len(cells)) * np.maximum(size, 1)).astype(
        np.int64
    )
    fallback = ctx.rng.integers(0, pp.n, len(cells))
    return np.where(size > 0, pick, fallback)


#: most years between the birth years of co-parents
_COPARENT_MAX_YEARS = 5


@dataclass(frozen=True)
class _Families:
    """Kinship planted among the residents (person indices)."""

    # parent-child links (equal length): the child, its parent and the parent's
    # co-parent (-1 when none)
    child: I64
    parent: I64
    coparent_of_child: I64
    # couples (equal length): co-parents first, then other couples
    couple_a: I64
    couple_b: I64
    # per person: partner (-1 when none) and family (the index of its head)
    partner: I64
    family: I64


def _families(ctx: _Ctx, pp: _People) -> _Families:
    """Parents, co-parents and children matched within cells by age gap."""
    cfg, rng = ctx.cfg, ctx.rng
    n, age, cell = pp.n, pp.age, pp.cell
    idx = np.arange(n)
    is_parent = (age >= 25) & (age <= 60) & (rng.random(n) < cfg.parent_share)
    parents = idx[is_parent]
    pkey = cell[parents] * 1000 + pp.birth_year[parents] - 1850
    order = np.argsort(pkey, kind="stable")
    parents, pkey = parents[order], pkey[order]
    is_child = (age <= 17) | ((age <= 24) & (rng.random(n) < 0.5))
    kids = idx[is_child]
    gap = rng.integers(22, 39, len(kids))
    want = cell[kids] * 1000 + pp.birth_year[kids] - gap - 1850
    pos = np.clip(np.searchsorted(pkey, want), 0, max(len(pkey) - 1, 0))
    ok = np.zeros(len(kids), bool)
    if len(pkey):
        found = parents[pos]
        # the parent found is the first born in or after the wanted year: keep it
        # when it is 22-38 years older (by birth year, as the records show it)
        older = pp.birth_year[kids] - pp.birth_year[found]
        ok = (cell[found] == cell[kids]) & (older >= 22) & (older <= 38)
        child, parent = kids[ok], found[ok]
    else:  # pragma: no cover - tiny populations only
        child, parent = kids[:0], kids[:0]
    # co-parents: pair parents of about the same age within a cell (consecutive by
    # birth year after a shuffle breaks ties), so the co-parent is also of an age to
    # be the parent of the other's children
    shuffled = parents[rng.permutation(len(parents))]
    shuffled = shuffled[
        np.lexsort((pp.birth_year[shuffled], cell[shuffled]))  # by cell, then year
    ]
    a, b = shuffled[0:-1:2], shuffled[1::2]
    m = min(len(a), len(b))
    a, b = a[:m], b[:m]
    keep = (
        (cell[a] == cell[b])
        & (np.abs(pp.birth_year[a] - pp.birth_year[b]) <= _COPARENT_MAX_YEARS)
        & (rng.random(m) < cfg.couple_share)
    )
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
    # ... and so do the co-parent's children (parents are 25+, children under 25:
    # one step reaches the head)
    family = family[family]
    return _Families(
        child=child,
        parent=parent,
        coparent_of_child=co,
        couple_a=np.concatenate([a, c1]),
        couple_b=np.concatenate([b, c2]),
        partner=partner,
        family=family,
    )


@dataclass(frozen=True)
class _Offenders:
    """Who offends: per-person flag and propensity, and the planted high-rate offenders.

    The groups step later marks every group member an offender and rescales members'
    propensity in place (the arrays are shared, not copied).
    """

    # per person: planted offender, and the weight of being picked as the accused of
    # an incident (0 for non-offenders and for the high-rate offenders)
    offender: B
    propensity: F64
    # the planted high-rate offenders (sorted person indices)
    high: I64


def _offenders(ctx: _Ctx, pp: _People, fam: _Families) -> _Offenders:
    """Who offends and how much: lognormal propensity with a shared family factor."""
    cfg, rng = ctx.cfg, ctx.rng
    n, age = pp.n, pp.age
    age_w = np.select(
        [age < 10, age < 15, age < 25, age < 35, age < 50, age < 70],
        [0.0, 0.6, 2.0, 1.3, 0.7, 0.25],
        0.0,
    )
    sex_w = np.where(pp.male, 1.6, 0.4)
    fam_f = rng.lognormal(0.0, cfg.familial_sigma, n)[fam.family]
    base = age_w * sex_w * fam_f
    eligible = age_w > 0
    p = base / base[eligible].mean() * cfg.offender_share
    offender = rng.random(n) < np.clip(p, 0, 0.9)
    # familial offending: children of offending parents offend more (planted)
    kid_boost = np.zeros(n, bool)
    kid_boost[fam.child[offender[fam.parent]]] = True
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
    cand = np.flatnonzero(offender & pp.male & (age >= 16) & (age <= 40))
    h = min(cfg.n_high_rate, len(cand))
    high = np.sort(rng.choice(cand, size=h, replace=False))
    propensity[high] = 0.0  # they get their own (dedicated) offending below
    return _Offenders(offender=offender, propensity=propensity, high=high)
