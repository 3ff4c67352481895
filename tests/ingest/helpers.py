"""Tiny literal police.uk files for ingest tests."""

from __future__ import annotations

from pathlib import Path

STREET_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
    "LSOA name,Crime type,Last outcome category,Context"
)
OUTCOMES_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
    "LSOA name,Outcome type"
)
STOPS_HEADER = (
    "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,"
    "Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,"
    "Object of search,Outcome,Outcome linked to object of search,"
    "Removal of more than just outer clothing"
)
FORCE = "West Yorkshire Police"


def street_row(
    crime_id: str = "",
    *,
    month: str = "2018-07",
    lon: str = "-1.409547",
    lat: str = "53.598298",
    location: str = "On or near Ash Mount",
    crime_type: str = "Anti-social behaviour",
    outcome: str = "",
) -> str:
    return (
        f"{crime_id},{month},{FORCE},{FORCE},{lon},{lat},{location},E01007329,"
        f"Barnsley 003A,{crime_type},{outcome},"
    )


def write(
    path: Path, lines: list[str], *, encoding: str = "utf-8", end: str = "\n"
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((end.join(lines) + end).encode(encoding))
    return path
