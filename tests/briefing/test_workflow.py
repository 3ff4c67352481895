"""The briefing workflow and CLI against a SQLite store, and the partner leak test."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import shutil
import zlib
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from avert.access import Pseudonymiser
from avert.cli import app
from avert.errors import ConfigError
from avert.report.render import render_briefing_html
from avert.store import Store
from avert.workflows.briefing import build_briefing, read_boundaries, run_briefing
from briefing.factory import make_frames, write_store
from built_once import built_once, copy_built

AT = dt.datetime(2025, 3, 10, 8)
#: a real-looking deployment key for tests (random, 43 characters)
KEY = "q3Jx0v7Qe9LrT2mZbW8yKc1NfHs5PdUa6GiVoXjE4nR"


def _seeded_frames() -> dict[str, pl.DataFrame]:
    """The frames of :func:`seeded` (the same each call: a seeded generator)."""
    return make_frames(3000, at=AT, seed=11)


@pytest.fixture(scope="module")
def seeded(
    tmp_path_factory: pytest.TempPathFactory, template_db: Path
) -> tuple[Store, dict[str, pl.DataFrame]]:
    """A store of 3,000 synthetic incidents, written once per test run (both
    pytest-xdist workers run tests of this module) and copied for this worker's
    tests to write to (their audit rows)."""

    def build(folder: Path) -> None:
        shutil.copyfile(template_db, folder / "avert.db")  # migrated (conftest)
        store = Store(f"sqlite:///{folder / 'avert.db'}")
        write_store(store, _seeded_frames())
        store.close()

    built = built_once(tmp_path_factory, "briefing-seeded", build)
    folder = copy_built(built, tmp_path_factory.mktemp("brief"))
    return Store(f"sqlite:///{folder / 'avert.db'}"), _seeded_frames()


def _pdf_text_bytes(pdf: bytes) -> bytes:
    """The PDF's bytes with every Flate stream inflated (metadata, text operators)."""
    out = [pdf]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    return b"\n".join(out)


def test_run_briefing_writes_three_files(seeded, tmp_path: Path) -> None:
    store, frames = seeded
    steps: list[str] = []  # a status line is told each step (the PDF takes seconds)
    files = run_briefing(
        store, at=AT, out_dir=tmp_path, pdf=True, progress=steps.append
    )
    assert steps == [
        "reading the store",
        "writing the HTML and JSON",
        "laying out the PDF",
    ]
    assert files.html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert files.pdf is not None
    assert files.pdf.read_bytes()[:5] == b"%PDF-"
    data = json.loads(files.json.read_text(encoding="utf-8"))
    expected = set(
        frames["incidents"]
        .filter(
            pl.col("in_definition")
            & (pl.col("occurred_from") >= AT - dt.timedelta(days=1))
            & (pl.col("occurred_from") < AT)
        )["incident_id"]
        .to_list()
    )
    assert {i["incident_id"] for i in data["incidents"]} == expected
    assert data["audience"] == "police"
    html = files.html.read_text(encoding="utf-8")
    for item in data["incidents"]:
        assert f'id="incident-{item["incident_id"]}"' in html
    assert "<script" not in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "Testname Zq" in html  # the police see names
    audit = store.read_frame("audit")
    assert audit.filter(pl.col("action") == "export").height >= 1


