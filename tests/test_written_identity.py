"""Dates, postcodes and street lines as free text writes them
(:mod:`avert.written_identity`): what the delivery workflows withhold from
partners and the board."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from avert.written_identity import (
    address_candidates,
    address_key,
    address_lines,
    postcodes_in_expr,
    street_lines,
    withheld_dates,
    written_dates,
    written_postcodes,
)

BORN = dt.date(2006, 4, 3)


@pytest.mark.parametrize(
    "written",
    [
        "03/04/2006",
        "3/4/06",
        "3.4.2006",
        "03-04-2006",
        "2006-04-03",
        "3 April 2006",
        "3 Apr 2006",
        "3rd of April 2006",
        "3 APR. 06",
        "April 3, 2006",
        "Apr 3rd 2006",
    ],
)
def test_each_usual_way_of_writing_a_date_is_read_day_first(written: str) -> None:
    [found] = written_dates([f"seen ({written}) today"])
    assert found.text == written
    assert BORN in found.days
    assert not found.after_clue


def test_a_date_after_a_birth_clue_is_withheld_whoever_was_born_then() -> None:
    texts = ["DOB 1/2/1999; d.o.b: 2 Feb 1999, born on 1999-02-03; met 4/2/1999"]
    found = written_dates(texts)
    assert [d.after_clue for d in found] == [True, True, True, False]
    withheld = withheld_dates(
        found, named_births=[], stored_births=[], today=dt.date(2026, 1, 1)
    )
    # each with its clue too, as one (a partner cutting the clue leaves none)
    assert withheld == [
        "DOB 1/2/1999",
        "1/2/1999",
        "d.o.b: 2 Feb 1999",
        "2 Feb 1999",
        "born on 1999-02-03",
        "1999-02-03",
    ]


def test_a_recent_stored_date_of_birth_is_withheld_only_for_a_person_named() -> None:
    """A force's store holds someone born on nearly every day: a recent date
    that is some stored person's date of birth is most likely a date of the
    work, and stays; the date of birth of a person the text names goes."""
    today = dt.date(2026, 1, 1)
    found = written_dates(["met 05/06/2024 and 05/06/2012; not a day: 31/02/2012"])
    births = [dt.date(2024, 6, 5), dt.date(2012, 6, 5)]
    assert withheld_dates(
        found, named_births=[], stored_births=births, today=today
    ) == ["05/06/2012"]
    assert withheld_dates(
        found, named_births=births[:1], stored_births=[], today=today
    ) == ["05/06/2024"]


def test_postcodes_in_any_case_and_spacing_but_an_ordinal_only_when_stored() -> None:
    found = written_postcodes(["LS9 8AB, ls98ab, Ls9   8aB; Y7 2nd; A4 3RD; CAD 1234"])
    assert [(p.key, p.doubtful) for p in found] == [
        ("LS98AB", False),
        ("LS98AB", False),
        ("LS98AB", False),
        ("Y72ND", True),
        ("A43RD", False),
    ]


def test_addresses_are_compared_by_words_not_case_punctuation_or_abbreviation() -> None:
    assert address_key("14, Acacia Rd.") == "14 acacia road"
    assert address_key("St Mary's  Ave") == address_key("st marys avenue")
    stored = pl.Series(
        [
            "14 Acacia Road, Leeds, LS9 8AB",
            "Flat 2, 7 Mill Lane Leeds LS6 1AA",
            "Rose Cottage, Lane End",
            "Leeds",
            None,
        ]
    )
    frame = pl.DataFrame({"a": stored}).select(
        postcodes_in_expr(pl.col("a")).alias("postcodes"),
    )
    assert street_lines(stored).to_list() == [
        "14 acacia road",
        "7 mill lane",
        "rose cottage",
        None,
        None,
    ]
    assert frame["postcodes"].to_list()[:2] == [["LS98AB"], ["LS61AA"]]
    found = address_candidates(["lives at 14,  ACACIA Rd. since May"])
    assert found["14 acacia road"] == ["14,  ACACIA Rd"]


@pytest.mark.parametrize(
    "written", ["03-Apr-2006", "03/APR/2006", "03APR2006", "3-apr-06", "2006/04/03"]
)
def test_a_date_of_birth_in_a_police_system_form_is_read_after_its_clue(
    written: str,
) -> None:
    """ "DOB 03-Apr-2006" and "DOB 03APR2006" (the forms police systems print a
    date in, pasted into evidence) were not read as dates, so were shown to
    partners and the board after the clue as written."""
    [found] = written_dates([f"DOB {written}, seen today"])
    assert found.text == written
    assert BORN in found.days
    assert found.after_clue


def test_a_road_and_a_clock_time_are_no_postcode_unless_stored() -> None:
    """ "Patrols on the A61 9pm to 2am" and "S60 6pm-6am" were read as postcodes
    (``A61 9PM``, ``S60 6PM``) and withheld: no postcode's inward code holds C,
    I, K, M, O or V, so such a code is withheld only when a stored address holds
    it, as a lower-case ordinal."""
    found = written_postcodes(["on the A61 9pm to 2am; S60 6pm-6am; M1 1AE"])
    assert [(p.key, p.doubtful) for p in found] == [
        ("A619PM", True),
        ("S606PM", True),
        ("M11AE", False),
    ]


@pytest.mark.parametrize(
    "written",
    [
        "DOB:03/04/2006",
        "DOB03/04/2006",
        "D.O.B.03/04/2006",
        "born3.4.06",
        "DOB 03 / 04 / 2006",
        "dob 03 04 2006",
        "DoB 2006 / 04 / 03",
        "DOB03APR2006",
    ],
)
def test_a_date_of_birth_glued_to_its_clue_or_spaced_is_read(written: str) -> None:
    """ "DOB03/04/2006" (no space after the clue) and "03 / 04 / 2006" (spaces
    around its separators, or none but spaces) were read as no date, so were
    shown to partners and the board as written. Each is read once, after its
    clue, and withheld with it."""
    [found] = written_dates([f"seen: {written}, at home"])
    assert BORN in found.days
    assert found.after_clue
    withheld = withheld_dates(
        [found], named_births=[], stored_births=[], today=dt.date(2026, 1, 1)
    )
    assert withheld[0] == written


_SEPARATORS = st.sampled_from(["/", ".", "-", " / ", " . ", " - "])
_CLUES = st.sampled_from(["DOB", "DOB:", "DOB ", "D.O.B. ", "dob:", "born ", "born"])


@given(
    day=st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2025, 12, 31)),
    sep=_SEPARATORS,
    clue=_CLUES,
    two_digits=st.booleans(),
    padded=st.booleans(),
)
def test_any_numeric_date_after_any_clue_is_withheld_whole(
    day: dt.date, sep: str, clue: str, two_digits: bool, padded: bool
) -> None:
    """Property: a date of birth written day first in numbers, with any
    separator (spaced or not), after any clue (glued or not), is read as that
    day, after its clue, and withheld with the clue as written."""
    d, m = (f"{day.day:02}", f"{day.month:02}") if padded else (day.day, day.month)
    year = f"{day.year % 100:02}" if two_digits else f"{day.year}"
    written = f"{d}{sep}{m}{sep}{year}"
    [found] = written_dates([f"a child ({clue}{written}) at home"])
    assert found.text == written
    assert day in found.days
    withheld = withheld_dates(
        [found], named_births=[], stored_births=[], today=dt.date(2026, 1, 1)
    )
    assert withheld == [f"{clue}{written}", written]


def test_a_stored_address_is_keyed_by_its_house_number_and_its_house_name() -> None:
    """A stored address without commas was keyed by its first words only:
    "Flat 2 14 Acacia Road" (not "14 Acacia Road"), "Rose Cottage Mill Lane"
    (not "Rose Cottage")."""
    lines = address_lines(
        pl.Series(
            [
                "Flat 2 14 Acacia Road Leeds LS9 8AB",
                "ROSE COTTAGE MILL LANE LEEDS",
                "Rose Cottage 3 Elm Gr",
                "14 Acacia Road, Leeds",
                None,
            ]
        )
    ).to_list()
    assert lines == [
        ["flat 2 14 acacia road", "14 acacia road"],
        ["rose cottage mill lane", "rose cottage"],
        ["rose cottage 3 elm grove", "3 elm grove", "rose cottage"],
        ["14 acacia road"],
        [],
    ]


def test_a_street_or_house_name_in_lower_case_is_a_candidate_but_not_any_road() -> None:
    found = address_candidates(
        ["at rose cottage, the old barn, near elm gr; down the road, to the house"]
    )
    assert {"rose cottage", "the old barn", "elm grove"} <= set(found)
    assert not {"the road", "down the road", "the house"} & set(found)


@pytest.mark.parametrize(
    "written",
    [
        "DOB 03042006",
        "DOB: 030406",
        "dob03042006",
        "born on03/04/2006",
        "date of birth03/04/2006",
        "DOB 03–04–2006",
        "D.O.B. 03–04–06",
    ],
)
def test_a_date_of_birth_without_separators_or_with_dashes_is_read(
    written: str,
) -> None:
    """ "DOB 03042006" (no separators, as some systems print one), "born
    on03/04/2006" (a clue of words glued to it) and "03–04–2006" (en dashes, as
    a word processor writes hyphens) were read as no date, and shown to
    partners and the board. Each is read after its clue now, and withheld with
    it; eight digits with no clue stay no date (a reference number)."""
    [found] = written_dates([f"seen: {written}, at home"])
    assert BORN in found.days
    assert found.after_clue
    withheld = withheld_dates(
        [found], named_births=[], stored_births=[], today=dt.date(2026, 1, 1)
    )
    assert withheld[0] == written
    assert not written_dates(["crime ref 03042006, log 030406"])


def test_a_month_first_date_with_a_short_year_is_no_stored_birth_alone() -> None:
    """ "April 3 06" is read as a date anywhere, but "May 3 12 officers" (a
    count after a date, its year not written with a zero) is withheld only
    after a clue or as the date of birth of a person named: a force's store
    holds someone born on nearly every day."""
    found = written_dates(["April 3 06; May 3 12 officers; DOB May 3 12"])
    assert [(d.text, d.loose) for d in found] == [
        ("April 3 06", False),
        ("May 3 12", True),
        ("May 3 12", False),
    ]
    stored = [dt.date(2006, 4, 3), dt.date(2012, 5, 3)]
    today = dt.date(2026, 1, 1)
    assert withheld_dates(
        found, named_births=[], stored_births=stored, today=today
    ) == ["April 3 06", "DOB May 3 12", "May 3 12"]
    assert withheld_dates(
        found[1:2], named_births=stored, stored_births=[], today=today
    ) == ["May 3 12"]
