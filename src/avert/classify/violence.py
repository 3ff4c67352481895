"""Classify recorded incidents under a violence definition profile (vectorised).

The definition is the MPS Anti-Violence Board's (seed report, 2010, paragraphs 5-8 and
footnote 1) or any profile loaded by :func:`avert.config.definitions.load_profile`.
Each incident is tested against every rule of the profile at once, as Polars
expressions over the whole frame (no Python loop over rows):

* a **rule** matches when the incident's Home Office offence code is one of the rule's
  codes (or the rule takes any code) and, when the rule has conditions, at least one
  holds (weapon, injury, domestic flag, hate strand, or an optional boolean column);
* the **extensions** (paragraph 7) match a *violence-related* offence that involves a
  weapon, has ``min_suspects`` or more suspects/offenders (group offending), or whose
  victim suffered another violence-related offence within ``window_days`` (repeat
  victim, from ``involvements`` and ``occurred_from``);
* ``category`` is the first category of the profile's precedence with a match, and
  ``rule_ids`` lists every match, so each record says why it is in;
* rows with no offence code but a data.police.uk category are resolved through the
  national 2017/18 offence mix: exactly (``resolution = "category"``) where every code
  of the category is in, or every code out, and ``"possible"`` where the category mixes
  codes in and out.

The ASB bridge (paragraph 8) marks ASB reports that escalate: the caller's third report
in six months (the ASB case review threshold, Anti-social Behaviour, Crime and Policing
Act 2014 s.104; lower for vulnerable callers) or the third at the same place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.classify._frame import DT, OPTIONAL_COLUMNS, flag_columns, prepare
from avert.classify.harm import harm_lazy
from avert.config.definitions import (
    Condition,
    HarmTable,
    PoliceUkCategory,
    Profile,
    Rule,
    code_key,
    load_harm,
    load_profile,
)
from avert.errors import NotFound
from avert.periods import period_length
from avert.schema import (
    CLASSIFICATIONS,
    HATE_STRANDS,
    INJURY_LEVELS,
    WEAPONS,
    check_frame,
)

__all__ = [
    "Explanation",
    "asb_escalation",
    "classify_rowwise",
    "classify_with_harm",
    "explain",
    "violence",
]

_OUT_COLUMNS = ("incident_id", "in_definition", "category", "rule_ids", "resolution")


def _as_profile(profile: Profile | str) -> Profile:
    return profile if isinstance(profile, Profile) else load_profile(profile)


def _prepare(incidents: pl.DataFrame, profile: Profile) -> pl.LazyFrame:
    return prepare(incidents, profile.code_lookup, flags=flag_columns(profile))


def _condition_expr(cond: Condition) -> pl.Expr:
    if cond.kind == "weapon_in":
        return pl.col("_weapon").is_in(list(cond.values))
    if cond.kind == "injury_in":
        return pl.col("_injury").is_in(list(cond.values))
    if cond.kind == "domestic":
        return pl.col("domestic")
    if cond.kind == "hate_strand_in":
        alternatives = "|".join(cond.values)
        return pl.col("_hate").str.contains(rf"(?:^|;)\s*(?:{alternatives})\s*(?:;|$)")
    return pl.col(cond.values[0])


def _rule_expr(rule: Rule) -> pl.Expr:
    match = (
        pl.lit(value=True)
        if rule.offence_codes is None
        else pl.col("_code").is_in(list(rule.offence_codes)).fill_null(value=False)
    )
    if rule.require_any:
        any_cond = pl.any_horizontal(
            [_condition_expr(c).fill_null(value=False) for c in rule.require_any]
        )
        match = match & any_cond
    return match


def _group_counts(
    involvements: pl.DataFrame | None, roles: Sequence[str]
) -> pl.LazyFrame:
    if involvements is None or involvements.height == 0:
        return pl.LazyFrame(schema={"incident_id": pl.String, "_n_inv": pl.UInt32})
    return (
        involvements.lazy()
        .filter(pl.col("role").is_in(list(roles)))
        .group_by(pl.col("incident_id").cast(pl.String))
        .agg(_n_inv=pl.col("person_id").n_unique())
    )


def _victim_pairs(involvements: pl.DataFrame) -> pl.LazyFrame:
    """The distinct (``incident_id``, ``person_id``) pairs of the victims, as strings."""
    return (
        involvements.lazy()
        .filter(pl.col("role") == "victim")
        .select(
            pl.col("incident_id").cast(pl.String), pl.col("person_id").cast(pl.String)
        )
        .unique()
    )


def _repeat_victims(
    prepared: pl.LazyFrame,
    involvements: pl.DataFrame | None,
    profile: Profile,
) -> pl.LazyFrame:
    """Incidents whose victim suffered another violence-related offence in the window.

    Victim rows of violence-related incidents are sorted by person and time; a row is a
    repeat when the same person's previous (or, with ``direction = "both"``, next)
    violence-related incident lies within ``window_days``; with ``"prior"``, one at the
    same instant counts too, so the result does not depend on row order.
    """
    ext = profile.repeat_victim
    if involvements is None or involvements.height == 0:
        return pl.LazyFrame(schema={"incident_id": pl.String, "_repeat": pl.Boolean})
    base = prepared.select("incident_id", "_code", "occurred_from").filter(
        pl.col("_code").is_in(list(profile.violence_related_codes))
        & pl.col("occurred_from").is_not_null()
    )
    victims = _victim_pairs(involvements)
    window = pl.duration(days=ext.window_days)
    rows = (
        victims.join(base, on="incident_id", how="inner")
        .sort("person_id", "occurred_from", "incident_id")
        .with_columns(
            _prev=pl.when(pl.col("person_id") == pl.col("person_id").shift(1)).then(
                pl.col("occurred_from") - pl.col("occurred_from").shift(1)
            ),
            _next=pl.when(pl.col("person_id") == pl.col("person_id").shift(-1)).then(
                pl.col("occurred_from").shift(-1) - pl.col("occurred_from")
            ),
        )
    )
    hit = (pl.col("_prev") <= window).fill_null(value=False)
    # "prior" still counts another offence at the same instant (ties have no order)
    ahead = window if ext.direction == "both" else pl.duration(days=0)
    hit = hit | (pl.col("_next") <= ahead).fill_null(value=False)
    return rows.group_by("incident_id").agg(_repeat=hit.any())


def _policeuk_frame(profile: Profile) -> pl.LazyFrame:
    items = list(profile.policeuk.values())
    return pl.LazyFrame(
        {
            "_ptype": [p.name for p in items],
            "_p_status": [p.status for p in items],
            "_p_in": [p.in_definition for p in items],
            "_p_cat": [p.category if p.in_definition else None for p in items],
            "_p_rules": [
                ";".join(p.rule_ids) if p.in_definition and p.rule_ids else None
                for p in items
            ],
        },
        schema={
            "_ptype": pl.String,
            "_p_status": pl.String,
            "_p_in": pl.Boolean,
            "_p_cat": pl.String,
            "_p_rules": pl.String,
        },
    )


def _classify_lazy(
    prepared: pl.LazyFrame, involvements: pl.DataFrame | None, profile: Profile
) -> pl.LazyFrame:
    if involvements is not None:
        check_frame(
            involvements, ["incident_id", "person_id", "role"], name="involvements"
        )
    lf = prepared
    # Involvement-derived columns (left joins keep the incidents' order and length).
    if profile.group_offending.enabled:
        lf = lf.join(
            _group_counts(involvements, profile.group_offending.roles),
            on="incident_id",
            how="left",
            maintain_order="left",
        )
    if profile.repeat_victim.enabled:
        lf = lf.join(
            _repeat_victims(prepared, involvements, profile),
            on="incident_id",
            how="left",
            maintain_order="left",
        )
    lf = lf.join(
        _policeuk_frame(profile), on="_ptype", how="left", maintain_order="left"
    )

    hits: list[tuple[str, str, pl.Expr]] = [
        (r.id, r.category, _rule_expr(r)) for r in profile.rules
    ]
    vr = (
        pl.col("_code")
        .is_in(list(profile.violence_related_codes))
        .fill_null(value=False)
    )
    w = profile.weapon
    if w.enabled:
        weapon = pl.col("_weapon").is_in(list(w.weapons)).fill_null(
            value=False
        ) | pl.col("_code").is_in(list(w.implied_by_codes)).fill_null(value=False)
        hits.append((w.id, w.category, vr & weapon))
    g = profile.group_offending
    if g.enabled:
        n = pl.max_horizontal(
            pl.col("n_suspects").fill_null(0), pl.col("_n_inv").fill_null(0)
        )
        hits.append((g.id, g.category, vr & (n >= g.min_suspects)))
    rv = profile.repeat_victim
    if rv.enabled:
        repeat = pl.col("_repeat").fill_null(value=False) | pl.col(
            "is_repeat_victim"
        ).fill_null(value=False)
        hits.append((rv.id, rv.category, vr & repeat))

    lf = lf.with_columns(
        [expr.alias(f"_hit_{i}") for i, (_, _, expr) in enumerate(hits)]
    )
    hit_cols = [pl.col(f"_hit_{i}") for i in range(len(hits))]
    code_null = pl.col("_code").is_null()
    use_policeuk = code_null & pl.col("_p_status").is_not_null()

    category: pl.Expr = pl.lit(None, pl.String)
    for cid in reversed(profile.precedence):
        members = [pl.col(f"_hit_{i}") for i, (_, c, _) in enumerate(hits) if c == cid]
        if members:
            category = (
                pl.when(pl.any_horizontal(members))
                .then(pl.lit(cid))
                .otherwise(category)
            )
    category = pl.coalesce(category, pl.when(use_policeuk).then(pl.col("_p_cat")))

    rule_ids = pl.concat_str(
        [
            pl.when(pl.col(f"_hit_{i}")).then(pl.lit(rid))
            for i, (rid, _, _) in enumerate(hits)
        ]
        + [pl.when(use_policeuk).then(pl.col("_p_rules"))],
        separator=";",
        ignore_nulls=True,
    )
    in_definition = (
        pl.any_horizontal(hit_cols) if hit_cols else pl.lit(value=False)
    ) | (use_policeuk & pl.col("_p_in").fill_null(value=False))
    resolution = (
        pl.when(~code_null)
        .then(pl.lit("offence_code"))
        .when(pl.col("_p_status") == "possible")
        .then(pl.lit("possible"))
        .when(pl.col("_ptype").is_not_null())
        .then(pl.lit("category"))
    )
    return lf.with_columns(
        in_definition=in_definition,
        category=category,
        rule_ids=pl.when(rule_ids != "").then(rule_ids),
        resolution=resolution,
    )


def _scatter_rows(n: int, rows: pl.Series) -> pl.Series:
    """Boolean series of length ``n``, true at the row indices ``rows``."""
    mask = np.zeros(n, dtype=bool)
    mask[rows.to_numpy()] = True
    return pl.Series(mask)


def _row_group_ok(
    rows: pl.DataFrame, involvements: pl.DataFrame, profile: Profile
) -> pl.Series:
    """Rows (violence-related only) with >= min_suspects distinct suspects/offenders."""
    g = profile.group_offending
    counts = (
        involvements.lazy()
        .filter(pl.col("role").is_in(list(g.roles)))
        .group_by(pl.col("incident_id").cast(pl.String))
        .agg(_n=pl.col("person_id").n_unique())
        .filter(pl.col("_n") >= g.min_suspects)
    )
    hit = (
        rows.lazy()
        .filter(pl.col("_vr"))
        .select("incident_id", "_row")
        .join(counts, on="incident_id", how="inner")
        .select("_row")
        .collect()
    )
    return _scatter_rows(rows.height, hit["_row"])


def _row_repeat(
    rows: pl.DataFrame, involvements: pl.DataFrame, profile: Profile
) -> pl.Series:
    """Rows whose victim suffered another violence-related offence in the window."""
    ext = profile.repeat_victim
    base = (
        rows.lazy()
        .filter(pl.col("_vr") & pl.col("occurred_from").is_not_null())
        .select("incident_id", "_row", "occurred_from")
    )
    victims = _victim_pairs(involvements)
    window = pl.duration(days=ext.window_days)
    # a repeated row of the same incident is never its own repeat
    same_prev = (pl.col("person_id") == pl.col("person_id").shift(1)) & (
        pl.col("_row") != pl.col("_row").shift(1)
    )
    same_next = (pl.col("person_id") == pl.col("person_id").shift(-1)) & (
        pl.col("_row") != pl.col("_row").shift(-1)
    )
    prev_gap = pl.col("occurred_from") - pl.col("occurred_from").shift(1)
    next_gap = pl.col("occurred_from").shift(-1) - pl.col("occurred_from")
    hit = (same_prev & (prev_gap <= window)).fill_null(value=False)
    # "prior" still counts another offence at the same instant (ties have no order)
    ahead = window if ext.direction == "both" else pl.duration(days=0)
    hit = hit | (same_next & (next_gap <= ahead)).fill_null(value=False)
    rows_hit = (
        victims.join(base, on="incident_id", how="inner")
        .sort("person_id", "occurred_from", "_row")
        .filter(hit)
        .select("_row")
        .collect()
    )
    return _scatter_rows(rows.height, rows_hit["_row"])


def _row_extensions(
    rows: pl.DataFrame, involvements: pl.DataFrame | None, profile: Profile
) -> tuple[pl.Series, pl.Series]:
    """Per row: whether the group offending and repeat-victim extensions apply."""
    g = profile.group_offending
    group = (
        (pl.col("n_suspects").fill_null(0) >= g.min_suspects)
        if g.enabled
        else pl.lit(value=False)
    )
    repeat = (
        pl.col("is_repeat_victim").fill_null(value=False)
        if profile.repeat_victim.enabled
        else pl.lit(value=False)
    )
    flags_row = rows.select(_g=group, _r=repeat)
    g_ok, r_ok = flags_row["_g"], flags_row["_r"]
    if involvements is not None and involvements.height > 0:
        check_frame(
            involvements, ["incident_id", "person_id", "role"], name="involvements"
        )
        if g.enabled:
            g_ok = g_ok | _row_group_ok(rows, involvements, profile)
        if profile.repeat_victim.enabled:
            r_ok = r_ok | _row_repeat(rows, involvements, profile)
    return g_ok, r_ok


def _with_extension_combos(small: pl.LazyFrame, min_suspects: int) -> pl.LazyFrame:
    """Each distinct feature row four times, once per (group, repeat) combination,
    in the order of the key ``_aidx * 4 + group * 2 + repeat``."""
    combos = pl.LazyFrame(
        {"_g": [False, False, True, True], "_r": [False, True, False, True]}
    )
    return (
        small.drop("n_suspects", "is_repeat_victim")
        .with_row_index("_aidx")
        .join(combos, how="cross")
        .with_columns(
            n_suspects=pl.when(pl.col("_g"))
            .then(pl.lit(min_suspects, pl.Int64))
            .otherwise(0),
            is_repeat_victim=pl.col("_r"),
            _k2=pl.col("_aidx") * 4
            + pl.col("_g").cast(pl.UInt32) * 2
            + pl.col("_r").cast(pl.UInt32),
        )
        .sort("_k2")
    )


def _classify_keyed(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame | None,
    profile: Profile,
    harm: HarmTable | None,
) -> pl.DataFrame | None:
    """Classify through the distinct feature combinations (fast path).

    The result of a row depends only on its offence code, police.uk category, weapon,
    injury, domestic, hate and flag values, plus two row-level booleans (group
    offending, repeat victim). Rows are keyed by a 64-bit hash of their features; the few
    thousand distinct combinations are classified (times the four combinations of the
    two booleans) and the results are gathered back by index. Returns ``None`` on a hash
    collision, and the caller then classifies row by row.
    """
    prepared_all = _prepare(incidents, profile)
    flags = flag_columns(profile)
    feats = [
        "offence_code",
        "crime_type",
        "weapon",
        "injury",
        "domestic",
        "hate",
        *flags,
    ]
    rows = (
        prepared_all.select(
            "incident_id", *feats, "occurred_from", "n_suspects", "is_repeat_victim"
        )
        .with_columns(_key=pl.struct(feats).hash(0))
        .collect()
    )
    distinct = rows.select("_key", *feats).unique(
        subset="_key", keep="any", maintain_order=True
    )
    if distinct.select(feats).unique().height != distinct.height:  # pragma: no cover
        return None
    distinct = distinct.with_row_index("_aidx")
    aidx = rows.select(
        pl.col("_key").replace_strict(
            distinct["_key"], distinct["_aidx"], return_dtype=pl.UInt32
        )
    ).to_series()
    small = _prepare(
        distinct.drop("_key").with_columns(incident_id=pl.lit("")), profile
    ).with_columns(
        _vr=pl.col("_code")
        .is_in(list(profile.violence_related_codes))
        .fill_null(value=False)
    )
    small_vr = small.select("_vr").collect().to_series()
    rows = rows.with_columns(
        _row=pl.int_range(pl.len(), dtype=pl.UInt32), _vr=small_vr.gather(aidx)
    )
    g_ok, r_ok = _row_extensions(rows, involvements, profile)
    k2 = aidx * 4 + g_ok.cast(pl.UInt32) * 2 + r_ok.cast(pl.UInt32)
    expanded = _with_extension_combos(small, profile.group_offending.min_suspects)
    lf = _classify_lazy(expanded, None, profile)
    cols = list(_OUT_COLUMNS[1:])
    if harm is not None:
        lf = harm_lazy(lf, harm)
        cols += ["harm_days", "harm_source"]
    table = lf.select(cols).collect()
    out = table.select(pl.all().gather(k2))
    return out.insert_column(0, rows["incident_id"])


def violence(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame | None = None,
    profile: Profile | str = "avb-2010",
) -> pl.DataFrame:
    """Classify incidents under a violence definition profile.

    Parameters
    ----------
    incidents
        Frame with ``incident_id`` and ``offence_code`` and/or ``crime_type``
        (data.police.uk category, any case). Read when present: ``occurred_from``,
        ``weapon``, ``injury``, ``domestic``, ``hate`` (see :data:`avert.schema.INCIDENTS`),
        and the optional non-canonical columns ``n_suspects`` (int),
        ``is_repeat_victim`` (bool) and any boolean ``flag`` column a rule names
        (``penetration``, ``especially_serious`` in ``avb-2010``).
    involvements
        Frame with ``incident_id``, ``person_id``, ``role``; needed for the group
        offending and repeat-victim extensions (``None`` switches them off in effect).
    profile
        A loaded :class:`~avert.config.definitions.Profile` or a profile id / path.

    Returns
    -------
    pl.DataFrame
        One row per incident, in input order: ``incident_id``, ``in_definition``
        (bool), ``category`` (first matching category by the profile's precedence, or
        null), ``rule_ids`` (``;``-joined ids of every matching rule, or null) and
        ``resolution`` (``offence_code`` | ``category`` | ``possible``; null when
        neither a code nor a category is known).

    Notes
    -----
    Violence definition of the MPS Anti-Violence Board (2010), paragraphs 5-8 and
    footnote 1; repeat victimisation after Farrell & Pease; ASB case review threshold of
    the Anti-social Behaviour, Crime and Policing Act 2014. Offence codes are read by
    their :func:`~avert.config.definitions.code_key` (case, spaces and zero padding
    ignored: ``"08n"`` is ``"8N"``) and mapped through the harm table's aliases (``"1"``
    and ``"4.1"`` read as the homicide group code ``"1/4.1/4.10/4.2"``).

    Examples
    --------
    >>> import polars as pl
    >>> from avert.classify import violence
    >>> out = violence(pl.DataFrame({"incident_id": ["a", "b"], "offence_code": ["8N", "105A"]}))
    >>> out["category"].to_list()
    ['assault_with_injury', None]
    """
    prof = _as_profile(profile)
    fast = _classify_keyed(incidents, involvements, prof, None)
    if fast is not None:
        return fast
    lf = _classify_lazy(
        _prepare(incidents, prof), involvements, prof
    )  # pragma: no cover
    return lf.select(_OUT_COLUMNS).collect()  # pragma: no cover


def classify_with_harm(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame | None = None,
    profile: Profile | str = "avb-2010",
    harm_table: HarmTable | None = None,
) -> pl.DataFrame:
    """Classify and weigh incidents: exactly the columns of ``schema.CLASSIFICATIONS``.

    See :func:`violence` and :func:`attach_harm`; ``profile`` holds the profile id.
    """
    prof = _as_profile(profile)
    harm = harm_table if harm_table is not None else load_harm()
    fast = _classify_keyed(incidents, involvements, prof, harm)
    if fast is None:  # pragma: no cover - 64-bit hash collision
        return classify_rowwise(incidents, involvements, prof, harm)
    out = fast.with_columns(profile=pl.lit(prof.id))
    return out.select(CLASSIFICATIONS.names).cast(CLASSIFICATIONS.schema)


def classify_rowwise(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame | None = None,
    profile: Profile | str = "avb-2010",
    harm_table: HarmTable | None = None,
) -> pl.DataFrame:
    """Reference implementation of :func:`classify_with_harm`: every row evaluated.

    Slower (every rule expression over every row); kept as the independent check of the
    keyed fast path and as its fallback on a hash collision.
    """
    prof = _as_profile(profile)
    harm = harm_table if harm_table is not None else load_harm()
    lf = harm_lazy(_classify_lazy(_prepare(incidents, prof), involvements, prof), harm)
    lf = lf.with_columns(profile=pl.lit(prof.id))
    return lf.select(CLASSIFICATIONS.names).collect().cast(CLASSIFICATIONS.schema)


# --- explain -------------------------------------------------------------------------
@dataclass(frozen=True)
class Explanation:
    """Why one hypothetical record is (or is not) in the definition, and its harm."""

    in_definition: bool
    category: str | None
    rule_ids: tuple[str, ...]
    harm_days: float | None
    harm_source: str
    resolution: str | None
    clauses: tuple[str, ...]
    harm_table: str = ""
    #: Why a record with a police.uk category and no offence code is in or out.
    policeuk_reason: str | None = None
    #: The rules a police.uk category's offences may match (not matched by the record).
    possible_rule_ids: tuple[str, ...] = ()
    possible_clauses: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """The JSON contract of ``avert definition explain --json``: ``rule_ids`` as
        the record's ``classifications`` row has them; for a police.uk category
        without a code, ``policeuk_reason`` says why it is in or out and
        ``possible_rule_ids`` lists the rules its offences may match (also in
        ``rule_ids`` when the category counts as in), none of them matched."""
        return {
            "in_definition": self.in_definition,
            "category": self.category,
            "rule_ids": list(self.rule_ids),
            "resolution": self.resolution,
            "policeuk_reason": self.policeuk_reason,
            "possible_rule_ids": list(self.possible_rule_ids),
            "harm_days": self.harm_days,
            "harm_source": self.harm_source,
            "harm_table": self.harm_table,
        }


def _check_explain_values(
    *, weapon: str | None, injury: str | None, hate: Sequence[str]
) -> None:
    """Raise :class:`NotFound` on an unknown weapon, injury level or hate strand."""
    if weapon is not None and weapon not in WEAPONS:
        raise NotFound(f"Unknown weapon {weapon!r}; use one of {list(WEAPONS)}")
    if injury is not None and injury not in INJURY_LEVELS:
        raise NotFound(f"Unknown injury {injury!r}; use one of {list(INJURY_LEVELS)}")
    bad = [h for h in hate if h not in HATE_STRANDS]
    if bad:
        raise NotFound(f"Unknown hate strands {bad}; use {list(HATE_STRANDS)}")


def _explain_code(
    prof: Profile, harm: HarmTable, offence_code: str | None, crime_type: str | None
) -> str | None:
    """The table code of ``offence_code`` (``None`` for a known police.uk category);
    :class:`NotFound` when neither is known."""
    if offence_code is not None:
        code = prof.code_lookup.get(code_key(offence_code))
        if code is None:
            raise NotFound(
                f"Unknown offence code {offence_code!r} (not in {harm.path})"
            )
        return code
    if crime_type is None or crime_type.strip().lower() not in prof.policeuk:
        raise NotFound(
            f"Give a known offence code or police.uk category; got {crime_type!r}. "
            f"Categories: {sorted(prof.policeuk)}"
        )
    return None


def _harm_source_text(harm: HarmTable, code: str | None, crime_type: str | None) -> str:
    """Where the harm weight of an offence code (or police.uk category) comes from."""
    if code is not None:
        entry = harm.codes[code]
        return f"{'derived' if entry.derived else 'CCHI'}: {entry.source}" + (
            f". Reasoning: {entry.reason}" if entry.reason else ""
        )
    ptype = (crime_type or "").strip().lower()
    return (
        harm.expected[ptype].source
        if ptype in harm.expected
        else harm.unweighted.get(ptype, "no weight")
    )


def explain(
    offence_code: str | None = None,
    *,
    crime_type: str | None = None,
    weapon: str | None = None,
    injury: str | None = None,
    domestic: bool = False,
    hate: Sequence[str] = (),
    suspects: int = 0,
    repeat_victim: bool = False,
    flags: Sequence[str] = (),
    profile: Profile | str = "avb-2010",
    harm_table: HarmTable | None = None,
) -> Explanation:
    """Classify one hypothetical record and explain the result.

    Parameters
    ----------
    offence_code
        Home Office code (e.g. ``"8N"``); or give ``crime_type`` for a police.uk row.
    crime_type, weapon, injury, domestic, hate
        As the incidents columns (``hate`` a list of strands).
    suspects
        Number of suspects/offenders (group offending extension).
    repeat_victim
        The victim suffered another violence-related offence within the window.
    flags
        Names of optional boolean columns that are true (e.g. ``"penetration"``).
    profile, harm_table
        Definition and weights (defaults: ``avb-2010`` and the packaged CCHI table).

    Returns
    -------
    Explanation
        With the full source text of the harm weight.

    Raises
    ------
    NotFound
        When neither a known offence code nor a known police.uk category is given.
    """
    prof = _as_profile(profile)
    harm = harm_table if harm_table is not None else load_harm()
    _check_explain_values(weapon=weapon, injury=injury, hate=hate)
    code = _explain_code(prof, harm, offence_code, crime_type)
    row: dict[str, object] = {
        "incident_id": "explain",
        "offence_code": code,
        "crime_type": crime_type,
        "weapon": weapon,
        "injury": injury,
        "domestic": domestic,
        "hate": ";".join(hate) or None,
        "n_suspects": suspects,
        "is_repeat_victim": repeat_victim,
    }
    for flag in flag_columns(prof):
        row[flag] = flag in flags
    schema = {**OPTIONAL_COLUMNS, "incident_id": pl.String()}
    schema.update({f: pl.Boolean() for f in flag_columns(prof)})
    frame = pl.DataFrame([row], schema=schema)
    out = classify_with_harm(frame, None, prof, harm).row(0, named=True)
    rule_ids = tuple(out["rule_ids"].split(";")) if out["rule_ids"] else ()
    source = _harm_source_text(harm, code, crime_type)
    pu = prof.policeuk.get((crime_type or "").strip().lower()) if code is None else None
    possible = pu.rule_ids if pu is not None else ()
    return Explanation(
        in_definition=bool(out["in_definition"]),
        category=out["category"],
        rule_ids=rule_ids,
        harm_days=out["harm_days"],
        harm_source=source,
        resolution=out["resolution"],
        clauses=tuple(_clause(prof, r) for r in rule_ids if r not in possible),
        harm_table=harm.describe(),
        policeuk_reason=_policeuk_reason(prof, pu) if pu is not None else None,
        possible_rule_ids=possible,
        possible_clauses=tuple(_clause(prof, r) for r in possible),
    )


def _part_share(share: float) -> str:
    """A share of a mixed category as a percentage with one decimal, never "100.0%"
    or "0.0%" (possession of weapons is 38,752 of 38,760 offences in AVB 2010: 99.98%,
    not all of them)."""
    if share < 1.0 and round(share * 100, 1) >= 100.0:
        return "over 99.9%"
    if share > 0.0 and round(share * 100, 1) <= 0.0:
        return "under 0.1%"
    return f"{share:.1%}"


def _policeuk_reason(profile: Profile, pu: PoliceUkCategory) -> str:
    """Why a record with police.uk category ``pu`` and no offence code is in or out
    of ``profile``: the share of the category's national 2017/18 offences that are
    in on their code alone, against ``policeuk_possible_min_share``."""
    head = f"police.uk category '{pu.name}', no offence code: "
    if pu.status == "in":
        return head + "every offence published under it is in on its code alone"
    if pu.status == "out":
        return head + "no offence published under it is in on its code alone"
    floor = profile.policeuk_possible_min_share
    side = "at least" if pu.in_definition else "below"
    verdict = "in" if pu.in_definition else "out"
    return (
        f"{head}{_part_share(pu.in_share)} of its national 2017/18 offences are in on "
        f"their code alone, {side} the profile's {floor * 100:.4g}%"
        " (policeuk_possible_min_share): "
        f"the category alone counts as {verdict} (the record may be an offence of a "
        "possible rule, or of none)"
    )


def _clause(profile: Profile, rule_id: str) -> str:
    for ext in (profile.weapon, profile.group_offending, profile.repeat_victim):
        if ext.id == rule_id:
            return f"{rule_id}: extension ({profile.categories[ext.category].title})"
    try:
        return f"{rule_id}: {profile.rule(rule_id).clause}"
    except KeyError:
        return rule_id


# --- ASB bridge ----------------------------------------------------------------------
def _trailing_counts(
    group: npt.NDArray[np.int64],
    t_s: npt.NDArray[np.int64],
    window_s: int,
    end_s: npt.NDArray[np.int64] | None = None,
) -> npt.NDArray[np.int64]:
    """Rows sorted by (group, t): events of the same group in [t - window, t], self included.

    Events at the same instant as ``t`` all count (ties have no order), so the count
    never depends on the order of the rows. ``end_s``: the last instant each event
    may be at (a report dated alone: the end of its day; None: its time), so
    events whose periods overlap count each other (their order is unknown) and
    one dated alone counts when its day reaches ``t - window``: an event j counts
    for i when ``t_j <= end_i`` and ``end_j >= t_i - window``.
    """
    if group.size == 0:
        return np.zeros(0, dtype=np.int64)
    end = t_s if end_s is None else end_s
    t0 = int(t_s.min())
    span = int(end.max()) - t0 + window_s + 1
    key = group * span + (t_s - t0)
    end_key = group * span + (end - t0)
    # both counts include every event of the groups before (their keys and ends
    # lie below ``key - window_s``: ``span`` holds the window), so they cancel
    hi = np.searchsorted(key, end_key, side="right")  # t_j <= end_i
    lo = np.searchsorted(np.sort(end_key), key - window_s, side="left")  # end_j < ..
    return (hi - lo).astype(np.int64)


def _counts_by(frame: pl.DataFrame, keys: list[str], window_days: int) -> pl.DataFrame:
    """Trailing count per row of ``frame`` (``_row``, ``occurred_at``, ``_end`` and
    ``keys``)."""
    sub = frame.drop_nulls([*keys, "occurred_at"]).sort([*keys, "occurred_at", "_row"])
    if sub.height == 0:
        return pl.DataFrame(schema={"_row": pl.UInt32, "_n": pl.Int64})
    group = (
        sub.select(pl.struct(keys).rank("dense").cast(pl.Int64)).to_series().to_numpy()
    )
    t_s = sub["occurred_at"].dt.epoch("s").to_numpy().astype(np.int64)
    end_s = sub["_end"].dt.epoch("s").to_numpy().astype(np.int64)
    counts = _trailing_counts(group, t_s, window_days * 86_400, end_s)
    return pl.DataFrame({"_row": sub["_row"], "_n": counts})


def _last_instant(asb: pl.DataFrame) -> pl.Expr:
    """The last instant (to the second) a report may be at: one dated alone
    (``time_precision`` ``day``) its day's end, one recorded to the hour the
    hour's (:func:`avert.periods.period_length`), else its time."""
    at = pl.col("occurred_at").cast(DT)
    if "time_precision" not in asb.columns:
        return at
    return (at + period_length() - pl.duration(seconds=1)).clip(lower_bound=at)