def test_partner_outputs_leak_no_names_or_ids(seeded, tmp_path: Path) -> None:
    store, frames = seeded
    files = run_briefing(
        store,
        at=AT,
        out_dir=tmp_path,
        audience="partner",
        pdf=True,
        pseudonym_key=KEY,
        organisation="council",
    )
    assert files.pdf is not None
    blobs = {
        "html": files.html.read_bytes(),
        "json": files.json.read_bytes(),
        "pdf": _pdf_text_bytes(files.pdf.read_bytes()),
    }
    seeds = [
        *frames["identities"]["name"].to_list(),
        *frames["identities"]["address"].to_list(),
        "Crimson Kestrels",
        "Blue Herons",
    ]
    ids = {
        *frames["involvements"]["person_id"].to_list(),
        *frames["incidents"]["incident_id"].to_list(),
        "GRP1",
        "GRP2",
        *frames["intelligence"]["intel_id"].to_list(),
        *frames["asb"]["asb_id"].to_list(),
    }
    for kind, blob in blobs.items():
        text = blob.decode("utf-8", errors="replace")
        for s in seeds:
            assert s not in text, (kind, s)
        # ids are whole tokens (PER1 is inside PER12): compare tokens
        tokens = set(re.findall(r"[A-Z]{3}\d+", text))
        assert not (tokens & ids), (kind, sorted(tokens & ids)[:5])
    data = json.loads(blobs["json"])
    assert data["audience"] == "partner"
    assert data["incidents"]
    assert all(i["incident_id"].startswith("I-") for i in data["incidents"])


def test_cli_brief(seeded, tmp_path: Path) -> None:
    store, _ = seeded
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "--db",
            store.url.adbc,
            "brief",
            "--at",
            AT.isoformat(),
            "--area",
            "Northfield",
            "--out",
            str(out),
            "--no-pdf",
        ],
    )
    assert result.exit_code == 0, result.output
    # the terminal's line names the area, as the briefing's heading does
    assert "Daily risk briefing of Northfield " in result.output
    data = json.loads((out / "briefing.json").read_text(encoding="utf-8"))
    assert data["area"] == "Northfield"
    assert not (out / "briefing.pdf").exists()


