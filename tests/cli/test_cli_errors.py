"""Clear errors instead of tracebacks (issue 12.8): an unreachable PostgreSQL server,
an unwritable or existing ``--out``, an ``--area`` that names no known area."""

from __future__ import annotations

import datetime as dt
import importlib.machinery
import os
import sys
import types
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from avert.cli import app, main
from avert.errors import NotFound
from avert.store import Store
from avert.store.database import Transaction


def _run(store: Store, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["--db", store.url.sqlalchemy, *args], env={"COLUMNS": "200"}
    )
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    # one line, without the frame of Click's error box
    return result.exit_code, " ".join(result.output.replace("│", " ").split())


def test_unreachable_postgresql_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AVERT_DATABASE_URL", "postgresql://nobody:secret@127.0.0.1:1/x")
    for command in (["status"], ["db", "init"]):
        monkeypatch.setattr(sys, "argv", ["avert", *command])
        with pytest.raises(SystemExit) as exit_:
            main()
        assert exit_.value.code == 1
        err = capsys.readouterr().err
        assert "Traceback" not in err
        assert "Cannot connect to the database" in err
        assert "127.0.0.1" in err
        assert "secret" not in err, "the password is never printed"
        # the URL as the user wrote it, not SQLAlchemy's driver spelling
        assert "postgresql://nobody:***@127.0.0.1:1/x:" in err, err
        assert "+psycopg" not in err


