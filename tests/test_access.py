"""The access module: roles, keys, rotation and the partner rules."""

from __future__ import annotations

import datetime as dt
import math
import secrets

import polars as pl
import pytest

from avert.access import (
    DEMO_KEY,
    SMALL_CELL,
    Pseudonymiser,
    audience_of,
    check_key,
    key_entropy_bits,
    key_strength_bits,
    pseudonymiser_for,
    reader_scope,
    redact_frames,
    suppress_small_counts,
)
from avert.config.settings import load_settings
from avert.errors import ConfigError

KEY = "q3Jx0v7Qe9LrT2mZbW8yKc1NfHs5PdUa6GiVoXjE4nR"


def test_roles_map_to_audiences() -> None:
    assert {
        r: audience_of(r) for r in ("admin", "analyst", "chair", "officer")
    } == dict.fromkeys(("admin", "analyst", "chair", "officer"), "police")
    assert audience_of("partner") == audience_of("board") == "partner"
    with pytest.raises(ConfigError):
        audience_of("public")


@pytest.mark.parametrize(
    "key",
    [None, "", DEMO_KEY, "k" * 31, "ab" * 20, "0123456789" * 3 + "01", "password" * 5],
)
def test_unfit_keys_are_refused_without_echoing_them(key: str | None) -> None:
    with pytest.raises(ConfigError, match="AVERT_PSEUDONYM_KEY") as err:
        check_key(key)
    if key:
        assert key not in str(err.value)


@pytest.mark.parametrize("key", ["", "a", "z" * 40])
def test_a_key_of_one_character_has_zero_bits_not_minus_zero(key: str) -> None:
    """A key of one repeated character said "about -0 bits of entropy": the
    Shannon sum was negated, and minus nothing is -0.0. It is 0 bits."""
    for bits in (key_entropy_bits(key), key_strength_bits(key)):
        assert bits == 0
        assert math.copysign(1, bits) == 1, bits
    if len(key) >= 32:
        with pytest.raises(ConfigError, match=r"about 0 bits of entropy") as err:
            check_key(key)
        assert "-0" not in str(err.value)


def test_random_keys_pass() -> None:
    for _ in range(20):
        assert check_key(secrets.token_urlsafe(32))
        assert check_key(secrets.token_hex(16))


def test_rotation_gives_one_key_per_period() -> None:
    jan = pseudonymiser_for(KEY, rotation="monthly", at=dt.datetime(2025, 1, 31, 8))
    jan2 = pseudonymiser_for(KEY, rotation="monthly", at=dt.datetime(2025, 1, 2))
    feb = pseudonymiser_for(KEY, rotation="monthly", at=dt.datetime(2025, 2, 1))
    q1 = pseudonymiser_for(KEY, rotation="quarterly", at=dt.datetime(2025, 3, 1))
    stable = pseudonymiser_for(KEY, rotation="none", at=dt.datetime(2025, 3, 1))
    assert jan("person", "P1") == jan2("person", "P1")
    assert len({p("person", "P1") for p in (jan, feb, q1, stable)}) == 4
    assert stable("person", "P1") == Pseudonymiser(KEY)("person", "P1")
    assert KEY not in repr(jan)
    with pytest.raises(ConfigError):
        pseudonymiser_for(KEY, rotation="weekly", at=dt.datetime(2025, 3, 1))


def test_demo_key_only_when_allowed() -> None:
    assert pseudonymiser_for(None, allow_demo=True).is_demo_key
    with pytest.raises(ConfigError):
        pseudonymiser_for(None)


def test_settings_hold_the_key_and_never_print_it() -> None:
    s = load_settings(
        {"AVERT_PSEUDONYM_KEY": KEY, "AVERT_PSEUDONYM_ROTATION": "quarterly"}
    )
    assert s.pseudonym_key == KEY
    assert s.pseudonym_rotation == "quarterly"
    assert KEY not in repr(s)
    assert KEY not in str(s)


