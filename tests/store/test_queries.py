"""Named store reads of the briefing (avert.store.queries) on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

import polars as pl
import pytest

from avert.access import name_candidates
from avert.analyse.networks import co_offending_edges
from avert.store import Store, queries


def _seed(store: Store) -> None:
    inc = pl.DataFrame(
        {
            "incident_id": ["m1", "m2", "e1", "e2", "e3"],
            "source": ["policeuk", "policeuk", "force", "force", "force"],
            "crime_type": ["Robbery", None, None, None, None],
            "occurred_from": [
                dt.datetime(2019, 5, 1),
                dt.datetime(2019, 6, 1),
                dt.datetime(2019, 6, 3, 10, 15, 30, 123456),
                dt.datetime(2019, 6, 20, 23, 59),
                dt.datetime(2019, 7, 2, 1),
            ],
            "time_precision": ["month", "month", "exact", None, "exact"],
        }
    )
    classes = pl.DataFrame(
        {
            "incident_id": ["m1", "e1", "e2"],
            "profile": ["avb-2010"] * 3,
            "in_definition": [True, False, True],
            "category": ["personal_robbery", None, "harassment"],
            "harm_days": [365.0, None, 20.0],
        }
    )
    inv = pl.DataFrame(
        {
            "incident_id": ["e1", "e2", "e3"],
            "person_id": ["P1", "P1", "P2"],
            "role": ["victim", "suspect", "victim"],
        }
    )
    with store.transaction() as tx:
        tx.append("incidents", inc)
        tx.append("classifications", classes)
        tx.append("involvements", inv)


def test_classified_between_joins_in_sql_and_types_from_the_schema(
    any_store: Store,
) -> None:
    _seed(any_store)
    got = queries.classified_between(
        any_store,
        dt.datetime(2019, 5, 1),
        dt.datetime(2019, 7, 1),
        columns=("incident_id", "source", "crime_type", "occurred_from"),
        profile="avb-2010",
    ).sort("incident_id")
    assert got["incident_id"].to_list() == ["e1", "e2", "m1", "m2"]
    assert got.schema["occurred_from"] == pl.Datetime("us")
    assert got.schema["in_definition"] == pl.Boolean
    assert got.schema["harm_days"] == pl.Float64
    assert got["in_definition"].to_list() == [False, True, True, None]
    assert got["occurred_from"][0] == dt.datetime(2019, 6, 3, 10, 15, 30, 123456)
    other = queries.classified_between(
        any_store,
        dt.datetime(2019, 5, 1),
        dt.datetime(2019, 7, 1),
        columns=("incident_id",),
        profile="who-broad",
    )
    assert other.height == 4
    assert other["in_definition"].null_count() == 4
    empty = queries.classified_between(
        any_store,
        dt.datetime(2030, 1, 1),
        dt.datetime(2030, 2, 1),
        columns=("incident_id", "occurred_from"),
        profile="avb-2010",
    )
    assert empty.height == 0
    assert empty.schema["occurred_from"] == pl.Datetime("us")


def test_windowed_reads_give_rows_in_key_order_on_every_store(
    any_store: Store,
) -> None:
    """The windowed reads returned rows as the database kept them (SQLite by its
    time index, PostgreSQL by its heap), so a month of London's harm summed to
    3691882.1621678043 on SQLite and 3691882.162167803 on PostgreSQL. Now rows come
    by incident id, or by every column in a read without it."""
    late_first = pl.DataFrame(
        {
            "incident_id": ["a", "B", "c"],
            "occurred_from": [
                dt.datetime(2019, 6, 3),
                dt.datetime(2019, 6, 2),
                dt.datetime(2019, 6, 1),
            ],
            "x": [1.0, 2.0, 3.0],
            "y": [9.0, 8.0, 7.0],
        }
    )
    with any_store.transaction() as tx:
        tx.append("incidents", late_first)
    window = (dt.datetime(2019, 6, 1), dt.datetime(2019, 7, 1))
    got = queries.classified_between(
        any_store, *window, columns=("incident_id", "x"), profile="avb-2010"
    )
    assert got["incident_id"].to_list() == ["B", "a", "c"]
    located = queries.located_between(any_store, *window, profile="avb-2010")
    assert located["x"].to_list() == [3.0, 2.0, 1.0]
    # whole days kept, cut to the window: the same rows in the same order (twice:
    # read, then kept), and cut to the instant (c at 00:00 of its day read whole)
    for _ in range(2):
        kept = queries.located_between(
            any_store, *window, profile="avb-2010", keep=True
        )
        assert kept.equals(located)
    later = (dt.datetime(2019, 6, 1, 0, 0, 0, 1), dt.datetime(2019, 6, 2, 23))
    kept = queries.located_between(any_store, *later, profile="avb-2010", keep=True)
    assert kept.equals(queries.located_between(any_store, *later, profile="avb-2010"))
    assert kept["x"].to_list() == [2.0]


def test_latest_time_by_precision(any_store: Store) -> None:
    _seed(any_store)
    at = dt.datetime(2019, 7, 1)
    assert queries.latest_time(any_store, before=at, precision="month") == dt.datetime(
        2019, 6, 1
    )
    # a null precision counts as exact
    assert queries.latest_time(any_store, before=at, precision="exact") == dt.datetime(
        2019, 6, 20, 23, 59
    )
    assert (
        queries.latest_time(
            any_store, before=dt.datetime(2019, 1, 1), precision="month"
        )
        is None
    )


def test_sources_supplying_a_stretch(any_store: Store) -> None:
    _seed(any_store)  # forces are null: nulls match nulls
    sources = pl.DataFrame(
        {"source": ["force", "policeuk", "nobody"], "force": [None, None, None]},
        schema={"source": pl.String(), "force": pl.String()},
    )
    june = (dt.datetime(2019, 6, 1), dt.datetime(2019, 7, 1))
    found = queries.sources_supplying(any_store, sources, *june)
    # policeuk's June row is month-only: it says nothing of June's days
    assert found["source"].to_list() == ["force"]
    assert queries.sources_supplying(
        any_store, sources, dt.datetime(2018, 1, 1), dt.datetime(2019, 1, 1)
    ).is_empty()


def test_person_history(any_store: Store) -> None:
    _seed(any_store)
    inv, inc = queries.person_history(
        any_store,
        ["P1"],
        since=dt.datetime(2019, 1, 1),
        until=dt.datetime(2019, 7, 1),
        profile="avb-2010",
    )
    assert sorted(inv["incident_id"].to_list()) == ["e1", "e2"]
    assert inc.schema["occurred_from"] == pl.Datetime("us")
    assert dict(zip(inc["incident_id"], inc["harm_days"], strict=True)) == {
        "e1": None,
        "e2": 20.0,
    }
    # the precision, so a record dated alone on the year's first day is in the
    # risk and escalation windows by its day (it was compared by its 00:00)
    assert dict(zip(inc["incident_id"], inc["time_precision"], strict=True)) == {
        "e1": "exact",
        "e2": None,
    }


def test_offending_history_brings_everyone_who_offended_beside_them(
    any_store: Store,
) -> None:
    """The incidents where P1 was a suspect/offender, with every suspect/offender
    in them (P3 beside P1 in e2), not their victims, nor incidents where P1 was
    only a victim (e1), nor those outside the window."""
    _seed(any_store)
    with any_store.transaction() as tx:
        tx.append(
            "involvements",
            pl.DataFrame(
                {
                    "incident_id": ["e2", "e2", "e3"],
                    "person_id": ["P3", "P4", "P1"],
                    "role": ["offender", "victim", "offender"],
                }
            ),
        )
    inv, inc = queries.offending_history(
        any_store,
        ["P1"],
        since=dt.datetime(2019, 1, 1),
        until=dt.datetime(2019, 7, 1),
        profile="avb-2010",
        roles=("suspect", "offender"),
    )
    assert sorted(zip(inv["incident_id"], inv["person_id"], strict=True)) == [
        ("e2", "P1"),
        ("e2", "P3"),
    ]
    assert inc.rows() == [
        # borough and lsoa last (none in the seed)
        (
            "e2",
            dt.datetime(2019, 6, 20, 23, 59),
            None,  # time_precision (none in the seed)
            None,
            True,
            "harassment",
            20.0,
            None,
            None,
        )
    ]
    none = queries.offending_history(
        any_store,
        ["P2"],
        since=dt.datetime(2019, 1, 1),
        until=dt.datetime(2020, 1, 1),
        profile="avb-2010",
        roles=("suspect", "offender"),
    )
    assert none[0].is_empty()
    assert none[1].schema == inc.schema


def test_offending_history_ties_as_the_whole_graph_does_in_a_mutual_fight(
    any_store: Store,
) -> None:
    """In e2 P1 and P3 are each recorded as suspect and victim (a mutual fight) and
    P5 as offender: ``analyse groups`` ties neither P1 nor P3 there (the other
    side, not co-offenders), but the briefing's ties come from this read, which
    left out the victim rows, so the briefing tied P1 to P3 (rivals) and listed
    one as the other's co-offender and possible retaliator. The read brings the
    victim rows of the people also recorded as suspects/offenders, not others'."""
    _seed(any_store)
    with any_store.transaction() as tx:
        tx.append(
            "involvements",
            pl.DataFrame(
                {
                    "incident_id": ["e2", "e2", "e2", "e2", "e2"],
                    "person_id": ["P1", "P3", "P3", "P4", "P5"],
                    "role": ["victim", "suspect", "victim", "victim", "offender"],
                }
            ),
        )
    roles = ("suspect", "offender")
    inv, inc = queries.offending_history(
        any_store,
        ["P1"],
        since=dt.datetime(2019, 1, 1),
        until=dt.datetime(2019, 7, 1),
        profile="avb-2010",
        roles=roles,
    )
    assert "P4" not in inv["person_id"].to_list()  # a victim only: not read
    at = dt.datetime(2019, 7, 1)
    briefing = co_offending_edges(inc, inv, as_of=at).select("person_a", "person_b")
    everyone = any_store.read_frame("involvements")
    whole = co_offending_edges(
        inc, everyone.filter(pl.col("incident_id") == "e2"), as_of=at
    ).select("person_a", "person_b")
    assert briefing.rows() == whole.rows() == []


