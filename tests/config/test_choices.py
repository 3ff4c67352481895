"""The light choice lists the command line's --help shows agree with their users."""

from __future__ import annotations

from avert import access, policy
from avert.analyse.forecast import MODELS
from avert.config import choices
from avert.config.harm_import import CCHI_SHEET
from avert.workflows.board import AREA_FIELDS


def test_forecast_models_are_the_models() -> None:
    assert tuple(MODELS) == choices.FORECAST_MODELS


def test_roles_sheet_and_areas_have_one_source() -> None:
    assert access.ROLES is choices.ROLES
    assert policy.ROLES is choices.ROLES
    assert CCHI_SHEET is choices.CCHI_SHEET
    assert AREA_FIELDS is choices.AREA_FIELDS