def test_cli_brief_json_prints_the_record_once_converted(
    seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--json`` printed a second conversion, indented (a London month: 31 MB
    and seconds more); it prints the text of briefing.json, compact."""
    from avert.briefing.model import Briefing

    store, _ = seeded
    out = tmp_path / "out"
    calls: list[int] = []
    to_json = Briefing.to_json

    def counted(self: Briefing) -> dict[str, object]:
        calls.append(1)
        return to_json(self)

    monkeypatch.setattr(Briefing, "to_json", counted)
    args = ["--db", store.url.adbc, "brief", "--at", AT.isoformat(), "--json"]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--no-pdf"])
    assert result.exit_code == 0, result.output
    record = (out / "briefing.json").read_text(encoding="utf-8")
    assert "\n" not in record  # compact, as the file
    assert result.stdout == record + "\n"
    assert len(json.loads(result.stdout)["incidents"]) > 0
    assert len(calls) == 1


def _floats(value: object) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [f for v in value for f in _floats(v)]
    return []


def test_briefing_json_is_compact_with_its_floats_rounded_unless_pretty(
    seeded, tmp_path: Path
) -> None:
    """briefing.json measured 17-35 MB at force scale: small briefings were
    written indented, big ones with a space after each comma and colon, and every
    float in full (a coordinate "526719.2589387622"). Now no whitespace and seven
    significant digits (benchmarks/briefing_json_size.py); --pretty indents it,
    the same data."""
    from avert.briefing.model import JSON_SIGNIFICANT_DIGITS

    store, _ = seeded
    base = ["--db", store.url.adbc, "brief", "--at", AT.isoformat(), "--no-pdf"]
    runner = CliRunner()
    assert runner.invoke(app, [*base, "--out", str(tmp_path / "c")]).exit_code == 0
    result = runner.invoke(app, [*base, "--out", str(tmp_path / "p"), "--pretty"])
    assert result.exit_code == 0, result.output
    compact = (tmp_path / "c" / "briefing.json").read_text(encoding="utf-8")
    pretty = (tmp_path / "p" / "briefing.json").read_text(encoding="utf-8")
    assert json.loads(compact) == json.loads(pretty)
    data = json.loads(compact)
    assert compact == json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    assert pretty == json.dumps(data, indent=2, ensure_ascii=False)
    floats = _floats(data)
    assert any(i["x"] is not None for i in data["incidents"])
    assert len(floats) > 100
    for f in floats:
        assert f == float(f"{f:.{JSON_SIGNIFICANT_DIGITS}g}"), f


def test_read_boundaries(tmp_path: Path) -> None:
    csv = tmp_path / "b.csv"
    csv.write_text(
        "LAD22NM,geometry_wkt_epsg27700\n"
        '"Northfield","MULTIPOLYGON (((405000 285000, 408000 285000, 408000 291000, 405000 285000)))"\n'
        '"Other","POLYGON ((1 1, 2 2, 3 1, 1 1))"\n',
        encoding="utf-8",
    )
    outlines = read_boundaries(csv, area="northfield")
    assert outlines == [
        (
            "Northfield",
            [
                [
                    (405000.0, 285000.0),
                    (408000.0, 285000.0),
                    (408000.0, 291000.0),
                    (405000.0, 285000.0),
                ]
            ],
        )
    ]


def test_month_precision_store_briefs_on_the_latest_month(
    sqlite_store: Store, tmp_path: Path
) -> None:
    month = dt.datetime(2019, 6, 1)
    inc = pl.DataFrame(
        {
            "incident_id": ["pu1", "pu2", "pu3", "pu0"],
            "source": "policeuk",
            "crime_type": [
                "Violence and sexual offences",
                "Robbery",
                "Shoplifting",
                "Robbery",
            ],
            "occurred_from": [month, month, month, dt.datetime(2018, 6, 1)],
            "occurred_to": [dt.datetime(2019, 6, 30, 23, 59, 59)] * 3
            + [dt.datetime(2018, 6, 30)],
            "time_precision": "month",
            "x": [530000.0, 530020.0, 531000.0, 530000.0],
            "y": [180000.0, 180020.0, 181000.0, 180000.0],
        }
    )
    classes = pl.DataFrame(
        {
            "incident_id": ["pu1", "pu2", "pu3", "pu0"],
            "profile": "avb-2010",
            "in_definition": [True, True, False, True],
            "category": [
                "assault_with_injury",
                "personal_robbery",
                None,
                "personal_robbery",
            ],
            "harm_days": [30.0, 365.0, 1.0, 365.0],
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", inc)
        tx.append("classifications", classes)
    files = run_briefing(
        sqlite_store, at=dt.datetime(2019, 8, 15, 8), out_dir=tmp_path, pdf=False
    )
    data = json.loads(files.json.read_text(encoding="utf-8"))
    assert data["precision"] == "month"
    assert data["window"] == {
        "from": "2019-06-01T00:00:00",
        "to": "2019-07-01T00:00:00",
    }
    assert [i["incident_id"] for i in data["incidents"]] == ["pu2", "pu1"]
    assert data["trend"]["periods"][0]["year_earlier"] == 1
    assert any("cannot show" in n for n in data["notes"])
    html = files.html.read_text(encoding="utf-8")
    assert "Places where the window&#39;s violence concentrated" in html
    assert "for today" not in html  # a month briefing is not about today


def test_partner_briefing_is_refused_without_a_real_key(seeded, tmp_path: Path) -> None:
    store, _ = seeded
    partner = functools.partial(
        run_briefing,
        store,
        at=AT,
        audience="partner",
        pdf=False,
        organisation="council",
    )
    for key in (None, "", "short", "a" * 40, "avert-demo-pseudonym-key-not-secret"):
        with pytest.raises(ConfigError, match="AVERT_PSEUDONYM_KEY"):
            partner(out_dir=tmp_path / "x", pseudonym_key=key)
    assert not (tmp_path / "x").exists()
    # the demo may use the published key; the police audience needs none
    partner(out_dir=tmp_path / "d", allow_demo_key=True)
    run_briefing(store, at=AT, out_dir=tmp_path / "p", pdf=False)


def test_cli_partner_brief_needs_the_key_setting(
    seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = seeded
    args = [
        "--db",
        store.url.adbc,
        "brief",
        "--at",
        AT.isoformat(),
        "--audience",
        "partner",
        "--org",
        "council",
        "--out",
        str(tmp_path / "o"),
        "--no-pdf",
    ]
    monkeypatch.delenv("AVERT_PSEUDONYM_KEY", raising=False)
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code != 0
    assert isinstance(refused.exception, ConfigError)
    assert "AVERT_PSEUDONYM_KEY" in str(refused.exception)
    monkeypatch.setenv("AVERT_PSEUDONYM_KEY", KEY)
    ok = CliRunner().invoke(app, args)
    assert ok.exit_code == 0, ok.output
    assert KEY not in ok.output
    assert KEY not in (tmp_path / "o" / "briefing.json").read_text(encoding="utf-8")


def test_partner_pseudonyms_resist_the_candidate_id_attack(
    seeded, tmp_path: Path
) -> None:
    """Hash every candidate id with the demo key and no key: nothing matches."""
    store, frames = seeded
    files = run_briefing(
        store,
        at=AT,
        out_dir=tmp_path,
        audience="partner",
        pdf=False,
        pseudonym_key=KEY,
        organisation="council",
    )
    text = files.json.read_text(encoding="utf-8")
    shown = set(re.findall(r"\b[PIGNAT]-[0-9A-F]{12}\b", text))
    assert len(shown) > 10
    candidates = {
        "person": frames["involvements"]["person_id"].unique().to_list(),
        "incident": frames["incidents"]["incident_id"].to_list(),
        "group": ["GRP1", "GRP2"],
    }
    for guess in (Pseudonymiser(None), Pseudonymiser(b"\x00"), Pseudonymiser("x")):
        hits = {guess(kind, i) for kind, ids in candidates.items() for i in ids} & shown
        assert not hits
    # the same attack with the real key finds them: the test can fail
    real = Pseudonymiser(KEY, scope="organisation:council")
    assert {real(k, i) for k, ids in candidates.items() for i in ids} & shown


def test_audit_row_names_location_audience_and_people(seeded, tmp_path: Path) -> None:
    store, _ = seeded
    before = store.read_frame("audit").height
    files = run_briefing(store, at=AT, out_dir=tmp_path / "b", pdf=False)
    rows = store.read_frame("audit").tail(store.read_frame("audit").height - before)
    assert rows.height == 1
    row = rows.to_dicts()[0]
    assert str((tmp_path / "b").resolve()) in row["object"]
    assert row["role"] == "police"
    data = json.loads(files.json.read_text(encoding="utf-8"))
    items = [
        *(
            it
            for k in (
                "incidents",
                "people",
                "repeat_victims",
                "asb_callers",
                "retaliation",
                "actions",
            )
            for it in data[k]
        ),
        *data["intelligence"]["items"],
    ]
    people = sorted({p for it in items for p in it["links"]["person_id"]})
    digest = hashlib.sha256("\n".join(people).encode()).hexdigest()[:16]
    assert f"shows {len(people)} people" in row["reason"]
    assert digest in row["reason"]


def test_audit_row_exists_before_any_output(
    seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure (or kill) while rendering leaves the audit row and no partial file."""
    store, _ = seeded
    before = store.read_frame("audit").height
    out = tmp_path / "k"

    def boom(html: str, path: Path) -> Path:
        assert store.read_frame("audit").height == before + 1, "audit row first"
        msg = "killed during the PDF"
        raise RuntimeError(msg)

    monkeypatch.setattr("avert.workflows.briefing.render_pdf", boom)
    with pytest.raises(RuntimeError):
        run_briefing(store, at=AT, out_dir=out, pdf=True)
    assert store.read_frame("audit").height == before + 1
    assert not (out / "briefing.pdf").exists()


def _append_assaults(store: Store, inc: pl.DataFrame) -> None:
    """Append ``inc`` with each incident classified an assault with injury (10 days)."""
    classes = inc.select(
        "incident_id",
        pl.lit("avb-2010").alias("profile"),
        pl.lit(True).alias("in_definition"),
        pl.lit("assault_with_injury").alias("category"),
        pl.lit(10.0).alias("harm_days"),
    )
    with store.transaction() as tx:
        tx.append("incidents", inc)
        tx.append("classifications", classes)


def test_store_of_exactly_a_year_gives_no_year_earlier_baseline(
    any_store: Store, tmp_path: Path
) -> None:
    # a force loads its last 365 days: the year-earlier 28 days hold one day of them
    at = dt.datetime(2026, 11, 24, 6)
    times = pl.datetime_range(
        at - dt.timedelta(days=365), at, "6h", closed="left", eager=True
    )
    inc = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(times.len())],
            "source": "rms",
            "force": "Northshire",
            "occurred_from": times,
            "time_precision": "exact",
            "x": 530000.0,
            "y": 180000.0,
        }
    )
    _append_assaults(any_store, inc)
    files = run_briefing(any_store, at=at, out_dir=tmp_path / "a", pdf=False)
    trend = files.briefing.trend
    assert [p["change"] for p in trend["periods"]] == [None, None]
    assert "rms/Northshire supplied no records in the 28 days" in trend["line"]
    # two years of the same: a baseline, compared
    older = inc.with_columns(
        pl.col("occurred_from") - dt.timedelta(days=365),
        ("o" + pl.col("incident_id")).alias("incident_id"),
    )
    _append_assaults(any_store, older)
    files = run_briefing(any_store, at=at, out_dir=tmp_path / "b", pdf=False)
    assert [p["change"] for p in files.briefing.trend["periods"]] == [0.0, 0.0]