def test_read_classified_matches_the_joined_range_read(any_store: Store) -> None:
    _seed(any_store)
    a, b = dt.datetime(2019, 5, 1), dt.datetime(2019, 8, 1)
    cols = ("incident_id", "occurred_from")
    joined = queries.classified_between(
        any_store, a, b, columns=cols, profile="avb-2010"
    ).sort("incident_id")
    plain = queries.incidents_between(any_store, a, b, cols)
    by_id = queries.read_classified(any_store, plain, "avb-2010").sort("incident_id")
    assert by_id.select(joined.columns).equals(joined)


def test_offenders_between_is_the_pool_of_the_make_up(any_store: Store) -> None:
    _seed(any_store)
    with any_store.transaction() as tx:
        tx.append(
            "involvements",
            pl.DataFrame(
                {
                    "incident_id": ["e1", "m1", "m1"],
                    "person_id": ["P3", "P4", "P5"],
                    "role": ["offender", "offender", "witness"],
                }
            ),
        )
    a, b = dt.datetime(2019, 5, 1), dt.datetime(2019, 7, 1)
    got = queries.offenders_between(any_store, a, b, profile="avb-2010")
    # e2 (in definition, suspect P1) and m1 (offender P4); not e1 (out of the
    # definition), not the witness, not e3 (after the window)
    assert sorted(got["person_id"].to_list()) == ["P1", "P4"]
    assert got.schema == {"person_id": pl.String, "borough": pl.String}
    none = queries.offenders_between(any_store, a, b, profile="who-broad")
    assert none.height == 0


