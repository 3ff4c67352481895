"""Workflow of the violence definition: classify the store's incidents into ``classifications``.

Reads ``incidents`` and ``involvements`` from the store, runs the pure classifier
(:func:`avert.classify.classify_with_harm`) under a definition profile, replaces that
profile's rows of the derived ``classifications`` table in one transaction, and reports
what moved in and out of the definition against the previous classification. In the
same transaction it stores the profile's ASB bridge (seed paragraph 8,
:func:`avert.classify.asb_escalation`) over every stored ASB report in
``asb_escalations``: escalating ASB is counted beside violence, as ASB (no harm).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import polars as pl

from avert.classify import (
    asb_escalation,
    classify_with_harm,
    expected_harm_origin,
    explain,
)
from avert.classify.labels import category_label
from avert.config.definitions import HarmTable, Profile, load_harm, load_profile
from avert.schema import ASB_ESCALATIONS, CLASSIFICATIONS
from avert.store import Store
from avert.store.classified import replace_classifications
from avert.workflows.staleness import classified_now, run_row

__all__ = [
    "ClassifyReport",
    "Moves",
    "bridge_asb",
    "category_counts",
    "category_label",
    "classify_store",
    "compare",
    "explain",
    "harm_notes",
]

_INCIDENT_COLUMNS = (
    "incident_id",
    "source",
    "offence_code",
    "crime_type",
    "occurred_from",
    "weapon",
    "injury",
    "domestic",
    "hate",
)

#: what the ASB bridge reads of each stored report (:data:`avert.schema.ASB`)
_ASB_COLUMNS = (
    "asb_id",
    "occurred_at",
    "time_precision",
    "caller_id",
    "vulnerable_caller",
    "x",
    "y",
)


@dataclass(frozen=True)
class ClassifyReport:
    """What a (re)classification did.

    ``moved_in`` / ``moved_out`` count incidents that were classified before under the
    same profile id and changed ``in_definition``; ``new`` counts incidents classified
    for the first time; ``recategorised`` counts those in before and after under another
    category; ``reweighted`` counts those classified before whose harm weight changed
    (another harm table, or an edited weight), and ``previous_harm_days`` is the harm
    of the definition before (None when nothing was classified before).
    ``by_category`` maps each category to its count now (see
    :func:`category_counts`: ``""`` = not in the definition). ``notes`` say what
    the harm total leaves out or only estimates (see :func:`harm_notes`).
    ``asb_reports`` is the stored ASB reports put through the profile's ASB bridge,
    ``asb_escalating`` those that escalate (ASB, not crimes: in no count above).
    """

    profile: str
    incidents: int
    in_definition: int
    new: int
    moved_in: int
    moved_out: int
    recategorised: int
    harm_days: float
    by_category: dict[str, int] = field(default_factory=dict)
    moved_in_ids: tuple[str, ...] = ()
    moved_out_ids: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    reweighted: int = 0
    previous_harm_days: float | None = None
    asb_reports: int = 0
    asb_escalating: int = 0


@dataclass(frozen=True)
class Moves:
    """Differences between two classifications of the same incidents."""

    new: int
    recategorised: int
    moved_in_ids: tuple[str, ...]
    moved_out_ids: tuple[str, ...]
    reweighted: int = 0


def compare(previous: pl.DataFrame, current: pl.DataFrame) -> Moves:
    """Compare two classification frames of one profile (pure helper)."""
    was_harm = (
        pl.col("harm_days") if "harm_days" in previous.columns else pl.lit(None)
    ).cast(pl.Float64)
    now_harm = (
        pl.col("harm_days") if "harm_days" in current.columns else pl.lit(None)
    ).cast(pl.Float64)
    joined = current.select(
        "incident_id", "in_definition", "category", now_harm.alias("_harm")
    ).join(
        previous.select(
            "incident_id",
            pl.col("in_definition").alias("_was_in"),
            pl.col("category").alias("_was_cat"),
            was_harm.alias("_was_harm"),
        ),
        on="incident_id",
        how="left",
    )
    was = pl.col("_was_in")
    now = pl.col("in_definition")
    moved_in = joined.filter(was.not_() & now)["incident_id"].sort()
    moved_out = joined.filter(was & now.not_())["incident_id"].sort()
    recat = joined.filter(
        was & now & pl.col("_was_cat").ne_missing(pl.col("category"))
    ).height
    reweighted = joined.filter(
        was.is_not_null() & pl.col("_was_harm").ne_missing(pl.col("_harm"))
    ).height
    return Moves(
        new=joined.filter(was.is_null()).height,
        recategorised=recat,
        moved_in_ids=tuple(str(x) for x in moved_in.to_list()),
        moved_out_ids=tuple(str(x) for x in moved_out.to_list()),
        reweighted=reweighted if "harm_days" in previous.columns else 0,
    )


def category_counts(current: pl.DataFrame, incidents: pl.DataFrame) -> pl.DataFrame:
    """Incidents per category of a classification, every in-definition row under one.

    A row in the definition on its offence code counts under its profile category. A
    data.police.uk row in the definition on its category alone, when that category
    spans several profile categories (e.g. "violence and sexual offences"), has no
    profile category: it counts under ``police.uk: <category>``. Rows outside the
    definition count under ``""``. Rows come most numerous first, ties by name, so
    every run lists categories in the same order.
    """
    labelled = current.select("incident_id", "in_definition", "category").join(
        incidents.select("incident_id", "crime_type"), on="incident_id", how="left"
    )
    return (
        labelled.group_by(category_label().fill_null("").alias("category"))
        .len()
        .sort(["len", "category"], descending=[True, False])
    )


_TOP_UNKNOWN = 5


def harm_notes(
    current: pl.DataFrame, sources: pl.DataFrame | None = None
) -> tuple[str, ...]:
    """What the harm total of a classification estimates or leaves out.

    ``current`` is a classification frame (``in_definition``, ``harm_days``,
    ``harm_source``). One note for the incidents in the definition whose harm is the
    expected weight of their data.police.uk category (an approximation, not the
    record's own weight), and one for the incidents whose offence code or category
    the harm table does not know (``unknown:``) or that have neither: no code rule
    applies to them and their harm is unknown, so it is not in the total. The
    unknown codes are named, most frequent first. ``sources`` (``incident_id``,
    ``source``) names where the expected weights come from: a police.uk category,
    or the category weights of a table mapping (Toronto's ``toronto-mci``).
    """
    notes: list[str] = []
    src = pl.col("harm_source")
    inside = current.filter(pl.col("in_definition"))
    expected = inside.filter(src.str.starts_with("expected:"))
    if expected.height:
        days = float(expected["harm_days"].fill_null(0.0).sum())
        origin = expected_harm_origin(
            ["policeuk"]
            if sources is None
            else sources.join(expected.select("incident_id"), on="incident_id")[
                "source"
            ].unique()
        )
        notes.append(
            f"{expected.height:,} of the {inside.height:,} incidents in the definition "
            f"({days:,.1f} harm days) carry the expected weight of {origin}, not a "
            "weight of their own offence: an approximation (docs/definitions.md)."
        )
    unknown = current.filter(src.is_null() | src.str.starts_with("unknown:"))
    if unknown.height:
        top = (
            unknown.group_by(
                src.str.strip_prefix("unknown:").fill_null("(no code or category)")
            )
            .len()
            .sort(["len", "harm_source"], descending=[True, False])
        )
        named = ", ".join(
            f"{value} ({n:,})" for value, n in top.head(_TOP_UNKNOWN).iter_rows()
        )
        more = (
            f" and {top.height - _TOP_UNKNOWN:,} more"
            if top.height > _TOP_UNKNOWN
            else ""
        )
        n_in = int(unknown["in_definition"].sum())
        who = "incident has" if unknown.height == 1 else "incidents have"
        notes.append(
            f"{unknown.height:,} {who} an offence code or category that the "
            f"harm table does not know: {named}{more}. No code rule applies to them "
            f"(only a domestic or hate flag: {n_in:,} in the definition) and their "
            "harm is unknown, not in the harm total; check the codes against "
            "docs/definitions.md."
        )
    return tuple(notes)


def classify_store(
    store: Store,
    *,
    profile: Profile | str = "avb-2010",
    harm: HarmTable | None = None,
) -> ClassifyReport:
    """Recompute the ``classifications`` rows of ``profile`` from the store.

    Parameters
    ----------
    store
        An avert store at the newest schema revision.
    profile
        Definition profile (loaded, or an id / TOML path).
    harm
        Harm weights (default: the packaged CCHI table).

    Returns
    -------
    ClassifyReport
        Counts in and out, and what moved against the previous classification.
    """
    harm = harm if harm is not None else load_harm()
    prof = profile if isinstance(profile, Profile) else load_profile(profile, harm=harm)
    incidents = store.read_frame("incidents", columns=list(_INCIDENT_COLUMNS))
    involvements = store.read_frame(
        "involvements", columns=["incident_id", "person_id", "role"]
    )
    previous = store.read_frame(
        "classifications",
        columns=["incident_id", "in_definition", "category", "harm_days"],
        where=[("profile", "=", prof.id)],
    )
    current = classify_with_harm(incidents, involvements, prof, harm)
    diff = compare(previous, current)
    bridged = bridge_asb(store.read_frame("asb", columns=list(_ASB_COLUMNS)), prof)
    # with the digests of the definition and harm table, so the analyses can say
    # when they are stale (avert.workflows.staleness); the ASB bridge beside them
    replace_classifications(
        store,
        prof.id,
        current.select(CLASSIFICATIONS.names),
        run_row(prof, harm, at=classified_now(store)),
        bridged,
    )
    counts = category_counts(current, incidents)
    return ClassifyReport(
        profile=prof.id,
        incidents=current.height,
        in_definition=int(current["in_definition"].sum()),
        new=diff.new,
        moved_in=len(diff.moved_in_ids),
        moved_out=len(diff.moved_out_ids),
        recategorised=diff.recategorised,
        harm_days=definition_harm_days(current),
        by_category={str(k): int(v) for k, v in counts.iter_rows()},
        moved_in_ids=diff.moved_in_ids,
        moved_out_ids=diff.moved_out_ids,
        notes=harm_notes(current, incidents.select("incident_id", "source")),
        reweighted=diff.reweighted,
        previous_harm_days=(
            definition_harm_days(previous) if previous.height else None
        ),
        asb_reports=bridged.height,
        asb_escalating=int(bridged["escalates"].sum()),
    )


def definition_harm_days(classified: pl.DataFrame) -> float:
    """Total harm (crime harm days) of the rows of ``classified`` in the definition
    (columns ``in_definition``, ``harm_days``; a null weight counts 0).

    Summed exactly (:func:`math.fsum`, correctly rounded), so the same rows in any
    order give the same total: the classify report compares the total before and
    after, and SQLite and PostgreSQL return the stored rows in different orders (a
    plain float sum differs in the last bit, and the report said the harm changed
    when nothing had).
    """
    days = classified.filter(pl.col("in_definition"))["harm_days"].fill_null(0.0)
    return math.fsum(days.to_numpy())


def bridge_asb(asb: pl.DataFrame, profile: Profile) -> pl.DataFrame:
    """The ``asb_escalations`` rows of ``profile`` for the ASB reports ``asb``
    (:data:`avert.schema.ASB_ESCALATIONS`): the profile's ASB bridge
    (:func:`avert.classify.asb_escalation`, seed paragraph 8) over every report, so
    a report's caller and place count all their reports in the window."""
    return (
        asb_escalation(asb, profile)
        .with_columns(pl.lit(profile.id).alias("profile"))
        .select(ASB_ESCALATIONS.names)
    )
