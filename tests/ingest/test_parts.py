"""Big files read in parts, deferred indexes, parse-ahead: same results as whole reads."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import avert.ingest.policeuk as policeuk
import avert.ingest.policeuk._read as policeuk_read
import avert.workflows.load as load
import avert.workflows.load._state as load_state
from avert.errors import IngestError
from avert.ingest._csv import read_csv, read_csv_parts
from avert.ingest.keys import ContentKeyer, content_keys
from avert.ingest.policeuk import parse_policeuk, parse_policeuk_parts
from avert.ingest.result import Parsed
from avert.ingest.sources import expand_paths
from avert.store import Store
from avert.workflows.load import load_files

from .helpers import STREET_HEADER, street_row, write

_LINE = st.sampled_from(
    [
        "a,b,c",
        "1,2,3",
        '"x, y",2,3',  # quoted comma: still one line, three fields
        "1,2",  # too few fields
        "1,2,3,4",  # too many
        "",  # blank
        "é,ü,3",
        "a,b,c\r",  # CRLF line
    ]
)


def _whole_and_parts(
    data: bytes, part_lines: int, first: int | None = None
) -> tuple[object, object]:
    whole = read_csv(data)
    parts = read_csv_parts(data, part_lines=part_lines, first_part_lines=first)
    assert parts is not None
    tables = list(parts)
    frame = pl.concat([t.frame for t in tables])
    bad = pl.concat([t.bad for t in tables])
    assert sum(t.rows for t in tables) == whole.rows
    assert all(t.header == whole.header for t in tables)
    return (whole.frame, whole.bad), (frame, bad)


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(_LINE, min_size=4, max_size=40),
    part_lines=st.integers(1, 5),
    first=st.none() | st.integers(1, 6),
)
def test_parts_read_exactly_what_the_whole_file_reads(
    lines: list[str], part_lines: int, first: int | None
) -> None:
    data = ("h1,h2,h3\n" + "\n".join(lines) + "\n").encode()
    if data.count(b"\n") <= part_lines + 1:
        assert read_csv_parts(data, part_lines=part_lines) is None
        return
    (wf, wb), (pf, pb) = _whole_and_parts(data, part_lines, first)
    assert pf.equals(wf)  # type: ignore[attr-defined]
    assert pb.equals(wb)  # type: ignore[attr-defined]


def test_parts_keep_line_numbers_of_bad_lines_and_encodings() -> None:
    lines = ["h1,h2", *[f"{i},x" for i in range(10)], "ragged", "", "9,9", "a,b,c"]
    data = b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n"
    (wf, wb), (pf, pb) = _whole_and_parts(data, 3)
    assert pb["line"].to_list() == [12, 15] == wb["line"].to_list()  # type: ignore[index]
    assert pf.equals(wf)  # type: ignore[attr-defined]
    latin = "h1,h2\n" + "\n".join(f"caf\xe9 {i},x" for i in range(8)) + "\n"
    (wf, _), (pf, _) = _whole_and_parts(latin.encode("latin-1"), 3)
    assert pf.equals(wf)  # type: ignore[attr-defined]
    assert pf["h1"][0] == "café 0"  # type: ignore[index]


def test_a_quote_that_may_span_lines_is_read_whole() -> None:
    data = b'h1,h2\n1,2\n"3,\n4",5\n6,7\n8,9\n'
    assert read_csv_parts(data, part_lines=1) is None
    assert read_csv_parts(b"h1,h2\n1,2\n3,4\n", part_lines=5) is None  # small


def test_content_keyer_over_parts_equals_whole() -> None:
    frame = pl.DataFrame({"a": ["x", "y", "x", "x", "y", "z", "x"], "b": ["1"] * 7})
    whole = content_keys(frame, ["a", "b"], prefix="k-")
    keyer = ContentKeyer(["a", "b"], prefix="k-")
    parts = [keyer.keys(frame.slice(i, 2)) for i in range(0, frame.height, 2)]
    assert pl.concat(parts).to_list() == whole.to_list()
    assert whole.n_unique() == frame.height  # identical rows keep distinct keys


def _street_file(tmp_path: Path, name: str = "2018-07-x-street.csv") -> Path:
    # identical keyless (ASB) rows spread over every part, a repeated Crime ID with a
    # different outcome in a later part, and a bad month, so every path is taken
    rows = []
    for i in range(30):
        rows.append(street_row())  # identical ASB rows: ordinals across parts
        rows.append(street_row(f"id{i:03d}", crime_type="Robbery"))
    rows.append(street_row("id001", crime_type="Robbery", location="Elsewhere"))
    rows.append(street_row("id002", crime_type="Robbery"))  # plain duplicate
    rows.append(street_row("id999", month="2018-13"))  # rejected
    return write(tmp_path / name, [STREET_HEADER, *rows])


def test_policeuk_parts_equal_the_whole_parse(tmp_path: Path) -> None:
    path = _street_file(tmp_path)
    (source,), _ = expand_paths([path])
    whole = parse_policeuk(source)
    parts = list(parse_policeuk_parts(source, part_lines=7))
    assert len(parts) == 10  # 63 data lines: 1 + 7 * 8 + 6
    assert sum(p.rows for p in parts) == whole.rows == 63
    assert {p.sha256 for p in parts} == {whole.sha256}
    assert pl.concat([p.frames["incidents"] for p in parts]).equals(
        whole.frames["incidents"]
    )
    assert pl.concat([p.problems for p in parts]).equals(whole.problems)
    assert len(list(parse_policeuk_parts(source))) == 1  # small: one part


def _dump(store: Store) -> dict[str, pl.DataFrame]:
    out = {}
    for table in ("incidents", "quarantine", "loads"):
        frame = store.read_frame(table).drop("load_id", strict=False)
        if table == "loads":
            frame = frame.drop("loaded_at")
        out[table] = frame.sort(frame.columns[:2], nulls_last=True)
    return out


def test_load_in_parts_equals_load_whole(
    template_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _street_file(tmp_path)
    results = []
    for part_lines, defer_rows in ((10**9, 10**9), (7, 10)):
        monkeypatch.setattr(policeuk_read, "PART_LINES", part_lines)
        monkeypatch.setattr(load_state, "_DEFER_INDEX_ROWS", defer_rows)
        db = tmp_path / f"parts-{part_lines}.db"
        db.write_bytes(template_db.read_bytes())
        store = Store(f"sqlite:///{db}")
        report = load_files(store, [path])
        (f,) = report.files
        assert f.balanced
        assert (f.rows, f.loaded, f.quarantined, f.duplicates, f.conflicts) == (
            63,
            60,
            1,
            2,
            1,
        )
        again = load_files(store, [path])  # idempotent: all duplicates, nothing added
        assert again.loaded == 0
        assert again.duplicates == 62
        results.append(_dump(store))
        store.close()
    for table, frame in results[0].items():
        assert results[1][table].equals(frame), table


def _index_sql(store: Store) -> list[str]:
    found = store._query(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "ORDER BY name",
        schema={"sql": pl.String()},
    )
    return [str(s) for s in found["sql"].to_list()]


def test_deferred_indexes_are_rebuilt_identically(sqlite_store: Store) -> None:
    before = _index_sql(sqlite_store)
    assert any("ix_incidents_occurred_from" in s for s in before)
    with sqlite_store.transaction() as tx, tx.deferred_indexes("incidents"):
        gone = tx._query(
            "SELECT name FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name = 'incidents' AND sql IS NOT NULL",
            schema={"name": pl.String()},
        )
        assert gone.height == 0
    assert _index_sql(sqlite_store) == before
    with (
        pytest.raises(RuntimeError),
        sqlite_store.transaction() as tx,
        tx.deferred_indexes("incidents"),
    ):
        raise RuntimeError("boom")
    assert _index_sql(sqlite_store) == before  # rolled back: indexes kept


@pytest.mark.postgres
def test_a_role_that_does_not_own_the_tables_loads_with_deferred_indexes(
    postgres_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under the narrower role of docs/postgresql.md ("Harden it"), a big load (more
    new rows than _DEFER_INDEX_ROWS, 203,519 for London's 2022 Q1) stopped in a
    traceback: "must be owner of index ix_incidents_occurred_from_...". It now
    keeps the indexes and loads."""
    import sqlalchemy as sa

    monkeypatch.setattr(load_state, "_DEFER_INDEX_ROWS", 10)
    role = f"avert_app_{uuid.uuid4().hex[:8]}"
    owner = postgres_store.engine
    with owner.begin() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        conn.exec_driver_sql(
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public "
            f'TO "{role}"'
        )
    url = sa.make_url(postgres_store.url.sqlalchemy).set(username=role, password=None)
    app = Store(url.render_as_string(hide_password=False))
    try:
        (f,) = load_files(app, [_street_file(tmp_path)]).files
        assert (f.loaded, f.quarantined) == (60, 1)
        assert app.count("incidents") == 60
    finally:
        app.close()
        with owner.begin() as conn:
            conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            conn.exec_driver_sql(f'DROP ROLE "{role}"')