def test_a_store_without_person_records_says_why_people_lists_are_empty(
    sqlite_store: Store, tmp_path: Path
) -> None:
    # exact-time incidents and no involvements (a force's open incident extract):
    # "No repeat victim was hit again" alone would read as a finding
    store = sqlite_store
    at = dt.datetime(2025, 3, 10, 8)
    times = [at - dt.timedelta(hours=h) for h in (2, 5, 30, 400)]
    inc = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(len(times))],
            "source": "rms",
            "occurred_from": times,
            "time_precision": "exact",
        }
    )
    _append_assaults(store, inc)
    files = run_briefing(store, at=at, out_dir=tmp_path / "a", pdf=False)
    notes = files.briefing.notes
    assert any("holds no involvements" in n for n in notes), notes
    # the tiles and person sections say so too, not "0" and "no one"
    html = render_briefing_html(files.briefing)
    assert "<b>0</b>repeat victims hit again" not in html
    assert "<b>–</b>people of concern" in html
    assert "No repeat victim was hit again" not in html
    assert "Not shown: the store holds no victims, suspects or offenders" in html
    # person records exist (an older incident's victim), none in the window: no note
    with store.transaction() as tx:
        tx.append(
            "involvements",
            pl.DataFrame(
                {"incident_id": ["i3"], "person_id": ["p1"], "role": ["victim"]}
            ),
        )
    files = run_briefing(store, at=at, out_dir=tmp_path / "b", pdf=False)
    assert not any("holds no involvements" in n for n in files.briefing.notes)
    html = render_briefing_html(files.briefing)
    assert "<b>0</b>repeat victims hit again" in html
    assert "No repeat victim was hit again" in html