def test_redact_frames_leaves_no_police_id_or_field() -> None:
    p = Pseudonymiser(KEY)
    frames = {
        "incidents": pl.DataFrame(
            {
                "incident_id": ["INC1"],
                "x": [1.0],
                "location": ["High St"],
                "lsoa": ["E01"],
                "extra": ['{"officer_note": "Bob Jones"}'],
            }
        ),
        "involvements": pl.DataFrame(
            {
                "incident_id": ["INC1"],
                "person_id": ["PER1"],
                "role": ["victim"],
                "extra": ['{"nickname": "Smiffy"}'],
            }
        ),
        "identities": pl.DataFrame({"person_id": ["PER1"], "name": ["Ann Smith"]}),
        "groups": pl.DataFrame({"group_id": ["GRP1"], "name": ["Kestrels"]}),
        "intelligence": pl.DataFrame(
            {"intel_id": ["N1"], "subject_type": ["person"], "subject_id": ["PER1"]}
        ),
        "actions": pl.DataFrame(
            {
                "action_id": ["A1", "A2"],
                "title": ["Visit PER1", "Lighting in the park"],
                "target_type": ["person", "area"],
                "target_id": ["PER1", "Northfield"],
            }
        ),
        "retaliation": pl.DataFrame(
            {
                "incident_id": ["INC1"],
                "victim_id": ["PER1"],
                "possible_targets": [["PER2"]],
                "rival_groups": [["GRP1"]],
            }
        ),
        "relationships": pl.DataFrame(
            {"person_a": ["PER1"], "person_b": ["PER2"], "kind": ["sibling"]}
        ),
        "stops": pl.DataFrame(
            {"stop_id": ["S1"], "person_id": ["PER2"], "outcome": ["arrest"]}
        ),
    }
    out = redact_frames(p, frames)
    text = " ".join(str(f.to_dicts()) for f in out.values())
    for secret in (
        "INC1",
        "PER1",
        "PER2",
        "GRP1",
        "Ann Smith",
        "Kestrels",
        "High St",
        "Bob Jones",
        "Smiffy",
    ):
        assert secret not in text, secret
    assert "x" not in out["incidents"].columns
    assert out["incidents"]["lsoa"].to_list() == ["E01"]
    assert out["actions"]["title"][1] == "Lighting in the park"
    assert out["actions"]["target_id"][1] == "Northfield"
    # the plan's action ids are no one's identity: the plan board shows them
    assert out["actions"]["action_id"].to_list() == ["A1", "A2"]


# --- small-cell rule (make-up tables for partners) ----------------------------------
def test_small_counts_are_withheld_with_secondary_suppression() -> None:
    frame = pl.DataFrame(
        {
            "dimension": ["sex"] * 3 + ["ethnicity"] * 4,
            "category": ["F", "M", "unknown", "Asian", "Black", "Other", "White"],
            "listed": [2, 30, 0, 7, 6, 9, 1],
            "pool": [10, 40, 3, 20, 20, 20, 0],
            "ratio": [1.0, 2.0, None, 4.0, 5.0, 6.0, 7.0],
            "share": [0.1, 0.2, 0.0, 0.3, 0.4, 0.5, 0.6],
        }
    )
    out = suppress_small_counts(
        frame,
        ["listed", "pool"],
        by="dimension",
        derived={"ratio": ["listed", "pool"], "share": ["listed"]},
    )
    # primary: 2 and 1; secondary in 'sex' (one primary): the next smallest, M 30
    assert out["listed"].to_list() == [None, None, 0, 7, None, 9, None]
    # ethnicity has two primaries already: no secondary
    assert out["listed_withheld"].to_list() == [
        True, True, False, False, True, False, True
    ]  # fmt: skip
    # pool: 3 (primary) then the smallest other non-zero of 'sex', F 10
    assert out["pool"].to_list() == [None, 40, None, 20, 20, 20, 0]
    # derived figures go with any withheld count of their row
    assert out["ratio"].to_list() == [None, None, None, 4.0, None, 6.0, None]
    # a share of the list goes only with the list's count
    assert out["share"].to_list() == [None, None, 0.0, 0.3, None, 0.5, None]
    assert out.columns[:6] == frame.columns


