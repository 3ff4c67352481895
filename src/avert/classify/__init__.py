"""Classification of records: the violence definition engine and harm weights.

Pure functions (DataFrames in, DataFrames out): :func:`violence` classifies incidents
under a definition profile (``avert.config.definitions``), :func:`attach_harm` adds
Cambridge Crime Harm Index weights, :func:`classify_with_harm` returns exactly the
``classifications`` table, :func:`asb_escalation` is the ASB bridge and
:func:`explain` explains one hypothetical record.
"""

from avert.classify.harm import attach_harm, expected_harm_origin
from avert.classify.violence import (
    Explanation,
    asb_escalation,
    classify_with_harm,
    explain,
    violence,
)

__all__ = [
    "Explanation",
    "asb_escalation",
    "attach_harm",
    "classify_with_harm",
    "expected_harm_origin",
    "explain",
    "violence",
]
