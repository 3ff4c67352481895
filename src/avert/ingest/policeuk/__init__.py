"""data.police.uk files: street, outcomes, stop and search (archive CSVs and API JSON).

The kind is detected from the header by a required subset of columns (forces add or
drop optional columns), never from the file name; the file name only supplies the
force of a stop-and-search file (``YYYY-MM-<force>-stop-and-search.csv``).
Mapping rules and quarantine reasons are documented in ``docs/formats.md``.

Source: data.police.uk "About" page (archive layout, column meanings, anonymised
map points) and the police.uk API documentation (``stops-force``).

The package is split into private modules re-exported here (import from
``avert.ingest.policeuk``): ``_kinds`` (the kinds and their headers, the force of a
file name), ``_read`` (a file read whole or part by part, streamed from disk when
big; :data:`PART_LINES` and :data:`STREAM_MIN_BYTES` live there), ``_common``
(months, coordinates and optional columns, shared by the kinds), ``_crimes`` (street
crimes, outcomes, the reduced teaching copy) and ``_stops`` (stop and search, CSV and
API JSON).
"""

from __future__ import annotations

from avert.ingest.policeuk._kinds import (
    KINDS,
    POLICEUK_CRIME_TYPES,
    REDUCED_CRIME_TYPES,
    detect_kind,
    force_from_name,
    stop_month_from_name,
    street_month_from_name,
)
from avert.ingest.policeuk._read import (
    PART_LINES,
    STREAM_MIN_BYTES,
    parse_policeuk,
    parse_policeuk_bytes,
    parse_policeuk_parts,
)

__all__ = [
    "KINDS",
    "PART_LINES",
    "POLICEUK_CRIME_TYPES",
    "REDUCED_CRIME_TYPES",
    "STREAM_MIN_BYTES",
    "detect_kind",
    "force_from_name",
    "parse_policeuk",
    "parse_policeuk_bytes",
    "parse_policeuk_parts",
    "stop_month_from_name",
    "street_month_from_name",
]