def test_a_lone_small_cell_takes_a_zero_with_it() -> None:
    frame = pl.DataFrame(
        {"dimension": ["sex"] * 3, "category": ["F", "M", "X"], "listed": [0, 3, 0]}
    )
    out = suppress_small_counts(frame, ["listed"], by="dimension")
    assert out["listed"].null_count() == 2, "3 men of 3 must not be readable"
    assert SMALL_CELL == 5


def test_ratios_to_a_withheld_reference_are_withheld_in_its_breakdown() -> None:
    frame = pl.DataFrame(
        {
            "dimension": ["ethnicity"] * 3 + ["sex"] * 2,
            "category": ["Asian", "Black", "White", "F", "M"],
            "listed": [10, 20, 3, 8, 25],
            "ratio": [0.33, 1.0, 1.0, 1.0, 0.9],
            "share": [0.3, 0.6, 0.1, 0.24, 0.76],
            "is_ref": [False, False, True, True, False],
        }
    )
    out = suppress_small_counts(
        frame,
        ["listed"],
        by="dimension",
        derived={"ratio": ["listed"], "share": ["listed"]},
        reference="is_ref",
        relative=["ratio"],
    )
    # White (3) and Asian (10, secondary) withheld; Black's ratio would give 3 back
    assert out["listed"].to_list() == [None, 20, None, 8, 25]
    assert out["ratio"].to_list() == [None, None, None, 1.0, 0.9]
    # a share is not taken to the reference: it stays
    assert out["share"].to_list() == [None, 0.6, None, 0.24, 0.76]


def test_partner_taskings_pseudonymise_each_item_by_its_subject() -> None:
    """A tasking's item id becomes the pseudonym of its subject (a repeat victim's
    and an ASB caller's as a person, a retaliation's as an incident); cells and
    areas identify nobody and stay as they are."""
    p = Pseudonymiser(KEY)
    kinds = [
        "incident",
        "retaliation",
        "repeat_victim",
        "person",
        "asb_caller",
        "place",
        "cell",
        "group",
        "area",
    ]
    taskings = pl.DataFrame(
        {
            "item_kind": kinds,
            "item_id": [f"X{i}" for i in range(len(kinds))],
            "listed": [True] * len(kinds),
        }
    )
    out = redact_frames(p, {"taskings": taskings})["taskings"]["item_id"].to_list()
    subjects = ["incident", "incident", "person", "person", "person", "place"]
    expected = [p(s, f"X{i}") for i, s in enumerate(subjects)]
    expected += ["X6", p("group", "X7"), "X8"]
    assert out == expected


def test_pseudonymise_text_replaces_the_id_whatever_its_case() -> None:
    """A tasking's text typed with the id in lower case ("visit p12") showed the
    partner the real id beside its pseudonym; ids inside longer ids stay."""
    from avert.access import pseudonymise_text

    text = "visit p12 and P12, not P123 or XP12; person:P12."
    assert pseudonymise_text(text, "P12", "P-ABC") == (
        "visit P-ABC and P-ABC, not P123 or XP12; person:P-ABC."
    )
    assert pseudonymise_text("a.b+1 then a.bx+1", "a.b+1", "P-Z") == ("P-Z then a.bx+1")


def test_pseudonymise_ids_replaces_every_mapped_id_whatever_its_case() -> None:
    """A chair's evidence naming another person or an incident ("met P0003235")
    reached partners as typed: only the record's own subject was replaced."""
    from avert.access import id_candidates, pseudonymise_ids

    texts = ["met p0003235 re I77; not P00032351, ZZ9", None, ""]
    shown = {"P0003235": "P-AB", "I77": "I-CD"}
    assert pseudonymise_ids(texts, shown) == [
        "met P-AB re I-CD; not P00032351, ZZ9",
        None,
        "",
    ]
    assert pseudonymise_ids(texts, {}) == texts
    words = id_candidates(["met p0003235 at person:I77-b and 12 High St"])
    assert {"P0003235", "p0003235", "I77", "i77", "12"} <= set(words)
    assert "High" not in words
    assert "met" not in words