def test_people_of_concern_say_how_many_they_are_the_top_of(seeded) -> None:
    """The people section lists the top 10: the summary tile and the notes say of
    how many suspects/offenders of the window (10 alone read as all of them)."""
    store, _ = seeded
    week = build_briefing(store, at=AT, hours=24 * 7)
    data = week.to_json()
    offending = {
        p["person_id"]
        for inc in data["incidents"]
        for p in inc["people"]
        if p["role"] in ("suspect", "offender")
    }
    summary = data["summary"]
    assert summary["n_people"] == len(data["people"]) == 10
    assert summary["n_people_linked"] == len(offending) > 10
    assert any(
        f"The first 10 of the window's {len(offending)} suspects/offenders" in n
        for n in data["notes"]
    )
    html = render_briefing_html(week, data=data)
    assert f"(of {len(offending)} suspects/offenders)" in html


def test_a_feed_that_stops_before_the_window_end_is_said(seeded) -> None:
    """Records that stop days before the window's end leave the window and the
    trend partial: the briefing says so (a quiet page is not a quiet day)."""
    store, _ = seeded
    on_time = build_briefing(store, at=AT).to_json()["notes"]
    assert not any("The latest record is at" in n for n in on_time)
    late = build_briefing(store, at=AT + dt.timedelta(days=3)).to_json()["notes"]
    lag = [n for n in late if "The latest record is at" in n]
    assert len(lag) == 1
    assert "hours before the window's end" in lag[0]


