"""``avert analyse marac``: the MARAC list through the access rules and the audit log."""

from __future__ import annotations

import datetime as dt
import json
import secrets

import polars as pl
from typer.testing import CliRunner, Result

from avert.cli import app
from avert.store import Store

AT = dt.datetime(2026, 11, 30, 12, 0)


def _fill(store: Store, *, domestic: bool | None = True) -> None:
    """P-esc: 3 domestic incidents in the year; P-dash: a DASH of 15 yes; P-low:
    one domestic incident and a DASH of 2 yes (meets nothing). ``domestic``: the
    incidents' flag (None: not recorded)."""
    times = [AT - dt.timedelta(days=d) for d in (1, 40, 200, 5)]
    incidents = pl.DataFrame(
        {
            "incident_id": ["i1", "i2", "i3", "i4"],
            "source": ["test"] * 4,
            "occurred_from": times,
            "time_precision": ["exact"] * 4,
            "domestic": pl.Series([domestic] * 4, dtype=pl.Boolean),
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ["i1", "i2", "i3", "i4"],
            "person_id": ["P-esc", "P-esc", "P-esc", "P-low"],
            "role": ["victim"] * 4,
        }
    )

    def dash(aid: str, person: str, yes: int) -> dict[str, object]:
        return {
            "assessment_id": aid,
            "person_id": person,
            "assessed_at": AT - dt.timedelta(days=3),
            **{f"q{n}": "yes" if n <= yes else "no" for n in range(1, 28)},
            "professional_judgement": False,
        }

    with store.transaction() as tx:
        tx.append("incidents", incidents)
        tx.append("involvements", involvements)
        tx.append(
            "dash",
            pl.DataFrame([dash("D-1", "P-dash", 15), dash("D-2", "P-low", 2)]),
        )


def _fill_with_people(store: Store) -> None:
    """:func:`_fill` and the three victims' sex, birth year and ethnicity."""
    _fill(store)
    with store.transaction() as tx:
        tx.append(
            "people",
            pl.DataFrame(
                {
                    "person_id": ["P-esc", "P-dash", "P-low"],
                    "sex": ["F", "F", "M"],
                    "birth_year": [1990, 1980, 1970],
                    "ethnicity": ["White", "Asian", "White"],
                }
            ),
        )


def _marac_run(store: Store, *args: str, env: dict[str, str] | None = None) -> Result:
    """``avert analyse marac --as-of AT ARGS`` on ``store`` (it must succeed)."""
    command = ["--db", store.url.sqlalchemy, "analyse", "marac", "--as-of"]
    result = CliRunner(env=env).invoke(app, [*command, AT.isoformat(), *args])
    assert result.exit_code == 0, result.output
    return result


def _marac(store: Store, *args: str, env: dict[str, str] | None = None) -> dict:  # type: ignore[type-arg]
    return json.loads(_marac_run(store, "--json", *args, env=env).stdout)  # type: ignore[no-any-return]


def _audit(store: Store) -> pl.DataFrame:
    return store.read_frame("audit").filter(
        pl.col("object").str.starts_with("analysis:marac")
    )


def test_police_see_the_victims_meeting_a_criterion_and_a_view_is_audited(
    sqlite_store: Store,
) -> None:
    _fill(sqlite_store)
    out = _marac(sqlite_store)
    rows = out["rows"]
    assert [r["person_id"] for r in rows] == ["P-dash", "P-esc"]
    assert rows[0]["visible_high_risk"] is True
    assert rows[0]["n_yes"] == 15
    assert rows[0]["assessment_id"] == "D-1"
    assert rows[0]["yes_questions"].startswith("q1 current incident resulted in injury")
    assert rows[1]["potential_escalation"] is True
    assert rows[1]["n_domestic"] == 3
    assert out["n_population"] == 3
    audit = _audit(sqlite_store)
    assert audit.height == 1
    assert audit["role"][0] == "police"
    assert "people=2" in audit["detail"][0]


def test_a_partner_sees_pseudonyms_and_no_assessment_id(sqlite_store: Store) -> None:
    _fill(sqlite_store)
    env = {"AVERT_PSEUDONYM_KEY": secrets.token_urlsafe(32)}
    out = _marac(sqlite_store, "--audience", "partner", "--org", "council", env=env)
    shown = [r["person_id"] for r in out["rows"]]
    assert len(shown) == 2
    assert not {"P-dash", "P-esc"} & set(shown)
    assert all(r["assessment_id"] is None for r in out["rows"])
    # the DASH answers are special-category data: counts only, never which ones
    assert all(r["yes_questions"] is None for r in out["rows"])
    assert [r["n_yes"] for r in out["rows"]] == [15, None]
    assert "resulted in injury" not in json.dumps(out)
    assert "P-dash" not in json.dumps(out)
    again = _marac(sqlite_store, "--audience", "partner", "--org", "council", env=env)
    assert [r["person_id"] for r in again["rows"]] == shown  # stable pseudonyms
    audit = _audit(sqlite_store)
    assert audit["role"].to_list() == ["partner", "partner"]


