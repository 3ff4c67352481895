"""Each kind of reason code reads in words (avert.briefing.reason_words): the
definition's rules, the harm weight's source, the offender risk score, group ids
and the ASB bridge's rules, with its window in days and its threshold."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.briefing import ReasonWords, daily_briefing
from avert.config.definitions import load_profile
from avert.report import render_briefing_html
from briefing.factory import make_frames

AT = dt.datetime(2025, 3, 10, 8)


@pytest.fixture(scope="module")
def words() -> ReasonWords:
    return ReasonWords.of_profile(load_profile("avb-2010"))


def test_the_definitions_rules_read_as_their_clauses(words: ReasonWords) -> None:
    said = words.words(
        "in definition avb-2010: most serious violence "
        "(msv.gbh_with_intent; hate.domestic_abuse; ext.weapon; ext.repeat_victim)"
    )
    assert said == (
        "in definition avb-2010: Most Serious Violence (wounding / GBH with intent; "
        "domestic abuse; a weapon involved; a repeat victim within 365 days)"
    )


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        (
            "harm 1,460 days (Cambridge Crime Harm Index, derived:5D)",
            "harm 1,460 days (Cambridge Crime Harm Index: offence code 5D's weight "
            "derived by avert from its sentencing guideline, not published)",
        ),
        (
            "harm 365 days (Cambridge Crime Harm Index, cchi:34B)",
            "harm 365 days (Cambridge Crime Harm Index: the published weight of "
            "offence code 34B)",
        ),
        (
            "harm 33 days (Cambridge Crime Harm Index, expected:Robbery)",
            "harm 33 days (Cambridge Crime Harm Index: the expected weight of a "
            'police.uk "Robbery" record under the national offence mix, not this '
            "record's own)",
        ),
        (
            "harm unknown (unknown:XX1): not in the harm total",
            "harm unknown (XX1 has no weight in the harm table): not in the harm total",
        ),
    ],
)
def test_a_harm_weights_source_reads_in_words(
    words: ReasonWords, reason: str, said: str
) -> None:
    assert words.words(reason) == said


def test_the_offender_risk_score_is_named_not_coded(words: ReasonWords) -> None:
    said = words.words(
        "offender risk (RFGH) 20.0 = recency 5 + frequency 5 + gravity 5 + harm 5"
    )
    assert "RFGH" not in said
    assert said.startswith(
        "offender risk score 20.0 = recency 5 + frequency 5 + gravity 5 + harm 5 "
        "(their own violence: gravity the most serious offence's harm"
    )


def test_groups_say_what_they_are_and_declared_ones_their_name(
    words: ReasonWords,
) -> None:
    named = words.with_group_names({"G020": "Hill Block", "G02": None})
    said = named.words("victim P1 is linked to group(s) G020, net-P0004692")
    assert said == (
        "victim P1 is linked to group(s) G020 (Hill Block), net-P0004692 "
        "(a network found by co-offending)"
    )
    # no name known (a partner's briefing): the id alone, as the reason has it
    assert words.words("rival group(s): G020") == "rival group(s): G020"


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        (
            "the caller's 3 ASB reports in the definition's ASB window "
            "(asb.repeat_caller)",
            "the caller's 3 ASB reports in 183 days (the definition flags a "
            "caller's 3rd report in 183 days)",
        ),
        (
            "a vulnerable caller's 2 ASB reports in the definition's ASB window "
            "(asb.repeat_caller_vulnerable)",
            "a vulnerable caller's 2 ASB reports in 183 days (the definition flags "
            "a vulnerable caller's 2nd report in 183 days)",
        ),
        (
            "4 ASB reports in the same place cell in the definition's ASB window "
            "(asb.repeat_place)",
            "4 ASB reports in the same 10 m square in 183 days (the definition "
            "flags a place's 3rd report in 183 days)",
        ),
    ],
)
def test_the_asb_bridges_reasons_give_its_window_and_threshold(
    words: ReasonWords, reason: str, said: str
) -> None:
    assert words.words(reason) == said


def test_the_briefing_keeps_its_codes_and_shows_the_words() -> None:
    """Every item keeps ``reasons`` (the JSON contract's keys) and gets the same
    reasons in words; the page shows the words, not the rule ids."""
    f = make_frames(3000, at=AT, seed=7)
    # the definition's own rule ids (the factory's are made up)
    incidents = f["incidents"].with_columns(
        rule_ids=pl.lit("msv.gbh_with_intent;ext.weapon")
    )
    b = daily_briefing(
        incidents,
        f["involvements"],
        at=AT,
        tables={"people": f["people"], "groups": f["groups"]},
        reason_words=ReasonWords.of_profile(load_profile("avb-2010")),
    )
    assert b.incidents
    for item in [*b.incidents, *b.people, *b.places]:
        assert len(item["reasons_words"]) == len(item["reasons"])
    first = b.incidents[0]
    assert first["reasons"][0].startswith("in definition avb-2010")
    assert first["reasons"][0].endswith("(msv.gbh_with_intent; ext.weapon)")
    assert first["reasons_words"][0].endswith(
        "(wounding / GBH with intent; a weapon involved)"
    )
    html = render_briefing_html(b)
    assert "wounding / GBH with intent; a weapon involved" in html
    assert "msv.gbh_with_intent" not in html
    assert b.people
    assert not [w for p in b.people for w in p["reasons_words"] if "RFGH" in w]
    assert "<li>offender risk score " in html
    # the section's heading spells the score's letters out
    assert "offender risk score (RFGH: recency, frequency, gravity, harm)" in html
    assert "Cambridge Crime Harm Index, derived:" not in html
    assert b.to_json()["incidents"][0]["reasons_words"] == first["reasons_words"]


def test_a_partners_words_name_no_group_and_no_police_id() -> None:
    """A partner's reasons in words carry pseudonyms alone: no declared group's
    name and no police group id (the names are the police's)."""
    from avert.access import Pseudonymiser

    f = make_frames(3000, at=AT, seed=7)
    groups = f["groups"].with_columns(name=pl.format("Crew {}", pl.col("group_id")))
    b = daily_briefing(
        f["incidents"],
        f["involvements"],
        at=AT,
        audience="partner",
        pseudonymiser=Pseudonymiser("test-key"),
        tables={
            "people": f["people"],
            "groups": groups,
            "group_members": f["group_members"],
        },
        reason_words=ReasonWords.of_profile(load_profile("avb-2010")),
    )
    said = " ".join(w for i in b.incidents for w in i["reasons_words"])
    assert "linked to group(s) G-" in said
    assert "Crew " not in said
    for gid in groups["group_id"].to_list():
        assert f" {gid}" not in said


def test_a_networks_id_is_worded_whole_when_the_person_id_has_hyphens(
    words: ReasonWords,
) -> None:
    """``net-`` + a first member's id that holds a hyphen ("WYP-0012") is one id:
    the words follow it, not its first hyphen ("net-WYP (a network ...)-0012")."""
    said = words.words("victim P1 is linked to group(s) net-WYP-0012, G020")
    assert said == (
        "victim P1 is linked to group(s) net-WYP-0012 (a network found by "
        "co-offending), G020"
    )


def test_a_declared_groups_name_is_written_as_it_is(words: ReasonWords) -> None:
    """A name with a backslash is no escape of the replacement (it raised
    "invalid group reference" and the police briefing failed)."""
    named = words.with_group_names({"G020": r"Crew \1 East"})
    assert named.words("rival group(s): G020") == r"rival group(s): G020 (Crew \1 East)"


def test_a_group_before_its_own_bracket_reads_in_one_bracket(
    words: ReasonWords,
) -> None:
    """The retaliation target line's group is followed by its aside in brackets:
    the group's words go first in that bracket, not in a second one beside it
    ("R1 (Hill Block) (named by ...)")."""
    named = words.with_group_names({"R1": "Hill Block"})
    line = (
        "possible targets: the first 5 of 10 shown, ranked (the incident's "
        "suspects/offenders, then rival groups in order: R1 (named by this "
        "incident's suspects/offenders): 3 members; net-P12 (recent violence "
        "against the victim's group, last 2025-01-02): 4 members)"
    )
    said = named.words(line)
    assert ") (" not in said
    assert "R1 (Hill Block; named by this incident's suspects/offenders): 3" in said
    assert (
        "net-P12 (a network found by co-offending; recent violence against the "
        "victim's group, last 2025-01-02): 4 members)" in said
    )


def test_the_people_note_names_the_score_not_its_code() -> None:
    """The people section's note read "ranked by their own RFGH score": the
    score is named, its letters spelt out, as in the section's heading."""
    f = make_frames(3000, at=AT, seed=7)
    b = daily_briefing(
        f["incidents"],
        f["involvements"],
        at=AT,
        tables={"people": f["people"], "groups": f["groups"]},
    )
    notes = [n for n in b.to_json()["notes"] if n.startswith("People of concern")]
    assert notes
    assert notes[0].startswith(
        "People of concern are ranked by their own offender risk score (RFGH: "
        "recency, frequency, gravity, harm;"
    )


def test_a_definition_that_no_longer_loads_words_its_rules_from_their_ids() -> None:
    """A briefing under a definition since moved or renamed reads its rules from
    their ids and says the definition was not found: no bare rule id, no crash."""
    from avert.workflows.definition_words import reason_words_of

    words = reason_words_of("avb-gone-2019")
    said = words.words(
        "in definition avb-gone-2019: most serious violence "
        "(msv.gbh_with_intent; ext.weapon)"
    )
    assert said == (
        "in definition avb-gone-2019: most serious violence (GBH with intent; "
        "weapon), worded from the rule ids: the definition avb-gone-2019 was not "
        "found"
    )
    asb = words.words(
        "the caller's 3 ASB reports in the definition's ASB window (asb.repeat_caller)"
    )
    assert asb == (
        "the caller's 3 ASB reports in the definition's ASB window (repeat caller "
        "rule; the definition's window and threshold were not found)"
    )


def test_a_rule_the_definition_no_longer_has_is_worded_from_its_id(
    words: ReasonWords,
) -> None:
    """An old briefing's rule id the definition has since dropped reads in words,
    beside the clauses of the rules it still has, and says it was not found."""
    said = words.words(
        "in definition avb-2010: most serious violence "
        "(msv.gbh_with_intent; msv.abh_old_rule)"
    )
    assert said == (
        "in definition avb-2010: Most Serious Violence (wounding / GBH with intent; "
        "ABH old rule), one rule worded from its id: not found in the definition"
    )
    assert "msv." not in said


def test_the_page_of_a_briefing_whose_definition_is_gone_shows_no_rule_id() -> None:
    f = make_frames(3000, at=AT, seed=7)
    incidents = f["incidents"].with_columns(
        rule_ids=pl.lit("msv.gbh_with_intent;ext.weapon")
    )
    b = daily_briefing(
        incidents,
        f["involvements"],
        at=AT,
        tables={"people": f["people"], "groups": f["groups"]},
        profile="avb-gone-2019",
        reason_words=ReasonWords.not_found("avb-gone-2019"),
    )
    assert b.incidents
    html = render_briefing_html(b)
    assert "msv.gbh_with_intent" not in html
    assert "(GBH with intent; weapon), worded from the rule ids" in html


def test_a_reasons_category_reads_by_the_definitions_name(words: ReasonWords) -> None:
    """The meeting and Today read "in definition avb-2010: violence group (...)",
    a category's id with spaces; the reason names it as the definition does."""
    said = words.words(
        "in definition avb-2010: violence group (ext.group_offending; har.harassment)"
    )
    assert said.startswith("in definition avb-2010: Violence with group offending (")
    # a category the definition does not have is kept as said
    other = words.words("in definition avb-2010: something else (har.harassment)")
    assert other.startswith("in definition avb-2010: something else (")