def test_error_in_a_later_file_leaves_nothing(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(policeuk_read, "PART_LINES", 7)
    monkeypatch.setattr(load_state, "_DEFER_INDEX_ROWS", 10)
    good = _street_file(tmp_path, "2018-07-a-street.csv")
    bad = _street_file(tmp_path, "2018-07-b-street.csv")
    real = policeuk.parse_policeuk_parts

    def failing(source: object, **kw: object) -> object:
        if "-b-" in str(source):
            msg = "unreadable"
            raise IngestError(msg)
        return real(source, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(policeuk, "parse_policeuk_parts", failing)
    with pytest.raises(IngestError, match="unreadable"):
        load_files(sqlite_store, [good, bad])
    assert sqlite_store.count("incidents") == 0
    assert sqlite_store.count("loads") == 0
    assert any("ix_incidents_occurred_from" in s for s in _index_sql(sqlite_store))


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(part_lines=st.integers(2, 40))
def test_any_part_size_gives_the_same_rows(tmp_path: Path, part_lines: int) -> None:
    path = _street_file(tmp_path)
    (source,), _ = expand_paths([path])
    parts = list(parse_policeuk_parts(source, part_lines=part_lines))
    frame = pl.concat([p.frames["incidents"] for p in parts])
    assert frame.equals(parse_policeuk(source).frames["incidents"])


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    moments=st.lists(st.datetimes() | st.none(), min_size=1, max_size=50),
)
def test_append_stores_times_as_adbc_would(
    sqlite_store: Store, moments: list[dt.datetime | None]
) -> None:
    frame = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(len(moments))],
            "occurred_from": pl.Series(moments, dtype=pl.Datetime("us")),
        }
    )
    days = pl.DataFrame(
        {
            "person_id": frame["incident_id"],
            "date_of_birth": frame["occurred_from"].dt.date(),
        }
    )
    with sqlite_store.transaction() as tx:
        tx._execute("DELETE FROM incidents")
        tx._execute("DELETE FROM person_identity")
        tx.append("incidents", frame)
        tx.append("person_identity", days)
        with tx._conn.cursor() as cur:  # the driver's own formatting, for reference
            cur.adbc_ingest("_ref", frame.to_arrow(), mode="create", temporary=True)
            cur.adbc_ingest("_refd", days.to_arrow(), mode="create", temporary=True)
        got = tx._query(
            "SELECT i.occurred_from AS a, r.occurred_from AS b, p.date_of_birth AS c, "
            "d.date_of_birth AS d FROM incidents i JOIN _ref r USING (incident_id) "
            "JOIN person_identity p ON p.person_id = i.incident_id "
            "JOIN _refd d ON d.person_id = i.incident_id",
            schema=dict.fromkeys("abcd", pl.String()),
        )
        tx._execute("DROP TABLE _ref")
        tx._execute("DROP TABLE _refd")
    assert got.height == len(moments)
    assert got["a"].eq_missing(got["b"]).all()
    assert got["c"].eq_missing(got["d"]).all()


