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
    note = _measures._Figures._unseen(None, result, spec, window)  # type: ignore[arg-type]
    assert note is not None
    assert note.startswith(
        "no incident in these data is classified as most serious violence, but "
        "61,430 in the definition"
    )
    assert "most_serious_violence" not in note
