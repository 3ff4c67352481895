"""Which incidents are in an area: one rule for the briefing, the incidents page,
the places forecast and the taskings of an area-scoped user.

An area is named as the records name it: a borough (``incidents.borough``) or an
LSOA (``incidents.lsoa``, the code police.uk street files give), matched in any
case, without surrounding spaces and with runs of spaces as one (:func:`area_key`):
"Leeds", "LEEDS" and "Leeds " are one place; "St Albans" and "St. Albans" stay two. A user scoped to an LSOA so sees the same
incidents on every page.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache, reduce
from importlib.resources import files
from operator import or_
from typing import Final

import polars as pl

__all__ = [
    "AREA_COLUMNS",
    "LSOA_NAME_AUTHORITY",
    "area_key",
    "area_key_expr",
    "area_words",
    "force_name",
    "in_area",
    "lsoa_authority",
]

#: The incident columns an area can name, in the order they are tried.
AREA_COLUMNS: Final = ("borough", "lsoa")

#: An LSOA's name is its local authority's and a code within it ("Leeds 086A",
#: "City of London 001F"; ONS LSOA naming): the authority is the row's borough.
LSOA_NAME_AUTHORITY: Final = r"^(.*\S)\s+\d{3}[A-Z]$"


def lsoa_authority(names: pl.Expr) -> pl.Expr:
    """The local authority an LSOA name names, null where it is not one.

    The one rule for a police.uk load and for migration 0017's older rows, so the
    two give a row the same borough whatever its name.

    >>> s = pl.Series(["Leeds 086A ", "City of London 001F", "Leeds abcd", None])
    >>> s.to_frame("n").select(lsoa_authority(pl.col("n")))["n"].to_list()
    ['Leeds', 'City of London', None, None]
    """
    return names.str.strip_chars().str.extract(LSOA_NAME_AUTHORITY, 1)


def area_key(area: str) -> str:
    """``area`` as :func:`in_area` compares it: without surrounding spaces, runs of
    spaces as one, lower case (``str.lower``, as the stored spellings are lowered
    by :func:`area_key_expr`: ``casefold`` would part "Straße" from its stored
    spelling). Spellings of one key are one place; nothing else is merged.

    The web policy compares a user's area with the asked one by this key, so a
    request is allowed exactly when it names the incidents of the user's area.

    >>> area_key(" E01000001 ") == area_key("e01000001")
    True
    >>> area_key("Tower  Hamlets ")
    'tower hamlets'
    """
    return " ".join(area.split()).lower()


def area_key_expr(spelling: pl.Expr) -> pl.Expr:
    """:func:`area_key` of a column of stored spellings (text; null stays null).

    >>> s = pl.Series(["Leeds ", "LEEDS", " Tower\tHamlets", None])
    >>> s.to_frame("a").select(area_key_expr(pl.col("a")))["a"].to_list()
    ['leeds', 'leeds', 'tower hamlets', None]
    """
    return (
        spelling.cast(pl.String)
        # str.split's whitespace: Unicode's and the separators U+001C..U+001F
        .str.replace_all(r"[\s\x1c-\x1f]+", " ")
        .str.strip_chars()
        .str.to_lowercase()
    )


def in_area(area: str, columns: Collection[str]) -> pl.Expr:
    """True for the rows whose borough or LSOA is ``area`` (any spelling of its
    :func:`area_key`: any case, any spaces).

    ``columns`` are the frame's columns: only the area columns it has are tested;
    with none, no row is in the area. Nulls are not in it.

    >>> frame = pl.DataFrame({"borough": ["North", None], "lsoa": ["E01", "e02"]})
    >>> frame.filter(in_area(" E02", frame.columns)).height
    1
    >>> frame.filter(in_area("north", frame.columns))["lsoa"].to_list()
    ['E01']
    """
    key = area_key(area)
    tests = [
        # as text: a frame of rows naming no LSOA has an all-null column of
        # dtype Null, and a caller's borough may be Categorical
        area_key_expr(pl.col(c)).eq(key).fill_null(value=False)
        for c in AREA_COLUMNS
        if c in columns
    ]
    return reduce(or_, tests) if tests else pl.lit(value=False)


#: data.police.uk's force ids and names (its ``/api/forces``); sources in
#: ``avert/data/README.md``
_FORCE_NAMES_FILE: Final = "police_forces.csv"


@cache
def _force_names() -> dict[str, str]:
    table = pl.read_csv(
        files("avert").joinpath("data", _FORCE_NAMES_FILE).read_bytes(),
        schema={"force": pl.String, "name": pl.String},
    )
    return dict(table.iter_rows())


def force_name(force: str) -> str:
    """A force as a page names it: "City of London Police" for data.police.uk's
    ``city-of-london`` (the id ``stops.force`` holds); an id not listed with its
    hyphens as spaces, each word capitalised; any other name as given.

    >>> force_name("south-yorkshire"), force_name("Synthetic City")
    ('South Yorkshire Police', 'Synthetic City')
    """
    known = _force_names().get(force)
    if known is not None:
        return known
    if force and all(c.islower() or c.isdigit() or c == "-" for c in force):
        return force.replace("-", " ").title()
    return force


def area_words(area: str) -> str:
    """An area as a reader is shown it: a key typed in lower case (a plan file's
    ``london``, an account's ``leeds``, a force id ``city-of-london``) by its name,
    as :func:`force_name` names forces ("London", "City of London Police"); a name
    or code already spelt with capitals ("Synthetic City", "E01000001") as given.

    >>> area_words("london"), area_words("north_east"), area_words("E01000001")
    ('London', 'North East', 'E01000001')
    """
    key = area.strip()
    if key and all(c.islower() or c.isdigit() or c in "-_ " for c in key):
        return force_name(key.replace("_", "-").replace(" ", "-"))
    return key
