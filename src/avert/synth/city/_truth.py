"""What was planted, measured on the generated frames (``truth.json``)."""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.synth._tables import harm_days
from avert.synth.city._base import ETHNIC, I64, PARTS, Json, Obj, Truth, _Ctx
from avert.synth.city._domestic import _Dyads
from avert.synth.city._events import _Background
from avert.synth.city._groups import _Group, _Reprisal
from avert.synth.city._population import _Families, _Geography, _Offenders, _People
from avert.synth.city._records import _area_codes

# how truth.json's top20_offender_harm_share is measured (offender_harm_share)
_HARM_SHARE_METHOD: Final[Json] = {
    "scale": "Cambridge Crime Harm Index days (avert config/defaults/harm.toml)",
    "attribution": "each person with role suspect or offender in an incident gets the incident's full harm, once per incident",
    "top_share": 0.2,
    "top_n": "ceil(0.2 * number of offenders), ranked by total harm",
}

# the behaviour planted per continuum level (avert.synth.city._groups)
_CONTINUUM_RULES: Final[dict[str, str]] = {
    "peer_group": "4-8 members aged 13-21 from one neighbourhood; criminal damage, public order, shoplifting, cannabis; no weapons; rarely declared; no rivals",
    "street_gang": "8-18 members aged 15-30 with a 3x3-cell territory (80 % of their offending there); assault, GBH, robbery, knives (40 % of serious violence), drug supply; rivalries with other gangs and reprisals",
    "organised_network": "6-12 members aged 22-55 over a 7x7-cell area; firearms (35 % of serious violence; possession with intent), modern slavery, kidnapping, drug trafficking; members since 2-8 years; drugs/exploitation intelligence",
}


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


def _mean(flags: pl.Series) -> float:
    return float(flags.cast(pl.Float64).to_numpy().mean()) if len(flags) else 0.0


def _share(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole else 0.0


def _truth(
    ctx: _Ctx,
    *,
    geo: _Geography,
    pp: _People,
    fam: _Families,
    off: _Offenders,
    groups: list[_Group],
    reprisals: list[_Reprisal],
    da: _Dyads,
    bg: _Background,
    person_ids: Obj,
    inc_id_of: Obj,
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    asb_truth: Json,
    stop_truth: Json,
    att_truth: Json,
    intel_truth: Json,
    part: I64,
    groups_frame: pl.DataFrame,
    seed: int,
) -> Truth:
    """``truth.json``'s fields: the configuration, counts, and what each step planted
    (groups, reprisals, escalation chains, dyads, families, near repeats, ...),
    measured on the generated frames; the helpers below build its larger parts."""
    cfg = ctx.cfg
    cell_code = _area_codes("SYN", np.arange(geo.n_cells), 4).to_numpy()
    # groups and their behaviour (the rules planted per continuum level)
    group_rows = _group_rows(groups, groups_frame, person_ids, cell_code)
    reprisal_rows = _reprisal_rows(reprisals, inc_id_of)
    dyads = _dyads(da, person_ids, inc_id_of)
    families, off_fams = _offending_families(pp, fam, off)
    counts_part = np.bincount(part, minlength=len(PARTS))
    area_counts = np.zeros((geo.n_cells, len(ETHNIC)), np.int64)
    np.add.at(area_counts, (pp.cell, pp.eth), 1)
    fields: Json = {
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
            "residents": pp.n,
        },
        "harm": dict(_HARM_SHARE_METHOD),
        "top20_offender_harm_share": offender_harm_share(incidents, involvements),
        "high_rate_offenders": person_ids[off.high].tolist(),
        "groups": group_rows,
        "continuum_rules": dict(_CONTINUUM_RULES),
        "reprisal_pairs": reprisal_rows,
        "escalation_chains": asb_truth["escalation_chains"],
        "asb_campaigns": asb_truth["asb_campaigns"],
        "domestic_dyads": dyads,
        "families": {
            "parent_child_links": len(fam.child),
            "families_with_2plus_members": families.height,
            "offending_families": [
                person_ids[np.array(p)].tolist() for p in off_fams["person"].to_list()
            ],
        },
        "repeat_victims": _repeat_victims(involvements),
        "near_repeat_pairs": [
            [str(inc_id_of[a]), str(inc_id_of[b])] for a, b in bg.near_repeat.T.tolist()
        ],
        "rates_realised": _rates_realised(ctx, incidents),
        "stops": stop_truth,
        "attendances": att_truth,
        "intelligence": intel_truth,
        "population": _population(geo, pp, area_counts, cell_code),
        "hotspots": {
            "nte_cells": cell_code[geo.nte].tolist(),
            "estate_cells": cell_code[geo.estates].tolist(),
        },
        "declared_groups": groups_frame["group_id"].to_list(),
    }
    return Truth(fields=fields)


