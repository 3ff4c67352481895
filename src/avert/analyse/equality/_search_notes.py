"""Notes on the searches counted apart from every group's rate (no ethnicity
stated, a vehicle only, no sex recorded), worded once for the analysis and for
the small-cell rule, which words them again without a withheld count
(:mod:`avert.analyse.equality._small_cells`).

Pure: no I/O.
"""

from __future__ import annotations

from typing import Final, Literal


def _stated_note(
    *,
    missing: int,
    people: int,
    vehicles: int,
    defined: Literal["self", "officer"],
) -> str:
    """How many searches of people have no recorded ethnicity (or that all have)."""
    of_people = " of people" if vehicles else ""
    if missing or not people:
        return (
            f"{missing:,} of {people:,} searches{of_people} "
            f"({(missing / people if people else 0):.1%}) have no "
            f"recorded {defined}-defined ethnicity: they are in no group's rate and "
            "are counted apart (No ethnicity stated)."
        )
    # none: "0 of 3,253 searches (0.0%) ... they are in no group's rate" (the
    # Met's API sample, September 2024) spoke of searches there are not
    return (
        (
            f"All {people:,} searches{of_people} have"
            if people > 1
            else f"The one search{' of a person' if vehicles else ''} has"
        )
        + f" a recorded {defined}-defined ethnicity: none is left out of the "
        "groups' rates for want of one."
    )


def _vehicle_only_note(vehicles: int) -> list[str]:
    """A note on searches of a vehicle only, counted apart from every group."""
    if not vehicles:
        return []
    # one such search (Kent, January 2019) read "1 searches ... are"
    searches, are = ("search", "is") if vehicles == 1 else ("searches", "are")
    return [
        f"{vehicles:,} {searches} of a vehicle only (no person searched: no "
        f"ethnicity or sex recorded) {are} in no group's rate either, and not "
        "among those with no ethnicity stated: they are counted apart (vehicle "
        "only, in the searches by sex)."
    ]


#: :func:`_unrecorded_sex_note`'s words ({people}: "1,549 ", or "" when the
#: count would give back withheld searches of a vehicle only)
_UNRECORDED_SEX: Final = (
    "None of the {people}searches of people records the sex of the person "
    "searched: the source does not seem to record it, so the searches by sex "
    "say nothing of whom the force searches (not recorded, not a finding)."
)
