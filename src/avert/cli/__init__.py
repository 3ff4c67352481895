"""The ``avert`` command line: thin commands over :mod:`avert.workflows`.

Each command group lives in its own module with a ``register(app)`` function; this
module builds the root app, resolves ``--db`` into settings, and turns avert's own
errors into one clear line and exit code 1 (2 for usage errors, as Click does).
"""

from __future__ import annotations

import sys
from typing import Annotated, NoReturn

import typer

from avert import __version__
from avert.cli import (
    analyse_marac,
    analyse_networks,
    analyse_places,
    analyse_volt,
    audit_log,
    board,
    brief,
    db,
    definition,
    delivery,
    demo,
    forecast,
    harm,
    ingest,
    ingest_table,
    retention,
    serve,
    status,
    synth,
    users,
)
from avert.cli._common import err_console, styled
from avert.cli._options import hide_old_option_names
from avert.config.settings import check_url_argument, load_settings
from avert.errors import AvertError

__all__ = ["app", "main"]


def _flags_without_type() -> None:
    """``--help`` shows a flag (``--json``, ``--help``) as a flag, without ``<bool>``.

    Typer's rich help prints a type beside every option, flags included; a flag takes
    no value, so the type column stays empty for it.
    """
    from typer.core import TyperOption

    if getattr(TyperOption.display_type_rich, "avert_flags", False):
        return
    shown = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx: typer.Context) -> str | None:
        return None if self.is_bool_flag else shown(self, ctx)

    display_type_rich.avert_flags = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign,assignment]


_flags_without_type()

app = typer.Typer(
    name="avert",
    help=(
        "avert: violence reduction analysis for police forces and partners. "
        "Load records, define violence, find the few victims, offenders, places and "
        "times that carry most harm, and brief the daily meeting."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
analyse_app = typer.Typer(
    help="Analyses: concentration, VOLT, risk, MARAC referrals; groups, a person, retaliation and "
    "families; near repeat, Gi* and emerging hot spots; performance and equality.",
    no_args_is_help=True,
)
app.add_typer(analyse_app, name="analyse")


def _version(value: bool) -> None:  # noqa: FBT001 - Typer passes it positionally
    if value:
        typer.echo(f"avert {__version__}")
        raise typer.Exit


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL or SQLite file (default: AVERT_DATABASE_URL, else "
            "sqlite:///avert.db); no password in it (ps shows it to every user): "
            "AVERT_DATABASE_URL or ~/.pgpass holds that.",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """avert command line."""
    if db is not None:
        check_url_argument(db)
    ctx.obj = load_settings().with_overrides(database_url=db)


# Each command group lives in its own module with register(app) (or
# register(analyse_app) for the analyses); the order here is the order of --help.
for _module in (
    db,
    ingest,
    ingest_table,
    status,
    definition,
    harm,
    synth,
    demo,
    brief,
    forecast,
    audit_log,
    serve,
    users,
    delivery,
    retention,
):
    _module.register(app)
for _module in (analyse_volt, analyse_marac, analyse_networks, analyse_places):
    _module.register(analyse_app)
board.register(app, analyse_app)
# renamed options keep their old names working, shown by one name in --help
hide_old_option_names(app)


def _interrupted(err: BaseException) -> bool:
    """Whether ``err`` was caused by Ctrl-C (a KeyboardInterrupt in its chain).

    The database drivers (ADBC) turn a KeyboardInterrupt during a call into their own
    error: SQLite's ``NotSupportedError: NOT_IMPLEMENTED`` (it cannot cancel),
    PostgreSQL's ``OperationalError: CANCELLED``.
    """
    seen: set[int] = set()
    cause: BaseException | None = err
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def main() -> None:
    """Entry point of the ``avert`` script.

    Exit codes: 1 for avert's own errors (one line), 2 for usage errors (one line
    with the ``--help`` hint, :func:`_usage_error`), 130 for Ctrl-C wherever it
    lands (Typer's code for it), with one line when it interrupted a database call
    (what the command had committed before, e.g. a load before its classification,
    stays; the open transaction is rolled back).
    """
    try:
        # not standalone: a usage error comes here, to be one line (below)
        code = app(standalone_mode=False, prog_name=_program_name())
    except typer.TyperException as err:  # Typer's own Click: a usage error
        _usage_error(err)
    except typer.Abort:
        err_console.print("Aborted!")
        sys.exit(1)
    except AvertError as err:
        # one line, as long as it is: a path or a URL stays whole in a log
        err_console.print(styled(("error:", "bold red"), " ", str(err)), soft_wrap=True)
        sys.exit(1)
    except Exception as err:
        if not _interrupted(err):
            raise
        err_console.print(
            "Interrupted: uncommitted work was rolled back (see 'avert status')."
        )
        sys.exit(130)
    # a command returns None; typer.Exit (and Ctrl-C, 130) come back as their code
    sys.exit(code if isinstance(code, int) else 0)


def _program_name() -> str:
    """``python -m avert`` when run so, else ``avert``.

    Click guesses the name from ``__main__``'s package: under another module's
    ``-m`` (``python -m pytest``) it printed ``python -m pytest.avert`` in every
    usage line and ``--help`` hint."""
    main_module = sys.modules.get("__main__")
    spec = getattr(main_module, "__spec__", None)
    if spec is not None and spec.name in {"avert", "avert.__main__"}:
        return "python -m avert"
    return "avert"


def _usage_error(err: typer.TyperException) -> NoReturn:
    """A usage error (a bad option, a missing one) as one line, as avert's own
    errors are, with the ``--help`` hint; Typer's was a box of five lines or more.
    Exit code 2, Click's (1 for its other errors)."""
    ctx = getattr(err, "ctx", None)
    if type(err).__name__ == "NoArgsIsHelpError":  # as Typer tells it
        sys.exit(err.exit_code)  # the help is printed already
    hint = (
        f"; try '{ctx.command_path} {ctx.help_option_names[0]}'"
        if ctx is not None and ctx.command.get_help_option(ctx) is not None
        else ""
    )
    message = err.format_message().replace("\n", " ").rstrip().removesuffix(".")
    err_console.print(
        styled(("error:", "bold red"), " ", f"{message}{hint}."), soft_wrap=True
    )
    sys.exit(err.exit_code)
