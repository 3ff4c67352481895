"""``avert analyse concentration|volt|risk --json`` against a small SQLite store."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store

T0 = dt.datetime(2024, 5, 1, 21, 0)


def _fill(store: Store, *, classify: bool, lsoa_names: bool = False) -> None:
    n = 12
    incidents = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(n)],
            "source": ["test"] * n,
            "occurred_from": [T0 + dt.timedelta(days=i) for i in range(n)],
            "time_precision": ["exact"] * n,
            "x": [100.0 + 10 * (i % 3) for i in range(n)],
            "y": [100.0] * (n - 2) + [900.0, 900.0],
            "lsoa": ["A"] * (n - 2) + ["B", "C"],
        }
    )
    if lsoa_names:  # police.uk's "LSOA name" for A only
        incidents = incidents.with_columns(
            lsoa_name=pl.when(pl.col("lsoa") == "A").then(pl.lit("Leeds 111B"))
        )
    involvements = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(n)] * 2,
            "person_id": [f"o{i % 2}" for i in range(n)]
            + [f"v{i % 5}" for i in range(n)],
            "role": ["offender"] * n + ["victim"] * n,
        }
    )
    with store.transaction() as tx:
        tx.append("incidents", incidents)
        tx.append("involvements", involvements)
        if classify:
            tx.append(
                "classifications",
                pl.DataFrame(
                    {
                        "incident_id": incidents["incident_id"],
                        "profile": ["avb-2010"] * n,
                        "in_definition": [i != 0 for i in range(n)],
                        "harm_days": [float(i) for i in range(n)],
                    }
                ),
            )


def _run(store: Store, *args: str) -> dict[str, object]:
    result = CliRunner().invoke(
        app, ["--db", store.url.sqlalchemy, "analyse", *args, "--json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_concentration_volt_risk_json(sqlite_store: Store) -> None:
    _fill(sqlite_store, classify=True)
    out = _run(
        sqlite_store,
        "concentration",
        "--entity",
        "place",
        "--measure",
        "harm",
        "--cell",
        "250",
    )
    for key in (
        "n_entities",
        "total",
        "gini",
        "generalised_gini",
        "top_shares",
        "lorenz",
        "population",
    ):
        assert key in out
    assert set(out["top_shares"]) == {"0.01", "0.05", "0.1", "0.2"}  # type: ignore[arg-type]
    assert out["n_events"] == 11  # the unclassified-out incident i0 is left out
    assert "zeros included" in str(out["population"])
    volt = _run(sqlite_store, "volt")
    assert volt["hour_of_week_available"] is True
    risk = _run(sqlite_store, "risk", "--kind", "offender", "--top", "1")
    lists = risk["lists"]
    assert isinstance(lists, list)
    assert len(lists[0]["rows"]) == 1
    assert lists[0]["n_population"] == 2


def test_risk_lists_carry_their_make_up(sqlite_store: Store) -> None:
    """Each person list's top rows against its whole population (issue 18.2)."""
    _fill(sqlite_store, classify=True)
    with sqlite_store.transaction() as tx:
        tx.append(
            "people",
            pl.DataFrame(
                {
                    "person_id": ["o0", "o1"],
                    "source": ["test", "test"],
                    "sex": ["M", "F"],
                    "birth_year": [2001, 1980],
                    "ethnicity": ["Black", "White"],
                }
            ),
        )
    risk = _run(sqlite_store, "risk", "--kind", "offender", "--top", "1")
    made = risk["lists"][0]["make_up"]  # type: ignore[index]
    top_id = risk["lists"][0]["rows"][0]["person_id"]  # type: ignore[index]
    assert made["n"] == 1
    assert made["n_pool"] == 2
    sex = {r["category"]: r for r in made["rows"] if r["dimension"] == "sex"}
    listed_sex = "M" if top_id == "o0" else "F"
    assert sex[listed_sex]["listed"] == 1
    assert sex[listed_sex]["pool"] == 1
    other = "F" if listed_sex == "M" else "M"
    assert sex[other]["listed"] == 0
    assert sex[other]["pool"] == 1
    text = CliRunner().invoke(
        app,
        ["--db", sqlite_store.url.sqlalchemy, "analyse", "risk", "--top", "1"],
    )
    assert text.exit_code == 0, text.output
    assert "make-up" in text.output


