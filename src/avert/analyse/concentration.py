"""Concentration of crime and harm: Lorenz curve, Gini, generalised Gini, the power few.

The seed's VOLT model (¶10) targets "the 80/20 relationships": the few offenders,
victims and places that carry most crime and harm (Sherman 2007, "the power few";
Weisburd 2015, the law of crime concentration at place). This module measures that
concentration for any entity (offender, victim, place, group) and any measure (count
of incidents or Cambridge Crime Harm Index days).

Methods
-------
* **Lorenz curve** (Lorenz 1905): entities sorted from lowest to highest measure; the
  point ``(k/n, L_k)`` gives the share ``L_k`` of the measure carried by the lowest
  ``k`` of ``n`` entities. It is piecewise linear, so it is interpolated exactly.
* **Gini** (the standard, "biased" sample form used by Bernasco & Steenbeek 2017 and
  ``DescTools::Gini(unbiased = FALSE)``)::

      G = sum_i (2 i - n - 1) x_(i) / (n * sum_i x_i),   x_(1) <= ... <= x_(n)

  ``G = 0`` when every entity has the same measure, ``(n - 1)/n`` when one has all.
* **Generalised Gini** for sparse counts (Bernasco & Steenbeek 2017, *More places
  than crimes*, J. Quant. Criminol. 33:451-467, eq. for ``G'``). With ``N`` events
  among ``n`` places and ``N < n``, the most even spread possible leaves ``n - N``
  places empty, so the ordinary Gini cannot fall below ``1 - N/n`` and overstates
  concentration. They compare the observed Lorenz curve with the line of *maximal*
  equality given the data, which gives::

      G' = max(1, n / N) * (G - 1) + 1

  ``G' = G`` whenever ``N >= n``. (This is the "biased" form; the R package
  ``lorenzgini`` also offers a small-sample factor ``min(n, N)/(min(n, N) - 1)``,
  not applied here.) For the harm measure, ``N`` is the number of events, not the
  sum of harm days: harm comes in events, and an event cannot be split between places.
* **Top shares** ``share(top=q) = 1 - L(1 - q)``: the share of the measure carried by
  the highest fraction ``q`` of entities; and its inverse, the smallest fraction of
  entities (and their number) that carries a given share (50 %, 80 %).
* **Stability of the power few** between two periods: the share of the first
  period's top set that is still in the top set in the second (overlap share), the
  Jaccard index of the two sets, and Spearman's rank correlation over all entities
  of either period (zeros included) — as in Weisburd et al. (2004) trajectories and
  the "stability" tests of Andresen & Malleson (2011).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.analyse.places import assign_cells, grid_cells
from avert.analyse.result import Result, json_object
from avert.errors import ConfigError, SchemaError
from avert.schema import check_frame

__all__ = [
    "DEFAULT_SHARES",
    "DEFAULT_TOPS",
    "FALLBACK_CELL_M",
    "ConcentrationResult",
    "StabilityResult",
    "concentration_from_values",
    "entity_values",
    "generalised_gini",
    "gini",
    "has_values",
    "lorenz_curve",
    "measure_concentration",
    "smallest_share_for",
    "stability",
    "top_count",
    "top_share",
]

Entity = Literal["offender", "victim", "place", "group"]
Measure = Literal["count", "harm"]
Values = pl.Series | npt.NDArray[Any] | Sequence[float]

#: Top fractions reported by default (1 %, 5 %, 10 %, 20 %).
DEFAULT_TOPS: Final = (0.01, 0.05, 0.1, 0.2)
#: Shares of the measure whose smallest carrying fraction of entities is reported.
DEFAULT_SHARES: Final = (0.5, 0.8)
#: Grid cell size (m) of places when no incident has an LSOA but some have coordinates
#: (police.uk copies without the LSOA column, data from outside England and Wales).
FALLBACK_CELL_M: Final = 250.0
#: The note of a result whose measure sums to zero.
NO_MEASURE_NOTE: Final = "No measure in the window: concentration is undefined (null)."
_SOURCE: Final = (
    "Lorenz curve and Gini; generalised Gini G' = max(1, n/N)(G - 1) + 1 of Bernasco & "
    "Steenbeek (2017) J. Quant. Criminol. 33:451-467; power few (Sherman 2007); law of "
    "crime concentration (Weisburd 2015); seed ¶10 (VOLT, 80/20)."
)


# --- vector statistics ----------------------------------------------------------------
def _as_array(values: Values) -> npt.NDArray[np.float64]:
    if isinstance(values, pl.Series):
        arr = values.cast(pl.Float64).fill_null(0.0).to_numpy()
    else:
        arr = np.asarray(values, dtype=np.float64)
    arr = np.ascontiguousarray(arr, dtype=np.float64).ravel()
    if arr.size and (not np.all(np.isfinite(arr)) or arr.min() < 0):
        msg = "Concentration needs finite, non-negative values (counts or harm days)."
        raise SchemaError(msg)
    return arr


def _check_fraction(name: str, value: float, *, low_open: bool = False) -> None:
    ok = (0 < value <= 1) if low_open else (0 <= value <= 1)
    if not ok:
        interval = "(0, 1]" if low_open else "[0, 1]"
        msg = f"The '{name}' parameter must be a float in {interval}. Got {value!r} instead."
        raise ConfigError(msg)


def _lorenz_exact(
    arr: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    n = arr.size
    total = float(arr.sum())
    p = np.arange(n + 1, dtype=np.float64) / n
    cum = np.concatenate(([0.0], np.cumsum(np.sort(arr))))
    share = cum / total
    share[-1] = 1.0
    return p, share


def lorenz_curve(values: Values, *, n_points: int = 101) -> pl.DataFrame:
    """Return points of the Lorenz curve of ``values``.

    Parameters
    ----------
    values
        Non-negative measure per entity (zeros included).
    n_points
        Maximum number of points: with more than ``n_points - 1`` entities the exact
        piecewise-linear curve is sampled at ``n_points`` evenly spaced shares of
        entities (exact, by linear interpolation); otherwise every vertex is returned.

    Returns
    -------
    pl.DataFrame
        ``share_of_entities`` (lowest first, 0 to 1) and ``share_of_measure``.
        Empty when there are no entities or the total is zero.

    Examples
    --------
    >>> lorenz_curve([1, 1, 2])["share_of_measure"].to_list()
    [0.0, 0.25, 0.5, 1.0]
    """
    arr = _as_array(values)
    schema = {"share_of_entities": pl.Float64, "share_of_measure": pl.Float64}
    if arr.size == 0 or arr.sum() <= 0:
        return pl.DataFrame(schema=schema)
    p, share = _lorenz_exact(arr)
    if p.size > n_points:
        grid = np.linspace(0.0, 1.0, n_points)
        share = np.interp(grid, p, share)
        p = grid
    return pl.DataFrame({"share_of_entities": p, "share_of_measure": share})


def gini(values: Values) -> float:
    """Return the Gini coefficient of ``values`` (NaN when there is no measure).

    Parameters
    ----------
    values
        Non-negative measure per entity, zeros included.

    Notes
    -----
    ``G = sum_i (2i - n - 1) x_(i) / (n sum x)`` over values sorted ascending — the
    standard (biased) sample Gini, equal to twice the area between the diagonal and
    the Lorenz curve. It lies in ``[0, (n - 1)/n]``.

    Examples
    --------
    >>> gini([1, 1, 1, 1])
    0.0
    >>> round(gini([0, 0, 0, 4]), 4)
    0.75
    """
    arr = _as_array(values)
    n = arr.size
    total = float(arr.sum())
    if n == 0 or total <= 0:
        return math.nan
    ranks = np.arange(1, n + 1, dtype=np.float64)
    g = float(np.dot(2 * ranks - n - 1, np.sort(arr))) / (n * total)
    return min(max(g, 0.0), 1.0)


def generalised_gini(values: Values, *, n_events: float | None = None) -> float:
    """Return the generalised Gini ``G'`` of Bernasco & Steenbeek (2017).

    Parameters
    ----------
    values
        Non-negative measure per unit (place), zeros included.
    n_events
        Number of events ``N`` behind the values; defaults to their sum (counts).
        Give the number of incidents when ``values`` are harm days.

    Notes
    -----
    ``G' = max(1, n/N) (G - 1) + 1`` where ``n`` is the number of units and ``G`` the
    standard Gini. When events are fewer than units the Lorenz curve is compared with
    the line of maximal equality (``N`` units with one event each), so spreading ``N``
    events one per unit gives ``G' = 0`` rather than ``G = 1 - N/n``.

    References
    ----------
    Bernasco, W. and Steenbeek, W. (2017). More places than crimes: implications for
    evaluating the law of crime concentration at place. *Journal of Quantitative
    Criminology* 33(3), 451-467. doi:10.1007/s10940-016-9324-7

    Examples
    --------
    >>> round(generalised_gini([5, 2, 1, 0, 0, 0, 0, 0, 0, 0]), 4)
    0.75
    """
    arr = _as_array(values)
    g = gini(arr)
    if math.isnan(g):
        return math.nan
    events = float(arr.sum()) if n_events is None else float(n_events)
    if events <= 0:
        return math.nan
    gg = max(1.0, arr.size / events) * (g - 1.0) + 1.0
    return min(max(gg, 0.0), 1.0)


def top_share(values: Values, *, top: float = 0.2) -> float:
    """Return the share of the measure carried by the highest fraction ``top`` of entities.

    Parameters
    ----------
    values
        Non-negative measure per entity, zeros included.
    top
        Fraction of entities, in [0, 1]. A fractional entity counts in proportion
        (the Lorenz curve is interpolated), so ``top_share(top=1) == 1``.

    Examples
    --------
    >>> top_share([0, 0, 0, 0, 10], top=0.2)
    1.0
    """
    _check_fraction("top", top)
    arr = _as_array(values)
    if arr.size == 0 or arr.sum() <= 0:
        return math.nan
    p, share = _lorenz_exact(arr)
    return float(min(max(1.0 - np.interp(1.0 - top, p, share), 0.0), 1.0))


def top_count(top: float, n: int) -> int:
    """Return how many of ``n`` entities form the top fraction ``top``: ``ceil(top * n)``.

    Computed on the product rounded to nine decimals first: in binary floating point
    ``0.07 * 100`` is ``7.000000000000001``, whose ceiling made the top 7 % of 100
    entities eight.

    >>> top_count(0.07, 100), top_count(0.05, 50), top_count(0.2, 0)
    (7, 3, 0)
    """
    return math.ceil(round(top * n, 9)) if n else 0


def _top_cumulative(arr: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    cum = np.concatenate(([0.0], np.cumsum(np.sort(arr)[::-1])))
    out: npt.NDArray[np.float64] = cum / cum[-1]
    out[-1] = 1.0
    return out


def smallest_share_for(values: Values, *, share: float = 0.5) -> tuple[float, int]:
    """Return the smallest fraction of entities (and their number) carrying ``share``.

    Parameters
    ----------
    values
        Non-negative measure per entity, zeros included.
    share
        Share of the total measure, in (0, 1].

    Returns
    -------
    tuple[float, int]
        The fraction of entities (interpolated within the last entity needed, the
        inverse of :func:`top_share`) and the whole number of entities, highest
        first, whose measure reaches ``share`` of the total.

    Examples
    --------
    >>> smallest_share_for([1, 1, 2], share=0.5)
    (0.3333333333333333, 1)
    """
    _check_fraction("share", share, low_open=True)
    arr = _as_array(values)
    if arr.size == 0 or arr.sum() <= 0:
        return math.nan, 0
    top = _top_cumulative(arr)
    k = int(np.searchsorted(top, share - 1e-12, side="left"))
    k = max(1, min(k, arr.size))
    step = top[k] - top[k - 1]
    part = 1.0 if step <= 0 else min(max((share - top[k - 1]) / step, 0.0), 1.0)
    return float(((k - 1) + part) / arr.size), k


# --- results ------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ConcentrationResult(Result):
    """Concentration of a measure over a population of entities.

    ``frame`` has one row per entity of the population: ``entity_id``, ``value``,
    ``n_events``, ``rank`` (1 = highest; ties by ``entity_id``) and ``cum_share``
    (share of the measure carried by this entity and all ranked above it).
    """

    entity: str
    measure: str
    population: str
    n_entities: int
    n_entities_with_events: int
    n_events: int
    total: float
    gini: float
    generalised_gini: float
    top_shares: Mapping[str, float]
    entities_for_shares: Mapping[str, Mapping[str, float]]
    lorenz: pl.DataFrame

    def to_dict(self, *, n_top_entities: int = 10) -> dict[str, Any]:
        """Return the documented JSON contract (``docs/analyses.md``, version 1)."""
        top = self.frame.head(n_top_entities).select(
            "rank", "entity_id", "value", "n_events"
        )
        return json_object(
            {
                "analysis": "concentration",
                "version": 1,
                "entity": self.entity,
                "measure": self.measure,
                "population": self.population,
                "n_entities": self.n_entities,
                "n_entities_with_events": self.n_entities_with_events,
                "n_events": self.n_events,
                "total": self.total,
                "gini": self.gini,
                "generalised_gini": self.generalised_gini,
                "top_shares": dict(self.top_shares),
                "entities_for_share": {
                    k: dict(v) for k, v in self.entities_for_shares.items()
                },
                "lorenz": self.lorenz,
                "top_entities": top,
                "params": dict(self.params),
                "method": self.method,
                "source": self.source,
                "notes": [*self.notes, *self._cut_tie_note(n_top_entities)],
            }
        )

    def _cut_tie_note(self, n_top: int) -> list[str]:
        """Say when ``top_entities`` ends inside a run of equal values: the entities
        of that value past the list are left out by id order, not by the measure."""
        values = self.frame.get_column("value")
        if n_top <= 0 or values.len() <= n_top or values[n_top] != values[n_top - 1]:
            return []
        last = values[n_top - 1]
        n_equal = int((values == last).sum())
        n_listed = int((values.head(n_top) == last).sum())
        return [
            f"top_entities lists {n_listed} of the {n_equal} entities with "
            f"{last:g} (the last listed value): the other {n_equal - n_listed} are "
            "left out by id order, not by the measure (ranks are positions in that "
            "order)."
        ]


def _key(q: float) -> str:
    return f"{q:g}"


def _part_entity_note(
    arr: npt.NDArray[np.float64], tops: Sequence[float], entity: str
) -> list[str]:
    """Say when a top fraction is less than one entity of a small population.

    Its share is read off the interpolated Lorenz curve: the top 1 % of 73 LSOAs
    is 0.73 of the first, a part of what that one carries, not a set of entities.
    """
    n = arr.size
    part = [q for q in tops if 0 < q * n < 1]
    if not part:
        return []
    tops_text = " and ".join(f"{100 * q:g} %" for q in part)
    sizes = " and ".join(f"{q * n:.2g}" for q in part)
    verb, their = ("is", "its share") if len(part) == 1 else ("are", "their shares")
    first = float(arr.max()) / float(arr.sum())
    # the entities named are place, offender, victim, group or the default "entity"
    entities = "entities" if entity == "entity" else f"{entity}s"
    return [
        f"With {n:,} {entity if n == 1 else entities}, the top {tops_text} {verb} "
        f"less than one {entity} ({sizes} of one {entity}): {their} of the measure "
        f"{verb} read off the interpolated Lorenz curve, a part of the "
        f"{100 * first:.1f} % the top {entity} carries alone, not a set of {entities}."
    ]


def _per_entity(
    values: pl.DataFrame, entity_col: str, value_col: str, events_col: str | None
) -> pl.DataFrame:
    """Per entity id: the summed value and events (rows when no events column)."""
    agg = [pl.col(value_col).cast(pl.Float64).fill_null(0.0).sum().alias("value")]
    if events_col is not None and events_col in values.columns:
        agg.append(
            pl.col(events_col).cast(pl.Int64).fill_null(0).sum().alias("n_events")
        )
    else:
        agg.append(pl.len().cast(pl.Int64).alias("n_events"))
    return (
        values.filter(pl.col(entity_col).is_not_null())
        .group_by(pl.col(entity_col).cast(pl.String).alias("entity_id"))
        .agg(agg)
    )


def _with_population(per: pl.DataFrame, population: pl.Series) -> pl.DataFrame:
    """``per`` over every entity of ``population`` too, with zeros for those without."""
    pop = pl.DataFrame({"entity_id": population.cast(pl.String)}).drop_nulls().unique()
    return pop.join(per, on="entity_id", how="full", coalesce=True).with_columns(
        pl.col("value").fill_null(0.0), pl.col("n_events").fill_null(0)
    )


def _entities_for_shares(
    arr: npt.NDArray[np.float64], shares: Sequence[float]
) -> dict[str, dict[str, float]]:
    """Per share: the smallest fraction (and number) of entities that carries it."""
    inverse: dict[str, dict[str, float]] = {}
    for s in shares:
        frac, k = smallest_share_for(arr, share=s)
        inverse[_key(s)] = {"share_of_entities": frac, "n_entities": k}
    return inverse


def concentration_from_values(
    values: pl.DataFrame,
    *,
    entity_col: str = "entity_id",
    value_col: str = "value",
    events_col: str | None = "n_events",
    population: pl.Series | None = None,
    entity: str = "entity",
    measure: str = "count",
    population_label: str | None = None,
    tops: Sequence[float] = DEFAULT_TOPS,
    shares: Sequence[float] = DEFAULT_SHARES,
    params: Mapping[str, Any] | None = None,
    notes: Sequence[str] = (),
) -> ConcentrationResult:
    """Measure the concentration of ``value_col`` over the entities of ``values``.

    Parameters
    ----------
    values
        One row per entity with a measure (several rows of one entity are summed).
    entity_col, value_col
        Column names of the entity id and its measure.
    events_col
        Optional column with the number of events behind each value (used as ``N``
        in the generalised Gini; without it ``N`` is the sum of values).
    population
        Every entity of the population, zeros included (e.g. every LSOA or grid
        cell of the area). Entities of ``values`` outside it are added to it.
    entity, measure, population_label
        Labels echoed in the result.
    tops
        Top fractions whose share of the measure is reported.
    shares
        Shares whose smallest carrying fraction of entities is reported.
    params, notes
        Echoed parameters and caveats to carry in the result.

    Returns
    -------
    ConcentrationResult
        Gini, generalised Gini, top shares, Lorenz points and the ranked entities.
    """
    check_frame(values, [entity_col, value_col], name="values")
    for q in tops:
        _check_fraction("tops", q)
    for s in shares:
        _check_fraction("shares", s, low_open=True)
    per = _per_entity(values, entity_col, value_col, events_col)
    n_with_events = per.height
    if population is not None:
        per = _with_population(per, population)
    per = per.sort(["value", "entity_id"], descending=[True, False])
    arr = per["value"].to_numpy()
    total = float(arr.sum()) if arr.size else 0.0
    n_events = int(per["n_events"].sum()) if per.height else 0
    cum = np.cumsum(arr) / total if total > 0 else np.full(arr.size, math.nan)
    per = per.with_columns(
        pl.Series("rank", np.arange(1, per.height + 1, dtype=np.int64)),
        pl.Series("cum_share", cum, dtype=pl.Float64),
    ).select("entity_id", "value", "n_events", "rank", "cum_share")
    top_shares = {_key(q): top_share(arr, top=q) for q in tops}
    inverse = _entities_for_shares(arr, shares)
    g = gini(arr)
    gg = generalised_gini(arr, n_events=n_events) if n_events > 0 else math.nan
    label = population_label or (
        f"every {entity} with at least one event"
        if population is None
        else f"every {entity} of the given population, zeros included"
    )
    all_notes = list(notes)
    if total <= 0:
        all_notes.append(NO_MEASURE_NOTE)
    else:
        all_notes.extend(_part_entity_note(arr, tops, entity))
    return ConcentrationResult(
        frame=per,
        params=dict(params or {}),
        method="Lorenz curve, Gini, generalised Gini (sparse counts), top shares",
        source=_SOURCE,
        notes=tuple(all_notes),
        entity=entity,
        measure=measure,
        population=label,
        n_entities=per.height,
        n_entities_with_events=n_with_events,
        n_events=n_events,
        total=total,
        gini=g,
        generalised_gini=gg,
        top_shares=top_shares,
        entities_for_shares=inverse,
        lorenz=lorenz_curve(arr),
    )


# --- entities from canonical tables -------------------------------------------------
_ROLES: Final[dict[str, tuple[str, ...]]] = {
    "offender": ("offender",),
    "victim": ("victim",),
    "group": ("offender",),
}


def _incident_measure(incidents: pl.DataFrame, measure: Measure) -> pl.DataFrame:
    if measure == "harm":
        if "harm_days" not in incidents.columns:
            msg = (
                "incidents has no 'harm_days' column: harm is unavailable. Run "
                "'avert classify' (or join avert.schema.CLASSIFICATIONS.harm_days)."
            )
            raise SchemaError(msg)
        value = pl.col("harm_days").cast(pl.Float64).fill_null(0.0)
    else:
        value = pl.lit(1.0)
    return incidents.select(pl.col("incident_id"), value.alias("value"))


def _entity_incidents(
    involvements: pl.DataFrame | None,
    *,
    entity: Entity,
    group_members: pl.DataFrame | None,
    roles: Sequence[str] | None,
) -> pl.DataFrame:
    """One row per (entity, incident) of a person or group entity: ``person_id``
    (the group id for groups) and ``incident_id``."""
    if entity not in _ROLES:
        msg = f"The 'entity' parameter must be one of offender, victim, place, group. Got {entity!r}."
        raise ConfigError(msg)
    if involvements is None:
        msg = f"Concentration by {entity} needs the involvements table."
        raise SchemaError(msg)
    check_frame(involvements, ["incident_id", "person_id", "role"], name="involvements")
    use_roles = list(roles) if roles is not None else list(_ROLES[entity])
    people = involvements.filter(pl.col("role").is_in(use_roles)).select(
        "incident_id", "person_id"
    )
    if len(set(use_roles)) > 1:  # (incident, person, role) is the key
        people = people.unique()
    if entity == "group":
        if group_members is None:
            msg = "Concentration by group needs the group_members table."
            raise SchemaError(msg)
        check_frame(group_members, ["group_id", "person_id"], name="group_members")
        people = (
            people.join(
                group_members.select("group_id", "person_id").unique(), on="person_id"
            )
            .select(pl.col("group_id").alias("person_id"), "incident_id")
            .unique()
        )
    return people


def _unattributed_note(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame | None,
    *,
    entity: Entity,
    measure: Measure,
    group_members: pl.DataFrame | None,
    roles: Sequence[str] | None,
) -> list[str]:
    """The incidents no entity of the population carries, which every share leaves out.

    Over offenders most violence has no recorded offender (unsolved): the top shares
    are of the offender-attributed incidents only, and a reader must see that base.
    """
    people = _entity_incidents(
        involvements, entity=entity, group_members=group_members, roles=roles
    )
    if incidents.height == 0 or people.height == 0:
        return []
    out = incidents.join(people.select("incident_id"), on="incident_id", how="anti")
    if out.height == 0:
        return []
    who = "/".join(roles or _ROLES[entity])
    if entity == "group":
        who = f"{who} who is a member of a group"
    text = (
        f"{out.height:,} of {incidents.height:,} incidents "
        f"({out.height / incidents.height:.1%}) have no {who} recorded"
    )
    if measure == "harm" and "harm_days" in incidents.columns:
        total = float(incidents["harm_days"].fill_null(0.0).sum())
        left = float(out["harm_days"].fill_null(0.0).sum())
        if total > 0:
            text += f", {left / total:.1%} of the harm days"
    return [text + ": they are outside these shares, which are of the rest."]


def entity_values(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame | None = None,
    *,
    entity: Entity,
    measure: Measure = "count",
    cell_size_m: float | None = None,
    group_members: pl.DataFrame | None = None,
    roles: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Return the measure per entity: ``entity_id``, ``value``, ``n_events``.

    Parameters
    ----------
    incidents
        Incidents of the window (``incident_id``; ``harm_days`` for the harm
        measure; ``lsoa`` or ``x``/``y`` for places).
    involvements
        ``incident_id``, ``person_id``, ``role`` (people and groups only).
    entity
        ``offender``/``victim`` (people with that role), ``place`` (LSOA, or grid cell
        when ``cell_size_m`` is given) or ``group`` (declared groups, through the
        offences of their members, each incident counted once per group).
    measure
        ``count`` (incidents) or ``harm`` (sum of ``harm_days``).
    cell_size_m
        Grid cell size for places; ``None`` means LSOA.
    group_members
        ``group_id``, ``person_id`` (groups only).
    roles
        Override the involvement roles (default: offender → ``offender``, victim →
        ``victim``, group → ``offender``).

    Notes
    -----
    A person involved in an incident carries that incident's whole count and harm
    (each offender of a two-offender assault carries the assault), the convention of
    offender-harm studies (Sherman, Neyroud & Neyroud 2016).
    """
    check_frame(incidents, ["incident_id"], name="incidents")
    inc = _incident_measure(incidents, measure)
    if entity == "place":
        if cell_size_m is None:
            check_frame(incidents, ["lsoa"], name="incidents")
            place = incidents.select(pl.col("lsoa").alias("entity_id"))
        else:
            check_frame(incidents, ["x", "y"], name="incidents")
            place = assign_cells(
                incidents.select("x", "y"), cell_size_m=cell_size_m
            ).select(pl.col("cell_id").alias("entity_id"))
        return (
            pl.concat([inc, place], how="horizontal")
            .filter(pl.col("entity_id").is_not_null())
            .with_columns(pl.lit(1, dtype=pl.Int64).alias("n_events"))
            .select("entity_id", "value", "n_events")
        )
    people = _entity_incidents(
        involvements, entity=entity, group_members=group_members, roles=roles
    )
    return (
        people.join(inc, on="incident_id", how="inner")
        .group_by(pl.col("person_id").alias("entity_id"))
        .agg(pl.col("value").sum(), pl.len().cast(pl.Int64).alias("n_events"))
    )


