"""The app's words for dates in form fields (:mod:`avert.web.dates`) and the
pages' fields that read them back."""

from __future__ import annotations

import datetime as dt

import pytest

from avert.web.dates import (
    date_words,
    datetime_words,
    parse_date_words,
    parse_datetime_words,
)
from web.helpers import World, signed_in


def test_words_and_iso_read_alike() -> None:
    assert date_words(dt.date(2026, 3, 31)) == "31 Mar 2026"
    assert date_words("2026-03-31") == "31 Mar 2026"
    assert datetime_words("2026-11-24T06:00") == "24 Nov 2026 06:00"
    assert datetime_words(dt.datetime(2026, 1, 5, 18, 30)) == "05 Jan 2026 18:30"
    assert date_words("not a date") == "not a date"  # what was typed, shown again
    assert date_words(None) == datetime_words(None) == ""
    for text in ("31 Mar 2026", "31 march 2026", "31 MAR 2026", "2026-03-31"):
        assert parse_date_words(text) == dt.date(2026, 3, 31), text
    assert parse_datetime_words("24 Nov 2026 06:00") == dt.datetime(2026, 11, 24, 6)
    assert parse_datetime_words("24 Nov 2026, 06:00") == dt.datetime(2026, 11, 24, 6)
    assert parse_datetime_words("24 Nov 2026") == dt.datetime(2026, 11, 24)
    assert parse_datetime_words("2026-11-24T06:00") == dt.datetime(2026, 11, 24, 6)
    for bad in ("03/31/2026", "31 Foo 2026", "31 Feb 2026", "31 Mar 2026 06:00", ""):
        with pytest.raises(ValueError, match=r"."):
            parse_date_words(bad)


def test_the_pages_fields_take_the_apps_words(world: World) -> None:
    """Each page's date field read back as it shows it: the Performance
    target's date, Today's window and the Audit's times, as typed in words."""
    client = signed_in(world.app, "admin")
    performance = client.get(
        "/performance", params={"target": "-0.10", "target_by": "31 Mar 2027"}
    )
    assert performance.status_code == 200, performance.text
    assert 'name="target_by" value="31 Mar 2027"' in performance.text
    today = client.get("/today", params={"at": "20 Nov 2026 06:00"})
    assert today.status_code == 200
    assert 'name="at" value="20 Nov 2026 06:00"' in today.text
    audit = client.get("/audit", params={"since": "01 Nov 2026 00:00"})
    assert audit.status_code == 200
    assert 'name="since" value="01 Nov 2026 00:00"' in audit.text
    refused = client.get("/today", params={"at": "11/20/2026"})
    assert refused.status_code == 400
    assert "use e.g. 24 Nov 2026 06:00" in refused.text