def test_a_partner_list_without_a_key_is_refused_before_anything_is_shown(
    sqlite_store: Store,
) -> None:
    _fill(sqlite_store)
    result = CliRunner(env={"AVERT_PSEUDONYM_KEY": ""}).invoke(
        app,
        [
            "--db",
            sqlite_store.url.sqlalchemy,
            "analyse",
            "marac",
            "--audience",
            "partner",
        ],
    )
    assert result.exit_code != 0
    assert "P-dash" not in result.output
    assert _audit(sqlite_store).height == 0


def test_the_table_names_the_criteria(sqlite_store: Store) -> None:
    _fill(sqlite_store)
    output = _marac_run(sqlite_store, env={"COLUMNS": "200"}).output
    assert "2 of 3 domestic abuse victims meet at least one" in output
    assert "visible high risk" in output
    assert "escalation" in output
    assert "15/27" in output


def test_the_help_names_the_marac_table() -> None:
    """Rich read "[marac]" in the help as markup and printed "the risk
    configuration's  table"."""
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        app, ["analyse", "marac", "--help"]
    )
    assert result.exit_code == 0, result.output
    assert "configuration's marac table" in result.output
    assert "its  thresholds" not in result.output


def test_the_list_shows_its_make_up_against_its_population(
    sqlite_store: Store,
) -> None:
    """Every list of people shows its make-up (DESIGN.md, equality): the MARAC
    list had none. Two of the three victims are listed; partners get the
    small-cell rule."""
    _fill_with_people(sqlite_store)
    made = _marac(sqlite_store)["make_up"]
    assert (made["n"], made["n_pool"]) == (2, 3)
    sex = {r["category"]: r["listed"] for r in made["rows"] if r["dimension"] == "sex"}
    assert sex["F"] == 2
    env = {"AVERT_PSEUDONYM_KEY": secrets.token_urlsafe(32)}
    partner = _marac(
        sqlite_store, "--audience", "partner", "--org", "council", env=env
    )["make_up"]
    assert partner["n"] == 2
    assert partner["disclosure"]
    assert all(r["listed"] is None for r in partner["rows"] if r["dimension"] == "sex")


def test_the_make_up_heading_counts_the_list_and_its_pool_once(
    sqlite_store: Store,
) -> None:
    """The MARAC page's make-up heading read "Make-up of the 2 the 2 victims meeting
    a MARAC referral criterion ..., against the 3 every person with a DASH
    assessment": the label and the pool were written for the command's line ("of
    the 2 victims ... against every person ..."), and the heading counts them."""
    import html

    from avert.cli.analyse_volt import make_up_line
    from avert.report.render import environment

    _fill_with_people(sqlite_store)
    made = _marac(sqlite_store)["make_up"]
    box = environment().from_string(
        '{% import "_macros.html" as m %}{{ m.makeup(mu) }}'
    )
    heading = html.unescape(box.render(mu=made)).split(":")[0]
    assert "<b>Make-up of the 2 victims meeting a MARAC referral criterion</b>" in (
        heading
    )
    assert "against the 3 people with a DASH assessment up to " in heading
    line = make_up_line(made)
    assert " of victims meeting a MARAC referral criterion against people with " in (
        str(line)
    )


def test_a_partner_make_up_reads_withheld_cells_as_withheld_not_zero(
    sqlite_store: Store,
) -> None:
    """A partner's make-up withholds counts of 1-4 people: the terminal printed them
    as 'F None (0% vs 67%)', a share of 0 % that is false; they read '[c]', with the
    rule under them."""
    _fill_with_people(sqlite_store)
    env = {"AVERT_PSEUDONYM_KEY": secrets.token_urlsafe(32), "COLUMNS": "200"}
    output = _marac_run(
        sqlite_store, "--audience", "partner", "--org", "council", env=env
    ).output
    sex = next(ln for ln in output.splitlines() if ln.strip().startswith("sex:"))
    assert "None" not in sex
    assert "F [c] ([c] vs [c])" in sex
    assert "[c]: withheld" in output


def test_area_lists_its_victims_and_counts_those_in_no_area(
    sqlite_store: Store,
) -> None:
    """P-esc's incidents are of Leeds, P-low's of York; P-dash has a DASH alone."""
    _fill(sqlite_store)
    with sqlite_store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE incidents SET borough = 'Leeds'")
        conn.exec_driver_sql(
            "UPDATE incidents SET borough = 'York' WHERE incident_id = 'i4'"
        )
    out = _marac(sqlite_store, "--area", "leeds")
    assert [r["person_id"] for r in out["rows"]] == ["P-esc"]
    assert out["n_population"] == 1
    assert out["params"]["area"] == "leeds"
    assert any(
        n.startswith("Area leeds:") and "1 of the force's list are in no area" in n
        for n in out["notes"]
    )
    assert _audit(sqlite_store)["reason"][0].endswith("; area=leeds")
    york = _marac(sqlite_store, "--area", "York")  # P-low meets no criterion
    assert york["rows"] == []
    assert york["n_population"] == 1
    text = " ".join(_marac_run(sqlite_store, "--area", "Leeds").stdout.split())
    assert "1 of 1 domestic abuse victims of area Leeds meet" in text