def test_places_read_touches_only_indexes_on_sqlite(
    sqlite_store: Store, tmp_path: Path
) -> None:
    # the places forecast reads ~400,000 rows a briefing on a big store: through
    # covering indexes it never visits a wide incident row or a classification row
    sql = queries._classified_window_sql(
        "sqlite",
        queries.LOCATED_COLUMNS,
        ["in_definition"],
        queries._LOCATED_WHERE,
    )
    params = ["avb-2010", "2025-01-01T00:00:00", "2025-02-01T00:00:00"]
    with closing(sqlite3.connect(tmp_path / "avert.db")) as con:
        plan = [row[3] for row in con.execute("EXPLAIN QUERY PLAN " + sql, params)]
    assert len(plan) == 2
    assert all("USING COVERING INDEX" in step for step in plan), plan
    # the force and source it names (0038) are read from the index too
    assert {"source", "force"} <= set(queries.LOCATED_COLUMNS)


@pytest.mark.postgres
def test_places_read_can_touch_only_indexes_on_postgresql(
    postgres_store: Store,
) -> None:
    """On PostgreSQL the read can be an index-only scan of the incidents' time
    index (``source`` and ``force`` in it, 0038). Its planner takes it for a
    narrow window; for a wide one (the briefing's 455 days of a store of two
    years) it prefers a sequential scan and a hash join (benchmarks/places_read.py
    prints the plan), so sequential scans are switched off here to ask whether
    the index covers the read, not whether the planner chooses it."""
    sql = queries._classified_window_sql(
        "postgresql",
        queries.LOCATED_COLUMNS,
        ["in_definition"],
        queries._LOCATED_WHERE,
    ).replace("?", "%s")
    params = ["avb-2010", dt.datetime(2025, 1, 1), dt.datetime(2025, 2, 1)]
    raw = postgres_store.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SET enable_seqscan = off")
        cur.execute("SET enable_bitmapscan = off")
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(str(row[0]) for row in cur.fetchall())
    finally:
        raw.rollback()
        raw.close()
    assert "Index Only Scan using ix_incidents_" in plan, plan
    assert "Index Only Scan using ix_classifications_" in plan, plan


