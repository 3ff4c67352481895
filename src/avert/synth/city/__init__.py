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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from avert.synth.city._assemble import (
    _assemble_incidents,
    _Incidents,
    _involvements_frame,
)
from avert.synth.city._base import (
    ETHNIC,
    I64,
    SOURCE,
    City,
    Json,
    Obj,
    Truth,
    _Ctx,
    _Events,
)
from avert.synth.city._dash import dash_assessments
from avert.synth.city._domestic import _asb, _AsbReports, _domestic, _Dyads
from avert.synth.city._events import _Background, _background, _high_rate
from avert.synth.city._frames import _ids
from avert.synth.city._groups import (
    _Group,
    _group_incidents,
    _groups,
    _Reprisal,
    _rivalry,
)
from avert.synth.city._population import (
    _Families,
    _families,
    _Geography,
    _geography,
    _Offenders,
    _offenders,
    _People,
    _people,
)
from avert.synth.city._records import (
    _asb_frame,
    _attendances,
    _declared_groups,
    _intelligence,
    _relationships,
    _residents_frame,
    _stops,
)
from avert.synth.city._truth import _truth, offender_harm_share
from avert.synth.config import CityConfig

__all__ = ["City", "Truth", "make_city", "offender_harm_share"]


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
    ctx = _Ctx(cfg, np.random.default_rng(seed))
    say = progress or (lambda _step: None)
    planted = _plant(ctx, say)

    say("assemble")
    planted.ev.drop_young_accused(planted.pp.age, ctx.horizon_s)
    inc = _assemble_incidents(ctx, planted.geo, planted.ev)
    part = np.concatenate(planted.ev.part)
    inv = _involvement_pairs(planted.ev)
    person_s = _ids("P", planted.pp.n, 7)
    involvements = _involvements_frame(inv, inc.rank, inc.ids, person_s)
    say("asb, stops, attendances, intelligence")
    rec = _records(ctx, planted, inc, inv, person_s)

    say("truth")
    truth = _truth(
        ctx,
        geo=planted.geo,
        pp=planted.pp,
        fam=planted.fam,
        off=planted.off,
        groups=planted.groups,
        reprisals=planted.reprisals,
        da=planted.da,
        bg=planted.bg,
        person_ids=rec.person_ids,
        inc_id_of=rec.inc_id_of,
        incidents=inc.frame,
        involvements=involvements,
        asb_truth=rec.asb_truth,
        stop_truth=rec.stop_truth,
        att_truth=rec.att_truth,
        intel_truth=rec.intel_truth,
        part=part,
        groups_frame=rec.groups,
        seed=seed,
    )
    return City(
        config=cfg,
        seed=seed,
        incidents=inc.frame,
        people=rec.people,
        involvements=involvements,
        relationships=rec.relationships,
        asb=rec.asb,
        stops=rec.stops,
        attendances=rec.attendances,
        intelligence=rec.intelligence,
        groups=rec.groups,
        group_members=rec.group_members,
        truth=truth,
        extracted_at=ctx.end,
        residents=_residents_frame(planted.pp),
        dash=dash_assessments(
            truth["domestic_dyads"], inc.frame, rec.people, seed=seed, end=ctx.end
        ),
    )


@dataclass(frozen=True)
class _Planted:
    """The city, its people and the events planted in it, before any record."""

    geo: _Geography
    pp: _People
    fam: _Families
    off: _Offenders
    groups: list[_Group]
    ev: _Events
    bg: _Background
    reprisals: list[_Reprisal]
    da: _Dyads
    asb: _AsbReports


