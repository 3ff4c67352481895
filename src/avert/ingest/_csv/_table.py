"""A CSV file read: rows with their physical line numbers, and its malformed lines."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from typing import Final

import polars as pl

LINE_COL: Final = "_line"
#: the csv module's own field limit (128 KiB by default) is lifted: line length is
#: bounded by :attr:`Limits.line_bytes` before any line reaches it
_FIELD_LIMIT: Final = (1 << 31) - 1


@dataclass
class CsvTable:
    """A CSV file split into well-formed rows and malformed lines.

    Attributes
    ----------
    header
        Column names from the first line (whitespace and BOM stripped).
    frame
        Well-formed data rows, every column text (blank = null), plus ``_line``:
        the 1-based physical line number.
    bad
        Malformed lines: ``line``, ``raw`` text and ``reason``.
    rows
        Non-blank data lines (well-formed + malformed).
    encoding
        ``utf-8``, ``utf-8-sig``, ``cp1252`` or ``latin-1``.
    duplicated
        Names the first line gives more than once (``header`` numbers the later
        copies, ``name_2``): which one is meant is the reader's call.
    """

    header: list[str]
    frame: pl.DataFrame
    bad: pl.DataFrame
    rows: int
    encoding: str
    duplicated: tuple[str, ...] = ()


def _empty(header: list[str]) -> pl.DataFrame:
    schema: dict[str, pl.DataType] = dict.fromkeys(header, pl.String())
    schema[LINE_COL] = pl.Int64()
    return pl.DataFrame(schema=schema)


def _bad_frame(lines: list[int], raws: list[str], reasons: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {"line": lines, "raw": raws, "reason": reasons},
        schema={"line": pl.Int64, "raw": pl.String, "reason": pl.String},
    )


def _duplicated_names(header: list[str]) -> tuple[str, ...]:
    """Non-empty names that ``header`` gives more than once, sorted."""
    counts = Counter(name for name in header if name)
    return tuple(sorted(name for name, n in counts.items() if n > 1))


def _unique_names(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(header):
        base = name or f"column_{i + 1}"
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(base if n == 0 else f"{base}_{n + 1}")
    return out


def split_header(line: str, *, separator: str = ",") -> list[str]:
    """Split one CSV line into stripped field names (RFC 4180 quoting), fields
    separated by ``separator`` (a comma by default).

    A header with an unbalanced quote is split on every separator instead: quoting
    it would merge names and hide the broken column from the width checks.
    """
    if line.count('"') % 2:
        return [f.strip().lstrip("\ufeff") for f in line.split(separator)]
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    try:
        fields = next(csv.reader([line], delimiter=separator), [])
    except csv.Error:  # a line break or NUL inside: no header of a known kind
        fields = line.split(separator)
    return [f.strip().lstrip("\ufeff") for f in fields]


def _shift(table: CsvTable, offset: int) -> CsvTable:
    if offset:
        table.frame = table.frame.with_columns(pl.col(LINE_COL) + offset)
        table.bad = table.bad.with_columns(pl.col("line") + offset)
    return table