def test_id_candidates_find_ids_with_slashes_points_and_spaces_not_dates_or_times() -> (
    None
):
    """Ids with ``/``, ``.`` or spaces (``CAD/1234/22``, ``P.0042``, ``ASB 77``:
    a bundle's ids are any text) were never asked of the store, so a partner read
    them as typed. Dates, times and words without a digit are no candidates."""
    from avert.access import id_candidates

    words = set(
        id_candidates(
            [
                "Met p.0042 re CAD/1234/22 and ASB 77. Seen 12/03/2025 at 10.30, "
                "2025-03-12 10:30:15, 3pm, 1030hrs and 12.3.25 in High Street."
            ]
        )
    )
    assert {"CAD/1234/22", "P.0042", "p.0042", "ASB 77", "asb 77"} <= words
    assert {"CAD/1234", "1234/22", "0042"} <= words  # runs of their parts
    for not_an_id in (
        "12/03/2025",
        "2025",
        "03",
        "10.30",
        "10:30:15",
        "2025-03-12",
        "3pm",
        "1030hrs",
        "12.3.25",
        "High Street",
        "Street",
        "77.",
    ):
        assert not_an_id not in words, not_an_id
    assert not any(w.endswith(".") for w in words)


def test_names_are_asked_in_full_and_surname_first_order_never_as_one_word() -> None:
    """A stored person's name in free text ("spoke to SMITH, John") reached
    partners: the runs of words that may be a name are asked of the store as full
    names, and a name is replaced in each order it may be written."""
    from avert.access import name_candidates, name_forms, pseudonymise_ids

    text = "Spoke to SMITH, John and Mary O'Brien-Lee; smith  john again. Smith!"
    keys = set(name_candidates([text, None]))
    assert {"john smith", "mary o'brien-lee"} <= keys
    assert "smith" not in keys  # one word is never a person's name
    assert "john smith" not in name_candidates(["Smith. John"])  # not one name
    assert set(name_candidates(["Riverside"], min_words=1)) == {"riverside"}
    forms = name_forms("John  Smith")
    assert forms == ["john smith", "smith john", "smith, john"]
    shown = dict.fromkeys(forms, "P-AB") | dict.fromkeys(
        name_forms("Mary O'Brien-Lee"), "P-CD"
    )
    assert pseudonymise_ids([text], shown) == [
        "Spoke to P-AB and P-CD; P-AB again. Smith!"
    ]
    assert pseudonymise_ids(["Johnsmith, Johns Smithson"], shown) == [
        "Johnsmith, Johns Smithson"
    ]


def test_a_partners_edit_puts_back_the_ids_and_names_it_read_as_pseudonyms() -> None:
    """Saving text as shown stored the stored id (in its own case) where the police
    wrote a name or another case: each pseudonym is put back as the words it
    replaced, in order."""
    from avert.access import pseudonymise_authored, pseudonymise_ids, restore_authored

    stored = "Met John Smith (p12) at CAD/1/22; P12 again"
    shown = {"P12": "P-AB", "john smith": "P-AB", "CAD/1/22": "I-CD"}
    (seen,) = pseudonymise_ids([stored], shown)
    assert seen == "Met P-AB (P-AB) at I-CD; P-AB again"
    assert pseudonymise_authored([stored], [[]], "council", shown) == [seen]

    def restore(text: str) -> str | None:
        return restore_authored(text, stored, [], "council", shown)[0]

    assert restore(seen) == stored
    assert restore(seen + ", I-CD") == stored + ", CAD/1/22"
    assert restore("no pseudonym") == "no pseudonym"
    # a cut: each pseudonym left keeps its own words, not the first ones
    assert restore("(P-AB) at I-CD") == "(p12) at CAD/1/22"