def _plant(ctx: _Ctx, say: Callable[[str], None]) -> _Planted:
    """Draw the city, its people, families, offenders and groups, and plant the
    events: background crime, high-rate offenders, group violence and reprisals,
    domestic abuse and ASB campaigns (the draws in this order)."""
    cfg, rng = ctx.cfg, ctx.rng
    say("geography")
    geo = _geography(ctx)
    say("people")
    pp = _people(ctx, geo)
    fam = _families(ctx, pp)
    off = _offenders(ctx, pp, fam)
    vprop = rng.gamma(cfg.victim_gamma_shape, 1.0, pp.n) * np.where(
        (pp.age >= 16) & (pp.age <= 40), 1.5, 1.0
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
    return _Planted(geo, pp, fam, off, groups, ev, bg, reprisals, da, asb)


def _involvement_pairs(ev: _Events) -> pl.DataFrame:
    """Each event's people and roles (``e``, ``p``, ``r``), a person once an event
    (their first role)."""
    return pl.DataFrame(
        {
            "e": np.concatenate(ev.inv_event),
            "p": np.concatenate(ev.inv_person),
            "r": np.concatenate(ev.inv_role),
        }
    ).unique(subset=["e", "p"], keep="first", maintain_order=True)


@dataclass(frozen=True)
class _Records:
    """The record tables besides incidents and involvements, and what the truth
    needs of them."""

    person_ids: Obj
    inc_id_of: Obj
    asb: pl.DataFrame
    asb_truth: Json
    stops: pl.DataFrame
    stop_truth: Json
    attendances: pl.DataFrame
    att_truth: Json
    intelligence: pl.DataFrame
    intel_truth: Json
    relationships: pl.DataFrame
    groups: pl.DataFrame
    group_members: pl.DataFrame
    people: pl.DataFrame


def _records(
    ctx: _Ctx,
    planted: _Planted,
    inc: _Incidents,
    inv: pl.DataFrame,
    person_s: pl.Series,
) -> _Records:
    """ASB, stops, attendances, intelligence, relationships and declared groups, and
    the people any of the records name (the draws in this order)."""
    geo, pp, off, tr = planted.geo, planted.pp, planted.off, inc.transformer
    person_ids = person_s.to_numpy()
    inc_id_of = inc.ids.gather(inc.rank).to_numpy()
    asb_frame, asb_truth = _asb_frame(
        ctx, geo, pp, planted.asb, person_ids, inc_id_of, tr
    )
    stops, stop_truth, stop_who = _stops(ctx, geo, pp, off, person_ids, tr)
    attendances, att_truth = _attendances(
        ctx, geo, pp, planted.ev, inv, inc_id_of, tr, inc.t, inc.place
    )
    intel, intel_truth, intel_idx = _intelligence(
        ctx, geo, pp, off, planted.groups, person_ids, tr
    )
    involved = np.zeros(pp.n, bool)
    involved[inv["p"].to_numpy()] = True
    asb = planted.asb
    involved[asb.caller[asb.caller >= 0]] = True
    involved[stop_who] = True
    relationships, rel_idx = _relationships(
        ctx, planted.fam, planted.da, person_ids, involved
    )
    groups_frame, members_frame, member_idx = _declared_groups(
        ctx, planted.groups, person_ids
    )
    # people known to the records: anyone referenced by any table
    known = involved.copy()
    known[intel_idx] = True
    known[member_idx] = True
    known[rel_idx] = True
    return _Records(
        person_ids=person_ids,
        inc_id_of=inc_id_of,
        asb=asb_frame,
        asb_truth=asb_truth,
        stops=stops,
        stop_truth=stop_truth,
        attendances=attendances,
        att_truth=att_truth,
        intelligence=intel,
        intel_truth=intel_truth,
        relationships=relationships,
        groups=groups_frame,
        group_members=members_frame,
        people=_known_people(pp, person_s, np.flatnonzero(known)),
    )


def _known_people(pp: _People, person_s: pl.Series, known_idx: I64) -> pl.DataFrame:
    """The ``people`` rows of the residents at ``known_idx``."""
    return pl.DataFrame(
        {
            "person_id": person_s.gather(known_idx),
            "birth_year": pp.birth_year[known_idx].astype(np.int32),
            "sex": np.where(pp.male[known_idx], "M", "F"),
            "ethnicity": np.array(ETHNIC)[pp.eth[known_idx]],
            "vulnerable": pp.vulnerable[known_idx],
        }
    ).with_columns(pl.lit(SOURCE).alias("source"))
