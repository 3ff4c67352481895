"""Names that the edges offer as choices, in a module that imports nothing heavy.

``avert --help`` builds every option's help text; the option naming a role, a
forecast model or a workbook sheet must not import Polars, the analyses or the
store to do it. Each name here is the one source: :mod:`avert.access` (roles),
:mod:`avert.workflows.board` (area fields) and :mod:`avert.config.harm_import` (the
sheet) import it; the forecast models are keys
of :data:`avert.analyse.forecast.MODELS`, checked equal by a test.
"""

from __future__ import annotations

from typing import Final, Literal

__all__ = ["AREA_FIELDS", "CCHI_SHEET", "FORECAST_MODELS", "ROLES", "Role"]

#: Roles of the web app's accounts (what each may see: :mod:`avert.access`).
Role = Literal["admin", "analyst", "chair", "officer", "partner", "board"]
ROLES: Final[tuple[Role, ...]] = (
    "admin",
    "analyst",
    "chair",
    "officer",
    "partner",
    "board",
)

#: Place forecast models by name; ``default`` is the best model measured.
FORECAST_MODELS: Final = ("default", "blend", "counting", "retro", "pro", "sepp")

#: Area fields a performance series can be split by (``avert analyse performance --by``).
AREA_FIELDS: Final = ("lsoa", "lsoa_name", "ward", "borough", "force")

#: Each of :data:`AREA_FIELDS` in words, as the web Performance page offers it
#: (its By area field listed the column names, "lsoa" and "lsoa_name").
AREA_FIELD_WORDS: Final = {
    "lsoa": "LSOA (code)",
    "lsoa_name": "LSOA (name)",
    "ward": "ward",
    "borough": "borough or local authority",
    "force": "force",
}

#: Sheet of the Cambridge workbook that holds one row per classification.
CCHI_SHEET: Final = "CCHI 2026 values sheet"