def has_values(frame: pl.DataFrame, columns: Sequence[str]) -> bool:
    """Whether ``frame`` has each of ``columns`` with at least one non-null value."""
    return all(
        c in frame.columns and frame[c].null_count() < frame.height for c in columns
    )


def _fallback_cells(
    incidents: pl.DataFrame, cell_size_m: float | None, places: pl.Series | None
) -> tuple[float | None, list[str]]:
    """The cell size places are measured in, and a note when it was chosen here.

    Places are LSOAs unless a cell size is given; when no incident has an LSOA but
    some have coordinates they are grid cells of :data:`FALLBACK_CELL_M` instead, as
    in VOLT (:mod:`avert.analyse.volt`): every figure by LSOA would be n/a.
    """
    if (
        cell_size_m is not None
        or places is not None
        or incidents.height == 0
        or has_values(incidents, ["lsoa"])
        or not has_values(incidents, ["x", "y"])
    ):
        return cell_size_m, []
    return FALLBACK_CELL_M, [
        "No incident has an LSOA (an England and Wales census area: the data give "
        f"none): places are grid cells of {FALLBACK_CELL_M:g} m from the coordinates "
        "instead (--cell gives another size)."
    ]


def _place_unit_name(cell_size_m: float | None) -> str:
    """The place unit in words: ``LSOA`` or ``250 m grid cell``."""
    return "LSOA" if cell_size_m is None else f"{cell_size_m:g} m grid cell"


