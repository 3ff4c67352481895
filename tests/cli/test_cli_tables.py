"""Every table the command line prints fits an 80-column terminal (issue 12.8).

A small synthetic city (avert's own generator) is loaded and classified once; each
table-printing command runs under ``COLUMNS=80``. No line may be wider than 80
characters, no raw Polars frame (``shape:``) may appear, nothing may be cut with an
ellipsis, and every id printed must be a whole id of the store.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store
from loaded_city import loaded_city

WIDTH = 80
#: person, incident, group, family and area ids of the synthetic city
_ID = re.compile(r"(?<![\w-])(?:net-|fam-)?(?:P|I|G|SYN)\d+(?![\w-])")


@dataclasses.dataclass
class City:
    store: Store
    root: Path
    ids: set[str]


@pytest.fixture(scope="module")
def city(
    tmp_path_factory: pytest.TempPathFactory, loaded_city_template: Path
) -> Iterator[City]:
    root = tmp_path_factory.mktemp("tables")
    store = loaded_city(
        root,
        prepared=loaded_city_template,
        quarantined={
            "source_file": "a/very/long/folder/name/with/many/parts/2026-11/"
            "2026-11-city-of-somewhere-street.csv",
            "line": 2,
            "column": "Crime type",
            "reason": "unknown crime type 'Something else entirely'",
            "raw": "x",
        },
    )
    (root / "pops-2021.csv").write_text(
        "area,ethnicity,population\nX,White,9000\nX,Black,1000\nX,Asian,1500\n"
        "X,all,12000\n",
        encoding="utf-8",
    )
    people = store.read_frame("people", columns=["person_id"])["person_id"]
    (root / "list.csv").write_text(
        "person_id\n" + "\n".join(people.head(40).to_list()) + "\n", encoding="utf-8"
    )
    incidents = store.read_frame("incidents", columns=["incident_id"])["incident_id"]
    ids = set(people.to_list()) | set(incidents.to_list())
    yield City(store, root, ids)
    store.close()


def _invoke(city: City, *args: str) -> str:
    result = CliRunner().invoke(
        app, ["--db", city.store.url.sqlalchemy, *args], env={"COLUMNS": str(WIDTH)}
    )
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result.output


#: every command that prints a table (argument lists; {root} is the city's folder)
COMMANDS = [
    ["status"],
    ["quarantine", "list"],
    ["classify"],
    ["definition", "show"],
    ["definition", "show", "--definition", "who-broad"],
    ["analyse", "concentration", "--entity", "offender"],
    ["analyse", "volt"],
    ["analyse", "volt", "--cell", "100"],
    ["analyse", "risk", "--kind", "offender"],
    ["analyse", "risk", "--kind", "victim"],
    ["analyse", "risk", "--kind", "asb"],
    ["analyse", "groups"],
    ["analyse", "retaliation", "--from", "2026-08-01"],
    ["analyse", "families"],
    ["analyse", "near-repeat", "--sims", "9"],
    ["analyse", "gistar"],
    ["analyse", "hotspots", "--at", "2026-11-24"],
    [
        "analyse", "performance", "--baseline-from", "2026-08-01",
        "--baseline-to", "2026-09-30", "--from", "2026-10-01", "--to", "2026-11-20",
    ],
    ["analyse", "equality", "--areas", "X", "--list", "{root}/list.csv"],
    ["forecast", "--at", "2026-11-20", "--out", "{root}/forecast"],
    ["forecast", "evaluate", "--days", "7"],
    ["ingest", "population", "{root}/pops-2021.csv"],
    ["task", "list"],
    ["audit", "list"],
    ["users", "list"],
    ["synth", "--people", "1500", "--days", "60", "--out", "{root}/synthetic"],
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:3]))
def test_tables_fit_80_columns(city: City, args: list[str]) -> None:
    if args[:2] == ["analyse", "equality"]:
        _invoke(city, "ingest", "population", str(city.root / "pops-2021.csv"))
    if args[:2] == ["task", "list"]:
        _invoke(city, "task", "add", "--item", "person:P0000417", "--who", "PC Smith")
    out = _invoke(city, *(a.replace("{root}", str(city.root)) for a in args))
    lines = out.splitlines()
    too_wide = [line for line in lines if len(line) > WIDTH]
    assert too_wide == [], "\n".join(too_wide)
    assert "shape:" not in out, out
    assert "…" not in out, out
    printed = set(_ID.findall(out))
    persons_or_incidents = {i for i in printed if re.fullmatch(r"[PI]\d+", i)}
    assert persons_or_incidents <= city.ids, sorted(persons_or_incidents - city.ids)


@pytest.mark.slow
def test_a_bundle_load_prints_its_file_names_and_headers_whole(city: City) -> None:
    """At 80 columns the kind column (the file names say it) gives way, so that
    ``relationships.csv`` and the ``duplicates`` header are not broken (they
    were, as ``relationsh``/``ips.csv`` and ``duplicate``/``s``), and counts of
    thousands are grouped."""
    out = _invoke(city, "ingest", "bundle", str(city.root / "bundle"))
    assert all(len(line) <= WIDTH for line in out.splitlines()), out
    for whole in ("relationships.csv", "group_members.csv", "duplicates"):
        assert whole in out, out
    assert re.search(r"│ total +│ +\d{1,3},\d{3} ", out), out
    assert "not shown, to fit 80 columns: kind" in " ".join(out.split())


@pytest.mark.slow
def test_ids_of_the_top_rows_are_printed_whole(city: City) -> None:
    import json

    for args, key, id_key in (
        (["analyse", "risk", "--kind", "offender"], "offender", "person_id"),
        (["analyse", "groups"], "groups", "group_id"),
        (["analyse", "families"], "families", "family_id"),
    ):
        payload = json.loads(_invoke(city, *args, "--json"))
        rows = payload[key] if key in payload else payload["lists"][0]["rows"]
        text = _invoke(city, *args)
        for row in rows[:10]:
            assert re.search(rf"(?<![\w-]){re.escape(row[id_key])}(?![\w-])", text), (
                args,
                row[id_key],
            )


def test_a_table_too_wide_leaves_out_columns_and_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from avert.cli._common import console
    from avert.cli._table import Col, print_table

    monkeypatch.setattr(console, "_width", 40)
    print_table(
        [Col("id", "id"), Col("n", "fixed", "right"), Col("notes", "text", drop=1)],
        [["P" + "0" * 30 + "1", "12", "a long note " * 5]],
    )
    out = capsys.readouterr().out
    assert all(len(line) <= 40 for line in out.splitlines()), out
    assert "P" + "0" * 30 + "1" in out
    assert "not shown, to fit 40 columns: notes" in " ".join(out.split())


def test_harm_days_of_groups_and_families_read_as_every_other_table(
    city: City,
) -> None:
    """'analyse groups' printed a group's harm as 93440 and 'analyse families' a
    family's as 12045, where volt, risk and concentration print 93,440: the
    thousands are separated in every table."""
    import json

    for args, key, columns in (
        (["analyse", "groups"], "groups", ["harm_days"]),
        (
            ["analyse", "families"],
            "families",
            ["harm_days", "harm_days_as_offender", "harm_days_as_victim"],
        ),
    ):
        rows = json.loads(_invoke(city, *args, "--json"))[key][:10]
        big = [row[c] for row in rows for c in columns if row[c] >= 1000]
        assert big, (args, "no harm of 1,000 days or more to check")
        text = _invoke(city, *args)
        for harm in big:
            assert f"{harm:,.0f}" in text, (args, harm)
