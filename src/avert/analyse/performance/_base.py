"""Shared vocabulary of the performance analysis: units, verdicts and defaults."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

Unit = Literal["month", "week"]
Family = Literal["auto", "poisson", "quasipoisson", "negbin"]
Trend = bool | Literal["auto"]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

#: the fixed vocabulary of verdicts, each with its written definition
VERDICTS: Final[dict[str, str]] = {
    "significant_sustained_reduction": (
        "The recent period's rate ratio against the seasonal baseline expectation is "
        "below 1 with p < alpha (two-sided test of the step term: Wald, or the "
        "chance of no event at all when there was none), AND the count (harm, when "
        "harm is judged) was below the baseline expectation (season and trend, "
        "the recent step split into the last sustained_of periods and those before, "
        "both off: the chart's expected line) in at least sustained_min of the last "
        "sustained_of periods."
    ),
    "significant_reduction": (
        "The rate ratio is below 1 with p < alpha, but the reduction is not yet "
        "sustained (fewer than sustained_min of the last sustained_of periods below "
        "the expectation)."
    ),
    "no_significant_change": "The rate ratio's p-value is alpha or more.",
    "significant_increase": "The rate ratio is above 1 with p < alpha.",
    "insufficient_data": (
        "Fewer than min_baseline_periods baseline periods, fewer than "
        "min_baseline_events events in the baseline, no recent period, a recent "
        "month of year the baseline never saw, judged on harm a recent period whose "
        "events carry no harm weight (harm unknown, not zero), or the model could "
        "not be fitted. "
        "(No event at all in the recent period is judged against the baseline's "
        "expectation.)"
    ),
}

#: stated defaults of the verdict and the model
DEFAULTS: Final[dict[str, Any]] = {
    "alpha": 0.05,
    "sustained_min": 5,
    "sustained_of": 6,
    "min_baseline_periods": {"month": 12, "week": 52},
    "min_baseline_events": 20,
    "family": "auto",
    "trend": "auto",
    "trend_p": 0.001,
}

#: the parameters a verdict's definition names, as :data:`VERDICTS` spells them
_DEFINITION_PARAMS: Final = (
    "alpha",
    "sustained_min",
    "sustained_of",
    "min_baseline_periods",
    "min_baseline_events",
)


def verdict_definitions(params: Mapping[str, Any]) -> dict[str, str]:
    """:data:`VERDICTS` with the parameters they name replaced by their values.

    A reader of a verdict (the board) reads "in at least 5 of the last 6
    periods", not "sustained_min of the last sustained_of periods": ``params`` are
    those the analysis used (its result's ``params``, one number each); a
    parameter it does not give keeps its name.
    """
    values = {
        k: str(params[k])
        for k in _DEFINITION_PARAMS
        if isinstance(params.get(k), int | float) and not isinstance(params[k], bool)
    }
    if not values:
        return dict(VERDICTS)
    names = re.compile(r"\b(" + "|".join(map(re.escape, values)) + r")\b")
    return {k: names.sub(lambda m: values[m.group(1)], v) for k, v in VERDICTS.items()}


_Z95: Final = 1.959963984540054