def _place_population(
    source: pl.DataFrame,
    *,
    cell_size_m: float | None,
    places: pl.Series | None,
    cell_population: Literal["active", "box"],
    area_given: bool,
) -> tuple[pl.Series, str]:
    """The place population (zeros included) and its label: the given place set, the
    grid over ``source``'s bounding box, or the places holding one of its incidents."""
    unit = _place_unit_name(cell_size_m)
    if places is not None:
        return places, f"every {unit} of the given place set, zeros included"
    if cell_size_m is not None and cell_population == "box":
        return grid_cells(source, cell_size_m=cell_size_m), (
            f"every {unit} of the rectangle spanned by the area's recorded "
            "incidents, zeros included"
        )
    # the LSOAs or cells with a recorded incident
    seen = (
        source["lsoa"]
        if cell_size_m is None
        else assign_cells(source.select("x", "y"), cell_size_m=cell_size_m)["cell_id"]
    )
    label = (
        f"every {unit} with at least one recorded incident of any kind in the "
        "area and window, zeros included"
        if area_given
        else f"every {unit} with at least one analysed event (no area given)"
    )
    return seen.drop_nulls().unique(), label


def _unplaced_notes(
    incidents: pl.DataFrame, values: pl.DataFrame, cell_size_m: float | None
) -> list[str]:
    """Notes on incidents without a place, and on data with no LSOA at all."""
    unit = _place_unit_name(cell_size_m)
    notes: list[str] = []
    n_unplaced = incidents.height - values.height
    if n_unplaced:
        article = "an" if unit == "LSOA" else "a"
        notes.append(
            f"{n_unplaced:,} incidents without {article} {unit} were left out."
        )
    if cell_size_m is None and values.height == 0 and n_unplaced:
        # not only a police.uk copy without the column: data from outside
        # England and Wales (Toronto) have no LSOAs at all
        notes.append(
            "No incident has an LSOA (an England and Wales census area: the "
            "data give none) nor coordinates (x, y): places cannot be measured."
        )
    return notes