def test_no_table_has_column_defaults() -> None:
    # Transaction.append leaves all-null columns out of a SQLite INSERT: that stores
    # NULL only while no column has a default
    from avert.store.tables import metadata

    with_default = [
        f"{t.name}.{c.name}"
        for t in metadata.tables.values()
        for c in t.columns
        if c.server_default is not None or c.default is not None
    ]
    assert with_default == []


def _index_names(store: Store) -> set[str]:
    if store.dialect == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'incidents'"
    else:
        sql = "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'incidents'"
    return {
        str(n)
        for n in store._query(sql, schema={"name": pl.String()})["name"].to_list()
    }


def test_parts_and_deferred_indexes_on_both_stores(
    any_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(policeuk_read, "PART_LINES", 7)
    monkeypatch.setattr(load_state, "_DEFER_INDEX_ROWS", 10)
    before = _index_names(any_store)
    # the places index (0013, 0028: its name is shortened on PostgreSQL)
    assert any(
        n.startswith("ix_incidents_occurred_from_time_precision_x_y_domestic")
        for n in before
    ), before
    report = load_files(any_store, [_street_file(tmp_path)])
    (f,) = report.files
    assert (f.rows, f.loaded, f.quarantined, f.duplicates, f.conflicts) == (
        63,
        60,
        1,
        2,
        1,
    )
    assert any_store.count("incidents") == 60
    assert _index_names(any_store) == before


def test_progress_moves_part_by_part(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(policeuk_read, "PART_LINES", 20)
    path = _street_file(tmp_path)  # 63 data lines: parts of 5, 20, 20, 18 lines
    calls: list[tuple[str, int, int]] = []
    report = load_files(
        sqlite_store, [path], progress=lambda *a: calls.append((a[0], a[1], a[2]))
    )
    read = [c[0] for c in calls if "rows read" in c[0]]
    assert read == [
        f"{path} ({n} rows read)" for n in (5, 25, 45, report.files[0].rows)
    ]
    # named with its size as soon as it is read (before its first part is parsed)
    size = path.stat().st_size
    assert calls[0] == (f"{path} ({size / 1e3:,.1f} kB)", 0, 1)
    assert calls[-2:] == [(load.FINISHING, 1, 1), ("", 1, 1)]


def test_progress_names_each_file_before_it_is_parsed(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """``ingest table``/``bundle`` showed "loading 0/?" and no file name while a
    big file was parsed (all of Toronto's 11.7 MB): the bar is told the file, its
    size and the number of files while each file is parsed, not after."""
    files = [_street_file(tmp_path, f"2018-07-{c}-street.csv") for c in "ab"]
    named = {
        f"{p} ({p.stat().st_size / 1e3:,.1f} kB)": (threading.Event(), i)
        for i, p in enumerate(files)
    }
    seen_while_parsing: list[bool] = []

    def parse(path: Path) -> Parsed:
        # the parse (in the loader's thread) waits to be named on the bar
        told, _ = named[f"{path} ({path.stat().st_size / 1e3:,.1f} kB)"]
        seen_while_parsing.append(told.wait(timeout=3))
        (source,), _ = expand_paths([path])
        return parse_policeuk(source)

    def progress(what: str, done: int, total: int) -> None:
        if what in named:
            assert (done, total) == (named[what][1], 2)
            named[what][0].set()

    load_files(sqlite_store, files, kind="table", parse=parse, progress=progress)
    assert seen_while_parsing == [True, True]