def test_retaliation_lists_the_victims_co_offenders_and_kin(
    sqlite_store: Store,
) -> None:
    """The briefing's alerts listed only the victim and their group as possible
    retaliators (it reads no graph); ``avert analyse retaliation`` also lists the
    victim's co-offenders and kin. Now both do (co-offending and kin of the people
    the alerts name are read from the store). A mutual fight (HIST2: VIC and RIV
    each recorded as suspect and victim) ties them in neither: the briefing had
    still listed the rival RIV as VIC's co-offender, among those who may retaliate."""
    frames = make_frames(300, at=AT, seed=3)
    inc = frames["incidents"]
    template = inc.filter(pl.col("in_definition")).head(1)
    extra = pl.concat(
        [
            template.with_columns(
                pl.lit("HIST1").alias("incident_id"),
                pl.lit(AT - dt.timedelta(days=100)).alias("occurred_from"),
            ),
            template.with_columns(
                pl.lit("HIST2").alias("incident_id"),
                pl.lit(AT - dt.timedelta(days=50)).alias("occurred_from"),
            ),
            template.with_columns(
                pl.lit("NOW1").alias("incident_id"),
                pl.lit(AT - dt.timedelta(hours=2)).alias("occurred_from"),
                pl.lit("knife").alias("weapon"),
            ),
        ]
    )
    frames["incidents"] = pl.concat([inc, extra])
    frames["involvements"] = pl.concat(
        [
            frames["involvements"],
            pl.DataFrame(
                {
                    "incident_id": [
                        "HIST1",
                        "HIST1",
                        "NOW1",
                        "NOW1",
                        "HIST2",
                        "HIST2",
                        "HIST2",
                        "HIST2",
                    ],
                    "person_id": [
                        "VIC",
                        "COF",
                        "VIC",
                        "SUS",
                        "VIC",
                        "VIC",
                        "RIV",
                        "RIV",
                    ],
                    "role": [
                        "offender",
                        "offender",
                        "victim",
                        "suspect",
                        "suspect",
                        "victim",
                        "suspect",
                        "victim",
                    ],
                }
            ),
        ]
    )
    frames["group_members"] = pl.concat(
        [
            frames["group_members"],
            pl.DataFrame({"group_id": ["GRP1", "GRP2"], "person_id": ["VIC", "SUS"]}),
        ]
    )
    store = sqlite_store
    write_store(store, frames)
    with store.transaction() as tx:
        tx.append(
            "relationships",
            pl.DataFrame(
                {
                    "person_a": ["KIN", "EXP"],
                    "person_b": ["VIC", "VIC"],
                    "kind": ["sibling", "partner"],
                    # a link that ended before the briefing names no one
                    "valid_to": [None, (AT - dt.timedelta(days=30)).date()],
                }
            ),
        )
    data = build_briefing(store, at=AT).to_json()
    alert = next(a for a in data["retaliation"] if a["incident_id"] == "NOW1")
    at_risk = set(alert["at_risk_of_retaliation_from"])
    assert {"VIC", "COF", "KIN"} <= at_risk
    assert "SUS" not in at_risk  # the incident's own suspect
    assert "RIV" not in at_risk  # the other side of a mutual fight
    assert any("co-offenders, kin" in r for r in alert["reasons"])
    assert "EXP" not in at_risk
    # avert analyse retaliation over the same 14 days: the same kin and co-offender
    # (its groups are detected afresh, so its group members can differ)
    from avert.workflows.networks import retaliation_report

    report = retaliation_report(store, since=AT - dt.timedelta(days=14), until=AT)
    row = report.frame.filter(pl.col("incident_id") == "NOW1").row(0, named=True)
    cli_at_risk = set(row["at_risk_of_retaliation_from"])
    assert {"VIC", "COF", "KIN"} <= cli_at_risk
    assert "RIV" not in cli_at_risk
    assert "EXP" not in cli_at_risk


