"""``avert serve``: the web app for the daily meeting, officers, partners and the board."""

from __future__ import annotations

from typing import Annotated

import typer

from avert.cli._common import console, get_settings, get_store
from avert.config.settings import Settings, hand_to_child_processes

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
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            help="Worker processes serving the port (uvicorn's --workers): each "
            "opens its own database connections (up to 2 x (AVERT_DB_POOL_SIZE + "
            "AVERT_DB_MAX_OVERFLOW) + 1), and all share AVERT_SECRET_KEY, so a "
            "session made at one is valid at the others.",
        ),
    ] = 1,
) -> None:
    """Serve the web app (FastAPI + htmx) over the database with uvicorn.

    Needs AVERT_SECRET_KEY (32+ characters) outside the demo; accounts come from
    'avert users add'. Several worker processes (--workers) serve more users at
    once; the same as 'uvicorn avert.web.app:app_from_environment --factory
    --workers N' (docs/web.md, "Deploying").
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
    app = create_app(settings, store, demo=demo, warm_up=workers == 1)
    console.print(
        f"avert web app on http://{host}:{port}/ (Ctrl-C to stop)", soft_wrap=True
    )
    if demo:
        from avert.workflows.demo import demo_sign_in

        console.print(f"Sign in {demo_sign_in()} (the accounts 'avert demo' made).")
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
        return
    store.close()  # the workers open their own; this process only supervises them
    _serve_workers(settings, workers=workers, demo=demo, host=host, port=port)


def _serve_workers(
    settings: Settings, *, workers: int, demo: bool, host: str, port: int
) -> None:
    """Run ``workers`` processes, each building the app from the environment.

    uvicorn starts worker processes from an import string, not from an app
    object; each imports :func:`avert.web.app.app_from_environment`, which reads
    the ``AVERT_*`` variables. This process hands them what the command line
    resolved (the ``--db`` URL; the demo's random keys, made once here: one per
    worker would sign sessions the others refuse). The app built above checked
    the settings, the secret and the store once, so a bad one stops the start
    with one line rather than a traceback per worker.
    """
    import uvicorn

    from avert.web.app import worker_environment

    hand_to_child_processes(worker_environment(settings, demo=demo))
    factory = "demo_app_from_environment" if demo else "app_from_environment"
    uvicorn.run(
        f"avert.web.app:{factory}",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the root app."""
    app.command("serve")(serve)
