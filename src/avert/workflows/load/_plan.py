"""The plan of a load: the units (one per input file, parsed in parts), the inputs
skipped, the reference rules, and what the progress bar calls each unit."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from avert.errors import IngestError
from avert.ingest.limits import DEFAULT_LIMITS, Limits, Refused
from avert.ingest.result import (
    Parsed,
    Reference,
    refused,
)
from avert.ingest.sources import SourceFile

#: one input file: its parsed parts, in file order (one part for most files)
Unit = Callable[[], Iterable[Parsed]]
References = dict[str, list[Reference]]


def _plan(
    paths: Sequence[str | Path],
    *,
    kind: str,
    crs: str,
    timezone: str = "Europe/London",
    parse: Callable[[Path], Parsed] | None = None,
    mapping: str | Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
    follow_links: bool = False,
) -> tuple[list[Unit], list[str], References, list[str]]:
    """The units of a load, the inputs skipped, the reference rules and what the
    progress bar calls each unit (its file and, when known, its size)."""
    if kind == "table" and parse is not None:
        table_parse = parse

        def parsed_unit(path: Path) -> Unit:
            return lambda: [table_parse(path)]

        return (
            [parsed_unit(Path(p)) for p in paths],
            [],
            {},
            [_named(str(p), _size_of(Path(p))) for p in paths],
        )
    if kind == "policeuk":
        from avert.ingest.policeuk import parse_policeuk_parts
        from avert.ingest.sources import expand_paths

        files, skipped = expand_paths(paths, limits=limits, follow_links=follow_links)

        def unit_for(source: Any) -> Unit:
            return lambda: parse_policeuk_parts(source, crs=crs, limits=limits)

        return (
            [unit_for(f) for f in files],
            skipped,
            {},
            [_source_name(f) for f in files],
        )
    if kind == "bundle":
        from avert.ingest.bundle import open_bundle

        if len(paths) != 1:
            msg = f"Give exactly one bundle (folder or zip), not {len(paths)} paths"
            raise IngestError(msg)
        bundle = open_bundle(paths[0], limits=limits, follow_links=follow_links)
        units = bundle.units(crs=crs, timezone=timezone)  # a big table in parts
        return (
            list(units),
            bundle.skipped,
            bundle.references(),
            [_source_name(f) for f in bundle.unit_sources()],
        )
    if kind == "table":
        from avert.ingest.sources import expand_paths
        from avert.ingest.table import parse_table, read_mapping

        if mapping is None:
            msg = "A table load needs a mapping (--mapping MAP.toml)"
            raise IngestError(msg)
        spec = read_mapping(mapping)
        files, skipped = expand_paths(
            paths,
            suffixes=(".csv", ".parquet"),
            limits=limits,
            follow_links=follow_links,
        )

        def table_parts(source: Any) -> list[Parsed]:
            try:
                return [
                    parse_table(
                        source.read_bytes(limits),
                        spec,
                        name=source.name,
                        crs=crs,
                        parquet=source.basename.lower().endswith(".parquet"),
                        timezone=timezone,
                        limits=limits,
                    )
                ]
            except Refused as err:  # over a limit (a file, a line): quarantined
                return [refused(source.name, err)]

        def table_unit(source: Any) -> Unit:
            return lambda: table_parts(source)

        return (
            [table_unit(f) for f in files],
            skipped,
            {},
            [_source_name(f) for f in files],
        )
    msg = f"Unknown ingest kind {kind!r}: use 'policeuk', 'bundle' or 'table'"
    raise IngestError(msg)


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _source_name(source: SourceFile) -> str:
    """A file as the progress bar names it while it is read: its name and size."""
    size = source.size or (_size_of(source.path) if source.path is not None else 0)
    return _named(source.name, size)


def _named(name: str, size: int) -> str:
    return f"{name} ({_megabytes(size)})" if size else name


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.1f} MB" if size >= 100_000 else f"{size / 1e3:,.1f} kB"