def _measure_params(
    entity: Entity,
    measure: Measure,
    *,
    cell_size_m: float | None,
    cell_population: Literal["active", "box"],
    date_from: dt.datetime | None,
    date_to: dt.datetime | None,
    n_incidents: int,
) -> dict[str, Any]:
    """The ``params`` echoed by :func:`measure_concentration`."""
    return {
        "entity": entity,
        "measure": measure,
        "cell_size_m": cell_size_m,
        "cell_population": cell_population
        if entity == "place" and cell_size_m
        else None,
        "place_unit": None
        if entity != "place"
        else ("lsoa" if cell_size_m is None else "cell"),
        "from": date_from,
        "to": date_to,
        "n_incidents": n_incidents,
    }


def measure_concentration(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame | None = None,
    *,
    entity: Entity,
    measure: Measure = "count",
    cell_size_m: float | None = None,
    area: pl.DataFrame | None = None,
    places: pl.Series | None = None,
    group_members: pl.DataFrame | None = None,
    roles: Sequence[str] | None = None,
    cell_population: Literal["active", "box"] = "active",
    date_from: dt.datetime | None = None,
    date_to: dt.datetime | None = None,
    tops: Sequence[float] = DEFAULT_TOPS,
    shares: Sequence[float] = DEFAULT_SHARES,
) -> ConcentrationResult:
    """Concentration of incidents or harm over offenders, victims, places or groups.

    Parameters
    ----------
    incidents
        The incidents to measure (already restricted to the window and definition,
        e.g. violence). ``harm_days`` is needed for ``measure="harm"``.
    involvements, group_members
        See :func:`entity_values`.
    entity, measure, cell_size_m, roles
        See :func:`entity_values`. Places without a cell size are LSOAs, or grid
        cells of :data:`FALLBACK_CELL_M` when no incident has an LSOA but some have
        coordinates (a note says so; ``params.cell_size_m`` echoes the size used).
    area
        For places: incidents of *every* kind recorded in the area and window; their
        LSOAs (or the grid over their bounding box) form the place population, zeros
        included. Defaults to ``incidents`` itself.
    places
        For places: an explicit population of place ids (overrides ``area``).
    cell_population
        For grid cells: ``active`` (default) = every cell holding at least one
        incident of ``area``; ``box`` = every cell of the rectangle spanned by
        ``area``'s points (sensitive to stray points far from the area).
    date_from, date_to
        The window the incidents were drawn from, echoed in the result.
    tops, shares
        See :func:`concentration`.

    Returns
    -------
    ConcentrationResult
        With ``population`` saying which entities were counted.
    """
    fallback_notes: list[str] = []
    if entity == "place":
        cell_size_m, fallback_notes = _fallback_cells(incidents, cell_size_m, places)
    values = entity_values(
        incidents,
        involvements,
        entity=entity,
        measure=measure,
        cell_size_m=cell_size_m,
        group_members=group_members,
        roles=roles,
    )
    population, label, notes = _population_and_notes(
        incidents,
        involvements,
        values,
        entity=entity,
        measure=measure,
        cell_size_m=cell_size_m,
        area=area,
        places=places,
        group_members=group_members,
        roles=roles,
        cell_population=cell_population,
    )
    notes = [*fallback_notes, *notes, *_no_harm_weight_note(incidents, measure)]
    return concentration_from_values(
        values,
        population=population,
        entity=entity,
        measure=measure,
        population_label=label,
        tops=tops,
        shares=shares,
        params=_measure_params(
            entity,
            measure,
            cell_size_m=cell_size_m,
            cell_population=cell_population,
            date_from=date_from,
            date_to=date_to,
            n_incidents=incidents.height,
        ),
        notes=notes,
    )


