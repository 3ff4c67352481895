"""Every police.uk file under ../shared/data loads and reconciles exactly.

Counts are checked three ways: against the row counts in each folder's README, against
a raw count of non-blank lines (minus the header), and ``rows = loaded + quarantined +
duplicates`` for every file. Skipped with a printed reason when ../shared is absent.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from avert.store import Store
from avert.workflows.load import load_files

pytestmark = [pytest.mark.shared, pytest.mark.slow]
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def shared_data() -> Path:
    """../shared/data, skipping (with a printed reason) when absent."""
    if not SHARED_DATA.exists():
        reason = f"../shared/data is absent ({SHARED_DATA} not found): real-data test skipped"
        print(f"\n{reason}")
        pytest.skip(reason)
    return SHARED_DATA


def _readme_counts(folder: Path) -> dict[str, int]:
    text = (folder / "README.md").read_text()
    return {
        name: int(n.replace(",", ""))
        for name, n in re.findall(r"^\| `([^`]+)` \| ([\d,]+) \|", text, flags=re.M)
    }


def _raw_rows(path: Path) -> int:
    if path.suffix == ".json":
        return len(json.loads(path.read_text()))
    lines = path.read_bytes().splitlines()
    return sum(1 for line in lines[1:] if line.strip())


def test_all_shared_policeuk_files_load_and_reconcile(sqlite_store: Store) -> None:
    root = shared_data()
    folders = sorted(p for p in root.iterdir() if p.name.startswith("police-uk-"))
    assert len(folders) >= 7
    report = load_files(sqlite_store, folders)
    by_path = {Path(f.file): f for f in report.files}
    checked = 0
    for folder in folders:
        for name, expected in _readme_counts(folder).items():
            f = by_path[folder / name]
            assert f.rows == expected == _raw_rows(folder / name), name
            assert f.rows == f.loaded + f.quarantined + f.duplicates, name
            assert f.kind != "unknown", name
            checked += 1
    assert checked == len(report.files)
    assert report.quarantined == 0, [f.file for f in report.files if f.quarantined]
    counts = sqlite_store.counts()
    stops = sum(f.loaded for f in report.files if "stops" in f.kind)
    incidents = sum(
        f.loaded
        for f in report.files
        if f.kind in ("policeuk-street", "policeuk-reduced")
    )
    assert counts["stops"] == stops
    assert counts["incidents"] == incidents
    # the known quirks, measured: City of London 2019-06 (53 rows share 26 Crime IDs)
    june = next(
        f for p, f in by_path.items() if p.name == "2019-06-city-of-london-street.csv"
    )
    assert june.duplicates == 27
    print(
        f"\nloaded {report.loaded:,} of {report.rows:,} rows; "
        f"{report.duplicates:,} duplicates; {len(report.files)} files"
    )