def test_people_tasked_before_the_window_have_their_make_up(
    sqlite_store: Store,
) -> None:
    """A person tasked at an earlier meeting, not in the window's records, counts
    by their own sex, age and ethnicity in the taskings make-up (read from the
    store), not as "unknown"."""
    store = sqlite_store
    frames = make_frames(600, at=AT, seed=5)
    write_store(store, frames)
    window = frames["involvements"].join(
        frames["incidents"].filter(
            pl.col("occurred_from") >= AT - dt.timedelta(days=1)
        ),
        on="incident_id",
    )
    person = (
        frames["people"]
        .filter(
            ~pl.col("person_id").is_in(window["person_id"].implode())
            & ~pl.col("person_id").is_in(frames["group_members"]["person_id"].implode())
            & pl.col("sex").is_not_null()
        )
        .row(0, named=True)
    )
    with store.transaction() as tx:
        tx.append(
            "taskings",
            pl.DataFrame(
                {
                    "tasking_id": ["T1"],
                    "what": ["Safeguarding visit"],
                    "assignee": ["duty officer"],
                    "organisation": ["police"],
                    "due": [AT - dt.timedelta(days=2)],
                    "item_kind": ["repeat_victim"],
                    "item_id": [person["person_id"]],
                    "status": ["open"],
                    "created_at": [AT - dt.timedelta(days=4)],
                }
            ),
        )
    made = build_briefing(store, at=AT).make_up["taskings"]
    sex = {r["category"]: r["listed"] for r in made["rows"] if r["dimension"] == "sex"}
    assert sex.get(person["sex"]) == 1
    assert not sex.get("unknown")


def _two_robberies_of_february_2022(store: Store) -> None:
    """Store two police.uk robberies of February 2022, dated by the month only, a
    few metres apart, classified in the definition."""
    inc = pl.DataFrame(
        {
            "incident_id": ["pu1", "pu2"],
            "source": "policeuk",
            "crime_type": "Robbery",
            "occurred_from": dt.datetime(2022, 2, 1),
            "occurred_to": dt.datetime(2022, 2, 28, 23, 59, 59),
            "time_precision": "month",
            "x": [530000.0, 530020.0],
            "y": [180000.0, 180020.0],
        }
    )
    classes = inc.select(
        "incident_id",
        profile=pl.lit("avb-2010"),
        in_definition=pl.lit(True),
        category=pl.lit("personal_robbery"),
        harm_days=pl.lit(365.0),
    )
    with store.transaction() as tx:
        tx.append("incidents", inc)
        tx.append("classifications", classes)


def test_cli_brief_does_not_count_people_a_month_store_cannot_name(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A London police.uk month printed "21,961 violent incidents, 0 people of
    concern": the data name no one, so the line says so as the page's tile does."""
    _two_robberies_of_february_2022(sqlite_store)
    result = CliRunner().invoke(
        app,
        [
            "--db",
            sqlite_store.url.adbc,
            "brief",
            "--at",
            "2022-03-01T08:00",
            "--out",
            str(tmp_path / "out"),
            "--no-pdf",
        ],
    )
    assert result.exit_code == 0, result.output
    line = " ".join(result.output.split())
    assert "2 violent incidents" in line
    assert "0 people of concern" not in line
    assert "people of concern not shown (not in month-precision data)" in line


def test_cli_brief_mid_month_does_not_count_places_it_cannot_date(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """West Yorkshire's July 2018 briefed on 16 July printed "violent incidents not
    shown (day unknown in month-precision data), ..., 0 places": its month-only
    records have places but no day, so the places are not shown, not none."""
    _two_robberies_of_february_2022(sqlite_store)
    args = ["--db", sqlite_store.url.adbc, "brief", "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(app, [*args, "--at", "2022-02-16T06:00", "--no-pdf"])
    assert result.exit_code == 0, result.output
    line = " ".join(result.output.split())
    assert "violent incidents not shown" in line
    assert "0 places" not in line
    assert "places not shown (day unknown in month-precision data)" in line
