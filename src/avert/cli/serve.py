"""``avert serve``: the web app for the daily meeting, officers, partners and the board."""

from __future__ import annotations

from typing import Annotated

import typer

from avert.cli._common import console, get_settings, get_store

__all__ = ["register"]


def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Serve the demo city (avert-demo.db from 'avert demo'); a random "
            "secret key per run is then allowed. Refused on a database holding "
            "anything but avert's synthetic city.",
        ),
    ] = False,
) -> None:
    """Serve the web app (FastAPI + htmx) over the database with uvicorn.

    Needs AVERT_SECRET_KEY (32+ characters) outside the demo; accounts come from
    'avert users add'.
    """
    import uvicorn

    from avert.web import create_app

    settings = get_settings(ctx)
    if demo and settings.database_url == "sqlite:///avert.db":
        settings = settings.with_overrides(database_url="sqlite:///avert-demo.db")
        ctx.find_root().obj = settings
    store = get_store(ctx)
    if demo:
        from avert.workflows.demo import check_demo_store

        check_demo_store(store)
    app = create_app(settings, store, demo=demo)
    console.print(f"avert web app on http://{host}:{port}/ (Ctrl-C to stop)")
    if demo:
        from avert.workflows.demo import demo_sign_in

        console.print(f"Sign in {demo_sign_in()} (the accounts 'avert demo' made).")
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the root app."""
    app.command("serve")(serve)
