"""Dates in the web app's form fields, in the app's own words: "31 Mar 2026".

A browser's own date fields (``<input type="date">``, ``datetime-local``) show
their value in the reader's locale: in Chromium "03/31/2026" and "03/31/2026,
06:00 AM" in an American English browser, the month first, where avert's pages
and board pack say "31 Mar 2026" (the Performance page's *Target reached by*,
Today's *Window ends*, the Meeting's *Due*, an action's *Review date*). The same
page then read differently to two readers, and "04/05/2026" is April or May
depending on who reads it. The form fields are text fields holding the app's
words instead, the same for every reader; they take those words back, and the
ISO 8601 forms a link or a former field sends (``2026-03-31``,
``2026-03-31T06:00``), so old links and bookmarks keep working.

Month names are avert's own (English, three letters or whole, any case), not
the process locale's (``%b`` follows ``LC_TIME``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

__all__ = [
    "DATE_EXAMPLE",
    "DATE_TIME_EXAMPLE",
    "date_words",
    "datetime_words",
    "parse_date_words",
    "parse_datetime_words",
]

_MONTHS: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
_FULL: Final = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
#: "31 Mar 2026", "31 March 2026", "31 Mar 2026 06:00", "31 Mar 2026, 06:00"
_WORDS: Final = re.compile(
    r"\s*(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{4})(?:\s*,?\s+(\d{1,2}):(\d{2}))?\s*"
)
#: what the fields' placeholders and the messages show
DATE_EXAMPLE: Final = "31 Mar 2026"
DATE_TIME_EXAMPLE: Final = "24 Nov 2026 06:00"


def date_words(value: object) -> str:
    """``value`` (a date, a datetime, or an ISO 8601 text) as "31 Mar 2026"; a
    text that is no date comes back as it is (what was typed, shown again)."""
    day = _as_datetime(value)
    if day is None:
        return "" if value is None else str(value)
    return f"{day.day:02d} {_MONTHS[day.month - 1]} {day.year:04d}"


def datetime_words(value: object) -> str:
    """``value`` (a datetime, a date, or an ISO 8601 text) as "24 Nov 2026 06:00";
    a text that is no date and time comes back as it is."""
    when = _as_datetime(value)
    if when is None:
        return "" if value is None else str(value)
    return f"{date_words(when)} {when:%H:%M}"


def parse_date_words(text: str) -> dt.date:
    """The date of "31 Mar 2026" (or "31 March 2026", any case) or "2026-03-31".

    Raises ValueError on anything else, and on a date with a time."""
    found = _WORDS.fullmatch(text)
    if found is not None:
        if found.group(4) is not None:
            msg = "a date, not a date and time"
            raise ValueError(msg)
        return _date_of(found)
    return dt.date.fromisoformat(text.strip())


def parse_datetime_words(text: str) -> dt.datetime:
    """The time of "24 Nov 2026 06:00" (midnight without a time) or of an ISO
    8601 text (``2026-11-24T06:00``, with an offset too: the caller converts it).

    Raises ValueError on anything else."""
    found = _WORDS.fullmatch(text)
    if found is None:
        return dt.datetime.fromisoformat(text.strip())
    day = _date_of(found)
    hour, minute = found.group(4), found.group(5)
    if hour is None:
        return dt.datetime.combine(day, dt.time())
    return dt.datetime.combine(day, dt.time(int(hour), int(minute)))


def _date_of(found: re.Match[str]) -> dt.date:
    """The date of a match of :data:`_WORDS` (ValueError: no such month or day)."""
    name = found.group(2).lower()
    months = [m.lower() for m in _MONTHS]
    if name in months:
        month = months.index(name) + 1
    elif name in _FULL:
        month = _FULL.index(name) + 1
    elif name == "sept":
        month = 9
    else:
        msg = f"no month {name!r}"
        raise ValueError(msg)
    return dt.date(int(found.group(3)), month, int(found.group(1)))


def _as_datetime(value: object) -> dt.datetime | None:
    """``value`` as a datetime (a date at midnight; a text read by
    :func:`parse_datetime_words`), else None."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, str) and value.strip():
        try:
            return parse_datetime_words(value)
        except ValueError:
            return None
    return None
