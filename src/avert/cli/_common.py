"""Shared pieces of the command line: the store from ``--db``, JSON output, errors."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from avert.config.settings import Settings, load_settings

if TYPE_CHECKING:
    from avert.workflows.admin import Store

__all__ = ["console", "err_console", "get_settings", "get_store", "print_json"]

console = Console()
err_console = Console(stderr=True)


def get_settings(ctx: typer.Context) -> Settings:
    """Settings resolved by the root callback (defaults < environment < --db)."""
    obj = ctx.find_root().obj
    if isinstance(obj, Settings):
        return obj
    return load_settings()


def get_store(ctx: typer.Context, *, check: bool = True) -> Store:
    """The store named by ``--db`` / ``AVERT_DATABASE_URL``; checked to be at head."""
    from avert.workflows.admin import open_store

    return open_store(get_settings(ctx), check=check)


def print_json(payload: Any) -> None:
    """Write ``payload`` as JSON to standard output (stable key order, UTF-8)."""
    sys.stdout.write(json.dumps(payload, indent=2, default=str, ensure_ascii=False))
    sys.stdout.write("\n")
