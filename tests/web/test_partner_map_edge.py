"""A partner's places map counts an incident in its frame by its cell's centre
(partners see no closer place), the police map by the incident's own place: West
Yorkshire's July 2018 (police.uk) read 3,093 incidents in the partner's frame and
3,124 in the analyst's. Not a defect (the coarsening is the partner rule), so the
partner's page says in words which incidents its map leaves out at its edge."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from avert.cli import app as cli_app
from avert.config.settings import load_settings
from avert.report.charts import map_frame_reach
from avert.store import Store
from avert.web import create_app
from avert.workflows.users import add_user
from web.helpers import PASSWORD, SECRET, signed_in

EDGE = "in cells across the map's edge are not drawn nor counted in its frame"


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").split())


def test_partner_map_says_what_its_edge_leaves_out(
    sqlite_store: Store, shared_path: Callable[..., Path]
) -> None:
    folder = shared_path("police-uk-street-west-yorkshire-2018-07")
    loaded = CliRunner().invoke(
        cli_app,
        ["--db", sqlite_store.url.sqlalchemy, "ingest", "policeuk", str(folder)],
    )
    assert loaded.exit_code in (0, 3), loaded.output  # 3: its README is skipped
    add_user(sqlite_store, "analyst", password=PASSWORD, role="analyst")
    add_user(sqlite_store, "council", password=PASSWORD, role="partner", org="Council")
    settings = load_settings({}).with_overrides(
        database_url=sqlite_store.url.sqlalchemy,
        secret_key=SECRET,
        pseudonym_key=secrets.token_urlsafe(32),
    )
    app = create_app(settings, sqlite_store)
    police = _text(signed_in(app, "analyst").get("/places").text)
    partner = _text(signed_in(app, "council").get("/places").text)
    assert "400 of the 3,124 incidents in its frame (10,524 in the window)" in police
    assert "400 of the 3,093 incidents in its frame (10,524 in the window)" in partner
    # the partner's page says why some are missing at the edge; the police's,
    # drawn at the incidents' own places, has nothing to say
    assert f"159 incidents {EDGE}" in partner, partner[partner.index("The map") :][:800]
    assert "partners see no closer place" in partner
    assert EDGE not in police


def test_edge_count_is_of_the_cells_across_the_frame_edge() -> None:
    """Points at the centres of 100 m cells: those whose centre is past the frame
    but whose cell reaches into it are counted; those inside, or whose cell is
    wholly outside, are not. Every point the police map counts in its frame and
    the partner's does not is among them."""
    cells = [{"x": 50.0, "y": 50.0, "rank": 1}]
    size = 100.0
    exact = [
        {"incident_id": f"i{i}", "x": float(x), "y": float(y)}
        for i, (x, y) in enumerate(
            (x, y) for x in range(-3000, 3001, 37) for y in range(-3000, 3001, 41)
        )
    ]

    def centre(v: float) -> float:
        return (v // size + 0.5) * size

    snapped = [dict(p, x=centre(p["x"]), y=centre(p["y"])) for p in exact]
    police = {
        p["incident_id"] for p in map_frame_reach(cells, exact, cell_size_m=size).framed
    }
    partner = {
        p["incident_id"]
        for p in map_frame_reach(cells, snapped, cell_size_m=size).framed
    }
    assert police != partner  # the frame's edges cut cells
    cut = map_frame_reach(cells, snapped, cell_size_m=size).past_edge
    assert cut > 0
    # every point the police count in the frame and the partner does not is in
    # a cell across the edge whose centre is past it
    assert len(police - partner) <= cut
    assert map_frame_reach([], snapped, cell_size_m=size).past_edge == 0
