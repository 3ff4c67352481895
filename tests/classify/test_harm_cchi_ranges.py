"""Every default harm weight lies inside its CCHI 2026 subgroup range.

The reference (``tests/data/cchi-2026``) is a published digest of the Cambridge Crime Harm
Index 2026 spreadsheet by Police Recorded Crime offence subgroup (min/median/mean/max CCHI
days), and a code -> subgroup table made from the Home Office 2017/18 lookup. A weight
outside its range, or different from the single value where min = max, fails the test;
a code whose subgroup has no published range must say so in its ``reason``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from avert.config.definitions import load_harm

DATA = Path(__file__).resolve().parents[1] / "data" / "cchi-2026"


def _ranges() -> dict[str, tuple[float, float]]:
    with (DATA / "cchi_2026_subgroups.csv").open(encoding="utf-8") as fh:
        return {
            r["prc_offence_subgroup"]: (float(r["min_days"]), float(r["max_days"]))
            for r in csv.DictReader(fh)
        }


def _subgroups() -> dict[str, str]:
    with (DATA / "offence-code-to-prc-subgroup.csv").open(encoding="utf-8") as fh:
        return {
            r["offence_code"]: r["prc_offence_subgroup"] for r in csv.DictReader(fh)
        }


def test_the_mapping_covers_every_code_of_the_harm_table() -> None:
    harm = load_harm()
    mapping = _subgroups()
    assert set(mapping) == set(harm.codes)
    ranges = _ranges()
    assert {s for s in mapping.values() if s} <= set(ranges)


@pytest.mark.parametrize("code", sorted(_subgroups()))
def test_default_weight_lies_in_its_cchi_subgroup_range(code: str) -> None:
    entry = load_harm().codes[code]
    subgroup = _subgroups()[code]
    if not subgroup:
        assert "no CCHI subgroup range" in entry.reason, code
        return
    low, high = _ranges()[subgroup]
    assert low <= entry.days <= high, (code, subgroup, entry.days, (low, high))
    if low == high:
        assert entry.days == low, (code, subgroup)


@pytest.mark.parametrize(
    ("code", "days"),
    [("46", 1.0), ("39", 2.0), ("44", 2.0), ("34A", 365.0), ("34B", 365.0)],
)
def test_single_valued_subgroups_are_exact(code: str, days: float) -> None:
    assert load_harm().codes[code].days == days
