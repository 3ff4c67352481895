"""``avert definition ...`` and ``avert classify`` end to end (CliRunner, SQLite store)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from avert.cli.definition import register
from avert.config.definitions import load_harm, load_profile
from avert.config.settings import Settings
from avert.store import Store
from avert.workflows.definitions import classify_store

runner = CliRunner()


def make_app(db: str = "sqlite:///unused.db") -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root(ctx: typer.Context) -> None:
        ctx.obj = Settings(database_url=db)

    register(app)
    return app


def invoke(args: list[str], db: str = "sqlite:///unused.db") -> tuple[int, str]:
    result = runner.invoke(make_app(db), args)
    return result.exit_code, result.output


def test_explain_json_contract() -> None:
    code, out = invoke(
        [
            "definition", "explain", "--offence-code", "105A", "--weapon", "knife",
            "--domestic", "--hate", "race", "--suspects", "3", "--json",
        ]
    )  # fmt: skip
    assert code == 0, out
    payload = json.loads(out)
    assert payload == {
        "in_definition": True,
        "category": "hate_crime",
        "rule_ids": [
            "hate.race",
            "hate.domestic_abuse",
            "ext.weapon",
            "ext.group_offending",
        ],
        "resolution": "offence_code",
        "policeuk_reason": None,
        "possible_rule_ids": [],
        "harm_days": 1.0,
        "harm_source": payload["harm_source"],
        "harm_table": payload["harm_table"],
    }
    assert "common assault" in payload["harm_source"]
    assert payload["harm_table"].startswith("packaged avert table (harm.toml)")
    code, out = invoke(["definition", "explain", "--offence-code", "105A", "--json"])
    assert json.loads(out)["in_definition"] is False


def test_explain_a_police_uk_category_says_why_and_matches_no_rule() -> None:
    """A police.uk "violence and sexual offences" row (no offence code) was explained
    as "IN ... because" 18 rules, homicide and rape among them, none of which it
    matched. It now says why the category counts as in (56.5% of its national
    offences are in on their code alone, at least the profile's 50%) and lists those
    rules as what the record may be; a rule it does match (a hate strand) stays a
    reason, and a category that alone counts as out says so."""
    code, out = invoke(
        ["definition", "explain", "--crime-type", "Violence and sexual offences"]
    )
    assert code == 0, out
    text = " ".join(out.split())
    assert "IN of avb-2010" in text
    assert "56.5% of its national 2017/18 offences are in on their code alone" in text
    assert "at least the profile's 50%" in text
    assert "because msv.homicide" not in text
    assert "because awi." not in text
    assert "may be msv.homicide" in text
    code, out = invoke(
        [
            "definition",
            "explain",
            "--crime-type",
            "Violence and sexual offences",
            "--json",
        ]
    )
    payload = json.loads(out)
    assert payload["resolution"] == "possible"
    assert "counts as in" in payload["policeuk_reason"]
    assert "msv.homicide" in payload["possible_rule_ids"]
    assert payload["rule_ids"] == payload["possible_rule_ids"]  # as classifications
    code, out = invoke(
        ["definition", "explain", "--crime-type", "Public order", "--hate", "race"]
    )
    text = " ".join(out.split())
    assert "IN of avb-2010; category: hate_crime" in text
    assert "10.7%" in text
    assert "below the profile's 50%" in text
    assert "the category alone counts as out" in text
    assert "because hate.race" in text
    assert "may be hate.racially_religiously_aggravated" in text


def test_explain_who_profile_and_unknown_code() -> None:
    code, out = invoke(
        [
            "definition",
            "explain",
            "--offence-code",
            "105A",
            "--definition",
            "who-broad",
            "--json",
        ]
    )
    assert code == 0
    assert json.loads(out)["category"] == "violence_against_the_person"
    code, _ = invoke(["definition", "explain", "--offence-code", "8X", "--json"])
    assert code != 0


def test_show_validate_diff(tmp_path: Path) -> None:
    code, out = invoke(["definition", "show", "--json"])
    assert code == 0
    shown = json.loads(out)
    assert shown["id"] == "avb-2010"
    assert shown["rules"][0]["id"] == "msv.homicide"
    code, out = invoke(["definition", "validate"])
    assert code == 0
    assert "ok  avb-2010" in out
    assert "ok  who-broad" in out
    code, out = invoke(["definition", "diff", "avb-2010", "who-broad", "--json"])
    assert code == 0
    assert "34A" in json.loads(out)["codes_added"]["robbery"]
    bad = tmp_path / "bad.toml"
    bad.write_text(
        Path(load_profile("avb-2010").path).read_text().replace('["34B"]', '["34Z"]'),
        encoding="utf-8",
    )
    result = runner.invoke(make_app(), ["definition", "validate", str(bad)])
    assert result.exit_code != 0
    assert "unknown offence code '34Z'" in str(result.exception)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["validate", "avb-2010", "nosuch.toml"],
            "Invalid value for FILES: no such file: nosuch.toml",
        ),
        (["validate", "nope"], "Invalid value for FILES: unknown definition 'nope'"),
        (
            ["diff", "avb-2010", "nosuch.toml"],
            "Invalid value for B: no such file: nosuch.toml",
        ),
        (
            ["diff", "nope", "avb-2010"],
            "Invalid value for A: unknown definition 'nope'",
        ),
    ],
)
def test_validate_and_diff_refuse_a_profile_that_is_not_there(
    args: list[str], said: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/command-line.md: an input file that does not exist is a usage error
    (exit 2) naming it, before anything is read. ``definition validate|diff``
    exited 1 ("nosuch.toml: no such definition file", an avert error) while
    ``classify --definition nosuch.toml`` and ``definition show`` said exit 2."""
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(make_app(), ["definition", *args])
    assert result.exit_code == 2, result.output
    assert said in " ".join(result.output.split())


def test_docs_check_and_write(tmp_path: Path) -> None:
    page = tmp_path / "definitions.md"
    code, _ = invoke(["definition", "docs", "--output", str(page), "--check"])
    assert code == 1
    code, _ = invoke(["definition", "docs", "--output", str(page)])
    assert code == 0
    code, out = invoke(["definition", "docs", "--output", str(page), "--check"])
    assert code == 0, out


def _seed(store: Store) -> None:
    t = dt.datetime(2024, 5, 1, 22)
    incidents = pl.DataFrame(
        {
            "incident_id": ["a", "b", "c", "d"],
            "source": "test",
            "offence_code": ["8N", "105A", "105A", None],
            "crime_type": [None, None, None, "Burglary"],
            "occurred_from": [t, t, t + dt.timedelta(days=30), t],
            "weapon": ["none", "none", "none", None],
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ["b", "c"],
            "person_id": ["v1", "v1"],
            "role": ["victim", "victim"],
        }
    )
    with store.transaction() as tx:
        tx.append("incidents", incidents)
        tx.append("involvements", involvements)


def test_classify_store_reports_moves(sqlite_store: Store, tmp_path: Path) -> None:
    _seed(sqlite_store)
    # a force's own definition: the AVB file under an id of its own
    text = Path(load_profile("avb-2010").path).read_text(encoding="utf-8")
    path = tmp_path / "mine.toml"
    path.write_text(text.replace('id = "avb-2010"', 'id = "mine"'), encoding="utf-8")
    first = classify_store(sqlite_store, profile=str(path))
    assert (first.incidents, first.in_definition, first.new) == (4, 3, 4)
    stored = sqlite_store.read_frame("classifications").sort("incident_id")
    assert stored["in_definition"].to_list() == [True, True, True, False]
    assert stored["category"].to_list()[1] == "violence_repeat_victim"
    # edit it: the repeat-victim extension off; b and c move out, a stays
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'enabled = true\nid = "ext.repeat_victim"',
            'enabled = false\nid = "ext.repeat_victim"',
        ),
        encoding="utf-8",
    )
    second = classify_store(sqlite_store, profile=load_profile(path))
    assert (second.moved_in, second.moved_out, second.new) == (0, 2, 0)
    assert second.moved_out_ids == ("b", "c")
    assert sqlite_store.count("classifications") == 4


