"""The demo runs end to end on a small city and writes a page a person can open."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from demo_once import demo_copy

from avert.store import Store
from avert.workflows import delivery


def test_demo_writes_index_briefing_and_json(tmp_path: Path, demo_4000: Path) -> None:
    """On a copy (modes kept) of the session's demo run, made under umask 022."""
    report = demo_copy(demo_4000, tmp_path)
    # Everything the demo wrote is private, like a deployment's outputs.
    demo_dir = tmp_path / "demo"
    for path in [demo_dir, *demo_dir.rglob("*"), tmp_path / "demo.db"]:
        expected = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == expected, path
    html = report.index.read_text(encoding="utf-8")
    assert "briefing/briefing.html" in html
    assert (tmp_path / "demo" / "briefing" / "briefing.html").exists()
    for name in ("concentration_offender", "risk_offender", "groups", "retaliation"):
        payload = json.loads((tmp_path / "demo" / "json" / f"{name}.json").read_text())
        assert payload, name
    load = json.loads((tmp_path / "demo" / "json" / "load.json").read_text())
    assert all(
        f["rows"] == f["loaded"] + f["quarantined"] + f["duplicates"] for f in load
    )
    assert sum(f["quarantined"] for f in load) == 0
    assert 0 < report.figures["offender_top20_harm_share"] <= 1
    assert report.steps[0][0] == "generate the synthetic city"
    # the demo's plan, exported and imported unchanged, changes nothing: its
    # actions on top-harm subjects had no board, which an import fills in
    store = Store(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        text = delivery.export_plan(store)
        again = delivery.import_plan(store, "plan.yaml", text=text)
    finally:
        store.close()
    assert (again.created, again.updated) == (0, 0)
