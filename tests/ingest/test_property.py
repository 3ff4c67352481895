"""Property: corrupting real input at random never crashes and loses nothing.

Rows of real police.uk files, of the example bundle and of police.uk API JSON are
corrupted with the operations of the fault trial (issue 13.5): dropped, inserted and
garbled fields, cut lines, blank lines (also first), bare-CR line ends, quoted
fields over 128 KiB, unbalanced quotes before bare CRs, NUL bytes, stray latin-1
bytes, random bytes, full-width digits, out-of-range integers, JSON values of the
wrong type. Every load must finish (a refused file is an outcome, a traceback is
not), account for every row, write exactly what it reports as loaded, and report
the same quarantined rows as the quarantine table holds. The fast versions run ten
examples a check on SQLite and PostgreSQL; the ``slow`` ones run
``AVERT_PROPERTY_EXAMPLES`` (default 50: under a minute for bundles, whose every
load takes about a second) on SQLite; set it higher for a deeper search.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avert.errors import IngestError
from avert.ingest.limits import Limits
from avert.store import Store
from avert.workflows.load import LoadReport, load_files

DATA = Path(__file__).resolve().parents[1] / "data"
STREET = (
    (DATA / "policeuk" / "2018-07" / "2018-07-west-yorkshire-street.csv")
    .read_text()
    .splitlines()
)
STOPS = (
    (DATA / "policeuk" / "2019-01" / "2019-01-cumbria-stop-and-search.csv")
    .read_text()
    .splitlines()
)
BUNDLE = DATA / "bundle-example"
#: line limit of these tests: big fields are read, longer lines refuse the file
LIMITS = Limits(line_bytes=512 << 10)

_FAST = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_LONG = settings(
    _FAST, max_examples=int(os.environ.get("AVERT_PROPERTY_EXAMPLES", "50"))
)

#: text corruptions of one line (the line stays one line)
LINE_OPS = [
    "keep",
    "keep",
    "drop_field",
    "insert_field",
    "garble_field",
    "cut",
    "blank",
    "big_field",
    "full_width",
]
#: byte corruptions of one encoded line (may add line ends: rows not predictable)
BYTE_OPS = ["none", "none", "nul", "latin1", "random", "quote_cr"]


def _corrupt(line: str, how: str, data: st.DataObject) -> str:
    fields = line.split(",")
    i = data.draw(st.integers(0, max(len(fields) - 1, 0)))
    if how == "drop_field":
        del fields[i]
    elif how == "insert_field":
        fields.insert(i, data.draw(st.text(alphabet="ab9-. ", max_size=5)))
    elif how == "garble_field":
        fields[i] = data.draw(
            st.sampled_from(
                [
                    "",
                    "2018-13",
                    "999",
                    "nan",
                    "-",
                    "x\u00e9",
                    "1e400",
                    '"',
                    "3000000000",
                    "0x10",
                    "\uff12\uff10\uff12\uff11-01",
                ]
            )
        )
    elif how == "big_field":
        fields[i] = '"' + "y" * (130 << 10) + '"'
    elif how == "full_width":
        return line.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    elif how == "cut":
        return line[: data.draw(st.integers(0, len(line)))]
    elif how == "blank":
        return ""
    return ",".join(fields)


def _corrupt_bytes(line: bytes, how: str, data: st.DataObject) -> bytes:
    at = data.draw(st.integers(0, len(line)))
    if how == "nul":
        return line[:at] + b"\x00" + line[at:]
    if how == "latin1":
        return line[:at] + b"\xe9" + line[at:]
    if how == "random":
        return data.draw(st.binary(min_size=1, max_size=80))
    if how == "quote_cr":
        return line[:at] + b'"' + line[at:].replace(b",", b"\r", 2)
    return line


def _build(lines: list[str], data: st.DataObject) -> tuple[bytes, bool, int]:
    """Corrupted file bytes, whether its row count is predictable, its data rows."""
    header, rows = lines[0], lines[1:]
    out = []
    for line in rows:
        how = data.draw(st.sampled_from(LINE_OPS))
        out.append(line if how == "keep" else _corrupt(line, how, data))
    if data.draw(st.booleans()):
        header = _corrupt(
            header, data.draw(st.sampled_from(["garble_field", "keep"])), data
        )
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]))
    plain = "utf-8" if encoding == "utf-8-sig" else encoding  # one BOM, added below
    encoded = [x.encode(plain, errors="replace") for x in [header, *out]]
    predictable = True
    for k in range(1, len(encoded)):
        how = data.draw(st.sampled_from(BYTE_OPS))
        if how != "none":
            encoded[k] = _corrupt_bytes(encoded[k], how, data)
            predictable = predictable and how in ("nul", "latin1")
    ending = data.draw(st.sampled_from([b"\n", b"\r\n", b"\r"]))
    first = data.draw(st.sampled_from([b"", b"", ending]))  # a blank first line
    text = first + ending.join(encoded) + data.draw(st.sampled_from([b"", ending]))
    if encoding == "utf-8-sig":
        text = b"\xef\xbb\xbf" + text
    # after the byte operations: a NUL put into a blank line makes it a row
    non_blank = sum(1 for x in encoded[1:] if x.strip())
    return text, predictable and encoding != "latin-1", non_blank


def _agree(store: Store, report: LoadReport) -> None:
    """Every file balanced; the quarantine table holds what the report says."""
    for f in report.files:
        assert f.rows == f.loaded + f.quarantined + f.duplicates
        stored = store._query(
            "SELECT COUNT(*) AS n FROM quarantine "
            "WHERE source_file = ? AND kind = 'rejected' AND line > 0",
            [f.file],
            schema={"n": pl.Int64()},
        )["n"][0]
        assert stored == f.quarantined
        if f.kind in ("refused", "unknown"):
            assert f.error


def _load_one(
    store: Store, name: str, content: bytes
) -> tuple[LoadReport, dict[str, int], dict[str, int]]:
    """Load one file ``name`` of ``content``, checking the report against the store.

    Returns the report and the store's row counts before and after the load.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        before = store.counts()
        report = load_files(store, [path], limits=LIMITS)
        after = store.counts()
        _agree(store, report)
    return report, before, after


