"""The load-order matrix: every source in many orders, then every read command.

Issue 12.1: on SQLite a load order (police.uk street rows first, bundle rows after)
crashed every later read with "Type mismatch in column N", because reads inferred each
column's type from the first 1,024 rows. Here six sources are loaded in the orders of
a Williams design (each source first once; every ordered pair of sources adjacent
exactly once over the six orders) and then every read command runs through the CLI,
on SQLite and on PostgreSQL. The street source has more than 1,024 rows, and the
quarantined source more than 1,024 rejected lines with an empty column, so the first
rows of a result can be all NULL in a column that is text further down.

The first order runs in the fast suite on SQLite; the rest are marked ``slow``.

PostgreSQL runs the design's first two orders (street first, outcomes first), not all
six. The bug lived in SQLite: its columns carry no declared type, so a read's types
came from whichever rows came first. PostgreSQL returns each column's declared type
whatever rows it holds, so the order of loads cannot change a read's types there;
everything else an order could change (duplicates, quarantine, classification) is
dialect-free code that all six orders check on SQLite. Two orders still check on
PostgreSQL that loads in different orders end with the same rows and that every read
runs after them; each further order costs 15-25 s.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store
from avert.synth import tiny_city, write_bundle
from ingest.helpers import OUTCOMES_HEADER, STREET_HEADER

DATA = Path(__file__).resolve().parent / "data"
POLICEUK = DATA / "policeuk"
SOURCES = ("street", "outcomes", "stops", "api", "bundle", "quarantine")
#: the synthetic city's clock (tiny_city ends here)
AT = "2026-11-24T06:00"
_REJECTED_LINES = 1_100


def williams_orders(n: int) -> list[tuple[int, ...]]:
    """A Williams design for even ``n``: n orders, every ordered pair adjacent once."""
    assert n % 2 == 0
    base = [0]
    for k in range(1, n):
        base.append((k + 1) // 2 if k % 2 else n - k // 2)
    return [tuple((b + r) % n for b in base) for r in range(n)]


ORDERS = [tuple(SOURCES[i] for i in order) for order in williams_orders(len(SOURCES))]


def test_the_orders_cover_every_adjacent_pair() -> None:
    pairs = {p for order in ORDERS for p in itertools.pairwise(order)}
    assert pairs == set(itertools.permutations(SOURCES, 2))
    assert {order[0] for order in ORDERS} == set(SOURCES)


@pytest.fixture(scope="session")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, Path]]:
    """(ingest kind, path) of each source, built from tests/data and tiny_city."""
    root = tmp_path_factory.mktemp("sources")
    street = root / "street"
    street.mkdir()
    for name in ("2019-06", "2018-07"):  # 922 + 300 rows: more than 1,024
        for f in (POLICEUK / name).glob("*.csv"):
            shutil.copy(f, street / f.name)
    city = POLICEUK / "2019-06" / "2019-06-city-of-london-street.csv"
    with city.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    crimes = [r for r in rows if r[0]][:3]
    outcomes = root / "outcomes" / "2019-07-city-of-london-outcomes.csv"
    outcomes.parent.mkdir()
    outcomes.write_text(
        "\n".join(
            [OUTCOMES_HEADER]
            + [",".join([r[0], "2019-07", *r[2:9], "Suspect charged"]) for r in crimes]
        )
        + "\n",
        encoding="utf-8",
    )
    stops = root / "stops"
    shutil.copytree(POLICEUK / "2019-01", stops)
    api = root / "api" / "2024-09-metropolitan-stops-force.json"
    api.parent.mkdir()
    shutil.copy(POLICEUK / api.name, api)
    bundle = root / "bundle"
    write_bundle(tiny_city(0), bundle)
    bad = root / "quarantine"
    bad.mkdir()
    # an unrecognised file first by name: its rejected lines have no column
    (bad / "0000-notes.csv").write_text(
        "notes\n" + "".join(f"note {i}\n" for i in range(_REJECTED_LINES)),
        encoding="utf-8",
    )
    (bad / "2019-05-city-of-london-street.csv").write_text(
        "\n".join(
            [
                STREET_HEADER,
                ",2019-13,City of London Police,City of London Police,-0.09,51.51,"
                "On or near X,E01000001,City of London 001A,Robbery,,",
                "f" * 64 + ",2019-05,City of London Police,City of London Police,"
                "-0.09,51.51,On or near X,E01000001,City of London 001A,Robbery,,",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return {
        "street": ("policeuk", street),
        "outcomes": ("policeuk", outcomes.parent),
        "stops": ("policeuk", stops),
        "api": ("policeuk", api),
        "bundle": ("bundle", bundle),
        "quarantine": ("policeuk", bad),
    }


def read_commands(person_id: str, out: Path) -> list[list[str]]:
    """Every command that reads the store (the analyses with each entity/kind)."""
    analyses = [
        ["concentration", "--entity", e, "--measure", m, "--json"]
        for e in ("offender", "victim", "place", "group")
        for m in ("count", "harm")
    ]
    analyses += [
        ["concentration", "--entity", "place", "--cell", "250", "--json"],
        ["volt", "--json"],
        ["volt", "--cell", "250", "--all-incidents", "--json"],
        *(["risk", "--kind", k, "--json"] for k in ("offender", "victim", "asb")),
        ["groups", "--json"],
        ["person", person_id, "--json"],
        ["retaliation", "--since", "2026-11-01T00:00", "--json"],
        ["families", "--json"],
    ]
    return [
        ["classify"],
        *(["analyse", *a] for a in analyses),
        ["status", "--json"],
        ["quarantine", "list", "--json"],
        ["quarantine", "export", str(out / "quarantine.csv")],
        ["brief", "--at", AT, "--no-pdf", "--out", str(out / "briefing")],
        [
            "brief",
            "--at",
            AT,
            "--audience",
            "partner",
            "--org",
            "council",
            "--no-pdf",
            "--json",
        ],
    ]


def run_order(
    url: str, order: tuple[str, ...], sources: dict[str, tuple[str, Path]], out: Path
) -> dict[str, object]:
    """Load the sources in ``order``, run every read command; return status JSON."""
    runner = CliRunner()

    def avert(*args: str) -> str:
        result = runner.invoke(app, ["--db", url, *args])
        assert result.exit_code == 0, (
            f"avert {' '.join(args)} failed after loading {' > '.join(order)}:\n"
            f"{result.output}\n{result.exception!r}"
        )
        return result.stdout

    for name in order:
        kind, path = sources[name]
        # the quarantine source is rejected input on purpose: accepted, not exit 3
        avert("ingest", kind, str(path), "--json", "--accept-rejects")
    with (sources["bundle"][1] / "people.csv").open(encoding="utf-8") as fh:
        person = next(csv.DictReader(fh))
    outputs = {}
    for command in read_commands(person["person_id"], out):
        outputs[" ".join(command[:3])] = avert(*command)
    status = json.loads(outputs["status --json"])
    listed = json.loads(outputs["quarantine list --json"])
    assert status["tables"]["quarantine"] > _REJECTED_LINES
    assert len(listed) == min(status["tables"]["quarantine"], len(listed))
    assert (
        any(row["column"] for row in listed)
        or len(listed) < status["tables"]["quarantine"]
    )
    exported = (out / "quarantine.csv").read_text(encoding="utf-8").splitlines()
    assert len(exported) == status["tables"]["quarantine"] + 1  # and the header
    assert (out / "briefing" / "briefing.json").exists()
    return status


@pytest.fixture(scope="session")
def counts_file(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """Where the first order to finish in this run writes its tables' row counts,
    for every other order to compare with: one file for all of the run's pytest-
    xdist workers (a worker's own state would leave an order that runs alone in
    its worker, as the two PostgreSQL orders may, compared with nothing)."""
    base = tmp_path_factory.getbasetemp()
    return (base if worker_id == "master" else base.parent) / "load-order-counts.json"


#: Tables that log each run of a derivation, not data: how many runs an order makes
#: depends on the order (a load that adds incidents after the bundle's people
#: detects the groups again), while what they derive is the same.
_RUN_LOGS: frozenset[str] = frozenset({"detection_runs"})


def _check_same_counts(status: dict[str, object], counts_file: Path) -> None:
    """Every order ends with the same rows (compared across the whole run), but
    for the run logs (:data:`_RUN_LOGS`), which hold at least one run."""
    every = status["tables"]
    assert isinstance(every, dict)
    assert all(every[t] >= 1 for t in _RUN_LOGS)
    tables = {t: n for t, n in every.items() if t not in _RUN_LOGS}
    mine = counts_file.with_name(f"{counts_file.name}.{secrets.token_hex(8)}")
    mine.write_text(json.dumps(tables), encoding="utf-8")
    with contextlib.suppress(FileExistsError):
        os.link(mine, counts_file)  # atomic: the first order's counts are kept
    mine.unlink()
    assert tables == json.loads(counts_file.read_text(encoding="utf-8"))


def _orders() -> Iterator[object]:
    for i, order in enumerate(ORDERS):
        marks = () if i == 0 else (pytest.mark.slow,)
        yield pytest.param(order, id=">".join(order), marks=marks)


@pytest.mark.parametrize("order", list(_orders()))
def test_load_order_then_every_read_on_sqlite(
    order: tuple[str, ...],
    sources: dict[str, tuple[str, Path]],
    counts_file: Path,
    template_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a copy of the session's migrated store (test_migrations.py runs migrations)
    path = tmp_path / "avert.db"
    shutil.copyfile(template_db, path)
    store = Store(f"sqlite:///{path}")
    store.upgrade()
    store.close()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AVERT_PSEUDONYM_KEY", secrets.token_urlsafe(32))
    _check_same_counts(
        run_order(store.url.sqlalchemy, order, sources, tmp_path), counts_file
    )


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.parametrize("order", [pytest.param(o, id=">".join(o)) for o in ORDERS[:2]])
def test_load_order_then_every_read_on_postgresql(
    order: tuple[str, ...],
    sources: dict[str, tuple[str, Path]],
    counts_file: Path,
    postgres_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AVERT_PSEUDONYM_KEY", secrets.token_urlsafe(32))
    _check_same_counts(
        run_order(postgres_store.url.sqlalchemy, order, sources, tmp_path),
        counts_file,
    )
