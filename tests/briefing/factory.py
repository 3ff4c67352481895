"""Seeded synthetic frames for the briefing tests and benchmark (no shared data).

Not a city model: uniform-ish events on a 6 km square of British National Grid
metres with a planted hot cell, canonical column names, and the classification
columns (``in_definition``, ``category``, ``rule_ids``, ``harm_days``) attached as
``avert.classify`` would.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

CATEGORIES = (
    ("assault_with_injury", "8N", 180.0),
    ("most_serious_violence", "5D", 1825.0),
    ("personal_robbery", "34B", 365.0),
    ("harassment", "8L", 20.0),
    (None, "58A", 1.0),  # not violence (e.g. shoplifting)
)
BOROUGHS = ("Northfield", "Southgate")
X0, Y0 = 405_000.0, 285_000.0  # central Birmingham, EPSG:27700
HOT = (X0 + 2_050.0, Y0 + 3_050.0)


def _moments(
    rng: np.random.Generator, start: dt.datetime, days: int, n: int
) -> pl.Series:
    """``n`` moments drawn uniformly over ``days`` days from ``start`` (microseconds)."""
    secs = rng.uniform(0, days * 86_400, n)
    return pl.Series([start], dtype=pl.Datetime("us")).repeat_by(n).explode() + (
        pl.Series((secs * 1e6).astype(np.int64)).cast(pl.Duration("us"))
    )


def make_frames(
    n_incidents: int,
    *,
    at: dt.datetime,
    days: int = 400,
    n_people: int | None = None,
    seed: int = 0,
) -> dict[str, pl.DataFrame]:
    """Return incidents (classified), involvements, people, identities, groups,
    group_members, asb, intelligence and actions frames."""
    rng = np.random.default_rng(seed)
    n = n_incidents
    n_people = n_people or max(50, n // 3)
    start = at - dt.timedelta(days=days)
    occurred = _moments(rng, start, days, n)
    kind = rng.choice(len(CATEGORIES), n, p=[0.3, 0.03, 0.07, 0.2, 0.4])
    hot = rng.random(n) < 0.15
    x = np.where(hot, HOT[0] + rng.normal(0, 40, n), X0 + rng.uniform(0, 6_000, n))
    y = np.where(hot, HOT[1] + rng.normal(0, 40, n), Y0 + rng.uniform(0, 6_000, n))
    cats = np.array([c[0] for c in CATEGORIES], dtype=object)[kind]
    codes = np.array([c[1] for c in CATEGORIES])[kind]
    harm = np.array([c[2] for c in CATEGORIES])[kind]
    weapon = rng.choice(
        ["none", "knife", "firearm", "other"], n, p=[0.85, 0.1, 0.02, 0.03]
    )
    ids = np.char.add("INC", np.arange(n).astype(str))
    incidents = pl.DataFrame(
        {
            "incident_id": ids,
            "source": "test",
            "offence_code": codes,
            "crime_type": np.where(
                kind == len(CATEGORIES) - 1,
                "Shoplifting",
                "Violence and sexual offences",
            ),
            "occurred_from": occurred,
            "occurred_to": occurred,
            "time_precision": "exact",
            "x": x,
            "y": y,
            "lat": 52.48 + (y - Y0) / 111_000,
            "lon": -1.9 + (x - X0) / 68_000,
            "location": np.char.add("On or near Street ", (kind).astype(str)),
            "lsoa": "E01000001",
            "borough": np.where(x < X0 + 3_000, BOROUGHS[0], BOROUGHS[1]),
            "domestic": rng.random(n) < 0.2,
            "weapon": weapon,
            "hate": np.where(rng.random(n) < 0.03, "race", ""),
            "gang_related": rng.random(n) < 0.05,
            "injury": rng.choice(["none", "minor", "serious"], n, p=[0.5, 0.4, 0.1]),
            "outcome": "Under investigation",
        }
    ).with_columns(pl.col("hate").replace("", None))
    incidents = incidents.with_columns(
        pl.Series("in_definition", kind != len(CATEGORIES) - 1),
        pl.Series("category", cats.tolist(), dtype=pl.String),
        pl.Series(
            "rule_ids",
            [f"{c}.{k}" if c else "" for c, k in zip(cats, codes, strict=True)],
        ),
        pl.Series("harm_days", harm),
        pl.lit("harm.toml").alias("harm_source"),
    )
    # involvements: a victim for most, 1-3 suspects for some
    person = np.char.add("PER", np.arange(n_people).astype(str))
    # a heavy-tailed choice so that repeat victims and prolific offenders exist
    pick = (rng.pareto(1.2, 4 * n) * n_people / 20).astype(np.int64) % n_people
    v_mask = rng.random(n) < 0.8
    n_sus = rng.choice([0, 1, 2, 3], n, p=[0.4, 0.35, 0.15, 0.1])
    inc_idx = np.concatenate([np.flatnonzero(v_mask), np.repeat(np.arange(n), n_sus)])
    roles = np.concatenate(
        [
            np.full(v_mask.sum(), "victim"),
            rng.choice(["suspect", "offender"], n_sus.sum(), p=[0.4, 0.6]),
        ]
    )
    who = person[pick[: inc_idx.size]]
    involvements = pl.DataFrame(
        {"incident_id": ids[inc_idx], "person_id": who, "role": roles}
    ).unique(["incident_id", "person_id", "role"])
    people = pl.DataFrame(
        {
            "person_id": person,
            "birth_year": rng.integers(1960, 2008, n_people).astype(np.int32),
            "sex": rng.choice(["M", "F"], n_people),
            "ethnicity": "Unknown",
            "vulnerable": rng.random(n_people) < 0.1,
        }
    )
    identities = pl.DataFrame(
        {
            "person_id": person,
            "name": np.char.add("Testname Zq", np.arange(n_people).astype(str)),
            "address": np.char.add("1 Secret Road ", np.arange(n_people).astype(str)),
        }
    )
    groups = pl.DataFrame(
        {
            "group_id": ["GRP1", "GRP2"],
            "name": ["Crimson Kestrels", "Blue Herons"],
            "continuum": "street_gang",
        }
    )
    group_members = pl.DataFrame(
        {
            "group_id": ["GRP1"] * 5 + ["GRP2"] * 5,
            "person_id": person[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
        }
    )
    n_asb = max(10, n // 10)
    asb = pl.DataFrame(
        {
            "asb_id": np.char.add("ASB", np.arange(n_asb).astype(str)),
            "occurred_at": _moments(rng, start, days, n_asb),
            "category": rng.choice(["personal", "nuisance"], n_asb),
            "caller_id": person[rng.integers(0, max(10, n_people // 10), n_asb)],
            "vulnerable_caller": rng.random(n_asb) < 0.5,
            "x": X0 + rng.uniform(0, 6_000, n_asb),
            "y": Y0 + rng.uniform(0, 6_000, n_asb),
        }
    )
    n_int = max(10, n // 20)
    intelligence = pl.DataFrame(
        {
            "intel_id": np.char.add("INT", np.arange(n_int).astype(str)),
            "recorded_at": _moments(rng, start, days, n_int),
            "subject_type": "person",
            "subject_id": person[rng.integers(0, n_people, n_int)],
            "grading": rng.choice(["B2", "C3", "A1", "E4"], n_int),
            "topic": rng.choice(["weapon", "conflict", "drugs"], n_int),
        }
    )
    actions = pl.DataFrame(
        {
            "action_id": ["ACT1", "ACT2", "ACT3"],
            "strand": ["prevention", "enforcement", "reassurance"],
            "title": ["Youth outreach at the park", "Warrant", "Patrols"],
            "lead_organisation": ["Council", "Police", "Police"],
            "owner": ["Youth service", "DI Team", "Sgt Team"],
            "target_type": ["person", "group", "area"],
            "target_id": [str(person[0]), "GRP1", BOROUGHS[0]],
            "due": [
                at.date() - dt.timedelta(days=2),
                at.date(),
                at.date() + dt.timedelta(days=30),
            ],
            "status": ["open", "in_progress", "open"],
        }
    )
    return {
        "incidents": incidents,
        "involvements": involvements,
        "people": people,
        "identities": identities,
        "groups": groups,
        "group_members": group_members,
        "asb": asb,
        "intelligence": intelligence,
        "actions": actions,
    }


def write_store(
    store, frames: dict[str, pl.DataFrame], *, profile: str = "avb-2010"
) -> None:
    """Append the frames to an avert store, with the classifications table."""
    inc = frames["incidents"]
    classes = inc.select(
        "incident_id",
        pl.lit(profile).alias("profile"),
        "in_definition",
        "category",
        "rule_ids",
        pl.lit("offence_code").alias("resolution"),
        "harm_days",
        "harm_source",
    )
    with store.transaction() as tx:
        tx.append("incidents", inc)
        tx.append("classifications", classes)
        tx.append("involvements", frames["involvements"])
        tx.append("people", frames["people"])
        tx.append("person_identity", frames["identities"])
        tx.append("groups", frames["groups"])
        tx.append("group_members", frames["group_members"])
        tx.append("asb", frames["asb"])
        tx.append("intelligence", frames["intelligence"])
        tx.append("actions", frames["actions"])


def append_assaults(tx, incidents: pl.DataFrame, involvements: pl.DataFrame) -> None:
    """Append ``incidents`` in a transaction ``tx``, each classified in the
    definition as an assault with injury of 10 harm days, and their ``involvements``."""
    tx.append("incidents", incidents)
    tx.append(
        "classifications",
        incidents.select(
            "incident_id",
            pl.lit("avb-2010").alias("profile"),
            pl.lit(value=True).alias("in_definition"),
            pl.lit("assault_with_injury").alias("category"),
            pl.lit("test").alias("rule_ids"),
            pl.lit("offence_code").alias("resolution"),
            pl.lit(10.0).alias("harm_days"),
            pl.lit("test").alias("harm_source"),
        ),
    )
    tx.append("involvements", involvements)


def dash_answers(n_yes: int) -> dict[str, list[str]]:
    """One DASH assessment's 27 answers as one-row columns ``q1`` ... ``q27``: the
    first ``n_yes`` "yes", the others "no"."""
    return {f"q{n}": ["yes" if n <= n_yes else "no"] for n in range(1, 28)}


def store_with_placed_assessment(
    store,
    *,
    at: dt.datetime,
    n_incidents: int,
    seed: int,
    assessment_id: str,
    person_id: str,
    n_yes: int,
) -> str:
    """Write :func:`make_frames` (``n_incidents``, ``seed``) to ``store``, and one
    DASH assessment of ``person_id`` made 5 hours before ``at`` with ``n_yes``
    "yes", prompted by an old incident (the first more than 40 days before ``at``,
    so no incident of the window places it); return that incident's borough."""
    frames = make_frames(n_incidents, at=at, seed=seed)
    write_store(store, frames)
    old = (
        frames["incidents"]
        .filter(pl.col("occurred_from") < at - dt.timedelta(days=40))
        .row(0, named=True)
    )
    dash = pl.DataFrame(
        {
            "assessment_id": [assessment_id],
            "person_id": [person_id],
            "assessed_at": [at - dt.timedelta(hours=5)],
            "incident_id": [old["incident_id"]],
            **dash_answers(n_yes),
        }
    )
    with store.transaction() as tx:
        tx.append("dash", dash)
    return str(old["borough"])


def partner_briefing(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    *,
    at: dt.datetime,
    dash: pl.DataFrame,
):
    """:func:`avert.briefing.daily_briefing` of the frames and ``dash`` for the
    partner audience, under the test key's pseudonyms; the briefing and its
    pseudonymiser (to name a person as the partners read them)."""
    from avert.access import Pseudonymiser
    from avert.briefing import daily_briefing

    p = Pseudonymiser("test-key")
    briefing = daily_briefing(
        incidents,
        involvements,
        at=at,
        tables={"dash": dash},
        audience="partner",
        pseudonymiser=p,
    )
    return briefing, p