def test_a_name_matched_in_another_unicode_case_is_replaced_not_a_crash() -> None:
    """The pattern matches stored ids and names in any case as the regular
    expression engine folds it (``ſ`` as ``s``, ``İ`` as ``i``), while the words
    matched were looked up by :func:`avert.access.name_key` (``str.lower``): a
    police text naming ``Sam Jones`` once as ``ſam jones`` raised KeyError, and
    the plan board, my actions and the action page failed for every partner and
    the board."""
    from avert.access import pseudonymise_authored, pseudonymise_ids

    shown = {"Sam Jones": "P-X", "KIM": "P-K"}
    text = "met Sam Jones, then ſam jones and KİM"
    assert pseudonymise_ids([text], shown) == ["met P-X, then P-X and P-K"]
    assert pseudonymise_authored([text], [[]], "council", shown) == [
        "met P-X, then P-X and P-K"
    ]


def test_a_name_with_invisible_spaces_between_its_words_is_replaced() -> None:
    """Text pasted from a web page or a chat holds zero width spaces, word joiners
    and byte order marks between words ("John\\u200b Smith" reads "John Smith"):
    the run was no name to ask the store about nor to match, and a chair's
    tasking naming a stored person so showed the name to the partner it was
    given to (found by the secprobe walk of /meeting as a partner)."""
    from avert.access import (
        name_candidates,
        name_forms,
        name_key,
        pseudonymise_authored,
        pseudonymise_ids,
    )

    shown = dict.fromkeys(name_forms("John Smith"), "P-AB")
    for gap in ("\u200b ", "\u200b", " \u2060", "\ufeff", "\u200b\u200b "):
        text = f"visit John{gap}Smith and SMITH,{gap}John"
        assert "john smith" in name_candidates([text]), repr(gap)
        assert pseudonymise_ids([text], shown) == ["visit P-AB and P-AB"], repr(gap)
        assert pseudonymise_authored([text], [[]], "council", shown) == [
            "visit P-AB and P-AB"
        ], repr(gap)
    assert name_key("John\u200bSmith") == "john smith"
    # a word is still a word: the space-less "JohnSmith" is no name
    assert pseudonymise_ids(["JohnSmith"], shown) == ["JohnSmith"]


@pytest.mark.parametrize(
    "gap",
    [
        "\u200c",  # zero width non-joiner
        "\u200d",  # zero width joiner
        "\u200e",  # left-to-right mark
        "\u200f ",  # right-to-left mark
        "\u00ad",  # soft hyphen
        "\u180e",  # Mongolian vowel separator
        "\u2061",  # function application
        "\u2064",  # invisible plus
        " \u202a",  # left-to-right embedding
        "\u202e",  # right-to-left override
        "\u2066\u2069",  # left-to-right isolate, pop directional isolate
        "\u061c",  # Arabic letter mark
        "\u3164",  # Hangul filler (a letter, drawn blank)
        "\u034f",  # combining grapheme joiner
        "\ufe0f",  # variation selector 16
        "\U000e0020",  # tag space
    ],
)
def test_a_name_with_any_invisible_character_between_its_words_is_replaced(
    gap: str,
) -> None:
    """Only the zero width space, word joiner and byte order mark parted a
    name's words: the other characters no font draws (a joiner, a bidi mark or
    isolate a right-to-left chat pastes, a soft hyphen, an invisible operator,
    the Hangul filler) between a stored name's words still showed it to
    partners, and a name stored with one between its words was no name the
    text's words asked for."""
    from avert.access import (
        name_candidates,
        name_forms,
        name_key,
        pseudonymise_authored,
        pseudonymise_ids,
        stored_name_key,
    )

    shown = dict.fromkeys(name_forms("John Smith"), "P-AB")
    text = f"visit John{gap}Smith and SMITH,{gap}John"
    assert "john smith" in name_candidates([text])
    assert pseudonymise_ids([text], shown) == ["visit P-AB and P-AB"]
    assert pseudonymise_authored([text], [[]], "council", shown) == [
        "visit P-AB and P-AB"
    ]
    assert name_key(f"John{gap}Smith") == "john smith"
    assert stored_name_key(f"SMITH,{gap}John") == "john smith"