def test_stored_ids_finds_persons_incidents_and_groups_among_many_words(
    any_store: Store,
) -> None:
    """Free text's candidate words are asked of the store at once: more words than
    SQLite takes variables, only stored ids come back, with their kind."""
    _seed(any_store)
    with any_store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P1", "P2"]}))
        tx.append("groups", pl.DataFrame({"group_id": ["G9"]}))
    words = [f"W{i}" for i in range(40_000)] + ["P1", "e2", "G9", "p2"]
    assert sorted(queries.stored_ids(any_store, words)) == [
        ("group", "G9"),
        ("incident", "e2"),
        ("person", "P1"),
    ]
    assert queries.stored_ids(any_store, []) == []


def test_stored_ids_finds_asb_stops_intelligence_and_detected_groups(
    any_store: Store,
) -> None:
    """An ASB report's, a stop's, an intelligence item's or a detected group's id
    in free text reached partners as typed, though partners see each only as a
    pseudonym (``avert.access.PREFIXES``): they are looked up too."""
    at = dt.datetime(2025, 1, 1, 12)
    with any_store.transaction() as tx:
        tx.append("asb", pl.DataFrame({"asb_id": ["ASB 77"], "occurred_at": [at]}))
        tx.append("stops", pl.DataFrame({"stop_id": ["S/99"], "occurred_at": [at]}))
        tx.append(
            "intelligence",
            pl.DataFrame(
                {
                    "intel_id": ["INT.5"],
                    "recorded_at": [at],
                    "subject_type": ["person"],
                    "subject_id": ["P1"],
                }
            ),
        )
        tx.append("detected_groups", pl.DataFrame({"group_id": ["net-P1"]}))
    words = ["ASB 77", "asb 77", "S/99", "INT.5", "net-P1", "S/98"]
    assert sorted(queries.stored_ids(any_store, words)) == [
        ("asb", "ASB 77"),
        ("group", "net-P1"),
        ("intel", "INT.5"),
        ("stop", "S/99"),
    ]


