"""What a stop and search equality analysis returns: :class:`EqualityResult` with
its tidy frames, and the group a search of no person is counted in.

Shared by the analysis (:func:`avert.analyse.equality.stop_search_equality`) and
the small-cell rule that rewrites it for readers outside the police
(:mod:`avert.analyse.equality._small_cells`), so that neither imports the other.

Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import polars as pl

from avert.analyse.result import Result, json_object, jsonable

#: the group (and sex) of a vehicle-only search with no ethnicity or sex recorded
_NO_PERSON: Final = "vehicle only"


@dataclass(frozen=True, kw_only=True)
class EqualityResult(Result):
    """Stop and search by group: ``frame`` holds rates and ratios per area and group.

    Attributes
    ----------
    by_legislation, by_age, by_sex, outcomes, trend, not_stated
        Tidy frames (see :func:`stop_search_equality`).
    """

    by_legislation: pl.DataFrame = field(default_factory=pl.DataFrame)
    by_age: pl.DataFrame = field(default_factory=pl.DataFrame)
    by_sex: pl.DataFrame = field(default_factory=pl.DataFrame)
    outcomes: pl.DataFrame = field(default_factory=pl.DataFrame)
    trend: pl.DataFrame = field(default_factory=pl.DataFrame)
    not_stated: pl.DataFrame = field(default_factory=pl.DataFrame)

    def flagged(self) -> pl.DataFrame:
        """Rows of every frame whose ratio is significantly above 1."""
        parts = []
        for name, frame in (
            ("rates", self.frame),
            ("legislation", self.by_legislation),
        ):
            if "significantly_above_1" in frame.columns:
                keep = [
                    c
                    for c in ("area", "power", "group", "ratio_to_white")
                    if c in frame.columns
                ]
                parts.append(
                    frame.filter(pl.col("significantly_above_1"))
                    .select(*keep, "ci_low", "ci_high")
                    .with_columns(pl.lit(name).alias("table"))
                )
        return pl.concat(parts, how="diagonal") if parts else pl.DataFrame()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every frame, parameters, method, source and notes."""
        return {
            "rates": jsonable(self.frame),
            "by_legislation": jsonable(self.by_legislation),
            "by_age": jsonable(self.by_age),
            "by_sex": jsonable(self.by_sex),
            "outcomes": jsonable(self.outcomes),
            "trend": jsonable(self.trend),
            "not_stated": jsonable(self.not_stated),
            "params": json_object(self.params),
            "method": self.method,
            "source": self.source,
            "notes": list(self.notes),
        }