def _population_and_notes(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame | None,
    values: pl.DataFrame,
    *,
    entity: Entity,
    measure: Measure,
    cell_size_m: float | None,
    area: pl.DataFrame | None,
    places: pl.Series | None,
    group_members: pl.DataFrame | None,
    roles: Sequence[str] | None,
    cell_population: Literal["active", "box"],
) -> tuple[pl.Series | None, str, list[str]]:
    """The population :func:`measure_concentration` counts, in words, and its notes.

    Places: every place of ``area`` (``incidents`` when None) or ``places``, zeros
    included (:func:`_place_population`), and the incidents left unplaced
    (:func:`_unplaced_notes`). People and groups: None (every one with at least
    one incident in one of the roles) and the incidents attributed to no one
    (:func:`_unattributed_note`).
    """
    if entity == "place":
        population, label = _place_population(
            incidents if area is None else area,
            cell_size_m=cell_size_m,
            places=places,
            cell_population=cell_population,
            area_given=area is not None,
        )
        return population, label, [*_unplaced_notes(incidents, values, cell_size_m)]
    label = (
        f"every {entity} with at least one incident as "
        f"{'/'.join(roles or _ROLES[entity])} in the window"
    )
    notes = _unattributed_note(
        incidents,
        involvements,
        entity=entity,
        measure=measure,
        group_members=group_members,
        roles=roles,
    )
    return None, label, [*notes]


