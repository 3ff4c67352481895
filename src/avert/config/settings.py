"""Run-time settings: where the database is, which projection, which definition.

Settings are read at the edges only (CLI, web, workflows) and passed inward as
arguments; analyses never read the environment. Each setting has a name, a default,
an environment variable and a help line in :data:`SETTINGS`, from which the settings
reference in ``docs/settings.md`` is written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from typing import Final

__all__ = ["SETTINGS", "Settings", "load_settings"]

#: (name, default, environment variable, help)
SETTINGS: Final[tuple[tuple[str, str, str, str], ...]] = (
    (
        "database_url",
        "sqlite:///avert.db",
        "AVERT_DATABASE_URL",
        "Database URL: sqlite:///PATH (default, a file in the working folder) or "
        "postgresql://USER@HOST/DB. A plain file path means SQLite.",
    ),
    (
        "crs",
        "EPSG:27700",
        "AVERT_CRS",
        "Projected CRS for x/y metres (British National Grid by default).",
    ),
    (
        "definition",
        "avb-2010",
        "AVERT_DEFINITION",
        "Violence definition profile id, or a path to a violence TOML file.",
    ),
    (
        "pseudonym_key",
        "",
        "AVERT_PSEUDONYM_KEY",
        "Secret key of the partner pseudonyms (HMAC-SHA256): at least 32 random "
        'characters, e.g. from python -c "import secrets; '
        'print(secrets.token_urlsafe(32))". Partner outputs are refused without it '
        "(outside 'avert demo'). Keep it with the police; it is never printed. A "
        "stable key lets partners link one person across briefings: see "
        "pseudonym_rotation.",
    ),
    (
        "pseudonym_rotation",
        "none",
        "AVERT_PSEUDONYM_ROTATION",
        "none, monthly or quarterly: derive a new pseudonym key from the secret each "
        "period (HMAC), so partner outputs of different periods cannot be linked.",
    ),
)


@dataclass(frozen=True)
class Settings:
    """Resolved settings (defaults < environment < explicit arguments)."""

    database_url: str = "sqlite:///avert.db"
    crs: str = "EPSG:27700"
    definition: str = "avb-2010"
    #: a secret: never shown in repr or logs
    pseudonym_key: str = field(default="", repr=False)
    pseudonym_rotation: str = "none"

    def with_overrides(self, **overrides: str | None) -> Settings:
        """Return a copy with every non-None override applied."""
        known = {f.name for f in fields(self)}
        clean = {k: v for k, v in overrides.items() if v is not None and k in known}
        return replace(self, **clean)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read settings from the environment (``AVERT_*`` variables) over the defaults."""
    env = os.environ if environ is None else environ
    values = {name: env.get(var, default) for name, default, var, _ in SETTINGS}
    return Settings(**values)
