"""Robust CSV reading: encodings, physical line numbers, ragged and blank lines.

The fast path is Polars' own multi-threaded ``read_csv`` (every column as text,
ragged lines tolerated) plus a vectorised numpy pre-scan of the bytes that finds
every physical line and counts its separators and quotes; lines whose field count
differs from the header's are malformed, found without parsing rows in Python. When
quoted fields span lines the whole file is read with :mod:`csv` instead (slow,
exact, rare). A big plain file need not be held at all: it is streamed once and then
read part by part from disk, normalised first to a private copy when it must be
(blank lines, a bare CR, a NUL byte, not UTF-8), always with exactly the rows,
malformed lines and line numbers of reading it whole.

The package is split along these steps, each in a private module re-exported here
(import from ``avert.ingest._csv``): ``_table`` (:class:`CsvTable`, the header,
``LINE_COL``), ``_scan`` (the pre-scan of newlines, commas and quotes), ``_text``
(decoding and normalising bytes in memory: encodings, line ends, NUL bytes, blank
lines squeezed out and line numbers mapped back), ``_read`` (:func:`read_csv` and
:func:`read_csv_parts` of bytes in memory), ``_normalise`` (:func:`normalise_file`:
the same normalising, streamed to a copy) and ``_stream`` (:func:`scan_file`,
:func:`read_file_parts`, :func:`open_text` and :class:`TextFile`: a file on disk).
"""

from __future__ import annotations

from avert.ingest._csv._normalise import Normalised, normalise_file
from avert.ingest._csv._read import read_csv, read_csv_parts
from avert.ingest._csv._stream import (
    FileScan,
    TextFile,
    open_text,
    read_file_parts,
    scan_file,
)
from avert.ingest._csv._table import LINE_COL, CsvTable, split_header
from avert.ingest._csv._text import decode, encoding_note

__all__ = [
    "LINE_COL",
    "CsvTable",
    "FileScan",
    "Normalised",
    "TextFile",
    "decode",
    "encoding_note",
    "normalise_file",
    "open_text",
    "read_csv",
    "read_csv_parts",
    "read_file_parts",
    "scan_file",
    "split_header",
]