def _group_rows(
    groups: list[_Group], groups_frame: pl.DataFrame, person_ids: Obj, cell_code: Obj
) -> list[Json]:
    """Each planted group: its continuum level, whether the groups table declares
    it, its members' person ids, its territory's area codes and its rivals."""
    declared = set(groups_frame["group_id"].to_list())
    return [
        {
            "group_id": g.group_id,
            "name": g.name,
            "continuum": g.continuum,
            "declared": g.group_id in declared,
            "members": person_ids[g.members].tolist(),
            "territory_cells": cell_code[g.cells].tolist(),
            "rivals": list(g.rivals),
        }
        for g in groups
    ]


def _reprisal_rows(reprisals: list[_Reprisal], inc_id_of: Obj) -> list[dict[str, str]]:
    """Planted reprisal pairs by incident id, in the order of the original incident."""
    return sorted(
        (
            {
                "original_incident_id": str(inc_id_of[r.original]),
                "reprisal_incident_id": str(inc_id_of[r.reprisal]),
                "victim_group": r.victim_group,
                "retaliating_group": r.retaliating_group,
                "target_group": r.target_group,
            }
            for r in reprisals
        ),
        key=lambda r: r["original_incident_id"],
    )


def _dyads(da: _Dyads, person_ids: Obj, inc_id_of: Obj) -> list[Json]:
    """Planted domestic-abuse dyads with their incidents."""
    dyad_ids = (
        pl.DataFrame({"d": da.dyad_of, "incident_id": inc_id_of[da.ids]})
        .sort(["d", "incident_id"])
        .group_by("d", maintain_order=True)
        .agg("incident_id")
    )
    ids_of_dyad = dict(
        zip(dyad_ids["d"].to_list(), dyad_ids["incident_id"].to_list(), strict=True)
    )
    return [
        {
            "abuser_id": str(person_ids[da.abuser[i]]),
            "victim_id": str(person_ids[da.victim[i]]),
            "escalating": bool(da.escalating[i]),
            "ex_partner": bool(da.ex[i]),
            "incident_ids": ids_of_dyad.get(i, []),
        }
        for i in range(len(da.abuser))
    ]


def _offending_families(
    pp: _People, fam: _Families, off: _Offenders
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Families of two or more, and those with two or more planted offenders."""
    # families with two or more offenders (familial offending)
    offenders_planted = off.offender | np.isin(np.arange(pp.n), off.high)
    fam_frame = pl.DataFrame(
        {
            "family": fam.family,
            "person": np.arange(pp.n),
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
    return families, off_fams


def _repeat_victims(involvements: pl.DataFrame) -> Json:
    """Repeat victimisation measured on the generated involvements."""
    vict = (
        involvements.filter(pl.col("role") == "victim")
        .group_by("person_id")
        .agg(pl.len().alias("n"))
    )
    n_victims = vict.height
    repeat = vict.filter(pl.col("n") >= 2)
    return {
        "victims": n_victims,
        "repeat_victim_share": repeat.height / n_victims if n_victims else 0.0,
        "victimisations_by_repeat_victims_share": _share(
            repeat["n"].to_numpy().sum(), vict["n"].to_numpy().sum()
        ),
    }


def _rates_realised(ctx: _Ctx, incidents: pl.DataFrame) -> dict[str, float]:
    """Domestic, knife, firearm and hate shares measured on the generated incidents."""
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
    return {
        "domestic_share_of_violence_against_the_person": _mean(vap["domestic"]),
        "knife_share_of_serious_violence": _mean(serious["weapon"] == "knife"),
        "firearm_share_of_serious_violence": _mean(serious["weapon"] == "firearm"),
        "hate_share_of_violence": _mean(violence["hate"].is_not_null()),
    }


def _population(
    geo: _Geography,
    pp: _People,
    area_counts: npt.NDArray[np.int64],
    cell_code: Obj,
) -> Json:
    """Residents by ethnicity, in all and per synthetic LSOA (cell)."""
    return {
        "residents": pp.n,
        "by_ethnicity": {
            e: int(c) for e, c in zip(ETHNIC, area_counts.sum(axis=0), strict=True)
        },
        "areas": [
            {
                "lsoa": str(cell_code[i]),
                "x": float(geo.cx_m[i]),
                "y": float(geo.cy_m[i]),
                **{e: int(area_counts[i, j]) for j, e in enumerate(ETHNIC)},
            }
            for i in range(geo.n_cells)
        ],
    }