def test_harm_without_classification_says_run_classify(sqlite_store: Store) -> None:
    _fill(sqlite_store, classify=False)
    count = _run(sqlite_store, "concentration", "--entity", "offender")
    assert any("avert classify" in n for n in count["notes"])  # type: ignore[union-attr]
    result = CliRunner().invoke(
        app,
        [
            "--db",
            sqlite_store.url.sqlalchemy,
            "analyse",
            "concentration",
            "--measure",
            "harm",
            "--json",
        ],
    )
    assert result.exit_code != 0
    assert "avert classify" in str(result.exception) + result.output


def test_volt_text_shows_distinct_incidents_and_pairs(sqlite_store: Store) -> None:
    _fill(sqlite_store, classify=True)
    result = CliRunner().invoke(
        app, ["--db", sqlite_store.url.sqlalchemy, "analyse", "volt"]
    )
    assert result.exit_code == 0, result.output
    assert "shape:" not in result.output  # no raw Polars frame
    assert "pairs" in result.output
    assert "place (LSOA)" in result.output


def test_volt_shows_the_lsoa_name_beside_its_code(sqlite_store: Store) -> None:
    """A new user's VOLT on West Yorkshire read bare codes (E01033010) where the
    briefing says "Leeds 111B": the table shows both, the JSON adds ``name``."""
    _fill(sqlite_store, classify=True, lsoa_names=True)
    volt = _run(sqlite_store, "volt")
    places = {p["place_id"]: p for p in volt["places"]}  # type: ignore[union-attr]
    assert places["A"]["name"] == "Leeds 111B"
    assert places["B"]["name"] is None
    result = CliRunner().invoke(
        app, ["--db", sqlite_store.url.sqlalchemy, "analyse", "volt"]
    )
    assert result.exit_code == 0, result.output
    assert "A Leeds 111B" in result.output


def test_risk_text_shows_tie_break_figures_beside_the_score(
    sqlite_store: Store,
) -> None:
    _fill(sqlite_store, classify=True)
    result = CliRunner().invoke(
        app, ["--db", sqlite_store.url.sqlalchemy, "analyse", "risk"]
    )
    assert result.exit_code == 0, result.output
    assert "shape:" not in result.output
    assert "harm days" in result.output
    assert "ties by harm days, then recency" in " ".join(result.output.split())


def test_concentration_text_says_its_window_and_writes_totals_whole(
    sqlite_store: Store,
) -> None:
    """The table output says which period it covers and gives a harm total of
    millions of days as digits, not as 1.23457e+06."""
    n = 3
    incidents = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(n)],
            "source": ["test"] * n,
            "occurred_from": [T0 + dt.timedelta(days=i) for i in range(n)],
            "time_precision": ["exact"] * n,
            "lsoa": ["A", "A", "B"],
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", incidents)
        tx.append(
            "classifications",
            pl.DataFrame(
                {
                    "incident_id": incidents["incident_id"],
                    "profile": ["avb-2010"] * n,
                    "in_definition": [True] * n,
                    "harm_days": [1_234_567.0, 5_475.0, 2.0],
                }
            ),
        )

    def text(*args: str) -> str:
        result = CliRunner(env={"COLUMNS": "200"}).invoke(
            app,
            ["--db", sqlite_store.url.sqlalchemy, "analyse", "concentration", *args],
        )
        assert result.exit_code == 0, result.output
        return result.output

    out = text("--measure", "harm")
    assert "window: every record in the store (no --from / --to)" in out
    assert "total 1,240,044 harm days" in out
    assert "e+" not in out
    out = text("--measure", "count", "--from", "2024-05-02", "--to", "2024-05-03")
    assert "window: 2024-05-02 00:00 to 2024-05-03 00:00 (excluded)" in out


def test_risk_text_days_since_agree_with_the_recency_band(
    sqlite_store: Store,
) -> None:
    """o1 last offended 30 days and 2 hours before --as-of: the 'at most 30 days'
    band gives 4 recency points, not 5, so the table must not show 30 days."""
    _fill(sqlite_store, classify=True)
    as_of = T0 + dt.timedelta(days=11 + 30, hours=2)
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        app,
        [
            "--db",
            sqlite_store.url.sqlalchemy,
            "analyse",
            "risk",
            "--as-of",
            as_of.isoformat(),
        ],
    )
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if " o1 " in line)
    cells = [c.strip() for c in row.strip("│┃ ").split("│")]
    # rank, score, person, harm days, days since, offences, gravity, parts
    assert cells[4] == "31", row
    assert cells[-1].startswith("4+"), row  # recency part: 31 days -> 4 points
    assert "days since: whole days, rounded up" in result.output