def test_unreachable_postgresql_socket_url_reads_as_written(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Unix-socket URL (docs/postgresql.md) was shown percent-encoded with the
    driver: postgresql+psycopg://avert@/avert?host=%2Fnowhere%2Fpg."""
    monkeypatch.setenv(
        "AVERT_DATABASE_URL", "postgresql://avert@/avert?host=/nowhere/pg"
    )
    monkeypatch.setattr(sys, "argv", ["avert", "status"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    err = " ".join(capsys.readouterr().err.split())
    assert (
        "Cannot connect to the database postgresql://avert@/avert?host=/nowhere/pg:"
        in err
    ), err


@pytest.mark.postgres
def test_db_init_and_upgrade_never_print_the_password(
    postgres_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'avert db init' printed "Database ready at revision 0019:
    postgresql://avert:choose-a-long-password@/avert?host=...", the password of
    docs/postgresql.md's URL in clear on the screen and in job logs."""
    head, _, query = postgres_store.url.adbc.partition("?")
    scheme, _, rest = head.partition("://")
    user_host = rest.replace(":@", "@", 1)  # the test server's empty password
    user, _, host = user_host.rpartition("@")
    url = f"{scheme}://{user}:sekrit-pw@{host}" + (f"?{query}" if query else "")
    monkeypatch.setenv("AVERT_DATABASE_URL", url)
    for command in (["db", "init"], ["db", "upgrade"], ["db", "revision"]):
        result = CliRunner().invoke(app, command, env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert "sekrit-pw" not in result.output, result.output
    shown = CliRunner().invoke(app, ["db", "init"], env={"COLUMNS": "200"}).output
    assert f"{user}:***@" in shown, shown
    assert "+psycopg" not in shown, shown


@pytest.mark.parametrize("spelling", ["--overwrite", "--force"])
@pytest.mark.parametrize(
    "command",
    [["quarantine", "export"], ["audit", "export"], ["plan", "export"]],
)
def test_an_existing_file_is_replaced_only_with_overwrite(
    sqlite_store: Store, tmp_path: Path, command: list[str], spelling: str
) -> None:
    """``--overwrite`` replaces the file; ``--force``, its name before 2026-12,
    still does."""
    target = tmp_path / "out.csv"
    target.write_text("keep me", encoding="utf-8")
    code, output = _run(sqlite_store, *command, str(target))
    assert code == 2, output
    assert "exists: give --overwrite to replace it" in output
    assert target.read_text(encoding="utf-8") == "keep me"
    if command[0] != "plan":  # no plan stored: --overwrite then reaches that message
        code, output = _run(sqlite_store, *command, str(target), spelling)
        assert code == 0, output
        assert target.read_text(encoding="utf-8") != "keep me"


@pytest.mark.parametrize(
    "command",
    [
        ["brief", "--at", "2026-11-24T06:00", "--no-pdf"],
        ["forecast", "--at", "2026-11-20"],
        ["board", "pack", "--month", "2026-10", "--no-pdf"],
        ["synth", "--people", "1000", "--days", "30"],
        ["demo", "--no-pdf"],
    ],
)
def test_out_must_be_a_writable_folder(
    sqlite_store: Store, tmp_path: Path, command: list[str]
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("", encoding="utf-8")
    code, output = _run(sqlite_store, *command, "--out", str(a_file))
    assert code == 2, output
    assert "exists and is a file" in output
    code, output = _run(sqlite_store, *command, "--out", str(a_file / "sub"))
    assert code == 2, output
    assert "is a file, not a folder" in output


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes anywhere"
)
def test_an_unwritable_folder_is_refused(sqlite_store: Store, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        code, output = _run(sqlite_store, "quarantine", "export", str(locked / "q.csv"))
        assert code == 2, output
        assert "is not writable" in output
    finally:
        locked.chmod(0o700)


def test_an_unknown_area_lists_the_known_ones(
    sqlite_store: Store, tmp_path: Path
) -> None:
    n = 25
    with sqlite_store.transaction() as tx:
        tx.append(
            "incidents",
            pl.DataFrame(
                {
                    "incident_id": [f"i{i}" for i in range(n)],
                    "source": ["test"] * n,
                    "occurred_from": [dt.datetime(2026, 11, 23, 12)] * n,
                    "borough": [f"Borough {i:02d}" for i in range(n)],
                }
            ),
        )
    out = str(tmp_path / "b")
    code, output = _run(
        sqlite_store, "brief", "--at", "2026-11-24T06:00", "--area", "Nowhere",
        "--no-pdf", "--out", out,
    )  # fmt: skip
    assert code == 2, output
    assert "no area 'Nowhere'" in output
    assert "the first 20 of 25" in output
    assert "Borough 00" in output
    assert "Borough 24" not in output
    # a known area (any case) passes the check; this store is then not classified
    with pytest.raises(NotFound, match="avert classify"):
        _run(
            sqlite_store, "brief", "--at", "2026-11-24T06:00", "--area", "borough 03",
            "--no-pdf", "--out", out,
        )  # fmt: skip


def test_brief_org_without_partner_audience_is_a_usage_error(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """``avert brief --org X`` without ``--audience partner`` wrote the police
    briefing (every organisation's taskings) as if ``--org`` were not given."""
    out = tmp_path / "b"
    code, output = _run(
        sqlite_store, "brief", "--at", "2026-11-24T06:00", "--org", "Housing",
        "--no-pdf", "--out", str(out),
    )  # fmt: skip
    assert code == 2, output
    assert "--org" in output
    assert "--audience partner" in output
    assert not out.exists()  # refused before anything was written


def test_a_partner_brief_needs_org_under_a_key_per_organisation(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under pseudonym_scope organisation each organisation reads its own
    pseudonyms: a partner briefing for no named organisation is refused (a
    usage error naming --org) before anything is written."""
    monkeypatch.setenv(
        "AVERT_PSEUDONYM_KEY", "q3Jx0v7Qe9LrT2mZbW8yKc1NfHs5PdUa6GiVoXjE4nR"
    )
    monkeypatch.setenv("AVERT_PSEUDONYM_SCOPE", "organisation")
    out = tmp_path / "b"
    code, output = _run(
        sqlite_store, "brief", "--at", "2026-11-24T06:00", "--audience", "partner",
        "--no-pdf", "--out", str(out),
    )  # fmt: skip
    assert code == 2, output
    assert "--org" in output
    assert "pseudonym_scope" in output
    assert not out.exists()


@pytest.mark.parametrize("driver", ["sqlite", "postgresql"])
def test_ctrl_c_during_a_database_write_is_one_line_and_writes_nothing(
    driver: str,
    any_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Ctrl-C while the database driver writes: the ADBC driver turns the
    KeyboardInterrupt into its own error (SQLite: ``NotSupportedError:
    NOT_IMPLEMENTED`` from the KeyboardInterrupt, it cannot cancel; PostgreSQL:
    ``OperationalError: CANCELLED`` without it), which printed a 60-line traceback
    and exit code 1, where Ctrl-C anywhere else exits 130 quietly. Now one line
    and 130; the load is rolled back."""
    from ingest.helpers import STREET_HEADER, street_row, write

    path = write(tmp_path / "2018-07-x-street.csv", [STREET_HEADER, street_row("a1")])

    class DriverError(Exception):  # what adbc_driver_manager raises
        pass

    def interrupted(*_: object) -> int:
        if driver == "postgresql":  # the driver cancelled the COPY and raised this
            raise DriverError(
                "CANCELLED: [libpq] Failed to execute COPY statement: "
                "PGRES_FATAL_ERROR ERROR:  canceling statement due to user request"
                "\nCONTEXT:  COPY stops, line 1000\n. SQLSTATE: 57014"
            )
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as ctrl_c:
            raise DriverError("NOT_IMPLEMENTED") from ctrl_c

    monkeypatch.setattr(Transaction, "append_arrow", interrupted)
    argv = ["avert", "--db", any_store.url.sqlalchemy, "ingest", "policeuk", str(path)]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "NOT_IMPLEMENTED" not in err
    assert "SQLSTATE" not in err
    assert err.strip().startswith("Interrupted"), err
    assert len(err.strip().splitlines()) == 1, err
    assert any_store.count("incidents") == 0
    assert any_store.count("loads") == 0


@pytest.mark.parametrize(
    ("option_args", "content", "reason"),
    [
        (["analyse", "equality", "--list"], b"\xff\xfe\x00id", "not UTF-8 text"),
        (
            ["brief", "--at", "2026-11-24", "--no-pdf", "--boundaries"],
            b"",
            "the file is empty",
        ),
        (["audit", "verify", "--csv"], b"", "the file is empty"),
    ],
)
def test_an_unreadable_input_file_is_one_line(
    sqlite_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    option_args: list[str],
    content: bytes | str | None,
    reason: str,
) -> None:
    """A priority list, area outlines or an audit export that is empty or not text
    gave a Python traceback; now one line naming the file (a missing one:
    test_option_names.py, and a folder, below: usage errors)."""
    given = tmp_path / "given.csv"
    if content == "dir":
        given.mkdir()
    elif isinstance(content, bytes):
        given.write_bytes(content)
    out = ["--out", str(tmp_path / "b")] if option_args[0] == "brief" else []
    argv = ["avert", "--db", sqlite_store.url.sqlalchemy, *option_args, str(given)]
    monkeypatch.setattr(sys, "argv", [*argv, *out])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "Traceback" not in err
    assert err == f"error: Cannot read {given}: {reason}.", err


def test_a_folder_given_for_a_file_is_a_usage_error(
    sqlite_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A priority list that is a folder: a usage error (exit 2, nothing read), as a
    missing file is; it was an avert error (exit 1) "a folder, not a file"."""
    given = tmp_path / "given.csv"
    given.mkdir()
    (given / "list.csv").write_text("person_id\n")
    argv = ["avert", "--db", sqlite_store.url.sqlalchemy, "analyse", "equality"]
    monkeypatch.setattr(sys, "argv", [*argv, "--list", str(given)])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "Traceback" not in err
    assert f"{given} is a folder: give a file in it: list.csv" in err, err


def test_an_error_is_one_line_whatever_its_length(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """docs/command-line.md: a problem is one line on standard error. A long error
    (a file path, the CRS advice of a load) was wrapped at 80 columns, splitting the
    path across lines where it could not be copied or grepped from a log."""
    deep = tmp_path / ("a-long-folder-name-" * 4) / "toronto-mci-2017-2021.csv"
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(
        sys, "argv", ["avert", "--db", str(tmp_path / "x.db"), "db", "init"]
    )
    with pytest.raises(SystemExit):
        main()
    capsys.readouterr()
    monkeypatch.setattr(
        sys,
        "argv",
        ["avert", "--db", str(tmp_path / "x.db"), "ingest", "policeuk", str(deep)],
    )
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2  # a usage error: no such file or folder
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.endswith("\n")
    assert str(deep) in err


@pytest.mark.parametrize(
    "args",
    [
        ["analyse", "risk", "--top", "-3"],
        ["analyse", "risk", "--top", "0"],
        ["analyse", "volt", "--top", "-2"],
        ["analyse", "volt", "--days", "0"],
        ["brief", "--at", "2026-11-24", "--hours", "0"],
        ["brief", "--at", "2026-11-24", "--hours", "745"],
        ["audit", "list", "--limit", "-1"],
        ["quarantine", "list", "--limit", "-1"],
        ["analyse", "near-repeat", "--sims", "0"],
        ["analyse", "concentration", "--entity", "place", "--cell", "0"],
        ["analyse", "volt", "--cell", "-250"],
        ["analyse", "gistar", "--cell", "0"],
        ["analyse", "hotspots", "--at", "2025-01-05", "--cell", "-150"],
        ["forecast", "--at", "2024-12-01", "--cell", "0"],
        ["forecast", "evaluate", "--cell", "0"],
        ["analyse", "gistar", "--radius", "0"],
        ["forecast", "--at", "2024-12-01", "--backtest-days", "-5"],
        ["forecast", "--at", "2024-12-01", "--history-days", "-5"],
        ["forecast", "--at", "2024-12-01", "--cells", "0"],
        ["forecast", "evaluate", "--days", "0"],
        ["forecast", "evaluate", "--train-days", "-3"],
        ["analyse", "hotspots", "--at", "2025-01-05", "--slices", "0"],
        ["analyse", "hotspots", "--at", "2025-01-05", "--slice-days", "0"],
        ["analyse", "hotspots", "--at", "2025-01-05", "--slice-days", "nan"],
        ["analyse", "hotspots", "--at", "2025-01-05", "--alpha", "0"],
        ["analyse", "hotspots", "--at", "2025-01-05", "--limit", "-1"],
        ["analyse", "gistar", "--alpha", "1.5"],
        ["analyse", "gistar", "--alpha", "nan"],
        ["analyse", "near-repeat", "--space", "100,0"],
        ["analyse", "near-repeat", "--time", "a"],
        ["analyse", "near-repeat", "--seed", "-1"],
        ["synth", "--seed", "-1"],
        ["synth", "--days", "0"],
    ],
)
def test_a_count_out_of_range_is_a_usage_error_naming_the_option(
    sqlite_store: Store, args: list[str]
) -> None:
    """`risk --top -3` listed every person but the last three (and `volt --top -2`
    every victim but two); `volt --days 0` said "The 'window_days' parameter must be
    a positive int" (`--cell 0`: "The 'cell_size_m' parameter ...", and
    "cell_size_m must be a positive number" in gistar, hotspots and forecast;
    `forecast --backtest-days -5` "backtest_days must be 0 or more"; `hotspots
    --slices 0` "emerging hotspots need at least 3 slices", `--alpha 0` "The 'alpha'
    parameter of gi_star", `near-repeat --space 100,0` "space_bands_m must be ..."),
    names the user never typed; `--slice-days nan`, `near-repeat --seed -1` and
    `synth --seed -1` crashed. Each is now a usage error (exit 2) that names the
    option."""
    code, output = _run(sqlite_store, *args)
    assert code == 2, output
    assert f"Invalid value for '{args[-2]}'" in output, output


@pytest.mark.parametrize(
    "command",
    [
        ["analyse", "concentration"],
        ["analyse", "near-repeat"],
        ["analyse", "gistar"],
        ["analyse", "retaliation"],
        ["audit", "list"],
    ],
)
def test_a_reversed_window_is_a_usage_error(
    sqlite_store: Store, command: list[str]
) -> None:
    """`--from 2026-06-01 --to 2026-01-01` (a typo) read as an empty window: "No
    measure in the window", no alert, as if nothing had happened. It is now a usage
    error that says --to must be after --from."""
    code, output = _run(
        sqlite_store, *command, "--from", "2026-06-01", "--to", "2026-01-01"
    )
    assert code == 2, output
    assert "--to (2026-01-01) must be after --from (2026-06-01)" in output, output


def test_a_reversed_equality_window_is_a_usage_error(sqlite_store: Store) -> None:
    """`analyse equality --from 2026-06-01 --to 2026-01-01` said "No stops in this
    window" (or in the store), not that the days were typed the wrong way round."""
    code, output = _run(
        sqlite_store,
        "analyse",
        "equality",
        "--from",
        "2026-06-01",
        "--to",
        "2026-01-01",
    )
    assert code == 2, output
    assert "--to (2026-01-01) must not be before --from (2026-06-01)" in output, output


_PERIODS = ["--baseline-from", "2023-01-01", "--baseline-to", "2023-12-31"]


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (["--sustained-min", "7"], "--sustained-min: must be 1 to --sustained-of (6)"),
        (["--sustained-min", "0"], "--sustained-min: must be 1 to --sustained-of (6)"),
        (["--sustained-of", "0"], "'--sustained-of'"),
    ],
)
def test_a_sustained_rule_out_of_range_is_a_usage_error_naming_the_option(
    sqlite_store: Store, option: list[str], expected: str
) -> None:
    """`performance --sustained-min 7` said "sustained_min must be 1 to sustained_of
    (6) periods", names of the engine the user never typed."""
    code, output = _run(
        sqlite_store,
        "analyse",
        "performance",
        *_PERIODS,
        "--from",
        "2024-01-01",
        "--to",
        "2024-06-30",
        *option,
    )
    assert code == 2, output
    assert f"Invalid value for {expected}" in output, output


def test_hotspot_slices_reaching_before_the_year_1_are_a_usage_error(
    sqlite_store: Store,
) -> None:
    """`hotspots --slice-days 1e6` crashed with OverflowError: date value out of
    range."""
    code, output = _run(
        sqlite_store, "analyse", "hotspots", "--at", "2025-01-05", "--slice-days", "1e6"
    )
    assert code == 2, output
    assert "12 slices of 1e+06 days reach before the year 1" in output, output


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["analyse", "hotspots", "--at", "2025-01-05", "--slices", "0"],
            "error: Invalid value for '--slices': Input should be greater than or "
            "equal to 3; try 'avert analyse hotspots --help'.",
        ),
        (["nosuch"], "error: No such command 'nosuch'; try 'avert --help'."),
        (
            ["users", "add"],
            "error: Missing argument 'username'; try 'avert users add --help'.",
        ),
    ],
)
def test_a_usage_error_is_one_line_with_the_help_hint(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    line: str,
) -> None:
    """A usage error printed Typer's box: the usage, the hint and the message
    framed over five lines or more, where avert's other errors are one line. It
    is now one line (exit 2) that keeps the hint."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(sys, "argv", ["avert", "--db", str(tmp_path / "x.db"), *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err == line + "\n", err


def test_no_command_still_prints_the_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["avert", "analyse"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    out = capsys.readouterr()
    assert "Usage: avert analyse" in out.out + out.err
    assert "error:" not in out.err


@pytest.mark.parametrize(
    ("main_spec", "name"),
    [("pytest.__main__", "avert"), ("avert.__main__", "python -m avert")],
)
def test_the_program_name_is_avert_under_another_module(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    main_spec: str,
    name: str,
) -> None:
    """Run under another module's ``-m`` (``python -m pytest`` without workers),
    every usage line and hint read ``python -m pytest.avert``: Click guessed the
    name from ``__main__``'s package. It is ``avert``, or ``python -m avert`` when
    avert runs so."""
    fake_main = types.ModuleType("__main__")
    fake_main.__spec__ = importlib.machinery.ModuleSpec(main_spec, None)
    fake_main.__package__ = main_spec.split(".")[0]
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    monkeypatch.setattr(sys, "argv", ["whatever", "users", "add"])
    with pytest.raises(SystemExit):
        main()
    err = capsys.readouterr().err
    assert f"try '{name} users add --help'" in err, err


_PERFORMANCE = [
    "analyse",
    "performance",
    "--baseline-from",
    "2023-01-01",
    "--baseline-to",
    "2023-12-31",
    "--from",
    "2024-01-01",
    "--to",
    "2024-06-30",
]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["analyse", "near-repeat", "--space", "5,1"], "'--space'"),
        (["analyse", "near-repeat", "--time", "x"], "'--time'"),
        (["analyse", "volt", "--at", "soon"], "--at"),
        (["analyse", "risk", "--as-of", "soon"], "--as-of"),
        (["analyse", "groups", "--as-of", "soon"], "--as-of"),
        (["analyse", "person", "p1", "--as-of", "soon"], "--as-of"),
        ([*_PERFORMANCE, "--by", "county"], "--by"),
        ([*_PERFORMANCE, "--alpha", "5"], "--alpha"),
        (
            [*_PERFORMANCE[:5], "2024-03-31", *_PERFORMANCE[6:]],
            "'--baseline-from' / '--baseline-to' / '--from' / '--to'",
        ),
        (["analyse", "equality", "--areas", ";"], "--areas"),
        (["forecast", "--at", "2024-01-01", "--horizon", "soon"], "--horizon"),
        (["forecast", "--at", "2024-01-01", "--model", "crystal"], "--model"),
        (["forecast", "--at", "2024-01-01", "--km2", "-1"], "--km2"),
        (
            ["forecast", "--at", "2024-01-01", "--km2", "1", "--cells", "3"],
            "'--cells' / '--km2'",
        ),
        (["forecast", "evaluate", "--models", "counting,crystal"], "--models"),
        (["forecast", "evaluate", "--coverages", "150"], "--coverages"),
        (["forecast", "evaluate", "--from", "2024-13-01"], "--from"),
        (["board", "pack", "--month", "2024-01", "--areas", " ; "], "--areas"),
    ],
)
def test_a_bad_option_is_refused_before_the_store_is_opened(
    tmp_path: Path, args: list[str], option: str
) -> None:
    """`avert analyse near-repeat --space 5,1` on a new machine said "No database
    ... Run 'avert db init' first" (exit 1): the bands, like the other options
    below, were checked only once the store was open. A bad option is now a usage
    error naming it (exit 2) before any store is opened, or created."""
    absent = tmp_path / "absent.db"
    if args[0] in ("forecast", "board") and args[1] != "evaluate":
        args = [*args, "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(
        app, ["--db", f"sqlite:///{absent}", *args], env={"COLUMNS": "200"}
    )
    output = " ".join(result.output.replace("│", " ").split())
    assert result.exit_code == 2, output
    assert f"Invalid value for {option}" in output, output
    assert "No database" not in output
    assert not absent.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "-0.1"], "Invalid value: give --target and --target-by together"),
        (["--target-by", "2025-01-01"], "give --target and --target-by together"),
        (["--unit", "day"], "Invalid value for --unit: must be month or week"),
        (["--family", "x"], "--family: must be auto, poisson or negbin"),
        (["--measure", "y"], "Invalid value for --measure: must be count or harm"),
        # several at once: the first in the order --unit, --family, --sustained-min,
        # --measure, --target/--target-by, --by, --alpha, the periods
        (
            ["--alpha", "5", "--by", "x", "--target", "1", "--measure", "y"],
            "Invalid value for --measure",
        ),
        (
            ["--measure", "y", "--sustained-min", "9"],
            "Invalid value for --sustained-min",
        ),
        (["--sustained-min", "9", "--family", "x"], "Invalid value for --family"),
        (["--family", "x", "--unit", "day"], "Invalid value for --unit"),
        (["--alpha", "5", "--target", "1"], "give --target and --target-by together"),
        (["--alpha", "5", "--by", "x"], "Invalid value for --by"),
    ],
)
def test_performance_usage_errors_come_one_at_a_time_in_a_fixed_order(
    tmp_path: Path, args: list[str], message: str
) -> None:
    """`avert analyse performance` names the first bad option of a fixed order
    (exit 2, before any store is opened); pinned before its checks moved out of
    the command into :func:`avert.cli.board._check_performance_choices`."""
    absent = tmp_path / "absent.db"
    result = CliRunner().invoke(
        app,
        ["--db", f"sqlite:///{absent}", *_PERFORMANCE, *args],
        env={"COLUMNS": "200"},
    )
    output = " ".join(result.output.replace("│", " ").split())
    assert result.exit_code == 2, output
    assert message in output, output
    assert output.count("Invalid value") == 1, output
    assert not absent.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["analyse", "groups", "--config", "NOWHERE"],
        ["analyse", "person", "p1", "--config", "NOWHERE"],
        ["analyse", "retaliation", "--from", "2024-01-01", "--config", "NOWHERE"],
        ["brief", "--at", "2024-01-01", "--no-pdf", "--boundaries", "NOWHERE"],
    ],
)
def test_an_option_file_is_read_before_the_store_is_opened(
    tmp_path: Path, args: list[str]
) -> None:
    """A missing --config or --boundaries file was reported as a missing database
    (the store was opened first): the error now names the file, a usage error
    (exit 2) before the store is opened."""
    absent = tmp_path / "absent.db"
    missing = str(tmp_path / "missing.file")
    args = [missing if a == "NOWHERE" else a for a in args]
    if args[0] == "brief":
        args = [*args, "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(
        app, ["--db", f"sqlite:///{absent}", *args], env={"COLUMNS": "200"}
    )
    output = " ".join(result.output.replace("│", " ").split())
    assert result.exit_code == 2, output
    assert f"no such file: {missing}" in output, output
    assert not absent.exists()


def test_db_init_prints_the_store_on_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A long store location (a PostgreSQL URL with its options, a deep SQLite
    path) was wrapped at 80 columns onto a second line, where it could not be
    copied."""
    deep = tmp_path / ("a-long-folder-name-" * 4)
    deep.mkdir()
    db = deep / "avert.db"
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(sys, "argv", ["avert", "--db", str(db), "db", "init"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out
    assert str(db) in out, out