def asb_escalation(
    asb: pl.DataFrame, profile: Profile | str = "avb-2010"
) -> pl.DataFrame:
    """Mark ASB reports that escalate (seed paragraph 8, the ASB bridge).

    Parameters
    ----------
    asb
        Frame with ``asb_id``, ``occurred_at``, ``caller_id``, ``vulnerable_caller``,
        ``x``, ``y``, optional ``time_precision`` (see :data:`avert.schema.ASB`).
    profile
        Profile whose ``[asb_bridge]`` gives the window and thresholds.

    Returns
    -------
    pl.DataFrame
        Per ``asb_id`` (input order): ``escalates`` (bool), ``rule_ids``
        (``asb.repeat_caller`` | ``asb.repeat_caller_vulnerable`` | ``asb.repeat_place``,
        ``;``-joined, null when none), ``n_caller_reports`` and ``n_place_reports`` (reports
        by the same caller / in the same ``place_cell_m`` grid cell within the
        ``window_days`` up to and including this one).

    Notes
    -----
    A report escalates when it is at least the ``min_reports``-th report of its caller
    in the window (``min_reports_vulnerable``-th for a vulnerable caller), or the
    ``min_reports``-th in its place cell: the ASB case review ("community trigger")
    threshold of three complaints in six months (Anti-social Behaviour, Crime and
    Policing Act 2014 s.104), lower for vulnerable victims after the Pilkington case.
    Counts look back only, so a report escalates on the day the threshold is reached;
    reports at the same instant count each other (their order is unknown). With
    ``time_precision`` (``asb.time_precision``), a report dated alone (``day``,
    stored at 00:00) may be at any time of its day: it counts for a later report
    when its day reaches that report's window start, and reports whose periods
    overlap (a date alone and a time of that day) count each other
    (:func:`avert.periods.period_length`, the rule of the risk lists' windows).
    """
    check_frame(
        asb,
        ["asb_id", "occurred_at", "caller_id", "vulnerable_caller", "x", "y"],
        name="asb",
    )
    bridge = _as_profile(profile).asb_bridge
    cell = bridge.place_cell_m
    frame = asb.select(
        pl.col("asb_id"),
        pl.col("occurred_at").cast(DT),
        _last_instant(asb).alias("_end"),
        pl.col("caller_id").cast(pl.String),
        pl.col("vulnerable_caller").cast(pl.Boolean).fill_null(value=False),
        (pl.col("x").cast(pl.Float64) / cell).floor().cast(pl.Int64).alias("_cx"),
        (pl.col("y").cast(pl.Float64) / cell).floor().cast(pl.Int64).alias("_cy"),
    ).with_row_index("_row")
    by_caller = _counts_by(frame, ["caller_id"], bridge.window_days).rename(
        {"_n": "n_caller_reports"}
    )
    by_place = _counts_by(frame, ["_cx", "_cy"], bridge.window_days).rename(
        {"_n": "n_place_reports"}
    )
    out = frame.join(by_caller, on="_row", how="left", maintain_order="left").join(
        by_place, on="_row", how="left", maintain_order="left"
    )
    n_c = pl.col("n_caller_reports").fill_null(0)
    n_p = pl.col("n_place_reports").fill_null(0)
    on = pl.lit(value=bridge.enabled)
    caller = on & (n_c >= bridge.min_reports)
    caller_v = (
        on
        & ~caller
        & pl.col("vulnerable_caller")
        & (n_c >= bridge.min_reports_vulnerable)
    )
    place = on & (n_p >= bridge.min_reports)
    rule_ids = pl.concat_str(
        [
            pl.when(caller).then(pl.lit("asb.repeat_caller")),
            pl.when(caller_v).then(pl.lit("asb.repeat_caller_vulnerable")),
            pl.when(place).then(pl.lit("asb.repeat_place")),
        ],
        separator=";",
        ignore_nulls=True,
    )
    return out.select(
        "asb_id",
        escalates=caller | caller_v | place,
        rule_ids=pl.when(rule_ids != "").then(rule_ids),
        n_caller_reports=pl.col("n_caller_reports"),
        n_place_reports=pl.col("n_place_reports"),
    )