def test_risk_config_setting_scores_the_list_and_the_person_alike(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Setting ``risk_config`` changes the score in the risk list and on the person
    page alike (before, the page kept the packaged weights)."""
    _fill(sqlite_store, classify=True)

    def scores() -> tuple[float, float]:
        listed = _run(sqlite_store, "risk", "--kind", "offender")
        rows = listed["lists"][0]["rows"]  # type: ignore[index]
        in_list = next(r["score"] for r in rows if r["person_id"] == "o0")
        page = _run(sqlite_store, "person", "o0")
        return float(in_list), float(page["risk"]["score"])  # type: ignore[index]

    packaged_list, packaged_page = scores()
    assert packaged_list == packaged_page
    custom = tmp_path / "risk.toml"
    custom.write_text("[offender.weights]\nharm = 4.0\n", encoding="utf-8")
    monkeypatch.setenv("AVERT_RISK_CONFIG", str(custom))
    custom_list, custom_page = scores()
    assert custom_list != packaged_list
    assert custom_page == custom_list


def test_harm_unavailable_says_what_to_do_for_each_analysis(
    sqlite_store: Store,
) -> None:
    """An empty store says it holds no incidents; an unclassified one says to run
    'avert classify', offering --measure count only where that option exists."""

    def error(*args: str) -> str:
        result = CliRunner().invoke(
            app, ["--db", sqlite_store.url.sqlalchemy, "analyse", *args]
        )
        assert result.exit_code != 0, result.output
        return " ".join(f"{result.output} {result.exception}".split())

    assert "No incidents to analyse" in error("risk")
    _fill(sqlite_store, classify=False)
    risk = error("risk")
    assert "run 'avert classify --definition avb-2010' first." in risk
    assert "--measure" not in risk  # analyse risk has no such option
    concentration = error("concentration", "--measure", "harm")
    assert (
        "run 'avert classify --definition avb-2010' first, or use --measure count."
        in concentration
    )


def test_harm_unavailable_names_the_profile_to_classify_or_calls_it_unknown(
    sqlite_store: Store,
) -> None:
    """``--definition who-broad`` (not classified) and ``--definition nope`` (no
    such profile) both said "Run 'avert classify' first", which classifies the
    profile in force (avb-2010, classified already) and never calls nope unknown."""
    _fill(sqlite_store, classify=True)

    def error(*args: str) -> str:
        result = CliRunner().invoke(
            app,
            ["--db", sqlite_store.url.sqlalchemy, "analyse", *args],
            env={"COLUMNS": "300"},  # the usage error's box: one line
        )
        assert result.exit_code != 0, result.output
        return " ".join(f"{result.output} {result.exception}".split())

    for args in (("risk",), ("concentration", "--measure", "harm")):
        broad = error(*args, "--definition", "who-broad")
        assert "'avert classify --definition who-broad'" in broad
        nope = error(*args, "--definition", "nope")
        assert "unknown definition 'nope'" in nope  # a usage error (exit 2)
        assert "avb-2010, who-broad" in nope


def test_volt_default_window_holds_a_year_of_police_uk_months(
    sqlite_store: Store,
) -> None:
    """police.uk months January-December: the default window ends with December
    (not on its first instant), so it holds the year whole and the trend is given."""
    months = [dt.datetime(2019, m, 1) for m in range(1, 13)]
    with sqlite_store.transaction() as tx:
        tx.append(
            "incidents",
            pl.DataFrame(
                {
                    "incident_id": [f"m{i}" for i in range(12)],
                    "source": ["policeuk"] * 12,
                    "occurred_from": months,
                    "time_precision": ["month"] * 12,
                    "x": [100.0] * 12,
                    "y": [100.0] * 12,
                    "lsoa": ["A"] * 12,
                }
            ),
        )
        tx.append(
            "classifications",
            pl.DataFrame(
                {
                    "incident_id": [f"m{i}" for i in range(12)],
                    "profile": ["avb-2010"] * 12,
                    "in_definition": [True] * 12,
                    "harm_days": [1.0] * 12,
                }
            ),
        )
    volt = _run(sqlite_store, "volt")
    assert str(volt["params"]["at"]).startswith("2019-12-31T23:59:59")
    assert not any("runs past its end" in n for n in volt["notes"])
    assert not any("Trend unavailable" in n for n in volt["notes"])
    assert volt["places"][0]["trend"] == 0


def test_concentration_refuses_cell_for_people(sqlite_store: Store) -> None:
    """``--entity offender --cell 250`` printed the offenders' concentration as if
    ``--cell`` were not there; grid cells apply to places only."""
    _fill(sqlite_store, classify=True)
    db = ["--db", sqlite_store.url.sqlalchemy, "analyse", "concentration"]
    result = CliRunner().invoke(app, [*db, "--entity", "offender", "--cell", "250"])
    assert result.exit_code == 2
    assert "--entity place" in result.output
    result = CliRunner().invoke(app, [*db, "--entity", "place", "--cell", "250"])
    assert result.exit_code == 0, result.output


def test_concentration_text_writes_entities_for_a_share_with_separators(
    sqlite_store: Store,
) -> None:
    """London's 250 m cells read "50 % of the measure: 12.2 % of entities (1554)"
    beside "entities 12,747": every count avert prints has its separators."""
    n = 2_400
    incidents = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(n)],
            "source": ["test"] * n,
            "occurred_from": [T0] * n,
            "time_precision": ["exact"] * n,
            "lsoa": [f"L{i}" for i in range(n)],
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", incidents)
        tx.append(
            "classifications",
            pl.DataFrame(
                {
                    "incident_id": incidents["incident_id"],
                    "profile": ["avb-2010"] * n,
                    "in_definition": [True] * n,
                    "harm_days": [1.0] * n,
                }
            ),
        )
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        app, ["--db", sqlite_store.url.sqlalchemy, "analyse", "concentration"]
    )
    assert result.exit_code == 0, result.output
    assert "50 % of the measure: 50.0 % of entities (1,200)" in result.output


def test_concentration_of_places_on_data_without_lsoas_reads_right(
    sqlite_store: Store,
) -> None:
    """The Toronto store (no LSOAs: not England and Wales) read "92106 incidents
    without a LSOA were left out", "No incident has an LSOA (a police.uk copy
    without the LSOA column)" and "50 % of the measure: n/a of entities (0)"."""
    n = 1_200
    incidents = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(n)],
            "source": ["toronto-mci"] * n,
            "occurred_from": [T0] * n,
            "time_precision": ["exact"] * n,
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", incidents)
        tx.append(
            "classifications",
            pl.DataFrame(
                {
                    "incident_id": incidents["incident_id"],
                    "profile": ["avb-2010"] * n,
                    "in_definition": [True] * n,
                    "harm_days": [1.0] * n,
                }
            ),
        )
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        app, ["--db", sqlite_store.url.sqlalchemy, "analyse", "concentration"]
    )
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "1,200 incidents without an LSOA were left out." in out, out
    assert "police.uk copy" not in out
    assert "No incident has an LSOA (an England and Wales census area" in out
    assert "nor coordinates (x, y): places cannot be measured" in out
    assert "--cell 250" not in out  # grid cells need coordinates too
    assert "50 % of the measure: n/a" in out
    assert "of entities (0)" not in out


