"""Run-time settings: where the database is, which projection, which definition.

Settings are read at the edges only (CLI, web, workflows) and passed inward as
arguments; analyses never read the environment. Each setting has a name, a default,
an environment variable and a help line in :data:`SETTINGS`, from which the settings
reference in ``docs/settings.md`` is written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
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
    # --- ingest limits (avert.ingest.limits): a file over one is refused, not loaded
    (
        "ingest_max_file_bytes",
        "8G",
        "AVERT_INGEST_MAX_FILE_BYTES",
        "Largest input file, uncompressed (a plain file or a zip member); bigger "
        "files are refused and quarantined. Sizes: 8G, 512M, 1048576.",
    ),
    (
        "ingest_max_archive_bytes",
        "32G",
        "AVERT_INGEST_MAX_ARCHIVE_BYTES",
        "Largest total uncompressed size of one zip's members (nested zips "
        "included); members past it are refused.",
    ),
    (
        "ingest_max_ratio",
        "200",
        "AVERT_INGEST_MAX_RATIO",
        "Largest compression ratio of a zip member of 1 MiB or more (text is about "
        "10:1, zip bombs 1000:1); a member over it is refused unread.",
    ),
    (
        "ingest_max_line_bytes",
        "1M",
        "AVERT_INGEST_MAX_LINE_BYTES",
        "Longest line of an input file; a file with a longer line is refused "
        "(quoted fields up to this size are read).",
    ),
)


@dataclass(frozen=True)
class Settings:
    """Resolved settings (defaults < environment < explicit arguments)."""

    database_url: str = "sqlite:///avert.db"
    crs: str = "EPSG:27700"
    definition: str = "avb-2010"
    ingest_max_file_bytes: str = "8G"
    ingest_max_archive_bytes: str = "32G"
    ingest_max_ratio: str = "200"
    ingest_max_line_bytes: str = "1M"

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
