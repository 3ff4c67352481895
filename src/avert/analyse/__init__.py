"""Pure analyses: DataFrames (and configuration) in, results out; no I/O.

Each module names its method and source in its docstring; each result explains
itself (:class:`avert.analyse.result.Result`).
"""

from avert.analyse.concentration import (
    ConcentrationResult,
    StabilityResult,
    concentration_from_values,
    entity_values,
    generalised_gini,
    gini,
    lorenz_curve,
    measure_concentration,
    smallest_share_for,
    stability,
    top_share,
)
from avert.analyse.places import assign_cells, cell_expr, grid_cells
from avert.analyse.result import Result
from avert.analyse.risk import (
    RiskResult,
    asb_escalation_risk,
    offender_risk,
    risk_lists_to_dict,
    victim_risk,
)
from avert.analyse.volt import (
    VoltResult,
    person_profiles,
    place_profiles,
    time_profiles,
    volt_overlaps,
    volt_profiles,
    window_incidents,
)

__all__ = [
    "ConcentrationResult",
    "Result",
    "RiskResult",
    "StabilityResult",
    "VoltResult",
    "asb_escalation_risk",
    "assign_cells",
    "cell_expr",
    "concentration_from_values",
    "entity_values",
    "generalised_gini",
    "gini",
    "grid_cells",
    "lorenz_curve",
    "measure_concentration",
    "offender_risk",
    "person_profiles",
    "place_profiles",
    "risk_lists_to_dict",
    "smallest_share_for",
    "stability",
    "time_profiles",
    "top_share",
    "victim_risk",
    "volt_overlaps",
    "volt_profiles",
    "window_incidents",
]