def test_stored_ids_asks_every_table_in_one_read(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A partner's page asked the store once per table of ids (seven reads, 0.19 s
    for a board pack's words on a store of 200,000 people and incidents): the
    candidates now travel once, in one read of all the tables (0.06 s)."""
    with sqlite_store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P1"]}))
    reads: list[str] = []
    real = sqlite_store._read

    def counted(sql: str, *args: object) -> pl.DataFrame:
        reads.append(sql)
        return real(sql, *args)

    monkeypatch.setattr(sqlite_store, "_read", counted)
    assert queries.stored_ids(sqlite_store, ["P1", "P2"]) == [("person", "P1")]
    assert len(reads) == 1


def test_stored_names_reads_only_the_names_asked_in_any_case(any_store: Store) -> None:
    """A stored person's or group's name in free text reached partners: the names
    the text's words may be are asked at once, compared in lower case and
    trimmed; no other name is read."""
    with any_store.transaction() as tx:
        tx.append(
            "person_identity",
            pl.DataFrame(
                {
                    "person_id": ["P1", "P2", "P3", "P4"],
                    "name": ["John SMITH", " Mary Jones ", "John Smith", None],
                }
            ),
        )
        tx.append(
            "groups",
            pl.DataFrame({"group_id": ["G1", "G2"], "name": ["Riverside", "Other"]}),
        )
    keys = ["john smith", "mary jones", "riverside", "smith john"]
    assert queries.stored_names(any_store, keys, kind="person") == [
        ("P1", "John SMITH"),
        ("P2", " Mary Jones "),
        ("P3", "John Smith"),
    ]
    assert queries.stored_names(any_store, keys, kind="group") == [("G1", "Riverside")]
    assert queries.stored_names(any_store, [], kind="person") == []
    # a capital letter outside ASCII: SQLite's lower() keeps it
    with any_store.transaction() as tx:
        tx.append(
            "person_identity",
            pl.DataFrame({"person_id": ["P5"], "name": ["Łukasz Nowak"]}),
        )
    asked = name_candidates(["met ŁUKASZ NOWAK"])
    assert queries.stored_names(any_store, asked, kind="person") == [
        ("P5", "Łukasz Nowak")
    ]
    assert (queries.name_words("person"), queries.name_words("group")) == (2, 1)


def test_stored_names_finds_names_stored_surname_first_or_widely_spaced(
    any_store: Store,
) -> None:
    """A name stored as police systems often hold it, surname first with a comma
    ("SMITH, John"), or with two spaces between its words, matched no word run of
    the text (compared as stored), and a name of five words was never asked: each
    reached partners as written. Names are now compared as their keys (lower case,
    words one space apart, "Surname, Forenames" as "forenames surname")."""
    with any_store.transaction() as tx:
        tx.append(
            "person_identity",
            pl.DataFrame(
                {
                    "person_id": ["P1", "P2", "P3"],
                    "name": [
                        "SMITH, John",
                        "Mary  Jones",
                        "Maria José da Silva Santos",
                    ],
                }
            ),
        )
    text = "met John Smith, then JONES Mary and Maria José da Silva Santos"
    asked = name_candidates([text])
    assert queries.stored_names(any_store, asked, kind="person") == [
        ("P1", "SMITH, John"),
        ("P2", "Mary  Jones"),
        ("P3", "Maria José da Silva Santos"),
    ]


def test_stored_names_index_their_words_and_give_each_found_names_key(
    any_store: Store,
) -> None:
    """Pseudonymising a force's texts keyed each found name again, one by one,
    and formed every run of every text's words: the names' words are indexed
    once (the words of their keys) and each found name comes with its key."""
    with any_store.transaction() as tx:
        tx.append(
            "person_identity",
            pl.DataFrame(
                {
                    "person_id": ["P1", "P2", "P3"],
                    "name": ["SMITH, John", "Mary  O’Neil", None],
                }
            ),
        )
    names = queries.StoredNames(any_store)
    assert names.words("person") == {"john", "smith", "mary", "o'neil"}
    assert names.find_keyed(["john smith", "mary o'neil"], kind="person") == [
        ("P1", "SMITH, John", "john smith"),
        ("P2", "Mary  O’Neil", "mary o'neil"),
    ]
    assert names.words("group") == frozenset()


def test_histories_kept_for_the_generation_are_cut_to_the_minute(
    any_store: Store,
) -> None:
    """The histories are read over whole days and kept for the data generation
    (avert.store.kept): each answer is cut to its own bounds (e2 at 23:59 is not
    before 23:00 though its day was read), a later minute of the same days is
    answered from the kept rows, and a write (a new generation) is read anew."""
    _seed(any_store)

    def history(until: dt.datetime) -> list[str]:
        inv, inc = queries.person_history(
            any_store,
            ["P1"],
            since=dt.datetime(2019, 1, 1),
            until=until,
            profile="avb-2010",
        )
        assert sorted(inv["incident_id"]) == sorted(inc["incident_id"])
        return sorted(inv["incident_id"].to_list())

    def offending(until: dt.datetime) -> list[str]:
        inv, _ = queries.offending_history(
            any_store,
            ["P1"],
            since=dt.datetime(2019, 6, 20, 23, 59, 30),
            until=until,
            profile="avb-2010",
            roles=("suspect", "offender"),
        )
        return sorted(inv["incident_id"].unique().to_list())

    assert history(dt.datetime(2019, 6, 20, 23)) == ["e1"]
    assert history(dt.datetime(2019, 6, 21)) == ["e1", "e2"]
    # e2 (23:59) is before this since: the day's rows are kept, cut to the minute
    assert offending(dt.datetime(2019, 7, 3)) == []
    with any_store.transaction() as tx:
        tx.append(
            "involvements",
            pl.DataFrame(
                {"incident_id": ["e3"], "person_id": ["P1"], "role": ["offender"]}
            ),
        )
    assert history(dt.datetime(2019, 7, 2, 1, 1)) == ["e1", "e2", "e3"]
    assert offending(dt.datetime(2019, 7, 2, 1, 1)) == ["e3"]
    assert offending(dt.datetime(2019, 7, 2, 1)) == []


def test_relationships_of_either_side_kept_for_the_generation(any_store: Store) -> None:
    with any_store.transaction() as tx:
        tx.append(
            "relationships",
            pl.DataFrame(
                {
                    "person_a": ["P1", "P3"],
                    "person_b": ["P2", "P1"],
                    "kind": ["sibling"] * 2,
                }
            ),
        )
    columns = ("person_a", "person_b", "kind")
    got = queries.relationships_of(any_store, ["P1"], columns=columns)
    assert sorted(got.rows()) == [("P1", "P2", "sibling"), ("P3", "P1", "sibling")]
    with any_store.transaction() as tx:
        tx.append(
            "relationships",
            pl.DataFrame({"person_a": ["P4"], "person_b": ["P1"], "kind": ["parent"]}),
        )
    got = queries.relationships_of(any_store, ["P1"], columns=columns)
    assert got.height == 3


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (dt.datetime(2019, 6, 3, 10, 15, 30, 123456), dt.datetime(2019, 6, 20, 23, 59)),
        (dt.datetime(2019, 6, 3, 10, 15, 30, 123457), dt.datetime(2019, 7, 2, 1, 0, 1)),
        (dt.datetime(2019, 5, 1), dt.datetime(2019, 6, 3, 10)),
    ],
)
def test_kept_reads_are_the_exact_reads(
    any_store: Store, start: dt.datetime, end: dt.datetime
) -> None:
    """Whole days kept for the generation, cut to the asked instants (to the
    microsecond): the rows of the exact read, in its order."""
    _seed(any_store)
    for _ in range(2):  # read, then kept
        for month_only in (False, True):
            got = queries.classified_between(
                any_store,
                start,
                end,
                columns=("occurred_from", "crime_type"),
                profile="avb-2010",
                month_only=month_only,
                keep=True,
            )
            want = queries.classified_between(
                any_store,
                start,
                end,
                columns=("occurred_from", "crime_type"),
                profile="avb-2010",
                month_only=month_only,
            )
            assert got.equals(want)
        got_inv = queries.involvements_between(any_store, start, end)
        want_inv = queries.read_in(
            any_store,
            "involvements",
            "incident_id",
            queries.classified_between(
                any_store, start, end, columns=(), profile="avb-2010"
            )["incident_id"].to_list(),
            columns=("incident_id", "person_id", "role"),
        )
        assert sorted(got_inv.rows()) == sorted(want_inv.rows())


def test_involvements_between_cut_to_the_instant(any_store: Store) -> None:
    _seed(any_store)
    # e2 at 23:59 of the day read whole: not before 23:58
    rows = queries.involvements_between(
        any_store, dt.datetime(2019, 6, 20), dt.datetime(2019, 6, 20, 23, 58)
    )
    assert rows.is_empty()
    rows = queries.involvements_between(
        any_store, dt.datetime(2019, 6, 20), dt.datetime(2019, 6, 20, 23, 59, 1)
    )
    assert rows.rows() == [("e2", "P1", "suspect")]
