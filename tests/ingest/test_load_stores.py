"""The same load on SQLite and PostgreSQL: counts, outcome join, idempotence."""

from __future__ import annotations

from pathlib import Path

from avert.store import Store
from avert.workflows.load import load_files

from .helpers import OUTCOMES_HEADER, STREET_HEADER, street_row, write

DATA = Path(__file__).resolve().parents[1] / "data"


def test_policeuk_and_bundle_on_both_stores(any_store: Store, tmp_path: Path) -> None:
    cid = "c" * 64
    write(
        tmp_path / "x" / "2018-07-wy-street.csv",
        [STREET_HEADER, street_row(cid, crime_type="Robbery")],
    )
    write(
        tmp_path / "x" / "2018-09-wy-outcomes.csv",
        [
            OUTCOMES_HEADER,
            f"{cid},2018-09,x,x,,,,,,Suspect charged",
            f"{cid},2018-08,x,x,,,,,,Under investigation",
        ],
    )
    paths = [DATA / "policeuk", tmp_path / "x"]
    first = load_files(any_store, paths)
    assert all(f.balanced for f in first.files)
    bundle = load_files(any_store, [DATA / "bundle-example"], kind="bundle")
    assert bundle.loaded == 23
    counts = any_store.counts()
    assert counts["stops"] == 250 + 2  # police.uk subsets + bundle
    assert counts["outcomes"] == 2
    outcome = any_store.read_frame("incidents", where=[("incident_id", "=", cid)])[
        "outcome"
    ]
    assert outcome.to_list() == ["Suspect charged"]
    again = load_files(any_store, paths)
    again_bundle = load_files(any_store, [DATA / "bundle-example"], kind="bundle")
    assert again.loaded == again_bundle.loaded == 0
    assert any_store.counts() == counts
