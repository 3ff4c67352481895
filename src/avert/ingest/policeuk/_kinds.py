"""The kinds of police.uk file, told apart by their header (never by file name)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

STREET, OUTCOMES, STOPS = "policeuk-street", "policeuk-outcomes", "policeuk-stops"
REDUCED, API_STOPS = "policeuk-reduced", "policeuk-api-stops"
UNKNOWN: Final = "unknown"
#: kind -> (required header subset, target table)
KINDS: Final[dict[str, tuple[frozenset[str], str]]] = {
    STREET: (
        frozenset(
            {"Crime ID", "Month", "Falls within", "Longitude", "Latitude", "Crime type"}
        ),
        "incidents",
    ),
    OUTCOMES: (frozenset({"Crime ID", "Month", "Outcome type"}), "outcomes"),
    STOPS: (
        frozenset(
            {"Type", "Date", "Latitude", "Longitude", "Object of search", "Outcome"}
        ),
        "stops",
    ),
    REDUCED: (frozenset({"month", "type", "longitude", "latitude"}), "incidents"),
}
#: Categories of the reduced teaching copy -> data.police.uk crime types.
REDUCED_CRIME_TYPES: Final = {
    "violent or sexual": "Violence and sexual offences",
    "robbery": "Robbery",
    "weapon possession": "Possession of weapons",
    "burglary": "Burglary",
    "drugs": "Drugs",
    "public order": "Public order",
    "criminal damage or arson": "Criminal damage and arson",
    "theft from person": "Theft from the person",
    "other theft": "Other theft",
    "vehicle crime": "Vehicle crime",
    "shoplifting": "Shoplifting",
    "bicycle theft": "Bicycle theft",
    "other": "Other crime",
    "anti-social behaviour": "Anti-social behaviour",
}
#: The data.police.uk crime types (street files' "Crime type"), as police.uk spells them.
POLICEUK_CRIME_TYPES: Final = frozenset(REDUCED_CRIME_TYPES.values())
_STOP_FILE_RE: Final = re.compile(
    r"^(\d{4}-\d{2})-(.+?)-(stop-and-search\.csv|stops-force\.json)$", re.IGNORECASE
)


def detect_kind(header: Sequence[str]) -> str | None:
    """Return the police.uk kind whose required columns the header holds, else None."""
    names = set(header)
    for kind, (required, _) in KINDS.items():
        if required <= names:
            return kind
    return None


def force_from_name(basename: str) -> str | None:
    """The force slug of ``YYYY-MM-<force>-stop-and-search.csv`` (None otherwise)."""
    m = _STOP_FILE_RE.match(basename)
    return m.group(2).lower() if m else None


_STREET_FILE_RE: Final = re.compile(r"^(\d{4}-\d{2})-(.+?)-street\.csv$", re.IGNORECASE)


def street_month_from_name(basename: str) -> tuple[str, str] | None:
    """The month (``YYYY-MM``) and force slug a police.uk street file's name gives
    (``2019-05-city-of-london-street.csv``), else None: the force-month it holds, as
    :func:`stop_month_from_name` for stop and search."""
    m = _STREET_FILE_RE.match(basename)
    return (m.group(1), m.group(2).lower()) if m else None


def stop_month_from_name(basename: str) -> tuple[str, str] | None:
    """The month (``YYYY-MM``) and force slug a police.uk stop-and-search file's
    name gives (the archive CSV or the API JSON avert names alike), else None.

    Together they name the force-month the file holds: a later download of the
    same month (revised by police.uk) has the same name.
    """
    m = _STOP_FILE_RE.match(basename)
    return (m.group(1), m.group(2).lower()) if m else None
