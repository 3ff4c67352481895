"""Every dot colour of the places map tells its category apart from the others.

A City of London 2019 month under avb-2010 maps robberies, possession of weapons
("violence_weapon") and violence and sexual offences (no single category): the
weapons and the no-category dots were both drawn #333333, so the legend showed two
entries of one colour.
"""

from __future__ import annotations

import re

import pytest

from avert.config.definitions import available_profiles, load_profile
from avert.report.charts import OTHER_COLOUR, category_colour, places_map_svg
from avert.report.render import _legend


@pytest.mark.parametrize("profile", available_profiles())
def test_each_category_of_a_shipped_profile_has_its_own_colour(profile: str) -> None:
    categories = list(load_profile(profile).categories)
    colours = [category_colour(c) for c in categories]
    assert len(set(colours)) == len(colours), dict(
        zip(categories, colours, strict=True)
    )
    assert OTHER_COLOUR not in colours  # the colour of "no single category"


def test_a_police_uk_month_legend_has_three_colours() -> None:
    points = [
        {"x": 1.0, "y": 1.0, "category": "personal_robbery"},
        {"x": 2.0, "y": 1.0, "category": "violence_weapon"},
        {"x": 3.0, "y": 1.0, "category": None},
    ]
    legend = _legend(points)
    assert len({colour for _, colour, _ in legend}) == 3, legend
    svg = places_map_svg([], points, cell_size_m=150.0)
    fills = re.findall(r'<circle [^>]*fill="(#[0-9A-Fa-f]{6})"', svg)
    assert sorted(fills) == sorted(colour for _, colour, _ in legend)


def test_a_category_of_a_custom_profile_is_not_drawn_as_no_category() -> None:
    assert category_colour("my_own_category") != OTHER_COLOUR
    assert category_colour("my_own_category") == category_colour("my_own_category")
    assert category_colour(None) == OTHER_COLOUR
