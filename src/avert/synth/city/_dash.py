"""DASH risk assessments of the city's domestic abuse victims (the bundle's
``dash`` file, an avert extension: docs/bundle.md).

A share of the victims of the planted domestic-abuse dyads is assessed once,
shortly after their latest recorded domestic incident, with the DASH 2009
checklist (27 questions; SafeLives). The answers follow the planted escalation: a
victim of an escalating dyad answers "yes" to about half the questions (many
reach the MARAC threshold of 14), others to a fifth or fewer, more with each
incident. Drawn from a generator of its own (seeded with the city's seed), so the
city's other tables are the same with or without it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl

from avert.schema import DASH_QUESTIONS
from avert.synth.city._frames import _as_the_clock_reads

__all__ = ["ASSESSED_SHARE", "dash_assessments"]

#: share of domestic abuse victims with a recorded DASH assessment
ASSESSED_SHARE = 0.7
#: the second seed word of the assessments' generator (DASH's year)
_STREAM = 2009
_QUESTIONS = [f"q{n}" for n in range(1, DASH_QUESTIONS + 1)]


def _victims(
    dyads: list[dict[str, Any]], incidents: pl.DataFrame, people: pl.DataFrame
) -> pl.DataFrame:
    """Per victim of a planted dyad: escalating, incidents recorded, the latest."""
    if not dyads:
        return pl.DataFrame(
            schema={
                "person_id": pl.String,
                "escalating": pl.Boolean,
                "n": pl.UInt32,
                "incident_id": pl.String,
                "occurred_from": pl.Datetime("us"),
            }
        )
    rows = pl.DataFrame(
        {
            "person_id": [d["victim_id"] for d in dyads],
            "escalating": [d["escalating"] for d in dyads],
            "incident_id": [d["incident_ids"] for d in dyads],
        },
        schema={
            "person_id": pl.String,
            "escalating": pl.Boolean,
            "incident_id": pl.List(pl.String),
        },
    ).explode("incident_id")
    recorded = rows.join(
        incidents.select("incident_id", "occurred_from"), on="incident_id"
    ).join(people.select("person_id"), on="person_id", how="semi")
    return (
        recorded.sort("person_id", "occurred_from", "incident_id")
        .group_by("person_id", maintain_order=True)
        .agg(
            pl.col("escalating").any(),
            pl.len().alias("n"),
            pl.col("incident_id").last(),
            pl.col("occurred_from").last(),
        )
    )


def dash_assessments(
    dyads: list[dict[str, Any]],
    incidents: pl.DataFrame,
    people: pl.DataFrame,
    *,
    seed: int,
    end: dt.datetime,
) -> pl.DataFrame:
    """One DASH assessment for :data:`ASSESSED_SHARE` of the dyads' victims.

    ``dyads``: the truth's ``domestic_dyads``; ``incidents`` and ``people``: the
    city's tables (a victim or incident not in them is not assessed). Columns as
    the bundle's ``dash`` file (:data:`avert.schema.BUNDLE_FORMAT`), sorted by
    ``assessment_id``; deterministic per ``seed``.
    """
    victims = _victims(dyads, incidents, people)
    rng = np.random.default_rng([seed, _STREAM])
    victims = victims.filter(pl.Series(rng.random(victims.height) < ASSESSED_SHARE))
    m = victims.height
    escalating = victims["escalating"].to_numpy().astype(bool)
    n = victims["n"].to_numpy().astype(np.float64)
    p_yes = np.where(escalating, 0.5, np.minimum(0.08 + 0.04 * (n - 1), 0.35))
    draw = rng.random((m, DASH_QUESTIONS))
    answers = np.where(
        draw < p_yes[:, None],
        "yes",
        np.where(
            draw < p_yes[:, None] + 0.05,
            "not_known",
            np.where(draw > 0.98, "", "no"),
        ),
    )
    yes = (answers == "yes").sum(axis=1)
    judged = escalating & (rng.random(m) < 0.3)
    level = np.where(
        (yes >= 14) | judged, "high", np.where(yes >= 8, "medium", "standard")
    )
    delay_s = rng.integers(0, 2 * 86_400, m)
    agency = np.where(rng.random(m) < 0.85, "police", "idva")
    assessed = victims["occurred_from"] + pl.Series(delay_s * 1_000_000).cast(
        pl.Duration("us")
    )
    frame = pl.DataFrame(
        {
            "assessment_id": [f"D{i:06d}" for i in range(1, m + 1)],
            "person_id": victims["person_id"],
            "assessed_at": assessed.clip(upper_bound=end).dt.truncate("1m"),
            "incident_id": victims["incident_id"],
            "agency": agency,
            **{
                q: pl.Series(answers[:, i]).replace("", None)
                for i, q in enumerate(_QUESTIONS)
            },
            "professional_judgement": judged,
            "risk_level": level,
        },
        schema_overrides=dict.fromkeys(_QUESTIONS, pl.String),
    )
    assessed_at = _as_the_clock_reads(frame["assessed_at"].cast(pl.Datetime("us")))
    return frame.with_columns(assessed_at)