def test_a_definition_file_reads_its_own_classifications(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/settings.md: `definition` is a profile id or a path to a violence TOML
    file. `avert classify` under a file stores its `[profile] id`, but the analyses
    looked for classifications under the path: none, so every incident was analysed
    as violence and `--measure harm` stopped ("Run 'avert classify' first")."""
    from importlib.resources import files

    packaged = files("avert.config.defaults").joinpath("violence.toml").read_text()
    mine = tmp_path / "my-definition.toml"
    mine.write_text(packaged.replace('id = "avb-2010"', 'id = "my-def"', 1))
    _fill(sqlite_store, classify=False)
    with sqlite_store.transaction() as tx:  # classified under my-def only
        tx.append(
            "classifications",
            pl.DataFrame(
                {
                    "incident_id": [f"i{i}" for i in range(12)],
                    "profile": ["my-def"] * 12,
                    "in_definition": [i != 0 for i in range(12)],
                    "harm_days": [float(i) for i in range(12)],
                }
            ),
        )
    for how in ({"AVERT_DEFINITION": str(mine)}, {}):
        args = [] if how else ["--definition", str(mine)]
        for key, value in how.items():
            monkeypatch.setenv(key, value)
        out = _run(
            sqlite_store,
            "concentration",
            "--entity",
            "place",
            "--measure",
            "harm",
            *args,
        )
        assert out["params"]["n_incidents"] == 11  # i0 is not violence
        assert any("'my-def' definition" in n for n in out["notes"]), out["notes"]
        monkeypatch.delenv("AVERT_DEFINITION", raising=False)


def _months_of_2019(tag: str, lsoa: str, months: int, force: str) -> pl.DataFrame:
    """police.uk records of ``force`` at ``lsoa``, one a month from January 2019
    for ``months`` months (ids ``tag1``, ``tag2``, ...)."""
    return pl.DataFrame(
        {
            "incident_id": [f"{tag}{m}" for m in range(1, months + 1)],
            "source": ["policeuk"] * months,
            "force": [force] * months,
            "occurred_from": [dt.datetime(2019, m, 1) for m in range(1, months + 1)],
            "time_precision": ["month"] * months,
            "lsoa": [lsoa] * months,
        }
    )


def _table_trends(store: Store, args: list[str]) -> tuple[list[tuple[str, str]], str]:
    """The (place, trend) cells of places A and B in the table of ``analyse args``,
    and its output on one line (notes unwrapped)."""
    text = CliRunner(env={"COLUMNS": "300"}).invoke(
        app, ["--db", store.url.sqlalchemy, "analyse", *args]
    )
    assert text.exit_code == 0, text.output
    # place, incidents, harm days, repeats, trend, last
    cells = [
        [c.strip() for c in line.strip("│ ").split("│")]
        for line in text.output.splitlines()
        if line.startswith(("│ A", "│ B"))
    ]
    return [(c[0], c[4]) for c in cells], " ".join(text.output.split())


def test_volt_table_and_json_say_which_source_the_trend_leaves_out(
    sqlite_store: Store,
) -> None:
    """A force whose months stop in June beside another's whole 2019: the table
    and the JSON give the whole year's place its trend and the other's place
    ``n/a``, and both carry the note naming the force left out and why."""
    frames = [
        _months_of_2019(lsoa, lsoa, months, force)
        for lsoa, months, force in (
            ("A", 12, "City of London Police"),
            ("B", 6, "West Yorkshire Police"),
        )
    ]
    with sqlite_store.transaction() as tx:
        tx.append("incidents", pl.concat(frames))
    args = ["volt", "--all-incidents", "--at", "2019-12-31T23:59"]
    volt = _run(sqlite_store, *args)
    assert [(p["place_id"], p["trend"]) for p in volt["places"]] == [
        ("A", 0),
        ("B", None),
    ]
    note = (
        "Trend from the records of policeuk/City of London Police only: the "
        "incidents of policeuk/West Yorkshire Police end 2019-06-30"
    )
    assert any(n.startswith(note) for n in volt["notes"])
    trends, output = _table_trends(sqlite_store, args)
    assert trends == [("A", "+0"), ("B", "n/a")]
    assert note in output


def test_volt_table_marks_a_trend_from_part_of_a_places_records(
    sqlite_store: Store,
) -> None:
    """Place A holds City of London's whole 2019 and West Yorkshire's January to
    June: its trend is City of London's alone. The table showed ``+0`` as though
    it were the place's; it now shows ``+0*``, and the JSON row counts the six
    records left out."""
    frames = [
        _months_of_2019(tag, lsoa, months, force)
        for tag, lsoa, months, force in (
            ("a", "A", 12, "City of London Police"),
            ("w", "A", 6, "West Yorkshire Police"),
            ("b", "B", 6, "West Yorkshire Police"),
        )
    ]
    with sqlite_store.transaction() as tx:
        tx.append("incidents", pl.concat(frames))
    args = ["volt", "--all-incidents", "--at", "2019-12-31T23:59"]
    volt = _run(sqlite_store, *args)
    assert [
        (p["place_id"], p["n_incidents"], p["trend"], p["n_left_out_of_trend"])
        for p in volt["places"]
    ] == [("A", 18, 0, 6), ("B", 6, None, 6)]
    trends, output = _table_trends(sqlite_store, args)
    assert trends == [("A", "+0*"), ("B", "n/a")]
    assert "marked * in the table" in output
