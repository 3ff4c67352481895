"""Plan files: the example parses, round-trips, and every error has its line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from avert.delivery.planfile import dump_plan, parse_plan, shift_plan

DOCS = Path(__file__).parents[2] / "docs" / "example-plan.yaml"
SHIPPED = Path(__file__).parents[2] / "src" / "avert" / "delivery" / "example-plan.yaml"


def test_example_plan_parses_and_is_the_shipped_one() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert text == SHIPPED.read_text(encoding="utf-8")
    doc = parse_plan(text)
    assert doc.errors == []
    assert doc.plan is not None
    assert {o.strand for o in doc.objectives} == {
        "reassurance",
        "intelligence",
        "prevention",
        "enforcement",
    }
    assert len(doc.actions) >= 10
    a06 = next(a for a in doc.actions if a.action_id == "A06")
    assert a06.strand == "prevention"  # from its objective
    assert a06.board == "London Serious Youth Violence Board"
    a01 = next(a for a in doc.actions if a.action_id == "A01")
    assert a01.board == doc.plan.board  # the plan's board by default
    assert a01.supporting == ("council", "london-councils")


def test_dump_then_parse_is_the_same_plan() -> None:
    doc = parse_plan(DOCS.read_text(encoding="utf-8"))
    assert doc.plan is not None
    again = parse_plan(dump_plan(doc.plan, doc.objectives, doc.actions))
    assert again.errors == []
    assert again.plan == doc.plan
    assert sorted(again.actions, key=lambda a: a.action_id) == sorted(
        doc.actions, key=lambda a: a.action_id
    )
    assert {o.objective_id: o for o in again.objectives} == {
        o.objective_id: o for o in doc.objectives
    }


BAD = """\
plan:
  id: p1
  title: A plan
  board: The board
  period: {start: 2026-01-01, end: 2025-01-01}
objectives:
  - id: O1
    strand: prevension
    title: Fewer stabbings
  - id: O2
    strand: enforcement
    title: Catch them
    measure: {indicator: msv, baseline: lots}
actions:
  - id: A1
    objective: O2
    title: Sweep
    due: 2026-02-30
    colour: blue
  - id: A1
    strand: enforcement
    title: Duplicate id
  - id: A3
    objective: O9
    title: No such objective
    rag: {rating: red}
    subject: {type: dog, id: rex}
  - id: A4
    title: No strand
    status: finished
