"""The package data of avert.synth are what ../shared/data aggregate to."""

from __future__ import annotations

from pathlib import Path

import pytest

from avert.synth import _build_data

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"
PACKAGED = REPO / "src" / "avert" / "synth" / "data"


@pytest.mark.shared
def test_package_data_rebuild_identically(tmp_path: Path) -> None:
    if not (SHARED / "home-office-recorded-crime-pfa-2017-18").exists():
        reason = f"../shared/data is absent ({SHARED} not found): rebuild check skipped"
        print(reason)
        pytest.skip(reason)
    _build_data.build(SHARED, tmp_path)
    for name in ("offence_mix.csv", "area_ethnicity.csv", "age_sex.csv"):
        assert (tmp_path / name).read_bytes() == (PACKAGED / name).read_bytes(), name


def test_offence_mix_has_every_code() -> None:
    lines = (PACKAGED / "offence_mix.csv").read_text(encoding="utf-8").splitlines()
    assert (
        lines[0]
        == "offence_code,description,offence_group,offence_subgroup,count,crime_type"
    )
    assert len(lines) == 133