def test_an_invisible_character_inside_a_word_does_not_cut_it() -> None:
    """A soft hyphen inside a name ("Quenn\\u00adith", as a word processor's
    hyphenation pastes it) or a zero width space inside an id ("P\\u200b0000032",
    as a web page breaks a long word) cut the word at it: the name or id was no
    stored one to ask the store about nor to match, and partners read it."""
    from avert.access import (
        id_candidates,
        name_candidates,
        name_forms,
        pseudonymise_authored,
        pseudonymise_ids,
        written_keys,
    )

    shown = {**dict.fromkeys(name_forms("Quennith Quxbyaah"), "P-Q"), "P0000032": "P-I"}
    text = (
        "met Quenn\u00adith Quxbyaah, QUXBYAAH,\u200b Quen\u200dnith and "
        "P\u200b0000032 (p000\u206000\ufeff32)"
    )
    assert "quennith quxbyaah" in name_candidates([text])
    assert "P0000032" in id_candidates([text])
    expected = "met P-Q, P-Q and P-I (P-I)"
    assert pseudonymise_ids([text], shown) == [expected]
    assert pseudonymise_authored([text], [[]], "council", shown) == [expected]
    assert written_keys([text], ["quennith quxbyaah", "p0000032"]) == {
        "quennith quxbyaah",
        "p0000032",
    }
    # the characters still part words where they are between them
    assert pseudonymise_ids(["Quennith\u00adQuxbyaah"], shown) == ["P-Q"]


def test_an_organisations_key_is_the_hmac_of_its_name_under_the_secret() -> None:
    """docs/briefing.md: HMAC-SHA256(secret, "avert-organisation:ORG"), the
    board's HMAC-SHA256(secret, "avert-board"); a rotating key's period keys
    are derived from the organisation's key as from the secret."""
    import hashlib
    import hmac

    def pseudonym(key: bytes, value: str) -> str:
        digest = hmac.new(key, f"person:{value}".encode(), hashlib.sha256).hexdigest()
        return f"P-{digest[:12].upper()}"

    secret = KEY.encode()
    council = hmac.digest(secret, b"avert-organisation:council", "sha256")
    board = hmac.digest(secret, b"avert-board", "sha256")
    period = hmac.digest(council, b"avert-period:2025-03", "sha256")
    assert Pseudonymiser(KEY, scope="organisation:council")("person", "P1") == (
        pseudonym(council, "P1")
    )
    assert Pseudonymiser(KEY, scope="board")("person", "P1") == pseudonym(board, "P1")
    assert Pseudonymiser(KEY, scope="organisation:council", period="2025-03")(
        "person", "P1"
    ) == pseudonym(period, "P1")
    assert Pseudonymiser(KEY)("person", "P1") == pseudonym(secret, "P1")
    # the organisation as stored: another spelling is another key
    assert Pseudonymiser(KEY, scope="organisation:Council")("person", "P1") != (
        pseudonym(council, "P1")
    )
    assert "council" not in repr(Pseudonymiser(KEY, scope="organisation:council"))


def test_reader_scope_under_each_setting() -> None:
    assert reader_scope("shared", role="partner", org="council") is None
    assert reader_scope("shared", role="board", org=None) is None
    assert reader_scope("organisation", role="partner", org="council") == (
        "organisation:council"
    )
    # a board member who belongs to an organisation reads the board's key
    assert reader_scope("organisation", role="board", org="council") == "board"
    with pytest.raises(ConfigError, match="--org"):
        reader_scope("organisation", role="partner", org=None)
    with pytest.raises(ConfigError, match="pseudonym_scope"):
        reader_scope("per-person", role="partner", org="council")
    with pytest.raises(ConfigError):
        Pseudonymiser(KEY, scope="council")