"""


def test_every_error_is_reported_with_its_line() -> None:
    errors = parse_plan(BAD).errors
    got = {e.line: e.message for e in errors}
    expected = {
        5: "before it starts",
        8: "'prevension'",
        13: "'lots' is not a number",
        18: "'2026-02-30' is not a date",
        19: "unknown field 'colour'",
        20: "'A1' repeats line 15",
        23: "A3: needs a 'strand'",
        24: "no objective 'O9'",
        27: "type 'dog'",
        28: "A4: needs a 'strand'",
        30: "status 'finished'",
    }
    for line, words in expected.items():
        assert words in got.get(line, ""), (line, got)
    assert errors == sorted(errors, key=lambda e: e.line)


def test_red_rating_needs_a_reason_on_its_line() -> None:
    text = BAD.split("actions:")[0] + (
        "actions:\n  - id: A1\n    objective: O2\n    title: Sweep\n"
        "    rag: {rating: red}\n"
    )
    errors = [e for e in parse_plan(text).errors if "RAG" in e.message]
    assert [e.line for e in errors] == [18]


def test_yaml_syntax_error_has_its_line() -> None:
    errors = parse_plan("plan:\n  id: p\n  title: [unclosed\n  board: b\n").errors
    assert len(errors) == 1
    assert errors[0].line in (3, 4, 5)
    assert "YAML" in errors[0].message


def test_shift_moves_every_date() -> None:
    doc = parse_plan(DOCS.read_text(encoding="utf-8"))
    moved = shift_plan(doc, 10)
    assert moved.plan is not None
    assert doc.plan is not None
    assert doc.plan.period_start is not None
    assert moved.plan.period_start == doc.plan.period_start + dt.timedelta(days=10)
    for a, b in zip(moved.actions, doc.actions, strict=True):
        if b.due is not None:
            assert a.due == b.due + dt.timedelta(days=10)


def test_short_forms_subject_rag_and_supporting() -> None:
    text = (
        "plan: {id: p, title: t, board: b}\n"
        "actions:\n"
        "  - {id: A1, strand: Enforcement, title: x, subject: 'person:P1',\n"
        "     rag: green, supporting: 'council; nhs', status: In Progress}\n"
        "  - {id: A2, strand: enforcement, title: y, subject: 'dog:rex'}\n"
    )
    doc = parse_plan(text)
    assert [e.line for e in doc.errors] == [5]
    a1 = doc.actions[0]
    assert (a1.target_type, a1.target_id) == ("person", "P1")
    assert a1.rag == "green"
    assert a1.supporting == ("council", "nhs")
    assert a1.status == "in_progress"
    assert a1.strand == "enforcement"


def test_an_item_that_is_not_a_mapping_is_reported_on_its_own_line() -> None:
    text = (
        "plan: {id: p, title: P, board: B}\n"
        "actions:\n"
        "  - id: A1\n"
        "    strand: prevention\n"
        "    title: First\n"
        "    owner: someone\n"
        "  - just text\n"
    )
    errors = parse_plan(text).errors
    assert [(e.line, e.message) for e in errors] == [
        (7, "actions[1] must be a mapping of fields")
    ]


def test_a_field_given_twice_is_an_error_on_the_second() -> None:
    """YAML keeps the last of two equal keys: the first value would be lost unseen."""
    text = (
        "plan: {id: p, title: P, board: B}\n"
        "actions:\n"
        "  - id: A1\n"
        "    strand: prevention\n"
        "    title: First\n"
        "    due: 2026-01-31\n"
        "    due: 2026-02-28\n"
        "    rag: {rating: green, rating: red}\n"
    )
    got: dict[int, str] = {}
    for e in parse_plan(text).errors:
        got[e.line] = got.get(e.line, "") + e.message + "\n"
    assert set(got) == {7, 8}, got
    assert "field 'due' repeats line 6" in got[7]
    assert "field 'rating' repeats line 8" in got[8]
    top = parse_plan("plan: {id: p, title: P, board: B}\nplan: {id: q}\n").errors
    assert [e.line for e in top if "field 'plan' repeats line 1" in e.message] == [2]


def test_text_fields_are_read_as_written_not_as_numbers_or_booleans() -> None:
    # unquoted, YAML reads 1.10 as 1.1 (colliding with action 1.1), 007 and 0123
    # as 7 and 83 (octal), and no as False
    doc = parse_plan(
        "plan: {id: 2010, title: Plan, board: Board}\n"
        "objectives:\n  - {id: 1, strand: prevention, title: Obj}\n"
        "actions:\n"
        "  - {id: 1.10, objective: 1, title: Tenth, lead: no, owner: 007,\n"
        "     subject: {type: person, id: 0123}, area: 01, supporting: [1.50, yes]}\n"
        "  - {id: 1.1, objective: 1, title: First}\n"
    )
    assert doc.errors == []
    assert doc.plan is not None
    assert doc.plan.plan_id == "2010"
    assert [o.objective_id for o in doc.objectives] == ["1"]
    tenth, first = doc.actions
    assert (tenth.action_id, first.action_id) == ("1.10", "1.1")
    assert (tenth.objective_id, tenth.lead_organisation, tenth.owner) == (
        "1",
        "no",
        "007",
    )
    assert (tenth.target_id, tenth.area, tenth.supporting) == (
        "0123",
        "01",
        ("1.50", "yes"),
    )
    again = parse_plan(dump_plan(doc.plan, doc.objectives, doc.actions))
    assert sorted(again.actions, key=lambda a: a.action_id) == doc.actions[::-1]


def test_a_nul_character_is_an_error_with_its_line_and_list_items_split_on_semicolons() -> (
    None
):
    doc = parse_plan(
        "plan: {id: p1, title: P, board: B}\n"
        "actions:\n"
        "  - {id: A1, strand: prevention, title: 'ok', supporting: ['council; nhs']}\n"
        '  - {id: A2, strand: prevention, title: "bad \\0 nul"}\n'
        '  - {id: A3, strand: prevention, title: ok, supporting: ["a\\0b"]}\n'
    )
    assert [str(e) for e in doc.errors] == [
        "line 4: action A2: 'title' holds a NUL character (U+0000), which avert refuses",
        "line 5: action A3: 'supporting' holds a NUL character (U+0000), which avert "
        "refuses",
    ]
    # the store joins partners with ';' and the export splits them: the same here
    assert doc.actions[0].supporting == ("council", "nhs")


def test_numbers_in_exponent_form_are_numbers_and_infinity_is_refused() -> None:
    # YAML 1.1 reads 1e3 as text ("baseline '1e3' is not a number"); .inf and .nan
    # were taken, and no path or status can be judged against them
    doc = parse_plan(
        "plan: {id: p1, title: P, board: B}\n"
        "objectives:\n"
        "  - {id: O1, strand: prevention, title: T,\n"
        "     measure: {indicator: violence, baseline: 1e3, target: 8.5E+2}}\n"
        "  - {id: O2, strand: prevention, title: T,\n"
        "     measure: {indicator: violence, baseline: .inf, target: .nan}}\n"
    )
    assert [str(e) for e in doc.errors] == [
        "line 6: objective O2 measure: baseline '.inf' is not a finite number",
        "line 6: objective O2 measure: target '.nan' is not a finite number",
    ]
    assert (doc.objectives[0].baseline, doc.objectives[0].target) == (1000.0, 850.0)


def test_text_with_a_next_line_character_survives_dump_and_parse() -> None:
    # PyYAML wrote U+0085 single-quoted and read it back as a space
    doc = parse_plan(
        "plan: {id: p1, title: P, board: B}\nactions:\n"
        '  - {id: A1, strand: prevention, title: "a\\Nb", evidence: "x\\N y"}\n'
    )
    assert doc.plan is not None
    assert (doc.actions[0].title, doc.actions[0].evidence) == ("a\x85b", "x\x85 y")
    again = parse_plan(dump_plan(doc.plan, doc.objectives, doc.actions))
    assert again.actions == doc.actions


def test_a_red_rag_without_reason_is_listed_beside_the_actions_other_errors() -> None:
    """An action with a bad strand (or no title, a repeated id) was not built, so
    its red RAG without a reason was reported only after the strand was mended:
    the import lists every error at once."""
    doc = parse_plan(
        "plan: {id: p, title: P, board: B}\n"
        "actions:\n"
        "  - id: A1\n"
        "    strand: prevntion\n"
        "    title: a\n"
        "    rag: red\n"
        "  - id: A2\n"
        "    strand: prevention\n"
        "    rag: {rating: amber}\n"
        "  - id: A3\n"
        "    strand: prevention\n"
        "    title: c\n"
        "    rag: amber\n"
    )
    found = [(e.line, e.message) for e in doc.errors if "RAG" in e.message]
    assert found == [
        (6, "action A1: RAG red needs a reason"),
        (9, "action A2: RAG amber needs a reason"),
        (13, "action A3: RAG amber needs a reason"),
    ]
