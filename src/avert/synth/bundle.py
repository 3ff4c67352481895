"""Write a synthetic city as an avert record bundle (``FORMATS.md``) plus ``truth.json``.

The files are byte-identical for the same city: rows are sorted by their ids, columns
follow ``FORMATS.md`` exactly, datetimes are ISO 8601 without a time zone, booleans are
``true``/``false``, an empty cell is a missing value, and nothing depends on the clock
(``extracted_at`` is the city's last day at 06:00).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final, Literal

import polars as pl

from avert.errors import ConfigError
from avert.schema import BUNDLE_FORMAT
from avert.synth.city import City

__all__ = ["BUNDLE_COLUMNS", "SOURCE_PREFIX", "write_bundle"]

#: how the source of every synthetic bundle (its manifest's ``source``) begins
SOURCE_PREFIX: Final = "avert synthetic city"


#: Columns of each bundle file, in order, exactly as ``FORMATS.md`` lists them.
#: Column names of each bundle file, from the contract in :data:`avert.schema.BUNDLE_FORMAT`.
BUNDLE_COLUMNS: Final[dict[str, list[str]]] = {
    table: [name for name, _, _ in columns] for table, columns in BUNDLE_FORMAT.items()
}


def _bundle_frame(city: City, name: str) -> pl.DataFrame:
    frame = city.frames()[name]
    if name == "incidents":
        frame = frame.rename({"occurred_from": "occurred_at"})
    return frame.select(BUNDLE_COLUMNS[name])


def write_bundle(
    city: City,
    path: str | Path,
    *,
    fmt: Literal["csv", "parquet"] = "csv",
) -> dict[str, Path]:
    """Write ``city`` as a record bundle folder with ``truth.json``.

    Parameters
    ----------
    city
        A city from :func:`avert.synth.make_city`.
    path
        Folder to write (created if needed; files in it are overwritten, and a table
        of an earlier city written there in the other format is removed).
    fmt
        ``"csv"`` (default) or ``"parquet"`` for the tables.

    Returns
    -------
    dict of str to Path
        Each written file by name (``manifest``, each table, ``truth``).

    Raises
    ------
    ConfigError
        If ``fmt`` is not ``"csv"`` or ``"parquet"``.
    """
    if fmt not in ("csv", "parquet"):
        msg = f"The 'fmt' parameter of write_bundle must be 'csv' or 'parquet'. Got {fmt!r} instead."
        raise ConfigError(msg)
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    manifest = {
        "format": "avert-bundle",
        "version": 1,
        "crs": "EPSG:27700",
        "source": f"{SOURCE_PREFIX} (seed {city.seed}, {city.config.people} residents, {city.config.days} days)",
        "extracted_at": city.extracted_at.isoformat(),
    }
    mpath = out / "manifest.json"
    mpath.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    written["manifest"] = mpath
    for name in BUNDLE_COLUMNS:
        frame = _bundle_frame(city, name)
        if fmt == "csv":
            target = out / f"{name}.csv"
            frame.write_csv(
                target,
                datetime_format="%Y-%m-%dT%H:%M:%S",
                date_format="%Y-%m-%d",
                null_value="",
            )
        else:
            target = out / f"{name}.parquet"
            frame.write_parquet(target, compression="zstd", statistics=False)
        # the same table in the other format, from an earlier city written here, would
        # make the folder a bundle with the table given twice (ingest refuses it)
        other = out / f"{name}.{'parquet' if fmt == 'csv' else 'csv'}"
        other.unlink(missing_ok=True)
        written[name] = target
    tpath = out / "truth.json"
    tpath.write_text(
        json.dumps(city.truth.fields, indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    written["truth"] = tpath
    return written