def test_classify_reports_incidents_whose_harm_weight_changed(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Reclassifying under another harm table (``--harm``, or ``avert ingest`` after a
    one-off ``avert classify --harm``) changed the harm of incidents and the total,
    and the report said "moved in: 0  moved out: 0  recategorised: 0": nothing
    seemed to change. It now counts the incidents reweighted and gives the harm of
    the definition before and now."""
    _seed(sqlite_store)
    first = classify_store(sqlite_store, profile="avb-2010")
    assert (first.reweighted, first.previous_harm_days) == (0, None)
    assert first.harm_days == 12.0  # a: 8N 10 days; b, c: 105A repeat victim, 1 each
    harm = Path(load_harm().path).read_text(encoding="utf-8")
    start = harm.index('[codes."8N"]')
    at = harm.index("days = 10.0", start)
    mine = tmp_path / "harm-mine.toml"
    mine.write_text(harm[:at] + "days = 20.0" + harm[at + 11 :], encoding="utf-8")
    second = classify_store(sqlite_store, profile="avb-2010", harm=load_harm(str(mine)))
    assert (second.moved_in, second.moved_out, second.recategorised) == (0, 0, 0)
    assert second.reweighted == 1
    assert (second.previous_harm_days, second.harm_days) == (12.0, 22.0)
    db = f"sqlite:///{sqlite_store.url.adbc}"
    code, out = invoke(["classify"], db)
    assert code == 0, out
    text = " ".join(out.split())
    assert "reweighted: 1" in text
    assert "harm of the definition: 22.0 days before, 12.0 now" in text
    code, out = invoke(["classify"], db)
    assert "reweighted: 0" in " ".join(out.split())
    assert "harm of the definition" not in out


def test_classify_command(sqlite_store: Store) -> None:
    _seed(sqlite_store)
    db = f"sqlite:///{sqlite_store.url.adbc}"
    code, out = invoke(["classify"], db)
    assert code == 0, out
    assert "4 incidents, 3 in the definition" in out
    code, out = invoke(["classify", "--definition", "who-broad"], db)
    assert code == 0, out
    assert "who-broad: 4 incidents, 3 in the definition" in out
    assert sqlite_store.count("classifications") == 8


def test_classify_shows_police_uk_rows_under_their_category(
    sqlite_store: Store,
) -> None:
    t = dt.datetime(2024, 5, 1)
    incidents = pl.DataFrame(
        {
            "incident_id": ["a", "b", "c", "d"],
            "source": "test",
            "offence_code": ["8N", None, None, None],
            "crime_type": [
                None,
                "Violence and sexual offences",
                "Violence and sexual offences",
                "Shoplifting",
            ],
            "occurred_from": [t] * 4,
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", incidents)
    report = classify_store(sqlite_store, profile="avb-2010")
    assert report.by_category == {
        "assault_with_injury": 1,
        "police.uk: violence and sexual offences": 2,
        "": 1,
    }
    code, out = invoke(["classify"], f"sqlite:///{sqlite_store.url.adbc}")
    assert code == 0, out
    assert "police.uk: violence and sexual offences" in out
    assert "(none)" not in out


def test_classify_says_which_harm_is_unknown_or_expected(
    sqlite_store: Store,
) -> None:
    """A code the harm table does not know, and category-only rows, are named."""
    t = dt.datetime(2024, 5, 1)
    incidents = pl.DataFrame(
        {
            "incident_id": ["a", "b", "c", "d", "e"],
            "source": "policeuk",
            "offence_code": ["8N", "8X", "8X", "9Z", None],
            "crime_type": [None, None, None, None, "Robbery"],
            "domestic": [False, False, True, False, False],
            "occurred_from": [t] * 5,
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", incidents)
    report = classify_store(sqlite_store, profile="avb-2010")
    assert report.in_definition == 3  # a (8N), c (domestic), e (robbery)
    assert report.harm_days == 10.0 + 365.0  # the unknown code of c adds nothing
    expected, unknown = report.notes
    assert expected.startswith("1 of the 3 incidents in the definition (365.0 harm")
    assert "expected weight of their police.uk category" in expected
    assert unknown.startswith(
        "3 incidents have an offence code or category that the harm table does not "
        "know: 8X (2), 9Z (1)."
    )
    assert "1 in the definition" in unknown
    code, out = invoke(["classify"], f"sqlite:///{sqlite_store.url.adbc}")
    assert code == 0, out
    flat = " ".join(out.split())
    assert "note: 3 incidents have an offence code or category" in flat
    assert "8X (2), 9Z (1)" in flat
    assert "note: 1 of the 3 incidents in the definition" in flat


def test_classify_names_the_mapping_of_expected_harm_on_mapped_data(
    sqlite_store: Store,
) -> None:
    """On the Toronto store (``ingest table --mapping toronto-mci``) classify said
    the harm was "the expected weight of their police.uk category": the data are
    not police.uk; the weights are the mapping's categories."""
    t = dt.datetime(2021, 5, 1)
    incidents = pl.DataFrame(
        {
            "incident_id": ["a", "b"],
            "source": "toronto-mci",
            "offence_code": [None, None],
            "crime_type": ["Robbery", "Violence and sexual offences"],
            "occurred_from": [t] * 2,
        },
        schema_overrides={"offence_code": pl.String},
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", incidents)
    (expected,) = classify_store(sqlite_store, profile="avb-2010").notes
    assert "their police.uk category" not in expected, expected
    assert (
        "carry the expected weight of their category under the toronto-mci mapping, "
        "each weighted as the data.police.uk category it maps to" in expected
    ), expected


def test_definition_harm_days_is_the_same_in_any_row_order() -> None:
    """The harm of a definition before and after a classify is summed exactly
    (math.fsum), so the same rows read in another order (SQLite's and
    PostgreSQL's classifications came back in different orders) give the same
    total: a plain float sum printed "harm of the definition: 10,309,033.3 days
    before, 10,309,033.3 now" on SQLite for a classify that changed nothing (the
    London quarter and the synthetic city; 1 ulp apart)."""
    from avert.workflows.definitions import definition_harm_days

    days = [1e16, 1.0, 1.0, 0.1, None, 3.0]
    frame = pl.DataFrame(
        {
            "in_definition": [True, True, True, True, True, False],
            "harm_days": days,
        }
    )
    forward = definition_harm_days(frame)
    backward = definition_harm_days(frame.reverse())
    assert forward == backward == 1e16 + 2.0
