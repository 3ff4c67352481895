"""The web Places page over police forces far apart: each force's own map and
notes, a shell-safe ``avert forecast --police-force`` line, and a word on a
force of too few events for places of its own.

The page drew one map over both forces (250 km wide: each cell smaller than a
pixel, the rest the ground between them) above each force's own, showed none of
the briefing's notes of one force ("Its Name: Left out of the patrol grid ..."),
wrote ``--police-force '{name}'`` (a name with a quote broke out of it), and
said nothing of a third force given no places.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import secrets
import shlex
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from avert.cli import app as cli_app
from avert.config.settings import load_settings
from avert.store import Store
from avert.web import create_app
from avert.workflows.users import add_user
from web.helpers import PASSWORD, SECRET, signed_in

#: A force whose name the shell would read: a quote and a ``$``
ODD = "O'Neil $HOME Police"
AT = dt.datetime(2019, 4, 20, 6)
CELL_ID = re.compile(r"\b\d+m:E\d+:N\d+\b")


def _cluster(x0: float, y0: float, force: str, seed: int, n: int = 200) -> pl.DataFrame:
    """``n`` violent incidents of ``force`` around (x0, y0) over 2019's first 110 days."""
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "x": x0 + rng.normal(0, 300, n),
            "y": y0 + rng.normal(0, 300, n),
            "occurred_from": [
                dt.datetime(2019, 1, 1) + dt.timedelta(hours=float(h))
                for h in rng.uniform(0, 24 * 108, n)
            ],
            "force": force,
        }
    )


def _client(store: Store, role: str = "analyst") -> TestClient:
    """A signed-in client of ``store`` holding Leeds' cluster (one incident 30 km
    from it, left out of its grid), :data:`ODD`'s 250 km south and three
    incidents of Kent's, each an assault with injury of the definition."""
    leeds = _cluster(430_000, 433_000, "West Yorkshire Police", 1)
    stray = leeds.head(1).with_columns(y=pl.lit(463_000.0))
    events = pl.concat(
        [
            leeds,
            stray,
            _cluster(532_000, 181_000, ODD, 2),
            _cluster(600_000, 150_000, "Kent Police", 3, n=3),
        ]
    )
    incidents = events.with_columns(
        incident_id=pl.format("i{}", pl.int_range(pl.len())),
        source=pl.lit("source"),
        time_precision=pl.lit("exact"),
    )
    with store.transaction() as tx:
        tx.append("incidents", incidents)
        tx.append(
            "classifications",
            incidents.select(
                "incident_id",
                profile=pl.lit("avb-2010"),
                in_definition=pl.lit(value=True),
                category=pl.lit("assault_with_injury"),
                harm_days=pl.lit(180.0),
            ),
        )
    add_user(store, role, password=PASSWORD, role=role)
    settings = load_settings({}).with_overrides(
        database_url=store.url.sqlalchemy,
        secret_key=SECRET,
        pseudonym_key=secrets.token_urlsafe(32),
    )
    return signed_in(create_app(settings, store), role)


def _sections(page: str) -> dict[str, str]:
    """Each force's section of the Places page, by its heading (unescaped)."""
    parts = page.split('<section class="force-places"')[1:]
    return {
        html.unescape(s[s.index("<h2>") + 4 : s.index("</h2>")]): s[
            : s.index("</section>")
        ]
        for s in parts
    }


@pytest.fixture
def page(sqlite_store: Store) -> str:
    got = _client(sqlite_store).get(f"/places?at={AT:%Y-%m-%dT%H:%M}")
    assert got.status_code == 200, got.text
    return got.text


def test_each_far_force_has_its_own_map_and_notes_and_none_spans_them(
    page: str,
) -> None:
    sections = _sections(page)
    assert list(sections) == [ODD, "West Yorkshire Police"]
    # one map per force, framed on its own cells; none over them all
    assert page.count("<svg") == 2
    for own in sections.values():
        assert own.count('<div class="force-map"><svg') == 1
        assert own.count('<div class="legend">') == 1
        assert len(set(CELL_ID.findall(own[own.index("<tbody>") :]))) == 10
    # the briefing's note of one force is under its name, without it
    leeds = " ".join(sections["West Yorkshire Police"].split())
    assert '<li class="force-note">Left out of the patrol grid: 1 of ' in leeds
    top = page[page.index('id="places-summary"') :]
    assert "Left out of the patrol grid" not in top[: top.index("</ul>")]
    assert "Left out of the patrol grid" not in sections[ODD]


def test_the_forecast_line_of_each_force_is_shell_safe(
    page: str, sqlite_store: Store, tmp_path: Path
) -> None:
    at = f"{AT:%Y-%m-%dT%H:%M}"
    sections = _sections(page)
    own = sections[ODD]
    code = re.search(r"<code>(avert forecast [^<]*)</code>", own)
    assert code is not None
    line = html.unescape(code.group(1))
    words = shlex.split(line)
    assert words == [
        "avert", "forecast", "--police-force", ODD, "--at", at, "--cells", "10",
    ]  # fmt: skip
    res = CliRunner().invoke(
        cli_app,
        [
            "--db",
            sqlite_store.url.sqlalchemy,
            *words[1:],
            "--out",
            str(tmp_path),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    listed = list(dict.fromkeys(CELL_ID.findall(own[own.index("<tbody>") :])))
    assert [c["cell_id"] for c in json.loads(res.stdout)["top_cells"]] == listed


def test_a_force_of_too_few_events_is_named_with_its_count_and_the_minimum(
    page: str,
) -> None:
    assert "Kent Police" not in _sections(page)
    few = page[page.index('id="too-few"') :]
    few = html.unescape(" ".join(few[: few.index("</section>")].split()))
    assert (
        "Kent Police: 3 located events in the forecast's days, fewer than the 11 "
        "a force's own places need"
    ) in few
