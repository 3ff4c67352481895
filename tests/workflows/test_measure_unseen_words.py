"""An objective's measure of a category the data cannot tell apart says so with
the category in words (London's police.uk months read "no incident in these data
is classified 'most_serious_violence'")."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import polars as pl

from avert.delivery.measures import parse_measure
from avert.workflows.delivery import _measures


def test_the_unseen_categorys_note_names_it_in_words() -> None:
    spec = parse_measure("most_serious_violence", None)
    series = SimpleNamespace(
        category="police.uk: violence and sexual offences",
        flag="all",
        area="all",
        chart=pl.DataFrame({"count": [61_430]}),
    )
    result: Any = SimpleNamespace(series=[series])
    window: Any = SimpleNamespace(start=dt.date(2022, 1, 1), end=dt.date(2022, 3, 31))
    note = _measures._Figures._unseen(None, result, spec, window, "avb-2010")  # type: ignore[arg-type]
    assert note is not None
    assert note.startswith(
        "no incident in these data is classified as Most Serious Violence (MSV), "
        "but "
        "61,430 in the definition"
    )
    assert "most_serious_violence" not in note


def test_a_measures_series_names_its_category_as_the_definition_does() -> None:
    """London's plan read "violence repeat victim per year" and "no incident in
    these data is classified as violence repeat victim": the category's id with
    spaces; both read the definition's name for it."""
    spec = parse_measure("violence_repeat_victim", None)
    names = {"violence_repeat_victim": "Violence against a repeat victim"}
    assert spec.label(names) == "Violence against a repeat victim per year"
    assert _measures._category_said("violence_repeat_victim", "avb-2010") == (
        "Violence against a repeat victim"
    )
    # a definition that no longer loads: the id in words
    assert _measures._category_said("violence_repeat_victim", "avb-gone") == (
        "violence repeat victim"
    )
