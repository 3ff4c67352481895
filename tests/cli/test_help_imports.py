"""``avert --help`` imports no heavy module (issue 12.8: help answers in under 1 s).

Not a wall-clock test (the machine may be loaded): a fresh interpreter imports the
command line, renders the help of every command and group, and the heavy libraries
(Polars, SQLAlchemy, WeasyPrint, FastAPI, igraph, numpy, scipy, statsmodels...) must
not be in ``sys.modules``. ``benchmarks/cli_help.py`` measures the time itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

#: imported by commands when they run, never to build the app or print help
HEAVY = (
    "polars",
    "pyarrow",
    "numpy",
    "scipy",
    "statsmodels",
    "sqlalchemy",
    "alembic",
    "adbc_driver_manager",
    "weasyprint",
    "jinja2",
    "fastapi",
    "starlette",
    "uvicorn",
    "igraph",
    "leidenalg",
    "openpyxl",
    "argon2",
    "yaml",
)

_PROBE = textwrap.dedent(
    """
    import functools, json, sys

    import typer.testing
    from typer.main import get_command
    from typer.testing import CliRunner

    {setup}
    import avert.cli

    # the command tree built once, not again at every invoke (as the one tree
    # ``avert`` builds; tests/conftest.py's _cli_built_once): the first build's
    # imports are in sys.modules all the same
    typer.testing._get_command = functools.cache(get_command)
    runner = CliRunner()
    shown = []

    def walk(cmd, path):
        if path is None:  # the root's help only
            path, cmd = [], None
        done = runner.invoke(avert.cli.app, [*path, "--help"])
        assert done.exit_code == 0 and "Usage" in done.output, (path, done.output)
        shown.append(" ".join(["avert", *path]))
        for name, sub in sorted((getattr(cmd, "commands", None) or {{}}).items()):
            walk(sub, [*path, name])

    walk(get_command(avert.cli.app), [] if {every} else None)
    heavy = {heavy!r}
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in heavy)
    print(json.dumps({{"shown": shown, "loaded": loaded}}))
    """
)


def _probe(setup: str = "", *, every: bool = True) -> dict[str, list[str]]:
    """Run the probe in a fresh interpreter: help of every command, or the root's."""
    code = _PROBE.format(setup=setup, heavy=HEAVY, every=every)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, list[str]] = json.loads(out.strip().splitlines()[-1])
    return result


def test_help_of_every_command_imports_no_heavy_module() -> None:
    result = _probe()
    assert len(result["shown"]) > 40, result["shown"]  # every group and command
    assert "avert analyse volt" in result["shown"]
    assert result["loaded"] == [], (
        "avert --help imported heavy modules; import them inside the command "
        f"function instead: {result['loaded'][:20]}"
    )


def test_the_check_can_fail() -> None:
    """A command module importing Polars at its top is caught."""
    result = _probe(setup="import polars", every=False)
    assert "polars" in result["loaded"]


def test_python_m_avert_help_runs() -> None:
    """``python -m avert --help`` itself, under ``-X importtime``: nothing heavy."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "avert", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Usage" in done.stdout
    imported = {
        line.split("|")[-1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))