def test_an_unknown_area_is_a_usage_error(sqlite_store: Store) -> None:
    _fill(sqlite_store)
    with sqlite_store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE incidents SET borough = 'Leeds'")
    command = ["--db", sqlite_store.url.sqlalchemy, "analyse", "marac", "--area"]
    result = CliRunner().invoke(app, [*command, "Nowhere"])
    assert result.exit_code == 2
    assert "Leeds" in result.output


def test_incidents_without_a_domestic_flag_say_not_recorded(
    sqlite_store: Store,
) -> None:
    """Incidents carrying no domestic flag: the table said "0" domestic incidents
    and a blank last one for P-dash, as the MARAC page did before it said "not
    recorded"; the JSON says ``domestic_recorded`` false."""
    _fill(sqlite_store, domestic=None)
    out = _marac(sqlite_store)
    assert out["domestic_recorded"] is False
    assert [r["person_id"] for r in out["rows"]] == ["P-dash"]
    text = " ".join(_marac_run(sqlite_store).output.split())
    assert "│ not recorded │ not recorded │" in _marac_run(sqlite_store).output
    assert "P-dash" in text


def test_flagged_incidents_are_recorded_in_the_json(sqlite_store: Store) -> None:
    _fill(sqlite_store)
    assert _marac(sqlite_store)["domestic_recorded"] is True


def test_under_a_key_per_organisation_a_partner_list_needs_its_organisation(
    sqlite_store: Store,
) -> None:
    """Under pseudonym_scope organisation each organisation reads its own
    pseudonyms: a partner list without --org is refused (a usage error naming
    it) before anything is shown; with it, the list is in that organisation's
    pseudonyms, not another's nor the shared key's."""
    from avert.access import Pseudonymiser

    _fill(sqlite_store)
    key = secrets.token_urlsafe(32)
    env = {"AVERT_PSEUDONYM_KEY": key, "AVERT_PSEUDONYM_SCOPE": "organisation"}
    command = ["--db", sqlite_store.url.sqlalchemy, "analyse", "marac"]
    refused = CliRunner(env=env).invoke(
        app, [*command, "--as-of", AT.isoformat(), "--audience", "partner"]
    )
    assert refused.exit_code == 2, refused.output
    assert "--org" in refused.output
    assert _audit(sqlite_store).height == 0
    council = _marac(sqlite_store, "--audience", "partner", "--org", "council", env=env)
    housing = _marac(sqlite_store, "--audience", "partner", "--org", "housing", env=env)
    shown = {r["person_id"] for r in council["rows"]}
    mine = Pseudonymiser(key, scope="organisation:council")
    assert shown == {mine("person", p) for p in ("P-dash", "P-esc")}
    assert not shown & {r["person_id"] for r in housing["rows"]}
    assert not shown & {Pseudonymiser(key)("person", p) for p in ("P-dash", "P-esc")}


def test_an_org_no_account_holds_is_noted_and_one_held_is_the_accounts_key(
    sqlite_store: Store,
) -> None:
    """``--org`` no account holds: its key is of the name as spelt here, so a
    note says to keep the spelling (standard error: the JSON stays whole);
    once an account of "Council" exists, ``--org "  council"`` is its key."""
    from avert.access import Pseudonymiser
    from avert.workflows.users import add_user

    _fill(sqlite_store)
    key = secrets.token_urlsafe(32)
    env = {"AVERT_PSEUDONYM_KEY": key, "AVERT_PSEUDONYM_SCOPE": "organisation"}
    args = ("--json", "--audience", "partner", "--org", "  council")
    alone = _marac_run(sqlite_store, *args, env=env)
    assert "No account is of the organisation 'council'" in alone.stderr
    json.loads(alone.stdout)
    add_user(sqlite_store, "kim", password="x" * 16, role="partner", org="Council")
    held = _marac_run(sqlite_store, *args, env=env)
    assert "No account is of" not in held.stderr
    council = Pseudonymiser(key, scope="organisation:Council")
    shown = [r["person_id"] for r in json.loads(held.stdout)["rows"]]
    assert shown == [council("person", p) for p in ("P-dash", "P-esc")]


def test_a_misspelt_org_is_noted_with_the_accounts_organisations(
    sqlite_store: Store,
) -> None:
    """``--org Councl`` when accounts of "Council" exist: the list is in a key
    no account reads, so the note asks whether it is a misspelling and names
    the accounts' organisations (it said only to keep the spelling and make
    accounts in it)."""
    from avert.workflows.users import add_user

    _fill(sqlite_store)
    add_user(sqlite_store, "kim", password="x" * 16, role="partner", org="Council")
    key = secrets.token_urlsafe(32)
    env = {"AVERT_PSEUDONYM_KEY": key, "AVERT_PSEUDONYM_SCOPE": "organisation"}
    typo = _marac_run(
        sqlite_store, "--json", "--audience", "partner", "--org", "Councl", env=env
    )
    said = " ".join(typo.stderr.split())
    assert "No account is of the organisation 'Councl'" in said
    assert "a misspelling? the accounts' organisations: Council" in said
    json.loads(typo.stdout)  # the answer stays whole