def _no_harm_weight_note(incidents: pl.DataFrame, measure: Measure) -> list[str]:
    """Of a harm measure, how many incidents had no harm weight (counted as 0
    days); none when every one had one."""
    if measure == "harm" and "harm_days" in incidents.columns:
        n_null = int(incidents["harm_days"].null_count())
        if n_null:
            return [f"{n_null:,} incidents had no harm weight and count as 0 days."]
    return []


# --- stability ----------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class StabilityResult(Result):
    """Stability of the top set ("power few") between two periods.

    ``frame``: ``entity_id``, ``value_first``, ``value_second``, ``in_top_first``,
    ``in_top_second``.
    """

    top: float
    n_entities: int
    n_top: int
    overlap_share: float
    jaccard: float
    spearman: float

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready summary."""
        return json_object(
            {
                "analysis": "stability",
                "top": self.top,
                "n_entities": self.n_entities,
                "n_top": self.n_top,
                "overlap_share": self.overlap_share,
                "jaccard": self.jaccard,
                "spearman": self.spearman,
                "params": dict(self.params),
                "notes": list(self.notes),
            }
        )


def _rank_avg(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    from scipy.stats import rankdata

    ranks: npt.NDArray[np.float64] = np.asarray(
        rankdata(values, method="average"), dtype=np.float64
    )
    return ranks


def stability(
    first: pl.DataFrame,
    second: pl.DataFrame,
    *,
    top: float = 0.2,
    entity_col: str = "entity_id",
    value_col: str = "value",
    population: pl.Series | None = None,
) -> StabilityResult:
    """Compare the top entities of two periods.

    Parameters
    ----------
    first, second
        Measure per entity in each period (e.g. :func:`entity_values` of two windows,
        or ``ConcentrationResult.frame``).
    top
        Fraction of entities forming the top set in each period: the
        ``ceil(top * n)`` highest, ties broken by entity id, ``n`` being the number of
        entities in either period (or in ``population``).
    entity_col, value_col
        Column names.
    population
        Optional full population (zeros included), e.g. every grid cell.

    Returns
    -------
    StabilityResult
        ``overlap_share`` = |top₁ ∩ top₂| / |top₁|, the Jaccard index, and Spearman's
        rank correlation of the two measures over the population (NaN when either
        period is constant).
    """
    _check_fraction("top", top, low_open=True)
    for name, f in (("first", first), ("second", second)):
        check_frame(f, [entity_col, value_col], name=name)

    def per(f: pl.DataFrame, suffix: str) -> pl.DataFrame:
        return f.group_by(pl.col(entity_col).cast(pl.String).alias("entity_id")).agg(
            pl.col(value_col)
            .cast(pl.Float64)
            .fill_null(0.0)
            .sum()
            .alias(f"value_{suffix}")
        )

    both = per(first, "first").join(
        per(second, "second"), on="entity_id", how="full", coalesce=True
    )
    if population is not None:
        pop = pl.DataFrame({"entity_id": population.cast(pl.String)}).unique()
        both = pop.join(both, on="entity_id", how="full", coalesce=True)
    both = both.with_columns(
        pl.col("value_first").fill_null(0.0), pl.col("value_second").fill_null(0.0)
    ).sort("entity_id")
    n = both.height
    k = top_count(top, n)

    def top_flag(col: str) -> pl.Expr:
        # frame is sorted by entity_id, so ordinal ranks break ties by entity_id
        order = (-pl.col(col)).rank("ordinal")
        return (order <= k) & (pl.col(col) > 0)

    both = both.with_columns(
        top_flag("value_first").alias("in_top_first"),
        top_flag("value_second").alias("in_top_second"),
    )
    a = int(both["in_top_first"].sum())
    inter = int((both["in_top_first"] & both["in_top_second"]).sum())
    union = int((both["in_top_first"] | both["in_top_second"]).sum())
    v1 = both["value_first"].to_numpy()
    v2 = both["value_second"].to_numpy()
    if n < 2 or np.ptp(v1) == 0 or np.ptp(v2) == 0:
        rho = math.nan
    else:
        rho = float(np.corrcoef(_rank_avg(v1), _rank_avg(v2))[0, 1])
    return StabilityResult(
        frame=both,
        params={
            "top": top,
            "population": "given" if population is not None else "union",
        },
        method="overlap of top sets, Jaccard index, Spearman rank correlation",
        source="Weisburd et al. (2004) Criminology 42:283; Sherman (2007) power few",
        notes=("Entities with zero measure never count as top.",),
        top=top,
        n_entities=n,
        n_top=k,
        overlap_share=inter / a if a else math.nan,
        jaccard=inter / union if union else math.nan,
        spearman=rho,
    )