def _check_policeuk(store: Store, data: st.DataObject) -> None:
    which = data.draw(st.sampled_from(["street", "stops"]))
    source = STREET if which == "street" else STOPS
    rows = data.draw(st.lists(st.sampled_from(source[1:]), min_size=0, max_size=20))
    text, predictable, non_blank = _build([source[0], *rows], data)
    name = "2019-01-cumbria-stop-and-search.csv" if which == "stops" else "street.csv"
    report, before, after = _load_one(store, name, text)
    (f,) = report.files
    if f.kind not in ("unknown", "refused") and predictable:
        assert f.rows == non_blank
    added = sum(after[t] - before[t] for t in ("incidents", "stops"))
    assert added == f.loaded


@_FAST
@given(data=st.data(), noise=st.binary(min_size=0, max_size=3000))
def test_random_bytes_are_refused_or_quarantined(
    sqlite_store: Store, data: st.DataObject, noise: bytes
) -> None:
    report, _, _ = _load_one(sqlite_store, "noise.csv", noise)
    assert report.loaded == 0 or report.files[0].kind != "unknown"


# --- bundles -------------------------------------------------------------------------
def _check_bundle(store: Store, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(shutil.copytree(BUNDLE, Path(tmp) / "b"))
        for table in data.draw(
            st.lists(
                st.sampled_from(["people", "incidents", "involvements", "stops"]),
                min_size=1,
                max_size=3,
                unique=True,
            )
        ):
            path = bundle / f"{table}.csv"
            lines = path.read_text().splitlines()
            text, _, _ = _build(lines, data)
            path.write_bytes(text)
        before = store.counts()
        why = ""
        try:
            report = load_files(store, [bundle], kind="bundle", limits=LIMITS)
        except IngestError as err:  # a bad bundle (a required column gone): no load
            why = str(err)
            report = None
        if report is None:
            assert "required column" in why
            assert store.counts() == before
            return
        after = store.counts()
        _agree(store, report)
    tables = ("incidents", "people", "involvements", "stops", "relationships")
    added = sum(after[t] - before[t] for t in tables if t in after)
    loaded = sum(
        f.loaded
        for f in report.files
        if any(f"/{t}." in f.file.lower() for t in tables)
    )
    assert added == loaded


# --- police.uk API JSON --------------------------------------------------------------
_GOOD = {
    "type": "Person search",
    "datetime": "2019-01-01T10:00:00+00:00",
    "location": {"latitude": "54.6", "longitude": "-2.9", "street": {"id": 1}},
    "gender": "Male",
    "age_range": "18-24",
    "outcome": "A no further action disposal",
    "operation": False,
    "legislation": "Misuse of Drugs Act 1971 (section 23)",
}
_ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.sampled_from(["a\x00b", "\ud800", "\uff12\uff10\uff11\uff19", "x" * 300]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.fixed_dictionaries(
        {"latitude": st.text(max_size=4), "longitude": st.integers()}
    ),
)


def _check_api(store: Store, data: st.DataObject) -> None:
    records = []
    for k in range(data.draw(st.integers(0, 12))):
        record = dict(_GOOD, datetime=f"2019-01-{1 + k % 28:02d}T10:00:00+00:00")
        for key in data.draw(
            st.lists(st.sampled_from([*_GOOD, "location"]), max_size=3, unique=True)
        ):
            record[key] = data.draw(_ODD_VALUES)
        records.append(record)
    text = json.dumps(records, ensure_ascii=False).encode("utf-8", "surrogatepass")
    report, before, after = _load_one(store, "2019-01-cumbria-stops-force.json", text)
    (f,) = report.files
    if f.kind != "refused" and f.kind != "unknown":
        assert f.rows == len(records)
    assert after["stops"] - before["stops"] == f.loaded


# --- the properties, each on every corruption: fast on both stores, long on SQLite -----
#: police.uk files (street or stops), bundles, police.uk API JSON
CHECKS = [
    pytest.param(_check_policeuk, id="policeuk"),
    pytest.param(_check_bundle, id="bundle"),
    pytest.param(_check_api, id="api"),
]
Check = Callable[[Store, st.DataObject], None]


def _holds(check: Check, store: Store, profile: settings) -> None:
    """``check`` on ``store`` for every example ``profile`` draws."""

    @profile
    @given(data=st.data())
    def examples(data: st.DataObject) -> None:
        check(store, data)

    examples()


@pytest.mark.parametrize("check", CHECKS)
def test_random_corruption_never_crashes_nor_loses_a_row(
    any_store: Store, check: Check
) -> None:
    _holds(check, any_store, _FAST)


@pytest.mark.slow
@pytest.mark.parametrize("check", CHECKS)
def test_random_corruption_never_crashes_nor_loses_a_row_long(
    sqlite_store: Store, check: Check
) -> None:
    _holds(check, sqlite_store, _LONG)
